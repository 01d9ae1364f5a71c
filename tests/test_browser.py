"""The app in a real browser: search, open a timeline, download a brief, upload a document.

Starts ``streamlit run app.py`` on a free local port with a prepared home
folder, drives it with headless Chromium (Debian's ``chromium`` package,
through Playwright's Python package; Playwright's own browser downloads are
never used) and saves a screenshot of each step into ``test-artefacts/``
(git-ignored), with the server's log and the downloaded brief:

- ``01-search.png``: results for "tell it once", the query summary above them;
- ``02-timeline.png``: the timeline of the first result (chart, summary, updates);
- ``03-brief.png``: Staffordshire's revisit brief since January 2021;
- ``04-library.png``: the library after uploading a plan for Rutland;
- ``05-script-as-text.png``: that plan's ``<script>`` shown as text in a result;
- ``06-error.png``: an unknown action id, a plain message;
- ``07-weaknesses.png``: Staffordshire's weaknesses, each rolled up with its rating-share bars;
- ``08-compare-by-theme.png``: one column per council on the co-production theme.

Set-up (as in CI): ``apt-get install -y chromium`` and ``pip install -e '.[test]'``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import REPO
from test_app import SCRIPT, SCRIPT_PLAN, SCRIPT_PLAN_COUNCIL, SCRIPT_PLAN_NAME, prepare_home

from narrative_search import config

ARTEFACTS = REPO / "test-artefacts"
START_TIMEOUT = 120  # seconds for the server to answer
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")  # where the page may send requests: this machine only
STEP_TIMEOUT = 120_000  # milliseconds for a page to show what is expected (the first one loads the model)

INSTALL_HINT = (
    "the browser test needs Debian's Chromium: install it with `sudo apt-get install -y chromium` "
    "(CI installs it; Playwright's own `playwright install` is not used)"
)


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(f"no `chromium` on PATH: {INSTALL_HINT}")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with status {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not answer on {url} within {START_TIMEOUT} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def running_app(home: Path):
    """``streamlit run app.py`` on a free port with ``home`` as its home folder; its URL until the block ends."""
    ARTEFACTS.mkdir(exist_ok=True)
    log = ARTEFACTS / "streamlit-server.log"
    port = free_port()
    env = {**os.environ, config.HOME_ENV: str(home), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as output:
        # As `make run` starts it: the address and usage statistics come from .streamlit/config.toml.
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.port", str(port), "--server.headless", "true"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}/"
    try:
        wait_for_server(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def settle(page) -> None:
    """Wait until the app's script has finished running and the page has drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=STEP_TIMEOUT)
    page.wait_for_timeout(300)


def shot(page, name: str) -> None:
    """A screenshot of the whole page (Streamlit scrolls inside its main area, so the window is made tall)."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 8000))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTEFACTS / name))
    page.set_viewport_size(size)


def weaknesses_and_compare_by_theme(page, expect) -> None:
    """The Weaknesses page and the Compare page by theme, clicked through as a user would (issue 14)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Weaknesses", exact=True).click()
    expect(page.get_by_role("heading", name="Weaknesses", exact=True)).to_be_visible()
    settle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Council").click()
    page.get_by_role("option", name="Staffordshire").click()
    page.wait_for_url("**council=Staffordshire**")
    settle(page)
    expect(page.get_by_role("heading", name="Priority 6:")).to_be_visible()
    six = page.locator("div.ns-weakness").nth(4)
    expect(six).to_contain_text("Stalled (2): 6 E: A since Dec-19 (same rating at successive reviews)")
    expect(page.locator("div.ns-shares").nth(4)).to_contain_text("Dec-21")
    assert page.locator("div.ns-share").count() >= 5  # a bar per review date
    shot(page, "07-weaknesses.png")
    six.locator("summary").click()  # its actions, each linked to its timeline
    six.locator("ul.ns-weakness-actions a").first.click()
    page.wait_for_url("**page=action**")
    settle(page)
    expect(page.get_by_role("heading", name="Staffordshire 6 E")).to_be_visible()

    sidebar.get_by_text("Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Compare councils")).to_be_visible()
    settle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="National theme").click()
    page.get_by_role("option", name="Co-production with parents and young people").click()
    page.wait_for_url("**theme=Co-production**")
    settle(page)
    columns = page.locator("div.ns-theme-council")
    expect(columns).to_have_count(4)
    for council in ("Leicestershire", "Staffordshire", "Telford and Wrekin", "Torbay"):
        expect(page.get_by_role("heading", name=council, exact=True)).to_be_visible()
    expect(columns.nth(1)).to_contain_text("actions on this theme")
    expect(columns.first).to_contain_text("no verdict known")  # the bundled corpus prints no verdicts
    shot(page, "08-compare-by-theme.png")


@pytest.mark.slow  # 45 to 70 s in the suite (more alone, when the corpus is first encoded): a server and a browser
def test_search_timeline_brief_and_upload_in_a_browser(tmp_path, embedder):
    chromium = chromium_path()  # first: without a browser the test fails at once, saying how to install one
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright's Python package: pip install -e '.[test]'")

    plan = tmp_path / SCRIPT_PLAN_NAME
    plan.write_text(SCRIPT_PLAN, encoding="utf-8")
    dialogs: list[str] = []
    requested: list[str] = []  # every URL the page asked for, to check that none leaves this machine

    home = prepare_home(tmp_path / "home", embedder)
    with running_app(home) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: requested.append(request.url))
            page.set_default_timeout(STEP_TIMEOUT)
            expect.set_options(timeout=STEP_TIMEOUT)

            # Search: the first visit loads the model; then results with council, ref and rating.
            page.goto(server)
            box = page.get_by_role("textbox", name="Search every council's plans")
            box.fill("tell it once")
            box.press("Enter")
            page.wait_for_selector("div.ns-hit")
            settle(page)
            hits = page.locator("div.ns-hit")
            assert hits.count() == 10
            # 3.2 D ranks by its own text; the focus area all 3.2 actions print is one card of its own (issue 13)
            first = hits.filter(has=page.get_by_text("3.2 D", exact=True)).first
            expect(first.locator(".ns-council")).to_have_text("Staffordshire")
            expect(first.locator(".ns-ref")).to_have_text("3.2 D")
            expect(first.locator(".ns-chip")).to_have_text("G")
            assert first.locator("mark").count() >= 1
            expect(page.get_by_text("Summary: how each council approaches this")).to_be_visible()
            assert "q=tell+it+once" in page.url
            # A warm search (the same words again, capitalised) re-renders quickly.
            started = time.perf_counter()
            box.fill("Tell it once")
            box.press("Enter")
            page.get_by_text("for “Tell it once” (no filters)").wait_for()
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            warm = time.perf_counter() - started
            settle(page)
            expect(page.locator("div.ns-hit")).to_have_count(10)  # once the rerun has drawn (a busy machine is slow)
            shot(page, "01-search.png")

            # Timeline: an ordinary link from the result.
            page.locator("div.ns-hit").filter(has=page.get_by_text("3.2 D", exact=True)).first.locator(
                'a[data-ns="timeline"]').click()
            page.wait_for_url("**page=action**")
            page.wait_for_selector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
            settle(page)
            expect(page.get_by_role("heading", name="Staffordshire 3.2 D")).to_be_visible()
            assert page.locator("div.ns-entry").count() == 4
            expect(page.locator("ul.ns-summary")).to_contain_text("Now")
            shot(page, "02-timeline.png")

            # Brief: through the sidebar, then a council and a month.
            page.locator('[data-testid="stSidebar"]').get_by_text("Brief", exact=True).click()
            expect(page.get_by_role("heading", name="Revisit brief")).to_be_visible()
            settle(page)
            page.get_by_role("textbox", name="Changes since (YYYY-MM)").fill("2021-01")
            page.get_by_role("textbox", name="Changes since (YYYY-MM)").press("Enter")
            settle(page)
            council = page.locator('[data-testid="stSelectbox"]').filter(has_text="Council")
            council.click()
            page.get_by_role("option", name="Staffordshire").click()
            expect(page.get_by_role("heading", name="Staffordshire, as of Dec 2021; changes since Jan 2021")).to_be_visible()
            settle(page)
            for label in ("Download Markdown", "Download CSV", "Download JSON"):  # each label shown whole
                button = page.get_by_role("button", name=label)
                assert button.evaluate("b => b.scrollWidth <= b.clientWidth && b.innerText.trim()") == label
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Download Markdown").click()
            download = download_info.value
            assert download.suggested_filename == "brief-staffordshire-since-2021-01.md"
            saved = ARTEFACTS / download.suggested_filename
            download.save_as(str(saved))
            brief = saved.read_text(encoding="utf-8")
            assert brief.startswith("# Revisit brief: Staffordshire\n")
            assert "## Changes since Jan 2021" in brief and "## Ratings at each review date" in brief
            shot(page, "03-brief.png")
            weaknesses_and_compare_by_theme(page, expect)

            # Library: upload a plan with a council name; the index updates without a restart.
            page.locator('[data-testid="stSidebar"]').get_by_text("Library", exact=True).click()
            expect(page.get_by_role("heading", name="Library")).to_be_visible()
            settle(page)
            page.locator('input[type="file"]').set_input_files(str(plan))
            expect(page.get_by_text(SCRIPT_PLAN_NAME).first).to_be_visible()
            page.get_by_role("textbox", name="Council", exact=True).fill(SCRIPT_PLAN_COUNCIL)
            page.get_by_role("button", name="Ingest").click()
            expect(page.get_by_text(f"{SCRIPT_PLAN_NAME}: new; 2 actions")).to_be_visible()
            settle(page)
            # The documents table fits across the page: no column hidden off to the right.
            grid = page.locator('[data-testid="stDataFrame"] .dvn-scroller').first
            assert grid.evaluate("g => g.scrollWidth <= g.clientWidth + 1"), "the documents table is cut on the right"
            shot(page, "04-library.png")

            # The uploaded plan's <script> is text: found by a search, shown, never run.
            page.goto(server + "?page=search&q=listening+events+held+in+every+district")
            page.wait_for_selector("div.ns-hit")
            settle(page)
            expect(page.locator("div.ns-hit").first.locator(".ns-council")).to_have_text(SCRIPT_PLAN_COUNCIL)
            expect(page.locator("div.ns-hit").first).to_contain_text(SCRIPT)
            assert page.locator("script", has_text="alert(1)").count() == 0
            assert page.locator("iframe[src='x']").count() == 0
            shot(page, "05-script-as-text.png")
            page.locator("div.ns-hit").first.locator('a[data-ns="timeline"]').click()
            page.wait_for_selector("div.ns-entry")
            settle(page)
            expect(page.locator("div.ns-entry").nth(1)).to_contain_text(SCRIPT)
            assert page.locator("script", has_text="alert(1)").count() == 0
            assert dialogs == []  # no alert() ever ran

            # Errors are plain messages.
            page.goto(server + "?page=action&id=staffordshire/3-2-z")
            alert = page.locator('[data-testid="stAlertContentError"]')
            expect(alert).to_contain_text("no action 'staffordshire/3-2-z' in the corpus")
            settle(page)
            assert page.get_by_text("Traceback").count() == 0
            shot(page, "06-error.png")
        finally:
            browser.close()
    # Nothing leaves this machine: no usage statistics, fonts or other assets from elsewhere.
    outside = sorted({url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS
                      and urlsplit(url).scheme not in ("data", "blob")})
    assert outside == []
    # Started as `make run` starts it, the server names one local URL and looks for no external address.
    started = (ARTEFACTS / "streamlit-server.log").read_text(errors="replace")
    assert "Did not auto detect external IP" not in started and "Network URL" not in started
    assert "External URL" not in started and f"http://localhost:{urlsplit(server).port}" in started
    # A figure, not a bound: speed is measured by bench/, never asserted in tests.
    (ARTEFACTS / "browser-timings.txt").write_text(f"warm search re-render: {warm:.2f} s\n")
