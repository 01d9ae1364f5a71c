"""Revisit and monitoring outcomes read into verdict records (issue 12, shape 7), stored, listed, exported, briefed.

Every fixture text here is made up for these tests, in the shapes councils
publish (revisit outcome letters and pages, monitoring news).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any, Optional

import pytest
from click.testing import CliRunner, Result
from helpers import drop_version_3_additions

from narrative_search import config
from narrative_search.cli import main
from narrative_search.errors import NarrativeSearchError
from narrative_search.model import Verdict
from narrative_search.readers.dispatch import read_source
from narrative_search.store import CorpusStore
from narrative_search.verdicts import find_verdicts

COUNCIL = "Rutland"

# (event, date, weakness, verdict, sufficient, total)
Expected = tuple[str, Optional[str], Optional[str], str, Optional[int], Optional[int]]


def verdicts_of(text: str, name: str = "outcome.txt") -> list[Verdict]:
    source = read_source(Path(name), text.encode("utf-8"))
    return find_verdicts(source.rows, COUNCIL, name)


def fields(verdict: Verdict) -> Expected:
    return (verdict.event, verdict.date, verdict.weakness, verdict.verdict, verdict.sufficient, verdict.total)


CASES: list[tuple[str, str, list[Expected]]] = [
    (
        "counts in digits, the month of the revisit from an earlier sentence",
        "Posted 9 January 2023\n\nOur revisit happened in October 2022.\n"
        "Inspectors found the partnership had made enough progress in addressing 4 of the 5 areas.\n",
        [("revisit", "2022-10", None, "sufficient", 4, 5)],
    ),
    (
        "counts in words, 'out of the'",
        "Ofsted and CQC revisited the area in March 2023 and judged sufficient progress in eight out of the "
        "twelve significant weaknesses.\n",
        [("revisit", "2023-03", None, "sufficient", 8, 12)],
    ),
    (
        "insufficient in all but one: one of thirteen sufficient",
        "The revisit in June 2021 concluded that the area had made insufficient progress in tackling "
        "all but one of the thirteen areas.\n",
        [("revisit", "2021-06", None, "insufficient", 1, 13)],
    ),
    (
        "insufficient in some: the rest were sufficient",
        "At the revisit, inspectors judged that insufficient progress had been made in 2 of the 6 weaknesses.\n",
        [("revisit", None, None, "insufficient", 4, 6)],
    ),
    (
        "count printed before the progress words",
        "Inspectors concluded that in seven of the nine areas sufficient progress had been made.\n",
        [("revisit", None, None, "sufficient", 7, 9)],
    ),
    (
        "sufficient in all",
        "The revisit found sufficient progress in all five areas.\n",
        [("revisit", None, None, "sufficient", 5, 5)],
    ),
    (
        "lists of weaknesses judged sufficient and not",
        "The revisit took place in November 2022.\n"
        "The area has made sufficient progress in the following areas:\n"
        "- how families are involved in planning services;\n"
        "- the timeliness of new assessments.\n"
        "\n"
        "The area has not made sufficient progress in the following areas:\n"
        "\u2022 waiting times for speech and language therapy\n"
        "Leaders will now write a new plan.\n",
        [
            ("revisit", "2022-11", "how families are involved in planning services", "sufficient", None, None),
            ("revisit", "2022-11", "the timeliness of new assessments", "sufficient", None, None),
            ("revisit", "2022-11", "waiting times for speech and language therapy", "insufficient", None, None),
        ],
    ),
    (
        "one weakness named in the sentence",
        "Inspectors judged that the area had made sufficient progress in addressing the weakness in the "
        "quality of transition planning.\n",
        [("revisit", None, "the quality of transition planning", "sufficient", None, None)],
    ),
    (
        "an overall judgement, negated after the words",
        "Following the revisit, sufficient progress had not been made overall.\n",
        [("revisit", None, None, "insufficient", None, None)],
    ),
    (
        "monitoring closes two areas and keeps one",
        "In April 2024 the DfE and NHS England held a monitoring meeting with the partnership. "
        "Two other areas of weakness were closed off. The one remaining area continues to be monitored.\n",
        [
            ("monitoring", "2024-04", None, "closed", 2, None),
            ("monitoring", "2024-04", None, "still monitored", None, None),
        ],
    ),
    (
        "a list of areas closed off by monitoring",
        "DfE monitoring in September 2023: the following areas were closed off:\n"
        "- the local offer website\n",
        [("monitoring", "2023-09", "the local offer website", "closed", None, None)],
    ),
    (
        "a heading leads the list (no colon)",
        "The revisit took place in July 2023.\n"
        "Areas where sufficient progress has been made\n"
        "- sharing information between services\n"
        "- the graduated approach in schools\n",
        [
            ("revisit", "2023-07", "sharing information between services", "sufficient", None, None),
            ("revisit", "2023-07", "the graduated approach in schools", "sufficient", None, None),
        ],
    ),
    (
        "a heading-like line with no list under it is a verdict of its own",
        "Inspectors found that the area has made sufficient progress\nNext steps for the partnership.\n",
        [("revisit", None, None, "sufficient", None, None)],
    ),
    (
        "a count without the total",
        "Inspectors judged that the area had made sufficient progress in addressing four of the significant "
        "weaknesses.\n",
        [("revisit", None, None, "sufficient", 4, None)],
    ),
    (
        "closed off with the count after the words; monitoring goes on",
        "At the monitoring meeting in January 2024 the DfE closed off two further areas. "
        "We will continue to monitor the remaining area.\n"
        "Monitoring of the last area will continue until the summer.\n",
        [
            ("monitoring", "2024-01", None, "closed", 2, None),
            ("monitoring", "2024-01", None, "still monitored", None, None),
            ("monitoring", "2024-01", None, "still monitored", None, None),
        ],
    ),
    (
        "monitoring of the remaining area, said in the future",
        "NHS England wrote to us in August 2024. The DfE will now monitor the one remaining area.\n",
        [("monitoring", "2024-08", None, "still monitored", None, None)],
    ),
    (
        "the page's own date is not the event's",
        "The revisit letter was published in February 2023. The revisit found the area had made "
        "enough progress in 3 of 4 areas.\n",
        [("revisit", None, None, "sufficient", 3, 4)],
    ),
]

NEGATIVES: list[tuple[str, str]] = [
    ("a plan's aim", "We will make sufficient progress in all areas before the revisit.\n"),
    ("a plan's purpose", "This plan sets out actions to ensure sufficient progress is made by the revisit.\n"),
    ("a question still open", "The revisit will decide whether sufficient progress has been made.\n"),
    ("present tense, no judgement", "Leaders are making sufficient progress, says the board.\n"),
    ("no inspection or monitoring anywhere", "The team has made sufficient progress in recruiting staff.\n"),
    ("something else closed", "The public consultation closed in June 2023.\n"),
    ("a closure still to come", "We expect the DfE to close the remaining area at the next monitoring meeting.\n"),
    ("a plan's own monitoring, after DfE news",
     "The DfE met us in May 2023. We will continue to monitor attendance. Attendance continues to be monitored.\n"),
    ("monitoring without the DfE or NHS England", "The board continues to monitor the remaining areas of the plan.\n"),
    ("a target to have made", "By the revisit we aim to have made sufficient progress in 5 of the 5 areas.\n"),
]


@pytest.mark.parametrize(("text", "expected"), [(text, expected) for _, text, expected in CASES],
                         ids=[case for case, _, _ in CASES])
def test_verdicts_are_read_from_each_style(text: str, expected: list[Expected]) -> None:
    found = verdicts_of(text)
    assert [fields(verdict) for verdict in found] == expected
    assert all(verdict.council == COUNCIL and verdict.document == "outcome.txt" for verdict in found)


@pytest.mark.parametrize("text", [text for _, text in NEGATIVES], ids=[case for case, _ in NEGATIVES])
def test_aims_questions_and_other_closures_are_not_verdicts(text: str) -> None:
    assert verdicts_of(text) == []


def test_an_html_heading_and_list_items_read_as_a_list_of_weaknesses() -> None:
    page = ("<html><body><main><p>The revisit took place in May 2023.</p>"
            "<h2>Areas where the area has not made sufficient progress</h2>"
            "<ul><li>the co-ordination of health advice</li><li>joint commissioning</li></ul></main></body></html>")
    found = verdicts_of(page, "outcome.html")
    assert [fields(verdict) for verdict in found] == [
        ("revisit", "2023-05", "the co-ordination of health advice", "insufficient", None, None),
        ("revisit", "2023-05", "joint commissioning", "insufficient", None, None),
    ]


def test_each_verdict_cites_its_line_and_keeps_the_sentence() -> None:
    found = verdicts_of("Title\n\nThe revisit took place in May 2022. It found the area had made "
                        "sufficient progress in 2 of the 3 areas.\n")
    assert [(verdict.line, verdict.text) for verdict in found] == [
        (3, "It found the area had made sufficient progress in 2 of the 3 areas.")]


# -- end to end: a revisit page and a monitoring letter, through the CLI ----------

REVISIT_TEXT = """SEND revisit outcome

Posted on 20 December 2022

The joint revisit by Ofsted and CQC took place in October 2022.
Inspectors found that the area had made sufficient progress in addressing 3 of the 5 significant weaknesses.
The area has not made sufficient progress in the following areas:
- the quality of education, health and care plans;
- waiting times for neurodevelopmental assessment.
"""

MONITORING_HTML = """<!DOCTYPE html><html><head><title>Monitoring update</title></head><body>
<main><h1>SEND monitoring update</h1>
<p>In March 2024 the DfE and NHS England met the partnership for a monitoring review.</p>
<p>One further area was closed off. The one remaining area continues to be monitored.</p>
</main></body></html>
"""

JSON_KEYS = ["council", "event", "date", "weakness", "verdict", "sufficient", "total", "document", "location"]


def run(home: Path, *args: str) -> Result:
    if args and args[0] == "ingest":
        args = ("ingest", "--no-index", *args[1:])
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def ingested(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "revisit-outcome.txt").write_text(REVISIT_TEXT, encoding="utf-8")
    (folder / "monitoring-update.html").write_text(MONITORING_HTML, encoding="utf-8")
    home = tmp_path / "home"
    result = run(home, "ingest", "--council", COUNCIL, str(folder))
    assert result.exit_code == 0, result.output
    return home


def verdicts_json(home: Path, *args: str) -> list[dict[str, Any]]:
    result = run(home, "verdicts", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.output)
    return data


def test_verdicts_json_lists_newest_first_with_exactly_the_agreed_keys(ingested: Path) -> None:
    data = verdicts_json(ingested, "--council", "rutland")
    assert all(list(record) == JSON_KEYS for record in data)
    assert [(r["date"], r["event"], r["verdict"], r["weakness"], r["sufficient"], r["total"]) for r in data] == [
        ("2024-03", "monitoring", "closed", None, 1, None),
        ("2024-03", "monitoring", "still monitored", None, None, None),
        ("2022-10", "revisit", "sufficient", None, 3, 5),
        ("2022-10", "revisit", "insufficient", "the quality of education, health and care plans", None, None),
        ("2022-10", "revisit", "insufficient", "waiting times for neurodevelopmental assessment", None, None),
    ]
    assert [(r["document"], r["location"]) for r in data[2:]] == [
        ("revisit-outcome.txt", "line 6"), ("revisit-outcome.txt", "line 8"), ("revisit-outcome.txt", "line 9")]
    assert data[0]["document"] == "monitoring-update.html" and data[0]["location"].startswith("HTML line")
    assert verdicts_json(ingested) == data


def test_verdicts_text_names_the_council_and_sources(ingested: Path) -> None:
    result = run(ingested, "verdicts")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == COUNCIL
    assert lines[3] == "  - Oct 2022, revisit: sufficient (3 of 5 areas sufficient)  [revisit-outcome.txt line 6]"


def test_an_unknown_council_is_named_and_an_empty_corpus_says_so(ingested: Path, tmp_path: Path) -> None:
    with pytest.raises(NarrativeSearchError, match="councils: Rutland"):
        run(ingested, "verdicts", "--council", "Nowhere")
    empty = run(tmp_path / "empty-home", "verdicts")
    assert (empty.exit_code, empty.output) == (0, "No revisit or monitoring verdicts found.\n")


def test_export_verdicts_as_jsonl_and_csv(ingested: Path) -> None:
    jsonl = run(ingested, "export", "--verdicts")
    assert jsonl.exit_code == 0
    assert [json.loads(line) for line in jsonl.output.splitlines()] == verdicts_json(ingested)
    table = run(ingested, "export", "--verdicts", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert list(rows[0]) == JSON_KEYS
    assert (rows[2]["sufficient"], rows[2]["total"], rows[0]["weakness"]) == ("3", "5", "")


def test_the_brief_shows_the_councils_verdicts(ingested: Path) -> None:
    markdown = run(ingested, "brief", COUNCIL)
    assert markdown.exit_code == 0, markdown.output
    section = markdown.output.split("## Revisit and monitoring verdicts\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "- **Mar 2024, monitoring**: closed (1 area) (monitoring-update.html HTML line 4)",
        "- **Mar 2024, monitoring**: still monitored (monitoring-update.html HTML line 4)",
        "- **Oct 2022, revisit**: sufficient (3 of 5 areas sufficient) (revisit-outcome.txt line 6)",
        "- **Oct 2022, revisit**: insufficient: the quality of education, health and care plans (revisit-outcome.txt line 8)",
        "- **Oct 2022, revisit**: insufficient: waiting times for neurodevelopmental assessment (revisit-outcome.txt line 9)",
    ]
    data = json.loads(run(ingested, "brief", COUNCIL, "--format", "json").output)
    assert data["verdicts"] == verdicts_json(ingested)
    earlier = json.loads(run(ingested, "brief", COUNCIL, "--format", "json", "--as-of", "2023-01").output)
    assert [record["date"] for record in earlier["verdicts"]] == ["2022-10"] * 3


def test_reingesting_a_changed_page_replaces_its_verdicts(ingested: Path, tmp_path: Path) -> None:
    page = tmp_path / "pages" / "revisit-outcome.txt"
    page.write_text(REVISIT_TEXT.replace("3 of the 5", "4 of the 5").split("The area has not")[0], encoding="utf-8")
    result = run(ingested, "ingest", "--council", COUNCIL, str(page))
    assert result.exit_code == 0 and "replaced" in result.output
    revisit = [r for r in verdicts_json(ingested) if r["document"] == "revisit-outcome.txt"]
    assert [(r["verdict"], r["sufficient"], r["total"]) for r in revisit] == [("sufficient", 4, 5)]
    with CorpusStore(config.database_path(ingested)) as store:
        store.remove_document("monitoring-update.html")
        assert [v.document for v in store.verdicts()] == ["revisit-outcome.txt"]


def test_a_version_2_store_is_migrated_to_hold_verdicts(ingested: Path) -> None:
    path = config.database_path(ingested)
    conn = sqlite3.connect(path)
    drop_version_3_additions(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with CorpusStore(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == config.SCHEMA_VERSION == 4
        # Stored before: kept, with no verdicts until read again.
        assert len(store.documents()) == 2 and store.verdicts() == []
    result = run(ingested, "ingest", "--force", "--council", COUNCIL, str(ingested.parent / "pages"))
    assert result.exit_code == 0
    assert len(verdicts_json(ingested)) == 5
