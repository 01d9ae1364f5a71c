"""Shared fixtures: the bundled corpus read, stored, ingested and indexed, and rebuilt in other formats.

Plain helpers and constants (paths, sample file names, gold loaders) are in helpers.py.
"""

from __future__ import annotations

import pytest
from helpers import DATA_DIR, SAMPLE_FILES

from narrative_search.ingest import load_manifest, read_document
from narrative_search.model import DocumentReading
from narrative_search.store import CorpusStore


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
