"""How each document was read, said the same way after an ingest and in `narrative-search documents`.

A plan table keeps its old wording; prose, text-only and revisit pages say
what was read from them (sections, dated updates, commitments, verdicts) and
what was dropped as web furniture, by reason. The prose and revisit texts
here are made up for these tests.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
from click.testing import CliRunner, Result
from helpers import DATA_DIR

from narrative_search import app_views as views
from narrative_search.cli import main
from narrative_search.model import DocumentSummary, IngestOutcome, ReadAs, SaveResult
from narrative_search.render.text import documents_text, dropped_reasons_text, outcome_messages, outcome_rows

# -- the ingest line for each way of reading ------------------------------------------------------


@dataclass(frozen=True)
class OutcomeCase:
    name: str
    result: SaveResult
    line: str
    actions_cell: str


FURNITURE = {"repeated page banner": 1548, "navigation": 312, "cookie banner": 95, "skip link": 20}


def saved(read_as: ReadAs, **counts: Any) -> SaveResult:
    return SaveResult("page.html", "new", read_as=read_as, **counts)


OUTCOME_CASES = [
    OutcomeCase(
        "a plan table: the wording tests and users already know",
        saved("table", actions=3, updates=5, statuses=4, unattributed_chars=12, dropped_chars=7,
              dropped_reasons={"repeated page banner": 7}),
        "page.html: new; 3 actions, 5 updates, 4 statuses, 7 banner characters dropped, "
        "12 characters kept as unattributed text",
        "3",
    ),
    OutcomeCase(
        "a document stored before documents said how they were read: as a table",
        saved("", actions=2),
        "page.html: new; 2 actions, 0 updates, 0 statuses, 0 banner characters dropped, "
        "0 characters kept as unattributed text",
        "2",
    ),
    OutcomeCase(
        "a plan table that also prints revisit verdicts: only the verdicts are added",
        saved("table", actions=3, updates=5, statuses=4, verdicts=2),
        "page.html: new; 3 actions, 5 updates, 4 statuses, 0 banner characters dropped, "
        "0 characters kept as unattributed text, 2 verdicts",
        "3",
    ),
    OutcomeCase(
        "a prose page: sections, dated updates apart from commitments, furniture by reason",
        saved("prose", sections=3, updates=11, commitments=2, dropped_chars=1975, dropped_reasons=FURNITURE),
        "page.html: new; read as prose: 3 sections, 9 dated updates, 2 commitments, "
        "1,975 characters dropped as furniture (repeated page banner 1,548, navigation 312, cookie banner 95, "
        "+1 more), 0 characters kept as unattributed text",
        "3 sections",
    ),
    OutcomeCase(
        "a prose page with nothing dropped, one of each",
        saved("prose", sections=1, updates=2, commitments=1, unattributed_chars=1),
        "page.html: new; read as prose: 1 section, 1 dated update, 1 commitment, 0 characters dropped, "
        "1 character kept as unattributed text",
        "1 section",
    ),
    OutcomeCase(
        "a revisit page read as prose: its verdicts last",
        saved("prose", sections=1, updates=1, verdicts=2),
        "page.html: new; read as prose: 1 section, 1 dated update, 0 commitments, 0 characters dropped, "
        "0 characters kept as unattributed text, 2 verdicts",
        "1 section",
    ),
    OutcomeCase(
        "a plan table and prose beside it",
        saved("both", actions=33, sections=2, updates=8, commitments=1, statuses=33, dropped_chars=40,
              dropped_reasons={"repeated table header": 40}),
        "page.html: new; read as table and prose: 33 actions, 2 sections, 7 updates, 1 commitment, 33 statuses, "
        "40 characters dropped as furniture (repeated table header 40), 0 characters kept as unattributed text",
        "33 + 2 sections",
    ),
    OutcomeCase(
        "nothing dated: stored as searchable text",
        saved("text only", unattributed_chars=1234, dropped_chars=95, dropped_reasons={"cookie banner": 95}),
        "page.html: new; read as text only: no plan table or dated progress; stored as searchable text "
        "(1,234 characters), 95 characters dropped as furniture (cookie banner 95)",
        "0",
    ),
    OutcomeCase(
        "a revisit letter with no dated progress: text, and its verdicts",
        saved("text only", unattributed_chars=300, verdicts=2),
        "page.html: new; read as text only: no plan table or dated progress; stored as searchable text "
        "(300 characters), 0 characters dropped; 2 verdicts",
        "0",
    ),
]


@pytest.mark.parametrize("case", OUTCOME_CASES, ids=[case.name for case in OUTCOME_CASES])
def test_the_ingest_line_says_how_the_document_was_read(case: OutcomeCase) -> None:
    outcome = IngestOutcome(path=Path("in/page.html"), result=case.result, format="html", council="Torbay")
    assert outcome_messages([outcome]) == [("success", case.line)]
    assert outcome_rows([outcome])[0]["actions"] == case.actions_cell


def test_an_unchanged_prose_page_says_how_it_was_read_too() -> None:
    result = saved("prose", sections=2, updates=4)
    result.status = "unchanged"
    (message,) = outcome_messages([IngestOutcome(path=Path("page.html"), result=result)])
    assert message[1].startswith("page.html: unchanged; read as prose: 2 sections, 4 dated updates")


@pytest.mark.parametrize("reasons, limit, expected", [
    ({}, 3, ""),
    ({"navigation": 312}, 3, "navigation 312"),
    (FURNITURE, 3, "repeated page banner 1,548, navigation 312, cookie banner 95, +1 more"),
    (FURNITURE, None, "repeated page banner 1,548, navigation 312, cookie banner 95, skip link 20"),
    (FURNITURE, 4, "repeated page banner 1,548, navigation 312, cookie banner 95, skip link 20"),
])
def test_dropped_reasons_are_summarised_most_first(reasons: dict[str, int], limit: Optional[int],
                                                   expected: str) -> None:
    assert dropped_reasons_text(reasons, limit) == expected


# -- the library: text table and the app's table ----------------------------------------------------


def summary(name: str, read_as: ReadAs, **counts: Any) -> DocumentSummary:
    base: dict[str, Any] = dict(
        name=name, council="Torbay", title="", as_of="2023-04", sha256="", format="html", path="", ingested_at="",
        actions=0, updates=0, statuses=0, unattributed_chars=0, dropped_chars=0,
    )
    return DocumentSummary(**{**base, **counts, "read_as": read_as})


SUMMARIES = [
    summary("plan.txt", "table", actions=33, statuses=33, dropped_chars=12, dropped_reasons={"repeated page banner": 12}),
    summary("progress.html", "prose", sections=3, updates=5, commitments=1, verdicts=2, dropped_chars=1975,
            dropped_reasons=FURNITURE, warnings=["a warning"]),
]


def test_the_documents_table_shows_how_each_was_read_and_why_text_was_dropped() -> None:
    lines = documents_text(SUMMARIES).splitlines()
    assert lines[0].split() == ["document", "council", "as", "of", "read", "as", "actions", "sections", "updates",
                                "commitments", "verdicts", "statuses", "dropped", "unattributed", "dropped", "as"]
    assert lines[1].split()[3:] == ["table", "33", "0", "0", "0", "0", "33", "12", "0", "repeated", "page",
                                    "banner", "12"]
    assert lines[2].split()[3:12] == ["prose", "0", "3", "5", "1", "2", "0", "1975", "0"]
    assert lines[2].endswith("  repeated page banner 1,548, navigation 312, cookie banner 95, +1 more")
    assert lines[3] == "    warning: a warning"


def test_the_app_library_table_has_the_same_columns() -> None:
    table = views.documents_table(SUMMARIES)
    assert {"read as", "actions", "sections", "updates", "commitments", "verdicts", "characters dropped",
            "dropped as"} <= set(table.columns)
    row = table.iloc[1]
    assert (row["read as"], row["sections"], row["commitments"], row["verdicts"]) == ("prose", 3, 1, 2)
    assert row["dropped as"] == "repeated page banner 1,548, navigation 312, cookie banner 95, skip link 20"


# -- end to end: a mixed folder through the CLI --------------------------------------------------------

PLAN = "002_8e0d413e95991a77.txt"  # a bundled plan table (Leicestershire); copied at test time, never committed

JOURNEY = """\
Rutland SEND partnership: our improvement so far

Getting assessments right first time

Position in December 2020
We had:
- long waits for an educational psychologist
- no single record of which requests were late

Position as of May 2022
We have:
- a shared tracker that every team updates each Friday
- waits for an educational psychologist cut to eight weeks

By 31 March 2023 we will have:
- a named contact for every family waiting for an assessment

Preparing for adulthood

Position in December 2020
Young people in Rutland told us they left school without a plan for work or college.

Position as of May 2022
We have:
- a transition fair held in two towns each spring

By 31 March 2023 we will have:
- supported internships with four local employers
"""

REVISIT = """\
Letter to parents and carers in Rutland
Sent 2 February 2024

Inspectors came back to look at the Rutland local area in December 2023.
They judged that we had made sufficient progress in 3 of the 4 areas they looked at again.
"""


@dataclass(frozen=True)
class Expected:
    read_as: str
    council: str
    counts: dict[str, int]  # actions, sections, updates, commitments, verdicts
    dropped: dict[str, int] = field(default_factory=dict)  # reasons that must be among those stored
    line: str = ""  # how the ingest line begins after "name: new; "


EXPECTED = {
    PLAN: Expected("table", "Leicestershire",
                   {"actions": 33, "sections": 0, "updates": 0, "commitments": 0, "verdicts": 0},
                   line="33 actions, 0 updates, 33 statuses, "),
    "journey.txt": Expected("prose", "Rutland",
                            {"actions": 0, "sections": 2, "updates": 6, "commitments": 2, "verdicts": 0},
                            line="read as prose: 2 sections, 4 dated updates, 2 commitments, 0 characters dropped, "),
    "progress.html": Expected("prose", "Torbay",
                              {"actions": 0, "sections": 3, "updates": 5, "commitments": 0, "verdicts": 0},
                              dropped={"cookie banner": 1, "navigation": 1},
                              line="read as prose: 3 sections, 5 dated updates, 0 commitments, "),
    "revisit.txt": Expected("prose", "Rutland",
                            {"actions": 0, "sections": 1, "updates": 1, "commitments": 0, "verdicts": 1}),
}


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(DATA_DIR / PLAN, folder / PLAN)
    with (DATA_DIR / "sources.csv").open(newline="", encoding="utf-8") as handle:
        row = next(entry for entry in csv.DictReader(handle) if entry["file"] == PLAN)
    with (folder / "sources.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    shutil.copy(Path(__file__).parent / "webpages" / "progress.html", folder / "progress.html")
    (folder / "journey.txt").write_text(JOURNEY, encoding="utf-8")
    (folder / "revisit.txt").write_text(REVISIT, encoding="utf-8")
    return folder


def test_a_mixed_folder_is_listed_with_how_each_was_read(tmp_path: Path, mixed_folder: Path) -> None:
    home = tmp_path / "home"
    ingested = run(home, "ingest", "--no-index", str(mixed_folder))
    assert ingested.exit_code == 0, ingested.output
    assert "4 of 4 files ingested." in ingested.output
    for name, expected in EXPECTED.items():
        assert f"{name}: new; {expected.line}" in ingested.output
    assert re.search(r"journey\.txt\s+text\s+Rutland\s+2 sections\s+6\s+new", ingested.output)
    assert re.search(r"revisit\.txt: new; .*, 1 verdict$", ingested.output, re.MULTILINE)

    listed = run(home, "documents", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in map(json.loads, listed.output.splitlines())}
    assert set(rows) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        row = rows[name]
        assert (row["read_as"], row["council"]) == (expected.read_as, expected.council), name
        assert {key: row[key] for key in expected.counts} == expected.counts, name
        assert set(expected.dropped) <= set(row["dropped_reasons"]), name
        assert sum(row["dropped_reasons"].values()) == row["dropped_chars"], name
        reasons = list(row["dropped_reasons"].values())
        assert reasons == sorted(reasons, reverse=True), name
    assert rows[PLAN]["dropped_reasons"].keys() == {"repeated page banner", "repeated table header"}
    assert rows["journey.txt"]["dropped_reasons"] == {}

    table = run(home, "documents").output.splitlines()
    assert "sections" in table[0] and table[0].endswith("dropped as")
    by_name = {line.split()[0]: line for line in table[1:] if not line.startswith(" ")}
    assert re.search(r"journey\.txt\s+Rutland\s+-\s+prose\s+0\s+2\s+6\s+2\s+0\s+0\s+0\s+0\s+-$", by_name["journey.txt"])
    assert re.search(r"\s+prose\s+0\s+3\s+5\s+0\s+0\s+0\s+\d+\s+0\s+cookie banner \d+", by_name["progress.html"])
    assert by_name[PLAN].endswith("repeated page banner 9,918, repeated table header 2,275")

    # Ingested again unchanged, each says how it was read as before (the counts come from the store).
    again = run(home, "ingest", "--no-index", str(mixed_folder)).output
    for name, expected in EXPECTED.items():
        assert f"{name}: unchanged; {expected.line}" in again
    assert "progress.html: unchanged; read as prose: 3 sections, 5 dated updates, 0 commitments, " \
           f"{rows['progress.html']['dropped_chars']:,} characters dropped as furniture (cookie banner " in again
