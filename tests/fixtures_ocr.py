"""Scanned documents made in the tests: a plan table and a letter drawn with Pillow, saved as image-only PDFs.

The texts are made up (in the shapes of real plans and revisit letters,
none copied). Each is drawn on a white page in DejaVu Sans, turned a little
(a page fed askew through a scanner), sprinkled with noise and saved as a
PDF holding only the image, at the resolution of the scan. The same text is
also written as a plain-text file (tabs between cells), so a test can read
both and compare.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Optional

import pytest
from PIL import Image, ImageDraw, ImageFont

from narrative_search.readers.ocr import tesseract_available

#: For tests that OCR a page: run where Debian's tesseract is installed (`make test` installs it).
needs_tesseract = pytest.mark.skipif(
    not tesseract_available(), reason="the tesseract program is not installed (make test installs tesseract-ocr)"
)

# A plan table: the header row, then one row per action. "\n" is a line break inside a cell.
PLAN_TABLE: list[list[str]] = [
    ["Ref", "Action", "Lead", "RAG", "Progress update"],
    [
        "2.1 A",
        "Publish a joint protocol for sharing referral records between schools and therapy teams",
        "Head of Inclusion",
        "G",
        "Mar 2021: Draft protocol circulated to every school for comment.\n"
        "Sept 2021: Protocol agreed and published on the local offer site.",
    ],
    [
        "2.1 B",
        "Train every nursery key worker to spot early speech delay",
        "Early Years Lead",
        "A",
        "Mar 2021: Two training sessions held for forty key workers.\n"
        "Sept 2021: Remaining nurseries booked for the autumn term.",
    ],
    [
        "2.2 A",
        "Open a single phone line for parents waiting for an assessment",
        "Service Manager",
        "R",
        "Mar 2021: Funding bid submitted for the phone line staff.\n"
        "Sept 2021: Bid refused; new funding route being explored.",
    ],
]

# Further rows for the benchmark's other tables: (ref, action, lead, rating, updates).
MORE_ROWS: list[list[str]] = [
    [
        "3.1 A",
        "Review the transport policy with parent carers",
        "Transport Manager",
        "G",
        "Jan 2021: Parent survey on travel closed with many replies.\n"
        "June 2021: Revised policy approved by cabinet members.",
    ],
    [
        "3.1 B",
        "Add sensory rooms to three secondary schools",
        "Capital Lead",
        "A",
        "Feb 2021: Designs drawn up for the first two rooms.\n"
        "Oct 2021: First room opened; second delayed by supply issues.",
    ],
    [
        "4.2 C",
        "Cut waiting times for occupational therapy",
        "Health Commissioner",
        "R",
        "Apr 2021: Waiting list validated and sorted by need.\n"
        "Nov 2021: Extra clinics started on Saturdays.",
    ],
    [
        "5.1 A",
        "Write a charter for co-production with young people",
        "Participation Officer",
        "G",
        "May 2021: Youth forum drafted the charter wording.\n"
        "Dec 2021: Charter signed by all partners at the board.",
    ],
]

LETTER_LINES = [
    "Ofsted and Care Quality Commission",
    "Revisit of the local area",
    "14 March 2022",
    "Dear Director of Children's Services,",
    "This letter reports on the findings of the revisit to the local area.",
    "Inspectors found that the local area has made sufficient progress in addressing 3 of the 5 significant weaknesses "
    "identified at the initial inspection.",
    "As the local area has not made sufficient progress in addressing all of the significant weaknesses, "
    "the formal monitoring of the written statement of action will continue.",
    "Yours sincerely,",
    "Lead Inspector",
]


def font_path() -> str:
    """A TrueType font on the system (DejaVu Sans, which fontconfig finds)."""
    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):
        if Path(candidate).is_file():
            return candidate
    found = subprocess.run(["fc-match", "-f", "%{file}", "sans"], capture_output=True, text=True, check=False).stdout
    return found.strip()


def table_text(rows: list[list[str]]) -> str:
    """The table as the text corpus has it: a line per row, tabs between cells, " " for a break in a cell."""
    return "\n".join("\t".join(cell.replace("\n", " ") for cell in row) for row in rows) + "\n"


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            attempt = f"{line} {word}".strip()
            if line and font.getlength(attempt) > width:
                lines.append(line)
                line = word
            else:
                line = attempt
        lines.append(line)
    return lines


_FILLS = {"R": (230, 40, 40), "A": (255, 190, 0), "G": (40, 170, 80)}


def draw_table(
    rows: list[list[str]],
    dpi: int,
    widths_in: tuple[float, ...] = (0.7, 2.4, 1.3, 0.5, 3.2),
    points: float = 9,
    fill_ratings: bool = False,
    rules: bool = True,
) -> Image.Image:
    """The table drawn with ruling lines on a page as wide as the table plus margins.

    With ``fill_ratings`` the rating column is printed as a coloured cell with no letter;
    without ``rules`` the cells are not ruled (wider gutters keep the columns apart).
    """
    font = ImageFont.truetype(font_path(), size=max(int(points * dpi / 72), 6))
    margin = int(0.4 * dpi)
    pad = int((0.06 if rules else 0.1) * dpi)
    widths = [int(w * dpi) for w in widths_in]
    line_height = int(font.size * 1.3)
    cells = [[_wrapped(cell, font, width - 2 * pad) for cell, width in zip(row, widths)] for row in rows]
    heights = [max(len(lines) for lines in row) * line_height + 2 * pad for row in cells]
    page = Image.new("RGB", (sum(widths) + 2 * margin, sum(heights) + 2 * margin), "white")
    draw = ImageDraw.Draw(page)
    rule = max(dpi // 100, 1)
    y = margin
    for r, (row, height) in enumerate(zip(cells, heights)):
        x = margin
        for c, (lines, width) in enumerate(zip(row, widths)):
            rating = rows[r][c]
            if fill_ratings and r > 0 and c == 3 and rating in _FILLS:
                draw.rectangle([x, y, x + width, y + height], fill=_FILLS[rating])
                lines = []
            if rules:
                draw.rectangle([x, y, x + width, y + height], outline="black", width=rule)
            for n, line in enumerate(lines):
                draw.text((x + pad, y + pad + n * line_height), line, fill="black", font=font)
            x += width
        y += height
    return page


def draw_letter(lines: list[str], dpi: int, width_in: float = 6.5, points: float = 10) -> Image.Image:
    """A letter: each paragraph wrapped to the text width, a blank line between paragraphs."""
    font = ImageFont.truetype(font_path(), size=int(points * dpi / 72))
    margin = int(0.6 * dpi)
    width = int(width_in * dpi)
    line_height = int(font.size * 1.35)
    wrapped = [_wrapped(line, font, width) for line in lines]
    height = sum(len(paragraph) + 1 for paragraph in wrapped) * line_height
    page = Image.new("RGB", (width + 2 * margin, height + 2 * margin), "white")
    draw = ImageDraw.Draw(page)
    y = margin
    for paragraph in wrapped:
        for line in paragraph:
            draw.text((margin, y), line, fill="black", font=font)
            y += line_height
        y += line_height
    return page


def scanned(image: Image.Image, angle: float = 0.6, noise: float = 0.002, seed: int = 7) -> Image.Image:
    """The page as a scanner gives it back: turned a little, with specks of dirt and dropped ink."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    rng = random.Random(seed)
    pixels = turned.load()
    assert pixels is not None
    width, height = turned.size
    for _ in range(int(width * height * noise)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    return turned


def write_scan(image: Image.Image, path: Path, dpi: int) -> Path:
    """The image as a one-page PDF with no text layer, at ``dpi``."""
    image.convert("RGB").save(path, "PDF", resolution=float(dpi))
    return path


def write_scanned_table(
    path: Path,
    dpi: int,
    rows: Optional[list[list[str]]] = None,
    angle: float = 0.6,
    fill_ratings: bool = False,
    seed: int = 7,
    rules: bool = True,
) -> Path:
    image = draw_table(rows or PLAN_TABLE, dpi, fill_ratings=fill_ratings, rules=rules)
    return write_scan(scanned(image, angle, seed=seed), path, dpi)


def write_scanned_letter(path: Path, dpi: int, angle: float = -0.5) -> Path:
    return write_scan(scanned(draw_letter(LETTER_LINES, dpi), angle), path, dpi)
