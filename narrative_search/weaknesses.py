"""A council's weaknesses, from its plan's own grouping, and its progress rolled up by them.

An area SEND inspection names significant weaknesses; the written statement
of action groups its actions under them. :func:`find_weaknesses` reads that
grouping back from what the store holds (the text kept outside the action
tables with its lines, each report's priority and focus-area cells, the refs,
the verdicts), in the shapes the documents print:

* **headings**: "Priority 3: Co-production is weak ...", "PRIORITY ONE"
  (its statement is the list line under it), "AFI 1 - The lack of ...",
  "Area for Improvement 2 – Cultural Change", or a numbered heading beside a
  progress legend ("7 - Poor joint commissioning ... | Progress (BRAG)").
  Every action or section printed below a heading, up to the next one, is
  under it: a stated link (``how`` "heading");
* **numbered groups of refs**: an action whose ref starts with a number
  (1.1, "3.2 D", 16A) and is under no heading joins the weakness of the other
  actions of its group (1.x, 16x), else the priority of that number; where no
  heading is printed for a group, the group is a priority of its own, its
  text the priority (else focus-area) cells its actions print (stated,
  ``how`` "numbered group");
* **lists**: an introduction or letter listing the weaknesses ("These areas
  of weakness are:" and a bulleted line for each) gives each weakness its
  words: in order where the list is as long as the priorities are many, else
  by meaning (with the embedder); an item matching none is a weakness of its
  own;
* **verdicts** naming a weakness attach to the closest weakness by meaning
  (score kept) when at least :data:`VERDICT_FLOOR` similar, else become a
  weakness of their own; verdicts printing only counts judge the council.

Actions and sections still under no weakness (a prose page's sections, an
action printed without a ref) are linked to the most similar weakness by
embedding, marked ``stated: false`` with the cosine similarity.

:func:`roll_up` then gives each weakness's progress as of a month (see
:class:`~narrative_search.model.WeaknessRollup`): ratings at each review date,
actions rated complete (by the plan's own key), stale (no dated update in
the last N months) and stalled (not complete, and the same rating at two or
more successive reviews up to the latest, or a latest update that only
repeats earlier text), the latest dated update and the verdicts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np

from .brief import build_brief, rating_order, resolve_council
from .merge import comparable_text
from .model import (
    UNCITED,
    AttachedVerdict,
    Brief,
    BriefWeakness,
    Citation,
    CouncilWeaknesses,
    LatestUpdate,
    MergedAction,
    ReviewShare,
    StalledAction,
    StallReason,
    Timeline,
    TimelineEntry,
    Verdict,
    Weakness,
    WeaknessKind,
    WeaknessLink,
    WeaknessReport,
    WeaknessRollup,
    slug,
)
from .months import Month, add_months, check_month, month_label
from .numbers import NUMBER_WORDS, number_of
from .protocols import CorpusReader, TextEncoder
from .vocabulary import default_vocabulary, is_acronym

#: A verdict's named weakness attaches to a weakness at least this similar (cosine), else stands alone.
VERDICT_FLOOR = 0.45

#: Months without a dated update after which an action is stale, unless asked otherwise.
STALE_MONTHS = 6

_NUMBER = r"(?P<number>\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_DASH = r"[:.\-\u2013\u2014]"
# "AFI 1 - The lack of ...", "Area for Improvement 2 – Cultural Change", "Significant weakness 3: ..."
_AREA = re.compile(
    rf"^\W*(?:areas?\s+for\s+improvement|AFI|(?:area\s+of\s+)?(?:significant\s+)?weakness)\s*{_NUMBER}\b"
    rf"\s*(?:{_DASH}\s*(?P<title>.*))?$",
    re.IGNORECASE,
)
# "Priority 3: Co-production is weak ...", "PRIORITY ONE"
_PRIORITY = re.compile(rf"^\W*priority\s*{_NUMBER}\b\s*(?:{_DASH}\s*(?P<title>.*))?$", re.IGNORECASE)
# "7 - Poor joint commissioning arrangements ... | Progress (BRAG)": a numbered weakness beside the progress legend.
_LEGEND = re.compile(rf"^\W*{_NUMBER}\s*[-\u2013\u2014]\s*(?P<title>[^|]+?)\s*\|\s*Progress\s*\(B?RAG\)", re.IGNORECASE)
# "These areas of weakness are:", "the following significant weaknesses:" (not a verdict's "progress in the following areas:")
_LIST_LEAD = re.compile(r"\b(?:weakness(?:es)?|areas?\s+for\s+improvement)\b[^.:]*:\s*$", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-\u2022*\u25cf\u25aa]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
_REF_GROUP = re.compile(r"^\s*(?P<group>\d{1,2})(?:\b|[A-Za-z])")
_REF_LABEL = re.compile(r"^\s*Ref\s*[-\u2013:]\s*", re.IGNORECASE)
_CELL = " | "

#: Where a heading with no words of its own finds its statement: the next list line this close below.
_STATEMENT_WITHIN = 6


@dataclass
class _Heading:
    kind: WeaknessKind
    number: int
    title: str
    printed: str
    source: Citation


@dataclass
class _Found:
    """A weakness being assembled, keyed by its kind and number while links are made."""

    weakness: Weakness


# -- finding -------------------------------------------------------------------


def find_weaknesses(
    store: CorpusReader, council: str, embedder: Optional[TextEncoder] = None,
    actions: Optional[Sequence[MergedAction]] = None,
) -> CouncilWeaknesses:
    """The council's weaknesses as its documents print them, each with its actions, sections and verdicts.

    Without ``embedder``, nothing is inferred: listed weaknesses match by
    order only, verdicts by the same words, and actions under no heading or
    numbered group are returned in ``unlinked``.
    """
    council = resolve_council(store, council)
    actions = list(store.iter_actions(council)) if actions is None else list(actions)
    lines = _document_lines(store, council, actions)
    found: dict[tuple[str, int], _Found] = {}
    for heading in _headings(lines):
        key = (heading.kind, heading.number)
        if key not in found:  # a heading printed again (a page break, a second report) is the same weakness
            found[key] = _Found(Weakness(
                id=_weakness_id(council, heading.kind, heading.number), council=council, kind=heading.kind,
                number=heading.number, text=heading.title, heading=heading.printed, source=heading.source,
                heading_source=heading.source))
    unplaced = _link_under_headings(actions, lines, found)
    unplaced = _link_numbered_groups(council, unplaced, found)
    weaknesses = sorted((item.weakness for item in found.values()), key=_order)
    weaknesses = _apply_lists(council, weaknesses, _listed(lines), embedder)
    council_verdicts = _attach_verdicts(council, weaknesses, store.verdicts(council), embedder)
    stated_texts = {action.id: _record_text(action) for action in actions}
    unlinked = _infer_links(weaknesses, unplaced, embedder, stated_texts)
    return CouncilWeaknesses(council, weaknesses, council_verdicts, [action.id for action in unlinked])


def _weakness_id(council: str, kind: WeaknessKind, number: int) -> str:
    return f"{slug(council)}/{kind}-{number}"


def _order(weakness: Weakness) -> tuple[int, int, str, int]:
    """Priorities by number; areas for improvement as the document prints them; then the rest."""
    kinds = ("priority", "area", "listed", "named")
    number = weakness.number if weakness.kind == "priority" and weakness.number is not None else 0
    return (kinds.index(weakness.kind), number, weakness.document, weakness.line)


@dataclass
class _Line:
    source: Citation
    text: str
    record: bool = False  # a cell of an action or section (not text kept outside them)


def _document_lines(store: CorpusReader, council: str, actions: Sequence[MergedAction]) -> dict[str, list[_Line]]:
    """Per document, its stored lines in order: kept text, and each report's priority, focus-area and title cells."""
    lines: dict[str, list[_Line]] = {document.name: [] for document in store.documents(council)}
    for document in lines:
        for span in store.unattributed(document):
            for offset, text in enumerate(span.text.split("\n")):
                lines[document].append(_Line(Citation(document, span.line + offset), text))
    for action in actions:
        for report in action.reports:
            cells = [report.get("priority") or "", report.get("focus_area") or ""]
            if action.kind == "section":
                cells.append(report.get("action") or "")
            for text in cells:
                if text:
                    lines.setdefault(report["document"], []).append(
                        _Line(Citation(report["document"], report["line"]), text, record=True))
    for document_lines in lines.values():
        document_lines.sort(key=lambda line: (line.source.line, line.record))
    return lines


def _headings(lines: dict[str, list[_Line]]) -> Iterable[_Heading]:
    for document_lines in lines.values():
        for index, line in enumerate(document_lines):
            heading = _heading(line)
            if heading is None:
                continue
            if not heading.title:
                heading.title = _statement_below(document_lines, index)
            yield heading


def _heading(line: _Line) -> Optional[_Heading]:
    """The weakness heading a line prints, if it is one."""
    first = line.text.split(_CELL)[0].strip()
    for kind, pattern, text in (("area", _LEGEND, line.text), ("area", _AREA, first), ("priority", _PRIORITY, first)):
        match = pattern.match(text)
        if match:
            title = " ".join((match.group("title") or "").split())
            printed = " ".join(first.split())
            return _Heading(kind, number_of(match.group("number")), title, printed, line.source)  # type: ignore[arg-type]
    return None


def _statement_below(document_lines: list[_Line], index: int) -> str:
    """The list line just below a bare heading ("PRIORITY ONE" then "- To develop ..."), else ""."""
    at = document_lines[index].source.line
    for line in document_lines[index + 1:]:
        if line.source.line > at + _STATEMENT_WITHIN:
            break
        item = _LIST_ITEM.match(line.text)
        if item and not line.record:
            return " ".join(item.group("text").split())
    return ""


def _link_under_headings(
    actions: Sequence[MergedAction], lines: dict[str, list[_Line]], found: dict[tuple[str, int], _Found]
) -> list[MergedAction]:
    """Link each action printed below a heading to it; the actions under none are returned."""
    by_document: dict[str, list[tuple[int, Weakness]]] = {}
    for document, document_lines in lines.items():
        for line in document_lines:
            heading = _heading(line)
            if heading is not None:
                by_document.setdefault(document, []).append(
                    (line.source.line, found[(heading.kind, heading.number)].weakness))
    unplaced = []
    for action in actions:
        weakness = None
        for report in action.reports:
            above = [w for at, w in by_document.get(report["document"], []) if at <= report["line"]]
            if above:
                weakness = above[-1]
                break
        if weakness is None:
            unplaced.append(action)
        else:
            weakness.links.append(_link(action, True, "heading"))
    return unplaced


def _group(ref: Optional[str]) -> Optional[int]:
    match = _REF_GROUP.match(ref or "")
    return int(match.group("group")) if match else None


def _link_numbered_groups(
    council: str, actions: Sequence[MergedAction], found: dict[tuple[str, int], _Found]
) -> list[MergedAction]:
    """Link actions by the first number of their ref; a group with no weakness yet becomes a priority."""
    placed: dict[int, Counter[str]] = {}
    weaknesses = {item.weakness.id: item.weakness for item in found.values()}
    for weakness in weaknesses.values():
        for link in weakness.links:
            group = _group(link.ref)
            if group is not None:
                placed.setdefault(group, Counter())[weakness.id] += 1
    unplaced = []
    new_groups: dict[int, list[MergedAction]] = {}
    for action in actions:
        group = _group(action.ref)
        if group is None:
            unplaced.append(action)
        elif group in placed:
            weaknesses[placed[group].most_common(1)[0][0]].links.append(_link(action, True, "numbered group"))
        elif ("priority", group) in found:
            found[("priority", group)].weakness.links.append(_link(action, True, "numbered group"))
        else:
            new_groups.setdefault(group, []).append(action)
    for group, members in new_groups.items():
        weakness = Weakness(id=_weakness_id(council, "priority", group), council=council, kind="priority",
                            number=group, text=_group_text(members))
        weakness.links.extend(_link(action, True, "numbered group") for action in members)
        found[("priority", group)] = _Found(weakness)
    return unplaced


def _group_text(members: Sequence[MergedAction]) -> str:
    """A numbered group's words where no heading prints them: its priority cells, else its focus areas."""
    ordered = sorted(members, key=lambda action: (action.document, action.line))
    for name in ("priority", "focus_area"):
        texts: list[str] = []
        for action in ordered:
            text = " ".join(_REF_LABEL.sub("", getattr(action, name) or "").split())
            if text and text not in texts:
                texts.append(text)
        if texts:
            return (" " if name == "priority" else "; ").join(texts)
    return ""


def _link(action: MergedAction, stated: bool, how: str, score: Optional[float] = None) -> WeaknessLink:
    return WeaknessLink(action_id=action.id, ref=action.ref, kind=action.kind, title=action.action,
                        stated=stated, how=how, score=score)  # type: ignore[arg-type]


# -- lists of weaknesses, verdicts, inferred links --------------------------------


def _listed(lines: dict[str, list[_Line]]) -> list[tuple[str, Citation]]:
    """The items of every list of weaknesses an introduction or letter prints, in order."""
    items: list[tuple[str, Citation]] = []
    for document_lines in lines.values():
        kept = [line for line in document_lines if not line.record and line.text.strip()]
        for index, line in enumerate(kept):
            if not _LIST_LEAD.search(line.text) or "progress" in line.text.lower():
                continue
            for below in kept[index + 1:]:
                item = _LIST_ITEM.match(below.text)
                if not item:
                    break
                items.append((" ".join(item.group("text").split()), below.source))
    return items


def _apply_lists(
    council: str, weaknesses: list[Weakness], listed: list[tuple[str, Citation]], embedder: Optional[TextEncoder]
) -> list[Weakness]:
    """Give each weakness its listed words; an item matching none is a weakness of its own."""
    if not listed:
        return weaknesses
    grouped = [weakness for weakness in weaknesses if weakness.kind in ("priority", "area")]
    matches: dict[int, int] = {}
    if len(grouped) == len(listed):  # "These areas of weakness are:" then PRIORITY ONE, PRIORITY TWO
        matches = {index: index for index in range(len(listed))}
    elif grouped and embedder is not None:
        scores = _similarity(embedder, [text for text, _ in listed], [_words(w) for w in grouped])
        matches = {index: int(np.argmax(row)) for index, row in enumerate(scores) if row.max() >= VERDICT_FLOOR}
    out = list(weaknesses)
    for index, (text, source) in enumerate(listed):
        if index in matches:
            weakness = grouped[matches[index]]
            weakness.text, weakness.source = text, source
        else:
            out.append(Weakness(id=f"{slug(council)}/listed-{index + 1}", council=council, kind="listed",
                                number=None, text=text, source=source))
    return out


def _words(weakness: Weakness) -> str:
    return weakness.text or weakness.heading


def _similarity(embedder: TextEncoder, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Cosine of each of ``left`` with each of ``right``, acronyms spelled out ("EHC plans" meets its full name)."""
    vectors = embedder.encode([_spelled_out(text) for text in list(left) + list(right)])
    return np.asarray(vectors[: len(left)] @ vectors[len(left):].T, dtype=np.float64)


def _spelled_out(text: str) -> str:
    """``text`` with the full name of each acronym the SEND vocabulary knows added after it, for the model."""
    names = []
    for match in default_vocabulary().find_in(text):
        if is_acronym(match.typed.split()[0]):
            full = max(match.concept.forms, key=len)
            if full.lower() not in text.lower() and full not in names:
                names.append(full)
    return f"{text} ({'; '.join(names)})" if names else text


def _attach_verdicts(
    council: str, weaknesses: list[Weakness], verdicts: Sequence[Verdict], embedder: Optional[TextEncoder]
) -> list[Verdict]:
    """Attach each verdict to the weakness it names; those printing only counts are returned (the council's)."""
    whole: list[Verdict] = []
    named = 0
    for verdict in verdicts:
        if not verdict.weakness:
            whole.append(verdict)
            continue
        best, score = _closest(verdict.weakness, weaknesses, embedder)
        if best is not None:
            best.verdicts.append(AttachedVerdict(verdict, score))
            continue
        named += 1
        weakness = Weakness(id=f"{slug(council)}/named-{named}", council=council, kind="named", number=None,
                            text=verdict.weakness, source=verdict.source)
        weakness.verdicts.append(AttachedVerdict(verdict, None))
        weaknesses.append(weakness)
    return whole


def _closest(
    text: str, weaknesses: Sequence[Weakness], embedder: Optional[TextEncoder]
) -> tuple[Optional[Weakness], Optional[float]]:
    """The weakness ``text`` names: the same words, else the most similar at or above :data:`VERDICT_FLOOR`."""
    key = comparable_text(text)
    for weakness in weaknesses:
        if key and key in (comparable_text(weakness.text), comparable_text(weakness.heading)):
            return weakness, 1.0
    candidates = [weakness for weakness in weaknesses if _words(weakness)]
    if embedder is None or not candidates:
        return None, None
    scores = _similarity(embedder, [text], [_words(weakness) for weakness in candidates])[0]
    best = int(np.argmax(scores))
    if scores[best] < VERDICT_FLOOR:
        return None, None
    return candidates[best], round(float(scores[best]), 4)


def _infer_links(
    weaknesses: list[Weakness], actions: Sequence[MergedAction], embedder: Optional[TextEncoder],
    stated_texts: dict[str, str],
) -> list[MergedAction]:
    """Link each action under no heading or group to its most similar weakness; without a model, none.

    A weakness is as similar as the closest of its own words and the texts of
    the actions the documents put under it (``stated_texts``, by action id).
    """
    candidates: list[tuple[Weakness, str]] = []
    for weakness in weaknesses:
        if _words(weakness):
            candidates.append((weakness, _words(weakness)))
        candidates.extend((weakness, stated_texts[link.action_id]) for link in weakness.links
                          if link.stated and stated_texts.get(link.action_id))
    if not actions or embedder is None or not candidates:
        return list(actions)
    scores = _similarity(embedder, [_record_text(action) for action in actions], [text for _, text in candidates])
    for action, row in zip(actions, scores):
        best = int(np.argmax(row))
        candidates[best][0].links.append(_link(action, False, "similarity", round(float(row[best]), 4)))
    return []


#: How much of a record's text stands for it when its weakness is inferred.
_RECORD_TEXT_CHARS = 600


def _record_text(action: MergedAction) -> str:
    """An action's or section's focus area, title and first updates: what it is about."""
    parts = [action.focus_area, action.action] + [update.text for update in action.updates[:2]]
    return " ".join(" ".join(part.split()) for part in parts if part)[:_RECORD_TEXT_CHARS] or action.id


# -- rolling up ----------------------------------------------------------------


def weakness_report(
    store: CorpusReader,
    council: str,
    as_of: Optional[str] = None,
    stale_months: int = STALE_MONTHS,
    embedder: Optional[TextEncoder] = None,
) -> WeaknessReport:
    """Every weakness of the council rolled up as of ``as_of`` (default: its latest report)."""
    if stale_months < 1:
        raise ValueError(f"stale months must be at least 1, not {stale_months}")
    as_of = check_month(as_of, "as of")
    council = resolve_council(store, council)
    actions = list(store.iter_actions(council))
    found = find_weaknesses(store, council, embedder=embedder, actions=actions)
    brief = build_brief(store, council, as_of=as_of, embedder=embedder)
    stale_since = add_months(brief.as_of, -stale_months) if brief.as_of else None
    rollups = [roll_up(weakness, brief, stale_since) for weakness in found.weaknesses]
    return WeaknessReport(
        council=council, as_of=brief.as_of, stale_months=stale_months, stale_since=stale_since,
        complete_ratings=brief.complete_ratings, rollups=rollups,
        verdicts=[verdict for verdict in found.verdicts if _judged_by(verdict, as_of)],
        unlinked=found.unlinked,
    )


def _judged_by(verdict: Verdict, as_of: Month) -> bool:
    """As the brief counts them: events up to an as-of month asked for (undated ones kept)."""
    return as_of is None or verdict.date is None or verdict.date <= as_of


def roll_up(weakness: Weakness, brief: Brief, stale_since: Month) -> WeaknessRollup:
    """One weakness's progress, from its council's brief (built as of the month wanted).

    Stale: no dated progress update on or after ``stale_since``. Stalled: not
    rated complete, and either the same rating at the last two or more
    successive reviews (since the first of them) or a latest update that
    only repeats earlier text (since that text was first said).
    """
    ids = {link.action_id for link in weakness.links}
    timelines = [timeline for timeline in brief.timelines if timeline.action_id in ids]
    return WeaknessRollup(
        weakness=weakness,
        actions=len(timelines),
        review_dates=review_shares(timelines),
        latest_ratings=dict(sorted(Counter(timeline.latest_rating or "none" for timeline in timelines).items(),
                                   key=lambda item: rating_order(item[0]))),
        complete=[timeline.action_id for timeline in timelines if timeline.complete],
        stale=[timeline.action_id for timeline in timelines
               if stale_since is not None and (timeline.last_update_month is None
                                               or timeline.last_update_month < stale_since)],
        stalled=[stalled for timeline in timelines if (stalled := stalled_action(timeline)) is not None],
        latest_update=_latest_update(timelines),
        verdicts=[verdict for verdict in weakness.verdicts if _judged_by(verdict.verdict, brief.as_of)],
    )


def review_shares(timelines: Iterable[Timeline]) -> list[ReviewShare]:
    """Ratings at each review date of these actions: counts, and shares of the actions with a column then."""
    counts: dict[str, Counter[str]] = {}
    labels: dict[str, list[str]] = {}
    for timeline in timelines:
        for point in timeline.ratings:
            counts.setdefault(point.month, Counter())[point.rating or "none"] += 1
            if point.display_label not in labels.setdefault(point.month, []):
                labels[point.month].append(point.display_label)
    shares = []
    for month in sorted(counts):
        total = sum(counts[month].values())
        ordered = dict(sorted(counts[month].items(), key=lambda item: rating_order(item[0])))
        shares.append(ReviewShare(month=month, labels=labels[month], counts=ordered,
                                  shares={rating: round(count / total, 3) for rating, count in ordered.items()},
                                  actions=total))
    return shares


def stalled_action(timeline: Timeline) -> Optional[StalledAction]:
    """The action as stalled, or None: moving, never rated nor updated, or rated complete by its key."""
    if timeline.complete:
        return None
    reasons: list[StallReason] = []
    since: list[tuple[str, str]] = []
    rated = [point for point in timeline.ratings if point.rating]
    run = 1
    while run < len(rated) and rated[-run - 1].rating == rated[-1].rating:
        run += 1
    if run >= 2:
        reasons.append("rating")
        since.append((rated[-run].month, rated[-run].display_label))
    repeated = _repeated_since(timeline)
    if repeated is not None:
        reasons.append("repeats")
        since.append(repeated)
    if not reasons:
        return None
    month, label = min(since, key=lambda moment: moment[0])  # of equals, the rating's column label
    return StalledAction(timeline.action_id, timeline.ref, timeline.latest_rating, month, label, reasons)


def _progress(timeline: Timeline) -> list[TimelineEntry]:
    """Dated progress updates (not pointers elsewhere, not commitments), up to the timeline's as-of month."""
    return [entry for entry in timeline.entries
            if not entry.undated and entry.month is not None and not entry.reference_only
            and entry.kind != "commitment" and entry.sentences
            and (timeline.as_of is None or entry.month <= timeline.as_of)]


def _repeated_since(timeline: Timeline) -> Optional[tuple[str, str]]:
    """Where the latest dated update only repeats earlier text: when that text was first said."""
    progress = _progress(timeline)
    if len(progress) < 2:
        return None
    latest = progress[-1]
    if any(sentence.label != "repeat" or sentence.repeats is None for sentence in latest.sentences):
        return None
    first = min((sentence.repeats for sentence in latest.sentences if sentence.repeats is not None),
                key=lambda repeat: repeat.month or "")
    while True:  # a repeat of a repeat: back to where it was first said
        earlier = timeline.entry(first.update_id)
        sentence = next((s for s in earlier.sentences if s.text == first.text), None) if earlier else None
        if sentence is None or sentence.repeats is None or sentence.repeats.update_id == first.update_id:
            break
        first = sentence.repeats
    return (first.month or "", first.stamp or month_label(first.month))


def _latest_update(timelines: Sequence[Timeline]) -> Optional[LatestUpdate]:
    latest: Optional[tuple[Timeline, TimelineEntry]] = None
    for timeline in timelines:
        for entry in _progress(timeline):
            if latest is None or (entry.month or "") > (latest[1].month or ""):
                latest = (timeline, entry)
    if latest is None:
        return None
    timeline, entry = latest
    return LatestUpdate(action_id=timeline.action_id, ref=timeline.ref, month=entry.month, when=entry.when,
                        text=entry.text, source=entry.sources[0] if entry.sources else UNCITED)


# -- the brief grouped by weakness ------------------------------------------------


def brief_weaknesses(brief: Brief, found: CouncilWeaknesses) -> list[BriefWeakness]:
    """Each weakness with its actions in the brief's order, and those of its verdicts the brief keeps."""
    order = {action.action_id: position for position, action in enumerate(brief.actions)}
    return [
        BriefWeakness(
            weakness=weakness,
            action_ids=sorted({link.action_id for link in weakness.links if link.action_id in order},
                              key=order.__getitem__),
            verdicts=[attached for attached in weakness.verdicts if attached.verdict in brief.verdicts],
        )
        for weakness in found.weaknesses
    ]


def with_weaknesses(store: CorpusReader, brief: Brief, embedder: Optional[TextEncoder] = None) -> Brief:
    """The brief with its council's weaknesses attached (:attr:`Brief.weaknesses`), for grouping by weakness."""
    brief.weaknesses = brief_weaknesses(brief, find_weaknesses(store, brief.council, embedder=embedder))
    return brief


# -- the export's field ----------------------------------------------------------


def weakness_fields(
    store: CorpusReader, council: Optional[str] = None, embedder: Optional[TextEncoder] = None
) -> dict[str, dict[str, object]]:
    """Action id -> the export's ``weakness`` object: {"id", "text", "stated", "score"} (score None where stated)."""
    fields: dict[str, dict[str, object]] = {}
    stored = store.councils()
    for name in [name for name in stored if name == council] if council else stored:
        for weakness in find_weaknesses(store, name, embedder=embedder).weaknesses:
            for link in weakness.links:
                fields[link.action_id] = {"id": weakness.id, "text": _words(weakness), "stated": link.stated,
                                          "score": link.score}
    return fields
