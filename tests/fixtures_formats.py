"""Real Word, Excel, PDF and HTML files made from the sample corpus's text.

The sample corpus is text extracted from published PDF and Word files: a
tab marks a table cell, a line without tabs is a paragraph. These builders
turn that text back into documents with real tools (python-docx, openpyxl,
reportlab), one table per run of tab-separated lines, so the format readers
can be checked against the same gold readings as the text.
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

# A font with Cyrillic letters for the PDF (Staffordshire prints a Cyrillic
# "А" as a rating); reportlab's built-in Helvetica has none.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)


@dataclass
class Block:
    """A run of the text: a table (tab-separated lines), a paragraph or a blank line."""

    kind: str  # "table", "paragraph" or "blank"
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max(len(row) for row in self.rows)


def text_blocks(text: str) -> list[Block]:
    """The text's lines grouped: consecutive tab-separated lines make one table."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    blocks: list[Block] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if "\t" in line:
            if not blocks or blocks[-1].kind != "table":
                blocks.append(Block("table"))
            blocks[-1].rows.append(line.split("\t"))
            blocks[-1].lines.append(number)
        else:
            blocks.append(Block("paragraph" if line.strip() else "blank", [[line]], [number]))
    return blocks


def _merge_spans(row: list[str]) -> list[tuple[int, int]]:
    """(first, last) column of each header cell followed by empty cells it can span."""
    spans = []
    index = 0
    while index < len(row):
        end = index
        if row[index].strip():
            while end + 1 < len(row) and not row[end + 1].strip():
                end += 1
        spans.append((index, end))
        index = end + 1
    return spans


def header_row_index(block: Block) -> Optional[int]:
    """The row of a table block that is the plan's header (it names the actions)."""
    for index, row in enumerate(block.rows):
        if any(cell.strip().lower().startswith(("actions", "focus area")) for cell in row):
            return index
    return None


# --- Word ---------------------------------------------------------------------


def write_docx(text: str, path: Path) -> Path:
    """A .docx with one Word table per table block and a paragraph per line.

    The plan's header cell over the dated rating columns ("Progress ...",
    followed by empty cells) is merged across them, and a first-column cell
    left empty below a focus area is merged into the focus area's cell, as
    Word documents print them; the reader must emit merged text once.
    """
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(420), Mm(297)
    document.styles["Normal"].font.size = Pt(7)
    for block in text_blocks(text):
        if block.kind != "table":
            document.add_paragraph(block.rows[0][0])
            continue
        width = block.width
        table = document.add_table(rows=len(block.rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(block.rows):
            for c in range(width):
                value = row[c] if c < len(row) else ""
                if value:
                    table.cell(r, c).text = value
        header = header_row_index(block)
        if header is not None:
            for first, last in _merge_spans(block.rows[header] + [""] * (width - len(block.rows[header]))):
                if last > first and first >= 2:
                    table.cell(header, first).merge(table.cell(header, last))
        # Vertical merges: a focus area cell over the empty first cells below it.
        r = 0
        while r < len(block.rows):
            end = r
            if block.rows[r][0].strip() and (header is None or r > header):
                while end + 1 < len(block.rows) and not block.rows[end + 1][0].strip():
                    end += 1
            if end > r:
                table.cell(r, 0).merge(table.cell(end, 0))
            r = end + 1
    document.save(path)
    return path


# --- Excel --------------------------------------------------------------------


def write_xlsx(text: str, path: Path, split_at: Optional[int] = None) -> Path:
    """An .xlsx with each line of the text on the sheet row of the same number.

    With ``split_at``, lines from that line on go on a second sheet (from
    its row 1), as workbooks that keep one priority per sheet.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Priority 1" if split_at else "Action plan"
    first_line = 1
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if split_at and number == split_at:
            sheet = workbook.create_sheet("Priority 2")
            first_line = split_at
        for column, value in enumerate(line.rstrip("\r").split("\t"), start=1):
            if value:
                sheet.cell(row=number - first_line + 1, column=column, value=value)
    workbook.save(path)
    return path


# --- PDF ----------------------------------------------------------------------


def pdf_font() -> tuple[str, bool]:
    """(font name, whether it has Cyrillic): DejaVu Sans where installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", candidate))
            return "DejaVuSans", True
    return "Helvetica", False


def column_widths(block: Block, width: int, usable: float, font: str, size: float = 6) -> list[float]:
    """Each column wide enough for its longest word; the rest shared by text length."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def column(c: int) -> list[str]:
        return [row[c] for row in block.rows if c < len(row)]

    least = [
        max([stringWidth(word, font, size) for text in column(c) for word in text.split()] + [10]) + 14
        for c in range(width)
    ]
    weights = [min(max((len(t) for t in column(c)), default=0), 1500) ** 0.8 + 1 for c in range(width)]
    spare = max(usable - sum(least), 0)
    return [least[c] + spare * weights[c] / sum(weights) for c in range(width)]


def write_pdf(text: str, path: Path, footer: str = "Page {page}") -> Path:
    """A PDF of the text's tables (ruled, as Word prints them) and paragraphs.

    The plan's header is merged over the rating columns as in the .docx;
    every page carries a footer, the page furniture a reader must not take
    for content.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from narrative_search.cleaning import normalise_homoglyphs

    font, unicode_font = pdf_font()
    style = ParagraphStyle("cell", fontName=font, fontSize=6, leading=7.2)
    page_size = landscape(A3)
    margin = 28
    usable = page_size[0] - 2 * margin

    def escape(value: str) -> str:
        if not unicode_font:  # Helvetica prints cp1252: print look-alikes for the rest
            value = "".join(ch if ch.encode("cp1252", "ignore") else normalise_homoglyphs(ch) for ch in value)
        return html.escape(value, quote=False)

    story = []
    for block in text_blocks(text):
        if block.kind == "blank":
            story.append(Spacer(1, 6))
            continue
        if block.kind == "paragraph":
            story.append(Paragraph(escape(block.rows[0][0]), style))
            continue
        width = block.width
        widths = column_widths(block, width, usable, font)
        data = [[Paragraph(escape(row[c]), style) if c < len(row) and row[c] else "" for c in range(width)] for row in block.rows]
        commands = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        header = header_row_index(block)
        if header is not None:
            padded = block.rows[header] + [""] * (width - len(block.rows[header]))
            for first, last in _merge_spans(padded):
                if last > first and first >= 2:
                    commands.append(("SPAN", (first, header), (last, header)))
        story.append(Table(data, colWidths=widths, style=TableStyle(commands)))

    def draw_footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(margin, margin / 2, footer.format(page=document.page))
        canvas.restoreState()

    document = SimpleDocTemplate(
        str(path), pagesize=page_size, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin
    )
    document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return path


# --- HTML ---------------------------------------------------------------------


def write_html(text: str, path: Path, title: str = "Progress report") -> Path:
    """A web page with an HTML table per table block and a <p> per paragraph.

    Cells are written as the publishing system wrote them, HTML fragments
    (``<p>``, ``<ul>``, ``<del>``) included; the header cell over the rating
    columns spans them with ``colspan``.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        f"<head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        "<style>td { vertical-align: top; }</style></head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for block in text_blocks(text):
        if block.kind == "blank":
            continue
        if block.kind == "paragraph":
            parts.append(f"<p>{block.rows[0][0]}</p>")
            continue
        width = block.width
        header = header_row_index(block)
        parts.append('<table border="1">')
        for r, row in enumerate(block.rows):
            row = row + [""] * (width - len(row))
            tag = "th" if r == header else "td"
            cells = []
            spans = _merge_spans(row) if r == header else [(c, c) for c in range(width)]
            for first, last in spans:
                if last > first and first < 2:  # keep the first columns unmerged, as in the .docx
                    spans_here = [(c, c) for c in range(first, last + 1)]
                else:
                    spans_here = [(first, last)]
                for a, b in spans_here:
                    colspan = f' colspan="{b - a + 1}"' if b > a else ""
                    cells.append(f"<{tag}{colspan}>{row[a]}</{tag}>")
            parts.append("  <tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body>\n</html>\n")
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return path


# --- CSV ----------------------------------------------------------------------


def write_csv(text: str, path: Path) -> Path:
    """A CSV file with a record per line of the text, its cells split at tabs."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for line in lines:
            writer.writerow(line.rstrip("\r").split("\t") if line.strip() else [])
    return path


# --- the corpus in every format -------------------------------------------------

# format -> (file suffix, builder)
BUILDERS: dict[str, tuple[str, Callable[[str, Path], Path]]] = {
    "docx": (".docx", write_docx),
    "pdf": (".pdf", write_pdf),
    "html": (".html", write_html),
    "xlsx": (".xlsx", write_xlsx),
    "csv": (".csv", write_csv),
}


class FormatCorpus:
    """Sample documents rebuilt as real files of other formats, built and read on first use.

    ``"xlsx-sheets"`` is the .xlsx with the rows from ``SHEET_SPLITS[source]``
    on a second sheet.
    """

    SHEET_SPLITS = {"002_8e0d413e95991a77.txt": 303}  # Leicestershire: "PRIORITY TWO" starts sheet 2

    def __init__(self, folder: Path, data_dir: Path) -> None:
        self.folder = folder
        self.data_dir = data_dir
        self._paths: dict[tuple[str, str], Path] = {}
        self._readings: dict[tuple[str, str], object] = {}
        self._sources: dict[tuple[str, str], object] = {}

    def path(self, source: str, fmt: str) -> Path:
        key = (source, fmt)
        if key not in self._paths:
            text = (self.data_dir / source).read_text(encoding="utf-8")
            stem = Path(source).stem
            if fmt == "xlsx-sheets":
                target = self.folder / f"{stem}-sheets.xlsx"
                write_xlsx(text, target, split_at=self.SHEET_SPLITS[source])
            else:
                suffix, build = BUILDERS[fmt]
                target = build(text, self.folder / f"{stem}{suffix}")
            self._paths[key] = target
        return self._paths[key]

    def source_rows(self, source: str, fmt: str):
        """What the format's reader found in the file (SourceRows), before planning."""
        from narrative_search.readers.dispatch import read_source

        key = (source, fmt)
        if key not in self._sources:
            path = self.path(source, fmt)
            self._sources[key] = read_source(path, path.read_bytes())
        return self._sources[key]

    def reading(self, source: str, fmt: str):
        """The DocumentReading of the source rebuilt in the format, filed as the manifest says.

        As ``read_document`` reads it, but from the rows already read by
        :meth:`source_rows` (a PDF is slow to read twice).
        """
        from narrative_search.ingest import load_manifest, plan_source

        key = (source, fmt)
        if key not in self._readings:
            entry = load_manifest(self.data_dir)[source]
            path = self.path(source, fmt)
            self._readings[key] = plan_source(path, path.read_bytes(), self.source_rows(source, fmt), entry=entry)
        return self._readings[key]
