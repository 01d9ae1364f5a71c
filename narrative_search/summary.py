"""Summaries made only of sentences the documents print.

:func:`summarise_action` picks at most three sentences from an action's
timeline, each a verbatim slice of one stored update, with that update's id,
date, document, line and the line's location in the file ("page 3"):

* ``now``: where the action stands: the first new sentence of the latest dated
  update (of the latest undated one if none is dated; its first sentence if
  it says nothing new);
* ``change``: the main change along the way: of the sentences added by the
  updates between the first (where the action started) and the latest, the
  one least like anything said before it, of at least
  :data:`MIN_CHANGE_WORDS` words where there is one; where there are no such
  updates, the first update's opening sentence, as the position it moved from;
* ``stalled`` or ``remains``: where the latest update repeats an earlier
  sentence, that earlier sentence, dated when it was first said (nothing has
  moved since), unless the action is rated complete by its plan's key
  (:attr:`~narrative_search.model.Timeline.complete`); otherwise a sentence
  of the latest update that says what is still to do ("ongoing", "to be", "will", "planned", "next step", ...).

Reference-only updates ("See above") are never picked, nor commitments (future
targets) while there is progress to pick from. Nothing is rephrased.

:func:`mmr` is maximal marginal relevance, for picking representative
passages for a query without picking the same thing twice.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

from .model import (
    UNCITED,
    QuerySummary,
    SearchResult,
    Sentence,
    SummarySentence,
    ThemeSentence,
    Timeline,
    TimelineEntry,
)
from .protocols import TextEncoder

#: Roles in the order a summary lists them.
ROLES = ("now", "change", "stalled", "remains")

#: A sentence this short ("Underway.", "2.") says too little to stand for the main change.
MIN_CHANGE_WORDS = 4

# Words that say something is still to be done or has not moved.
_REMAINING = re.compile(
    r"""\b(?:ongoing|on-going|to\s+be|will|next\s+steps?|planned|plans?\s+to|remains?|remaining|
    further|still|await(?:s|ing)?|delayed|not\s+yet|continu(?:e|es|ing)|in\s+development|in\s+draft|
    under\s+review|to\s+commence|required|need\s+to|needs\s+to|being\s+(?:developed|explored|arranged|
    rolled\s+out|reviewed|established|finalised|considered|agreed))\b""",
    re.IGNORECASE | re.VERBOSE,
)


def summarise_action(timeline: Timeline) -> list[SummarySentence]:
    """At most three verbatim sentences: now, the main change, and what is stalled or remains."""
    substantive = [entry for entry in timeline.entries if not entry.reference_only and entry.sentences]
    progress = [entry for entry in substantive if entry.kind != "commitment"]
    substantive = progress or substantive  # a section of commitments alone is summarised by them
    if not substantive:
        return []
    dated = [entry for entry in substantive if not entry.undated]
    latest = dated[-1] if dated else substantive[-1]
    now_sentence = next((s for s in latest.sentences if s.label == "new"), latest.sentences[0])
    now = _summary("now", latest, now_sentence)
    used = {(latest.update_id, now_sentence.start)}

    # The stalled sentence is chosen before the main change, so that an update
    # the latest one merely repeats is shown as where things stopped, not as a
    # change. An action its key rates complete has stopped because it is done.
    last = None if timeline.complete else _stalled(timeline, latest, used)
    if last is not None:
        used.add((last.update_id, last.start))

    picked = [now]
    change = _main_change(substantive, latest, used)
    if change is not None:
        entry, sentence = change
        picked.append(_summary("change", entry, sentence))
        used.add((entry.update_id, sentence.start))

    if last is None:
        last = _remaining(latest, used)
    if last is not None:
        picked.append(last)
    return picked


def _main_change(
    substantive: list[TimelineEntry], latest: TimelineEntry, used: set[tuple[int, int]]
) -> Optional[tuple[TimelineEntry, Sentence]]:
    """The most novel new sentence between the first update and the latest.

    Only updates placed before the latest count: undated text placed after it
    (at its report's date) cannot be said to have come along the way.
    """
    before = substantive[:substantive.index(latest)]
    if not before:
        return None
    candidates = [
        (entry, sentence) for entry in before[1:] for sentence in entry.sentences
        if sentence.label == "new" and (entry.update_id, sentence.start) not in used
    ]
    informative = [(e, s) for e, s in candidates if len(s.text.split()) >= MIN_CHANGE_WORDS]
    pool = informative or candidates
    if pool:
        # Least similar to what came before; of equals, the later one.
        order = {id(entry): index for index, entry in enumerate(before)}
        return min(pool, key=lambda item: (item[1].similarity if item[1].similarity is not None else 0.0,
                                           -order[id(item[0])], item[1].start))
    first = before[0]
    sentence = first.sentences[0]
    if (first.update_id, sentence.start) in used:
        return None
    return first, sentence


def _stalled(timeline: Timeline, latest: TimelineEntry, used: set[tuple[int, int]]) -> Optional[SummarySentence]:
    """The earlier sentence the latest update repeats, dated when it was first said."""
    for sentence in latest.sentences:
        if sentence.label != "repeat" or sentence.repeats is None:
            continue
        earlier = timeline.entry(sentence.repeats.update_id)
        if earlier is None:
            continue
        original = _first_saying(timeline, earlier, sentence.repeats.text)
        if original is not None and (original[0].update_id, original[1].start) not in used:
            return _summary("stalled", *original)
    return None


def _remaining(latest: TimelineEntry, used: set[tuple[int, int]]) -> Optional[SummarySentence]:
    """A sentence of the latest update that says what is still to be done."""
    for sentence in latest.sentences:
        if (latest.update_id, sentence.start) not in used and _REMAINING.search(sentence.text):
            return _summary("remains", latest, sentence)
    return None


def _first_saying(timeline: Timeline, entry: TimelineEntry, text: str) -> Optional[tuple[TimelineEntry, Sentence]]:
    """Follow a chain of repeats back to where ``text`` (a sentence of ``entry``) was first said."""
    sentence = next((s for s in entry.sentences if s.text == text), None)
    seen = set()
    while sentence is not None and sentence.label == "repeat" and sentence.repeats is not None:
        if entry.update_id in seen:
            break
        seen.add(entry.update_id)
        earlier = timeline.entry(sentence.repeats.update_id)
        if earlier is None:
            break
        entry = earlier
        sentence = next((s for s in earlier.sentences if s.text == sentence.repeats.text), None)
    return (entry, sentence) if sentence is not None else None


def _summary(role: str, entry: TimelineEntry, sentence: Sentence) -> SummarySentence:
    return SummarySentence(
        role=role,
        text=sentence.text,
        update_id=entry.update_id,
        month=entry.month,
        undated=entry.undated,
        stamp=entry.stamp,
        kind=entry.kind,
        source=entry.sources[0] if entry.sources else UNCITED,
        start=sentence.start,
        end=sentence.end,
        sources=list(entry.sources),
    )


# -- maximal marginal relevance -----------------------------------------------


def mmr(
    candidate_vectors: np.ndarray | Sequence[Sequence[float]],
    query_vector: np.ndarray | Sequence[float],
    k: int,
    lambda_: float = 0.7,
) -> list[int]:
    """Indices of ``k`` candidates picked by maximal marginal relevance, in pick order.

    Each step takes the candidate with the highest
    ``lambda_ * sim(candidate, query) - (1 - lambda_) * max sim(candidate, picked)``,
    similarity being the cosine (vectors are normalised here, so unnormalised
    input is fine). ``lambda_`` = 1 ranks by relevance alone; lower values
    trade relevance for variety. Ties go to the lower index, so the result is
    deterministic. Fewer than ``k`` candidates gives them all.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"lambda_ must be between 0 and 1, not {lambda_}")
    if k < 0:
        raise ValueError(f"k must not be negative, not {k}")
    candidates = np.asarray(candidate_vectors, dtype=np.float64)
    if candidates.size == 0 or k == 0:
        return []
    if candidates.ndim != 2:
        raise ValueError(f"candidate_vectors must be 2-dimensional, not of shape {candidates.shape}")
    query = np.asarray(query_vector, dtype=np.float64).reshape(-1)
    if query.shape[0] != candidates.shape[1]:
        raise ValueError(f"query has {query.shape[0]} dimensions, candidates {candidates.shape[1]}")
    candidates = _unit_rows(candidates)
    query = _unit_rows(query[None, :])[0]
    relevance = candidates @ query
    pairwise = candidates @ candidates.T
    picked: list[int] = []
    remaining = list(range(len(candidates)))
    while remaining and len(picked) < k:
        if picked:
            redundancy = pairwise[np.ix_(remaining, picked)].max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        scores = lambda_ * relevance[remaining] - (1.0 - lambda_) * redundancy
        best = remaining[int(np.argmax(scores))]  # argmax takes the first of equals
        picked.append(best)
        remaining.remove(best)
    return picked


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0  # a zero vector stays zero: similar to nothing
    return vectors / norms


# -- per query: how each area approaches a theme --------------------------------

#: Sentences shorter than this ("Completed.", "See 6E") say nothing about an approach.
MIN_THEME_WORDS = 5

#: The labels :func:`narrative_search.passages.action_text` puts before an action's
#: (or a section's) fields; ours, not the document's, so a summary leaves them out.
_FIELD_LABEL = re.compile(r"^(?:Action|Section|Focus area|Evidence|Impact): ")

#: Relevance against variety when picking a council's representative sentences.
THEME_LAMBDA = 0.7


def summary_sentence(kind: str, text: str, start: int, end: int) -> str:
    """The sentence ``text[start:end]`` of a passage of ``kind`` as a summary weighs it: without our field label."""
    if kind == "action" and (label := _FIELD_LABEL.match(text[start:end])):
        start += label.end()
    return text[start:end]


def summarise_query(
    result: "SearchResult",
    embedder: TextEncoder,
    query_vector: Optional[np.ndarray] = None,
    per_council: int = 3,
    lambda_: float = THEME_LAMBDA,
) -> QuerySummary:
    """For a search result, each council's few most representative sentences, picked by MMR.

    The candidates are the sentences of the passages shown for each hit; each
    council's are picked by :func:`mmr` against the query, so the sentences
    shown are relevant and not three wordings of the same thing. Every
    sentence is a verbatim slice of a stored passage, with where it is printed.
    """
    from .passages import sentence_spans

    if not result.hits:
        return QuerySummary(result.query, [], result.message or "Nothing found to summarise.")
    if query_vector is None:
        query_vector = embedder.encode_query(result.query.replace('"', ""))
    by_council: dict[str, list[ThemeSentence]] = {}
    seen: set[tuple[str, str]] = set()
    for hit in result.hits:
        for passage_hit in hit.passages:
            passage = passage_hit.passage
            for start, end in sentence_spans(passage.text):
                text = summary_sentence(passage.kind, passage.text, start, end)
                if len(text.split()) < MIN_THEME_WORDS or (passage.council, text) in seen:
                    continue
                seen.add((passage.council, text))
                by_council.setdefault(passage.council, []).append(
                    ThemeSentence(text, passage.council, passage.action_id, passage.ref, passage.kind,
                                  passage.start, passage.source, 0.0)
                )
    councils = []
    for council, candidates in by_council.items():
        vectors = embedder.encode([c.text for c in candidates])
        similarities = vectors @ np.asarray(query_vector, dtype=np.float32)
        for candidate, similarity in zip(candidates, similarities):
            candidate.similarity = round(float(similarity), 4)
        picked = mmr(vectors, query_vector, per_council, lambda_)
        councils.append((council, [candidates[i] for i in picked]))
    if not councils:
        return QuerySummary(result.query, [], "The passages found are too short to summarise.")
    return QuerySummary(result.query, councils)
