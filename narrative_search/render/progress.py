"""Progress on the command line: bars with counts and an ETA on stderr, and a line before each slow step.

Everything here writes to a terminal only: when stderr is not a terminal
(a pipe, a log file, a test) or the user asked for ``--quiet``, the reporters
are silent, so scripted output stays clean.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Optional, TextIO

#: What the user reads as a slow step starts (keys: the stages of narrative_search.protocols.StageNotice).
STAGE_TEXT = {
    "loading_model": "Loading the language model (torch)…",
    "exporting_model": "Exporting the language model to ONNX, once for this home (about 10-20 s)…",
    "building_index": "Building the search index…",
    "encoding_sentences": "Encoding each passage's sentences, so that no search waits for them…",
    "assigning_themes": "Assigning each action its national themes…",
}


#: What the app's bar says while a step encodes (keys: the stages above), before its counts.
ENCODING_TEXT = {
    "building_index": "encoding passages for search",
    "encoding_sentences": "encoding each passage's sentences",
}


def encoding_text(stage: str, done: int, total: int) -> str:
    """The app's bar while ``stage`` encodes: "encoding passages for search: 40 of 418…"."""
    return f"{ENCODING_TEXT.get(stage, 'encoding')}: {done} of {total}…"


#: What a command is doing, said once on stderr if it takes longer than :data:`WAIT_LINE_AFTER` seconds (keys: commands).
WAIT_TEXT = {
    "search": "Searching…",
    "similar": "Finding similar actions…",
    "summary": "Summarising…",
    "compare": "Comparing the councils…",
    "timeline": "Reading the action's timeline…",
    "brief": "Writing the brief…",
    "weaknesses": "Rolling up the weaknesses…",
    "themes": "Reading the national themes…",
}

#: Seconds a command may answer in before it says what it is doing: a cold start on a busy machine takes longer.
WAIT_LINE_AFTER = 0.8


def progress_wanted(quiet: bool, stream: Optional[TextIO] = None) -> bool:
    """Whether to show progress: not asked to be quiet, and writing to a terminal."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not quiet and callable(isatty) and bool(isatty())


class StageLines:
    """on_stage(stage): one line on stderr as each slow step starts (nothing when not ``enabled``)."""

    def __init__(self, enabled: bool, stream: Optional[TextIO] = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.shown: list[str] = []

    def __call__(self, stage: str) -> None:
        if not self.enabled:
            return
        text = STAGE_TEXT.get(stage, stage)
        self.shown.append(text)
        print(text, file=self.stream, flush=True)


#: Seconds between redraws of an open bar whose count has not moved (its elapsed time still ticks).
BAR_TICK_SECONDS = 1.0


class CountBar:
    """A bar with counts, a rate and an ETA, driven by (done, total) calls; silent when not ``enabled``.

    While it is open its elapsed time is redrawn every :data:`BAR_TICK_SECONDS`, so a
    slow batch (seconds on a busy machine) never leaves a still bar."""

    def __init__(self, label: str, unit: str, enabled: bool, stream: Optional[TextIO] = None) -> None:
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._stop_ticking: Optional[threading.Event] = None

    def update(self, done: int, total: int, detail: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        if self._bar is None:
            import shutil

            from tqdm import tqdm

            # A terminal of unknown size (0 by 0: a serial console, a container's) gets 100 by 20; tqdm's own
            # guess of the rows is then -1, and it draws nothing.
            width, rows = shutil.get_terminal_size((100, 20))
            self._bar = tqdm(total=total, desc=self.label, unit=self.unit, file=self.stream, ncols=width,
                             nrows=max(rows, 2), leave=True)
            self._start_ticking(self._bar)
        if self._bar.total != total:
            self._bar.total = total
        if detail:
            self._bar.set_postfix_str(detail, refresh=False)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def reading(self, done: int, total: int, path: Path) -> None:
        """An ingest progress(done, total, path) callback: the file being read beside the counts."""
        self.update(done, total, path.name if path.name else "")

    def encoding(self, done: int, total: int) -> None:
        """An EncodeProgress callback."""
        self.update(done, total)

    def _start_ticking(self, bar: Any) -> None:
        stop = self._stop_ticking = threading.Event()

        def tick() -> None:
            while not stop.wait(BAR_TICK_SECONDS):
                bar.refresh()

        threading.Thread(target=tick, name="progress-bar-tick", daemon=True).start()

    def close(self) -> None:
        if self._stop_ticking is not None:
            self._stop_ticking.set()
            self._stop_ticking = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class WaitLine:
    """Around a step that is usually quick: one line on stderr if it is still running after ``after`` seconds.

    Nothing when not ``enabled``; the line is said from a timer thread, so the step itself is not slowed."""

    def __init__(self, text: str, enabled: bool, after: float = WAIT_LINE_AFTER, stream: Optional[TextIO] = None) -> None:
        self.text = text
        self.enabled = enabled
        self.after = after
        self.stream = stream if stream is not None else sys.stderr
        self.shown = False
        self._timer: Optional[threading.Timer] = None
        self._lock = threading.Lock()

    def _show(self) -> None:
        with self._lock:
            if self._timer is None:  # ended meanwhile
                return
            self.shown = True
            print(self.text, file=self.stream, flush=True)

    def __enter__(self) -> "WaitLine":
        if self.enabled:
            self._timer = threading.Timer(self.after, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
