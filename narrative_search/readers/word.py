"""Word (.docx) with python-docx: tables cell by cell, paragraphs and lists as lines.

The body is read in order. A paragraph is a row of one cell (a paragraph
holding tabs is split at them, as a line of the text reader is); each table
row is a row with a cell per column of the table's grid.

- A merged cell is read once: a cell spanning several columns gives its text
  to its first column and empty cells to the others; a cell merged down
  over several rows gives its text to its top row and empty cells below
  (python-docx returns the same cell for each place it covers).
- A cell's paragraphs are its lines; a table inside a cell is read into the
  cell, a row a line.
- A paragraph in a bulleted or numbered list starts with "- " and is marked
  ``Row.list_item``; a paragraph styled "Heading 1" to "Heading 6" (or a
  style based on one, or with that outline level) has that
  ``Row.heading_level``, and "Title" is level 1.
- Struck-through text is wrapped in ``<del>``, as the published web reports
  print it, so the planner keeps it apart from the live text.
- Running headers and footers are not rows: their text is reported as
  dropped page furniture.

A row's ``location`` says where it is: "paragraph 12", "table 2 row 5".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Optional

from ..errors import DocumentError, EncryptedDocumentError
from .archive import unpack_office_package
from .common import FormatReader, RowNumberer, SourceRows, zip_names


def read_docx(path: str | Path, data: Optional[bytes] = None) -> SourceRows:
    """Read a .docx file's body (its bytes ``data``, else read from ``path``) into rows.

    The package is checked against the unpacking limits first, and only its
    XML parts are unpacked (see ``archive``). Raises DocumentError naming the file.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    package = unpack_office_package(path, path.read_bytes() if data is None else data)
    try:
        document = docx.Document(package)
    except PackageNotFoundError:
        raise DocumentError(path, "not a Word .docx file (it is not a zip package)") from None
    except KeyError as error:
        raise DocumentError(path, f"the Word file is damaged: a part is missing ({error})") from None
    except Exception as error:
        message = str(error)
        if "encrypt" in message.lower():
            raise EncryptedDocumentError(path, "the Word file is encrypted (password-protected)") from None
        raise DocumentError(path, f"the Word file is damaged and cannot be opened ({type(error).__name__}: {message})") from None
    rows = RowNumberer()
    paragraphs = tables = 0
    for block in document.iter_inner_content():
        if _is_table(block):
            tables += 1
            for number, texts in enumerate(_table_rows(block), start=1):
                rows.add(texts, location=f"table {tables} row {number}")
        else:
            paragraphs += 1
            rows.add(
                paragraph_text(block).split("\t"),
                location=f"paragraph {paragraphs}",
                heading_level=heading_level(block),
                list_item=_is_list_item(block),
            )
    for text in _furniture(document):
        rows.drop(text, "page header or footer", location="page header/footer")
    return SourceRows(
        rows=rows.rows, format="docx", dropped=rows.dropped, dropped_locations=rows.dropped_locations
    )


def _is_table(block: Any) -> bool:
    from docx.table import Table

    return isinstance(block, Table)


def _table_rows(table: Any) -> Iterator[list[str]]:
    """Each row's cell texts, one per grid column, merged cells read once."""
    from docx.table import _Cell

    width = len(table._tbl.tblGrid.gridCol_lst) if table._tbl.tblGrid is not None else 0
    for tr in table._tbl.tr_lst:
        texts: list[str] = [""] * tr.grid_before
        for tc in tr.tc_lst:
            span = max(tc.grid_span, 1)
            if tc.vMerge == "continue":
                texts.extend([""] * span)  # the cell above holds the text
            else:
                texts.append(cell_text(_Cell(tc, table)))
                texts.extend([""] * (span - 1))
        if len(texts) < width:
            texts.extend([""] * (width - len(texts)))
        yield texts


def cell_text(cell: Any) -> str:
    """A table cell's paragraphs as lines; a nested table a row a line."""
    lines: list[str] = []
    for block in cell.iter_inner_content():
        if _is_table(block):
            lines.extend(" ".join(text for text in row if text.strip()) for row in _table_rows(block))
        else:
            lines.append(paragraph_text(block).replace("\t", " "))
    return "\n".join(lines)


def paragraph_text(paragraph: Any) -> str:
    """The paragraph's text, struck-through runs in <del>, list items marked."""
    from docx.oxml.ns import qn
    from docx.text.run import Run

    parts: list[str] = []
    struck: list[str] = []

    def flush_struck() -> None:
        if struck:
            parts.append("<del>" + "".join(struck) + "</del>")
            struck.clear()

    skipped = {qn("w:del"), _FALLBACK}
    for r in paragraph._p.iter(qn("w:r")):
        if _has_ancestor(r, skipped, paragraph._p):
            # A tracked deletion is no longer the document's text; a fallback
            # is a second copy of a text box for older versions of Word.
            continue
        run = Run(r, paragraph)
        text = run.text
        if not text:
            continue
        if run.font.strike or run.font.double_strike:
            struck.append(text)
        else:
            flush_struck()
            parts.append(text)
    flush_struck()
    text = "".join(parts)
    if text.strip() and _is_list_item(paragraph):
        text = "- " + text
    return text


_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _has_ancestor(element: Any, tags: set[str], stop: Any) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _is_list_item(paragraph: Any) -> bool:
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None:
        return True
    return _style_name(_paragraph_style(paragraph)).startswith("List")


_HEADING_STYLE = re.compile(r"heading ([1-6])", re.IGNORECASE)
# How many styles up the "based on" chain a heading style is looked for:
# enough for house styles built on a built-in heading, finite for a file whose
# styles are based on each other in a loop.
_STYLE_CHAIN = 8


def heading_level(paragraph: Any) -> Optional[int]:
    """The heading level (1-6) the paragraph's style or outline level gives it, or None.

    "Heading 2", a house style based on "Heading 2", or an outline level of
    2 set on the paragraph or its style are all level 2; "Title" is level 1.
    """
    level = _outline_level(paragraph._p.pPr)
    if level is not None:
        return level
    style = _paragraph_style(paragraph)
    for _ in range(_STYLE_CHAIN):
        if style is None:
            return None
        name = _style_name(style)
        if name == "Title":
            return 1
        match = _HEADING_STYLE.fullmatch(name)
        if match:
            return int(match.group(1))
        level = _outline_level(style.element.pPr)
        if level is not None:
            return level
        style = style.base_style
    return None


def _outline_level(p_pr: Any) -> Optional[int]:
    """Level 1-6 of an outline level (w:outlineLvl 0-5) in paragraph properties; None for body text."""
    from docx.oxml.ns import qn

    if p_pr is None:
        return None
    outline = p_pr.find(qn("w:outlineLvl"))
    value = outline.get(qn("w:val")) if outline is not None else None
    if value is None or not value.isdigit() or int(value) > 5:
        return None  # 9 is body text; 6-8 are below the levels a page has
    return int(value) + 1


def _paragraph_style(paragraph: Any) -> Any:
    try:
        return paragraph.style
    except (KeyError, ValueError):  # a style the file names but does not define
        return None


def _style_name(style: Any) -> str:
    try:
        return str(style.name or "") if style is not None else ""
    except (KeyError, ValueError):
        return ""


def _furniture(document: Any) -> list[str]:
    """Distinct texts of the running headers and footers of every section."""
    texts: list[str] = []
    for section in document.sections:
        for part in (
            section.header, section.first_page_header, section.even_page_header,
            section.footer, section.first_page_footer, section.even_page_footer,
        ):
            try:
                if part.is_linked_to_previous:
                    continue
                for block in part.iter_inner_content():
                    text = (
                        "\n".join(" ".join(t for t in row if t.strip()) for row in _table_rows(block))
                        if _is_table(block)
                        else paragraph_text(block)
                    ).strip()
                    if text and text not in texts:
                        texts.append(text)
            except (KeyError, ValueError, AttributeError):
                continue  # a header part the file names but does not hold
    return texts


def looks_like_docx(data: bytes) -> bool:
    """Whether the bytes are a Word package: a zip archive with a document part."""
    return "word/document.xml" in zip_names(data)


DOCX = FormatReader(
    name="docx",
    description="a Word document (.docx)",
    label="Word",
    extensions=(".docx",),
    other_extensions=(".docm", ".dotx", ".dotm"),
    read=lambda path, _data: read_docx(path),
    sniff=looks_like_docx,
    binary=True,
    mismatch="such a file is a zip package and this is not one",
)
