"""Several app processes on one read-only home: searches per second, per-call latency and memory of each process.

Each process opens the home as an app process would (``NARRATIVE_SEARCH_READ_ONLY=1``,
through a Workspace), runs one search to load the model and the index, reports
its resident memory, waits for the others, then runs the queries of
``bench/queries.json`` (explain on, as the app's Search page does) for
``--seconds``. Run with 1, then 2, ... processes: the throughput of the machine
as a team's app processes share it. Nothing in the home is written (the
check is ``tests/test_serving.py``).

    .venv/bin/python bench/serving.py --home index            # the home `make run` builds
    .venv/bin/python bench/serving.py --home DIR --processes 1,2,4 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SEARCHER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from narrative_search.workspace import Workspace

    home, ready, go, seconds, queries = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5])
    with Workspace.open(home) as workspace:
        assert workspace.read_only
        workspace.search(queries[0], k=10)
        rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024
        ready.touch()
        while not go.exists():
            time.sleep(0.01)
        times, started, n = [], time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            t = time.perf_counter()
            workspace.search(queries[n % len(queries)], k=10)
            times.append(time.perf_counter() - t)
            n += 1
        print(json.dumps({"rss_mb": rss, "times": times}))
    """
)


def run(home: Path, processes: int, seconds: float, queries: list[str]) -> dict:
    """``processes`` searching the home at once for ``seconds``: their calls' times and memory."""
    with tempfile.TemporaryDirectory() as folder:
        go = Path(folder) / "go"
        env = {**os.environ, "NARRATIVE_SEARCH_READ_ONLY": "1"}
        started = []
        for number in range(processes):
            ready = Path(folder) / f"ready-{number}"
            started.append((ready, subprocess.Popen(
                [sys.executable, "-c", SEARCHER, str(home), str(ready), str(go), str(seconds), json.dumps(queries)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)))
        while not all(ready.exists() for ready, _ in started):
            if any(process.poll() is not None for _, process in started):
                raise SystemExit("a searching process ended before it was ready")
            os.sched_yield()
        go.touch()
        results = [json.loads(process.communicate()[0].strip().splitlines()[-1]) for _, process in started]
    times = sorted(t for result in results for t in result["times"])
    return {
        "processes": processes,
        "searches_per_s": round(len(times) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(times), 1),
        "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
        "rss_mb": [round(result["rss_mb"]) for result in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a home with a built index")
    parser.add_argument("--processes", default="1,2", help="comma-separated numbers of processes (default 1,2)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds each process searches (default 15)")
    options = parser.parse_args()
    labelled = json.loads((ROOT / "bench" / "queries.json").read_text(encoding="utf-8"))
    queries = [item["query"] for item in (labelled["queries"] if isinstance(labelled, dict) else labelled)]
    print(f"home {options.home}; load average {os.getloadavg()[0]:.1f}; {len(queries)} queries, explain on")
    for count in (int(n) for n in options.processes.split(",")):
        figures = run(options.home, count, options.seconds, queries)
        print(f"{count} process(es): {figures['searches_per_s']} searches/s, per call p50 {figures['p50_ms']} ms, "
              f"p95 {figures['p95_ms']} ms; each process {figures['rss_mb']} MiB resident after its first search",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
