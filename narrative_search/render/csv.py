"""CSV: the revisit brief as one row per action, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..export import guard_formula
from .text import (
    attached_verdict_text,
    evidence_text,
    latest_ratings_text,
    one_line,
    review_share_text,
    stalled_text,
    weakness_label,
    weakness_link_text,
)

if TYPE_CHECKING:
    from ..model import Brief, WeaknessReport

#: Columns of the brief's CSV, in order.
BRIEF_CSV_COLUMNS = (
    "ref", "action_id", "action", "latest_rating", "rating_change", "ratings", "last_update",
    "months_stale", "complete", "complete_evidence", "changes_since", "weakness",
)


def brief_csv_rows(brief: "Brief") -> list[dict[str, Any]]:
    """One row per action, as :func:`brief_csv` writes them (the app shows the same rows as a table)."""
    rows = []
    weakness_of = {action_id: weakness_label(group.weakness) for group in brief.weaknesses
                   for action_id in group.action_ids}
    for action in brief.actions:
        changes = [
            f"{change.when}: " + (f"see {change.reference_to}" if change.reference_to is not None
                                  else " ".join(one_line(s) for s in change.new_sentences) or "(repeats earlier text)")
            for change in action.changes
        ]
        rows.append({
            "ref": action.ref or "",
            "action_id": action.action_id,
            "action": one_line(action.action),
            "latest_rating": action.latest_rating or "",
            "rating_change": action.rating_change,
            "ratings": action.rating_path,
            "last_update": action.last_update_month or "",
            "months_stale": "" if action.months_stale is None else action.months_stale,
            "complete": "yes" if action.complete else "no",
            "complete_evidence": " | ".join(evidence_text(item) for item in action.evidence),
            "changes_since": " | ".join(changes),
            "weakness": weakness_of.get(action.action_id, ""),
        })
    return rows


def guarded_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV for a spreadsheet; cells that would run as formulas are quoted with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: guard_formula(value) for key, value in row.items()})
    return buffer.getvalue()


def brief_csv(brief: "Brief") -> str:
    """The brief as CSV for a spreadsheet (formula cells guarded)."""
    return guarded_csv(BRIEF_CSV_COLUMNS, brief_csv_rows(brief))


# -- weaknesses (issue 14) -----------------------------------------------------

#: Columns of the weaknesses CSV, one row per weakness, in order.
WEAKNESS_CSV_COLUMNS = (
    "weakness_id", "weakness", "text", "actions", "rated_now", "ratings", "complete", "stale", "stalled",
    "latest_update", "latest_update_text", "verdicts", "action_refs",
)


def weaknesses_csv_rows(report: "WeaknessReport") -> list[dict[str, Any]]:
    """One row per weakness with its roll-up (the app can show the same rows as a table)."""
    rows = []
    for rollup in report.rollups:
        weakness = rollup.weakness
        refs = {link.action_id: link.ref or link.action_id for link in weakness.links}
        rows.append({
            "weakness_id": weakness.id,
            "weakness": weakness_label(weakness),
            "text": one_line(weakness.text),
            "actions": rollup.actions,
            "rated_now": latest_ratings_text(rollup.latest_ratings),
            "ratings": " | ".join(review_share_text(share) for share in rollup.review_dates),
            "complete": " ".join(refs.get(i, i) for i in rollup.complete),
            "stale": " ".join(refs.get(i, i) for i in rollup.stale),
            "stalled": " | ".join(stalled_text(stalled) for stalled in rollup.stalled),
            "latest_update": rollup.latest_update.month if rollup.latest_update else "",
            "latest_update_text": one_line(rollup.latest_update.text) if rollup.latest_update else "",
            "verdicts": " | ".join(attached_verdict_text(verdict) for verdict in rollup.verdicts),
            "action_refs": " | ".join(weakness_link_text(link) for link in weakness.links),
        })
    return rows


def weaknesses_csv(report: "WeaknessReport") -> str:
    """The weaknesses as CSV for a spreadsheet (formula cells guarded)."""
    return guarded_csv(WEAKNESS_CSV_COLUMNS, weaknesses_csv_rows(report))
