"""Plain text: search results, timelines, summaries, brief items, ingest outcomes, index notes.

The CLI prints these; the app shows the same messages (escaped for
Markdown, or inside its HTML), so each thing is worded once, here.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from typing import TYPE_CHECKING, Iterable, Mapping, Optional, Sequence

from ..model import cite
from ..months import month_label

if TYPE_CHECKING:
    from pathlib import Path

    from ..index import Manifest
    from ..model import (
        ActionBrief,
        ActionHit,
        AttachedVerdict,
        Brief,
        BriefWeakness,
        Change,
        DocumentSummary,
        Evidence,
        IngestOutcome,
        LatestUpdate,
        QuerySummary,
        ReviewShare,
        SaveResult,
        SearchResult,
        SkippedPath,
        StalledAction,
        SummarySentence,
        ThemedAction,
        ThemeOverview,
        ThemeScore,
        Timeline,
        Verdict,
        Weakness,
        WeaknessLink,
        WeaknessReport,
    )

#: Said where a search or a list of similar actions finds nothing and the library gives no reason.
NO_RESULTS = "No results."

#: Said above a search's results when none is a close match (the search's relevance floor).
NO_CLOSE_MATCH = "No close match; nearest results:"

#: Said by `narrative-search index` (and after an ingest) when nothing had to be rebuilt.
INDEX_UP_TO_DATE = "Search index: up to date."

#: Said with results the index gave while behind the stored documents (the CLI's advice; the app says its own).
INDEX_BEHIND = (
    "Note: the search index is behind the stored documents (some were ingested or changed since it was built, "
    "or its rebuild is running or failed): these results come from the last index built. "
    "`narrative-search index` brings it up to date."
)

#: Said where an action's timeline has no update.
NO_UPDATES = "No updates printed."

#: Said where an action has no update to summarise.
NOTHING_TO_SUMMARISE = "No updates to summarise."

#: Names of a summary sentence's role, as a person reads them.
ROLE_LABELS = {"now": "Now", "change": "Main change", "stalled": "Stalled since", "remains": "Remains"}

#: How an update's kind is named beside its date; a plain progress update needs no name.
UPDATE_KIND_NAMES = {"update": "", "position_statement": "position statement", "commitment": "commitment (target)"}

#: Columns of the table printed at the end of an ingest.
OUTCOME_COLUMNS = ("file", "format", "council", "actions", "updates", "status", "message")


# -- small pieces --------------------------------------------------------------

# Characters a terminal or a table would act on rather than show: C0 and C1
# controls (an escape sequence recolours the terminal, a newline splits a
# row), DEL, and the bidirectional overrides that reorder what is shown.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``): file names and
    messages that came from outside print as what they are, on one line, and change nothing on screen."""
    def escape(match: "re.Match[str]") -> str:
        char = match.group(0)
        if char in _NAMED_ESCAPES:
            return _NAMED_ESCAPES[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, str(text))


def one_line(text: Optional[str], limit: Optional[int] = None) -> str:
    """Whitespace collapsed; cut to ``limit`` characters with an ellipsis when a limit is given."""
    flat = " ".join((text or "").split())
    return flat if limit is None or len(flat) <= limit else flat[: limit - 1] + "…"


def mark_terms(text: str, terms: Iterable[str]) -> str:
    """Matched words in [brackets], for a terminal that may show no styles.

    One pass, longest term first, so a word inside a matched phrase ("care"
    in "education, health and care plan") is not bracketed again.
    """
    ordered = sorted({term for term in terms if term}, key=len, reverse=True)
    if not ordered:
        return text
    pattern = "|".join(re.escape(term) for term in ordered)
    return re.sub(rf"(?<![\w\[])(?:{pattern})(?![\w\]])", lambda m: f"[{m.group(0)}]", text, flags=re.IGNORECASE)


def no_results(message: Optional[str]) -> str:
    """The library's reason nothing was found, else :data:`NO_RESULTS`."""
    return message or NO_RESULTS


# -- search results ------------------------------------------------------------


def search_result_text(result: "SearchResult") -> str:
    """A numbered list of hits (or why there are none): council and ref, rating, kind, date, score, source, text."""
    behind = f"\n\n{INDEX_BEHIND}" if result.index_behind else ""
    if not result.hits:
        return no_results(result.message) + behind
    lines: list[str] = [NO_CLOSE_MATCH] if result.weak else []
    for number, hit in enumerate(result.hits, start=1):
        lines.extend(hit_lines(hit, number))
    return "\n".join(lines) + behind


def hit_lines(hit: "ActionHit", number: int) -> list[str]:
    """One hit: its heading line, its action id, why it is close (similar actions) and its best text, terms marked."""
    data = hit.to_dict()
    if hit.ref:
        label = f"{hit.council} {hit.ref}"
    elif hit.record_kind == "section":  # a section of a prose document has no ref: its title names it
        label = f"{hit.council} section: {one_line(hit.title or '', 80) or '(untitled)'}"
    else:  # an action printed without a ref has its id on the next line
        label = f"{hit.council} (no ref)" if hit.action_id else f"{hit.council} (text outside the action tables)"
    rating = f"[{data['rating']}] " if data["rating"] else ""
    lines = [
        f"{number:>2}. {label}  {rating}{hit.kind.replace('_', ' ')}, {hit.date or 'undated'}"
        f"  score {hit.score:.4f}  {cite(data['document'], data['line'], data['location'])}"
    ]
    if hit.action_id:
        lines.append(f"    {hit.action_id}")
    if hit.themes:
        lines.append(f"    {hit_themes_text(hit.themes)}")
    if hit.because is not None:
        lines.append(textwrap.fill("because: " + one_line(hit.because.passage.text, 400), 100,
                                   initial_indent="    ", subsequent_indent="      "))
    shown = data.get("matched_sentence") or hit.text
    lines.append(textwrap.fill(one_line(mark_terms(shown, data["matched_terms"]), 400), 100,
                               initial_indent="    ", subsequent_indent="    "))
    return lines


def similar_result_text(result: "SearchResult") -> str:
    """Similar actions, each with what it shares with the source: which of the source's passages it is
    close to (ref, date, similarity), as the app's "Close to this, from 3.2 D" says. A source passage is
    quoted once, at the first hit close to it; later hits close to the same passage name that hit."""
    if not result.hits:
        return no_results(result.message)
    lines: list[str] = []
    first_hit_of: dict[str, int] = {}
    for number, hit in enumerate(result.hits, start=1):
        shown = hit_lines(dataclasses.replace(hit, because=None), number)
        if hit.because is not None:
            source = hit.because.passage
            when = month_label(source.start) if source.start else "undated"
            how = f"({when}, similarity {hit.because.score:.2f})"
            earlier = first_hit_of.setdefault(source.id, number)
            owner, kind = source.ref or source.council, source.kind.replace("_", " ")
            if earlier == number:
                close = f"close to {owner}'s {kind} {how}: {one_line(source.text, 160)}"
            else:
                close = f"close to the same {owner} {kind} as hit {earlier} {how}"
            at = 2 if hit.action_id else 1
            shown[at:at] = textwrap.wrap(close, 100, initial_indent="    ", subsequent_indent="      ")
        lines.extend(shown)
    return "\n".join(lines)


# -- timelines and summaries ---------------------------------------------------


def timeline_facts(timeline: "Timeline") -> list[tuple[str, str]]:
    """(label, value): latest rating, rating path, last dated update and how repeats were found."""
    facts = [("Latest rating", timeline.latest_rating or "none printed"), ("Rating path", timeline.rating_path or "no ratings")]
    if timeline.last_update_month:
        facts.append((
            "Last dated update",
            f"{month_label(timeline.last_update_month)}, {timeline.months_since_last_update} months before "
            f"{month_label(timeline.as_of)}",
        ))
    else:
        facts.append(("Last dated update", "none"))
    how = "embedding similarity" if timeline.novelty_method == "embedding" else "identical wording only"
    facts.append(("Repeats found by", f"{how}, threshold {timeline.novelty_threshold:.2f}"))
    return facts


def timeline_text(timeline: "Timeline") -> str:
    """The timeline as plain text: ratings, then each update with its sentences marked.

    ``+`` marks a new sentence, ``=`` a repeat (with the earlier one it repeats),
    ``>`` a reference-only update, ``-`` a sentence of a commitment (a target, not progress).
    """
    ref = f"  {timeline.ref}" if timeline.ref else ""  # a prose section has none
    lines = [f"{timeline.action_id}{ref}  ({timeline.council})"]
    if timeline.kind == "section":
        lines.append(f"Section: {one_line(timeline.action) or '(untitled)'}")
    elif timeline.action:
        lines.append(one_line(timeline.action))
    if timeline.ratings:
        lines.append("Ratings: " + ", ".join(
            f"{point.display_label} {point.rating or '-'}"
            + (f" ({point.transition})" if point.transition not in ("first", "unchanged") else "")
            + (" [reports differ: " + ", ".join(f"{cell.document} {cell.rag or '-'}" for cell in point.printed) + "]"
               if point.conflict else "")
            for point in timeline.ratings
        ))
        lines.append(f"Rating path: {timeline.rating_path}")
    else:
        lines.append("Ratings: none printed")
    lines.extend(f"{label}: {value}" for label, value in timeline_facts(timeline)[2:])
    if not timeline.entries:
        lines.append("")
        lines.append(NO_UPDATES)
    for entry in timeline.entries:
        where = "; ".join(cite(source.document, source.line, source.location) for source in entry.sources)
        kind = f" {UPDATE_KIND_NAMES[entry.kind]}" if UPDATE_KIND_NAMES[entry.kind] else ""
        rating = f" [rating {entry.rating}]" if entry.rating else ""
        lines.append("")
        lines.append(f"{entry.month or '?':7}  {entry.when}{kind}{rating}  ({where})")
        if entry.reference_only:
            lines.append(f"  > {one_line(entry.text)}  (points to: {entry.reference_to})")
            continue
        for sentence in entry.sentences:
            if sentence.label == "commitment":
                lines.append(f"  - {one_line(sentence.text)}")
            elif sentence.label == "repeat" and sentence.repeats is not None:
                earlier = sentence.repeats
                lines.append(f"  = {one_line(sentence.text)}")
                lines.append(f"      repeats {earlier.stamp or month_label(earlier.month)} "
                             f"({earlier.similarity:.2f}): {one_line(earlier.text)}")
            else:
                lines.append(f"  + {one_line(sentence.text)}")
    return "\n".join(lines)


def action_summary_text(sentences: Sequence["SummarySentence"]) -> str:
    """One line per sentence: role, date, the sentence, and where it was printed."""
    if not sentences:
        return NOTHING_TO_SUMMARISE
    return "\n".join(
        f"{ROLE_LABELS.get(s.role, s.role)} ({s.when}): {one_line(s.text)}  [{cite(s.document, s.line, s.location)}]"
        for s in sentences
    )


def query_summary_text(summary: "QuerySummary") -> str:
    """Each council's representative sentences for a query, with ref, month and source."""
    if not summary.councils:
        return summary.message or "Nothing to summarise."
    lines = [f"How each area approaches: {summary.query}"]
    for council, sentences in summary.councils:
        lines.append("")
        lines.append(council)
        for s in sentences:
            where = f"{s.ref} " if s.ref else ""
            lines.append(f"  - {one_line(s.text)}  [{where}{month_label(s.month) if s.month else 'undated'}; "
                         f"{cite(s.document, s.line, s.location)}]")
    return "\n".join(lines)


# -- briefs (shared by the Markdown, the CSV and the app's page) ---------------

#: What each section of a brief says when it lists nothing.
BRIEF_EMPTY = {
    "review_dates": "No ratings printed.",
    "worse": "No action's rating went down.",
    "not_updated": "Every action has a dated update since then.",
    "complete": "No action is reported complete.",
    "changed": "No dated updates since then.",
}


def brief_headings(brief: "Brief") -> dict[str, str]:
    """The heading of each section of a brief, by the keys of :data:`BRIEF_EMPTY`."""
    return {
        "review_dates": "Ratings at each review date",
        "worse": f"Got worse since {month_label(brief.since)}" if brief.since else "Got worse",
        "not_updated": f"Not updated since {month_label(brief.not_updated_since) or '-'}",
        "complete": "Reported complete",
        "changed": f"Changes since {month_label(brief.since)}",
    }


def brief_as_of_text(brief: "Brief") -> str:
    """"as of Dec 2021; changes since Jan 2021" (no capital, no full stop)."""
    return (f"as of {month_label(brief.as_of) or 'unknown'}"
            + (f"; changes since {month_label(brief.since)}" if brief.since else ""))


def brief_reports_text(brief: "Brief") -> str:
    """"Reports: plan.pdf (Priority 3, Dec 2021); ..." (no full stop)."""
    return "Reports: " + "; ".join(
        f"{doc['name']} ({doc['title'] or 'untitled'}, {month_label(doc['as_of']) or 'undated'})"
        for doc in brief.documents)


def change_kind_and_sources(change: "Change") -> str:
    """"position statement, plan.pdf page 2; plan.docx table 1 row 8": what a change is and where it is printed."""
    kind = f"{UPDATE_KIND_NAMES[change.kind]}, " if UPDATE_KIND_NAMES[change.kind] else ""
    return kind + "; ".join(cite(*source) for source in change.sources)


def change_repeats_note(change: "Change") -> str:
    """"(and 2 sentence(s) repeated from Dec 2020)", after what a change added."""
    return f"(and {len(change.repeated_sentences)} sentence(s) repeated from {', '.join(change.repeats_from)})"


def change_nothing_new(change: "Change") -> str:
    """"nothing new; repeats Dec 2020:", before the sentences a change only repeated."""
    return f"nothing new; repeats {', '.join(change.repeats_from) or 'earlier text'}:"


def brief_action_name(action: "ActionBrief") -> str:
    """"3.2 D (staffordshire/3-2-d)"; a section by its title; the id alone for an action with no ref."""
    if action.kind == "section" and not action.ref:
        return f'section "{one_line(action.action, 80) or "untitled"}" ({action.action_id})'
    return f"{action.ref} ({action.action_id})" if action.ref else action.action_id


def evidence_text(item: "Evidence") -> str:
    """Why an action counts as complete: its rating under the report's key, an update saying so, or a column."""
    if item.how == "rating":
        return f"rated {item.rating} at {item.label} (key: \"{one_line(item.text)}\")"
    if item.how == "update":
        return f"{item.label}: \"{one_line(item.text)}\""
    return f"{item.label} printed \"{item.text}\""


# -- verdicts (issue 12, shape 7): `narrative-search verdicts` and the brief's section

#: The heading of a brief's verdicts section (shown only where the council has verdicts).
VERDICTS_HEADING = "Revisit and monitoring verdicts"

#: Said by `narrative-search verdicts` when there is none to list.
NO_VERDICTS = "No revisit or monitoring verdicts found."


def verdict_outcome(verdict: "Verdict") -> str:
    """"sufficient: the quality of EHC plans", "insufficient (1 of 13 areas sufficient)", "closed (2 areas)"."""
    if verdict.weakness:
        return f"{verdict.verdict}: {one_line(verdict.weakness)}"
    if verdict.sufficient is None:
        return verdict.verdict
    if verdict.verdict in ("sufficient", "insufficient"):
        of = f" of {verdict.total}" if verdict.total is not None else ""
        return f"{verdict.verdict} ({verdict.sufficient}{of} areas sufficient)"
    of = f" of {verdict.total}" if verdict.total is not None else ""
    areas = "area" if (verdict.total if verdict.total is not None else verdict.sufficient) == 1 else "areas"
    return f"{verdict.verdict} ({verdict.sufficient}{of} {areas})"


def verdict_when(verdict: "Verdict") -> str:
    """"Oct 2022, revisit": the month of the event (or "undated") and what it was."""
    return f"{month_label(verdict.date) or 'undated'}, {verdict.event}"


def verdict_line(verdict: "Verdict") -> str:
    """One verdict on one line, with where it is printed."""
    return f"{verdict_when(verdict)}: {verdict_outcome(verdict)}  [{cite(verdict.document, verdict.line, verdict.location)}]"


def verdicts_text(verdicts: Sequence["Verdict"]) -> str:
    """Verdicts by council (councils and verdicts in the order given: newest first), one line each."""
    if not verdicts:
        return NO_VERDICTS
    by_council: dict[str, list[str]] = {}
    for verdict in verdicts:
        by_council.setdefault(verdict.council, []).append(f"  - {verdict_line(verdict)}")
    return "\n\n".join("\n".join([council, *lines]) for council, lines in by_council.items())


# -- ingest and the index ------------------------------------------------------


#: How many of a document's drop reasons a one-line summary names before "+N more".
TOP_DROP_REASONS = 3


def counted(number: int, singular: str, plural: Optional[str] = None) -> str:
    """"1 section", "3 sections", "1,548 characters": a count with its noun agreeing."""
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


def dropped_reasons_text(reasons: Mapping[str, int], limit: Optional[int] = TOP_DROP_REASONS) -> str:
    """"repeated page banner 1,548, navigation 312, cookie banner 95, +2 more" (reasons given most first)."""
    shown = list(reasons.items())
    more = len(shown) - limit if limit is not None and len(shown) > limit else 0
    parts = [f"{reason} {chars:,}" for reason, chars in shown[: len(shown) - more]]
    return ", ".join(parts + ([f"+{more} more"] if more else []))


def _dropped_text(result: "SaveResult") -> str:
    """"1,955 characters dropped as furniture (navigation 312, ...)", or "0 characters dropped"."""
    if not result.dropped_chars:
        return "0 characters dropped"
    reasons = f" ({dropped_reasons_text(result.dropped_reasons)})" if result.dropped_reasons else ""
    return f"{counted(result.dropped_chars, 'character')} dropped as furniture{reasons}"


def _table_saved_text(result: "SaveResult") -> str:
    """A plan table's counts, worded as they always were; commitments and verdicts added where there are any."""
    extra = [counted(result.commitments, "commitment")] if result.commitments else []
    extra += [counted(result.verdicts, "verdict")] if result.verdicts else []
    return (
        f"{result.actions} actions, {result.updates} updates, "
        f"{result.statuses} statuses, {result.dropped_chars} banner characters dropped, "
        f"{result.unattributed_chars} characters kept as unattributed text"
    ) + "".join(f", {part}" for part in extra)


def _prose_saved_text(result: "SaveResult") -> str:
    """"read as prose: 3 sections, 9 dated updates, 2 commitments, ...": what the prose path read."""
    verdicts = [counted(result.verdicts, "verdict")] if result.verdicts else []
    if result.read_as == "both":
        commitments = [counted(result.commitments, "commitment")] if result.commitments else []
        parts = [counted(result.actions, "action"), counted(result.sections, "section"),
                 counted(result.updates - result.commitments, "update"), *commitments,
                 counted(result.statuses, "status", "statuses")]
        head = "read as table and prose"
    else:
        parts = [counted(result.sections, "section"), counted(result.updates - result.commitments, "dated update"),
                 counted(result.commitments, "commitment")]
        head = "read as prose"
    parts += [_dropped_text(result),
              f"{counted(result.unattributed_chars, 'character')} kept as unattributed text", *verdicts]
    return f"{head}: " + ", ".join(parts)


def _text_only_saved_text(result: "SaveResult") -> str:
    """"read as text only: no plan table or dated progress; stored as searchable text (...)"; verdicts after."""
    verdicts = f"; {counted(result.verdicts, 'verdict')}" if result.verdicts else ""
    return (f"read as text only: no plan table or dated progress; stored as searchable text "
            f"({counted(result.unattributed_chars, 'character')}), {_dropped_text(result)}{verdicts}")


def saved_text(result: "SaveResult") -> str:
    """What storing one document did: its status, how it was read and what was read from it."""
    if result.read_as in ("prose", "both"):
        counts = _prose_saved_text(result)
    elif result.read_as == "text only":
        counts = _text_only_saved_text(result)
    else:  # a plan table ("table"), or a document stored before documents said how they were read ("")
        counts = _table_saved_text(result)
    ocr = f"; {ocr_text(result.ocr_confidence)}" if result.ocr else ""
    return f"{printable(result.document)}: {result.status}; {counts}{ocr}"


def ocr_progress_text(path: "Path", page: int, pages: int, seconds: float) -> str:
    """"OCR scan.pdf: page 2 (5 scanned pages) read in 4.1 s": a line per page while a scan is read."""
    return f"OCR {path.name}: page {page} ({pages} scanned page{'s' if pages != 1 else ''}) read in {seconds:.1f} s"


def ocr_text(confidence: Optional[float]) -> str:
    """"read by OCR (mean word confidence 94%)": how sure the reading of a scan is."""
    if confidence is None:
        return "read by OCR (no words recognised)"
    return f"read by OCR (mean word confidence {confidence:.0f}%)"


#: How the CLI replaces a stored document by a different file of its name (the app says it its own way).
REPLACE_ADVICE = "to replace that one instead, ingest this file again with --replace"


def kept_beside_text(outcome: "IngestOutcome", advice: str = REPLACE_ADVICE) -> str:
    """Why a file was stored under another name than its own: a different file of its name is stored."""
    other = outcome.kept_beside
    assert other is not None and outcome.result is not None
    return (
        f"a different file named {outcome.path.name} is stored ({other.name}, {other.council}); "
        f"this one is kept beside it as {outcome.result.document} and nothing is replaced; {advice}"
    )


def outcome_messages(outcomes: Iterable["IngestOutcome"], replace_advice: str = REPLACE_ADVICE) -> list[tuple[str, str]]:
    """(level, message) per ingest outcome: ``error`` (why a file was refused), ``success``, ``warning``."""
    messages: list[tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.error or outcome.result is None:
            messages.append(("error", printable(outcome.error)))
            continue
        messages.append(("success", saved_text(outcome.result)))
        if outcome.kept_beside is not None:
            messages.append(("warning", printable(f"{outcome.result.document}: {kept_beside_text(outcome, replace_advice)}")))
        messages.extend(("warning", printable(f"{outcome.result.document}: {warning}")) for warning in outcome.warnings)
    return messages


def ingested_count_text(outcomes: Sequence["IngestOutcome"]) -> str:
    """"4 of 5 files ingested."."""
    stored = sum(1 for outcome in outcomes if outcome.status != "error")
    return f"{stored} of {len(outcomes)} files ingested."


def outcome_rows(outcomes: Iterable["IngestOutcome"]) -> list[dict[str, str]]:
    """One dict per outcome with the columns of :data:`OUTCOME_COLUMNS`, as text."""
    rows = []
    for outcome in outcomes:
        result = None if outcome.error else outcome.result
        rows.append({
            "file": printable(outcome.path.name),
            "format": outcome.format or "-",
            "council": outcome.council or "-",
            "actions": _actions_cell(result) if result is not None else "-",
            "updates": str(result.updates) if result is not None else "-",
            "status": outcome.status,
            "message": printable(outcome.message or ""),
        })
    return rows


def _actions_cell(result: "SaveResult") -> str:
    """"33", or "3 sections" / "33 + 2 sections" where prose was read into sections, not "0"."""
    if not result.sections:
        return str(result.actions)
    sections = counted(result.sections, "section")
    return f"{result.actions} + {sections}" if result.actions else sections


def outcome_table(outcomes: Iterable["IngestOutcome"]) -> str:
    """A plain-text table of what happened to each file, for the end of an ingest.

    The message (the reason a file was refused, or its warnings) is last and
    never cut; the other columns are padded to their widest value.
    """
    rows = outcome_rows(outcomes)
    widths = {column: len(column) for column in OUTCOME_COLUMNS}
    for row in rows:
        for column in OUTCOME_COLUMNS[:-1]:
            widths[column] = max(widths[column], len(row[column]))
    right = {"actions", "updates"}

    def line(values: dict[str, str]) -> str:
        cells = [
            values[column].rjust(widths[column]) if column in right else values[column].ljust(widths[column])
            for column in OUTCOME_COLUMNS[:-1]
        ]
        return "  ".join(cells + [values["message"]]).rstrip()

    header = line({column: column for column in OUTCOME_COLUMNS})
    rule = "  ".join("-" * widths[column] for column in OUTCOME_COLUMNS[:-1]) + "  " + "-" * len("message")
    return "\n".join([header, rule, *(line(row) for row in rows)])


def index_text(manifest: "Manifest") -> str:
    """"Search index: 1234 passages of 163 actions (flat, 384 dimensions)"; no full stop."""
    return (f"Search index: {manifest.passage_count} passages of {manifest.action_count} actions "
            f"({manifest.index_type}, {manifest.dimension} dimensions)")


def index_built_text(manifest: "Manifest") -> str:
    """What a (re)build did: the index, the texts encoded and taken from the cache, and how long it took."""
    return (f"{index_text(manifest)}; {manifest.encoded} texts encoded, {manifest.cache_hits} from the cache; "
            f"{manifest.build_seconds:.1f} s.")


# -- what is ingested ----------------------------------------------------------

#: Said by `narrative-search documents` when the store is empty.
NOTHING_INGESTED = "Nothing ingested yet: run `narrative-search ingest` to read the bundled corpus."


def documents_text(summaries: Sequence["DocumentSummary"]) -> str:
    """One line per ingested document (name, council, as-of month, how it was read, counts, why text
    was dropped: its top reasons), its warnings under it."""
    if not summaries:
        return NOTHING_INGESTED
    lines = [f"{'document':28} {'council':20} {'as of':8} {'read as':9} {'actions':>7} {'sections':>8} "
             f"{'updates':>7} {'commitments':>11} {'verdicts':>8} {'statuses':>8} "
             f"{'dropped':>7} {'unattributed':>12}  dropped as"]
    for s in summaries:
        lines.append((
            f"{printable(s.name)[:28]:28} {printable(s.council)[:20]:20} {s.as_of or '-':8} {s.read_as or '-':9} {s.actions:>7} "
            f"{s.sections:>8} {s.updates:>7} {s.commitments:>11} {s.verdicts:>8} {s.statuses:>8} "
            f"{s.dropped_chars:>7} {s.unattributed_chars:>12}  {dropped_reasons_text(s.dropped_reasons) or '-'}"
        ).rstrip())
        if s.ocr:
            lines.append(f"    {ocr_text(s.ocr_confidence)}")
        lines.extend(f"    warning: {printable(warning)}" for warning in s.warnings)
    return "\n".join(lines)


# -- weaknesses (issue 14) -----------------------------------------------------

#: How each kind of weakness is named before its number.
WEAKNESS_KIND_NAMES = {"priority": "Priority", "area": "Area for improvement", "listed": "Listed weakness",
                       "named": "Named in a verdict"}

#: How a link to a weakness was made, as a person reads it.
LINK_HOW_NAMES = {"heading": "under its heading", "numbered group": "numbered group", "similarity": "inferred"}

#: Said where a weakness prints no words of its own (a numbered group with no heading or priority cell).
WEAKNESS_NO_TEXT = "(no title printed)"

#: Said where a council's documents print no grouping of their actions.
NO_WEAKNESSES = "No weaknesses found: the documents print no priorities, areas for improvement or numbered groups."


def weakness_label(weakness: "Weakness") -> str:
    """"Priority 3", "Area for improvement 2", "Listed weakness"."""
    name = WEAKNESS_KIND_NAMES[weakness.kind]
    return f"{name} {weakness.number}" if weakness.number is not None else name


def weakness_title(weakness: "Weakness", limit: Optional[int] = None) -> str:
    """The label and the weakness as printed: "Priority 3: Co-production is weak ..."."""
    return f"{weakness_label(weakness)}: {one_line(weakness.text, limit) or WEAKNESS_NO_TEXT}"


def weakness_link_text(link: "WeaknessLink") -> str:
    """"3.1 A (under its heading)", "Local offer news (inferred, 0.61)"."""
    name = link.ref or one_line(link.title, 60) or link.action_id
    how = LINK_HOW_NAMES[link.how]
    return f"{name} ({how}, {link.score:.2f})" if link.score is not None else f"{name} ({how})"


def review_share_text(share: "ReviewShare") -> str:
    """"Dec-21: G 16 (89%), G/A 2 (11%)"."""
    parts = [f"{'not rated' if rating == 'none' else rating} {count} ({share.shares[rating]:.0%})"
             for rating, count in share.counts.items()]
    return f"{', '.join(share.labels)}: " + ", ".join(parts)


def stalled_text(stalled: "StalledAction") -> str:
    """"3.1 F: G/A since Nov-21 (same rating at successive reviews)"."""
    why = {"rating": "same rating at successive reviews", "repeats": "updates repeat earlier text"}
    rating = f"{stalled.rating} " if stalled.rating else ""
    return (f"{stalled.ref or stalled.action_id}: {rating}since {stalled.since_label} "
            f"({'; '.join(why[reason] for reason in stalled.reasons)})")


def latest_update_text(update: Optional["LatestUpdate"], limit: Optional[int] = None) -> str:
    """"Dec 2021, 3.1 E: Protocols for ...", or "none dated"."""
    if update is None:
        return "none dated"
    return f"{update.when}, {update.ref or update.action_id}: {one_line(update.text, limit)}"


def attached_verdict_text(attached: "AttachedVerdict") -> str:
    """A verdict on a weakness: when, what, and how well the weakness it names matched."""
    match = f" (matched {attached.score:.2f})" if attached.score is not None and attached.score < 1.0 else ""
    return f"{verdict_when(attached.verdict)}: {attached.verdict.verdict}{match}"


def weakness_as_of_text(report: "WeaknessReport") -> str:
    """"as of Dec 2021; stale: no dated update since Jun 2021 (6 months); complete: G"."""
    as_of = month_label(report.as_of) if report.as_of else "the latest report"
    stale = (f"stale: no dated update since {month_label(report.stale_since)} ({report.stale_months} months)"
             if report.stale_since else "stale: no report date to count from")
    return f"as of {as_of}; {stale}; rated complete: {', '.join(report.complete_ratings)}"


def latest_ratings_text(ratings: Mapping[str, int]) -> str:
    """"G 16, G/A 2": how many actions each latest rating has; "none rated" where none is."""
    rated = [f"{rating} {count}" for rating, count in ratings.items() if rating != "none"]
    if "none" in ratings:
        rated.append(f"not rated {ratings['none']}")
    return ", ".join(rated) or "none rated"


def weakness_printed_text(weakness: "Weakness") -> str:
    """Where the weakness is printed, or what its actions are grouped by where no heading prints it."""
    if weakness.document:
        return f"Printed at {cite(weakness.document, weakness.line, weakness.location)}."
    return "No heading printed: grouped by the first number of its actions' refs."


# -- the brief grouped by weakness (issue 14) ------------------------------------

#: The heading of the brief's section that groups its actions by weakness.
BRIEF_BY_WEAKNESS_HEADING = "By weakness"

#: The last group of that section: actions the documents put under no weakness.
UNDER_NO_WEAKNESS = "Under no weakness"


def brief_weakness_title(group: Optional["BriefWeakness"]) -> str:
    """"Priority 3: Co-production is weak ...", or "Under no weakness" for the actions left over."""
    return weakness_title(group.weakness) if group is not None else UNDER_NO_WEAKNESS


def brief_weakness_counts(brief: "Brief", actions: Sequence["ActionBrief"]) -> list[tuple[str, list["ActionBrief"]]]:
    """The brief's sections for one weakness's actions: (what, the actions), as the brief names them."""
    headings = brief_headings(brief)
    counts = [
        (headings["worse"][:1].lower() + headings["worse"][1:], [action for action in actions if action.worse]),
        (headings["not_updated"][:1].lower() + headings["not_updated"][1:],
         [action for action in actions if action.not_updated]),
        (headings["complete"].lower(), [action for action in actions if action.complete]),
    ]
    if brief.since:
        counts.append(("changed since " + month_label(brief.since), [action for action in actions if action.changes]))
    return counts


def brief_weakness_summary(brief: "Brief", actions: Sequence["ActionBrief"]) -> str:
    """"20 actions: 1 got worse, 4 not updated since Jan 2021, 10 reported complete, 5 changed since Jan 2021"."""
    parts = [f"{len(chosen)} {what}" for what, chosen in brief_weakness_counts(brief, actions)]
    return f"{counted(len(actions), 'action')}: " + ", ".join(parts)


def brief_weakness_refs(actions: Sequence["ActionBrief"]) -> str:
    """"3.1 E, 3.2 D": the actions by ref (an action printed without one by its id); "none" for none."""
    return ", ".join(action.ref or action.action_id for action in actions) or "none"


def brief_change_line(action: "ActionBrief", limit: int = 240) -> str:
    """One changed action of a weakness, on one line: its rating moves, then each update's new words, clipped."""
    parts = []
    if action.rating_moves_since:
        parts.append("rating " + "; ".join(move.describe() for move in action.rating_moves_since))
    for change in action.changes:
        if change.reference_to is not None:
            said = f"points elsewhere: {one_line(change.text, limit)}"
        elif change.new_sentences:
            said = one_line(" ".join(change.new_sentences), limit)
        else:
            said = change_nothing_new(change)
        parts.append(f"{change.when}: {said}")
    return f"{brief_action_name(action)}: " + " | ".join(parts)


# -- national themes (themes.py) ------------------------------------------------


#: Said by `narrative-search themes` when no action is on any theme asked for.
NO_THEMED_ACTIONS = "No actions on these themes."


def hit_themes_text(themes: Sequence["ThemeScore"]) -> str:
    """"themes: EHC plan timeliness 0.62, Joint commissioning 0.55": a record's themes, best first."""
    return "themes: " + ", ".join(f"{theme.name} {theme.score:.2f}" for theme in themes)


def _refs_text(actions: Sequence["ThemedAction"]) -> str:
    """Actions by ref (a section or an action printed without one by its title)."""
    return ", ".join(action.ref if action.ref else f"“{one_line(action.title, 50)}”" for action in actions)


def theme_overview_lines(overview: "ThemeOverview") -> list[str]:
    """One theme: how many actions in how many councils, then each council's refs and verdicts."""
    theme = overview.theme
    lines = [f"{theme.name} [{theme.id}]: {counted(overview.action_count, 'action')}"
             f" in {counted(len(overview.councils), 'council')}"]
    for council in overview.councils:
        best = [a for a in council.actions if a.rank == 1]
        further = [a for a in council.actions if a.rank > 1]
        parts = []
        if best:
            parts.append(f"mainly: {_refs_text(best)}")
        if further:
            parts.append(f"also: {_refs_text(further)}")
        lines.append(textwrap.fill(f"{council.council} ({len(council.actions)}): {'; '.join(parts) or 'no actions'}", 100,
                                   initial_indent="  ", subsequent_indent="      "))
        for verdict, score in council.verdicts:
            lines.append(f"    verdict (matched {score:.2f}): {verdict_line(verdict)}")
        for verdict in council.council_verdicts:
            lines.append(f"    council verdict: {verdict_line(verdict)}")
    return lines


def themes_text(overviews: Sequence["ThemeOverview"]) -> str:
    """Every theme asked for, one block each, themes without actions listed together at the end."""
    shown = [overview for overview in overviews if overview.councils]
    if not shown:
        return NO_THEMED_ACTIONS
    blocks = ["\n".join(theme_overview_lines(overview)) for overview in shown]
    empty = [overview.theme.name for overview in overviews if not overview.councils]
    if empty:
        blocks.append("No actions on: " + ", ".join(empty))
    return "\n\n".join(blocks)


def compare_text(columns: Sequence[tuple[str, "SearchResult"]]) -> str:
    """`narrative-search compare`: each council in turn, its closest actions (as search prints them) or why none."""
    blocks = []
    for council, result in columns:
        body = search_result_text(result)
        blocks.append(f"== {council} ==\n{body}")
    return "\n\n".join(blocks)
def skipped_path_text(skipped: "SkippedPath") -> str:
    """One line on a folder (or a link) an ingest passed over, and why."""
    where = printable(skipped.path)
    if skipped.why == "visited":
        return f"skipped {where}: it leads back to {printable(skipped.detail)}, a folder already read"
    if skipped.why == "same file":
        return f"skipped {where}: the same file as {printable(skipped.detail)}"
    return f"skipped the folder {where}: it cannot be read ({printable(skipped.detail)}); the files around it were read"


# -- a home folder that cannot be written -----------------------------------------

#: Said when a read-only home's search index was built before its corpus last changed.
READ_ONLY_STALE_INDEX = ("The home folder is read-only and its search index is older than its corpus: "
                         "searching the last index built.")


def read_only_home_text(home: object, doing: str) -> str:
    """"the home folder /x is read-only: cannot ingest documents there ..." (one line, no full stop)."""
    return (f"the home folder {printable(home)} is read-only: cannot {doing} there; "
            "reading (documents, search, export, timeline, brief, summary) still works")


#: Said when the disk filled up: what was stored before stays stored.
DISK_FULL = ("the disk is full: nothing more could be written, and what was stored before is kept; "
             "free some space and run the command again")


def system_error_text(error: BaseException) -> Optional[str]:
    """One line for a write the system refused (disk full, read-only, no permission), or None for anything else."""
    import errno
    import sqlite3

    from ..errors import is_disk_full

    if is_disk_full(error):
        return DISK_FULL
    where = f" ({printable(error.filename)})" if isinstance(error, OSError) and error.filename else ""
    if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"the home folder cannot be written{where}: {error.strerror}; use a folder you can write to"
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error).lower():
        return "the home folder's database is read-only: it can be read, not changed; use a folder you can write to"
    return None


def query_cut_text(limit: int) -> str:
    """Said when a query was longer than the limit: only its beginning was searched (and is shown)."""
    return f"The query was longer than {limit} characters: only its first {limit} (to a word) were searched."
