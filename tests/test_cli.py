"""The `narrative-search` command as a user runs it: ingest, re-ingest, bad files, export."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from helpers import DATA_DIR, STAFFORDSHIRE_000, STAFFORDSHIRE_001

from narrative_search.cli import main
from narrative_search.store import CorpusStore


def run(home, *args):
    # Reading is what these tests check; building the search index after each
    # ingest (tests/test_search.py covers it) would load the model every time.
    if args and args[0] == "ingest":
        args = ("ingest", "--no-index", *args[1:])
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    return result


def export_lines(home) -> list[dict]:
    result = run(home, "export", "--format", "jsonl")
    assert result.exit_code == 0
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_ingest_with_no_paths_reads_the_bundled_corpus(home):
    result = run(home, "ingest")
    assert result.exit_code == 0, result.output
    assert "5 of 5 files ingested." in result.output
    assert "002_8e0d413e95991a77.txt: new; 33 actions, 0 updates, 33 statuses" in result.output
    assert "banner characters dropped" in result.output
    # 000 and 001 share 3.1 F and 3.3 C: 165 rows (21 of them recovered from
    # Telford's interleaved columns) make 163 actions.
    assert len(export_lines(home)) == 163


def test_reingesting_unchanged_files_changes_nothing(home):
    run(home, "ingest", str(DATA_DIR))
    before = export_lines(home)
    result = run(home, "ingest", str(DATA_DIR))
    assert result.output.count(": unchanged;") == 5
    assert export_lines(home) == before


def test_two_reports_of_one_plan_merge_with_every_source(home):
    run(home, "ingest", str(DATA_DIR))
    action = next(a for a in export_lines(home) if a["id"] == "staffordshire/3-3-c")
    assert set(action["documents"]) == {STAFFORDSHIRE_000, STAFFORDSHIRE_001}
    stamps = [u["stamp"] for u in action["updates"]]
    assert stamps == ["Feb 2021", "Apr 2021", "May 2021", "December 2021"]
    # Feb, Apr and May are printed in both; 000 retypes "tool kit" and cuts May short.
    for update in action["updates"][:3]:
        assert sorted(source[0] for source in update["sources"]) == [STAFFORDSHIRE_000, STAFFORDSHIRE_001]
    may = action["updates"][2]
    assert may["text"].endswith("existing provision and any gaps.")
    assert [v["document"] for v in may["variants"]] == [STAFFORDSHIRE_000]


def test_a_changed_file_replaces_its_rows_and_keeps_the_others(home, tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in (STAFFORDSHIRE_000, STAFFORDSHIRE_001):
        shutil.copy(DATA_DIR / name, folder / name)
    (folder / "sources.csv").write_text(
        "file,council,title,as_of\n"
        f"{STAFFORDSHIRE_000},Staffordshire,Summary,2021-12\n"
        f"{STAFFORDSHIRE_001},Staffordshire,Priority 3,2021-12\n",
        encoding="utf-8",
    )
    run(home, "ingest", str(folder))
    assert len(export_lines(home)) == 25
    # A new version of 001 without its row for 3.2 I (line 22).
    lines = (folder / STAFFORDSHIRE_001).read_text(encoding="utf-8").split("\n")
    del lines[21]
    (folder / STAFFORDSHIRE_001).write_text("\n".join(lines), encoding="utf-8")
    result = run(home, "ingest", str(folder))
    assert f"{STAFFORDSHIRE_001}: replaced; 17 actions" in result.output
    assert f"{STAFFORDSHIRE_000}: unchanged" in result.output
    ids = {a["id"] for a in export_lines(home)}
    assert "staffordshire/3-2-i" not in ids and "staffordshire/1-1-a" in ids and len(ids) == 24


def test_bad_files_get_a_clear_message_and_the_rest_still_ingest(home, tmp_path):
    run(home, "ingest", str(DATA_DIR / STAFFORDSHIRE_000), "--council", "Staffordshire")
    before = export_lines(home)
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "prose.txt").write_text("Minutes of the meeting.\nNothing was agreed.\n", encoding="utf-8")
    (folder / "plan.pdf.txt").write_bytes((DATA_DIR / STAFFORDSHIRE_001).read_bytes())
    result = run(home, "ingest", str(folder), "--council", "Staffordshire")
    output = result.output  # click's runner mixes stderr, where the errors go, into output
    assert result.exit_code == 1
    assert f"{folder / 'empty.txt'}: the file is empty" in output
    assert f"{folder / 'binary.txt'}: the file is binary" in output
    # Prose with nothing dated is no longer refused: it is stored as searchable text, with a warning.
    assert "prose.txt" in output and "no action table found and no dated progress" in output
    assert "2 of 4 files ingested." in output
    after = {a["id"]: a for a in export_lines(home)}
    for action in before:  # 000's own actions are untouched by the failures
        if action["id"] not in ("staffordshire/3-1-f", "staffordshire/3-3-c"):
            assert after[action["id"]] == action
    assert len(after) == 9 + 18 - 2


def test_a_file_whose_council_cannot_be_told_says_how_to_name_it(home, tmp_path):
    lonely = tmp_path / "plan.txt"
    lonely.write_bytes((DATA_DIR / STAFFORDSHIRE_000).read_bytes())
    result = run(home, "ingest", str(lonely))
    assert result.exit_code == 1
    assert "cannot tell which council" in result.output and "--council" in result.output


def test_export_csv_has_one_row_per_update(home):
    run(home, "ingest", str(DATA_DIR))
    result = run(home, "export", "--format", "csv", "--council", "Staffordshire")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["council"] for row in rows} == {"Staffordshire"}
    d32 = [row for row in rows if row["ref"] == "3.2 D"]
    assert [row["start"] for row in d32] == ["2019-10", "2019-11", "2019-12", "2020-01"]


def test_store_file_is_a_real_sqlite_database(home):
    run(home, "ingest", str(DATA_DIR))
    with CorpusStore(home / "corpus.sqlite") as store:
        assert store.councils() == ["Leicestershire", "Staffordshire", "Telford and Wrekin", "Torbay"]
