"""Rows of cells -> actions, statuses and updates.

One planner serves every shape in the corpus: it finds table header rows by
their words (never by position), maps each column to a role, and reads the
rows below into actions. Damage is handled where it shows:

- banners repeated on every page are dropped and reported;
- a header repeated after a page break is dropped, and a row after it that
  has no ref carries on the row above (text and rating);
- rows with an empty first cell continue the focus area above;
- a "Focus Area N" line or row sets the focus area for the rows below it.

Whatever is not read into an action is kept as unattributed text of the
document, with its line, so nothing is lost.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from .cleaning import clean_cell, is_rating, normalise_rating
from .interleaved import recover_interleaved
from .model import (
    Action,
    Citation,
    ColumnRole,
    Document,
    DocumentReading,
    Row,
    Status,
    TextSpan,
    Update,
    UpdateKind,
    action_id,
    describe_location,
)
from .refs import (
    action_letter,
    compose_ref,
    focus_number,
    looks_like_ref,
    normalise_ref,
    repair_milestone_refs,
    uses_milestone_refs,
)
from .stamps import parse_column_month, parse_due, split_updates

# Roles that make a header row an action plan's (see model.ColumnRole for every role).
# Columns with no role ("field") keep their text under their header label in Action.fields.
KEY_ROLES: frozenset[ColumnRole] = frozenset({"ref", "focus", "action", "lead", "rating", "evidence", "update", "position"})

# A banner must be long enough that repeating it is not a coincidence
# ("Completed" appears many times as a legend entry and is content).
BANNER_MIN_CHARS = 40
BANNER_MIN_REPEATS = 3


def column_role(header: str) -> ColumnRole:
    """The role of a column from its header words; "field" when none fits.

    Words are matched with spaces removed, because PDF extraction breaks
    header words ("Mileston e Start", "FocusArea").
    """
    squashed = re.sub(r"[\s_]+", "", header.lower())
    if not squashed:
        return "field"
    if "positionstatement" in squashed and parse_column_month(header):
        return "position"
    if "start" in squashed and ("milestone" in squashed or "date" in squashed):
        return "field"
    if any(word in squashed for word in ("enddate", "completiondate", "timeframe", "duedate", "deadline", "bywhen")):
        return "due"
    if squashed.startswith("evidence"):
        return "evidence"
    if any(word in squashed for word in ("impactmeasure", "successmeasure", "measuresofsuccess")):
        return "impact"
    if any(word in squashed for word in ("actiontodate", "progressupdate", "update", "commentary")):
        return "update"
    if squashed.startswith(("progress", "rag", "brag", "status")):
        return "rating"
    if squashed.startswith("ref"):
        return "ref"
    if squashed.startswith(("focusarea", "areaforimprovement", "areaofimprovement")):
        return "focus"
    if squashed.startswith(("action", "milestone", "deliveryobjective", "objective", "task")) and "group" not in squashed:
        return "action"
    if squashed.startswith(("lead", "accountableofficer", "responsible", "owner")):
        return "lead"
    if squashed.startswith("priority"):
        return "priority"
    return "field"


@dataclass
class Column:
    index: int
    role: ColumnRole
    label: str  # header text as printed (cleaned), or the dated sub-label
    month: Optional[str] = None  # for dated rating and position-statement columns


@dataclass
class TableLayout:
    columns: list[Column]
    header_line: int
    header_text: str

    def has_role(self, role: ColumnRole) -> bool:
        return any(column.role == role for column in self.columns)

    def cell_text(self, row: Row, role: ColumnRole) -> str:
        """The raw text of the row's cell in the first column of a role ("" if none)."""
        index = next((column.index for column in self.columns if column.role == role), None)
        return next((cell.text for cell in row.cells if cell.column == index), "")


def header_layout(row: Row) -> Optional[TableLayout]:
    """A layout if the row is a table header, else None."""
    if len([c for c in row.cells if c.text.strip()]) < 3:
        return None
    columns = []
    for cell in row.cells:
        label = clean_cell(cell.text).live.replace("\n", " ")
        columns.append(Column(index=cell.column, role=column_role(label), label=label))
    key_roles = {c.role for c in columns} & KEY_ROLES
    if len(key_roles) < 3 or not ({"action", "focus", "ref"} & key_roles):
        return None
    seen: set[str] = set()
    for column in columns:
        # A second column of a single-valued role (Staffordshire prints two
        # evidence columns) keeps its own label rather than overwrite the first.
        if column.role in seen and column.role not in ("rating", "update", "position"):
            column.role = "field"
        seen.add(column.role)
        if column.role == "position":
            column.month = parse_column_month(column.label)
    # A first column with an empty header holds the refs (Torbay's
    # "\tMilestone Actions\t..." header).
    if columns and not columns[0].label and "ref" not in seen:
        columns[0].role = "ref"
        columns[0].label = "Ref"
    return TableLayout(columns=columns, header_line=row.line, header_text=row.text)


# -- column roles from content --------------------------------------------------
# Header words are not enough: councils head a narrative column "Progress"
# or "Progress to date" as often as a rating column, and a "Status" column
# may hold the updates. So the cells have the last word where they clearly
# contradict the header: long dated text is progress updates, short rating
# words are ratings.

# Short progress words printed in rating columns beside colours.
RATING_STATUS_WORDS = frozenset(
    {
        "complete", "completed", "done", "achieved", "closed", "open",
        "on track", "off track", "at risk", "delayed", "behind",
        "in progress", "ongoing", "underway", "started", "not started", "not yet started",
        "n/a", "na", "tbc",
    }
)
# A rating cell is a word or two; anything longer is text.
RATING_MAX_CHARS = 30
# A dated cell this long is an update, not a date or a rating with a month.
NARRATIVE_MIN_CHARS = 40
# How many rows under a header are looked at: enough to judge, not the whole document.
CONTENT_SAMPLE_ROWS = 200

_RATING_PARTS = re.compile(r"\s*[/,;\u2013-]\s*")


def looks_like_rating(text: str) -> bool:
    """A short cell of rating colours or progress words ("Amber", "G/A", "On track", "Complete")."""
    text = text.strip().rstrip(".")
    if not text or len(text) > RATING_MAX_CHARS:
        return False
    if is_rating(text):
        return True
    parts = [part.strip().lower() for part in _RATING_PARTS.split(text) if part.strip()]
    return bool(parts) and all(is_rating(part) or part in RATING_STATUS_WORDS for part in parts)


def looks_like_dated_narrative(text: str) -> bool:
    """A long cell that holds at least one dated update ("Oct 2019: The panel ...")."""
    return len(text) >= NARRATIVE_MIN_CHARS and any(piece.stamp for piece in split_updates(text))


@dataclass
class ColumnContent:
    """What the filled cells of one column hold, counted."""

    filled: int = 0
    ratings: int = 0
    dated_narratives: int = 0
    long_texts: int = 0  # dated or not

    def add(self, text: str) -> None:
        self.filled += 1
        if looks_like_rating(text):
            self.ratings += 1
            return
        if len(text) >= NARRATIVE_MIN_CHARS:
            self.long_texts += 1
        if looks_like_dated_narrative(text):
            self.dated_narratives += 1

    def is_dated_narrative(self, least: int) -> bool:
        """At least `least` cells (and a third of the filled ones) are long dated text, outnumbering ratings."""
        return (
            self.dated_narratives >= least
            and self.dated_narratives * 3 >= self.filled
            and self.dated_narratives > self.ratings
        )

    def is_long_text(self) -> bool:
        """Two or more cells, and half the filled ones, are long text, and not one is a rating."""
        return self.long_texts >= 2 and self.long_texts * 2 >= self.filled and self.ratings == 0

    def is_ratings(self) -> bool:
        """Two or more filled cells, every one a rating."""
        return self.filled >= 2 and self.ratings == self.filled


def table_contents(rows: list[Row]) -> dict[str, dict[int, ColumnContent]]:
    """Per header text, what each column's cells hold under it.

    Tables printed under the same header (one table broken over pages, or the
    same template repeated) are counted together, so every copy of the header
    gets the same roles. Single-cell rows are paragraphs, not table rows.
    """
    contents: dict[str, dict[int, ColumnContent]] = {}
    current: Optional[dict[int, ColumnContent]] = None
    sampled = 0
    for row in rows:
        if header_layout(row) is not None:
            current = contents.setdefault(row.text, {})
            sampled = 0
            continue
        if current is None or sampled >= CONTENT_SAMPLE_ROWS or len(row.cells) < 2:
            continue
        sampled += 1
        for cell in row.cells:
            text = clean_cell(cell.text).live.strip()
            if text:
                current.setdefault(cell.column, ColumnContent()).add(text)
    return contents


def role_from_content(column: Column, content: ColumnContent) -> Optional[tuple[ColumnRole, str]]:
    """The role a column's cells give it where they contradict its header, and why; None when they agree.

    Only undated columns are judged: a rating column headed by a month
    ("Dec-19") and a position statement are what their header says.
    """
    if column.month is not None:
        return None
    if column.role == "rating" and content.is_dated_narrative(least=1):
        return "update", "its cells are long dated text"
    if column.role == "rating" and content.is_long_text():
        # Undated, but commentary all the same: as a rating it would be one printed status.
        return "update", "its cells are long text, not ratings"
    if column.role == "update" and content.is_ratings():
        return "rating", "its cells are short rating words"
    # A column whose header names no role needs more than one dated cell.
    unnamed = column.role == "field" and bool(column.label) and column_role(column.label) == "field"
    if unnamed and content.ratings == 0 and content.is_dated_narrative(least=2):
        return "update", "its cells are long dated text"
    return None


_ROLE_WORDS: dict[ColumnRole, str] = {"update": "progress updates", "rating": "ratings"}


def correct_roles(layout: TableLayout, contents: dict[int, ColumnContent]) -> list[str]:
    """Give each column of the layout the role its cells show; the reasons, one per changed column."""
    notes = []
    for column in layout.columns:
        found = role_from_content(column, contents.get(column.index, ColumnContent()))
        if found is None:
            continue
        role, why = found
        column.role = role
        notes.append(f"column '{column.label}' read as {_ROLE_WORDS.get(role, role)}: {why}")
    return notes


def apply_sub_labels(layout: TableLayout, row: Row) -> bool:
    """Read a second header row of dated labels ("Dec-19", "Jan-20", ...).

    Each dated label makes its column a rating column for that month.
    Returns True if the row was such a row.
    """
    filled = [c for c in row.cells if c.text.strip() and c.text.strip() != "-"]
    if len(filled) < 2 or not all(parse_column_month(c.text.strip()) for c in filled):
        return False
    by_index = {column.index: column for column in layout.columns}
    for cell in filled:
        label = cell.text.strip()
        column = by_index.get(cell.column)
        if column is None:
            column = Column(index=cell.column, role="rating", label=label)
            layout.columns.append(column)
        column.role = "rating"
        column.label = label
        column.month = parse_column_month(label)
    return True


def is_header_continuation(row: Row) -> bool:
    """A second header row of short words under the first ("Action", "Date")."""
    filled = [c.text.strip() for c in row.cells if c.text.strip()]
    return bool(filled) and all(len(text) <= 20 and not looks_like_ref(text) for text in filled)


_FOCUS_HEADING = re.compile(r"focu+s\s*area\s*(\d+)", re.IGNORECASE)
_PRIORITY_HEADING = re.compile(
    r"^\s*(?:<[^>]+>\s*)*(priority\s+(?:\d+|one|two|three|four|five|six)\b|improvement pillar\s*\d+|area for improvement\s*\d+)",
    re.IGNORECASE,
)


def focus_heading(row: Row) -> Optional[str]:
    """The focus-area heading a row holds ("Focus Area 5 – ..."), or None.

    Cells are joined without a separator because extraction sometimes splits
    the heading itself across cells ("Focu" | "us Area 5").
    """
    joined = "".join(cell.text for cell in row.cells).strip()
    match = _FOCUS_HEADING.search(joined[:40])
    if not match:
        return None
    filled = [c.text.strip() for c in row.cells if c.text.strip()]
    # A label cell before the heading ("Focus" | "Focus Area 10. ...") is not part of it.
    while len(filled) > 1 and _FOCUS_HEADING.match("".join(filled[1:])):
        filled = filled[1:]
    return " ".join(filled)


def priority_heading(row: Row) -> Optional[str]:
    filled = [c.text for c in row.cells if c.text.strip()]
    if not filled or not _PRIORITY_HEADING.match(filled[0]):
        return None
    return clean_cell(filled[0]).live.replace("\n", " ")


@dataclass
class PendingAction:
    """An action being read: cell texts gathered per column until it ends."""

    line: int
    ref_printed: Optional[str]
    ref: Optional[str]
    focus_area: str
    priority: str
    layout: TableLayout
    texts: dict[int, list[tuple[str, int]]] = field(default_factory=dict)

    def add_row(self, row: Row) -> None:
        for cell in row.cells:
            if cell.text.strip():
                self.texts.setdefault(cell.column, []).append((cell.text, cell.line))


def find_banners(rows: list[Row]) -> set[str]:
    """Lines repeated on many pages: running headers, draft notices."""
    counts = Counter(
        row.cells[0].text.strip()
        for row in rows
        if len([c for c in row.cells if c.text.strip()]) == 1 and len(row.text.strip()) >= BANNER_MIN_CHARS
    )
    return {text for text, count in counts.items() if count >= BANNER_MIN_REPEATS}


def _roles(layout: TableLayout) -> list[ColumnRole]:
    return [column.role for column in layout.columns]


def _starts_lowercase(row: Row) -> bool:
    for cell in row.cells:
        text = clean_cell(cell.text).live.strip()
        if text:
            return text[0].islower() or text[0] in ",;:)-–"
    return False


class Planner:
    """Reads one document's rows into a DocumentReading."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.reading = DocumentReading(document=document)
        self.layout: Optional[TableLayout] = None
        self.pending: Optional[PendingAction] = None
        self.focus_area = ""
        self.focus_number: Optional[str] = None
        self.priority = ""
        self.seen_headers: set[str] = set()
        self.after_page_break = False
        self.prose: list[tuple[str, int]] = []
        self.headings: list[TextSpan] = []
        self.expect_sub_labels = False
        self.table_contents: dict[str, dict[int, ColumnContent]] = {}
        self.role_notes_given: set[str] = set()

    # -- unattributed text -------------------------------------------------

    def keep_text(self, text: str, line: int, reason: str) -> None:
        text = text.strip()
        if text:
            self.reading.unattributed.append(TextSpan(text=text, line=line, reason=reason))

    def flush_prose(self) -> None:
        if self.prose:
            text = "\n".join(t for t, _ in self.prose)
            self.keep_text(text, self.prose[0][1], "text")
            self.prose = []

    # -- actions -------------------------------------------------------------

    def finish_action(self) -> None:
        if self.pending is not None:
            self.reading.actions.append(build_action(self.pending, self.document))
            self.pending = None

    def end_table(self) -> None:
        self.finish_action()
        self.layout = None
        self.after_page_break = False

    def row_ref(self, row: Row) -> tuple[Optional[str], Optional[str], Optional[str]]:
        """(printed ref, normalised ref, focus number) a table row starts."""
        layout = self.layout
        assert layout is not None
        printed = layout.cell_text(row, "ref").strip()
        if printed and looks_like_ref(printed):
            return printed, normalise_ref(printed), None
        focus_text = layout.cell_text(row, "focus")
        action_text = layout.cell_text(row, "action")
        number = focus_number(clean_cell(focus_text).live) if focus_text.strip() else None
        letter = action_letter(clean_cell(action_text).live) if action_text.strip() else None
        if number is None and letter is not None and not focus_text.strip():
            number = self.focus_number  # an empty first cell continues the focus area above
        if number is None and letter is None:
            return None, None, None
        ref = compose_ref(number, letter)
        return ref, ref, number

    def table_row(self, row: Row) -> bool:
        """Read a row of the current table; False if the row does not belong to it."""
        layout = self.layout
        assert layout is not None
        printed, ref, number = self.row_ref(row)
        if ref is None and self.pending is not None and (self.after_page_break or _starts_lowercase(row)):
            # The rest of the row above, carried over a page break.
            self.pending.add_row(row)
            self.after_page_break = False
            return True
        if ref is None and not self.has_action_text(row):
            return False
        if ref is None:
            # Where the row is in the file ("page 3"), as a person would look for it.
            self.reading.warnings.append(f"{describe_location(row.line, row.location)}: an action row without a ref")
        self.after_page_break = False
        self.finish_action()
        focus_text = layout.cell_text(row, "focus")
        if focus_text.strip():
            self.focus_area = clean_cell(focus_text).live.replace("\n", " ")
            self.focus_number = focus_number(self.focus_area)
        elif number is not None and not layout.has_role("focus"):
            self.focus_number = number
        self.pending = PendingAction(
            line=row.line,
            ref_printed=printed,
            ref=ref,
            focus_area=self.focus_area,
            priority=self.priority,
            layout=layout,
        )
        self.pending.add_row(row)
        return True

    def has_action_text(self, row: Row) -> bool:
        """True if the row fills the action column and looks like a table row."""
        layout = self.layout
        assert layout is not None
        if len(row.cells) < 3:
            return False
        ref_columns = {c.index for c in layout.columns if c.role == "ref"}
        if any(cell.column in ref_columns and cell.text.strip() for cell in row.cells):
            return False  # text in the ref column that is not a ref: a box or heading, not an action
        action_columns = {c.index for c in layout.columns if c.role == "action"}
        return any(cell.column in action_columns and cell.text.strip() for cell in row.cells)

    # -- the walk ------------------------------------------------------------

    def read(self, rows: list[Row]) -> DocumentReading:
        banners = find_banners(rows)
        self.table_contents = table_contents(rows)
        for row in rows:
            if row.is_blank():
                self.flush_prose()
                continue
            stripped = row.text.strip()
            if stripped in banners:
                self.reading.dropped.append(TextSpan(text=stripped, line=row.line, reason="repeated page banner"))
                if self.layout is not None:
                    self.after_page_break = True
                continue
            self.read_row(row)
        self.flush_prose()
        self.end_table()
        repair_refs(self.reading.actions, sectioned=self.document.ocr)
        recover_interleaved(self.reading, rows)
        for heading in self.unused_headings():
            self.reading.unattributed.append(heading)
        self.reading.unattributed.sort(key=lambda span: span.line)
        return self.reading

    def read_row(self, row: Row) -> None:
        layout = header_layout(row)
        if layout is not None:
            self.correct_roles(layout, row)
            self.flush_prose()
            if row.text in self.seen_headers:
                self.reading.dropped.append(TextSpan(text=row.text.strip(), line=row.line, reason="repeated table header"))
            else:
                self.seen_headers.add(row.text)
                self.keep_text(" | ".join(c.label for c in layout.columns if c.label), row.line, "table header")
            if self.layout is not None and _roles(layout) == _roles(self.layout):
                # The same table goes on after a page break; the row below
                # may carry the rest of the current action.
                self.after_page_break = True
                return
            self.finish_action()
            self.layout = layout
            self.expect_sub_labels = True
            return
        if self.layout is not None and self.expect_sub_labels:
            self.expect_sub_labels = False
            if apply_sub_labels(self.layout, row) or is_header_continuation(row):
                self.keep_text(" | ".join(c.text.strip() for c in row.cells if c.text.strip()), row.line, "table header")
                return
        heading = focus_heading(row)
        if heading is not None:
            self.flush_prose()
            self.finish_action()
            self.focus_area = clean_cell(heading).live.replace("\n", " ")
            self.focus_number = None
            self.headings.append(TextSpan(text=self.focus_area, line=row.line, reason="focus area heading"))
            return
        priority = priority_heading(row)
        if priority is not None and len([c for c in row.cells if c.text.strip()]) <= 2:
            self.priority = priority
        filled = [c for c in row.cells if c.text.strip()]
        if self.layout is not None and len(row.cells) >= 2:
            if self.table_row(row):
                return
            self.end_table()
        if self.layout is not None and len(filled) == 1 and len(row.cells) == 1:
            self.end_table()
        if len(filled) == 1 and len(row.cells) == 1:
            self.prose.append((clean_cell(filled[0].text).live, row.line))
        else:
            self.flush_prose()
            self.keep_text(" | ".join(clean_cell(c.text).live for c in filled), row.line, "table outside a plan")

    def correct_roles(self, layout: TableLayout, row: Row) -> None:
        """Let the cells under this header correct its column roles; say so once per header."""
        notes = correct_roles(layout, self.table_contents.get(row.text, {}))
        if notes and row.text not in self.role_notes_given:
            self.role_notes_given.add(row.text)
            where = describe_location(row.line, row.location)
            self.reading.warnings.extend(f"{where}: {note}" for note in notes)

    def unused_headings(self) -> list[TextSpan]:
        used = {action.focus_area for action in self.reading.actions}
        return [h for h in self.headings if h.text not in used]


def _joined_live(parts: list[tuple[str, int]]) -> tuple[str, list[str], list[tuple[int, int]]]:
    """Clean each cell part and join them; returns (live, deleted, [(offset, line)])."""
    live_parts: list[str] = []
    deleted: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for raw, line in parts:
        cleaned = clean_cell(raw)
        deleted.extend(cleaned.deleted)
        if not cleaned.live:
            continue
        offsets.append((position, line))
        live_parts.append(cleaned.live)
        position += len(cleaned.live) + 1
    return "\n".join(live_parts), deleted, offsets


def _line_at(offsets: list[tuple[int, int]], offset: int, default: int) -> int:
    line = default
    for start, part_line in offsets:
        if start <= offset:
            line = part_line
    return line


def build_action(pending: PendingAction, document: Document) -> Action:
    action = Action(
        council=document.council,
        document=document.name,
        line=pending.line,
        ref_printed=pending.ref_printed,
        ref=pending.ref,
        focus_area=pending.focus_area,
        priority=pending.priority,
    )
    layout = pending.layout
    columns = {column.index: column for column in layout.columns}
    for index in sorted(set(columns) | set(pending.texts)):
        # A cell beyond the header's width keeps its text under its position.
        column = columns.get(index) or Column(index=index, role="field", label=f"column {index + 1}")
        parts = pending.texts.get(index, [])
        live, deleted, offsets = _joined_live(parts)
        first_line = parts[0][1] if parts else pending.line
        if column.role == "rating":
            if column.month is None and not live:
                continue  # an undated, empty rating column says nothing
            printed = live.strip() or None
            action.statuses.append(
                Status(
                    label=column.label,
                    month=column.month or document.as_of,
                    rag_printed=printed,
                    rag=normalise_rating(printed),
                    source=Citation(document.name, first_line),
                )
            )
            continue
        if column.role in ("update", "position"):
            kind: UpdateKind = "position_statement" if column.role == "position" else "update"
            for piece in split_updates(live) if live else []:
                start, end = piece.start, piece.end
                if start is None and column.month:
                    start = end = column.month
                action.updates.append(
                    Update(
                        text=piece.text,
                        stamp=piece.stamp,
                        start=start,
                        end=end,
                        kind=kind,
                        source=Citation(document.name, _line_at(offsets, piece.offset, first_line)),
                        column=column.label,
                    )
                )
            if deleted and action.updates:
                action.updates[-1].deleted.extend(deleted)
            elif deleted:
                action.fields[f"{column.label} (struck through)"] = "\n".join(deleted)
            continue
        if not live and not deleted:
            continue
        if deleted:
            action.fields[f"{column.label} (struck through)"] = "\n".join(deleted)
        flat = live.replace("\n", " ")
        if column.role == "ref":
            if flat.strip() != (pending.ref_printed or "").strip():
                action.fields[column.label or "Ref"] = live
        elif column.role == "focus":
            action.focus_area = flat
        elif column.role == "priority":
            action.priority = flat
        elif column.role == "action":
            action.action = live
        elif column.role == "due":
            action.due_printed = flat
            action.due = parse_due(flat)
        elif column.role in ("lead", "evidence", "impact"):
            setattr(action, column.role, flat)
        else:
            action.fields[column.label or f"column {index + 1}"] = live
    return action


def repair_refs(actions: list[Action], sectioned: bool = False) -> None:
    """Repair OCR slips in milestone refs ("18" for "1B") from their neighbours.

    With ``sectioned`` (a document read by OCR), refs like "2.1A" too ("2.18" for "2.1B").

    Also forgets a focus area that belongs to another number than the ref's:
    a table printed without its own "Focus Area N" heading would otherwise
    inherit the heading above it.
    """
    refs = [action.ref for action in actions]
    if not uses_milestone_refs(refs, sectioned):
        return
    for action, (ref, note) in zip(actions, repair_milestone_refs(refs, sectioned)):
        if note:
            action.ref, action.ref_note = ref, f"printed {action.ref_printed!r}; {note}"
            action.id = action_id(action.council, ref, action.document, action.line)
        heading = _FOCUS_HEADING.search(action.focus_area[:40])
        number = re.match(r"\d+", action.ref or "")
        if heading and number and heading.group(1) != number.group(0):
            action.fields["focus area heading above"] = action.focus_area
            action.focus_area = ""


def plan_document(rows: list[Row], document: Document) -> DocumentReading:
    """Read a document's rows into actions, unattributed text and drops."""
    return Planner(document).read(rows)
