"""Silent waits of the command as a person meets it: each command run cold on a terminal, its longest wait with nothing new shown.

Every command runs in a fresh process on a pseudo-terminal (so progress bars
and stage lines show as they would to a person), in a scratch home: first
``ingest`` of the bundled corpus into an empty home (the first build), then
search, summary, timeline, brief, weaknesses, themes, compare, similar and
export on the index it built. For each: the wall time, the longest stretch
with nothing new on the terminal (from the start to the first output, between
two outputs, or from the last output to the exit), and the text shown just
before that stretch. A wait over 2 s with nothing shown is what issue 15 asks
to remove.

    .venv/bin/python bench/waits.py                 # a scratch home under /tmp, removed afterwards
    .venv/bin/python bench/waits.py --home DIR      # keep the home (the ingest is skipped if it holds documents)
    .venv/bin/python bench/waits.py --only search,summary
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]

#: Longer than this with nothing new shown is a silent wait (issue 15).
SILENT_LIMIT_S = 2.0


@dataclass
class Waited:
    name: str
    seconds: float
    longest_silence: float
    shown_before: str
    rc: int


def run_on_terminal(args: list[str], env: dict[str, str], timeout: float = 900.0) -> tuple[int, list[tuple[float, bytes]]]:
    """Run ``args`` with stdout and stderr on a pseudo-terminal; its exit status and (seconds, bytes) of each output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal of 24 rows by 100 columns
    started = time.perf_counter()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env, cwd=ROOT)
    os.close(follower)
    chunks: list[tuple[float, bytes]] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 0.05)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process ended
                data = b""
            if not data:
                break
            chunks.append((time.perf_counter() - started, data))
        elif process.poll() is not None and not select.select([leader], [], [], 0.2)[0]:
            break
        if time.perf_counter() - started > timeout:
            process.kill()
            break
    rc = process.wait()
    chunks.append((time.perf_counter() - started, b""))
    os.close(leader)
    return rc, chunks


def silences(chunks: list[tuple[float, bytes]]) -> list[tuple[float, float, str]]:
    """Every gap between outputs (from the start, to the exit): (when it began, seconds, the last line shown before it)."""
    previous = 0.0
    shown = b""
    gaps = []
    for at, data in chunks:
        lines = [line for line in shown.replace(b"\r", b"\n").decode("utf-8", "replace").splitlines() if line.strip()]
        gaps.append((previous, at - previous, lines[-1].strip()[:70] if lines else "(nothing)"))
        previous = at
        shown += data
    return gaps


def command(home: Path, *words: str) -> list[str]:
    return [sys.executable, "-m", "narrative_search.cli", "--home", str(home), *words]


def first_action(home: Path) -> str:
    """An action id read from the store (not by a search, which would warm what the searches measure)."""
    sys.path.insert(0, str(ROOT))
    from narrative_search import config
    from narrative_search.store import CorpusStore

    with CorpusStore(config.database_path(home), read_only=True) as store:
        return next(action.id for action in store.iter_actions("Torbay"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--only", default="", help="Comma-separated command names (default: all).")
    options = parser.parse_args()
    home = options.home or Path(tempfile.mkdtemp(prefix="waits-"))
    env = {k: v for k, v in os.environ.items() if k != "NARRATIVE_SEARCH_HOME"}
    only = {name for name in options.only.split(",") if name}
    results: list[Waited] = []

    def measure(name: str, args: list[str]) -> None:
        if only and name not in only:
            return
        rc, chunks = run_on_terminal(args, env)
        gaps = silences(chunks)
        _, silence, before = max(gaps, key=lambda gap: gap[1])
        results.append(Waited(name, chunks[-1][0], silence, before, rc))
        print(f"{name:<12} {chunks[-1][0]:7.1f} s   longest silence {silence:5.1f} s after: {before}", flush=True)
        for began, seconds, shown in gaps:
            if seconds > SILENT_LIMIT_S and seconds != silence:
                print(f"{'':<12} {'':7}     also {seconds:5.1f} s at {began:.1f} s after: {shown}", flush=True)

    try:
        print(f"home {home}; load average {os.getloadavg()[0]:.1f}", flush=True)
        measure("ingest", command(home, "ingest", str(ROOT / "data")))
        action = first_action(home)
        export_to = home / "export.jsonl"
        measure("search", command(home, "search", "tell it once"))
        measure("summary", command(home, "summary", "co-production with parents"))
        measure("timeline", command(home, "timeline", action))
        measure("brief", command(home, "brief", "Torbay"))
        measure("weaknesses", command(home, "weaknesses", "Torbay"))
        measure("themes", command(home, "themes"))
        measure("compare", command(home, "compare", "speech and language therapy", "--council", "Torbay",
                                   "--council", "Staffordshire"))
        measure("similar", command(home, "similar", action))
        measure("export", command(home, "export", "--format", "jsonl", "-o", str(export_to)))
    finally:
        if options.home is None:
            shutil.rmtree(home, ignore_errors=True)
    silent = [r for r in results if r.longest_silence > SILENT_LIMIT_S]
    print(f"load average {os.getloadavg()[0]:.1f}; silent waits over {SILENT_LIMIT_S:.0f} s: "
          + (", ".join(f"{r.name} {r.longest_silence:.1f} s" for r in silent) or "none"))
    failed: Optional[Waited] = next((r for r in results if r.rc), None)
    if failed is not None:
        print(f"{failed.name} exited with status {failed.rc}")


if __name__ == "__main__":
    main()
