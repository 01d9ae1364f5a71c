"""JSON Lines and CSV exports of a small store built from hand-made readings."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from narrative_search.export import CSV_COLUMNS, export_csv, export_jsonl
from narrative_search.model import Action, Citation, Document, DocumentReading, Status, Update
from narrative_search.store import CorpusStore

MONTH = re.compile(r"^\d{4}-\d{2}$")
AGREED_KEYS = ["id", "council", "document", "ref", "priority", "focus_area", "action",
               "lead", "evidence", "due", "statuses", "updates"]
TRICKY = 'Parents said: "it\'s better", costs £1,200;\nsee <p>§ 3</p> — done'


def staffordshire(name: str, as_of: str, line: int, sha: str, extra: str) -> DocumentReading:
    """One report of 3.3 C; both reports share the Feb 2021 update."""
    action = Action(
        council="Staffordshire", document=name, line=line, ref_printed="C", ref="3.3 C",
        action=f"Develop a peer review protocol ({name[:3]}).", focus_area="3.3 Relationships",
        priority="Priority 3", lead="Chris Rogers", evidence="Provider data",
        due_printed="Dec 2021", due="2021-12",
        statuses=[Status(label="Dec-19", month="2019-12", rag_printed="Amber", rag="A",
                         source=Citation(name, line))],
        updates=[
            Update(text="GR sub group report this as amber.", stamp="Feb 2021",
                   start="2021-02", end="2021-02", source=Citation(name, line)),
            Update(text=extra, stamp="May 2021", start="2021-05", end="2021-06",
                   source=Citation(name, line), deleted=["old plan"]),
        ],
    )
    return DocumentReading(
        document=Document(name=name, council="Staffordshire", as_of=as_of, sha256=sha),
        actions=[action],
    )


@pytest.fixture
def store(tmp_path: Path):
    with CorpusStore(tmp_path / "corpus.sqlite") as corpus:
        corpus.save_reading(staffordshire("000_e72ea107f020d91e.txt", "2021-12", 8, "a", TRICKY))
        corpus.save_reading(staffordshire("001_7b6795448c6a5649.txt", "2021-11", 20, "b",
                                          "Tracker-only update."))
        name = "003_db0635ce1a3fedb6.txt"
        corpus.save_reading(DocumentReading(
            document=Document(name=name, council="Torbay", as_of="2022-03", sha256="c"),
            actions=[Action(council="Torbay", document=name, line=40, ref_printed="18",
                            ref="1B", ref_note="OCR: 18 read as 1B",
                            action="=Publish the Local Offer", due_printed="Sept 22",
                            due="2022-09")],
        ))
        yield corpus


def jsonl(store: CorpusStore, council: str | None = None) -> list[dict]:
    out = io.StringIO()
    count = export_jsonl(store, out, council)
    lines = out.getvalue().splitlines()
    assert len(lines) == count
    return [json.loads(line) for line in lines]


def test_jsonl_keys_come_first_in_agreed_order(store: CorpusStore) -> None:
    records = jsonl(store)
    assert [r["id"] for r in records] == ["staffordshire/3-3-c", "torbay/1b"]
    for record in records:
        assert list(record)[: len(AGREED_KEYS)] == AGREED_KEYS
        # The first addition: what the record is (a table's action or a prose section).
        assert list(record)[len(AGREED_KEYS)] == "kind" and record["kind"] == "action"
    record = records[0]
    assert list(record["statuses"][0])[:3] == ["label", "date", "rag"]
    assert list(record["updates"][0])[:6] == ["stamp", "start", "end", "text", "document",
                                              "line"]


def test_jsonl_values_and_months(store: CorpusStore) -> None:
    staffs, torbay = jsonl(store)
    assert staffs["document"] == "000_e72ea107f020d91e.txt"  # latest report (Dec 2021)
    assert staffs["due"] == "Dec 2021" and staffs["due_month"] == "2021-12"
    assert staffs["documents"] == ["001_7b6795448c6a5649.txt", "000_e72ea107f020d91e.txt"]
    assert [(s["label"], s["date"], s["rag"]) for s in staffs["statuses"]] == [
        ("Dec-19", "2019-12", "A"), ("Dec-19", "2019-12", "A")]

    shared, *others = staffs["updates"]
    assert shared["text"] == "GR sub group report this as amber."
    assert (shared["document"], shared["line"]) == ("001_7b6795448c6a5649.txt", 20)
    assert shared["sources"] == [["001_7b6795448c6a5649.txt", 20],
                                 ["000_e72ea107f020d91e.txt", 8]]
    assert len(others) == 2
    assert TRICKY in [u["text"] for u in others]
    for update in staffs["updates"]:
        for key in ("start", "end"):
            assert update[key] is None or MONTH.match(update[key])
        assert update["kind"] == "update"
    for status in staffs["statuses"]:
        assert status["date"] is None or MONTH.match(status["date"])

    assert torbay["updates"] == [] and torbay["statuses"] == []
    assert torbay["due"] == "Sept 22" and torbay["due_month"] == "2022-09"
    assert torbay["ref_printed"] == "18" and torbay["ref"] == "1B"


def test_jsonl_council_filter_and_utf8(store: CorpusStore) -> None:
    assert [r["council"] for r in jsonl(store, "Torbay")] == ["Torbay"]
    out = io.StringIO()
    export_jsonl(store, out, "Staffordshire")
    assert "£1,200" in out.getvalue()  # written as is, not \u escapes


def test_csv_parses_back_one_row_per_update(store: CorpusStore, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        count = export_csv(store, out)
    with path.open(encoding="utf-8", newline="") as back:
        rows = list(csv.DictReader(back))
    assert len(rows) == count == 4  # 3 updates of 3.3 C, 1 row for update-less 1B
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert list(CSV_COLUMNS)[:12] == ["action_id", "council", "ref", "action", "lead",
                                      "stamp", "start", "end", "kind", "text",
                                      "document", "line"]

    staffs = [row for row in rows if row["action_id"] == "staffordshire/3-3-c"]
    assert [row["start"] for row in staffs] == ["2021-02", "2021-05", "2021-05"]
    assert TRICKY in [row["text"] for row in staffs]  # commas, quotes, newline survive
    assert staffs[0]["sources"] == ("001_7b6795448c6a5649.txt:20; "
                                    "000_e72ea107f020d91e.txt:8")

    (torbay,) = [row for row in rows if row["action_id"] == "torbay/1b"]
    assert torbay["action"] == "=Publish the Local Offer"
    assert (torbay["stamp"], torbay["start"], torbay["end"], torbay["text"]) == ("", "", "", "")
    assert (torbay["document"], torbay["line"]) == ("003_db0635ce1a3fedb6.txt", "40")


def test_csv_spreadsheet_options(store: CorpusStore) -> None:
    out = io.StringIO(newline="")
    export_csv(store, out, "Torbay", bom=True, guard_formulas=True)
    text = out.getvalue()
    assert text.startswith("\ufeffaction_id,")
    (row,) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert row["action"] == "'=Publish the Local Offer"
