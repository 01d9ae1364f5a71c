"""OCR of scanned plan tables: update-split precision, recall and F1 at 300 and 150 dpi.

    .venv/bin/python bench/ocr_f1.py [--show-misses]

A few plan tables in made-up words (one printed without rules) (tests/fixtures_ocr.py) are drawn with
Pillow, turned a little, sprinkled with noise and saved as image-only PDFs
at each resolution, then read through OCR like any scanned PDF. The
expected updates are what the same table reads into as text (tabs between
cells): an update is its action's ref, its month and its text (white space
collapsed); a predicted update counts only when all three equal an expected
one, so a misread word, a lost stamp or a wrong ref each cost the update.
Targets (issue 17): F1 >= 0.9 at 300 dpi, >= 0.8 at 150 dpi.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fixtures_ocr import MORE_ROWS, PLAN_TABLE, table_text, write_scanned_table  # noqa: E402

from narrative_search.ingest import DocumentReading, read_document  # noqa: E402
from narrative_search.readers.ocr import tesseract_available  # noqa: E402

COUNCIL = "Torbay"
HEADER = PLAN_TABLE[0]
# (name, rows, rotation in degrees, noise seed, ratings printed as coloured cells, ruled)
TABLES: list[tuple[str, list[list[str]], float, int, bool, bool]] = [
    ("plan", PLAN_TABLE, 0.6, 7, False, True),
    ("transport", [HEADER, *MORE_ROWS[0:2]], -0.8, 11, False, True),
    ("therapy", [HEADER, *MORE_ROWS[2:4]], 1.2, 13, False, True),
    ("coloured", [HEADER, PLAN_TABLE[1], MORE_ROWS[3]], -0.3, 17, True, True),
    ("unruled", [HEADER, *MORE_ROWS[1:4]], 0.4, 19, False, False),
]
TARGETS = {300: 0.9, 150: 0.8}

Update = tuple[Optional[str], Optional[str], str]  # (ref, month, text)


def updates(reading: DocumentReading) -> Counter[Update]:
    return Counter(
        (action.ref, update.start, " ".join(update.text.split())) for action in reading.actions for update in action.updates
    )


def measure(folder: Path, dpi: int, tables: list[tuple[str, list[list[str]], float, int, bool, bool]],
            show_misses: bool) -> float:
    """Read the tables scanned at ``dpi``, print a line of figures; their F1."""
    counts = Counter[str]()
    confidences: list[float] = []
    seconds = 0.0
    for name, rows, angle, seed, coloured, ruled in tables:
        text = folder / f"{name}.txt"
        text.write_text(table_text(rows), encoding="utf-8")
        expected = updates(read_document(text, council=COUNCIL))
        scan = write_scanned_table(folder / f"{name}-{dpi}.pdf", dpi, rows, angle=angle, fill_ratings=coloured, seed=seed,
                                   rules=ruled)
        started = time.monotonic()
        reading = read_document(scan, council=COUNCIL)
        seconds += time.monotonic() - started
        if reading.document.ocr_confidence is not None:
            confidences.append(reading.document.ocr_confidence)
        predicted = updates(reading)
        counts["expected"] += sum(expected.values())
        counts["read"] += sum(predicted.values())
        counts["right"] += sum((expected & predicted).values())
        if show_misses:
            for update in (expected - predicted).elements():
                print(f"  {dpi} dpi {name}: missed {update}")
            for update in (predicted - expected).elements():
                print(f"  {dpi} dpi {name}: read   {update}")
    precision = counts["right"] / counts["read"] if counts["read"] else 0.0
    recall = counts["right"] / counts["expected"] if counts["expected"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    target = f"{TARGETS[dpi]:.2f}" if tables[0][5] else "-"
    print(f"{dpi:>4} {'yes' if tables[0][5] else 'no':>5} {len(tables):>6} {counts['expected']:>8} {counts['read']:>5} "
          f"{counts['right']:>5} {precision:>9.3f} {recall:>6.3f} {f1:>5.3f} {target:>6} {confidence:>9.1f}% "
          f"{seconds / len(tables):>6.1f}")
    return f1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-misses", action="store_true", help="print each update missed or misread")
    args = parser.parse_args()
    if not tesseract_available():
        print("tesseract is not installed: run `make ocr` (apt-get install tesseract-ocr tesseract-ocr-eng)")
        return 1
    failed = False
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        print(f"{'dpi':>4} {'rules':>5} {'tables':>6} {'expected':>8} {'read':>5} {'right':>5} {'precision':>9} {'recall':>6} "
              f"{'F1':>5} {'target':>6} {'confidence':>10} {'s/page':>6}")
        print("(targets are for ruled tables; a table printed without rules is read from word positions, no target)")
        for dpi, target in TARGETS.items():
            for ruled in (True, False):
                tables = [table for table in TABLES if table[5] == ruled]
                f1 = measure(folder, dpi, tables, args.show_misses)
                if ruled:
                    failed |= f1 < target
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
