"""Per-action timelines: what was said when, how the rating moved, what was new.

store --build_timeline--> Timeline: one action's updates from every report, in
date order, with

* every place each update was printed (document, line and where that line is
  in the file: "page 3"), its date stamp as printed, and undated text placed at its report's as-of month and marked
  ``undated``;
* the rating at each review date, with the transition from the previous one
  (``first``, ``better``, ``worse``, ``unchanged``, ``changed`` where the
  order is unknown, ``unrated`` for an empty cell);
* each update cut into sentences (spaCy's sentencizer, as passages are), every
  sentence labelled ``new`` or ``repeat`` against the sentences of the earlier
  updates, a repeat naming the update and sentence it repeats and how similar
  they are; updates that only point elsewhere ("See above", "SEE 6E") are
  ``reference`` updates and take no part in the comparison;
* the months since the last dated update, as of a chosen month.

Commitments ("By April 2021 we will have ...", ``kind == "commitment"``) are
future targets, not progress: they stay in the timeline in date order (of
their target month), labelled, but their sentences are labelled
``commitment`` and take no part in the new/repeat comparison (a progress
update that restates a target is not a repeat of progress, and a target is
not news), and their months never count as the last dated update.

Every text a timeline holds is cut from a stored update's text, so anything
shown from it can be found verbatim in the source.

Rating order
------------
R < A < G < B (blue: complete). A mixed rating such as "G/A" sits at the mean
of its parts (between A and G); a rating outside the scale (pink, grey) has no
place in the order, so a move to or from it is ``changed``.

Novelty threshold
-----------------
A sentence is a repeat when its cosine similarity (all-MiniLM-L6-v2,
normalised vectors) to some sentence of an earlier update of the same action
is at least :data:`NOVELTY_THRESHOLD` = 0.80, or when the two are the same
letters and digits. The threshold was chosen on every pair in the sample
corpus (each sentence against its most similar earlier sentence):

* repeats, all above 0.80: Telford 1.1's June 2022 statement "A SEND
  Conference for October 2022 is being arranged." is January's word for word
  (1.000); Staffordshire 3.2 D's Jan 2020 "CCG Strategic Commissioning Post
  has been appointed, and to meet with LA rep to discuss completion of this
  area." restates Dec 2019's "CCG Strategic Commissioning Post has been
  appointed to." (0.866).
* new, all below 0.80, the closest being: 3.3 C's May 2021 "District hub
  developments include:" against Feb 2021's "District Hubs are in place and
  attended by specialist support services." (0.761, it introduces a new list);
  3.1 E's Dec 2021 "Protocols for the Graduated response developed ..."
  against Feb 2021's "... systemic review of processes from graduated
  response ..." (0.724, the protocols are the progress); 3.2 D's Nov 2019
  "Sub group report that actions are ongoing ..." (0.648); Telford 1's June
  2022 "Coproduction Charter is in the final stages ..." against January's
  "Workshops to embed the Charter w arranged." (0.468).

So 0.80 sits in the gap between the highest new sentence (0.761) and the
lowest restatement (0.866). Printings of one update in two reports (000 and
001's "3.3 C") are merged by the store before this, so they are one entry with
two sources, not a repeat.

Without an embedder only repeats with the same letters and digits are found
(``novelty_method`` "exact"); pass an :class:`~narrative_search.embed.Embedder`
for the semantic comparison.
"""

from __future__ import annotations

import difflib
from typing import Iterable, Optional, Sequence

import numpy as np

from .completion import CompleteRatings
from .errors import NarrativeSearchError
from .merge import comparable_text
from .model import (
    Locate,
    MergedAction,
    MergedUpdate,
    PrintedRating,
    RatingPoint,
    RepeatOf,
    Sentence,
    Status,
    Timeline,
    TimelineEntry,
    Variant,
    slug,
)
from .months import Month, check_month, month_sort_key, months_between
from .passages import rating_at, sentence_spans
from .protocols import CorpusReader, TextEncoder
from .refs import reference_target

#: Cosine similarity at or above which a sentence repeats an earlier one (see the module docstring).
NOVELTY_THRESHOLD = 0.80

#: Place of each single rating on the scale; higher is better.
RATING_RANK = {"R": 0.0, "A": 1.0, "G": 2.0, "B": 3.0}



# -- ratings -------------------------------------------------------------------


def rating_rank(rating: Optional[str]) -> Optional[float]:
    """Place of a rating on R < A < G < B; a mixed "G/A" at the mean of its parts; None if off the scale."""
    if not rating:
        return None
    ranks = [RATING_RANK.get(part.strip().upper()) for part in rating.split("/")]
    if not ranks or any(rank is None for rank in ranks):
        return None
    return sum(ranks) / len(ranks)  # type: ignore[arg-type]


def transition(previous: Optional[str], current: Optional[str]) -> str:
    """How a rating moved: first, better, worse, unchanged, changed (order unknown) or unrated."""
    if current is None:
        return "unrated"
    if previous is None:
        return "first"
    if previous.strip().upper() == current.strip().upper():
        return "unchanged"
    before, after = rating_rank(previous), rating_rank(current)
    if before is None or after is None:
        return "changed"
    if after > before:
        return "better"
    if after < before:
        return "worse"
    return "unchanged"


def rating_points(statuses: Sequence[Status], locate: Optional[Locate] = None) -> list[RatingPoint]:
    """One point per review month, oldest first, each with its transition.

    Where two reports printed the same review month, the rating is the one
    :func:`~narrative_search.passages.rating_at` takes (the later report's), and
    every printed cell is kept so a conflict stays visible. Statuses without a
    month cannot be placed and are left out. ``locate`` (the store's
    :meth:`~narrative_search.store.CorpusStore.location`) says where each
    printed cell is in its file.
    """
    by_month: dict[str, list[Status]] = {}
    for status in statuses:
        if status.month is not None:
            by_month.setdefault(status.month, []).append(status)
    points: list[RatingPoint] = []
    previous: Optional[str] = None
    for month in sorted(by_month):
        cells = by_month[month]
        rating = rating_at(cells, month)
        shown = next((cell for cell in reversed(cells) if cell.rag == rating), cells[-1])
        points.append(
            RatingPoint(
                month=month,
                label=shown.label,
                rating=rating,
                transition=transition(previous, rating),
                previous=previous,
                printed=[
                    PrintedRating(source=cell.source.located(locate), label=cell.label,
                                  rag_printed=cell.rag_printed, rag=cell.rag)
                    for cell in cells
                ],
            )
        )
        if rating is not None:
            previous = rating
    return points


# -- building ------------------------------------------------------------------


def build_timeline(
    store: CorpusReader,
    action_id: str,
    embedder: Optional[TextEncoder] = None,
    as_of: Optional[str] = None,
) -> Timeline:
    """The timeline of one action; a NarrativeSearchError names close ids if it is unknown.

    ``action_id`` is a stored id ("staffordshire/3-2-d") or one typed with the
    council and ref as printed ("Staffordshire/3.2 D").

    ``as_of`` ("YYYY-MM") is the month staleness is counted to; by default the
    latest date of the reports that print the action. ``embedder`` gives the
    semantic novelty; without it only word-for-word repeats are found.
    """
    as_of = check_month(as_of, "as of")
    action = store.get_action(action_id)
    if action is None:  # "Staffordshire/3.2 D" as typed is "staffordshire/3-2-d"
        action = store.get_action("/".join(slug(part) for part in action_id.split("/", 1)))
    if action is None:
        raise NarrativeSearchError(_unknown_action_message(store, action_id))
    return timeline_of_action(store, action, embedder=embedder, as_of=as_of)


def timeline_of_action(
    store: CorpusReader,
    action: MergedAction,
    embedder: Optional[TextEncoder] = None,
    as_of: Optional[str] = None,
    report_dates: Optional[dict[str, Month]] = None,
    complete: Optional[CompleteRatings] = None,
) -> Timeline:
    """The timeline of an action already read from ``store``.

    ``report_dates`` (document name to as-of month) and ``complete`` (the
    council's rating keys) save queries per action when many are built, as a
    brief does.
    """
    as_of = check_month(as_of, "as of")
    if report_dates is None:
        report_dates = {document.name: document.as_of for document in store.documents(action.council)}
    entries = [_entry(action, update, report_dates, store.location) for update in action.updates]
    # The store orders updates by month, undated ones at the end of their
    # report's month; a stable sort keeps that and makes the rule explicit here.
    entries.sort(key=lambda entry: (month_sort_key(entry.month), entry.undated))
    method = _label_novelty(entries, embedder)
    if as_of is None:
        dates = [report_dates.get(name) for name in action.documents]
        as_of = max((date for date in dates if date), default=None)
    last = _last_update_month(entries, as_of)
    if complete is None:
        complete = CompleteRatings.of_council(store, action.council)
    ratings = rating_points(action.statuses, store.location)
    return Timeline(
        kind=action.kind,
        action_id=action.id,
        council=action.council,
        ref=action.ref,
        action=action.action,
        documents=list(action.documents),
        entries=entries,
        ratings=ratings,
        as_of=as_of,
        last_update_month=last,
        months_since_last_update=months_between(last, as_of) if last and as_of else None,
        novelty_method=method,
        novelty_threshold=NOVELTY_THRESHOLD,
        novelty_model=embedder.model_id if embedder is not None else None,
        report_dates={source.document: report_dates.get(source.document)
                      for entry in entries for source in entry.sources},
        complete_ratings=sorted(complete.for_points(ratings)),
    )


def _entry(
    action: MergedAction, update: MergedUpdate, report_dates: dict[str, Month], locate: Locate
) -> TimelineEntry:
    sources = [source.located(locate) for source in update.sources]
    undated = update.start is None
    month = update.start if not undated else (report_dates.get(sources[0].document) if sources else None)
    target = reference_target(update.text)
    return TimelineEntry(
        update_id=update.id,
        month=month,
        end=update.end if not undated else month,
        undated=undated,
        kind=update.kind,
        stamp=update.stamp,
        text=update.text,
        sources=sources,
        rating=rating_at(action.statuses, month),
        reference_only=target is not None,
        reference_to=target,
        sentences=[
            Sentence(text=update.text[start:end], start=start, end=end, label=_first_label(update, target))
            for start, end in sentence_spans(update.text)
        ],
        deleted=list(update.deleted),
        variants=[Variant(variant.source.located(locate), variant.text) for variant in update.variants],
    )


def _first_label(update: MergedUpdate, reference_to: Optional[str]) -> str:
    """A sentence's label before the comparison: reference, commitment, else new (a repeat is found later)."""
    if reference_to is not None:
        return "reference"
    return "commitment" if update.kind == "commitment" else "new"


def _is_progress(entry: TimelineEntry) -> bool:
    """Progress text: neither a pointer elsewhere nor a commitment (a future target)."""
    return not entry.reference_only and entry.kind != "commitment"


def _label_novelty(entries: list[TimelineEntry], embedder: Optional[TextEncoder]) -> str:
    """Label each progress sentence new or repeat against the earlier progress entries' sentences."""
    content = [(index, sentence) for index, entry in enumerate(entries) if _is_progress(entry)
               for sentence in entry.sentences]
    if not content:
        return "embedding" if embedder is not None else "exact"
    keys = [comparable_text(sentence.text) for _, sentence in content]
    if embedder is not None:
        vectors = embedder.encode([sentence.text for _, sentence in content])
        similarity = np.asarray(vectors @ vectors.T, dtype=np.float64)
    else:
        similarity = np.zeros((len(content), len(content)))
    for row, (index, sentence) in enumerate(content):
        earlier = [column for column, (other, _) in enumerate(content) if other < index]
        if not earlier:
            continue
        scores = [1.0 if keys[row] and keys[row] == keys[column] else float(similarity[row, column])
                  for column in earlier]
        best = int(np.argmax(scores))
        score = min(round(scores[best], 4), 1.0)
        if embedder is None and score < 1.0:
            continue  # without the model only identical wording is known; no score to show
        sentence.similarity = score
        if score >= NOVELTY_THRESHOLD:
            other_index, other = content[earlier[best]]
            source = entries[other_index]
            sentence.label = "repeat"
            sentence.repeats = RepeatOf(source.update_id, source.month, source.stamp, other.text, score)
    return "embedding" if embedder is not None else "exact"


def _last_update_month(entries: Iterable[TimelineEntry], as_of: Month) -> Month:
    """The latest month covered by a dated update that had started by ``as_of``.

    Undated text is left out: its placement at the report's date says when it
    was printed at the latest, not when it was written. Commitments are left
    out: their month is a target, not progress made. An update running past
    ``as_of`` counts up to ``as_of``.
    """
    months = []
    for entry in entries:
        if entry.kind == "commitment":
            continue
        if entry.undated or entry.month is None or (as_of is not None and entry.month > as_of):
            continue
        last = entry.end or entry.month
        months.append(min(last, as_of) if as_of is not None else last)
    return max(months, default=None)


def _unknown_action_message(store: CorpusReader, action_id: str) -> str:
    ids = [action.id for action in store.iter_actions()]
    close = difflib.get_close_matches(action_id.lower(), ids, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; ids look like staffordshire/3-2-d"
    return f"no action {action_id!r} in the corpus{hint}"
