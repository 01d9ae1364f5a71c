"""OCR of scanned PDF pages with Debian's tesseract: words, lines and ruled tables.

A page with no text layer is rendered to an image (pypdfium2, which
pdfplumber already brings), straightened (the small rotation of a page fed
askew through a scanner), and read by the ``tesseract`` program as TSV:
every word with its box, its block/paragraph/line numbers and its
confidence. Tables are rebuilt from the image's ruling lines, found as long
runs of dark pixels:

- a band between two horizontal rules crossed by three or more vertical
  rules is a table row, its cells the spaces between the rules; the columns
  of a table are the vertical rules that recur across its rows, so a cell
  spanning two columns leaves an empty cell after it, as in born-digital
  PDFs;
- each word goes to the cell its centre is in; a cell's words are put back
  into lines by their height on the page, and a line that ends early (the
  next line's first word would have fitted after it) is a real line break;
- a cell with no word but a coloured fill is a RAG rating printed as colour:
  its colour is read from the cell's pixels (red, amber, green, blue);
- words outside tables become lines, and lines that follow each other
  closely with the first full are joined into paragraphs.

The rules and coloured fills are painted white before tesseract reads the
page, so that it never reads a rule as "|" or a fill as a smudge of letters.

Positions handed back are in PDF points from the top of the page, as
pdfplumber gives them, so OCR'd rows sort among text-layer rows.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any, Callable, Optional

from ..errors import DocumentError

#: The tesseract program (Debian's tesseract-ocr package).
TESSERACT = "tesseract"
#: Pages are rendered at this resolution for OCR (a 150 dpi scan is upsampled, which tesseract reads better).
OCR_DPI = 300

#: Called with (file, page number, scanned pages to OCR, seconds the page took) after each OCR'd page;
#: the CLI prints a line on stderr, since a page takes seconds.
ProgressHook = Callable[[Path, int, int, float], None]
_progress_hooks: list[ProgressHook] = []

# A pixel is ink when its brightest channel is this dark (a coloured fill is bright in one channel at least).
_INK = 128
# A pixel is part of a coloured fill when its channels differ by this much.
_SATURATED = 60
# A horizontal rule is a run of ink at least this share of the page width.
_RULE_SHARE = 0.05
# A vertical rule covers at least this share of the height of the band between two horizontal rules.
_VERTICAL_COVER = 0.85
# Rules closer than this many pixels are one rule (a thick or doubled line).
_RULE_MERGE_PX = 8
# A word read with less confidence than this (0-100) and no letter or digit in it is noise.
_MIN_CONFIDENCE = 50
# A cell whose words tesseract read with less mean confidence than this is read again on its own.
_RETRY_CONFIDENCE = 75
# White pixels around a cell read on its own.
_CELL_MARGIN = 20
# A gutter between columns of a table printed without rules: wider than this many word spaces
# and this many word heights.
_GUTTER_SPACES = 3.0
_GUTTER_HEIGHTS = 0.9
# Lines whose middles are this many word heights apart or less are one block of print (a table's rows are
# further apart than its lines, with the cells' padding between).
_BLOCK_LINE_SPACING = 5.0
# Split lines a table printed without rules needs.
_MIN_ALIGNED_LINES = 3
# Words of nothing but these are specks of dirt (a lone dot or quote is never a word).
_SPECKS = set(".,'`‘’\"“”_~:;")
# Skew angles tried, in degrees.
_SKEW_RANGE = 3.0
_SKEW_STEP = 0.1


@dataclass
class OcrWord:
    """A word tesseract read: its text, its box in pixels, its confidence (0-100) and its line."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float
    line_key: tuple[int, int, int]  # (block, paragraph, line)

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def center(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


@dataclass
class OcrItem:
    """A row read from a scanned page: its place on the page (points) and its cells' texts."""

    top: float
    x0: float
    texts: list[str]


@dataclass
class OcrPage:
    """What OCR read on one page."""

    items: list[OcrItem] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)  # each word's

    @property
    def mean_confidence(self) -> Optional[float]:
        return sum(self.confidences) / len(self.confidences) if self.confidences else None


class _Budget:
    """The seconds one page may take, shared by every tesseract run on it (the page, then cells read again)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


@dataclass
class _Cell:
    box: tuple[int, int, int, int]  # left, top, right, bottom (pixels)
    column: int
    words: list[OcrWord] = field(default_factory=list)


@dataclass
class _TableRow:
    top: int
    bottom: int
    cells: list[_Cell]
    width: int  # the table's number of columns


def add_progress_hook(hook: ProgressHook) -> None:
    """Have ``hook(path, page, pages, seconds)`` called after each page is OCR'd (the CLI prints a line)."""
    _progress_hooks.append(hook)


def remove_progress_hook(hook: ProgressHook) -> None:
    if hook in _progress_hooks:
        _progress_hooks.remove(hook)


def report_progress(path: Path, page: int, pages: int, seconds: float) -> None:
    for hook in list(_progress_hooks):
        hook(path, page, pages, seconds)


def tesseract_available() -> bool:
    """Whether the tesseract program is installed (``make test`` and ``make run`` install it)."""
    return shutil.which(TESSERACT) is not None


def render_page(path: Path, page_number: int, dpi: int = OCR_DPI) -> Any:
    """Page ``page_number`` (1-based) of the PDF as an RGB PIL image at ``dpi``."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        page = document[page_number - 1]
        try:
            return page.render(scale=dpi / 72).to_pil().convert("RGB")
        finally:
            page.close()
    finally:
        document.close()


def ocr_page(path: Path, page_number: int, seconds: float, dpi: int = OCR_DPI) -> OcrPage:
    """Read one scanned page of ``path``; raises DocumentError naming the file when tesseract fails."""
    image = straighten(render_page(path, page_number, dpi))
    return read_image(image, path, page_number, seconds, dpi)


def read_image(image: Any, path: Path, page_number: int, seconds: float, dpi: int = OCR_DPI) -> OcrPage:
    """The rows of a straightened page image; every tesseract run on it shares the page's ``seconds``."""
    import numpy as np

    budget = _Budget(seconds)
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    ink = pixels.max(axis=2) < _INK
    saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > _SATURATED
    horizontal = _horizontal_rules(ink)
    rows = _table_rows(ink, horizontal)
    cleaned = _cleaned(image, ink, saturated, rows)
    words = _tesseract_words(cleaned, path, page_number, budget, dpi)
    page = OcrPage(confidences=[word.confidence for word in words])
    outside = []
    for word in words:
        cell = _cell_of(word, rows)
        if cell is None:
            outside.append(word)
        else:
            cell.words.append(word)
    scale = 72 / dpi
    for row in rows:
        texts = [""] * row.width
        for cell in row.cells:
            if cell.words and _mean_confidence(cell.words) < _RETRY_CONFIDENCE:
                _read_cell_again(cleaned, cell, path, page_number, budget, dpi)
            texts[cell.column] = (
                _cell_text(cell)
                or _fill_rating(pixels, saturated, cell.box)
                or _lone_word(cleaned, cell, path, page_number, budget, dpi)
            )
        page.items.append(OcrItem(top=row.top * scale, x0=row.cells[0].box[0] * scale, texts=texts))
    aligned, outside = aligned_table_rows(outside)
    for top, left, texts in aligned:
        page.items.append(OcrItem(top=top * scale, x0=left * scale, texts=texts))
    for top, left, text in _paragraphs(_word_lines(outside)):
        page.items.append(OcrItem(top=top * scale, x0=left * scale, texts=[text]))
    page.items.sort(key=lambda item: (round(item.top, 1), item.x0))
    return page


# -- straightening ---------------------------------------------------------------


def straighten(image: Any) -> Any:
    """The page rotated upright: the angle that makes its rows of ink sharpest (lines and rules level)."""
    import numpy as np
    from PIL import Image

    gray = image.convert("L")
    small = gray.resize((max(gray.width // 3, 1), max(gray.height // 3, 1)))
    inverted = Image.eval(small, lambda value: 255 - value)
    best_angle, best_score = 0.0, -1.0
    steps = int(round(_SKEW_RANGE / _SKEW_STEP))
    for step in range(-steps, steps + 1):
        angle = step * _SKEW_STEP
        rotated = inverted.rotate(angle, resample=Image.Resampling.BILINEAR)
        profile = np.asarray(rotated, dtype=np.float64).sum(axis=1)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best_angle, best_score = angle, score
    if best_angle == 0.0:
        return image
    return image.rotate(best_angle, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))


# -- ruling lines and table rows -------------------------------------------------


def _runs(flags: Any) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array, end exclusive."""
    import numpy as np

    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(edges[i]), int(edges[i + 1])) for i in range(0, len(edges), 2)]


def _merged(positions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in positions:
        if merged and start - merged[-1][1] <= _RULE_MERGE_PX:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _horizontal_rules(ink: Any) -> list[tuple[int, int]]:
    """(top, bottom) of each horizontal rule: pixel rows holding a long unbroken run of ink."""
    import numpy as np

    height, width = ink.shape
    length = max(int(width * _RULE_SHARE), 20)
    thick = ink.copy()  # one pixel of tolerance up and down: noise never breaks a rule in every row
    thick[1:] |= ink[:-1]
    thick[:-1] |= ink[1:]
    sums = np.cumsum(np.pad(thick.astype(np.int32), ((0, 0), (1, 0))), axis=1)
    full = (sums[:, length:] - sums[:, :-length]) == length
    return _merged(_runs(full.any(axis=1)))


def _vertical_rules(ink: Any, top: int, bottom: int) -> list[tuple[int, int]]:
    """(left, right) of each vertical rule crossing the band between two horizontal rules."""
    band = ink[top:bottom]
    if band.shape[0] < 4:
        return []
    thick = band.copy()
    thick[:, 1:] |= band[:, :-1]
    thick[:, :-1] |= band[:, 1:]
    cover = thick.mean(axis=0)
    return _merged(_runs(cover >= _VERTICAL_COVER))


def _table_rows(ink: Any, horizontal: list[tuple[int, int]]) -> list[_TableRow]:
    """The table rows of the page: bands between consecutive horizontal rules with two or more ruled cells."""
    bands: list[tuple[int, int, list[tuple[int, int]]]] = []
    for (_, upper), (lower, _) in zip(horizontal, horizontal[1:]):
        rules = _vertical_rules(ink, upper, lower)
        if len(rules) >= 3:
            bands.append((upper, lower, rules))
    # The columns of a table: every vertical rule seen in any of its rows, merged by position.
    columns = _merged(sorted(rule for _, _, rules in bands for rule in rules))
    rows = []
    for upper, lower, rules in bands:
        cells = []
        for (_, left), (right, _) in zip(rules, rules[1:]):
            column = next((i for i, (start, end) in enumerate(columns) if start <= left <= end + 1), 0)
            cells.append(_Cell(box=(left, upper, right, lower), column=column))
        # Cells are numbered by the table's columns; columns of other tables on the page are
        # left of or right of this row's rules, so a row is as wide as its own last rule.
        used = {cell.column for cell in cells}
        first = min(used)
        for cell in cells:
            cell.column -= first
        last_rule = next(i for i, (start, end) in enumerate(columns) if start <= rules[-1][0] <= end + 1)
        rows.append(_TableRow(top=upper, bottom=lower, cells=cells, width=max(last_rule - first, len(cells))))
    return rows


def _cell_of(word: OcrWord, rows: list[_TableRow]) -> Optional[_Cell]:
    x, y = word.center
    for row in rows:
        if row.top <= y <= row.bottom:
            for cell in row.cells:
                if cell.box[0] <= x <= cell.box[2]:
                    return cell
            return None
    return None


def _cleaned(image: Any, ink: Any, saturated: Any, rows: list[_TableRow]) -> Any:
    """The page in grey, rules and coloured fills painted white, noise smoothed: what tesseract reads."""
    import numpy as np
    from PIL import Image, ImageFilter

    gray = np.asarray(image.convert("L")).copy()
    gray[saturated & ~ink] = 255
    pad = 3
    for row in rows:
        for cell in row.cells:
            left, top, right, bottom = cell.box
            gray[max(top - pad, 0) : top + pad, left - pad : right + pad] = 255
            gray[bottom - pad : bottom + pad, left - pad : right + pad] = 255
            gray[top:bottom, max(left - pad, 0) : left + pad] = 255
            gray[top:bottom, right - pad : right + pad] = 255
    return Image.fromarray(gray).filter(ImageFilter.MedianFilter(3))


# -- tesseract ---------------------------------------------------------------------


def _tesseract_words(image: Any, path: Path, page_number: int, budget: _Budget, dpi: int) -> list[OcrWord]:
    """The words tesseract reads on the page, each with its box and confidence; specks of noise left out.

    A "word" with no letter or digit read with little confidence, or one that
    is only a dot, comma, quote or underscore, is a speck of dirt on the
    scan, not text.
    """
    words = _run_tesseract(image, path, page_number, budget, dpi, page_segmentation="3")
    return [
        word
        for word in words
        if any(ch.isalnum() for ch in word.text)
        or (word.confidence >= _MIN_CONFIDENCE and not set(word.text) <= _SPECKS)
    ]


def _run_tesseract(
    image: Any, path: Path, page_number: int, budget: _Budget, dpi: int, page_segmentation: str
) -> list[OcrWord]:
    """The words tesseract reads on the image (TSV), each with its box and confidence."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    command = [TESSERACT, "stdin", "stdout", "-l", "eng", "--psm", page_segmentation, "--dpi", str(dpi), "tsv"]
    # One thread: tesseract's own threads only contend with the other work on a small machine.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        remaining = budget.remaining()
        if remaining <= 0:
            raise subprocess.TimeoutExpired(command, budget.seconds)
        done = subprocess.run(command, input=buffer.getvalue(), capture_output=True, timeout=remaining, env=environment)
    except FileNotFoundError:
        raise DocumentError(path, _missing_tesseract(page_number)) from None
    except subprocess.TimeoutExpired:
        raise DocumentError(
            path,
            f"OCR of page {page_number} took longer than {budget.seconds:g} s (narrative_search.config.OCR_SECONDS_PER_PAGE); "
            "nothing of the file is stored",
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentError(
            path, f"OCR of page {page_number} failed (tesseract: {detail[-1] if detail else done.returncode})"
        )
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def _mean_confidence(words: list[OcrWord]) -> float:
    return sum(word.confidence for word in words) / len(words)


def _cell_image(image: Any, cell: _Cell, smooth: bool = False) -> Any:
    """The cell's inside (rules left out), with a white margin tesseract reads better.

    ``smooth`` takes out larger specks (a wider median filter), which throw a
    short text in a cell of its own more than they throw a page.
    """
    from PIL import ImageFilter, ImageOps

    left, top, right, bottom = cell.box
    pad = 4
    crop = image.crop((left + pad, top + pad, right - pad, bottom - pad))
    if smooth:
        crop = crop.filter(ImageFilter.MedianFilter(5))
    return ImageOps.expand(crop, border=_CELL_MARGIN, fill=255)


def _read_cell_again(image: Any, cell: _Cell, path: Path, page_number: int, budget: _Budget, dpi: int) -> None:
    """Read a cell tesseract was unsure of on its own, and keep that reading where it is surer.

    A short cell (a ref like "5.1 A") read as part of the page can come out
    as a guess ("se"); read alone as a block of text it usually does not.
    """
    words = _run_tesseract(_cell_image(image, cell, smooth=True), path, page_number, budget, dpi, page_segmentation="6")
    words = [word for word in words if any(ch.isalnum() for ch in word.text)]
    if words and _mean_confidence(words) > _mean_confidence(cell.words):
        left, top = cell.box[0] + 4 - _CELL_MARGIN, cell.box[1] + 4 - _CELL_MARGIN
        for word in words:  # back to the page's pixels, as the page's words are
            word.left += left
            word.top += top
        cell.words = words


def _lone_word(image: Any, cell: _Cell, path: Path, page_number: int, budget: _Budget, dpi: int) -> str:
    """The text of a cell the page's reading found empty, read again on its own as a block.

    Reading a whole page, tesseract passes over a letter standing alone in
    a cell (a rating "A" or "R"); read alone, the cell gives it up.
    """
    import numpy as np

    left, top, right, bottom = cell.box
    if right - left < 12 or bottom - top < 12 or not (np.asarray(image.crop((left + 4, top + 4, right - 4, bottom - 4))) < _INK).any():
        return ""
    words = _run_tesseract(_cell_image(image, cell), path, page_number, budget, dpi, page_segmentation="6")
    return " ".join(word.text for word in words if word.confidence >= _MIN_CONFIDENCE)


def _missing_tesseract(page_number: int) -> str:
    return (
        f"page {page_number} is a scan (no text layer) and tesseract, which reads scans, is not installed: "
        "run `make test` or `apt-get install tesseract-ocr tesseract-ocr-eng`"
    )


def parse_tsv(tsv: str) -> list[OcrWord]:
    """Tesseract's TSV output into its words (level 5 rows with text)."""
    lines = tsv.splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    words = []
    for line in lines[1:]:
        values = dict(zip(header, line.split("\t")))
        text = values.get("text", "").strip()
        if values.get("level") != "5" or not text:
            continue
        try:
            words.append(
                OcrWord(
                    text=text,
                    left=int(values["left"]),
                    top=int(values["top"]),
                    width=int(values["width"]),
                    height=int(values["height"]),
                    confidence=max(float(values["conf"]), 0.0),
                    line_key=(int(values["block_num"]), int(values["par_num"]), int(values["line_num"])),
                )
            )
        except (KeyError, ValueError):
            continue
    return words


# -- words into lines and cells ---------------------------------------------------


def _visual_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words grouped into lines by their height on the page, each line left to right."""
    if not words:
        return []
    typical = median(word.height for word in words)
    lines: list[list[OcrWord]] = []
    for word in sorted(words, key=lambda w: w.center[1]):
        if lines and abs(word.center[1] - _line_middle(lines[-1])) <= typical * 0.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.left) for line in lines]


def _line_middle(line: list[OcrWord]) -> float:
    return sum(word.center[1] for word in line) / len(line)


def _line_text(line: list[OcrWord]) -> str:
    return " ".join(word.text for word in line)


def _breaks_after(previous: list[OcrWord], line: list[OcrWord], right_edge: float) -> bool:
    """Whether the previous line ended early: the next line's first word would have fitted after it."""
    first = line[0]
    space = first.height * 0.4
    return right_edge - previous[-1].right > first.width + space * 2


def _cell_text(cell: _Cell) -> str:
    lines = _visual_lines(cell.words)
    if not lines:
        return ""
    left, _, right, _ = cell.box
    padding = max(min(line[0].left for line in lines) - left, 2)
    right_edge = right - padding
    parts = [_line_text(lines[0])]
    for previous, line in zip(lines, lines[1:]):
        parts.append("\n" if _breaks_after(previous, line, right_edge) else " ")
        parts.append(_line_text(line))
    return "".join(parts)


def _word_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words outside tables as tesseract's lines, top to bottom."""
    by_line: dict[tuple[int, int, int], list[OcrWord]] = {}
    for word in words:
        by_line.setdefault(word.line_key, []).append(word)
    lines = [sorted(line, key=lambda w: w.left) for line in by_line.values()]
    return sorted(lines, key=lambda line: (min(w.top for w in line), line[0].left))


def _paragraphs(lines: list[list[OcrWord]]) -> list[tuple[int, int, str]]:
    """Lines joined into paragraphs where they follow closely and the first was full: (top, left, text)."""
    if not lines:
        return []
    right_edge = max(line[-1].right for line in lines)
    paragraphs: list[tuple[int, int, list[str]]] = []
    previous: Optional[list[OcrWord]] = None
    for line in lines:
        if not any(char.isalnum() for word in line for char in word.text):
            continue  # specks of dirt read as "_" or "."
        top = min(word.top for word in line)
        if previous is not None:
            previous_bottom = max(word.top + word.height for word in previous)
            line_height = max(median(word.height for word in previous), 1)
            close = -line_height / 2 <= top - previous_bottom <= line_height
            if close and not _breaks_after(previous, line, right_edge):
                paragraphs[-1][2].append(_line_text(line))
                previous = line
                continue
        paragraphs.append((top, line[0].left, [_line_text(line)]))
        previous = line
    return [(top, left, " ".join(parts)) for top, left, parts in paragraphs]


# -- tables printed without rules: columns from word positions ---------------------


def _segments(line: list[OcrWord], gap: float) -> list[list[OcrWord]]:
    """A line's words split where the space between two words is a column gutter (wider than ``gap``)."""
    segments = [[line[0]]]
    for previous, word in zip(line, line[1:]):
        if word.left - previous.right > gap:
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def _column_starts(lines: list[list[list[OcrWord]]], tolerance: float) -> list[float]:
    """Left edges where segments of two or more lines start (within ``tolerance``): the columns."""
    lefts = sorted(segment[0].left for segments in lines if len(segments) >= 2 for segment in segments)
    clusters: list[list[int]] = []
    for left in lefts:
        if clusters and left - clusters[-1][-1] <= tolerance:
            clusters[-1].append(left)
        else:
            clusters.append([left])
    return [float(min(cluster)) for cluster in clusters if len(cluster) >= 2]


def _blocks(lines: list[list[OcrWord]], height: float) -> list[list[list[OcrWord]]]:
    """Lines in runs printed close together (no gap of more than a blank line between two)."""
    blocks: list[list[list[OcrWord]]] = []
    for line in lines:
        if blocks and _line_middle(line) - _line_middle(blocks[-1][-1]) <= height * _BLOCK_LINE_SPACING:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def aligned_table_rows(words: list[OcrWord]) -> tuple[list[tuple[int, int, list[str]]], list[OcrWord]]:
    """Tables printed without rules, from the words' positions: (top, left, cells) per row, and the words left.

    In a run of lines printed close together, a line split by gutters (gaps
    far wider than a word space) into two or more pieces whose left edges
    recur on other lines is a table line; the recurring left edges are the
    columns. A line with text in the first column starts a row; a line
    without (the wrapped rest of longer cells) continues it. Three or more
    split lines make a table; lines of prose, unsplit, stay prose.
    """
    lines = _visual_lines(words)
    if len(lines) < _MIN_ALIGNED_LINES:
        return [], words
    height = float(median(word.height for word in words))
    spaces = [b.left - a.right for line in lines for a, b in zip(line, line[1:])]
    gap = max(_GUTTER_SPACES * float(median(spaces)) if spaces else 0.0, height * _GUTTER_HEIGHTS)
    rows: list[tuple[int, int, list[str]]] = []
    used: set[int] = set()
    for block in _blocks(lines, height):
        segmented = [_segments(line, gap) for line in block]
        if sum(1 for segments in segmented if len(segments) >= 2) < _MIN_ALIGNED_LINES:
            continue
        columns = _column_starts(segmented, height)
        if len(columns) < 2:
            continue
        # One piece starting left of the second column: a line of prose just above or below the table.
        second_column = columns[1] - height
        while segmented and len(segmented[0]) < 2 and segmented[0][0][0].left < second_column:
            segmented.pop(0)
        while segmented and len(segmented[-1]) < 2 and segmented[-1][0][0].left < second_column:
            segmented.pop()
        rows.extend(_aligned_rows(segmented, columns, height))
        used.update(id(word) for segments in segmented for segment in segments for word in segment)
    return rows, [word for word in words if id(word) not in used]


def _aligned_rows(
    lines: list[list[list[OcrWord]]], columns: list[float], tolerance: float
) -> list[tuple[int, int, list[str]]]:
    """The table lines gathered into rows of cells, one cell a column."""

    def column_of(segment: list[OcrWord]) -> int:
        left = segment[0].left + tolerance
        return max((index for index, start in enumerate(columns) if start <= left), default=0)

    rows: list[tuple[int, int, list[list[str]]]] = []
    for segments in lines:
        if not rows or any(column_of(segment) == 0 for segment in segments):
            rows.append((min(word.top for segment in segments for word in segment), segments[0][0].left,
                         [[] for _ in columns]))
        for segment in segments:
            rows[-1][2][column_of(segment)].append(_line_text(segment))
    return [(top, left, [" ".join(parts) for parts in cells]) for top, left, cells in rows]


# -- ratings printed as colour -------------------------------------------------------


def _fill_rating(pixels: Any, saturated: Any, box: tuple[int, int, int, int]) -> str:
    """The RAG rating a cell's fill colour shows ("R", "A", "G", "B"), or "" for an uncoloured cell."""
    left, top, right, bottom = box
    inset_x, inset_y = (right - left) // 5, (bottom - top) // 5
    area = (slice(top + inset_y, bottom - inset_y), slice(left + inset_x, right - inset_x))
    if saturated[area].size == 0 or saturated[area].mean() < 0.5:
        return ""
    import numpy as np

    coloured = pixels[area][saturated[area]]
    red, green, blue = (float(np.median(coloured[:, channel])) for channel in range(3))
    if blue > red and blue > green:
        return "B"
    if green > red:
        return "G"
    if green > 100:
        return "A"
    return "R"
