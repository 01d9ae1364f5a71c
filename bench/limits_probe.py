"""Issue 16's probe of hostile files, at a scale you choose: how fast each is refused, and the peak memory.

    python bench/limits_probe.py                      # a 6 GiB zip bomb and a 1,000,000-row sheet
    python bench/limits_probe.py --bomb-gib 1 --rows 300000

Builds, in a temporary folder, a .docx whose thumbnail unpacks to
``--bomb-gib`` GiB of zeros, and an .xlsx of ``--rows`` rows, then reads each
with the default limits and prints the outcome, the seconds it took and the
process's peak memory. Each file is read in a child process of its own, so the
figures are that file's alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PLAN = (
    "Focus Area\tActions\tLead\tProgress update\n"
    "Ref - 1.1 Short breaks\tA. Open a holiday club\tHead of Service\tMay 2021: venue agreed. Jun 2021: club opened.\n"
)


def make_bomb(folder: Path, gib: float) -> Path:
    """A real .docx (python-docx) with its thumbnail replaced by ``gib`` GiB of zeros, deflated."""
    import docx

    plain = folder / "plain.docx"
    document = docx.Document()
    for line in PLAN.splitlines():
        document.add_paragraph(line)
    document.save(plain)
    bomb = folder / "report.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "docProps/thumbnail.jpeg":
                target.writestr(info, source.read(info))
        block = bytes(1 << 24)
        with target.open("docProps/thumbnail.jpeg", "w", force_zip64=True) as thumbnail:
            for _ in range(int(gib * 64)):
                thumbnail.write(block)
    return bomb


def make_sheet(folder: Path, rows: int) -> Path:
    """An .xlsx of ``rows`` rows of short text (openpyxl's write-only mode)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    for number in range(rows):
        sheet.append([f"Row {number}", "an export nobody reads", number])
    path = folder / "huge.xlsx"
    workbook.save(path)
    return path


def _read(path: str, queue: "multiprocessing.Queue[tuple[str, float, float]]") -> None:
    from narrative_search.errors import DocumentError
    from narrative_search.ingest import read_document

    started = time.perf_counter()
    try:
        reading = read_document(Path(path), council="Torbay")
        outcome = f"accepted: {len(reading.actions)} actions, {sum(len(s.text) for s in reading.unattributed):,} characters unattributed"
    except DocumentError as error:
        outcome = f"refused: {error}"
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((outcome, seconds, peak_mb))


def probe(path: Path) -> None:
    queue: "multiprocessing.Queue[tuple[str, float, float]]" = multiprocessing.Queue()
    child = multiprocessing.Process(target=_read, args=(str(path), queue))
    child.start()
    outcome, seconds, peak_mb = queue.get()
    child.join()
    print(f"{path.name} ({path.stat().st_size / 1024 / 1024:.1f} MB): {outcome}")
    print(f"  {seconds:.2f} s, peak memory {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bomb-gib", type=float, default=6.0, help="GiB the bomb's thumbnail unpacks to")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the huge sheet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        probe(make_bomb(Path(folder), args.bomb_gib))
        probe(make_sheet(Path(folder), args.rows))


if __name__ == "__main__":
    main()
