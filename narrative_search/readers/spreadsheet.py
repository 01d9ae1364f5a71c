"""Excel (.xlsx) with openpyxl, and CSV: every sheet, a sheet row a row.

A workbook is read in read-only mode (rows streamed from the file, cached
values of formulas rather than the formulas). Every worksheet is read in
order; between two sheets a blank row, and, where a workbook has more than
one sheet with content, the sheet's name as a paragraph before its rows,
since plans kept a priority a sheet name the priority there.

Rows are shaped as the text reader's lines (see ``grid_rows``): a row with
text only in its first column is a line of prose, a row with more is a
table row with a cell per column. The plan's header row is found by its
words by the planner, wherever on the sheet it is. A merged cell's text is
in its top-left cell; the cells it covers read as empty, so it is read once.

Numbers and dates are printed as a person reading the sheet sees them:
whole numbers without ".0", dates as day/month/year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Optional

from ..config import limits
from ..errors import DocumentError, EncryptedDocumentError
from .archive import too_many_rows, unpack_office_package
from .common import FormatReader, RowNumberer, SourceRows, grid_rows, zip_names
from .text import decode_text, encoding_note

# Plans print long cells; the csv module's default limit is 128 KB a field.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


def read_xlsx(path: str | Path, data: Optional[bytes] = None) -> SourceRows:
    """Read every worksheet of an .xlsx workbook (its bytes ``data``, else read from ``path``) into rows.

    The package is checked against the unpacking limits first and only its
    XML parts are unpacked (see ``archive``); a workbook with more rows than
    the row limit is refused as soon as the reading passes it.
    """
    import openpyxl

    path = Path(path)
    # A file object, not the name: openpyxl refuses names without an Excel extension.
    handle = unpack_office_package(path, path.read_bytes() if data is None else data)
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:
        handle.close()
        message = str(error)
        if "encrypt" in message.lower() or "password" in message.lower():
            raise EncryptedDocumentError(path, "the workbook is encrypted (password-protected)") from None
        raise DocumentError(
            path, f"the Excel workbook is damaged and cannot be opened ({type(error).__name__}: {message})"
        ) from None
    try:
        sheets = []
        rows_left = limits().max_rows
        for sheet in workbook.worksheets:
            values = []
            # From row 1, so that a row's place in the list is its number.
            for row in sheet.iter_rows(min_row=1):
                texts = [_show(cell) for cell in row]
                # Rows with text count: a sheet may declare (and pad to) a range far below its content.
                if any(texts):
                    rows_left -= 1
                    if rows_left < 0:
                        raise too_many_rows(path, f"more than {limits().max_rows:,} (sheet {sheet.title!r})")
                values.append(texts)
            while values and not any(text.strip() for text in values[-1]):
                values.pop()
            if values:
                sheets.append((sheet.title, values))
    finally:
        workbook.close()
        handle.close()
    rows = RowNumberer()
    named = len(sheets) > 1
    for index, (title, values) in enumerate(sheets):
        if index:
            rows.add([""], location=f"between sheets '{sheets[index - 1][0]}' and '{title}'")
        if named:
            rows.add([title], location=f"sheet '{title}' (its name)")
            rows.add([""], location=f"sheet '{title}' (its name)")
        for offset, texts in enumerate(grid_rows(values)):
            rows.add(texts, location=f"sheet '{title}' row {offset + 1}")
    return SourceRows(rows=rows.rows, format="xlsx")


def _show(cell: Any) -> str:
    """A cell's value as the sheet shows it."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        decimals = _decimals(getattr(cell, "number_format", "") or "")
        if decimals is not None:
            return f"{value:.{decimals}f}"
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _decimals(number_format: str) -> Optional[int]:
    """Decimal places a fixed number format shows ("0.00" -> 2), else None."""
    match = re.fullmatch(r"[#,]*0\.(0+)", number_format.strip())
    return len(match.group(1)) if match else None


def read_csv(data: bytes, path: str | Path) -> SourceRows:
    """Read CSV bytes (any encoding; comma, semicolon or tab separated) into rows.

    A row's line is the line of the file its record starts on (a quoted cell
    may hold line breaks).
    """
    text, encoding = decode_text(data, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        raise DocumentError(path, f"the CSV file is malformed at line {reader.line_num}: {error}") from None
    note = encoding_note(encoding)
    return SourceRows(rows=_csv_rows(records), format="csv", warnings=[note] if note else [], encoding=encoding)


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab, as the file's start suggests; quoting is always Excel's.

    Only the delimiter is taken from csv.Sniffer: its guesses at quoting
    (such as no doubled quotes) are wrong on cells that hold quotes.
    """
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _csv_rows(records: list[tuple[int, list[str]]]) -> list:
    from ..model import Cell, Row
    from .common import cell_text

    shaped = grid_rows(record for _, record in records)
    rows = []
    for (line, _), texts in zip(records, shaped):
        cells = [Cell(text=cell_text(text), line=line, column=index) for index, text in enumerate(texts)]
        rows.append(Row(cells=cells, line=line))
    return rows


def looks_like_xlsx(data: bytes) -> bool:
    """Whether the bytes are an Excel package: a zip archive with an XML (not a binary) workbook part."""
    names = zip_names(data)
    return "xl/workbook.xml" in names and "xl/workbook.bin" not in names


CSV = FormatReader(
    name="csv",
    description="CSV",
    label="CSV",
    extensions=(".csv",),
    read=lambda path, data: read_csv(data, path),
)

XLSX = FormatReader(
    name="xlsx",
    description="an Excel workbook (.xlsx)",
    label="Excel",
    extensions=(".xlsx",),
    other_extensions=(".xlsm", ".xltx", ".xltm"),
    read=lambda path, _data: read_xlsx(path),
    sniff=looks_like_xlsx,
    binary=True,
    mismatch="such a file is a zip package and this is not one",
)
