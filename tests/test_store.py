"""CorpusStore against real SQLite files, with hand-built Staffordshire-like readings.

000 and 001 are two reports of one plan (see data/README.md):
both print action "3.3 C" with an update in common; 001 alone prints "3.1 F".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import drop_version_3_additions

from narrative_search import config
from narrative_search.errors import NarrativeSearchError
from narrative_search.ingest import ingest_paths
from narrative_search.model import (
    Action,
    Citation,
    Document,
    DocumentReading,
    MergedAction,
    Status,
    TextSpan,
    Update,
)
from narrative_search.store import CorpusStore, StoreError

COUNCIL = "Staffordshire"
SHARED = (
    "Feb 2021: GR sub group report this as amber. Audits are available via the "
    "GR tool-kit. Discussions with NASEN are ongoing."
)


def status(label: str, month: str, rag: str, document: str, line: int) -> Status:
    return Status(label=label, month=month, rag_printed=rag, rag=rag,
                  source=Citation(document, line))


def reading_000(sha: str = "sha-000") -> DocumentReading:
    """The monitoring summary: 3.3 C with the shared update and one of its own."""
    name = "000_e72ea107f020d91e.txt"
    action = Action(
        council=COUNCIL, document=name, line=8, ref_printed="C.", ref="3.3 C",
        action="In partnership with CEOs/HTs/ Education leaders, develop a protocol (000).",
        focus_area="Ref - 3.3 The local area's relationships with education providers",
        priority="Priority 3", lead="Chris Rogers", evidence="Provider level data",
        impact="Raised expectations", due_printed="Dec 2021", due="2021-12",
        statuses=[
            status("Dec-19", "2019-12", "A", name, 8),
            status("Dec-21", "2021-12", "G", name, 8),
        ],
        updates=[
            Update(text=SHARED, stamp="Feb 2021", start="2021-02", end="2021-02",
                   source=Citation(name, 8), column="Progress"),
            Update(text="Implemented the Whole School SEND/NASEN project.",
                   stamp="Apr 2021", start="2021-04", end="2021-04",
                   source=Citation(name, 8), column="Progress"),
            Update(text="Position Statement (GR)", kind="position_statement",
                   source=Citation(name, 8), column="Position"),
        ],
        fields={"Position": "Position Statement (GR)"},
    )
    return DocumentReading(
        document=Document(name=name, council=COUNCIL, title="WSoA monitoring summary",
                          as_of="2021-12", sha256=sha, format="text", path=f"data/{name}"),
        actions=[action],
        unattributed=[TextSpan(text="Staffordshire WSoA summary", line=1, reason="header")],
        dropped=[TextSpan(text="Page 1 of 3", line=14, reason="page footer")],
        warnings=["row 12 has 9 cells"],
    )


def reading_001(sha: str = "sha-001", extra_update: bool = True,
                with_3_1_f: bool = True) -> DocumentReading:
    """The Priority 3 tracker: the same 3.3 C update re-wrapped, plus 3.1 F."""
    name = "001_7b6795448c6a5649.txt"
    updates = [
        # the same text as in 000, wrapped differently: one update, two sources
        Update(text=SHARED.replace(" Audits", "\n  Audits"), stamp="Feb 21",
               start="2021-02", end="2021-02", source=Citation(name, 20), column="Progress"),
    ]
    if extra_update:
        updates.append(Update(text="Nov 2021 only in the tracker.", stamp="Nov 2021",
                              start="2021-11", end="2021-11", source=Citation(name, 20),
                              deleted=["struck text"]))
    c33 = Action(
        council=COUNCIL, document=name, line=20, ref_printed="C", ref="3.3 C",
        action="In partnership with CEOs/HTs/ Education leaders, develop a protocol (001).",
        focus_area="3.3 relationships with education providers", lead="C. Rogers",
        due_printed="Nov 2021", due="2021-11",
        statuses=[
            status("Dec-19", "2019-12", "A", name, 20),
            status("Nov-21", "2021-11", "G/A", name, 20),
        ],
        updates=updates,
    )
    actions = [c33]
    if with_3_1_f:
        actions.append(Action(
            council=COUNCIL, document=name, line=5, ref_printed="F", ref="3.1 F",
            action="Co-produce the Local Offer with parents.",
            statuses=[status("Nov-21", "2021-11", "G", name, 5)],
            updates=[Update(text="Parent carer forum engaged.", stamp="Oct 2021",
                            start="2021-10", end="2021-10", source=Citation(name, 5))],
        ))
    return DocumentReading(
        document=Document(name=name, council=COUNCIL, title="Priority 3 tracker",
                          as_of="2021-11", sha256=sha, format="text"),
        actions=actions,
        unattributed=[TextSpan(text="Priority 3: co-production", line=2, reason="prose")],
    )


def reading_other_council() -> DocumentReading:
    name = "004_fa80f464e6dc6b8c.txt"
    return DocumentReading(
        document=Document(name=name, council="Telford and Wrekin", as_of="2022-06",
                          sha256="sha-004"),
        actions=[Action(council="Telford and Wrekin", document=name, line=3, ref_printed="1.1",
                        ref="1.1", action="Improve EHCP timeliness.")],
    )


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read with a separate connection."""
    conn = sqlite3.connect(path)
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: sorted(map(tuple, conn.execute(f"SELECT * FROM {table}")), key=repr)
                for table in tables}
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.sqlite"


@pytest.fixture
def store(db: Path):
    with CorpusStore(db) as corpus:
        yield corpus


def test_two_reports_share_one_action_and_one_update(store: CorpusStore) -> None:
    first = store.save_reading(reading_000())
    second = store.save_reading(reading_001())
    assert (first.status, second.status) == ("new", "new")
    assert (first.actions, first.updates, first.statuses) == (1, 3, 2)
    assert (second.actions, second.updates, second.statuses) == (2, 3, 3)

    action = store.get_action("staffordshire/3-3-c")
    assert isinstance(action, MergedAction)
    assert action.ref == "3.3 C"
    # 000 (as of 2021-12) is the latest report although it was saved first
    assert action.document == "000_e72ea107f020d91e.txt"
    assert action.action.endswith("(000).")
    assert action.lead == "Chris Rogers"
    assert (action.due_printed, action.due, action.line) == ("Dec 2021", "2021-12", 8)
    assert action.fields == {"Position": "Position Statement (GR)"}
    assert action.documents == ["001_7b6795448c6a5649.txt", "000_e72ea107f020d91e.txt"]

    shared = [u for u in action.updates if u.text.startswith("Feb 2021")]
    assert len(shared) == 1
    assert shared[0].sources == [Citation("001_7b6795448c6a5649.txt", 20),
                                 Citation("000_e72ea107f020d91e.txt", 8)]
    assert store.conn.execute("SELECT count(*) FROM updates").fetchone()[0] == 5


def test_statuses_and_updates_are_ordered(store: CorpusStore) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    action = store.get_action("staffordshire/3-3-c")
    assert [(s.month, s.document[:3], s.rag) for s in action.statuses] == [
        ("2019-12", "001", "A"),  # same month: older report first
        ("2019-12", "000", "A"),
        ("2021-11", "001", "G/A"),
        ("2021-12", "000", "G"),
    ]
    assert [(u.start, u.kind) for u in action.updates] == [
        ("2021-02", "update"),
        ("2021-04", "update"),
        ("2021-11", "update"),
        (None, "position_statement"),  # undated: at the end of its report (Dec 2021)
    ]
    assert action.updates[2].deleted == ["struck text"]


def test_resaving_unchanged_document_changes_nothing(store: CorpusStore, db: Path) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    before = dump(db)
    result = store.save_reading(reading_001())
    assert result.status == "unchanged"
    assert (result.actions, result.updates, result.statuses) == (2, 3, 3)
    assert dump(db) == before


def test_force_rewrites_an_unchanged_document(store: CorpusStore) -> None:
    store.save_reading(reading_001())
    assert store.save_reading(reading_001(), force=True).status == "replaced"
    assert store.get_action("staffordshire/3-1-f") is not None


def test_changed_document_replaces_its_rows_and_removes_orphans(
    store: CorpusStore, db: Path
) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    rows_000_before = {table: [row for row in rows if "000_e72ea107f020d91e.txt" in row]
                       for table, rows in dump(db).items()}

    result = store.save_reading(reading_001(sha="sha-001-v2", extra_update=False,
                                            with_3_1_f=False))
    assert result.status == "replaced"
    assert (result.actions, result.updates, result.statuses) == (1, 1, 2)

    # 3.1 F was only in the old 001: its action, statuses and update are gone
    assert store.get_action("staffordshire/3-1-f") is None
    tables = dump(db)
    assert not any("staffordshire/3-1-f" in row for row in tables["actions"])
    assert not any("staffordshire/3-1-f" in row for row in tables["statuses"])
    assert not any("staffordshire/3-1-f" in row for row in tables["updates"])

    action = store.get_action("staffordshire/3-3-c")
    assert [u.text[:8] for u in action.updates] == ["Feb 2021", "Implemen", "Position"]
    assert action.updates[0].sources == [Citation("001_7b6795448c6a5649.txt", 20),
                                         Citation("000_e72ea107f020d91e.txt", 8)]
    # 000's rows are untouched
    rows_000_after = {table: [row for row in rows if "000_e72ea107f020d91e.txt" in row]
                      for table, rows in tables.items()}
    assert rows_000_after == rows_000_before


def test_replacing_the_only_source_keeps_shared_update_with_other_source(
    store: CorpusStore,
) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    changed = reading_000(sha="sha-000-v2")
    changed.actions[0].updates = []
    store.save_reading(changed)
    action = store.get_action("staffordshire/3-3-c")
    assert [(u.start, u.sources) for u in action.updates] == [
        ("2021-02", [Citation("001_7b6795448c6a5649.txt", 20)]),
        ("2021-11", [Citation("001_7b6795448c6a5649.txt", 20)]),
    ]


def test_error_mid_save_leaves_store_exactly_as_before(
    store: CorpusStore, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    before = dump(db)

    real_insert = CorpusStore._insert_update
    calls = {"n": 0}

    def failing_insert(self, document, action, update):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real_insert(self, document, action, update)

    monkeypatch.setattr(CorpusStore, "_insert_update", failing_insert)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save_reading(reading_001(sha="sha-001-v2", with_3_1_f=False))
    assert dump(db) == before
    assert not store.conn.in_transaction

    def failing_action(self, document, action):  # type: ignore[no-untyped-def]
        raise RuntimeError("bad action")

    monkeypatch.setattr(CorpusStore, "_insert_action", failing_action)
    with pytest.raises(RuntimeError, match="bad action"):
        store.save_reading(reading_other_council())  # a new document fails too
    assert dump(db) == before
    assert store.get_document("004_fa80f464e6dc6b8c.txt") is None

    monkeypatch.undo()  # the store is still usable afterwards
    assert store.save_reading(reading_001()).status == "unchanged"
    assert store.save_reading(reading_other_council()).status == "new"


def test_documents_summary_and_councils(store: CorpusStore) -> None:
    store.save_reading(reading_001())
    store.save_reading(reading_000())
    store.save_reading(reading_other_council())

    assert [d.name[:3] for d in store.documents()] == ["001", "000", "004"]
    assert [d.name[:3] for d in store.documents("Telford and Wrekin")] == ["004"]
    doc = store.get_document("000_e72ea107f020d91e.txt")
    assert doc is not None and doc.as_of == "2021-12" and doc.path.startswith("data/")
    assert store.councils() == ["Staffordshire", "Telford and Wrekin"]

    summary = {row.name[:3]: row for row in store.document_summary()}
    assert summary["000"].actions == 1
    assert summary["000"].updates == 3
    assert summary["000"].dropped_chars == len("Page 1 of 3")
    assert summary["000"].unattributed_chars == len("Staffordshire WSoA summary")
    assert summary["000"].warnings == ["row 12 has 9 cells"]
    assert summary["001"].actions == 2 and summary["004"].updates == 0
    assert summary["000"].ingested_at


def test_unattributed_and_dropped_keep_document_names(store: CorpusStore) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    spans = store.unattributed()
    assert [(s.document[:3], s.line, s.reason) for s in spans] == [
        ("000", 1, "header"), ("001", 2, "prose")]
    assert [s.text for s in store.unattributed("001_7b6795448c6a5649.txt")] == [
        "Priority 3: co-production"]
    dropped = store.dropped()
    assert [(s.document[:3], s.text, s.reason) for s in dropped] == [
        ("000", "Page 1 of 3", "page footer")]
    assert store.dropped("001_7b6795448c6a5649.txt") == []


def test_iter_actions_filters_and_orders(store: CorpusStore) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    store.save_reading(reading_other_council())
    assert [a.id for a in store.iter_actions()] == [
        "staffordshire/3-1-f", "staffordshire/3-3-c", "telford-and-wrekin/1-1"]
    assert [a.ref for a in store.iter_actions("Telford and Wrekin")] == ["1.1"]
    assert store.count_actions("Staffordshire") == 2
    assert store.get_action("nope/1") is None


def test_remove_document(store: CorpusStore) -> None:
    store.save_reading(reading_000())
    store.save_reading(reading_001())
    assert store.remove_document("001_7b6795448c6a5649.txt") is True
    assert store.remove_document("001_7b6795448c6a5649.txt") is False
    assert [a.id for a in store.iter_actions()] == ["staffordshire/3-3-c"]
    assert store.unattributed("001_7b6795448c6a5649.txt") == []


def test_document_without_sha_is_always_replaced(store: CorpusStore) -> None:
    assert store.save_reading(reading_other_council()).status == "new"
    unhashed = reading_other_council()
    unhashed.document.sha256 = ""
    assert store.save_reading(unhashed).status == "replaced"
    assert store.save_reading(unhashed).status == "replaced"


def test_pragmas_and_reopen(store: CorpusStore, db: Path) -> None:
    store.save_reading(reading_000())
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    with CorpusStore(db) as again:
        assert again.get_action("staffordshire/3-3-c") is not None


def test_newer_schema_is_refused(db: Path) -> None:
    CorpusStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {config.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        CorpusStore(db)


def test_store_errors_are_shown_like_other_errors(db: Path) -> None:
    """The CLI and the app catch NarrativeSearchError; a refused store is one."""
    assert issubclass(StoreError, NarrativeSearchError)


def test_foreign_sqlite_file_is_refused(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE something (x)")
    conn.close()
    with pytest.raises(StoreError, match="not a narrative-search corpus"):
        CorpusStore(db)


def test_home_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = tmp_path / "explicit"
    assert config.home_dir(explicit) == explicit and explicit.is_dir()
    monkeypatch.setenv(config.HOME_ENV, str(tmp_path / "from-env"))
    assert config.home_dir() == tmp_path / "from-env"
    assert config.database_path(tmp_path / "h") == tmp_path / "h" / "corpus.sqlite"
    monkeypatch.delenv(config.HOME_ENV)
    root = Path(config.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file():
        assert config.home_dir() == root / "index"
        assert config.bundled_data_dir() == root / "data"


# -- locations: where each row is in its file ----------------------------------


def located(reading: DocumentReading, locations: dict[int, str], name: str) -> DocumentReading:
    """``reading`` as if read from a PDF named ``name``: its records' lines with pages."""
    reading.document.name = name
    reading.document.format = "pdf"
    for action in reading.actions:
        action.document = name
        for record in (*action.statuses, *action.updates):
            record.source = record.source._replace(document=name)
    reading.locations = locations
    return reading


PDF = "000_e72ea107f020d91e.pdf"


def test_locations_are_stored_with_the_reading_and_read_back(store: CorpusStore) -> None:
    store.save_reading(located(reading_000(), {1: "page 1", 8: "page 2", 14: "page 2"}, PDF))
    store.save_reading(reading_001())
    assert dict(store.locations(PDF)) == {1: "page 1", 8: "page 2", 14: "page 2"}
    assert store.location(PDF, 8) == "page 2"
    assert store.location(PDF, 99) == "line 99"  # a line the reader placed nowhere
    # A plain text file has no locations: its rows are its lines.
    assert dict(store.locations("001_7b6795448c6a5649.txt")) == {}
    assert store.location("001_7b6795448c6a5649.txt", 20) == "line 20"
    assert store.location("never-stored.pdf", 3) == "line 3"
    with pytest.raises(TypeError):
        store.locations(PDF)[8] = "page 9"  # the kept copy cannot be changed by a caller


def test_a_changed_document_replaces_its_locations(store: CorpusStore, db: Path) -> None:
    store.save_reading(located(reading_000(), {1: "page 1", 8: "page 2"}, PDF))
    assert store.location(PDF, 8) == "page 2"  # read, and kept
    result = store.save_reading(located(reading_000(sha="sha-000-v2"), {1: "page 1", 8: "page 3"}, PDF))
    assert result.status == "replaced"
    assert store.location(PDF, 8) == "page 3"
    assert sorted(row[1:] for row in dump(db)["locations"]) == [(1, "page 1"), (8, "page 3")]
    # Saved again as a text file (the same name, no locations): nothing of the PDF is left.
    store.save_reading(located(reading_000(sha="sha-000-v3"), {}, PDF))
    assert store.location(PDF, 8) == "line 8"
    assert dump(db)["locations"] == []


def test_removing_a_document_removes_its_locations(store: CorpusStore, db: Path) -> None:
    store.save_reading(located(reading_000(), {1: "page 1", 8: "page 2"}, PDF))
    store.save_reading(located(reading_001(), {5: "table 1 row 2", 20: "table 1 row 3"}, "001.docx"))
    assert store.location(PDF, 8) == "page 2"
    assert store.remove_document(PDF) is True
    assert store.location(PDF, 8) == "line 8"
    assert [row[0] for row in dump(db)["locations"]] == ["001.docx", "001.docx"]
    assert store.location("001.docx", 20) == "table 1 row 3"


def test_locations_saved_by_another_connection_are_seen(store: CorpusStore, db: Path) -> None:
    """The app keeps its store open while `narrative-search ingest` writes the same file."""
    store.save_reading(located(reading_000(), {8: "page 2"}, PDF))
    assert store.location(PDF, 8) == "page 2"
    with CorpusStore(db) as other:
        other.save_reading(located(reading_000(sha="sha-000-v2"), {8: "page 5"}, PDF))
    assert store.location(PDF, 8) == "page 5"


def test_a_failed_save_leaves_the_locations_as_they_were(
    store: CorpusStore, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_reading(located(reading_000(), {8: "page 2"}, PDF))
    before = dump(db)

    def failing_action(self, document, action):  # type: ignore[no-untyped-def]
        raise RuntimeError("bad action")

    monkeypatch.setattr(CorpusStore, "_insert_action", failing_action)
    with pytest.raises(RuntimeError, match="bad action"):
        store.save_reading(located(reading_000(sha="sha-000-v2"), {8: "page 7"}, PDF))
    assert dump(db) == before
    assert store.location(PDF, 8) == "page 2"


def make_version_1_store(path: Path) -> None:
    """A store as narrative-search wrote it before locations: no table, user_version 1."""
    with CorpusStore(path) as store:
        store.save_reading(located(reading_000(), {8: "page 2"}, PDF))
    conn = sqlite3.connect(path)
    drop_version_3_additions(conn)
    conn.execute("DROP TABLE locations")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def make_version_2_store(path: Path) -> None:
    """A store as narrative-search wrote it before prose sections and verdicts: user_version 2."""
    with CorpusStore(path) as store:
        store.save_reading(located(reading_000(), {8: "page 2"}, PDF))
    conn = sqlite3.connect(path)
    drop_version_3_additions(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def columns_of(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def test_a_version_2_store_is_migrated_to_the_same_columns_a_new_file_gets(db: Path, tmp_path: Path) -> None:
    make_version_2_store(db)
    with CorpusStore(db) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == config.SCHEMA_VERSION == 4
        # Stored before: kept, as an action, read in a way not recorded.
        action = store.get_action("staffordshire/3-3-c")
        assert action is not None and action.kind == "action"
        assert [(d.name, d.read_as) for d in store.documents()] == [(PDF, "")]
        assert [s.read_as for s in store.document_summary()] == [""]
    fresh = tmp_path / "fresh.sqlite"
    CorpusStore(fresh).close()
    for table in ("actions", "documents"):
        assert columns_of(db, table) == columns_of(fresh, table)


def test_a_version_1_store_is_migrated_when_opened(db: Path, tmp_path: Path) -> None:
    make_version_1_store(db)
    with CorpusStore(db) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == config.SCHEMA_VERSION == 4
        assert "locations" in dump(db)
        # Stored before: kept, and cited by line until it is read again.
        assert [d.name for d in store.documents()] == [PDF]
        assert store.get_action("staffordshire/3-3-c").document == PDF
        assert store.location(PDF, 8) == "line 8"
        fingerprint = store.fingerprint()

        # Ingest works afterwards: a new file, and the old one read again with its locations.
        folder = tmp_path / "plans"
        folder.mkdir()
        (folder / "004_fa80f464e6dc6b8c.txt").write_bytes(
            (Path(__file__).resolve().parents[1] / "data" / "004_fa80f464e6dc6b8c.txt").read_bytes())
        (outcome,) = ingest_paths(store, [folder], council="Telford and Wrekin")
        assert outcome.status == "new" and outcome.result.actions > 0
        assert store.save_reading(located(reading_000(), {8: "page 2"}, PDF), force=True).status == "replaced"
        assert store.location(PDF, 8) == "page 2"
    # The same content hash, but now with locations: the search index must be rebuilt.
    with CorpusStore(db) as again:
        again.remove_document("004_fa80f464e6dc6b8c.txt")
        assert again.fingerprint() != fingerprint
        assert again.location(PDF, 8) == "page 2"


def test_migration_is_one_transaction(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails half way leaves a version-1 file that opens (and migrates) later."""
    from narrative_search import store as store_module

    make_version_1_store(db)
    before = dump(db)
    monkeypatch.setitem(store_module._MIGRATIONS, 1, store_module._MIGRATIONS[1] + "; CREATE TABLE broken (")
    with pytest.raises(sqlite3.OperationalError):
        CorpusStore(db)
    assert dump(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    monkeypatch.undo()
    with CorpusStore(db) as store:
        assert store.location(PDF, 8) == "line 8"
        assert [d.name for d in store.documents()] == [PDF]


def test_an_unknown_old_version_is_still_refused(db: Path) -> None:
    CorpusStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = -3")
    conn.close()
    with pytest.raises(StoreError, match="unknown schema version -3"):
        CorpusStore(db)
