"""HTML: tables cell by cell, the text around them a block a line.

Read with Python's own ``html.parser``, which accepts the loose HTML that
publishing systems and Word's "Save as Web Page" write.

- Each row of an outermost table is a row; a cell's text is its HTML as
  written (``<p>``, ``<ul><li>``, ``<del>`` and entities included, source
  line breaks as spaces), which the planner cleans as it cleans HTML in
  the text corpus, keeping list items a line each and struck-through text
  apart. A table inside a cell stays part of that cell's HTML.
- ``colspan`` and ``rowspan`` give the text to the first place the cell
  covers and an empty cell to each other place, so columns stay in place.
- Text outside tables (headings, paragraphs, list items, captions) is a row
  of one cell per block; scripts, styles and the document head are not text.

The encoding comes from a byte-order mark, else the page's ``<meta charset>``,
else detection as for text. A row's ``location`` is the line of the HTML
source it starts on.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

from ..errors import DocumentError
from .common import FormatReader, RowNumberer, SourceRows
from .text import _bom_encoding, _bomless_utf16, decode_text, encoding_note

# Elements whose start or end ends a block of text outside tables.
_BLOCKS = frozenset(
    """
    address article aside blockquote body br caption dd details div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table ul
    """.split()
)
# Elements whose content is not text of the page.
_HIDDEN = frozenset({"script", "style", "head", "template", "noscript", "svg", "math"})
_CELLS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<title)",
    re.IGNORECASE | re.DOTALL,
)


def read_html(data: bytes, path: str | Path) -> SourceRows:
    """Read an HTML page's tables and text into rows."""
    path = Path(path)
    text, encoding = decode_html(data, path)
    parser = _PageParser(text)
    try:
        parser.feed(text)
        parser.close()
    except Exception as error:  # html.parser is lenient; anything left is a broken file
        raise DocumentError(path, f"the HTML could not be parsed ({type(error).__name__}: {error})") from None
    parser.finish()
    note = encoding_note(encoding)
    return SourceRows(rows=parser.rows.rows, format="html", warnings=[note] if note else [], encoding=encoding)


def decode_html(data: bytes, path: str | Path) -> tuple[str, str]:
    """The page's text: byte-order mark, else <meta charset>, else detection."""
    if _bom_encoding(data) is None and _bomless_utf16(data) is None:
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii", "replace").lower()
            try:
                codecs.lookup(declared)
            except LookupError:
                declared = ""
            if declared:
                declared = "cp1252" if declared in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else declared
                try:
                    text = data.decode(declared)
                except UnicodeDecodeError:
                    pass  # the declaration is wrong: detect instead
                else:
                    if text.strip():
                        return text, "utf-8" if codecs.lookup(declared).name == "utf-8" else declared
    return decode_text(data, path)


class _PageParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.rows = RowNumberer()
        self.table_depth = 0
        self.hidden = 0
        # Text outside tables.
        self.block: list[str] = []
        self.block_line: Optional[int] = None
        self.block_prefix = ""  # "- " for a list item
        # The outermost table being read.
        self.row: Optional[list[str]] = None
        self.row_line = 0
        self.cell_start: Optional[int] = None  # source offset where the open cell's HTML starts
        self.cell_colspan = 1
        self.cell_rowspan = 1
        self.spans_below: dict[int, int] = {}  # column -> rows still covered by a rowspan
        self.in_caption = False

    # -- positions -------------------------------------------------------------

    def source_offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def tag_end(self) -> int:
        start_tag = self.get_starttag_text() or ""
        return self.source_offset() + len(start_tag)

    # -- text outside tables ---------------------------------------------------

    def flush_block(self) -> None:
        text = _WHITESPACE.sub(" ", "".join(self.block)).strip()
        if text:
            self.rows.add([self.block_prefix + text], location=f"HTML line {self.block_line}")
        self.block = []
        self.block_line = None
        self.block_prefix = ""

    def handle_data(self, data: str) -> None:
        if self.hidden or (self.table_depth and not self.in_caption):
            return
        if data.strip() and self.block_line is None:
            self.block_line = self.getpos()[0]
        self.block.append(data)

    # -- tables ----------------------------------------------------------------

    def close_cell(self, end: int) -> None:
        if self.row is None or self.cell_start is None:
            return
        html = _WHITESPACE.sub(" ", self.source[self.cell_start : end]).strip()
        self.place(html)
        for _ in range(self.cell_colspan - 1):
            self.place("")
        if self.cell_rowspan > 1:
            # Counts this row too: close_row counts every span down by one.
            first = len(self.row) - self.cell_colspan
            for column in range(first, len(self.row)):
                self.spans_below[column] = self.cell_rowspan
        self.cell_start = None

    def place(self, text: str) -> None:
        """Put a cell at the row's next free column, after any rowspans from above."""
        assert self.row is not None
        self.fill_spans()
        self.row.append(text)

    def fill_spans(self) -> None:
        assert self.row is not None
        while self.spans_below.get(len(self.row), 0) > 0:
            self.row.append("")  # covered by a cell of a row above

    def open_row(self) -> None:
        self.close_row()
        self.row = []
        self.row_line = self.getpos()[0]

    def close_row(self) -> None:
        if self.row is None:
            return
        self.close_cell(self.source_offset())
        self.fill_spans()
        for column in list(self.spans_below):
            self.spans_below[column] -= 1
            if self.spans_below[column] <= 0:
                del self.spans_below[column]
        if self.row:
            self.rows.add(self.row, location=f"HTML line {self.row_line}")
        self.row = None

    # -- tags ------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag == "table":
            if self.table_depth == 0:
                self.flush_block()
                self.spans_below = {}
            self.table_depth += 1
            return
        if self.table_depth == 1:
            if tag == "tr":
                self.open_row()
            elif tag in _CELLS:
                if self.row is None:
                    self.open_row()
                self.close_cell(self.source_offset())
                self.cell_start = self.tag_end()
                values = dict(attrs)
                self.cell_colspan = _span(values.get("colspan"))
                self.cell_rowspan = _span(values.get("rowspan"))
            elif tag == "caption":
                self.close_row()
                self.flush_block()
                self.in_caption = True
            return
        if self.table_depth == 0 and tag in _BLOCKS:
            self.flush_block()
            if tag == "li":
                self.block_prefix = "- "

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in _HIDDEN or self.hidden:
            return
        if self.table_depth == 0 and tag in _BLOCKS:
            self.flush_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag == "table" and self.table_depth:
            if self.table_depth == 1:
                self.close_row()
            self.table_depth -= 1
            return
        if self.table_depth == 1:
            if tag in _CELLS:
                self.close_cell(self.source_offset())
            elif tag == "tr":
                self.close_row()
            elif tag == "caption" and self.in_caption:
                self.flush_block()
                self.in_caption = False
            return
        if self.table_depth == 0 and tag in _BLOCKS:
            self.flush_block()

    def finish(self) -> None:
        if self.table_depth:
            self.close_row()
        self.flush_block()


def _span(value: Optional[str]) -> int:
    try:
        return max(1, min(int((value or "1").strip()), 1000))
    except ValueError:
        return 1


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes start as a web page does (a web archive holds pages but is not one)."""
    head = data[:2048]
    if looks_like_web_archive(head):
        return False
    encoding = _bom_encoding(head) or _bomless_utf16(head) or "latin-1"
    try:
        text = head.decode(encoding, errors="ignore")
    except LookupError:  # pragma: no cover - the encodings above all exist
        return False
    return bool(_HTML_START.match(text.lstrip("\ufeff")))


def looks_like_web_archive(head: bytes) -> bool:
    """Whether the bytes are a web archive (.mht): MIME headers, a page and its parts."""
    lowered = head.lstrip().lower()
    return lowered.startswith(b"mime-version:") or (
        b"\nmime-version:" in lowered[:1024] and b"multipart/related" in lowered
    )


HTML = FormatReader(
    name="html",
    description="a web page (HTML)",
    label="HTML",
    extensions=(".html", ".htm"),
    other_extensions=(".xhtml",),
    read=lambda path, data: read_html(data, path),
    sniff=looks_like_html,
)
