"""CSV: the revisit brief as one row per action, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from ..export import guard_formula
from .text import evidence_text, one_line

if TYPE_CHECKING:
    from ..model import Brief

#: Columns of the brief's CSV, in order.
BRIEF_CSV_COLUMNS = (
    "ref", "action_id", "action", "latest_rating", "rating_change", "ratings", "last_update",
    "months_stale", "complete", "complete_evidence", "changes_since",
)


def brief_csv_rows(brief: "Brief") -> list[dict[str, Any]]:
    """One row per action, as :func:`brief_csv` writes them (the app shows the same rows as a table)."""
    rows = []
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
        })
    return rows


def brief_csv(brief: "Brief") -> str:
    """The brief as CSV for a spreadsheet; cells that would run as formulas are quoted with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BRIEF_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in brief_csv_rows(brief):
        writer.writerow({key: guard_formula(value) for key, value in row.items()})
    return buffer.getvalue()
