"""Uploads (issue 16, items 1 and 4): a refused upload leaves the kept source and its records as they were,
and another council's file of the same name is kept beside, never on top."""

from __future__ import annotations

from pathlib import Path

from test_limits import plan_text

from narrative_search.store import CorpusStore
from narrative_search.workspace import STAGING_FOLDER, ingest_upload

#: Bytes no reader takes (they hold NULs: binary of no known format).
NOT_A_DOCUMENT = bytes(range(256)) * 16


def snapshot(store: CorpusStore) -> list[tuple[str, str, str, str]]:
    return [(d.name, d.council, d.sha256, d.path) for d in store.documents()]


def test_a_refused_upload_of_a_kept_name_leaves_the_kept_file_and_its_records(tmp_path):
    uploads = tmp_path / "home" / "uploads"
    good = plan_text(actions=3).encode("utf-8")
    with CorpusStore(tmp_path / "home" / "corpus.sqlite") as store:
        first = ingest_upload(store, uploads, "plan3.txt", good, council="Rutland")
        assert (first.status, first.path) == ("new", uploads / "plan3.txt")
        before, actions = snapshot(store), store.count_actions()

        refused = ingest_upload(store, uploads, "plan3.txt", NOT_A_DOCUMENT, council="Rutland")
        assert refused.status == "error" and refused.error.startswith("plan3.txt: ") and "\n" not in refused.error
        assert (uploads / "plan3.txt").read_bytes() == good
        assert snapshot(store) == before and store.count_actions() == actions
        assert list((uploads / STAGING_FOLDER).iterdir()) == []  # nothing half-written is left


def test_a_new_version_replaces_its_upload_and_another_councils_file_is_kept_beside(tmp_path):
    uploads = tmp_path / "uploads"
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        ingest_upload(store, uploads, "plan3.txt", plan_text(actions=3).encode(), council="Rutland")
        newer = plan_text(actions=2).encode()
        again = ingest_upload(store, uploads, "plan3.txt", newer, council="Rutland")
        assert (again.status, again.result.document, again.path) == ("replaced", "plan3.txt", uploads / "plan3.txt")
        assert (uploads / "plan3.txt").read_bytes() == newer

        torbay = plan_text(actions=4).replace("holiday", "youth").encode()
        other = ingest_upload(store, uploads, "plan3.txt", torbay, council="Torbay")
        assert (other.status, other.result.document) == ("new", "plan3 (Torbay).txt")
        assert other.path == uploads / "torbay" / "plan3.txt" and other.path.read_bytes() == torbay
        assert (uploads / "plan3.txt").read_bytes() == newer
        assert store.count_actions("Rutland") == 2 and store.count_actions("Torbay") == 4

        # The explicit choice: Leicestershire's plan3.txt replaces the stored plan3.txt (Rutland's).
        chosen = ingest_upload(store, uploads, "plan3.txt", plan_text(actions=1).encode(), council="Leicestershire",
                               replace=True)
        assert (chosen.status, chosen.result.document) == ("replaced", "plan3.txt")
        assert [(d.name, d.council) for d in store.documents()] == [
            ("plan3.txt", "Leicestershire"), ("plan3 (Torbay).txt", "Torbay"),
        ]
        assert store.count_actions("Rutland") == 0 and store.count_actions("Torbay") == 4


def test_an_upload_named_with_folders_is_kept_by_its_file_name(tmp_path):
    uploads = tmp_path / "uploads"
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcome = ingest_upload(store, uploads, "../../elsewhere/plan.txt", plan_text().encode(), council="Rutland")
        assert outcome.path == uploads / "plan.txt" and outcome.path.is_file()
        assert not (tmp_path / "elsewhere").exists()
        assert Path(store.documents()[0].path) == uploads / "plan.txt"


def test_the_library_page_keeps_the_earlier_upload_when_one_of_its_name_is_refused(monkeypatch, tmp_path, embedder):
    from test_app import SCRIPT_PLAN, SCRIPT_PLAN_COUNCIL, SCRIPT_PLAN_NAME, check_clean, open_app, prepare_home

    from narrative_search.render.markdown import md_plain

    home = prepare_home(tmp_path / "home", embedder)
    kept = home / "uploads" / SCRIPT_PLAN_NAME

    def upload(data: bytes):
        at = open_app(monkeypatch, home, "library")
        at.file_uploader[0].set_value((SCRIPT_PLAN_NAME, data, "text/plain"))
        at.text_input(key="l_council").input(SCRIPT_PLAN_COUNCIL)
        at.button[0].click().run()  # the form's "Ingest"
        check_clean(at)
        return at

    upload(SCRIPT_PLAN.encode("utf-8"))
    assert kept.read_bytes() == SCRIPT_PLAN.encode("utf-8")
    at = upload(NOT_A_DOCUMENT)
    assert [e.value for e in at.error] and all(md_plain(e.value).startswith(f"{SCRIPT_PLAN_NAME}: ") for e in at.error)
    assert kept.read_bytes() == SCRIPT_PLAN.encode("utf-8")
    table = at.dataframe[0].value
    assert table[table["council"] == SCRIPT_PLAN_COUNCIL]["actions"].tolist() == [2]


def test_the_app_says_when_the_index_is_behind_and_the_library_brings_it_up_to_date(monkeypatch, tmp_path, embedder):
    from test_app import check_clean, open_app, prepare_home
    from test_limits import MARKER_PLAN

    from narrative_search import app_views as views
    from narrative_search.workspace import Workspace

    home = prepare_home(tmp_path / "home", embedder)
    plan = tmp_path / "kayak.txt"
    plan.write_text(MARKER_PLAN, encoding="utf-8")
    with Workspace.open(home, embedder=embedder) as workspace:
        workspace.ingest([plan], council="Rutland", update_index=False)  # as `ingest --no-index` in a terminal

    at = open_app(monkeypatch, home, "search", q="short breaks holiday club")
    check_clean(at)
    assert views.INDEX_BEHIND in [w.value for w in at.warning]

    at = open_app(monkeypatch, home, "library")
    check_clean(at)
    assert any(views.INDEX_BEHIND_LIBRARY in c.value for c in at.caption)
    next(b for b in at.button if b.label == views.UPDATE_INDEX_LABEL).click().run()
    check_clean(at)
    assert not any(views.INDEX_BEHIND_LIBRARY in c.value for c in at.caption)
    assert not any(b.label == views.UPDATE_INDEX_LABEL for b in at.button)

    at = open_app(monkeypatch, home, "search", q='"kayaking collective"')
    check_clean(at)
    assert views.INDEX_BEHIND not in [w.value for w in at.warning]
    assert "Rutland" in " ".join(h.value for h in at.html)
