"""Sources cited where a person would look: "page 3" of a PDF, "table 2 row 5" of a Word file.

Real files of four formats (the sample corpus rebuilt by ``fixtures_formats``)
are ingested and indexed as `narrative-search ingest` does it; every location
a timeline, a search hit, a brief or an export cites is then checked against
the file itself: the PDF page (pdfplumber), the Word table row (python-docx),
the sheet row (openpyxl) and the text line really print the cited text.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil

import docx
import openpyxl
import pdfplumber
import pytest
from click.testing import CliRunner
from helpers import DATA_DIR, LEICESTERSHIRE, STAFFORDSHIRE_000, STAFFORDSHIRE_001, TELFORD, TORBAY

from narrative_search import app_views as views
from narrative_search.brief import build_brief
from narrative_search.cli import main
from narrative_search.export import export_jsonl
from narrative_search.model import SearchFilters
from narrative_search.render.markdown import brief_markdown
from narrative_search.render.text import action_summary_text, timeline_text
from narrative_search.summary import summarise_action
from narrative_search.workspace import Workspace

PDF = "staffs-priority-3.pdf"  # Staffordshire 001, two pages
DOCX = "staffs-summary.docx"  # Staffordshire 000
XLSX = "leics-wsoa.xlsx"  # Leicestershire
TEXT = "torbay.txt"  # Torbay, plain text (a template: actions, no updates)
TELFORD_TEXT = "telford.txt"  # Telford and Wrekin, plain text with updates

PAGE = re.compile(r"page (\d+)")
TABLE_ROW = re.compile(r"table (\d+) row (\d+)")
SHEET_ROW = re.compile(r"sheet '([^']+)' row (\d+)")
LINE = re.compile(r"line (\d+)")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def opening(text: str, length: int = 25) -> str:
    """The first characters of a text, whitespace collapsed: enough to find it in its file."""
    return flat(text)[:length]


@pytest.fixture(scope="module")
def folder(tmp_path_factory, format_corpus):
    folder = tmp_path_factory.mktemp("located") / "downloads"
    folder.mkdir()
    shutil.copy(format_corpus.path(STAFFORDSHIRE_001, "pdf"), folder / PDF)
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), folder / DOCX)
    shutil.copy(format_corpus.path(LEICESTERSHIRE, "xlsx"), folder / XLSX)
    shutil.copy(DATA_DIR / TORBAY, folder / TEXT)
    shutil.copy(DATA_DIR / TELFORD, folder / TELFORD_TEXT)
    (folder / "sources.csv").write_text(
        "file,council,title,as-of\n"
        f"{DOCX},Staffordshire,WSoA monitoring summary,2021-12\n"
        f"{PDF},Staffordshire,Priority 3 tracker,2021-12\n"
        f"{XLSX},Leicestershire,WSoA early draft,2020-08\n"
        f"{TEXT},Torbay,Written statement of action,2022-03\n"
        f"{TELFORD_TEXT},Telford and Wrekin,SEND action plan,2022-06\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def located(tmp_path_factory, folder, embedder):
    """The four files ingested and indexed in a home of their own."""
    with Workspace.open(tmp_path_factory.mktemp("located-home"), embedder=embedder) as workspace:
        outcomes = workspace.ingest([folder])
        assert [o.error for o in outcomes] == [None] * 5
        yield workspace


# -- what the files themselves print where a location points -------------------


def pdf_page_cells(folder, page: int) -> list[str]:
    """Every table cell printed on one page of the PDF, whitespace collapsed."""
    with pdfplumber.open(folder / PDF) as pdf:
        tables = pdf.pages[page - 1].extract_tables()
    return [flat(cell) for table in tables for row in table for cell in row if cell]


def printed_at(folder, document: str, location: str) -> str:
    """The text the file prints at ``location``: a page's cells, a table row, a sheet row, a line."""
    if document == PDF:
        return " | ".join(pdf_page_cells(folder, int(PAGE.fullmatch(location).group(1))))
    if document == DOCX:
        table, row = (int(n) for n in TABLE_ROW.fullmatch(location).groups())
        return " | ".join(flat(cell.text) for cell in docx.Document(str(folder / DOCX)).tables[table - 1].rows[row - 1].cells)
    if document == XLSX:
        sheet, row = SHEET_ROW.fullmatch(location).groups()
        book = openpyxl.load_workbook(folder / XLSX, read_only=True)
        try:
            cells = next(book[sheet].iter_rows(min_row=int(row), max_row=int(row), values_only=True))
        finally:
            book.close()
        return " | ".join(flat(str(value)) for value in cells if value is not None)
    number = int(LINE.fullmatch(location).group(1))
    return flat((folder / document).read_text(encoding="utf-8").split("\n")[number - 1])


# -- PDF: pages ----------------------------------------------------------------


def test_a_pdf_update_cites_the_page_that_prints_it(located, folder):
    timeline = located.timeline("staffordshire/3-3-c")  # in both reports; page 2 of the PDF
    cited = 0
    for entry in timeline.entries:
        for source in entry.sources:
            if source.document != PDF:
                continue
            assert PAGE.fullmatch(source.location), source
            page = int(PAGE.fullmatch(source.location).group(1))
            assert page == 2
            assert opening(entry.text) in printed_at(folder, PDF, source.location)
            cited += 1
    assert cited >= 3
    # "All ISPGs established" is printed on page 2 and nowhere on page 1: the page is not a guess.
    ispg = next(e for e in timeline.entries if e.text.startswith("All ISPGs established"))
    assert not any(opening(ispg.text) in cell for cell in pdf_page_cells(folder, 1))
    # The review ratings the PDF prints are on its page too.
    printed = [cell for point in timeline.ratings for cell in point.printed if cell.document == PDF]
    assert printed and {cell.location for cell in printed} == {"page 2"}


def test_every_pdf_update_is_printed_on_its_cited_page(located, folder):
    checked = 0
    for action in located.store.iter_actions("Staffordshire"):
        timeline = located.timeline(action.id)
        for entry in timeline.entries:
            for source in entry.sources:
                if source.document == PDF:
                    wording = next((v.text for v in entry.variants if v.document == PDF), entry.text)
                    assert opening(wording) in printed_at(folder, PDF, source.location), (action.id, source)
                    checked += 1
    assert checked > 30


def test_timeline_and_summary_text_show_the_page(located):
    timeline = located.timeline("staffordshire/3-3-c")
    text = timeline_text(timeline)
    assert f"{PDF} page 2" in text
    assert f"{DOCX} table 1 row 8" in text
    assert f"{PDF} line" not in text and f"{DOCX} line" not in text
    summary = action_summary_text(summarise_action(timeline))
    assert re.search(rf"\[({re.escape(PDF)} page 2|{re.escape(DOCX)} table 1 row 8)\]", summary)
    data = json.loads(json.dumps(timeline.to_dict()))
    sources = [source for entry in data["entries"] for source in entry["sources"]]
    assert {(s["document"], s["location"]) for s in sources} >= {(PDF, "page 2"), (DOCX, "table 1 row 8")}
    assert all(list(s)[:3] == ["document", "line", "location"] for s in sources)
    entry_html = "".join(views.entry_html(entry) for entry in timeline.entries)
    assert f"{PDF} page 2" in entry_html


def test_the_brief_shows_the_page_for_a_pdf_source(located):
    brief = build_brief(located.store, "Staffordshire", since="2019-01")
    markdown = brief_markdown(brief)
    assert re.search(rf"\({re.escape(PDF)} page 2[;)]", markdown)  # a change printed in the PDF
    assert f"{PDF} line" not in markdown
    changes = [change for action in brief.actions for change in action.changes]
    assert any(source.location == "page 2" for change in changes for source in change.sources)
    data = json.loads(json.dumps(brief.to_dict()))
    records = [change for action in data["actions"] for change in action["changes"]]
    assert all(list(change)[list(change).index("line") + 1] == "location" for change in records)
    # Each source is [document, line, location], as it was [document, line].
    assert {(source[0], source[2]) for change in records for source in change["sources"]} >= {(PDF, "page 2")}
    html_changes = "".join(views.change_html(change) for change in changes)
    assert html.escape(f"{PDF} page 2") in html_changes


def test_a_search_hit_in_a_pdf_cites_its_page(located, folder):
    filters = SearchFilters(documents=(PDF,), kinds=("update",))
    result = located.search("decision making and accountability", k=5, filters=filters)
    assert result.hits
    for hit in result.hits:
        data = hit.to_dict()
        assert list(data)[list(data).index("line") + 1] == "location"
        assert PAGE.fullmatch(data["location"]), data
        assert opening(hit.text) in printed_at(folder, PDF, data["location"])
        assert html.escape(f"{PDF} {data['location']}") in views.hit_html(hit, 1)
    best = result.hits[0]
    assert best.ref == "3.3 B" and best.to_dict()["location"] == "page 2"


def test_cli_search_json_has_the_location_of_every_hit(located, folder):
    result = CliRunner().invoke(main, ["--home", str(located.home), "search", "training for school staff",
                                       "--k", "20", "--json"], catch_exceptions=False)  # deep enough for the xlsx
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {hit["document"] for hit in hits} >= {PDF, XLSX, TEXT}
    for hit in hits:
        keys = list(hit)
        assert keys[keys.index("line") + 1] == "location"
        if hit["document"] in (TEXT, TELFORD_TEXT):
            assert hit["location"] == f"line {hit['line']}"
        if hit["kind"] != "action":  # an action's text is labelled ("Action: ..."); its fields print apart
            assert opening(hit["text"]) in printed_at(folder, hit["document"], hit["location"]), hit
    assert any(PAGE.fullmatch(hit["location"]) for hit in hits if hit["document"] == PDF)
    table = CliRunner().invoke(main, ["--home", str(located.home), "search", "decision making and accountability",
                                      "--document", PDF, "--k", "1"], catch_exceptions=False)
    assert f"{PDF} page 2" in table.stdout


# -- Word, Excel, text ---------------------------------------------------------


def test_word_sources_cite_their_table_row(located, folder):
    timeline = located.timeline("staffordshire/4-d")  # printed only in the Word summary
    assert timeline.entries
    for entry in timeline.entries:
        (source,) = entry.sources
        assert source.document == DOCX and source.location == "table 2 row 1"
        assert opening(entry.text) in printed_at(folder, DOCX, source.location)


def test_excel_sources_cite_their_sheet_row(located, folder):
    action = located.store.get_action("leicestershire/1-3")
    location = located.store.location(action.document, action.line)
    assert SHEET_ROW.fullmatch(location) and location.startswith("sheet 'Action plan' row ")
    assert opening(action.action.lstrip("- ")) in printed_at(folder, XLSX, location)
    timeline = located.timeline("leicestershire/1-3")
    assert timeline.ratings and all(
        SHEET_ROW.fullmatch(cell.location) for point in timeline.ratings for cell in point.printed
    )


def test_text_sources_cite_their_line(located, folder):
    timeline = located.timeline("telford-and-wrekin/1-1")
    assert len(timeline.entries) >= 2
    for entry in timeline.entries:
        for source in entry.sources:
            assert source.document == TELFORD_TEXT and source.location == f"line {source.line}"
            assert opening(entry.text) in printed_at(folder, TELFORD_TEXT, source.location)
    assert f"{TELFORD_TEXT} line " in timeline_text(timeline)
    action = located.store.get_action("torbay/3a")
    assert located.store.location(action.document, action.line) == f"line {action.line}"
    assert opening(action.action) in printed_at(folder, TEXT, f"line {action.line}")


def test_the_export_gives_a_location_beside_every_line(located, folder):
    out = io.StringIO()
    export_jsonl(located.store, out)
    records = {record["id"]: record for record in map(json.loads, out.getvalue().splitlines())}
    shared = records["staffordshire/3-3-c"]
    assert {u["location"] for u in shared["updates"] if u["document"] == PDF} == {"page 2"}
    assert {s["location"] for s in shared["statuses"] if s["document"] == DOCX} == {"table 1 row 8"}
    assert {s["location"] for s in shared["statuses"] if s["document"] == PDF} == {"page 2"}
    for record in records.values():
        for item in (record, *record["statuses"], *record["updates"]):
            keys = list(item)
            assert keys[keys.index("line") + 1] == "location"
            document = item["document"]
            if document in (TEXT, TELFORD_TEXT):
                assert item["location"] == f"line {item['line']}"
        for update in record["updates"]:
            if update["document"] != XLSX:  # a sheet row prints the whole action; checked above
                assert opening(update["text"]) in printed_at(folder, update["document"], update["location"])
