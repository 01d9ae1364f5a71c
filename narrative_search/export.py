"""Exports of the merged corpus: JSON Lines for programs, CSV for spreadsheets.

Both read through the store's reading side (:class:`~narrative_search.protocols.CorpusReader`), so an export
shows exactly what search and the app show: one action per id, each update
once, with every report that printed it. Beside every ``line`` is its
``location``: where that line is in the file ("page 3", "table 2 row 5",
"line 12" for plain text).
"""

from __future__ import annotations

import csv
import json
from typing import Any, Optional, TextIO

from .model import Locate, MergedAction, MergedUpdate, Status, ThemeAssignment, describe_location
from .protocols import CorpusReader, TextEncoder
from .weaknesses import weakness_fields

#: CSV columns, one row per update (or per action that has none).
CSV_COLUMNS = (
    "action_id",
    "council",
    "ref",
    "action",
    "lead",
    "stamp",
    "start",
    "end",
    "kind",
    "text",
    "document",
    "line",
    "location",
    "sources",
)

#: Leading characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _by_line(document: str, line: int) -> str:
    """The location of a record when no store says more: its line."""
    return describe_location(line)


def action_record(action: MergedAction, locate: Locate = _by_line) -> dict[str, Any]:
    """The JSON object for one action: the agreed keys first, extras after.

    Key order is part of the format (people read these files), so the dict is
    built in that order; json.dumps keeps it. ``locate`` is the store's
    :meth:`~narrative_search.store.CorpusStore.location`.
    """
    return {
        "id": action.id,
        "council": action.council,
        "document": action.document,
        "ref": action.ref,
        "priority": action.priority,
        "focus_area": action.focus_area,
        "action": action.action,
        "lead": action.lead,
        "evidence": action.evidence,
        "due": action.due_printed,
        "statuses": [status_record(status, locate) for status in action.statuses],
        "updates": [update_record(update, locate) for update in action.updates],
        # additions after the agreed keys
        "kind": action.kind,  # "action", or "section" of a prose document
        "line": action.line,
        "location": locate(action.document, action.line),
        "ref_printed": action.ref_printed,
        "ref_note": action.ref_note,
        "impact": action.impact,
        "due_month": action.due,
        "fields": action.fields,
        "documents": action.documents,
        "earlier_wording": [_with_location(difference, locate) for difference in action.earlier_wording()],
    }


def _with_location(record: dict[str, Any], locate: Locate) -> dict[str, Any]:
    """``record`` (with "document" and "line") with "location" added right after "line"."""
    located: dict[str, Any] = {}
    for key, value in record.items():
        located[key] = value
        if key == "line":
            located["location"] = locate(record["document"], value)
    return located


def status_record(status: Status, locate: Locate = _by_line) -> dict[str, Any]:
    return {
        "label": status.label,
        "date": status.month,
        "rag": status.rag,
        "rag_printed": status.rag_printed,
        "document": status.document,
        "line": status.line,
        "location": locate(status.document, status.line),
    }


def update_record(update: MergedUpdate, locate: Locate = _by_line) -> dict[str, Any]:
    """One update; ``document``/``line``: its earliest source; ``sources``: all, as [document, line]."""
    return {
        "stamp": update.stamp,
        "start": update.start,
        "end": update.end,
        "text": update.text,
        "document": update.document,
        "line": update.line,
        "location": locate(update.document, update.line),
        "kind": update.kind,
        "deleted": update.deleted,
        "sources": [[source.document, source.line] for source in update.sources],
        "variants": [{"document": variant.document, "line": variant.line,
                      "location": locate(variant.document, variant.line), "text": variant.text}
                     for variant in update.variants],
    }


def export_jsonl(
    store: CorpusReader, out: TextIO, council: Optional[str] = None, embedder: Optional[TextEncoder] = None,
    themes: Optional[ThemeAssignment] = None,
) -> int:
    """Write one JSON object per action; returns the number of actions written.

    Non-ASCII text is written as is (``out`` should be opened as UTF-8), so
    the file stays readable and greppable. Each carries its ``weakness``
    (:func:`~narrative_search.weaknesses.weakness_fields`; null where it is
    under none); ``embedder`` infers the weakness of those the documents
    place under none. With ``themes``, each object carries its national
    themes (see :func:`with_themes`).
    """
    count = 0
    weaknesses = weakness_fields(store, council, embedder)
    for action in store.iter_actions(council):
        record = action_record(action, store.location)
        record["weakness"] = weaknesses.get(action.id)
        if themes is not None:
            record = with_themes(record, themes)
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def with_themes(record: dict[str, Any], themes: ThemeAssignment) -> dict[str, Any]:
    """The record with ``themes``: [{"id", "name", "score"}], best first; empty when unassigned."""
    record["themes"] = [theme.to_dict() for theme in themes.themes_of(record["id"])]
    return record


def csv_rows(action: MergedAction, locate: Locate = _by_line) -> list[dict[str, Any]]:
    """One row per update; an action with none still gets one row.

    An update-less row keeps the action's own document and line, so every
    row points back at its source.
    """
    base = {
        "action_id": action.id,
        "council": action.council,
        "ref": action.ref or "",
        "action": action.action,
        "lead": action.lead,
    }
    if not action.updates:
        empty = {"stamp": "", "start": "", "end": "", "kind": "", "text": "", "sources": ""}
        return [{**base, **empty, "document": action.document, "line": action.line,
                 "location": locate(action.document, action.line)}]
    return [
        {
            **base,
            "stamp": update.stamp or "",
            "start": update.start or "",
            "end": update.end or "",
            "kind": update.kind,
            "text": update.text,
            "document": update.document,
            "line": update.line,
            "location": locate(update.document, update.line),
            "sources": "; ".join(f"{source.document}:{source.line}" for source in update.sources),
        }
        for update in action.updates
    ]


def guard_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(
    store: CorpusReader,
    out: TextIO,
    council: Optional[str] = None,
    *,
    bom: bool = False,
    guard_formulas: bool = False,
) -> int:
    """Write one CSV row per update, with a header; returns rows written.

    Open ``out`` with ``newline=""`` and UTF-8 (the csv module's rule). Set
    ``bom`` for Excel, which otherwise guesses a legacy encoding, and
    ``guard_formulas`` when the file goes to people who open it in a
    spreadsheet (text starting "=" or "-" would otherwise be evaluated);
    both are off by default so the file round-trips exactly.
    """
    if bom:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for action in store.iter_actions(council):
        for row in csv_rows(action, store.location):
            if guard_formulas:
                row = {key: guard_formula(value) for key, value in row.items()}
            writer.writerow(row)
            count += 1
    return count


# -- verdicts (issue 12, shape 7): `export --verdicts` ---------------------------

#: The keys of a verdict's JSON object (``narrative-search verdicts --json``), and the CSV's columns.
VERDICT_COLUMNS = ("council", "event", "date", "weakness", "verdict", "sufficient", "total", "document", "location")


def export_verdicts_jsonl(store: CorpusReader, out: TextIO, council: Optional[str] = None) -> int:
    """Write one JSON object per verdict, newest event first; returns the number written."""
    count = 0
    for verdict in store.verdicts(council):
        out.write(json.dumps(verdict.to_dict(), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def export_verdicts_csv(store: CorpusReader, out: TextIO, council: Optional[str] = None) -> int:
    """Write one CSV row per verdict (the JSON keys as columns, empty where null); returns rows written."""
    writer = csv.DictWriter(out, fieldnames=VERDICT_COLUMNS)
    writer.writeheader()
    count = 0
    for verdict in store.verdicts(council):
        # Verdicts quote documents (the weakness named): never a formula in a spreadsheet.
        writer.writerow({key: "" if value is None else guard_formula(value) for key, value in verdict.to_dict().items()})
        count += 1
    return count


# -- end of verdicts
