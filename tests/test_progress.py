"""No silent wait: the command's bars and step lines on a terminal (none with --quiet or off a terminal), and the line
a reading command says when it is slow to answer."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_app import SCRIPT_PLAN, SCRIPT_PLAN_COUNCIL, SCRIPT_PLAN_NAME

from narrative_search import cli
from narrative_search.embed import Embedder
from narrative_search.render.progress import WAIT_TEXT, CountBar, WaitLine


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def quick_model(monkeypatch, embedder):
    """Every Embedder the command opens encodes with the session's loaded model, on torch (no ONNX export)."""
    model = embedder.model
    monkeypatch.setattr(Embedder, "_load", lambda self: model)
    monkeypatch.setattr(Embedder, "prepare_for_build", lambda self: None)


def ingest_a_plan(tmp_path: Path, monkeypatch, on_terminal: bool, *options: str) -> str:
    """`narrative-search [OPTIONS] ingest` of one short plan into a new home; what it printed, stdout and stderr."""
    folder = tmp_path / "plans"
    folder.mkdir(exist_ok=True)
    (folder / SCRIPT_PLAN_NAME).write_text(SCRIPT_PLAN, encoding="utf-8")
    # The runner's stderr is no terminal: `on_terminal` makes the command see one, as a person's shell is.
    monkeypatch.setattr(cli, "progress_wanted", lambda quiet, stream=None: on_terminal and not quiet)
    result = CliRunner().invoke(cli.main, [*options, "--home", str(tmp_path / "home"), "ingest", "--council",
                                           SCRIPT_PLAN_COUNCIL, str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


STEPS = ("Building the search index…", "Encoding each passage's sentences, so that no search waits for them…",
         "Assigning each action its national themes…")


def test_an_ingest_on_a_terminal_shows_bars_with_counts_and_each_slow_step(tmp_path, monkeypatch, quick_model):
    shown = ingest_a_plan(tmp_path, monkeypatch, on_terminal=True)
    lines = shown.replace("\r", "\n").splitlines()
    assert any(line.startswith("Reading: 100%") and "1/1" in line for line in lines)
    assert any(line.startswith("Encoding: 100%") for line in lines)  # the passages, then their sentences
    for step in STEPS:
        assert step in lines
    assert lines.index(STEPS[0]) < lines.index(STEPS[1]) < lines.index(STEPS[2])
    assert "Search index:" in shown


@pytest.mark.parametrize("options, on_terminal", [(("--quiet",), True), ((), False)])
def test_an_ingest_shows_no_progress_with_quiet_or_off_a_terminal(tmp_path, monkeypatch, quick_model, options, on_terminal):
    shown = ingest_a_plan(tmp_path, monkeypatch, on_terminal, *options)
    assert "%|" not in shown and "Reading:" not in shown and "Encoding:" not in shown
    assert not any(step in shown for step in STEPS)
    assert "Search index:" in shown  # what was done is still said


def test_a_slow_step_says_what_it_does_and_a_quick_one_says_nothing():
    terminal = FakeTerminal()
    shown = threading.Event()
    line = WaitLine(WAIT_TEXT["search"], enabled=True, after=0.01, stream=terminal)
    with line:
        shown.wait(0)  # the step: slower than the line's delay, as a cold start on a busy machine is
        for _ in range(500):
            if line.shown:
                break
            shown.wait(0.01)
    assert terminal.getvalue() == "Searching…\n"

    quiet = FakeTerminal()
    with WaitLine(WAIT_TEXT["search"], enabled=True, after=60, stream=quiet):
        pass  # answered at once
    with WaitLine(WAIT_TEXT["search"], enabled=False, after=0.0, stream=quiet) as off:
        shown.wait(0.05)
    assert quiet.getvalue() == "" and not off.shown


def test_a_bar_on_a_terminal_of_unknown_size_is_drawn(monkeypatch):
    import os
    import pty
    import sys

    # stderr a terminal that reports 0 rows by 0 columns (a serial console, some containers): tqdm alone, sizing
    # the bar from stderr itself, takes -1 rows and draws nothing there.
    leader, follower = pty.openpty()
    drawn = b""
    try:
        with os.fdopen(follower, "w", encoding="utf-8") as terminal:
            monkeypatch.setattr(sys, "stderr", terminal)
            bar = CountBar("Encoding", "text", True)
            bar.encoding(0, 10)
            bar.encoding(10, 10)
        while True:  # all it wrote, up to the end the closed terminal gives
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert "Encoding: 100%" in drawn.decode("utf-8") and "10/10" in drawn.decode("utf-8")
