"""Rough edges a newcomer hit (issue 16): hostile text in downloads, the brief's tables, clear one-line errors.

Each test names the item of issue 16 it covers. Fixture texts are written
here, in the shape of a Staffordshire-style tab table; none is copied from
a council's published text.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import TORBAY

from narrative_search import app_views as views
from narrative_search.brief import build_brief
from narrative_search.cli import main
from narrative_search.render.csv import brief_csv
from narrative_search.render.markdown import brief_markdown
from narrative_search.store import CorpusStore

#: A small plan whose cells carry script, a javascript: link, an SVG handler and spreadsheet formulas.
HOSTILE_PLAN = "\n".join([
    "",
    "Focus Area (Intent)\tActions (Implementation)\tLead\tEvidence (Impact)\t"
    "Progress Red - Delayed Amber - In progress Green - Completed Grey - not yet started\t\t\t"
    "Sub Group Action to date (Implementation)\tEVIDENCE",
    "\t\t\t\tDec-20\tJun-21\tDec-21\t\t",
    "1.1 Families are listened to\tA. Run a listening campaign <script>alert(1)</script> with parent carers.\t"
    "=HYPERLINK(\"http://example.invalid\",\"x\")\tParents report being heard\tA\tA\tG\t"
    "Dec 2020: Campaign planned [x](javascript:alert(1)) with the forum. "
    "Jun 2021: Events held <svg onload=alert(1)> in every district. "
    "Dec 2021: Campaign completed and evaluated.\t1. Evaluation report",
    "\tB. Publish a guide for families on short breaks.\t@SUM(1+1)\tGuide on the Local Offer\tR\tA\tR\t"
    "Dec 2020: Drafting started. Jun 2021: Guide in draft with the forum. Dec 2021: Guide delayed.\t",
    "",
])


def cli(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "plan.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    home = tmp_path / "home"
    result = cli(home, "ingest", "--no-index", "--council", "Rutland", str(folder))
    assert result.exit_code == 0, result.output
    return home


# -- item 11: downloads carry document text escaped -----------------------------------


def test_brief_markdown_renders_document_text_as_text_never_as_html_or_links(hostile_home: Path) -> None:
    from markdown_it import MarkdownIt

    with CorpusStore(hostile_home / "corpus.sqlite") as store:
        brief = build_brief(store, "Rutland", since="2021-01")
    text = brief_markdown(brief)
    page = MarkdownIt("commonmark").render(text)
    assert "<script" not in page and "<svg" not in page
    assert 'href="javascript' not in page
    # What a reader sees is the text as printed.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;svg onload=alert(1)&gt;" in page
    assert "<h2>Changes since Jan 2021</h2>" in page and "<strong>1.1 A (rutland/1-1-a)</strong>" in page


def test_csv_downloads_and_exports_never_hold_a_formula_cell(hostile_home: Path) -> None:
    with CorpusStore(hostile_home / "corpus.sqlite") as store:
        brief_rows = list(csv.reader(io.StringIO(brief_csv(build_brief(store, "Rutland", since="2021-01")))))
    export = cli(hostile_home, "export", "--format", "csv")
    assert export.exit_code == 0
    export_rows = list(csv.reader(io.StringIO(export.output)))
    leads = {row[export_rows[0].index("lead")] for row in export_rows[1:]}
    assert leads == {"'=HYPERLINK(\"http://example.invalid\",\"x\")", "'@SUM(1+1)"}
    for row in brief_rows + export_rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


# -- item 17: the brief's tables and Torbay's focus areas -------------------------------


def test_the_apps_brief_tables_show_no_raw_none_and_ratings_in_the_keys_order(corpus_store, embedder) -> None:
    brief = build_brief(corpus_store, "Staffordshire", embedder=embedder)
    tables = views.brief_tables(brief)
    assert list(tables["review_dates"].columns) == ["review date", "month", "R", "A", "G", "G/A", "actions"]
    never_updated = tables["not_updated"][tables["not_updated"]["last dated update"] == "none printed"]
    assert len(never_updated) == 5
    for table, column in ((tables["not_updated"], "months stale"), (tables["actions"], "months_stale")):
        shown = [str(value) for value in table[column]]
        assert "None" not in shown and "<NA>" not in shown and "nan" not in shown
    assert set(never_updated["months stale"]) == {views.NO_DATED_UPDATE_CELL}
    row = tables["not_updated"][tables["not_updated"]["ref"] == "3.2 D"].iloc[0]
    assert row["months stale"] == "23"


def test_a_label_cell_before_a_focus_area_heading_is_not_doubled(readings) -> None:
    torbay = readings[TORBAY]
    ten = next(action for action in torbay.actions if action.ref == "10A")
    assert ten.focus_area.startswith("Focus Area 10. Implement a tell it once approach")
    assert not any(action.focus_area.startswith("Focus Focus") for action in torbay.actions)


# -- items 5, 8, 10: folders that cannot be read, loops of links, names with control characters --


def test_an_unreadable_subfolder_is_skipped_with_one_line_and_the_rest_is_read(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "plans"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    (folder / "plan.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    real_iterdir = Path.iterdir

    def iterdir(self: Path):
        if self.name == "locked":  # as a folder without read permission answers (tests may run as root)
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = cli(tmp_path / "home", "ingest", "--no-index", "--council", "Rutland", str(folder))
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.output.splitlines() if "locked" in line]
    assert skipped == [f"  warning: skipped the folder {folder / 'locked'}: it cannot be read (Permission denied); "
                       "the files around it were read"]
    assert "1 of 1 files ingested." in result.output


def test_a_loop_of_links_is_read_once_without_same_name_errors(tmp_path) -> None:
    folder = tmp_path / "plans"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "plan.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    (folder / "a" / "up").symlink_to("..")  # plans/a/up -> plans: a loop
    result = cli(tmp_path / "home", "ingest", "--no-index", "--council", "Rutland", str(folder))
    assert result.exit_code == 0, result.output
    assert "same name" not in result.output
    assert "1 of 1 files ingested." in result.output
    assert f"  warning: skipped {folder / 'a' / 'up'}: it leads back to {folder.resolve()}, a folder already read" \
        in result.output.splitlines()


def test_file_names_with_control_characters_print_escaped(tmp_path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    name = "plan\x1b[31mred\nrow.txt"
    (folder / name).write_text(HOSTILE_PLAN, encoding="utf-8")
    home = tmp_path / "home"
    ingested = cli(home, "ingest", "--no-index", "--council", "Rutland", str(folder))
    listed = cli(home, "documents")
    for output in (ingested.output, listed.output):
        assert "\x1b" not in output
        assert "plan\\x1b[31mred\\nrow.txt" in output
    table = ingested.output.split("file ")[1].splitlines()
    assert table[2].startswith("plan\\x1b[31mred\\nrow.txt  text    Rutland") and table[3] == "1 of 1 files ingested."


# -- items 6, 7, 9: a read-only home, a full disk, a file where the home keeps a folder --------


def run_command(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`narrative-search ARGS` through its real entry point (errors as messages): exit status, stdout, stderr."""
    from narrative_search import cli as cli_module

    monkeypatch.setattr("sys.argv", ["narrative-search", *args])
    try:
        cli_module.run()
        status = 0
    except SystemExit as stop:
        status = int(stop.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def shared_model(monkeypatch, embedder) -> None:
    """Every Embedder the commands open gets the session's loaded model instead of loading its own."""
    from narrative_search.embed import Embedder

    model = embedder.model
    monkeypatch.setattr(Embedder, "_load", lambda self: model)


def home_files(home: Path) -> dict[str, bytes]:
    return {str(path.relative_to(home)): path.read_bytes() for path in sorted(home.rglob("*")) if path.is_file()}


def test_a_read_only_home_answers_reading_commands_and_refuses_ingest_in_one_line(
    tmp_path, monkeypatch, capsys, workspace, shared_model
) -> None:
    import shutil
    import sqlite3

    from narrative_search import config
    from narrative_search.themes import ASSIGNMENT_NAME

    home = tmp_path / "home"
    shutil.copytree(workspace.home / "search", home / "search")
    workspace.theme_assignment()  # a built home keeps its themes beside its index, as `ingest` leaves it
    shutil.copy(workspace.home / ASSIGNMENT_NAME, home / ASSIGNMENT_NAME)
    copy = sqlite3.connect(home / config.DATABASE_NAME)
    workspace.store.conn.backup(copy)
    copy.close()
    before = home_files(home)
    home.chmod(0o555)
    (home / config.DATABASE_NAME).chmod(0o444)
    # Tests may run as root, whom permissions do not stop: the home answers as it would to anyone else.
    monkeypatch.setattr(config, "home_is_writable", lambda folder: Path(folder) != home)
    try:
        for args in (("documents",), ("search", "tell it once", "--k", "3"), ("export", "--council", "Torbay"),
                     ("timeline", "staffordshire/3-2-d"), ("brief", "Leicestershire"),
                     ("summary", "tell it once", "--k", "3")):
            status, out, err = run_command(monkeypatch, capsys, "--home", str(home), *args)
            # A home indexed before the ONNX export (as the shared test home is) encodes with torch, and says so.
            err = "".join(line for line in err.splitlines(True) if not line.startswith("Encoding with torch"))
            assert (status, err) == (0, ""), (args, err)
            assert out.strip()
        assert "Staffordshire 3.2 D" in run_command(monkeypatch, capsys, "--home", str(home), "search", "tell it once")[1]
        status, out, err = run_command(monkeypatch, capsys, "--home", str(home), "ingest", "--council", "Rutland",
                                       str(tmp_path))
        assert status == 2 and out == ""
        assert err == (f"error: the home folder {home} is read-only: cannot ingest documents there; "
                       "reading (documents, search, export, timeline, brief, summary) still works\n")
        # Nothing written: the corpus as it was, no index rebuilt, no vector cache. (SQLite run by root, whom
        # the folder does not stop, may still add the WAL's index files beside the corpus: those are left out.)
        after = {name: data for name, data in home_files(home).items() if not name.endswith(("-wal", "-shm"))}
        assert after == before
    finally:
        home.chmod(0o755)


def test_a_full_disk_is_named_and_what_was_stored_is_kept(tmp_path, monkeypatch, capsys, shared_model) -> None:
    import errno
    import sqlite3

    import faiss

    from narrative_search.store import CorpusStore as Store

    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "first.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    home = tmp_path / "home"
    assert run_command(monkeypatch, capsys, "--home", str(home), "ingest", "--no-index", "--council", "Rutland",
                       str(folder))[0] == 0
    (folder / "second.txt").write_text(HOSTILE_PLAN.replace("Drafting started", "Drafting begun"), encoding="utf-8")
    real_insert = Store._insert_reading

    def full_on_second(self, reading):
        if reading.document.name == "second.txt":
            raise sqlite3.OperationalError("database or disk is full")
        return real_insert(self, reading)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "_insert_reading", full_on_second)
    monkeypatch.setattr(faiss, "write_index", full_disk)
    status, out, err = run_command(monkeypatch, capsys, "--home", str(home), "ingest", "--council", "Rutland",
                                   str(folder))
    assert status == 2
    assert f"ERROR {folder / 'second.txt'}: the disk is full: this file was not stored, and what was stored before is kept" \
        in err.splitlines()
    assert err.splitlines()[-1] == ("error: the disk is full: nothing more could be written, and what was stored "
                                    "before is kept; free some space and run the command again")
    assert "please report" not in out + err and "Traceback" not in out + err
    with Store(home / "corpus.sqlite") as store:
        assert [document.name for document in store.documents()] == ["first.txt"]
        assert store.count_actions("Rutland") == 2


@pytest.mark.parametrize("name", ["search", "uploads"])
def test_a_file_where_the_home_keeps_a_folder_is_a_one_line_error(tmp_path, monkeypatch, capsys, name,
                                                                   shared_model) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / name).write_text("not a folder", encoding="utf-8")
    status, out, err = run_command(monkeypatch, capsys, "--home", str(home), "search", "tell it once")
    assert status == 2 and out == ""
    assert err.startswith(f"error: {home / name} is a file, but the home folder keeps its ")
    assert err.count("\n") == 1 and "Traceback" not in err


# -- item 18: `similar` says per hit what it shares with the source ---------------------------


def test_similar_names_per_hit_the_source_passage_it_is_close_to_and_quotes_it_once(workspace, shared_model) -> None:
    result = workspace.similar("staffordshire/3-2-d", k=6)
    output = cli(workspace.home, "similar", "staffordshire/3-2-d", "--k", "6").output
    blocks = re.split(r"\n(?= ?\d+\. )", output.strip())
    assert len(blocks) == len(result.hits) == 6
    quoted: dict[str, int] = {}
    for number, (block, hit) in enumerate(zip(blocks, result.hits), start=1):
        assert hit.because is not None
        close = next(line.strip() for line in block.splitlines() if line.strip().startswith("close to "))
        assert f"similarity {hit.because.score:.2f}" in close
        source = hit.because.passage
        first = quoted.setdefault(source.id, number)
        if first == number:
            assert close.startswith(f"close to 3.2 D's {source.kind.replace('_', ' ')} (")
        else:
            assert close.startswith(f"close to the same 3.2 D {source.kind.replace('_', ' ')} as hit {first} (")
        assert block.count(" ".join(source.text.split())[:60]) <= (1 if first == number else 0)
    assert len(quoted) < len(result.hits)  # several hits share a source passage: each quoted once
