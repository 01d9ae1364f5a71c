"""Scanned PDFs (no text layer) read by OCR into the readings their text versions give.

The scans are drawn in the tests (fixtures_ocr.py): a plan table and a
revisit letter in made-up words, turned a little and sprinkled with noise,
saved as image-only PDFs at 300 and 150 dpi.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fixtures_ocr import (
    LETTER_LINES,
    PLAN_TABLE,
    font_path,
    needs_tesseract,
    table_text,
    write_scan,
    write_scanned_letter,
    write_scanned_table,
)
from PIL import Image, ImageDraw, ImageFont

from narrative_search import app_views as views
from narrative_search import config
from narrative_search.cli import main
from narrative_search.errors import DocumentError
from narrative_search.ingest import DocumentReading, ingest_paths, read_document
from narrative_search.readers import ocr
from narrative_search.readers.ocr import parse_tsv
from narrative_search.store import CorpusStore

COUNCIL = "Torbay"


def seen(reading: DocumentReading) -> list[tuple[Any, ...]]:
    """What a reader of the plan sees: each action's ref, text, lead, ratings and dated updates."""
    return [
        (
            action.ref,
            action.action,
            action.lead,
            [status.rag for status in action.statuses],
            [(update.start, update.text) for update in action.updates],
        )
        for action in reading.actions
    ]


@pytest.fixture(scope="module")
def text_plan(tmp_path_factory: pytest.TempPathFactory) -> DocumentReading:
    path = tmp_path_factory.mktemp("text") / "plan.txt"
    path.write_text(table_text(PLAN_TABLE), encoding="utf-8")
    return read_document(path, council=COUNCIL)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    write_scanned_table(folder / "plan-300.pdf", 300)
    write_scanned_table(folder / "plan-150.pdf", 150, angle=-0.8, seed=11)
    return folder


def test_the_text_version_reads_as_the_table_says(text_plan: DocumentReading) -> None:
    """A control: the text version gives what the drawn table holds."""
    assert [(ref, lead, rags, [month for month, _ in updates]) for ref, _, lead, rags, updates in seen(text_plan)] == [
        ("2.1A", "Head of Inclusion", ["G"], ["2021-03", "2021-09"]),
        ("2.1B", "Early Years Lead", ["A"], ["2021-03", "2021-09"]),
        ("2.2A", "Service Manager", ["R"], ["2021-03", "2021-09"]),
    ]


def words_only(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The readings with punctuation left out of the texts: a speck of dirt by a word may read as a full stop."""

    def words(text: str) -> list[str]:
        return re.sub(r"[^\w\s]", "", text).split()

    return [
        (ref, words(action), lead, rags, [(month, words(text)) for month, text in updates])
        for ref, action, lead, rags, updates in rows
    ]


@needs_tesseract
def test_a_scanned_plan_table_at_300_dpi_reads_into_the_actions_and_updates_of_its_text(
    scans: Path, text_plan: DocumentReading
) -> None:
    reading = read_document(scans / "plan-300.pdf", council=COUNCIL)
    assert seen(reading) == seen(text_plan)
    assert reading.document.ocr is True
    assert reading.document.ocr_confidence is not None and 80 <= reading.document.ocr_confidence <= 100
    # Every record read from the scan is cited as read by OCR.
    assert {reading.locations[action.line] for action in reading.actions} == {"page 1 (OCR)"}
    assert text_plan.document.ocr is False and text_plan.document.ocr_confidence is None


@needs_tesseract
def test_a_scanned_plan_table_at_150_dpi_reads_into_the_same_actions_and_updates_word_for_word(
    scans: Path, text_plan: DocumentReading
) -> None:
    reading = read_document(scans / "plan-150.pdf", council=COUNCIL)
    assert words_only(seen(reading)) == words_only(seen(text_plan))
    assert reading.document.ocr is True



@needs_tesseract
def test_a_scanned_table_printed_without_rules_reads_its_columns_from_the_word_positions(
    tmp_path: Path, text_plan: DocumentReading
) -> None:
    """Columns from left edges that recur across lines; a line with a ref starts a row.

    Ratings are left out of the comparison: a letter standing alone with no
    cell around it is what tesseract most often passes over.
    """
    path = write_scanned_table(tmp_path / "unruled.pdf", 300, rules=False)
    reading = read_document(path, council=COUNCIL)

    def without_ratings(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [(ref, action, lead, updates) for ref, action, lead, _, updates in rows]

    assert without_ratings(seen(reading)) == without_ratings(seen(text_plan))


@needs_tesseract
def test_ratings_printed_as_cell_colours_are_read_from_the_fill(tmp_path: Path, text_plan: DocumentReading) -> None:
    path = write_scanned_table(tmp_path / "coloured.pdf", 300, fill_ratings=True)
    reading = read_document(path, council=COUNCIL)
    assert [status.rag for action in reading.actions for status in action.statuses] == ["G", "A", "R"]
    assert seen(reading) == seen(text_plan)


@needs_tesseract
def test_a_scanned_revisit_letter_reads_into_the_verdicts_of_its_text(tmp_path: Path) -> None:
    text = tmp_path / "letter.txt"
    text.write_text("\n".join(LETTER_LINES) + "\n", encoding="utf-8")
    scan = write_scanned_letter(tmp_path / "letter.pdf", 300)

    def verdicts(path: Path) -> list[tuple[Any, ...]]:
        reading = read_document(path, council=COUNCIL)
        return [(v.event, v.date, v.verdict, v.sufficient, v.total) for v in reading.verdicts]

    assert verdicts(scan) == verdicts(text)
    assert ("revisit", None, "sufficient", 3, 5) in verdicts(scan)


def test_tesseract_missing_is_a_clear_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_scan(Image.new("RGB", (200, 120), "white"), tmp_path / "scan.pdf", 150)
    monkeypatch.setattr(ocr, "TESSERACT", "no-such-tesseract-program")
    with pytest.raises(DocumentError) as raised:
        read_document(path, council=COUNCIL)
    assert str(raised.value) == (
        f"{path}: page 1 is a scan (no text layer) and tesseract, which reads scans, is not installed: "
        "run `make test` or `apt-get install tesseract-ocr tesseract-ocr-eng`"
    )


@needs_tesseract
def test_a_page_over_the_time_limit_fails_its_file_alone_and_nothing_stored_is_lost(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "plan.txt").write_text(table_text(PLAN_TABLE), encoding="utf-8")
    (folder / "scan.pdf").write_bytes((scans / "plan-300.pdf").read_bytes())
    monkeypatch.setattr(config, "OCR_SECONDS_PER_PAGE", 0.01)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcomes = {outcome.path.name: outcome for outcome in ingest_paths(store, [folder], council=COUNCIL)}
        assert outcomes["plan.txt"].error is None
        assert outcomes["scan.pdf"].error == (
            f"{folder / 'scan.pdf'}: OCR of page 1 took longer than 0.01 s "
            "(narrative_search.config.OCR_SECONDS_PER_PAGE); nothing of the file is stored"
        )
        assert [document.name for document in store.documents()] == ["plan.txt"]


@needs_tesseract
def test_scanned_pages_beyond_the_page_limit_are_left_out_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "two.pdf"
    pages = [Image.new("RGB", (900, 160), "white"), Image.new("RGB", (300, 200), "white")]
    font = ImageFont.truetype(font_path(), 40)
    ImageDraw.Draw(pages[0]).text((20, 50), "Minutes of the partnership board", fill="black", font=font)
    pages[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    monkeypatch.setattr(config, "OCR_MAX_PAGES", 1)
    reading = read_document(path, council=COUNCIL)
    assert reading.warnings[0] == (
        "page(s) 2 are scans beyond the OCR limit of 1 page(s) a document "
        "(narrative_search.config.OCR_MAX_PAGES); their content is not read"
    )
    assert "Minutes of the partnership board" in " ".join(span.text for span in reading.unattributed)


def test_tesseract_tsv_is_read_into_words_with_boxes_lines_and_confidences() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "4\t1\t1\t1\t1\t0\t10\t20\t200\t30\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t60\t30\t96.5\tMarch\n"
        "5\t1\t1\t1\t1\t2\t80\t20\t70\t30\t91.0\t2021:\n"
        "5\t1\t1\t1\t1\t3\t160\t20\t10\t30\t-1\t \n"
    )
    words = parse_tsv(tsv)
    assert [(w.text, w.left, w.top, w.width, w.height, w.confidence, w.line_key) for w in words] == [
        ("March", 10, 20, 60, 30, 96.5, (1, 1, 1)),
        ("2021:", 80, 20, 70, 30, 91.0, (1, 1, 1)),
    ]


# -- the store, the documents listing, the app's Library, the CLI ---------------------------------


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@needs_tesseract
def test_ocr_documents_are_listed_with_their_confidence_and_progress_shown_per_page(scans: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes((scans / "plan-300.pdf").read_bytes())
    (folder / "plan.txt").write_text(table_text(PLAN_TABLE), encoding="utf-8")
    home = tmp_path / "home"
    ingested = run(home, "ingest", "--no-index", "--council", COUNCIL, str(folder))
    assert ingested.exit_code == 0, ingested.output
    assert "OCR scan.pdf: page 1 (1 scanned page) read in " in ingested.stderr
    scan_line = next(line for line in ingested.stdout.splitlines() if line.startswith("scan.pdf: new;"))
    assert "3 actions, 6 updates" in scan_line and "; read by OCR (mean word confidence " in scan_line
    listing = run(home, "documents").stdout.splitlines()
    under_scan = listing[listing.index(next(line for line in listing if line.startswith("scan.pdf"))) + 1]
    assert under_scan.startswith("    read by OCR (mean word confidence ") and under_scan.endswith("%)")
    assert not any("read by OCR" in line for line in listing if "plan.txt" in line)
    with CorpusStore(config.database_path(home)) as store:
        summaries = {summary.name: summary for summary in store.document_summary()}
        document = store.get_document("scan.pdf")
    assert document is not None and document.ocr and document.ocr_confidence == summaries["scan.pdf"].ocr_confidence
    table = views.documents_table(list(summaries.values())).set_index("document")
    assert table.loc["scan.pdf", "OCR confidence"].endswith("%")
    assert table.loc["plan.txt", "OCR confidence"] == ""


def test_a_version_3_store_is_migrated_to_say_which_documents_were_ocrd(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    text = tmp_path / "plan.txt"
    text.write_text(table_text(PLAN_TABLE), encoding="utf-8")
    with CorpusStore(path) as store:
        store.save_reading(read_document(text, council=COUNCIL))
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE documents DROP COLUMN ocr_confidence")
    conn.execute("ALTER TABLE documents DROP COLUMN ocr")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with CorpusStore(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == config.SCHEMA_VERSION == 4
        assert [(d.name, d.ocr, d.ocr_confidence) for d in store.documents()] == [("plan.txt", False, None)]
    fresh = tmp_path / "fresh.sqlite"
    CorpusStore(fresh).close()
    columns = [sqlite3.connect(p).execute("PRAGMA table_info(documents)").fetchall() for p in (path, fresh)]
    assert columns[0] == columns[1]
