"""What every format reader hands back: rows of cells, in reading order.

Every reader (text, CSV, Excel, Word, PDF, HTML) produces the same model the
plain-text reader does: :class:`~narrative_search.model.Row` objects of
:class:`~narrative_search.model.Cell` objects, a table row per row with its
cells in column order, a paragraph or line of text outside tables as a row
of one cell. The planner (``narrative_search.plans``) reads actions from
rows and never sees the format.

Rows of formats that are not lines of a file are numbered in reading order
(1, 2, 3, ...), so ``line`` stays unique and increasing; where the row is in
the file, in that format's words ("page 3", "sheet 'Plan' row 12"), is kept
in ``Row.location``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from ..model import Cell, Row, TextSpan
from ..months import Month


@dataclass
class SourceRows:
    """One file's rows, and what its reader noticed on the way."""

    rows: list[Row]
    format: str  # the name of the reader: "text", "csv", "xlsx", "docx", "pdf", "html"
    warnings: list[str] = field(default_factory=list)
    # Text the reader left out on purpose (page headers and footers), kept
    # so the reading can report it as dropped.
    dropped: list[TextSpan] = field(default_factory=list)
    encoding: Optional[str] = None
    # Where dropped text was, for lines that are not rows.
    dropped_locations: dict[int, str] = field(default_factory=dict)
    # What a web page calls its site ("Torbay Council", from og:site_name,
    # application-name or the <title> after " - "), best first; ingest takes
    # the council from them when nothing else names it.
    site_names: list[str] = field(default_factory=list)
    # The month the page says it was last reviewed or updated ("Page last
    # reviewed: 20/04/2023", or its metadata): the document's as-of month
    # where nothing else gives one. Not an update of any action.
    page_date: Month = None
    # Pages read by OCR (scans with no text layer), and the mean confidence (0-100) of the words OCR read on them.
    ocr_pages: list[int] = field(default_factory=list)
    ocr_confidence: Optional[float] = None

    def locations(self) -> dict[int, str]:
        """Line -> where it is in the file, for every row and drop that says."""
        found = dict(self.dropped_locations)
        found.update({row.line: row.location for row in self.rows if row.location})
        return found

    def text(self) -> str:
        """Every row's text, one row a line (for council detection)."""
        return "\n".join(row.text for row in self.rows)


@dataclass(frozen=True)
class FormatReader:
    """One file format: the names its files go by, how its content is recognised, how it is read.

    ``registry.READERS`` lists one of these per format, and every list of
    formats is derived from it: the suffixes ingest vouches for, the app's
    upload types, what ``sniff`` recognises by content and what ``dispatch``
    reads with.
    """

    name: str  # "pdf": the kind sniffing reports and SourceRows.format
    description: str  # "a PDF": how messages name a file of the format
    label: str  # "PDF": its name in the list of supported formats
    extensions: tuple[str, ...]  # (".pdf",): the names it goes by, offered for upload
    read: Callable[[Path, bytes], SourceRows]  # the file's path and bytes -> its rows; raises DocumentError
    # Whether bytes are a file of this format by their content, tried before
    # the name counts; None for a format known by its name only (text, CSV).
    sniff: Optional[Callable[[bytes], bool]] = None
    # Further names it is read under but not offered for upload (templates,
    # macro-enabled files; "" is a name without an extension).
    other_extensions: tuple[str, ...] = ()
    # A binary format's files are never plain text: a file named as one whose
    # content is text is read as text, with a warning. Files of other formats
    # may be plain text (a page without <html> is still HTML by its name).
    binary: bool = False
    # What a file named as this binary format lacks when it is not one.
    mismatch: str = ""
    # Why a file of this format may hold a plan yet read as none (said after "no action table found").
    no_table_hint: str = ""


# What reading a damaged or cut-short zip archive raises.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError)


def is_zip(data: bytes) -> bool:
    """Whether the bytes start as a zip archive does (Office files are zip packages)."""
    return data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06")


def zip_names(data: bytes) -> frozenset[str]:
    """The member names of a zip package; none for bytes that are not an intact zip archive."""
    if not is_zip(data):
        return frozenset()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return frozenset(archive.namelist())
    except ZIP_ERRORS:
        return frozenset()


_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b]")


def cell_text(text: str) -> str:
    """A cell's text with line breaks as "\\n" and no tabs.

    A tab separates cells in :attr:`Row.text`, so a tab inside a cell (Word
    and Excel allow them) becomes a space; a line break inside a cell stays
    a line break of that cell.
    """
    return _NEWLINES.sub("\n", text).replace("\t", " ")


class RowNumberer:
    """Hands out rows numbered 1, 2, 3, ... in the order they are added.

    Text a reader leaves out (page furniture) takes a number too, so that
    the dropped span can say where it was.
    """

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.dropped: list[TextSpan] = []
        self.count = 0
        self.dropped_locations: dict[int, str] = {}

    def add(
        self,
        texts: Sequence[str],
        location: Optional[str] = None,
        page: Optional[int] = None,
        heading_level: Optional[int] = None,
        list_item: bool = False,
    ) -> Row:
        self.count += 1
        line = self.count
        cells = [Cell(text=cell_text(text), line=line, column=index) for index, text in enumerate(texts)]
        if not cells:
            cells = [Cell(text="", line=line, column=0)]
        row = Row(
            cells=cells, line=line, page=page, location=location, heading_level=heading_level, list_item=list_item
        )
        self.rows.append(row)
        return row

    def drop(self, text: str, reason: str, location: Optional[str] = None) -> TextSpan:
        self.count += 1
        span = TextSpan(text=text, line=self.count, reason=reason)
        self.dropped.append(span)
        if location:
            self.dropped_locations[self.count] = location
        return span


def grid_rows(values: Iterable[Sequence[str]]) -> list[list[str]]:
    """Rows of a grid (a sheet, a CSV file) shaped like the text reader's rows.

    An empty row is a blank line. A row with text only in its first column
    is a line of prose, a row of one cell, unless it sits between two table
    rows (rows with text in two or more columns, no blank row between): then
    it is a table row whose other cells are empty, like the rest of a cell
    carried over a page break. Any other row gets a cell for every column up
    to the grid's last used column, as a tab-separated line keeps its empty
    cells.
    """
    rows = [list(row) for row in values]
    used = [_used_width(row) for row in rows]
    width = max(used, default=0)
    shaped = []
    for index, row in enumerate(rows):
        if used[index] == 0:
            shaped.append([""])
        elif used[index] == 1 and not (
            0 < index < len(rows) - 1 and used[index - 1] >= 2 and used[index + 1] >= 2
        ):
            shaped.append([row[0]])
        else:
            shaped.append(row[:width] + [""] * (width - len(row)))
    return shaped


def _used_width(row: Sequence[str]) -> int:
    for index in range(len(row) - 1, -1, -1):
        if row[index].strip():
            return index + 1
    return 0
