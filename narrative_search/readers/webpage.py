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
  A heading's row has its ``heading_level`` (h1-h6), a list item's row is
  marked ``list_item``; their text is as before.
- Web-page furniture (navigation, cookie banners, breadcrumbs, share links,
  contact blocks, site headers and footers, and on a page that marks its
  ``<main>`` everything outside it) is not read into rows: each block of it
  is reported as dropped with the reason (see :mod:`.furniture`). A page the
  rules would leave without any text is read whole instead, with a warning.
- The page's metadata gives its site's names (``og:site_name``,
  ``application-name``, the ``<title>`` after " - " or " | ") and a page
  date ("Page last reviewed: 20/04/2023", else the modified or published
  time in its ``<meta>``).

The encoding comes from a byte-order mark, else the page's ``<meta charset>``,
else detection as for text. A row's ``location`` is the line of the HTML
source it starts on.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

from ..errors import DocumentError
from ..months import Month
from . import furniture
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
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# Elements that have no end tag, so never stay open.
_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
_TAG = re.compile(r"<[^<>]*>")
# Furniture a page's <h1> is kept from: a site header or region outside <main>
# may print the page's own title.
_TITLE_REGIONS = furniture.OUTSIDE_CONTENT_ONLY | {furniture.OUTSIDE_MAIN}
# Whether a page marks its main content (then what is outside it is furniture).
_HAS_MAIN = re.compile(r"<main[\s>]|\srole\s*=\s*[\"']?main[\"'\s/>]", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<title)",
    re.IGNORECASE | re.DOTALL,
)


def read_html(data: bytes, path: str | Path) -> SourceRows:
    """Read an HTML page's tables and text into rows, its furniture into dropped spans."""
    path = Path(path)
    text, encoding = decode_html(data, path)
    warnings = []
    note = encoding_note(encoding)
    if note:
        warnings.append(note)
    parser = _parse(text, path, drop_furniture=True)
    if parser.dropped_everything():
        parser = _parse(text, path, drop_furniture=False)
        warnings.append("the page seemed to hold nothing but web-page furniture, so all of its text was read")
    rows = parser.rows
    return SourceRows(
        rows=rows.rows,
        format="html",
        warnings=warnings,
        dropped=rows.dropped,
        dropped_locations=rows.dropped_locations,
        encoding=encoding,
        site_names=parser.site_names(),
        page_date=parser.page_date(),
    )


def _parse(text: str, path: Path, drop_furniture: bool) -> _PageParser:
    parser = _PageParser(text, drop_furniture=drop_furniture)
    try:
        parser.feed(text)
        parser.close()
    except Exception as error:  # html.parser is lenient; anything left is a broken file
        raise DocumentError(path, f"the HTML could not be parsed ({type(error).__name__}: {error})") from None
    parser.finish()
    return parser


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


@dataclass
class _Open:
    """An element open at the parser's position, with what it says about its text."""

    tag: str
    furniture: Optional[str] = None  # why its text is furniture, if it is
    content: bool = False  # <main>, <article>: the page's own content
    main: bool = False  # <main>: the page's main content

    @property
    def marked(self) -> bool:
        """Whether only its own end tag closes it (a stray end tag inside must not)."""
        return self.furniture is not None or self.content


class _PageParser(HTMLParser):
    def __init__(self, source: str, drop_furniture: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.rows = RowNumberer()
        self.table_depth = 0
        self.hidden = 0
        # Elements open outside hidden ones, outermost first.
        self.open: list[_Open] = []
        self.drop_furniture = drop_furniture
        self.has_main = drop_furniture and bool(_HAS_MAIN.search(source))
        # Text outside tables.
        self.block: list[str] = []
        self.block_line: Optional[int] = None
        self.block_prefix = ""  # "- " for a list item
        self.block_heading: Optional[int] = None  # h1-h6 the block is in
        self.block_list_item = False
        self.block_furniture: Optional[str] = None
        # The outermost table being read.
        self.row: Optional[list[str]] = None
        self.row_line = 0
        self.cell_start: Optional[int] = None  # source offset where the open cell's HTML starts
        self.cell_colspan = 1
        self.cell_rowspan = 1
        self.spans_below: dict[int, int] = {}  # column -> rows still covered by a rowspan
        self.in_caption = False
        self.table_furniture: Optional[str] = None
        # The page's metadata.
        self.title: Optional[list[str]] = None  # the <title>'s text while it is read
        self.title_text = ""
        self.meta: dict[str, str] = {}
        self.printed_date: Month = None

    # -- positions -------------------------------------------------------------

    def source_offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def tag_end(self) -> int:
        start_tag = self.get_starttag_text() or ""
        return self.source_offset() + len(start_tag)

    # -- what the open elements say --------------------------------------------

    def furniture(self) -> Optional[str]:
        """Why text at this point is furniture, or None for the page's content."""
        for element in reversed(self.open):
            if element.furniture:
                return element.furniture
        if self.has_main and not any(element.main for element in self.open):
            return furniture.OUTSIDE_MAIN
        return None

    def push(self, tag: str, attrs: dict[str, str]) -> None:
        element = _Open(tag)
        if self.drop_furniture and self.table_depth == 0:
            inside_content = any(open_element.content for open_element in self.open)
            element.furniture = furniture.element_reason(tag, attrs, inside_content)
            element.content = furniture.is_content(tag, attrs)
            element.main = furniture.is_main(tag, attrs)
        if element.marked:
            self.flush_block()  # furniture and content never share a row
        self.open.append(element)

    def pop(self, tag: str) -> None:
        """Close the innermost open ``tag`` and what is open inside it.

        An end tag that would close a marked element (furniture, main
        content) other than its own is a stray one and is ignored, as
        browsers ignore a stray </div> inside a <nav>.
        """
        for index in range(len(self.open) - 1, -1, -1):
            element = self.open[index]
            if element.tag == tag:
                if any(inner.marked for inner in self.open[index:]):
                    self.flush_block()
                del self.open[index:]
                return
            if element.marked:
                return

    # -- text outside tables ---------------------------------------------------

    def flush_block(self) -> None:
        text = _WHITESPACE.sub(" ", "".join(self.block)).strip()
        if text:
            location = f"HTML line {self.block_line}"
            reason = self.block_reason(text)
            if reason is not None:
                self.rows.drop(text, reason, location=location)
            else:
                self.rows.add(
                    [self.block_prefix + text],
                    location=location,
                    heading_level=self.block_heading,
                    list_item=self.block_list_item,
                )
        self.block = []
        self.block_line = None
        self.block_prefix = ""
        self.block_heading = None
        self.block_list_item = False
        self.block_furniture = None

    def block_reason(self, text: str) -> Optional[str]:
        """Why the block of ``text`` being flushed is furniture, or None to keep it (notes a page date)."""
        if not self.drop_furniture:
            return None
        reason = self.block_furniture
        if self.in_caption:
            return reason  # a caption goes with its table
        if self.block_heading == 1 and reason in _TITLE_REGIONS:
            reason = None  # the page's title, printed in its header
        page_date = furniture.page_date_of_line(text)
        if page_date is not None:
            self.printed_date = page_date
            return reason or furniture.PAGE_DATE
        if reason is None or reason == furniture.OUTSIDE_MAIN:
            return furniture.line_reason(text) or reason
        return reason

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)
        if self.hidden or (self.table_depth and not self.in_caption):
            return
        if data.strip() and self.block_line is None:
            self.block_line = self.getpos()[0]
            self.block_heading = next(
                (_HEADINGS[e.tag] for e in reversed(self.open) if e.tag in _HEADINGS), None
            )
            self.block_list_item = any(element.tag == "li" for element in self.open)
            self.block_furniture = self.table_furniture if self.in_caption else self.furniture()
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
            location = f"HTML line {self.row_line}"
            if self.table_furniture is None:
                self.rows.add(self.row, location=location)
            else:
                text = " ".join(filter(None, (_plain_text(cell) for cell in self.row)))
                if text:
                    self.rows.drop(text, self.table_furniture, location=location)
        self.row = None

    # -- tags ------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        self.read_head(tag, attrs)
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag not in _VOID:
            self.push(tag, _attributes(attrs))
        if tag == "table":
            if self.table_depth == 0:
                self.flush_block()
                self.spans_below = {}
                self.table_furniture = self.furniture() if self.drop_furniture else None
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
        self.read_head(tag, attrs)
        if tag in _HIDDEN or self.hidden:
            return
        if self.table_depth == 0 and tag in _BLOCKS:
            self.flush_block()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None:
            self.title_text = _WHITESPACE.sub(" ", "".join(self.title)).strip()
            self.title = None
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        self.end_element(tag)
        self.pop(tag)

    def end_element(self, tag: str) -> None:
        if tag == "table" and self.table_depth:
            if self.table_depth == 1:
                self.close_row()
                self.table_furniture = None
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

    # -- the page's metadata ---------------------------------------------------

    def read_head(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        """Note the <title>'s start and what a <meta> says (site name, dates)."""
        if tag == "title" and not self.title_text and self.title is None:
            self.title = []
        elif tag == "meta":
            values = _attributes(attrs)
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").strip().lower()
            content = _WHITESPACE.sub(" ", values.get("content", "")).strip()
            if key and content:
                self.meta.setdefault(key, content)

    def site_names(self) -> list[str]:
        """What the page calls its site, best first: its <meta> names, then its <title>'s end."""
        names = [self.meta[key] for key in furniture.SITE_NAME_KEYS if key in self.meta]
        from_title = furniture.title_site_name(self.title_text)
        if from_title:
            names.append(from_title)
        return list(dict.fromkeys(names))

    def page_date(self) -> Month:
        """The page's month: a printed "Page last reviewed" date, else its <meta> modified or published time."""
        if self.printed_date is not None:
            return self.printed_date
        for key in furniture.PAGE_DATE_KEYS:
            month = furniture.iso_month(self.meta.get(key, ""))
            if month is not None:
                return month
        return None

    def dropped_everything(self) -> bool:
        """Whether furniture rules dropped text and kept none (then the page is read whole)."""
        return bool(self.rows.dropped) and all(row.is_blank() for row in self.rows.rows)

    def finish(self) -> None:
        if self.table_depth:
            self.close_row()
        self.flush_block()


def _attributes(attrs: list[tuple[str, Optional[str]]]) -> dict[str, str]:
    return {name.lower(): value or "" for name, value in attrs}


def _plain_text(cell_html: str) -> str:
    """A cell's HTML as the words it shows (for reporting a dropped table row)."""
    return _WHITESPACE.sub(" ", html.unescape(_TAG.sub(" ", cell_html))).strip()


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
