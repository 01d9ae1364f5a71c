"""Which ratings a council's reports call complete, read from the keys they print.

Staffordshire's "Progress Red - Delayed Amber - In progress Green - Completed
Grey - not yet started" makes G complete; Leicestershire's "Red - Delayed
Amber – In progress Green – On Track Blue – Completed Pink – To be started"
makes B complete. Where a report prints no key naming colours the BRAG
convention holds: B (blue) is complete.

Timelines (and so the summary's "stalled" sentence), briefs and weakness
roll-ups all ask here, so an action the plan's own key calls complete is
complete everywhere, and never reported as stalled.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable, Optional, Sequence

from .model import Citation, MergedAction, RatingKey, RatingPoint
from .protocols import CorpusReader

#: Colour words of rating keys, and the rating each stands for.
COLOUR_RATINGS = {"red": "R", "amber": "A", "green": "G", "blue": "B", "grey": "grey", "gray": "grey",
                  "pink": "pink", "purple": "purple"}

#: Where a report prints no key, blue is complete (the BRAG convention).
DEFAULT_COMPLETE = frozenset({"B"})

_COLOUR = r"(?:red|amber|green|blue|gr[ae]y|pink|purple)"
# "Green - Completed", "Blue – Completed": a colour, a dash or colon, and its meaning up
# to the next colour entry or the end of the cell.
_KEY_ENTRY = re.compile(
    rf"\b(?P<colour>{_COLOUR})\s*[-\u2013\u2014:=]\s*(?P<meaning>.+?)(?=\s+{_COLOUR}\s*[-\u2013\u2014:=]|\s*\||$)",
    re.IGNORECASE,
)
_MEANS_COMPLETE = re.compile(r"^\s*complet(?:e|ed|ion)\b", re.IGNORECASE)


def rating_keys(
    store: CorpusReader, council: str, actions: Optional[Iterable[MergedAction]] = None
) -> list[RatingKey]:
    """Every colour key the council's reports print, from status labels and kept table headers.

    ``actions``: the council's actions if already read, to read them once.
    """
    found: list[RatingKey] = []
    seen: set[tuple[str, str, str]] = set()
    texts: list[tuple[Citation, str]] = []
    for action in store.iter_actions(council) if actions is None else actions:
        texts.extend((status.source, status.label) for status in action.statuses)
    for document in store.documents(council):
        texts.extend((Citation(span.document, span.line), span.text) for span in store.unattributed(document.name))
    for source, text in texts:
        for match in _KEY_ENTRY.finditer(text):
            rating = COLOUR_RATINGS[match.group("colour").lower()]
            meaning = match.group("meaning").strip()
            entry = f"{match.group('colour')} - {meaning}"
            printed = text[match.start():match.end()].strip()
            key = (source.document, rating, meaning.lower())
            if key in seen:
                continue
            seen.add(key)
            found.append(RatingKey(source=source.located(store.location), text=printed or entry, rating=rating,
                                   complete=bool(_MEANS_COMPLETE.match(meaning))))
    return found


def complete_ratings_by_document(keys: Iterable[RatingKey]) -> dict[str, frozenset[str]]:
    """Document name -> the ratings its own key calls complete (documents printing such a key only)."""
    by_document: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        if key.complete:
            by_document[key.document].add(key.rating)
    return {document: frozenset(ratings) for document, ratings in by_document.items()}


def council_complete_ratings(keys: Iterable[RatingKey]) -> frozenset[str]:
    """The ratings any of the council's keys calls complete; B (the BRAG convention) where none does."""
    return frozenset(key.rating for key in keys if key.complete) or DEFAULT_COMPLETE


class CompleteRatings:
    """The complete ratings of one council's reports, per document, to ask about any of its actions."""

    def __init__(self, keys: Sequence[RatingKey]) -> None:
        self.keys = list(keys)
        self.by_document = complete_ratings_by_document(self.keys)
        self.council = council_complete_ratings(self.keys)

    @classmethod
    def of_council(
        cls, store: CorpusReader, council: str, actions: Optional[Iterable[MergedAction]] = None
    ) -> CompleteRatings:
        return cls(rating_keys(store, council, actions))

    def for_points(self, points: Sequence[RatingPoint]) -> frozenset[str]:
        """The ratings complete for an action: its latest rating's report's key, else the council's."""
        latest = next((point for point in reversed(points) if point.rating), None)
        if latest is not None:
            cell = next((c for c in reversed(latest.printed) if c.rag == latest.rating), None)
            if cell is not None and cell.document in self.by_document:
                return self.by_document[cell.document]
        return self.council
