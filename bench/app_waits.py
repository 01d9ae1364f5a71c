"""Silent waits of the app as a person meets it: each step timed in a real browser, and its longest wait with nothing shown.

Starts ``streamlit run app.py`` on a scratch home and drives it with headless
Chromium (Debian's ``chromium``, through Playwright, as tests/test_browser.py
does), polling the page every 0.2 s while the app works. For each step: the
seconds until the page has settled, and the longest stretch while the app's
script ran with no progress bar, spinner or status shown (Streamlit's own
"Running" corner icon does not count). Steps: the first start on an empty home
(reading and indexing the bundled corpus), the first page with an existing
index (a second server on the same home), the first search, the Weaknesses
page, Compare by theme and by query, an upload of a document, and a search
after an edit of the home's themes.csv (every action's themes assigned again).

    .venv/bin/python bench/app_waits.py
    .venv/bin/python bench/app_waits.py --home DIR    # keep the home (an existing one skips the first start)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_app import SCRIPT_PLAN, SCRIPT_PLAN_COUNCIL, SCRIPT_PLAN_NAME  # noqa: E402  (a short plan of our own)
from test_browser import chromium_path, running_app  # noqa: E402

#: What counts as something shown while the app works.
SHOWN = '[data-testid="stProgress"], [data-testid="stSpinner"], [data-testid="stStatus"], [data-testid="stExpander"] [data-testid="stExpanderIconSpinner"]'
SETTLED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SILENT_LIMIT_S = 2.0


@dataclass
class Step:
    name: str
    seconds: float
    silent: float
    shown: str


def watch(page: Any, name: str, act: Callable[[], None], ready: str, timeout: float = 900.0) -> Step:
    """Do ``act``, then poll until ``ready`` is on the page and the script has stopped; what was shown meanwhile."""
    started = time.perf_counter()
    act()
    page.wait_for_timeout(150)  # the rerun starts
    silent_since = time.perf_counter()
    longest, texts = 0.0, []
    while time.perf_counter() - started < timeout:
        now = time.perf_counter()
        settled = page.locator(SETTLED).count() > 0 and page.locator(ready).count() > 0
        shown = page.locator(SHOWN)
        if shown.count():
            text = " | ".join(t.strip()[:80] for t in shown.all_inner_texts() if t.strip())
            if text and (not texts or texts[-1] != text):
                texts.append(text)
            silent_since = now
        else:
            longest = max(longest, now - silent_since)
        if settled:
            break
        page.wait_for_timeout(200)
    step = Step(name, time.perf_counter() - started, longest, " / ".join(texts[:6]) or "(nothing)")
    print(f"{name:<28} {step.seconds:6.1f} s  longest with nothing shown {step.silent:5.1f} s; shown: {step.shown[:160]}",
          flush=True)
    return step


def first_visit(page: Any, server: str, name: str) -> Step:
    return watch(page, name, lambda: page.goto(server), 'input[aria-label="Search every council\'s plans"]')


def search(page: Any, query: str, name: str) -> Step:
    box = page.get_by_role("textbox", name="Search every council's plans")

    def act() -> None:
        box.fill(query)
        box.press("Enter")

    return watch(page, name, act, "div.ns-hit")


def server_memory_mb(server: str) -> float:
    """Resident memory of the app process serving ``server`` (found by its port), in MiB."""
    port = server.rstrip("/").rsplit(":", 1)[1]
    for folder in Path("/proc").iterdir():
        try:
            words = (folder / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" not in b" ".join(words) or port.encode() not in words:
                continue
            status = (folder / "status").read_text()
        except OSError:
            continue
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024
    return float("nan")


def go(page: Any, label: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    options = parser.parse_args()
    home = options.home or Path(tempfile.mkdtemp(prefix="app-waits-"))
    from playwright.sync_api import sync_playwright

    steps: list[Step] = []
    print(f"home {home}; load average {os.getloadavg()[0]:.1f}", flush=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                 args=["--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(900_000)
            if not (home / "corpus.sqlite").exists():
                with running_app(home) as server:
                    steps.append(first_visit(page, server, "first start (empty home)"))
            with running_app(home) as server:
                steps.append(first_visit(page, server, "first page (index built)"))
                steps.append(search(page, "speech and language therapy waiting times", "first search"))
                print(f"the app process after its first search: {server_memory_mb(server):.0f} MiB resident", flush=True)
                go(page, "Weaknesses")
                steps.append(watch(page, "Weaknesses page", lambda: None, "div.ns-weakness"))
                go(page, "Compare")
                page.wait_for_selector(SETTLED)

                def theme() -> None:
                    page.locator('[data-testid="stSelectbox"]').filter(has_text="National theme").click()
                    page.get_by_role("option", name="Co-production with parents and young people").click()

                steps.append(watch(page, "Compare by theme", theme, "div.ns-theme-council"))
                page.goto(server + "?page=compare&q=short+breaks&council=Torbay&council=Staffordshire")
                steps.append(watch(page, "Compare by query", lambda: None, "text=Closest actions"))
                go(page, "Library")
                page.wait_for_selector(SETTLED)
                plan = home.parent / SCRIPT_PLAN_NAME
                plan.write_text(SCRIPT_PLAN, encoding="utf-8")

                def upload() -> None:
                    page.locator('input[type="file"]').set_input_files(str(plan))
                    page.get_by_text(SCRIPT_PLAN_NAME).first.wait_for()
                    page.get_by_role("textbox", name="Council", exact=True).fill(SCRIPT_PLAN_COUNCIL)
                    page.get_by_role("button", name="Ingest").click()

                steps.append(watch(page, "upload of a document", upload, f"text={SCRIPT_PLAN_NAME}: new"))
                table = (ROOT / "data" / "themes.csv").read_text(encoding="utf-8")
                (home / "themes.csv").write_text(table.replace("How long statutory", "How long the statutory", 1),
                                                 encoding="utf-8")
                page.goto(server)
                page.wait_for_selector(SETTLED)
                steps.append(search(page, "annual reviews of plans", "search after themes.csv edit"))
            browser.close()
    finally:
        if options.home is None:
            shutil.rmtree(home, ignore_errors=True)
    silent = [s for s in steps if s.silent > SILENT_LIMIT_S]
    print(f"load average {os.getloadavg()[0]:.1f}; waits over {SILENT_LIMIT_S:.0f} s with nothing shown: "
          + (", ".join(f"{s.name} {s.silent:.1f} s" for s in silent) or "none"))


if __name__ == "__main__":
    main()
