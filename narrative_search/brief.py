"""A council's revisit brief: where every action stands, and what moved since a month.

store --build_brief--> Brief; :mod:`narrative_search.render` turns it into a page a
person reads (Markdown) or a sheet they open (CSV), ``to_dict`` into JSON.

For one council, from every action's :class:`~narrative_search.model.Timeline`:

* counts of actions by rating at each review date;
* actions that got worse (a rating lower on R < A < G < B than the one before;
  with a ``since`` month, only falls from that month on);
* actions not updated since a month: no dated update on or after it;
* actions reported complete, with the evidence: a rating the report's own key
  calls complete, an update sentence saying so, or a column printed
  "COMPLETE";
* what changed since a month, action by action: the updates dated on or after
  it (an update whose months run into it counts), with the sentences they
  added, and the rating moves from then on;
* commitments (future targets, "By April 2021 we will have ...") are not
  progress: they neither update an action (the timeline leaves them out of
  the last dated update), nor count as changes, nor as evidence of completion;
* what revisits and monitoring judged (the council's verdicts, newest first;
  with ``as_of``, only events up to it).

Which rating means complete is read from the key each report prints:
Staffordshire's "Progress Red - Delayed Amber - In progress Green - Completed
Grey - not yet started" makes G complete; Leicestershire's "Red - Delayed
Amber – In progress Green – On Track Blue – Completed Pink – To be started"
makes B complete. Where a report prints no key naming colours (Torbay's BRAG
legend lists "Complete and Embedded", "Completed", "Progressing to
Timescale", "Little or no progress/delayed" without them) the BRAG
convention holds: B (blue) is complete.

Every sentence the brief shows is cut verbatim from a stored update.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from typing import Any, Iterable, Optional

from .completion import (  # noqa: F401  (the key readers, still importable from here)
    COLOUR_RATINGS,
    DEFAULT_COMPLETE,
    CompleteRatings,
    complete_ratings_by_document,
    council_complete_ratings,
    rating_keys,
)
from .councils import canonical_council
from .errors import NarrativeSearchError
from .model import (
    UNCITED,
    ActionBrief,
    Brief,
    Change,
    Citation,
    Evidence,
    Locate,
    RatingKey,
    RatingMove,
    RatingPoint,
    ReviewCount,
    Timeline,
    TimelineEntry,
    Verdict,
    slug,
)
from .months import Month, add_months, check_month, month_label
from .protocols import CorpusReader, TextEncoder
from .timeline import RATING_RANK, timeline_of_action

#: Without ``since``, an action counts as not updated when it has no dated update in this many months to ``as_of``.
STALE_AFTER_MONTHS = 6

# A sentence reporting the action done: it opens with "Completed" (not "Completed/ongoing"),
# or says "this (work) is (now) completed". "QA documents completed" is part of the work, not all of it.
_SAYS_COMPLETE = re.compile(
    r"""^\W*complete[d]?\b(?!\s*/)
    |\b(?:this|it|the\s+work|this\s+work|this\s+action|the\s+action)\s+(?:is|has\s+been|was)\s+(?:now\s+)?complete[d]?\b""",
    re.IGNORECASE | re.VERBOSE,
)
_FIELD_COMPLETE = re.compile(r"^\s*complete[d]?\s*\.?\s*$", re.IGNORECASE)


# -- building ------------------------------------------------------------------


def resolve_council(store: CorpusReader, council: str) -> str:
    """The stored council name for ``council`` (any case, alias or slug), or a NarrativeSearchError."""
    stored = store.councils()
    if council in stored:
        return council
    wanted = {council.lower(), slug(council)}
    canonical = canonical_council(council)
    for name in stored:
        if name.lower() in wanted or slug(name) in wanted or (canonical and name == canonical):
            return name
    listed = ", ".join(stored) or "none yet; run ingest first"
    raise NarrativeSearchError(f"no council {council!r} in the corpus (councils: {listed})")


def build_brief(
    store: CorpusReader,
    council: str,
    since: Optional[str] = None,
    as_of: Optional[str] = None,
    embedder: Optional[TextEncoder] = None,
) -> Brief:
    """The revisit brief of one council.

    ``since`` ("YYYY-MM"): the month changes are listed from, and actions with
    no dated update from then on are "not updated"; without it no changes are
    listed and "not updated" means nothing dated in the
    :data:`STALE_AFTER_MONTHS` months to ``as_of``. ``as_of``: the month the
    brief is written at, by default the council's latest report date; the
    brief reads as it would have then: reports, ratings and updates dated
    after it are left out. ``embedder`` finds restated sentences by meaning
    (else only identical ones).
    """
    council = resolve_council(store, council)
    since = check_month(since, "since")
    as_of = check_month(as_of, "as of")
    # Only an as-of month asked for leaves later verdicts out: a revisit comes
    # after the last progress report, and the brief is written for it.
    verdicts = _verdicts_until(store.verdicts(council), as_of)
    documents = store.documents(council)
    report_dates = {document.name: document.as_of for document in documents}
    if as_of is None:
        as_of = max((document.as_of for document in documents if document.as_of), default=None)
    if since is not None:
        not_updated_since: Month = since
    elif as_of is not None:
        not_updated_since = add_months(as_of, -STALE_AFTER_MONTHS)
    else:
        not_updated_since = None

    actions = list(store.iter_actions(council))
    complete = CompleteRatings.of_council(store, council, actions)
    keys, complete_by_document, council_complete = complete.keys, complete.by_document, complete.council

    timelines: list[Timeline] = []
    briefs: list[ActionBrief] = []
    for action in actions:
        timeline = _until(timeline_of_action(store, action, embedder=embedder, as_of=as_of,
                                             report_dates=report_dates, complete=complete), as_of)
        timelines.append(timeline)
        evidence = _completion_evidence(timeline, action.reports, complete_by_document, council_complete, keys,
                                        store.location)
        briefs.append(_action_brief(timeline, evidence, since, as_of, not_updated_since))

    return Brief(
        council=council,
        as_of=as_of,
        since=since,
        not_updated_since=not_updated_since,
        documents=[{"name": document.name, "title": document.title, "as_of": document.as_of}
                   for document in documents if as_of is None or document.as_of is None or document.as_of <= as_of],
        rating_keys=keys,
        complete_ratings=sorted(council_complete, key=rating_order),
        review_dates=_review_counts(timelines),
        actions=briefs,
        novelty_method="embedding" if embedder is not None else "exact",
        timelines=timelines,
        verdicts=verdicts,
    )


def _verdicts_until(verdicts: Iterable[Verdict], as_of: Month) -> list[Verdict]:
    """The verdicts of events up to ``as_of`` (undated ones kept); all of them without it."""
    return [verdict for verdict in verdicts if as_of is None or verdict.date is None or verdict.date <= as_of]


def _until(timeline: Timeline, as_of: Month) -> Timeline:
    """The timeline as it stood at ``as_of``: later ratings and updates dropped.

    Transitions need no recomputing: each compares a point with earlier ones.
    Text with no month at all is kept, as nothing says it came later.
    """
    if as_of is None:
        return timeline
    return dataclasses.replace(
        timeline,
        entries=[entry for entry in timeline.entries if entry.month is None or entry.month <= as_of],
        ratings=[point for point in timeline.ratings if point.month <= as_of],
    )


def _completion_evidence(
    timeline: Timeline,
    reports: list[dict[str, Any]],
    complete_by_document: dict[str, frozenset[str]],
    council_complete: frozenset[str],
    keys: list[RatingKey],
    locate: Locate,
) -> list[Evidence]:
    """Why the action counts as complete: its latest rating, an update sentence, a printed field."""
    evidence: list[Evidence] = []
    latest = next((point for point in reversed(timeline.ratings) if point.rating), None)
    if latest is not None:
        cell = next((c for c in reversed(latest.printed) if c.rag == latest.rating), None)
        document = cell.document if cell else ""
        complete = complete_by_document.get(document, council_complete)
        if latest.rating in complete:
            # The report's own key if it has one; of several entries, the shortest (the column key).
            matching = [k for k in keys if k.complete and k.rating == latest.rating]
            own = [k for k in matching if k.document == document] or matching
            key = min(own, key=lambda k: len(k.text)) if own else None
            text = key.text if key is not None else f"{latest.rating} (blue: complete, by the BRAG convention)"
            evidence.append(Evidence("rating", text, latest.month, latest.display_label,
                                     cell.source if cell else UNCITED, rating=latest.rating))
    for entry in timeline.entries:
        if entry.reference_only or entry.kind == "commitment":
            continue
        for sentence in entry.sentences:
            if _SAYS_COMPLETE.search(sentence.text):
                evidence.append(Evidence("update", sentence.text, entry.month, entry.when,
                                         entry.sources[0] if entry.sources else UNCITED))
    for report in reports:
        for name in ("lead", "due_printed", "evidence", "impact"):
            value = report.get(name) or ""
            if _FIELD_COMPLETE.match(value):
                evidence.append(Evidence("field", value.strip(), None, name,
                                         Citation(report["document"], report["line"]).located(locate)))
    return evidence


def _moves(points: Iterable[RatingPoint]) -> list[RatingMove]:
    return [RatingMove(point.month, point.display_label, point.previous, point.rating, point.transition)
            for point in points]


def _action_brief(
    timeline: Timeline, evidence: list[Evidence], since: Month, as_of: Month, not_updated_since: Month
) -> ActionBrief:
    moves = _moves(timeline.ratings)
    changes = [_change(entry) for entry in timeline.entries if _dated_in(entry, since, as_of)] if since else []
    last = timeline.last_update_month
    return ActionBrief(
        kind=timeline.kind,
        action_id=timeline.action_id,
        ref=timeline.ref,
        action=timeline.action,
        latest_rating=timeline.latest_rating,
        rating_path=timeline.rating_path,
        ratings=moves,
        # With ``since``, only what got worse inside the window: an older fall is history, not news.
        worse=[move for move in moves if move.transition == "worse" and (since is None or move.month >= since)],
        last_update_month=last,
        months_stale=timeline.months_since_last_update,
        not_updated=not_updated_since is not None and (last is None or last < not_updated_since),
        complete=bool(evidence),
        evidence=evidence,
        changes=changes,
        rating_moves_since=[move for move in moves if since is not None and move.month >= since
                            and move.transition in ("better", "worse", "changed")],
    )


def _dated_in(entry: TimelineEntry, since: str, as_of: Month) -> bool:
    """A dated progress update (not a commitment) whose months reach ``since`` or later, started by ``as_of``."""
    if entry.undated or entry.month is None or entry.kind == "commitment":
        return False
    if as_of is not None and entry.month > as_of:
        return False
    return (entry.end or entry.month) >= since


def _change(entry: TimelineEntry) -> Change:
    repeats_from = []
    for sentence in entry.repeated_sentences:
        if sentence.repeats is not None:
            earlier = sentence.repeats.stamp or month_label(sentence.repeats.month)
            if earlier not in repeats_from:
                repeats_from.append(earlier)
    return Change(
        update_id=entry.update_id,
        month=entry.month,
        when=entry.when,
        kind=entry.kind,
        text=entry.text,
        source=entry.sources[0] if entry.sources else UNCITED,
        sources=list(entry.sources),
        new_sentences=[sentence.text for sentence in entry.new_sentences],
        repeated_sentences=[sentence.text for sentence in entry.repeated_sentences],
        repeats_from=repeats_from,
        reference_to=entry.reference_to if entry.reference_only else None,
    )


def _review_counts(timelines: Iterable[Timeline]) -> list[ReviewCount]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, list[str]] = defaultdict(list)
    for timeline in timelines:
        for point in timeline.ratings:
            counts[point.month][point.rating or "none"] += 1
            if point.display_label not in labels[point.month]:
                labels[point.month].append(point.display_label)
    return [
        ReviewCount(month=month, labels=labels[month],
                    counts=dict(sorted(counts[month].items(), key=lambda item: rating_order(item[0]))),
                    actions=sum(counts[month].values()))
        for month in sorted(counts)
    ]


def rating_order(rating: str) -> tuple[int, float, str]:
    """R, A, G, B first in that order, mixed ratings by their place, then the rest, "none" last."""
    if rating == "none":
        return (3, 0.0, "")
    parts = [RATING_RANK.get(part.strip().upper()) for part in rating.split("/")]
    if parts and all(part is not None for part in parts):
        return (0 if len(parts) == 1 else 1, sum(parts) / len(parts), rating)  # type: ignore[arg-type]
    return (2, 0.0, rating)
