"""Markdown: the revisit brief as a page, and escaping for text Streamlit shows as Markdown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..brief import rating_order
from ..model import cite
from ..months import month_label
from .text import (
    BRIEF_BY_WEAKNESS_HEADING,
    BRIEF_EMPTY,
    NO_WEAKNESSES,
    VERDICTS_HEADING,
    attached_verdict_text,
    brief_action_name,
    brief_as_of_text,
    brief_change_line,
    brief_headings,
    brief_reports_text,
    brief_weakness_counts,
    brief_weakness_summary,
    brief_weakness_title,
    change_kind_and_sources,
    change_nothing_new,
    change_repeats_note,
    evidence_text,
    latest_ratings_text,
    latest_update_text,
    one_line,
    review_share_text,
    stalled_text,
    verdict_outcome,
    verdict_when,
    weakness_as_of_text,
    weakness_link_text,
    weakness_printed_text,
    weakness_title,
)

if TYPE_CHECKING:
    from ..model import ActionBrief, Brief, WeaknessReport, WeaknessRollup

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~$:])")
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=>])")


def md_escape(text: Any) -> str:
    """``text`` on one line, with what Markdown (and Streamlit's ``:red[...]``, ``$...$``) would interpret escaped.

    For messages, captions and labels that carry text from documents, file
    names or queries: Streamlit renders those as Markdown.
    """
    flat = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", flat)


def md_plain(text: str) -> str:
    """What :func:`md_escape` escaped, unescaped (what a reader sees)."""
    return re.sub(r"\\(.)", r"\1", text)


# Characters of document text that Markdown (or HTML inside it) would read as
# syntax: emphasis, code, links and images, raw HTML tags, tables, headings.
_DOWNLOAD_SPECIAL = re.compile(r"([\\`*\[\]<>|#!])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def md_text(text: Any, line_start: bool = False) -> str:
    """Document text on one line for a Markdown file: nothing in it becomes a link, an image, a tag or a format.

    ``<script>`` stays the text ``<script>``, ``[x](javascript:...)`` stays
    brackets, ``<svg onload=...>`` is no element: every character Markdown or
    HTML would read as syntax is escaped with a backslash (CommonMark shows it
    as written). Underscores inside words (file names) are left alone.
    ``line_start``: the text begins a line, where "1." or "-" would start a list.
    """
    flat = one_line(str(text or ""))
    escaped = _DOWNLOAD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)
    if not line_start:
        return escaped
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", escaped)


# -- the revisit brief ---------------------------------------------------------


def brief_markdown(brief: "Brief") -> str:
    """The brief as Markdown a person can read or paste."""
    out = _brief_head(brief)
    out += _brief_verdicts(brief)
    out += _brief_standing(brief)
    out += _brief_by_weakness(brief)
    if brief.since:
        out += _brief_changes(brief)
    return "\n".join(out).rstrip() + "\n"


def _brief_head(brief: "Brief") -> list[str]:
    as_of = brief_as_of_text(brief)
    out: list[str] = [f"# Revisit brief: {md_text(brief.council)}", "", as_of[:1].upper() + as_of[1:] + ".", ""]
    out.append(md_text(brief_reports_text(brief)) + ".")
    complete_keys = {one_line(key.text).rstrip(".").lower(): one_line(key.text).rstrip(".")
                     for key in brief.rating_keys if key.complete}
    out.append("Counted as complete: " + (", ".join(f'"{md_text(text)}"' for text in complete_keys.values())
                                         if complete_keys else "B (no key printed; blue is complete in BRAG)")
               + ", or an update saying it is completed.")
    out.append("")
    return out


def _brief_verdicts(brief: "Brief") -> list[str]:
    """What revisits and monitoring judged, newest first; nothing where the council has no verdicts."""
    if not brief.verdicts:
        return []
    out = [f"## {VERDICTS_HEADING}", ""]
    for verdict in brief.verdicts:
        out.append(f"- **{md_text(verdict_when(verdict))}**: {md_text(verdict_outcome(verdict))} "
                   f"({md_text(cite(verdict.document, verdict.line, verdict.location))})")
    out.append("")
    return out


def _brief_standing(brief: "Brief") -> list[str]:
    """Ratings at each review date, got worse, not updated, reported complete."""
    headings = brief_headings(brief)
    out = [f"## {headings['review_dates']}", ""]
    if brief.review_dates:
        ratings = sorted({rating for review in brief.review_dates for rating in review.counts}, key=rating_order)
        names = ["not rated" if rating == "none" else md_text(rating) for rating in ratings]
        out.append("| Review date | " + " | ".join(names) + " | Actions |")
        out.append("|---|" + "---|" * (len(ratings) + 1))
        for review in brief.review_dates:
            cells = [str(review.counts.get(rating, 0)) for rating in ratings]
            out.append(f"| {_cell(', '.join(review.labels))} | " + " | ".join(cells) + f" | {review.actions} |")
    else:
        out.append(BRIEF_EMPTY["review_dates"])
    out.append("")

    out += [f"## {headings['worse']}", ""]
    if brief.worse:
        for action in brief.worse:
            moves = "; ".join(move.describe() for move in action.worse)
            out.append(f"- **{md_text(brief_action_name(action))}** ({md_text(action.rating_path)}): {md_text(moves)}")
    else:
        out.append(BRIEF_EMPTY["worse"])
    out.append("")

    out += [f"## {headings['not_updated']}", ""]
    if brief.not_updated:
        never = [action for action in brief.not_updated if action.last_update_month is None]
        for action in brief.not_updated:
            if action.last_update_month is None:
                continue
            done = "; reported complete" if action.complete else ""
            rating = f"; rated {md_text(action.latest_rating)}" if action.latest_rating else ""
            out.append(f"- **{md_text(brief_action_name(action))}**: last dated update {month_label(action.last_update_month)}, "
                       f"{action.months_stale} months before {month_label(brief.as_of)}{rating}{done}")
        if never:
            # Listed together: templates and first drafts print many actions with no progress yet.
            out.append(f"- No dated update printed ({len(never)}): "
                       + ", ".join(md_text(action.ref or action.action_id) for action in never))
    else:
        out.append(BRIEF_EMPTY["not_updated"])
    out.append("")

    out += [f"## {headings['complete']}", ""]
    if brief.complete:
        for action in brief.complete:
            reasons = "; ".join(evidence_text(item) for item in action.evidence)
            out.append(f"- **{md_text(brief_action_name(action))}**: {md_text(reasons)}")
    else:
        out.append(BRIEF_EMPTY["complete"])
    out.append("")
    return out


def _brief_by_weakness(brief: "Brief") -> list[str]:
    """Each weakness: how many of its actions got worse, went stale, were completed, changed; then the changes."""
    groups = brief.by_weakness()
    if not groups:
        return []
    out = [f"## {BRIEF_BY_WEAKNESS_HEADING}", ""]
    for group, actions in groups:
        out += [f"### {brief_weakness_title(group)}", "", brief_weakness_summary(brief, actions) + ".", ""]
        for attached in group.verdicts if group is not None else []:
            verdict = attached.verdict
            out.append(f"- Verdict: {attached_verdict_text(attached)} ({cite(verdict.document, verdict.line, verdict.location)})")
        for what, chosen in brief_weakness_counts(brief, actions)[:3]:
            if chosen:
                out.append(f"- {what[:1].upper() + what[1:]}: " + ", ".join(a.ref or a.action_id for a in chosen))
        out += [f"- {brief_change_line(action)}" for action in actions if action.changes]
        out.append("")
    return out


def _brief_changes(brief: "Brief") -> list[str]:
    """What changed since ``brief.since``, action by action."""
    out = [f"## {brief_headings(brief)['changed']}", ""]
    if not brief.changed:
        out.append(BRIEF_EMPTY["changed"])
        out.append("")
    for action in brief.changed:
        out += _action_changes(action)
    return out


def _action_changes(action: "ActionBrief") -> list[str]:
    out = [f"### {md_text(brief_action_name(action))}", ""]
    if action.action:
        out.append(md_text(action.action, line_start=True))
        out.append("")
    if action.rating_moves_since:
        out.append("Rating: " + md_text("; ".join(move.describe() for move in action.rating_moves_since)))
        out.append("")
    for change in action.changes:
        if change.reference_to is not None:
            body = f"points elsewhere: {one_line(change.text)}"
        elif change.new_sentences:
            body = " ".join(one_line(sentence) for sentence in change.new_sentences)
            if change.repeated_sentences:
                body += " " + change_repeats_note(change)
        else:
            body = change_nothing_new(change) + " " + " ".join(one_line(s) for s in change.repeated_sentences)
        out.append(f"- **{md_text(change.when)}** ({md_text(change_kind_and_sources(change))}): {md_text(body)}")
    out.append("")
    return out


def _cell(text: str) -> str:
    """Text for a Markdown table cell: on one line, its pipes and other syntax escaped."""
    return md_text(text)


# -- weaknesses (issue 14) -----------------------------------------------------

#: Columns of the weakness table, the first thing `narrative-search weaknesses` prints.
WEAKNESS_TABLE_COLUMNS = ("Weakness", "Actions", "Rated now", "Complete", "Stale", "Stalled", "Latest update",
                          "Verdicts")


def weaknesses_markdown(report: "WeaknessReport") -> str:
    """A council's weaknesses: one table row each, then each weakness with its roll-up and actions."""
    as_of = weakness_as_of_text(report)
    out = [f"# Weaknesses: {report.council}", "", as_of[:1].upper() + as_of[1:] + ".", ""]
    if not report.rollups:
        return "\n".join(out + [NO_WEAKNESSES]) + "\n"
    out.append("| " + " | ".join(WEAKNESS_TABLE_COLUMNS) + " |")
    out.append("|" + "---|" * len(WEAKNESS_TABLE_COLUMNS))
    for rollup in report.rollups:
        cells = [
            weakness_title(rollup.weakness, 70),
            str(rollup.actions),
            latest_ratings_text(rollup.latest_ratings),
            str(len(rollup.complete)),
            str(len(rollup.stale)),
            str(len(rollup.stalled)),
            month_label(rollup.latest_update.month) if rollup.latest_update else "none dated",
            "; ".join(attached_verdict_text(v) for v in rollup.verdicts) or "none",
        ]
        out.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    out.append("")
    if report.verdicts:
        out += [f"## {VERDICTS_HEADING} (the council as a whole)", ""]
        out += [f"- **{verdict_when(v)}**: {verdict_outcome(v)} ({cite(v.document, v.line, v.location)})"
                for v in report.verdicts]
        out.append("")
    for rollup in report.rollups:
        out += _weakness_section(rollup)
    if report.unlinked:
        out += ["## Under no weakness", "", ", ".join(report.unlinked), ""]
    return "\n".join(out).rstrip() + "\n"


def _weakness_section(rollup: "WeaknessRollup") -> list[str]:
    weakness = rollup.weakness
    out = [f"## {weakness_title(weakness)}", ""]
    if weakness.heading and weakness.heading != weakness.text:
        out.append(f"Heading: {one_line(weakness.heading)}")
    out.append(weakness_printed_text(weakness))
    out.append("")
    out += [f"- Ratings: {'; '.join(review_share_text(share) for share in rollup.review_dates) or 'none printed'}",
            f"- Rated complete ({len(rollup.complete)}): {_refs(rollup, rollup.complete)}",
            f"- Stale ({len(rollup.stale)}): {_refs(rollup, rollup.stale)}",
            f"- Stalled ({len(rollup.stalled)}): "
            + ("; ".join(stalled_text(stalled) for stalled in rollup.stalled) or "none"),
            f"- Latest dated update: {latest_update_text(rollup.latest_update, 200)}"]
    for attached in rollup.verdicts:
        verdict = attached.verdict
        out.append(f"- Verdict: {attached_verdict_text(attached)} ({cite(verdict.document, verdict.line, verdict.location)})")
    out.append(f"- Actions ({len(weakness.links)}): "
               + (", ".join(weakness_link_text(link) for link in weakness.links) or "none"))
    out.append("")
    return out


def _refs(rollup: "WeaknessRollup", action_ids: list[str]) -> str:
    refs = {link.action_id: link.ref or link.action_id for link in rollup.weakness.links}
    return ", ".join(refs.get(action_id, action_id) for action_id in action_ids) or "none"
