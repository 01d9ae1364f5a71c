"""PDF with pdfplumber: ruled tables cell by cell, the text around them line by line.

Pages are read one at a time and closed (their layout cache freed) before
the next, so a long report is never held in memory whole; only the rows
read from it are kept.

On each page:

- tables are found by their ruling lines (``page.find_tables()``); each
  table row becomes a row of cells, a cell hidden by a merged (spanned)
  cell becomes an empty cell, so columns stay in place;
- a cell's text is rebuilt from its lines: a line that ends because the
  cell was full (the next word would not have fitted) is joined to the next
  with a space, a line that ends early is a real line break of the cell;
- text outside the tables becomes rows of one cell, a line each, as the
  text reader reads a line without tabs;
- text in the top and bottom margins that repeats on two or more pages
  (running titles, "Page 3 of 9") is page furniture: it is left out of the
  rows and reported as dropped, since between two pages of one table it
  would otherwise read as a paragraph that ends the table.

A row's ``location`` is its page ("page 3"); ``page`` holds the number.
A short line outside tables printed larger than the document's body text is
a heading (``Row.heading_level``): the largest such size is level 1, the next
level 2, and so on; bold alone is not enough (bold lead-ins are common).
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .. import config
from ..errors import DocumentError, EncryptedDocumentError, NoTextLayerError
from .common import FormatReader, RowNumberer, SourceRows

# Share of the page height, at the top and at the bottom, where running
# headers and footers are printed.
MARGIN_SHARE = 0.08
# A margin line is furniture when its text (digits aside) is on this many pages.
FURNITURE_MIN_PAGES = 2

# A line is a heading when its letters are this much larger than the body
# text's (the size most characters of the document have), and it is short.
HEADING_SIZE_RATIO = 1.15
HEADING_MAX_CHARS = 150
# A line starting with a list marker always starts a new line of its cell.
_LIST_MARKER = re.compile(r"^(?:[\u2022\u25aa\u25cf\u2023\u25e6\u2043\u2219o\-\u2013*]\s|\d{1,2}[.)]\s|[a-z][.)]\s|[ivx]{1,4}[.)]\s)")
_DIGITS = re.compile(r"\d+")


@dataclass
class _Item:
    """A row of a page before numbering: its vertical place and texts."""

    top: float
    x0: float
    texts: list[str]
    margin_key: Optional[str] = None  # set for one-line texts in the top or bottom margin
    size: Optional[float] = None  # font size of a paragraph outside tables (its first line's)


def read_pdf(path: str | Path) -> SourceRows:
    """Read a PDF's pages into rows; raises DocumentError naming the file."""
    import pdfplumber

    path = Path(path)
    try:
        pdf = pdfplumber.open(path)
    except Exception as error:  # pdfplumber wraps every pdfminer error
        raise _open_error(path, error) from None
    pages_items: list[tuple[int, list[_Item]]] = []
    scanned: list[int] = []
    pages_without_text: list[int] = []
    unmapped_chars = 0
    total_chars = 0
    with pdf:
        try:
            pages = pdf.pages
        except Exception as error:
            raise _open_error(path, error) from None
        for page in pages:
            try:
                chars = page.chars
                total_chars += len(chars)
                unmapped_chars += sum(1 for char in chars if char.get("text", "").startswith("(cid:"))
                if not any(char.get("text", "").strip() for char in chars):
                    (scanned if page.images else pages_without_text).append(page.page_number)
                    continue
                pages_items.append((page.page_number, _page_items(page, chars)))
            finally:
                page.close()  # frees the page's parsed layout before the next page
    page_count = len(pages)
    if page_count == 0:
        raise DocumentError(path, "the PDF has no pages")
    warnings: list[str] = []
    ocr = _ocr_scanned_pages(path, scanned, pages_items, warnings)
    if not any(items for _, items in pages_items):
        raise NoTextLayerError(
            path, f"no text layer (scanned?) and OCR read no text: none of its {page_count} page(s) has text to read"
        )
    if total_chars and unmapped_chars > total_chars / 2:
        raise DocumentError(
            path,
            "the PDF's fonts carry no character map, so its text comes out as codes like (cid:12); "
            "OCR is not supported",
        )
    ocr_pages, source_confidence = ocr
    source = _number_rows(pages_items, warnings, _heading_levels(pages_items), set(ocr_pages))
    source.ocr_pages, source.ocr_confidence = ocr_pages, source_confidence
    return source


def _ocr_scanned_pages(
    path: Path, scanned: list[int], pages_items: list[tuple[int, list[_Item]]], warnings: list[str]
) -> tuple[list[int], Optional[float]]:
    """OCR the scanned pages (up to config.OCR_MAX_PAGES) into pages_items, in page order.

    Returns the pages read by OCR and the mean confidence of their words;
    raises DocumentError naming the file when OCR fails (nothing is stored).
    """
    from .ocr import ocr_page, report_progress

    if not scanned:
        return [], None
    to_read = scanned[: config.OCR_MAX_PAGES]
    if len(scanned) > len(to_read):
        warnings.append(
            f"page(s) {_page_list(scanned[len(to_read):])} are scans beyond the OCR limit of "
            f"{config.OCR_MAX_PAGES} page(s) a document (narrative_search.config.OCR_MAX_PAGES); their content is not read"
        )
    confidences: list[float] = []
    blank: list[int] = []
    for number in to_read:
        started = time.monotonic()
        page = ocr_page(path, number, config.OCR_SECONDS_PER_PAGE)
        confidences.extend(page.confidences)
        if not page.items:
            blank.append(number)
        pages_items.append((number, [_Item(top=item.top, x0=item.x0, texts=item.texts) for item in page.items]))
        report_progress(path, number, len(to_read), time.monotonic() - started)
    pages_items.sort(key=lambda pair: pair[0])
    if blank:
        warnings.append(f"page(s) {_page_list(blank)} have no text layer (scanned?) and OCR read no text on them")
    return to_read, (round(sum(confidences) / len(confidences), 1) if confidences else None)


def _size(char: dict[str, Any]) -> float:
    return round(float(char.get("size") or 0.0), 1)


def _line_size(line: dict[str, Any]) -> Optional[float]:
    """The size most of a line's characters are printed in (a drop capital aside)."""
    sizes = Counter(_size(char) for char in line.get("chars", []) if char.get("text", "").strip())
    return sizes.most_common(1)[0][0] if sizes else None


def _heading_levels(pages_items: list[tuple[int, list[_Item]]]) -> dict[float, int]:
    """Font size -> heading level (1-6) for the sizes of short lines printed larger than the body text.

    The body text's size is the one most of the text outside tables is
    printed in (tables are often set smaller than the prose around them).
    """
    paragraphs = [item for _, items in pages_items for item in items if item.size is not None]
    weights: Counter[float] = Counter()
    for item in paragraphs:
        assert item.size is not None
        weights[item.size] += len(item.texts[0])
    if not weights:
        return {}
    body_size = weights.most_common(1)[0][0]
    larger = {
        item.size
        for item in paragraphs
        if item.size is not None
        and item.size >= body_size * HEADING_SIZE_RATIO
        and len(item.texts[0]) <= HEADING_MAX_CHARS
    }
    return {size: min(rank, 6) for rank, size in enumerate(sorted(larger, reverse=True), start=1)}


def _open_error(path: Path, error: Exception) -> DocumentError:
    original: BaseException = error
    while original.args and isinstance(original.args[0], BaseException) and type(original).__name__ == "PdfminerException":
        original = original.args[0]
    name = type(original).__name__
    if name in ("PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning") or "password" in str(original).lower():
        return EncryptedDocumentError(
            path, "the PDF is encrypted (password-protected): open it, remove the password and save it again"
        )
    detail = str(original).strip() or name
    return DocumentError(path, f"the PDF is damaged or not a PDF and cannot be opened ({name}: {detail})")


def _page_list(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _center(obj: dict[str, Any]) -> tuple[float, float]:
    return (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2


def _inside(point: tuple[float, float], bbox: tuple[float, float, float, float]) -> bool:
    x, y = point
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _page_items(page: Any, chars: list[dict[str, Any]]) -> list[_Item]:
    """The page's table rows and lines of text, in order down the page."""
    tables = [table for table in page.find_tables() if _is_grid(table)]
    # Bucket each character into its table cell by its centre; characters in
    # no cell (outside tables, or in a gap of one) are text outside tables.
    cell_chars: dict[tuple[int, int, int], list[dict[str, Any]]] = defaultdict(list)
    outside: list[dict[str, Any]] = []
    # Table.rows and Table.bbox are computed anew on each access: take them once.
    table_rows = [table.rows for table in tables]
    table_boxes = [table.bbox for table in tables]
    row_boxes = [[row.bbox for row in rows] for rows in table_rows]
    row_tops = [[box[1] for box in boxes] for boxes in row_boxes]
    for char in chars:
        point = _center(char)
        key = None
        for t, table_box in enumerate(table_boxes):
            if not _inside(point, table_box):
                continue
            r = bisect_right(row_tops[t], point[1]) - 1
            if r >= 0:
                for c, bbox in enumerate(table_rows[t][r].cells):
                    if bbox is not None and _inside(point, bbox):
                        key = (t, r, c)
                        break
            break
        if key is None:
            outside.append(char)
        else:
            cell_chars[key].append(char)

    items: list[_Item] = []
    for t, rows in enumerate(table_rows):
        for r, row in enumerate(rows):
            texts = [
                _cell_text(cell_chars.get((t, r, c), []), bbox) if bbox is not None else ""
                for c, bbox in enumerate(row.cells)
            ]
            box = row.bbox
            items.append(_Item(top=box[1], x0=box[0], texts=texts))
    height = float(page.height)
    item_tops = sorted(item.top for item in items)
    for first, text in _paragraphs(_lines(outside), item_tops):
        item = _Item(top=first["top"], x0=first["x0"], texts=[text], size=_line_size(first))
        if _in_margin(first, height):
            item.margin_key = _DIGITS.sub("#", " ".join(text.split()))
        items.append(item)
    items.sort(key=lambda item: (round(item.top, 1), item.x0))
    return items


def _in_margin(line: dict[str, Any], height: float) -> bool:
    return line["top"] < height * MARGIN_SHARE or line["bottom"] > height * (1 - MARGIN_SHARE)


def _paragraphs(lines: list[dict[str, Any]], row_tops: list[float]) -> list[tuple[dict[str, Any], str]]:
    """Lines of text outside tables joined into paragraphs: (first line, text).

    A line joins the one above when it follows it closely (no wider gap
    than a line's height, no table row between) and the line above was
    full: the next line's first word would not have fitted after it. So a
    paragraph wrapped over several lines is one row, as a paragraph is one
    line of the text corpus; a short line (a heading, the end of a
    paragraph, a list item) ends its paragraph.
    """
    if not lines:
        return []
    right_edge = max(line["x1"] for line in lines)
    paragraphs: list[tuple[dict[str, Any], list[str]]] = []
    previous = None
    for line in lines:
        if previous is not None:
            line_height = max(previous["bottom"] - previous["top"], 1.0)
            close = 0 <= line["top"] - previous["bottom"] <= line_height
            table_between = any(previous["top"] < top < line["top"] for top in row_tops)
            joiner = _joiner(previous, line, right_edge)
            if close and joiner != "\n" and not table_between:
                paragraphs[-1][1].extend([joiner, line["text"]])
                previous = line
                continue
        paragraphs.append((line, [line["text"]]))
        previous = line
    return [(first, "".join(parts)) for first, parts in paragraphs]


def _is_grid(table: Any) -> bool:
    """A real table: some row has two or more cells (a single ruled box is text)."""
    return any(sum(1 for cell in row.cells if cell is not None) >= 2 for row in table.rows)


def _lines(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not chars:
        return []
    from pdfplumber.utils.text import chars_to_textmap

    return [line for line in chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=True) if line["text"].strip()]


def _cell_text(chars: list[dict[str, Any]], bbox: tuple[float, float, float, float]) -> str:
    """A cell's text with wrapped lines joined and real line breaks kept."""
    lines = _lines(chars)
    if not lines:
        return ""
    left_padding = max(min(line["x0"] for line in lines) - bbox[0], 0.5)
    right_edge = bbox[2] - left_padding
    parts = [lines[0]["text"]]
    for previous, line in zip(lines, lines[1:]):
        parts.append(_joiner(previous, line, right_edge))
        parts.append(line["text"])
    return "".join(parts)


def _joiner(previous: dict[str, Any], line: dict[str, Any], right_edge: float) -> str:
    """"\\n" if the previous line ended early (a real break), else " " (a wrap)."""
    text = line["text"]
    if _LIST_MARKER.match(text):
        return "\n"
    first_word = text.split(" ", 1)[0]
    word_chars = [char for char in line["chars"] if char["text"].strip()][: len(first_word)]
    if not word_chars:
        return " "
    word_width = word_chars[-1]["x1"] - word_chars[0]["x0"]
    space = 0.3 * float(word_chars[0].get("size") or 6)
    room = right_edge - previous["x1"]
    if room > word_width + space + 1:
        return "\n"
    if re.search(r"[A-Za-z]-$", previous["text"]) and text[:1].islower():
        return ""  # a word broken at its own hyphen ("co-" / "production")
    return " "


def _number_rows(
    pages_items: list[tuple[int, list[_Item]]],
    warnings: list[str],
    heading_levels: dict[float, int],
    ocr_pages: frozenset[int] | set[int] = frozenset(),
) -> SourceRows:
    """The pages' items numbered into rows; a row of a page read by OCR is located "page 3 (OCR)",
    so every record read from a scan says so wherever it is cited."""
    pages_with: dict[str, set[int]] = defaultdict(set)
    for number, items in pages_items:
        for item in items:
            if item.margin_key:
                pages_with[item.margin_key].add(number)
    furniture = {key for key, pages in pages_with.items() if len(pages) >= FURNITURE_MIN_PAGES}
    rows = RowNumberer()
    for number, items in pages_items:
        for item in items:
            if item.margin_key in furniture:
                rows.drop(item.texts[0], "page header or footer", location=f"page {number}")
            else:
                level = heading_levels.get(item.size) if item.size is not None else None
                if level is not None and len(item.texts[0]) > HEADING_MAX_CHARS:
                    level = None
                location = f"page {number} (OCR)" if number in ocr_pages else f"page {number}"
                rows.add(item.texts, location=location, page=number, heading_level=level)
    return SourceRows(
        rows=rows.rows, format="pdf", warnings=warnings, dropped=rows.dropped, dropped_locations=rows.dropped_locations
    )


def looks_like_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF: its header, within the first kilobyte (some files have a preamble)."""
    return b"%PDF-" in data[:1024]


PDF = FormatReader(
    name="pdf",
    description="a PDF",
    label="PDF",
    extensions=(".pdf",),
    read=lambda path, _data: read_pdf(path),
    sniff=looks_like_pdf,
    binary=True,
    mismatch="it does not start with %PDF",
    no_table_hint="tables are read from their ruling lines, so a table printed without lines reads as text",
)
