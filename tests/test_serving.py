"""Serving a team: one home built once, read by several app processes at the same time, none of them writing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import REPO
from test_app import prepare_home

from narrative_search import config
from narrative_search.workspace import Workspace

pytestmark = pytest.mark.slow

QUERIES = ["tell it once", "short breaks for disabled children", "co-production with parents"]

#: One app process, as far as the index goes: open the home, say it is ready, wait for the other, then search.
READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from narrative_search.workspace import Workspace

    home, me, other, queries = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
    with Workspace.open(home) as workspace:
        workspace.search(queries[0], k=1)  # the model and the index loaded before the other is waited for
        me.touch()
        deadline = time.monotonic() + 300
        while not other.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        rounds = [{q: [hit.key for hit in workspace.search(q, k=5).hits] for q in queries} for _ in range(3)]
        print(json.dumps({"read_only": workspace.read_only, "rounds": rounds}))
    """
)


def home_files(home: Path) -> dict[str, bytes]:
    """Every file of the home and its bytes (SQLite's shared-memory and log files of readers left out)."""
    return {str(path.relative_to(home)): path.read_bytes() for path in sorted(home.rglob("*"))
            if path.is_file() and not path.name.endswith(("-wal", "-shm"))}


def test_two_processes_search_one_read_only_home_at_once_and_neither_writes(tmp_path, embedder):
    home = prepare_home(tmp_path / "home", embedder)
    with Workspace.open(home, embedder=embedder) as built:
        expected = {q: [hit.key for hit in built.search(q, k=5).hits] for q in QUERIES}
        built.theme_assignment()  # kept beside the index, as `ingest` leaves it
    before = home_files(home)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), config.READ_ONLY_ENV: "1"}
    marks = [tmp_path / "first.ready", tmp_path / "second.ready"]
    processes = [
        subprocess.Popen([sys.executable, "-c", READER, str(home), str(me), str(other), json.dumps(QUERIES)],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for me, other in (marks, marks[::-1])
    ]
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        answers.append(json.loads(out.strip().splitlines()[-1]))
    for answer in answers:
        assert answer["read_only"] is True
        assert answer["rounds"] == [expected] * 3
    assert home_files(home) == before  # no index rebuilt, no vectors cached, no sentences remembered, no themes


def test_a_read_only_process_takes_up_a_new_build_and_writes_nothing_after_a_themes_edit(
    tmp_path, monkeypatch, embedder
):
    from test_app import SCRIPT_PLAN, SCRIPT_PLAN_COUNCIL, SCRIPT_PLAN_NAME

    home = prepare_home(tmp_path / "home", embedder)
    monkeypatch.setenv(config.READ_ONLY_ENV, "1")
    reader = Workspace.open(home, embedder=embedder)
    monkeypatch.delenv(config.READ_ONLY_ENV)
    try:
        assert reader.read_only
        assert "Rutland" not in {hit.council for hit in reader.search("listening campaign with parent carers").hits}
        folder = tmp_path / "new"
        folder.mkdir()
        (folder / SCRIPT_PLAN_NAME).write_text(SCRIPT_PLAN, encoding="utf-8")
        with Workspace.open(home, embedder=embedder) as writer:  # the one place that writes: a new generation
            writer.ingest([folder], council=SCRIPT_PLAN_COUNCIL)
        # The serving process answers from the new build at its next search, without a restart.
        found = reader.search("listening campaign with parent carers")
        assert found.hits[0].council == "Rutland" and not found.index_behind
        # An edited themes table is applied for this process only: the home is not written.
        table = (REPO / "data" / "themes.csv").read_text(encoding="utf-8")
        (home / "themes.csv").write_text(table.replace("How long statutory", "How long the statutory", 1),
                                         encoding="utf-8")
        before = home_files(home)
        assert reader.search("annual reviews").hits[0].themes
        assert home_files(home) == before
    finally:
        reader.close()
