"""Limits (issue 16, items 2-3): a zip bomb or a huge sheet is refused with one line, and nothing stored is lost.

Everything is built here at a small scale, with the limits lowered through
their environment variables (``narrative_search.config.LIMIT_ENVS``).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fixtures_formats import write_docx, write_xlsx

from narrative_search.config import LIMIT_ENVS, limits
from narrative_search.errors import DocumentLimitError, NarrativeSearchError
from narrative_search.ingest import ingest_paths, read_document
from narrative_search.store import CorpusStore

#: A small plan table of our own: a focus area per action, each with two dated updates.
HEADER = "Focus Area\tActions\tLead\tProgress update"


def plan_text(actions: int = 2) -> str:
    rows = [HEADER]
    for number in range(1, actions + 1):
        rows.append(
            f"Ref - 1.{number} Short breaks\tA. Open holiday club number {number} for disabled children\tHead of Service\t"
            f"May 2021: venue {number} agreed with the parent carer forum. Jun 2021: club {number} opened to families."
        )
    return "\n".join(rows) + "\n"


def with_member(path: Path, name: str, content: bytes) -> Path:
    """The Office package at ``path`` with one more member (deflated), as a thumbnail or a picture is stored."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist() if info.filename != name]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
        archive.writestr(name, content)
    return path


def stored_store(tmp_path: Path) -> tuple[CorpusStore, Path]:
    """A store holding one good plan, and that plan's file."""
    store = CorpusStore(tmp_path / "corpus.sqlite")
    good = tmp_path / "good" / "plan.txt"
    good.parent.mkdir()
    good.write_text(plan_text(), encoding="utf-8")
    (outcome,) = ingest_paths(store, [good], council="Rutland")
    assert outcome.error is None
    return store, good


def assert_refused_alone(store: CorpusStore, path: Path, words: str) -> None:
    """Ingesting ``path`` is refused with one line naming it and ``words``; the stored plan is untouched."""
    before = [(d.name, d.council, d.sha256) for d in store.documents()]
    actions_before = store.count_actions()
    (outcome,) = ingest_paths(store, [path], council="Torbay")
    assert outcome.error is not None and "\n" not in outcome.error
    assert outcome.error.startswith(f"{path}: ") and words in outcome.error
    assert [(d.name, d.council, d.sha256) for d in store.documents()] == before
    assert store.count_actions() == actions_before


# -- item 2: zip bombs ---------------------------------------------------------------


def test_a_docx_whose_thumbnail_unpacks_a_thousand_times_larger_is_refused(tmp_path):
    # 8 MiB of zeros deflate to about 8 KB: the shape of the 6 GiB thumbnail, at a small scale.
    bomb = with_member(write_docx(plan_text(), tmp_path / "report.docx"), "docProps/thumbnail.jpeg", bytes(8 << 20))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DocumentLimitError) as raised:
        read_document(bomb, council="Torbay")
    message = str(raised.value)
    assert message.startswith(f"{bomb}: ") and "'docProps/thumbnail.jpeg'" in message
    assert "zip bomb" in message and LIMIT_ENVS["max_zip_ratio"] in message
    store, _good = stored_store(tmp_path)
    assert_refused_alone(store, bomb, "zip bomb")


def test_an_office_file_past_the_unpacked_size_limit_is_refused(tmp_path, monkeypatch):
    # Random bytes do not compress: the ratio is 1, only the size is too large once lowered.
    picture = os.urandom(3 << 20)
    workbook = with_member(write_xlsx(plan_text(), tmp_path / "plan.xlsx"), "xl/media/image1.png", picture)
    assert read_document(workbook, council="Torbay").actions  # within the default limits: read
    monkeypatch.setenv(LIMIT_ENVS["max_unpacked_mb"], "2")
    with pytest.raises(DocumentLimitError) as raised:
        read_document(workbook, council="Torbay")
    assert "more than 2 MB" in str(raised.value) and LIMIT_ENVS["max_unpacked_mb"] in str(raised.value)


def test_pictures_are_not_unpacked_to_read_the_text(tmp_path):
    """A picture the text does not need is never unpacked: a damaged one does not stop the reading."""
    document = write_docx(plan_text(), tmp_path / "plan.docx")
    with zipfile.ZipFile(document, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/media/image9.png", b"\x89PNG" + bytes(1000))
    data = bytearray(document.read_bytes())
    spot = data.index(b"\x89PNG" + bytes(8))
    data[spot + 4:spot + 8] = b"\xff\xff\xff\xff"  # the picture's bytes no longer match its checksum
    document.write_bytes(bytes(data))
    reading = read_document(document, council="Torbay")
    assert [a.ref for a in reading.actions] == ["1.1 A", "1.2 A"]


# -- item 3: huge documents ------------------------------------------------------------


def test_a_sheet_with_more_rows_than_the_limit_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(LIMIT_ENVS["max_rows"], "50")
    path = tmp_path / "huge.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Log"
    for number in range(1, 201):
        sheet.cell(row=number, column=1, value=f"Row {number} of an export nobody reads")
    workbook.save(path)
    with pytest.raises(DocumentLimitError) as raised:
        read_document(path, council="Torbay")
    assert str(raised.value) == (
        f"{path}: it has more than 50 (sheet 'Log') rows; the limit is 50 rows a document ({LIMIT_ENVS['max_rows']})"
    )
    store, _good = stored_store(tmp_path)
    assert_refused_alone(store, path, "the limit is 50 rows")


def test_a_document_with_more_characters_or_passages_than_the_limits_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "long.txt"
    path.write_text(plan_text(actions=6), encoding="utf-8")
    assert len(read_document(path, council="Torbay").actions) == 6

    monkeypatch.setenv(LIMIT_ENVS["max_passages"], "10")  # 6 actions with 2 updates each give at least 18
    with pytest.raises(DocumentLimitError, match=r"it would give \d\d search passages; the limit is 10 a document"):
        read_document(path, council="Torbay")

    monkeypatch.setenv(LIMIT_ENVS["max_characters"], "300")
    with pytest.raises(DocumentLimitError) as raised:
        read_document(path, council="Torbay")
    assert "characters of text; the limit is 300 a document" in str(raised.value)
    monkeypatch.delenv(LIMIT_ENVS["max_characters"])
    store, _good = stored_store(tmp_path)
    monkeypatch.setenv(LIMIT_ENVS["max_characters"], "1000")
    assert_refused_alone(store, path, LIMIT_ENVS["max_characters"])


def test_a_limit_that_is_not_a_positive_number_is_named(monkeypatch):
    monkeypatch.setenv(LIMIT_ENVS["max_rows"], "lots")
    with pytest.raises(NarrativeSearchError, match="NARRATIVE_SEARCH_MAX_ROWS='lots' is not a positive whole number"):
        limits()


# -- item 3: a search never waits for a rebuild -------------------------------------------

#: A document of our own whose words no bundled document uses, so a search tells whether the index holds it.
MARKER_PLAN = plan_text(actions=1).replace("holiday club", "kayaking collective")


def test_a_search_answers_from_the_last_good_index_and_says_it_is_behind(fresh_home, embedder, tmp_path, monkeypatch):
    from narrative_search import workspace as workspace_module
    from narrative_search.cli import main
    from narrative_search.render.text import INDEX_BEHIND, search_result_text
    from narrative_search.workspace import Workspace

    plan = tmp_path / "kayak.txt"
    plan.write_text(MARKER_PLAN, encoding="utf-8")
    with Workspace.open(fresh_home, embedder=embedder) as workspace:
        first = workspace.search('"kayaking collective"', mode="keyword")  # no index yet: built first
        assert not first.index_behind and not first.hits
        built = workspace.index_manifest().built_at
        workspace.notes.clear()

        workspace.ingest([plan], council="Rutland", update_index=False)  # as `ingest --no-index`, or a big ingest
        behind = workspace.search('"kayaking collective"', mode="keyword")
        assert behind.index_behind and not behind.hits
        assert workspace.index_manifest().built_at == built and workspace.notes == []  # nothing was rebuilt
        assert search_result_text(behind).endswith(INDEX_BEHIND)

        def failing_rebuild(*args, **kwargs):
            raise RuntimeError("the disk went away mid-build")

        monkeypatch.setattr(workspace_module, "rebuild_index", failing_rebuild)
        with pytest.raises(RuntimeError):
            workspace.update_index()
        assert workspace.search("short breaks holiday club", mode="keyword").index_behind  # still answers
        monkeypatch.undo()

        assert workspace.update_index() is not None
        current = workspace.search('"kayaking collective"', mode="keyword")
        assert not current.index_behind and current.hits[0].council == "Rutland"

    # The CLI says so too, and does not rebuild.
    plan.write_text(MARKER_PLAN.replace("kayaking", "canoeing"), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(fresh_home), "ingest", "--no-index", "--council", "Rutland", str(plan)]).exit_code == 0
    result = runner.invoke(main, ["--home", str(fresh_home), "search", "--mode", "keyword", '"canoeing collective"'])
    assert result.exit_code == 0 and INDEX_BEHIND in result.output


def test_a_search_while_a_rebuild_runs_answers_from_the_last_good_index(fresh_home, embedder, tmp_path, monkeypatch):
    import threading

    from narrative_search import workspace as workspace_module
    from narrative_search.workspace import Workspace

    plan = tmp_path / "kayak.txt"
    plan.write_text(MARKER_PLAN, encoding="utf-8")
    started, finish = threading.Event(), threading.Event()
    real_rebuild = workspace_module.rebuild_index

    waited_out = []

    def slow_rebuild(*args, **kwargs):
        started.set()
        if not finish.wait(60):  # the search below never came back while this build ran
            waited_out.append(True)
        return real_rebuild(*args, **kwargs)

    with Workspace.open(fresh_home, embedder=embedder) as workspace:
        workspace.index()
        monkeypatch.setattr(workspace_module, "rebuild_index", slow_rebuild)
        ingest = threading.Thread(target=workspace.ingest, args=([plan],), kwargs={"council": "Rutland"})
        ingest.start()
        try:
            assert started.wait(120)
            during = workspace.search('"kayaking collective"', mode="keyword")  # would hang if it waited
            assert during.index_behind and not during.hits
        finally:
            finish.set()
            ingest.join(120)
        assert not waited_out, "the search waited for the rebuild"
        after = workspace.search('"kayaking collective"', mode="keyword")
        assert not after.index_behind and after.hits[0].council == "Rutland"


def test_a_bad_limit_setting_stops_the_ingest_with_its_name(tmp_path, monkeypatch):
    store, good = stored_store(tmp_path)
    monkeypatch.setenv(LIMIT_ENVS["max_characters"], "-5")
    with pytest.raises(NarrativeSearchError, match="NARRATIVE_SEARCH_MAX_CHARACTERS='-5'"):
        ingest_paths(store, [good], council="Rutland", force=True)
    assert [d.name for d in store.documents()] == ["plan.txt"]
