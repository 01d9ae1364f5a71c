"""Plain text: search results, timelines, summaries, brief items, ingest outcomes, index notes.

The CLI prints these; the app shows the same messages (escaped for
Markdown, or inside its HTML), so each thing is worded once, here.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, Iterable, Mapping, Optional, Sequence

from ..model import cite
from ..months import month_label

if TYPE_CHECKING:
    from ..index import Manifest
    from ..model import (
        ActionBrief,
        ActionHit,
        Brief,
        Change,
        DocumentSummary,
        Evidence,
        IngestOutcome,
        QuerySummary,
        SaveResult,
        SearchResult,
        SummarySentence,
        Timeline,
        Verdict,
    )

#: Said where a search or a list of similar actions finds nothing and the library gives no reason.
NO_RESULTS = "No results."

#: Said above a search's results when none is a close match (the search's relevance floor).
NO_CLOSE_MATCH = "No close match; nearest results:"

#: Said by `narrative-search index` (and after an ingest) when nothing had to be rebuilt.
INDEX_UP_TO_DATE = "Search index: up to date."

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
    if not result.hits:
        return no_results(result.message)
    lines: list[str] = [NO_CLOSE_MATCH] if result.weak else []
    for number, hit in enumerate(result.hits, start=1):
        lines.extend(hit_lines(hit, number))
    return "\n".join(lines)


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
    if hit.because is not None:
        lines.append(textwrap.fill("because: " + one_line(hit.because.passage.text, 400), 100,
                                   initial_indent="    ", subsequent_indent="      "))
    shown = data.get("matched_sentence") or hit.text
    lines.append(textwrap.fill(one_line(mark_terms(shown, data["matched_terms"]), 400), 100,
                               initial_indent="    ", subsequent_indent="    "))
    return lines


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
        "worse": "Got worse",
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
    return f"{result.document}: {result.status}; {counts}"


def outcome_messages(outcomes: Iterable["IngestOutcome"]) -> list[tuple[str, str]]:
    """(level, message) per ingest outcome: ``error`` (why a file was refused), ``success``, ``warning``."""
    messages: list[tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.error or outcome.result is None:
            messages.append(("error", str(outcome.error)))
            continue
        messages.append(("success", saved_text(outcome.result)))
        messages.extend(("warning", f"{outcome.result.document}: {warning}") for warning in outcome.warnings)
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
            "file": outcome.path.name,
            "format": outcome.format or "-",
            "council": outcome.council or "-",
            "actions": _actions_cell(result) if result is not None else "-",
            "updates": str(result.updates) if result is not None else "-",
            "status": outcome.status,
            "message": outcome.message or "",
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
            f"{s.name[:28]:28} {s.council[:20]:20} {s.as_of or '-':8} {s.read_as or '-':9} {s.actions:>7} "
            f"{s.sections:>8} {s.updates:>7} {s.commitments:>11} {s.verdicts:>8} {s.statuses:>8} "
            f"{s.dropped_chars:>7} {s.unattributed_chars:>12}  {dropped_reasons_text(s.dropped_reasons) or '-'}"
        ).rstrip())
        lines.extend(f"    warning: {warning}" for warning in s.warnings)
    return "\n".join(lines)
