"""One list of format readers: a new format is one registered entry, and everything follows.

A toy format (".plan": a magic first line, then rows whose cells are
separated by " | ") is added by registering one ``FormatReader``; ingest
reads it, the supported suffixes and the app's upload types list it, and
sniffing and dispatch pick it by its content, whatever the file is named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from narrative_search import app_views as views
from narrative_search.errors import UnsupportedFormatError
from narrative_search.ingest import ingest_paths, read_document
from narrative_search.readers import registry
from narrative_search.readers.common import FormatReader, RowNumberer, SourceRows
from narrative_search.readers.dispatch import read_source
from narrative_search.readers.registry import (
    reader_for_suffix,
    register_reader,
    supported_suffixes,
    upload_suffixes,
)
from narrative_search.readers.sniff import Sniffed, sniff
from narrative_search.store import CorpusStore

PLAN_MAGIC = b"PLAN/1\n"


def read_toy_plan(path: Path, data: bytes) -> SourceRows:
    """Rows of a toy plan file: every line after the magic one, cells split at " | "."""
    rows = RowNumberer()
    for number, line in enumerate(data.decode("utf-8").splitlines()[1:], start=2):
        rows.add(line.split(" | "), location=f"record on line {number}")
    return SourceRows(rows=rows.rows, format="plan")


TOY_PLAN = FormatReader(
    name="plan",
    description="a toy plan file",
    label="toy plans",
    extensions=(".plan",),
    read=read_toy_plan,
    sniff=lambda data: data.startswith(PLAN_MAGIC),
)

# A small plan (modelled on tests/test_app.py's) in the toy format.
TOY_PLAN_BYTES = PLAN_MAGIC + "\n".join([
    "Focus Area (Intent) | Actions (Implementation) | Lead | Progress Red - Delayed Amber - In progress "
    "Green - Completed | Sub Group Action to date (Implementation)",
    " |  |  | Dec-20 | ",
    "1.1 Families are listened to | A. Run a listening campaign with parent carers. | Jo Bloggs | A | "
    "Dec 2020: Campaign planned with the parent carer forum.",
    " | B. Publish a guide for families on short breaks. | Ann Other | R | Dec 2020: Drafting started.",
]).encode("utf-8")


@pytest.fixture
def toy_format(monkeypatch: pytest.MonkeyPatch) -> FormatReader:
    """The toy format registered, for this test only."""
    monkeypatch.setattr(registry, "READERS", list(registry.READERS))
    register_reader(TOY_PLAN)
    return TOY_PLAN


def test_ingest_reads_a_registered_format(tmp_path: Path, toy_format: FormatReader) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    path = folder / "rutland.plan"
    path.write_bytes(TOY_PLAN_BYTES)
    reading = read_document(path, council="Rutland")
    assert reading.document.format == "plan"
    assert [action.ref for action in reading.actions] == ["1.1 A", "1.1 B"]
    assert reading.locate(reading.actions[0].line) == "record on line 4"
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        [outcome] = ingest_paths(store, [folder], council="Rutland")
    assert (outcome.status, outcome.format, outcome.error) == ("new", "plan", None)


@pytest.mark.parametrize(
    ("name", "in_list"),
    [
        ("supported suffixes", lambda: ".plan" in supported_suffixes()),
        ("upload suffixes", lambda: upload_suffixes()[-1] == ".plan"),
        ("the app's upload types", lambda: "plan" in views.upload_types()),
        ("the app accepts an upload", lambda: views.upload_name_problem("rutland.plan", 10) is None),
        ("the extension's reader", lambda: reader_for_suffix(".plan") is TOY_PLAN),
    ],
)
def test_a_registered_format_is_in_every_list(toy_format: FormatReader, name: str, in_list: Callable[[], bool]) -> None:
    assert in_list(), name


def test_the_refusal_of_an_unknown_type_lists_a_registered_format(tmp_path: Path, toy_format: FormatReader) -> None:
    with pytest.raises(UnsupportedFormatError) as refused:
        read_source(tmp_path / "notes.md", b"# Notes\n")
    assert ".plan" in str(refused.value)
    assert "(plain or tab-separated text, CSV, PDF, Word, Excel, HTML, toy plans)" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("rutland.plan", None),
        ("rutland.txt", "the file is named .txt but is a toy plan file; read as a toy plan file"),
        ("rutland.xls", "the file is named .xls but is a toy plan file; read as a toy plan file"),
    ],
)
def test_sniffing_and_dispatch_pick_a_registered_format_by_content(
    tmp_path: Path, toy_format: FormatReader, name: str, warning: str | None
) -> None:
    assert sniff(TOY_PLAN_BYTES) == Sniffed("plan", "a toy plan file")
    source = read_source(tmp_path / name, TOY_PLAN_BYTES)
    assert source.format == "plan"
    assert source.warnings == ([warning] if warning else [])


@pytest.mark.parametrize(
    ("reader", "refusal"),
    [
        (TOY_PLAN, "a reader named 'plan' is already registered"),
        (FormatReader("notes", "notes", "notes", (".plan",), read_toy_plan), "files named .plan are already read as plan"),
        (FormatReader("tabs", "tabs", "tabs", (".tab",), read_toy_plan), "files named .tab are already read as text"),
    ],
)
def test_a_name_or_extension_is_registered_once(toy_format: FormatReader, reader: FormatReader, refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal):
        register_reader(reader)


# What each extension named before the registry (readers.dispatch.EXTENSION_FORMATS).
EXTENSION_FORMATS = {
    ".txt": "text", ".tsv": "text", ".text": "text", ".tab": "text", "": "text",
    ".csv": "csv",
    ".pdf": "pdf",
    ".docx": "docx", ".docm": "docx", ".dotx": "docx", ".dotm": "docx",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xltx": "xlsx", ".xltm": "xlsx",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}


@pytest.mark.parametrize(("suffix", "format"), sorted(EXTENSION_FORMATS.items()))
def test_each_extension_names_the_reader_it_did(suffix: str, format: str) -> None:
    reader = reader_for_suffix(suffix)
    assert reader is not None and reader.name == format


def test_the_derived_lists_of_the_registered_readers() -> None:
    assert supported_suffixes() == tuple(sorted(suffix for suffix in EXTENSION_FORMATS if suffix))
    assert views.upload_types() == ("txt", "tsv", "csv", "pdf", "docx", "xlsx", "html", "htm")
    assert reader_for_suffix(".md") is None
