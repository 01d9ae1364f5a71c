"""Shared fixtures: the bundled corpus, its gold readings, and a store built from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from narrative_search.ingest import load_manifest, read_document
from narrative_search.model import DocumentReading
from narrative_search.store import CorpusStore

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"
GOLD_DIR = Path(__file__).resolve().parent / "gold"

STAFFORDSHIRE_000 = "000_e72ea107f020d91e.txt"
STAFFORDSHIRE_001 = "001_7b6795448c6a5649.txt"
LEICESTERSHIRE = "002_8e0d413e95991a77.txt"
TORBAY = "003_db0635ce1a3fedb6.txt"
TELFORD = "004_fa80f464e6dc6b8c.txt"
SAMPLE_FILES = (STAFFORDSHIRE_000, STAFFORDSHIRE_001, LEICESTERSHIRE, TORBAY, TELFORD)


def collapse(text: str) -> str:
    """Whitespace collapsed, as the gold's starts/ends are written."""
    return re.sub(r"\s+", " ", text).strip()


def load_gold(name: str) -> list[dict]:
    return json.loads((GOLD_DIR / name).read_text(encoding="utf-8"))


def gold_params(name: str) -> list:
    """Gold rows as pytest params named by source, line and ref."""
    return [
        pytest.param(row, id=f"{row.get('source', '')[:3]}-line{row['line']}-{row.get('ref', '')}")
        for row in load_gold(name)
    ]


def gold_updates(row: dict) -> list[tuple]:
    """A gold row's updates as (stamp, start month, end month, first 40 chars, last 25 chars)."""
    return [
        (
            u["stamp"],
            (u["date"] or {}).get("start"),
            (u["date"] or {}).get("end", (u["date"] or {}).get("start")),
            u["starts"],
            u["ends"],
        )
        for u in row["updates"]
    ]


def source_line(source: str, line: int) -> str:
    """One 1-based line of a bundled sample document, as printed."""
    return (DATA_DIR / source).read_text(encoding="utf-8").split("\n")[line - 1]


@pytest.fixture(scope="session")
def readings() -> dict[str, DocumentReading]:
    """Every sample document read once for the whole session."""
    manifest = load_manifest(DATA_DIR)
    return {name: read_document(DATA_DIR / name, entry=manifest[name]) for name in SAMPLE_FILES}


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory, readings) -> CorpusStore:
    """A real SQLite store holding the five sample documents."""
    path = tmp_path_factory.mktemp("home") / "corpus.sqlite"
    store = CorpusStore(path)
    for reading in readings.values():
        store.save_reading(reading)
    yield store
    store.close()


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The real packaged all-MiniLM-L6-v2, loaded once for the session, its vectors cached in one file."""
    from narrative_search.embed import Embedder

    with Embedder(cache_path=tmp_path_factory.mktemp("vectors") / "vectors.sqlite") as shared:
        yield shared


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, embedder):
    """The bundled corpus ingested and indexed, as `narrative-search ingest` leaves it."""
    from narrative_search.workspace import Workspace

    home = tmp_path_factory.mktemp("search-home")
    with Workspace.open(home, embedder=embedder) as opened:
        outcomes = opened.ingest([DATA_DIR])
        assert all(outcome.error is None for outcome in outcomes)
        yield opened


@pytest.fixture
def fresh_home(tmp_path, workspace):
    """A home of its own holding a copy of the ingested corpus, not yet indexed."""
    import sqlite3

    from narrative_search import config

    home = tmp_path / "home"
    home.mkdir()
    copy = sqlite3.connect(home / config.DATABASE_NAME)
    workspace.store.conn.backup(copy)  # the live file alone would miss what is still in its WAL
    copy.close()
    return home


# --- The sample corpus rebuilt as Word, Excel, PDF, HTML and CSV files ----------


@pytest.fixture(scope="session")
def format_corpus(tmp_path_factory):
    """Sample documents as real .docx/.xlsx/.pdf/.html/.csv files, each built and read once."""
    from fixtures_formats import FormatCorpus

    return FormatCorpus(tmp_path_factory.mktemp("formats"), DATA_DIR)
