"""A document is its file name, council and source path (issue 16, item 1): nothing is replaced by accident."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from test_limits import plan_text

from narrative_search.cli import main
from narrative_search.ingest import ingest_paths
from narrative_search.store import CorpusStore


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def staffordshire_and_torbay(tmp_path: Path) -> tuple[Path, Path]:
    """Two different files both named report.txt, in two folders."""
    staffs = write(tmp_path / "staffs" / "report.txt", plan_text(actions=3))
    torbay = write(tmp_path / "torbay" / "report.txt", plan_text(actions=2).replace("holiday club", "youth club"))
    return staffs, torbay


def test_a_file_of_a_stored_name_from_another_council_is_kept_beside_it(tmp_path):
    staffs, torbay = staffordshire_and_torbay(tmp_path)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        (first,) = ingest_paths(store, [staffs], council="Staffordshire")
        (second,) = ingest_paths(store, [torbay], council="Torbay")
        assert (first.status, first.result.document) == ("new", "report.txt")
        assert (second.status, second.result.document) == ("new", "report (Torbay).txt")
        assert second.kept_beside is not None and second.kept_beside.council == "Staffordshire"
        assert store.count_actions("Staffordshire") == 3 and store.count_actions("Torbay") == 2
        assert {(d.name, d.council, d.path) for d in store.documents()} == {
            ("report.txt", "Staffordshire", str(staffs)),
            ("report (Torbay).txt", "Torbay", str(torbay)),
        }
        # Each is its own document from then on: a new version of Torbay's replaces Torbay's only.
        write(torbay, plan_text(actions=1).replace("holiday club", "youth club"))
        (again,) = ingest_paths(store, [torbay], council="Torbay")
        assert (again.status, again.result.document, again.kept_beside) == ("replaced", "report (Torbay).txt", None)
        assert store.count_actions("Staffordshire") == 3 and store.count_actions("Torbay") == 1
        # Unchanged files stay unchanged, wherever they are stored.
        assert [o.status for o in ingest_paths(store, [staffs, torbay])] == ["unchanged", "unchanged"]


def test_the_cli_says_the_file_was_kept_beside_and_replace_replaces(tmp_path):
    staffs, torbay = staffordshire_and_torbay(tmp_path)
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(home), "ingest", "--no-index", "--council", "Staffordshire", str(staffs)]).exit_code == 0
    result = runner.invoke(main, ["--home", str(home), "ingest", "--no-index", "--council", "Torbay", str(torbay)])
    assert result.exit_code == 0, result.output
    assert "report (Torbay).txt: new; 2 actions" in result.output
    assert (
        "report (Torbay).txt: a different file named report.txt is stored (report.txt, Staffordshire); "
        "this one is kept beside it as report (Torbay).txt and nothing is replaced; "
        "to replace that one instead, ingest this file again with --replace"
    ) in result.output
    # An explicit --replace: Staffordshire's report.txt gives way to this file, in one transaction.
    other = write(tmp_path / "elsewhere" / "report.txt", plan_text(actions=4))
    result = runner.invoke(main, ["--home", str(home), "ingest", "--no-index", "--replace", "--council", "Staffordshire", str(other)])
    assert result.exit_code == 0 and "report.txt: replaced; 4 actions" in result.output
    with CorpusStore(home / "corpus.sqlite") as store:
        assert {(d.name, d.council, d.path) for d in store.documents()} == {
            ("report.txt", "Staffordshire", str(other)),
            ("report (Torbay).txt", "Torbay", str(torbay)),
        }
        assert store.count_actions("Staffordshire") == 4 and store.count_actions("Torbay") == 2


def test_two_files_of_one_name_in_one_folder_tree_are_both_kept(tmp_path):
    first = write(tmp_path / "plans" / "a" / "progress.txt", plan_text(actions=2))
    second = write(tmp_path / "plans" / "b" / "progress.txt", plan_text(actions=3).replace("holiday", "after-school"))
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcomes = ingest_paths(store, [tmp_path / "plans"], council="Rutland")
        assert [(o.path, o.status, o.result.document) for o in outcomes] == [
            (first, "new", "progress.txt"),
            (second, "new", "progress (Rutland).txt"),
        ]
        assert sorted(d.name for d in store.documents()) == ["progress (Rutland).txt", "progress.txt"]


def test_the_same_file_moved_to_another_folder_is_unchanged(tmp_path):
    original = write(tmp_path / "downloads" / "report.txt", plan_text())
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        ingest_paths(store, [original], council="Rutland")
        moved = write(tmp_path / "plans" / "report.txt", original.read_text(encoding="utf-8"))
        (outcome,) = ingest_paths(store, [moved], council="Rutland")
        assert (outcome.status, outcome.result.document) == ("unchanged", "report.txt")
        assert [d.name for d in store.documents()] == ["report.txt"]
