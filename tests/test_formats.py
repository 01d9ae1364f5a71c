"""Every format gives the readings the text gives: Word, PDF, HTML, Excel and CSV.

The sample documents are rebuilt as real files by real tools (python-docx,
reportlab, openpyxl; see fixtures_formats.py), then read back through
``read_document``. The hand-checked gold readings must come out of each
format exactly as they come out of the text, with the same counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import docx
import openpyxl
import pytest
from docx.shared import Pt
from fixtures_formats import pdf_font
from helpers import (
    LEICESTERSHIRE,
    STAFFORDSHIRE_000,
    STAFFORDSHIRE_001,
    collapse,
    gold_updates,
    load_gold,
)
from test_coverage import words

from narrative_search.cleaning import normalise_homoglyphs, normalise_rating
from narrative_search.ingest import SourceEntry, read_document

STAFFORDSHIRE_GOLD = load_gold("staffordshire-updates.json")
LEICESTERSHIRE_GOLD = load_gold("leicestershire-actions.json")

STAFFORDSHIRE_FORMATS = ["docx", "pdf", "html"]
LEICESTERSHIRE_FORMATS = ["xlsx", "xlsx-sheets", "csv", "pdf"]
ALL_CASES = [
    *((source, fmt) for source in (STAFFORDSHIRE_000, STAFFORDSHIRE_001) for fmt in STAFFORDSHIRE_FORMATS),
    *((LEICESTERSHIRE, fmt) for fmt in LEICESTERSHIRE_FORMATS),
]


def _without_lookalikes(text):
    return normalise_homoglyphs(text) if text else text


def case_id(case) -> str:
    source, fmt = case
    return f"{source[:3]}-{fmt}"


# --- what the gold checks, as test_reading_gold checks it -----------------------


def staffordshire_seen(action, row) -> tuple:
    return (
        action.council,
        action.ref,
        collapse(action.action)[: len(row["action_starts"])],
        action.lead,
        [(s.label, s.rag) for s in action.statuses],
        [(u.stamp, u.start, u.end, collapse(u.text)[:40], collapse(u.text)[-25:]) for u in action.updates],
    )


def staffordshire_wanted(row) -> tuple:
    return (
        row["council"],
        row["ref"],
        row["action_starts"],
        row["lead"],
        [(s["column"], normalise_rating(s["rag"])) for s in row["status"]],
        gold_updates(row),
    )


def leicestershire_seen(action, row) -> tuple:
    [status] = action.statuses
    return (
        action.ref,
        collapse(action.focus_area)[: len(collapse(row["focus_starts"]))],
        collapse(action.lead),
        action.due_printed,
        status.rag_printed,
        status.rag,
    )


def leicestershire_wanted(row) -> tuple:
    return (
        row["ref"],
        collapse(row["focus_starts"]),
        row["lead"],
        row["completion"],
        row["rag"],
        normalise_rating(row["rag"]),
    )


def everything(action, printed=lambda text: text) -> tuple:
    """All an action holds but its lines: what must not depend on the format.

    ``printed`` maps ratings as printed, for a PDF printed without a Cyrillic font.
    """
    return (
        action.id,
        action.council,
        action.ref_printed,
        action.ref,
        action.ref_note,
        collapse(action.action),
        collapse(action.focus_area),
        collapse(action.priority),
        collapse(action.lead),
        collapse(action.evidence),
        collapse(action.impact),
        action.due_printed,
        action.due,
        sorted((label, collapse(text)) for label, text in action.fields.items()),
        [(s.label, s.month, printed(s.rag_printed), s.rag) for s in action.statuses],
        [(u.stamp, u.start, u.end, u.kind, u.column, collapse(u.text), [collapse(d) for d in u.deleted]) for u in action.updates],
    )


# --- the gold from every format ---------------------------------------------------


@pytest.mark.parametrize("fmt", STAFFORDSHIRE_FORMATS)
@pytest.mark.parametrize("source", [STAFFORDSHIRE_000, STAFFORDSHIRE_001], ids=lambda s: s[:3])
def test_staffordshire_gold_comes_out_of_every_format(format_corpus, source, fmt):
    reading = format_corpus.reading(source, fmt)
    gold = [row for row in STAFFORDSHIRE_GOLD if row["source"] == source]
    assert sorted(a.ref for a in reading.actions) == sorted(row["ref"] for row in gold)
    by_ref = {action.ref: action for action in reading.actions}
    for row in gold:
        assert staffordshire_seen(by_ref[row["ref"]], row) == staffordshire_wanted(row), row["ref"]


@pytest.mark.parametrize("fmt", LEICESTERSHIRE_FORMATS)
def test_leicestershire_gold_comes_out_of_every_format(format_corpus, fmt):
    reading = format_corpus.reading(LEICESTERSHIRE, fmt)
    assert [a.ref for a in reading.actions] == [row["ref"] for row in LEICESTERSHIRE_GOLD]
    for action, row in zip(reading.actions, LEICESTERSHIRE_GOLD):
        assert leicestershire_seen(action, row) == leicestershire_wanted(row), row["ref"]


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_every_format_reads_what_the_text_reads(format_corpus, readings, case):
    """Not only the gold fields: every field, status and update, in the same order."""
    source, fmt = case
    from_text = readings[source]
    from_format = format_corpus.reading(source, fmt)
    printed = (lambda text: text) if fmt != "pdf" or pdf_font()[1] else _without_lookalikes
    assert len(from_format.actions) == len(from_text.actions)
    assert [everything(a, printed) for a in from_format.actions] == [everything(a, printed) for a in from_text.actions]
    assert sum(len(a.updates) for a in from_format.actions) == sum(len(a.updates) for a in from_text.actions)
    assert from_format.document.format == fmt.split("-")[0]
    assert from_format.document.council == from_text.document.council


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_every_word_of_every_format_is_read_or_reported(format_corpus, case):
    """Each word the reader found is in an action, kept as unattributed text, or dropped with a reason."""
    source, fmt = case
    found = format_corpus.source_rows(source, fmt)
    wanted = Counter()
    for row in found.rows:
        for cell in row.cells:
            wanted += words(cell.text)
    for span in found.dropped:
        wanted += words(span.text)
    reading = format_corpus.reading(source, fmt)
    kept = Counter()
    for action in reading.actions:
        texts = [action.ref_printed or "", action.action, action.focus_area, action.priority, action.lead]
        texts += [action.evidence, action.impact, action.due_printed, *action.fields, *action.fields.values()]
        texts += [f"{s.label} {s.rag_printed or ''}" for s in action.statuses]
        texts += [f"{u.stamp or ''} {u.text} {' '.join(u.deleted)}" for u in action.updates]
        for text in texts:
            kept += words(text)
    for span in [*reading.unattributed, *reading.dropped]:
        kept += words(span.text)
    missing = wanted - kept
    assert not missing, dict(missing.most_common(10))


# --- where each record is in its file ---------------------------------------------


@pytest.mark.parametrize("case", [(STAFFORDSHIRE_000, "docx"), (STAFFORDSHIRE_001, "docx"), (LEICESTERSHIRE, "xlsx")], ids=case_id)
def test_word_paragraphs_and_sheet_rows_keep_the_texts_line_numbers(format_corpus, readings, case):
    """A line of the text became a paragraph or table row (Word) or a sheet row (Excel)."""
    source, fmt = case
    reading = format_corpus.reading(source, fmt)
    assert [a.line for a in reading.actions] == [a.line for a in readings[source].actions]
    assert [[s.line for s in a.statuses] for a in reading.actions] == [
        [s.line for s in a.statuses] for a in readings[source].actions
    ]


def test_leicestershire_rag_carried_over_a_page_break_is_found_on_its_sheet_row(format_corpus):
    reading = format_corpus.reading(LEICESTERSHIRE, "xlsx")
    for action, row in zip(reading.actions, LEICESTERSHIRE_GOLD):
        line = row.get("rag_from_line", row["line"])
        assert reading.locate(action.statuses[0].line) == f"sheet 'Action plan' row {line}"


def test_pdf_records_say_their_page(format_corpus):
    reading = format_corpus.reading(STAFFORDSHIRE_001, "pdf")
    pages = {action.ref: reading.locate(action.line) for action in reading.actions}
    assert pages["3.1 A"] == "page 1"
    assert pages["3.3 A"] == "page 2"  # the table goes on over the page break
    assert set(pages.values()) == {"page 1", "page 2"}
    assert all(reading.locate(u.line).startswith("page ") for a in reading.actions for u in a.updates)


def test_pdf_page_footers_are_dropped_and_reported_not_read_as_text(format_corpus):
    reading = format_corpus.reading(STAFFORDSHIRE_001, "pdf")
    footers = [span for span in reading.dropped if span.reason == "page header or footer"]
    assert [span.text for span in footers] == ["Page 1", "Page 2"]
    assert [reading.locate(span.line) for span in footers] == ["page 1", "page 2"]
    assert not any("Page 1" in span.text for span in reading.unattributed)


def test_pdf_banners_wrapped_over_two_lines_are_one_paragraph(format_corpus, readings):
    """Leicestershire's draft notice wraps in the PDF; read whole, it is a banner as in the text."""
    reading = format_corpus.reading(LEICESTERSHIRE, "pdf")
    banners = [span for span in reading.dropped if span.text.startswith("THIS IS A VERY EARLY DRAFT")]
    assert len(banners) == len([s for s in readings[LEICESTERSHIRE].dropped if s.reason == "repeated page banner"])
    assert all(span.text.endswith("7TH OCTOBER 2020.") for span in banners)


def test_html_records_say_their_source_line(format_corpus):
    path = format_corpus.path(STAFFORDSHIRE_000, "html")
    source_lines = path.read_text(encoding="utf-8").split("\n")
    reading = format_corpus.reading(STAFFORDSHIRE_000, "html")
    for action in reading.actions:
        where = reading.locate(action.line)
        number = int(re.fullmatch(r"HTML line (\d+)", where).group(1))
        assert action.action[:30] in source_lines[number - 1]


# --- merged cells, lists, struck-through text ---------------------------------------


def test_the_word_fixture_really_has_merged_cells(format_corpus):
    document = docx.Document(str(format_corpus.path(STAFFORDSHIRE_001, "docx")))
    xml = document.element.xml
    assert "w:gridSpan" in xml  # "Progress ..." over the four dated columns
    assert 'w:vMerge w:val="restart"' in xml  # a focus area over the rows below it


def test_merged_cells_are_read_once(format_corpus):
    from narrative_search.readers.word import read_docx

    rows = read_docx(format_corpus.path(STAFFORDSHIRE_001, "docx")).rows
    header = next(row for row in rows if row.cells[0].text == "Focus Area (Intent)")
    assert [c.text for c in header.cells].count("") == 3  # the merged cell's other three columns
    assert len(header.cells) == 10
    focus = [row for row in rows if row.cells[0].text.startswith("3.1 Co-production")]
    assert len(focus) == 1  # merged down over 3.1 B-E, printed once
    below = rows[rows.index(focus[0]) + 1]
    assert below.cells[0].text == "" and below.cells[1].text.startswith("B. ")


def _plan_docx(path, *, struck: str = "", bullets: tuple[str, ...] = ()):
    """A small Word plan: a header and one action whose progress cell has struck text."""
    document = docx.Document()
    document.add_paragraph("Progress report, Example Council")
    for bullet in bullets:
        document.add_paragraph(bullet, style="List Bullet")
    table = document.add_table(rows=2, cols=5)
    for cell, text in zip(table.rows[0].cells, ["Ref", "Actions", "Lead", "RAG", "Progress update"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1.1", "Agree the plan\nwith parents", "A. Lead", "Green", ""]):
        cell.text = text
    paragraph = table.rows[1].cells[4].paragraphs[0]
    paragraph.add_run("Jan 2022: agreed. ")
    if struck:
        run = paragraph.add_run(struck)
        run.font.strike = True
    paragraph.add_run("Mar 2022: published.")
    for cell in table.rows[0].cells:
        cell.paragraphs[0].runs[0].font.size = Pt(8)
    document.save(path)
    return path


def test_word_struck_through_text_is_kept_apart_from_live_text(tmp_path):
    path = _plan_docx(tmp_path / "plan.docx", struck="Due Feb 2022.")
    [action] = read_document(path, council="Example").actions
    assert [u.stamp for u in action.updates] == ["Jan 2022", "Mar 2022"]
    assert all("Due Feb" not in u.text for u in action.updates)
    assert any("Due Feb 2022." in d for u in action.updates for d in u.deleted)


def test_word_lists_and_cell_lines(tmp_path):
    path = _plan_docx(tmp_path / "plan.docx", bullets=("first point", "second point"))
    reading = read_document(path, council="Example")
    [action] = reading.actions
    assert action.action == "Agree the plan\nwith parents"  # a cell's paragraphs stay its lines, in one cell
    prose = " ".join(span.text for span in reading.unattributed)
    assert "- first point\n- second point" in prose


def test_html_spans_nested_tables_and_entities(tmp_path):
    path = tmp_path / "plan.htm"
    path.write_text(
        """<html><head><title>ignored</title><style>td {color: red}</style></head><body>
        <h2>Example Council &ndash; progress</h2>
        <table>
          <caption>Priority 1</caption>
          <tr><th>Ref</th><th>Actions</th><th>Lead</th><th colspan="2">RAG</th><th>Progress update</th></tr>
          <tr><td rowspan="2">1.1</td><td>Agree the plan &amp; publish it</td><td>A. Lead</td>
              <td>G</td><td></td><td>Jan 2022: agreed.<br>Mar 2022: <del>drafted</del> published.</td></tr>
          <tr><td>Train staff</td><td>B. Lead</td><td>A</td><td></td>
              <td><table><tr><td>Feb 2022:</td><td>half trained</td></tr></table></td></tr>
        </table>
        <ul><li>Next review in May</li></ul>
        </body></html>""",
        encoding="utf-8",
    )
    reading = read_document(path, council="Example")
    first, second = reading.actions
    assert first.ref == "1.1" and first.action == "Agree the plan & publish it"
    assert [(u.stamp, u.text) for u in first.updates] == [("Jan 2022", "agreed."), ("Mar 2022", "published.")]
    assert first.updates[-1].deleted == ["drafted"]
    assert second.action == "Train staff" and second.lead == "B. Lead"  # the rowspan kept columns in place
    assert [s.rag_printed for s in second.statuses] == ["A"]
    assert [(u.stamp, u.text) for u in second.updates] == [("Feb 2022", "half trained")]
    texts = [span.text for span in reading.unattributed]
    # The heading and the caption are consecutive paragraphs: the planner keeps them as one passage.
    assert "Example Council – progress\nPriority 1" in texts and "- Next review in May" in texts
    assert not any("ignored" in text or "color" in text for text in texts)


def test_html_declared_legacy_encoding(tmp_path):
    path = tmp_path / "plan.html"
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>'
        "<table><tr><td>Ref</td><td>Actions</td><td>Lead</td><td>Progress update</td></tr>"
        "<tr><td>1.1</td><td>Publish the \u2018Local Offer\u2019 \u2013 \u00a35k</td><td>A. Lead</td><td>Jan 2022: done</td></tr>"
        "</table></body></html>"
    )
    path.write_bytes(page.encode("cp1252"))
    [action] = read_document(path, council="Example").actions
    assert action.action == "Publish the \u2018Local Offer\u2019 \u2013 \u00a35k"


def test_excel_dates_numbers_and_sheets(tmp_path):
    path = tmp_path / "plan.xlsx"
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Cover"
    cover["A1"] = "Example Council SEND action plan"
    sheet = workbook.create_sheet("Actions")
    sheet.append(["Notes above the table"])
    sheet.append([])
    sheet.append(["Ref", "Actions", "Lead", "Completion date", "RAG", "Budget"])
    sheet.append(["1.1", "Agree the plan", "A. Lead", dt.datetime(2020, 9, 30), "GREEN", 5000.0])
    sheet.append(["1.2", "Train staff", "B. Lead", "TBC", "AMBER", 12.5])
    sheet.merge_cells("A7:C7")
    sheet["A7"] = "Merged note under the table"
    workbook.save(path)
    reading = read_document(path, council="Example")
    first, second = reading.actions
    assert (first.due_printed, first.due) == ("30/09/2020", "2020-09")
    assert first.fields["Budget"] == "5000" and second.fields["Budget"] == "12.5"
    assert reading.locate(first.line) == "sheet 'Actions' row 4"
    texts = [span.text for span in reading.unattributed]
    assert "Example Council SEND action plan" in texts and "Merged note under the table" in texts
    assert "Cover" in texts and "Actions" in texts  # the sheets' names, each a paragraph


def test_csv_with_semicolons_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(
        'Ref;Actions;Lead;RAG;Progress update\n1.1;"Agree the plan\nwith parents";A. Lead;G;"Jan 2022: agreed"\n'
        "1.2;Train staff;B. Lead;A;Feb 2022: started\n",
        encoding="utf-8",
    )
    reading = read_document(path, council="Example")
    first, second = reading.actions
    assert first.action == "Agree the plan\nwith parents"
    assert (second.line, second.updates[0].stamp) == (4, "Feb 2022")  # a record's line is where it starts


def test_sources_csv_names_files_of_every_format(tmp_path, format_corpus):
    """A manifest row files a .docx under its council, title and as-of month, as for text."""
    import shutil

    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), folder / "summary.docx")
    (folder / "sources.csv").write_text("file,council,title,as-of\nsummary.docx,Staffordshire,Summary,2021-12\n", encoding="utf-8")
    from narrative_search.ingest import load_manifest

    entry = load_manifest(folder)["summary.docx"]
    assert entry == SourceEntry(file="summary.docx", council="Staffordshire", title="Summary", as_of="2021-12")
    reading = read_document(folder / "summary.docx", entry=entry)
    assert (reading.document.name, reading.document.format, reading.document.as_of) == ("summary.docx", "docx", "2021-12")
