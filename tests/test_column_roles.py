"""Column roles follow the cells as well as the header words.

A narrative column headed "Progress" or "Progress to date" holds dated
updates, not ratings; a "Status" column may hold them too; a "Progress" or
"Update" column of colour words is a rating column. Each table below is
made up for these tests (no council's text), read from a tab-separated text
file, a CSV file and an HTML page, and checked for its updates (split at
their stamps), its ratings and the warning that names each corrected column.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import pytest

from narrative_search.ingest import read_document
from narrative_search.model import Action, DocumentReading
from narrative_search.plans import (
    Column,
    ColumnContent,
    looks_like_dated_narrative,
    looks_like_rating,
    role_from_content,
)

# A cell is the list of its paragraphs: updates, or a single rating word.
Cell = list[str]


@dataclass(frozen=True)
class TableCase:
    """A made-up plan table and what reading it must give."""

    name: str
    header: list[str]
    rows: list[list[Cell]]
    # ref -> [(stamp, start of the update's text)], in order
    updates: dict[str, list[tuple[Optional[str], str]]] = field(default_factory=dict)
    # ref -> [(status label, rating as normalised)]
    ratings: dict[str, list[tuple[str, Optional[str]]]] = field(default_factory=dict)
    # what the warnings say after the location, one per corrected column
    notes: list[str] = field(default_factory=list)


CASES = [
    TableCase(
        name="progress column of dated updates",
        header=["Ref", "Action", "Lead", "Progress"],
        rows=[
            [["1.1"], ["Publish a single guide to short breaks for families"], ["Head of Inclusion"],
             ["Oct 2019: The first draft was shared with the parent carer forum for comment.",
              "Jan 2020: Forum comments were taken in and the guide went live on the Local Offer."]],
            [["1.2"], ["Train every SENCo in the new request form"], ["Principal Educational Psychologist"],
             ["Nov 2019: Two training sessions were held with thirty schools attending.",
              "Feb 2020: The remaining schools were booked onto a spring session."]],
        ],
        updates={
            "1.1": [("Oct 2019", "The first draft was shared"), ("Jan 2020", "Forum comments were taken in")],
            "1.2": [("Nov 2019", "Two training sessions"), ("Feb 2020", "The remaining schools")],
        },
        ratings={"1.1": [], "1.2": []},
        notes=["column 'Progress' read as progress updates: its cells are long dated text"],
    ),
    TableCase(
        name="progress to date column beside a RAG column",
        header=["Ref", "Action", "Lead", "RAG", "Progress to date"],
        rows=[
            [["2.1"], ["Agree a joint commissioning plan with health partners"], ["Director of Children's Services"],
             ["Amber"],
             ["March 2021: A draft plan was taken to the partnership board, which asked for costings.",
              "June 2021: Costings were added and the plan was agreed at the July board."]],
            [["2.2"], ["Set up a monthly panel for placement decisions"], ["Service Manager"],
             ["Green"],
             ["April 2021: The panel met for the first time and heard six cases."]],
        ],
        updates={
            "2.1": [("March 2021", "A draft plan was taken"), ("June 2021", "Costings were added")],
            "2.2": [("April 2021", "The panel met for the first time")],
        },
        ratings={"2.1": [("RAG", "A")], "2.2": [("RAG", "G")]},
        notes=["column 'Progress to date' read as progress updates: its cells are long dated text"],
    ),
    TableCase(
        name="status column of colours beside an update column",
        header=["Ref", "Action", "Lead", "Status", "Update"],
        rows=[
            [["3.1"], ["Audit the quality of new plans each term"], ["Quality Lead"],
             ["Green/Amber"], ["Sept 2020: The first audit looked at twenty plans."]],
            [["3.2"], ["Review the transport policy with families"], ["Transport Manager"],
             ["Red"], ["Oct 2020: The review was paused while the team was short of staff."]],
            [["3.3"], ["Recruit two more caseworkers"], ["Head of SEND"], [""],
             ["Nov 2020: Both posts were filled."]],
        ],
        updates={
            "3.1": [("Sept 2020", "The first audit")],
            "3.2": [("Oct 2020", "The review was paused")],
            "3.3": [("Nov 2020", "Both posts were filled")],
        },
        ratings={"3.1": [("Status", "G/A")], "3.2": [("Status", "R")], "3.3": []},
    ),
    TableCase(
        name="status column that holds the narrative",
        header=["Ref", "Action", "Lead", "Status"],
        rows=[
            [["4.1"], ["Write a new outreach offer for mainstream schools"], ["Outreach Lead"],
             ["May 2022: The offer was drafted with head teachers and costed.",
              "July 2022: It was launched to all schools at the summer conference."]],
            [["4.2"], ["Publish waiting times for therapy services"], ["Designated Clinical Officer"],
             ["June 2022: Waiting times are now published each month on the Local Offer."]],
        ],
        updates={
            "4.1": [("May 2022", "The offer was drafted"), ("July 2022", "It was launched")],
            "4.2": [("June 2022", "Waiting times are now published")],
        },
        ratings={"4.1": [], "4.2": []},
        notes=["column 'Status' read as progress updates: its cells are long dated text"],
    ),
    TableCase(
        name="progress column of long undated commentary",
        header=["Ref", "Action", "Lead", "Progress"],
        rows=[
            [["8.1"], ["Offer every family a named contact"], ["Head of SEND"],
             ["Named contacts are now given in every new assessment letter."]],
            [["8.2"], ["Publish a guide to mediation"], ["Local Offer Lead"],
             ["The guide is written and waits for sign-off by the partnership board."]],
        ],
        updates={
            "8.1": [(None, "Named contacts are now given")],
            "8.2": [(None, "The guide is written")],
        },
        ratings={"8.1": [], "8.2": []},
        notes=["column 'Progress' read as progress updates: its cells are long text, not ratings"],
    ),
    TableCase(
        name="progress column of rating words stays a rating",
        header=["Ref", "Action", "Lead", "Progress"],
        rows=[
            [["5.1"], ["Hold termly events for young people"], ["Participation Officer"], ["Amber"]],
            [["5.2"], ["Refresh the preparation for adulthood pages"], ["Head of Inclusion"], ["G"]],
            [["5.3"], ["Agree a protocol for joint visits"], ["Service Manager"], ["On track"]],
            [["5.4"], ["Close the old referral inbox"], ["Team Manager"], ["Complete"]],
            [["5.5"], ["Agree new banding with schools"], ["Finance Lead"], [""]],
        ],
        updates={ref: [] for ref in ("5.1", "5.2", "5.3", "5.4", "5.5")},
        ratings={
            "5.1": [("Progress", "A")],
            "5.2": [("Progress", "G")],
            "5.3": [("Progress", None)],
            "5.4": [("Progress", None)],
            "5.5": [],
        },
    ),
    TableCase(
        name="update column of rating words is read as ratings",
        header=["Ref", "Action", "Lead", "Update"],
        rows=[
            [["6.1"], ["Map the local speech and language offer"], ["Therapy Lead"], ["Red"]],
            [["6.2"], ["Set targets for annual review timeliness"], ["Head of SEND"], ["Amber - on track"]],
        ],
        updates={"6.1": [], "6.2": []},
        ratings={"6.1": [("Update", "R")], "6.2": [("Update", None)]},
        notes=["column 'Update' read as ratings: its cells are short rating words"],
    ),
    TableCase(
        name="column with no role words that holds dated narrative",
        header=["Ref", "Action", "Lead", "RAG", "Notes"],
        rows=[
            [["7.1"], ["Create a dashboard of plan timeliness"], ["Performance Lead"], ["Amber"],
             ["Dec 2021: A first version went to the board, which asked for monthly figures."]],
            [["7.2"], ["Agree a shared outcomes framework"], ["Head of Inclusion"], ["Green"],
             ["Jan 2022: The framework was agreed by every partner at the January meeting."]],
        ],
        updates={
            "7.1": [("Dec 2021", "A first version went to the board")],
            "7.2": [("Jan 2022", "The framework was agreed")],
        },
        ratings={"7.1": [("RAG", "A")], "7.2": [("RAG", "G")]},
        notes=["column 'Notes' read as progress updates: its cells are long dated text"],
    ),
]


# --- writing a case as a file -------------------------------------------------


def as_text(case: TableCase) -> str:
    """Tab-separated lines; a cell's paragraphs run on in one line."""
    lines = ["Rutland SEND improvement plan: progress report", "", "\t".join(case.header)]
    lines += ["\t".join(" ".join(cell) for cell in row) for row in case.rows]
    return "\n".join(lines) + "\n"


def as_csv(case: TableCase) -> str:
    """Comma-separated records; a cell's paragraphs on lines of their own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(case.header)
    for row in case.rows:
        writer.writerow(["\n".join(cell) for cell in row])
    return buffer.getvalue()


def as_html(case: TableCase) -> str:
    """A page with a heading and the table; a cell of several paragraphs as <p>s."""

    def cell_html(cell: Cell) -> str:
        if len(cell) == 1:
            return html.escape(cell[0])
        return "".join(f"<p>{html.escape(part)}</p>" for part in cell)

    head = "".join(f"<th>{html.escape(label)}</th>" for label in case.header)
    body = "".join("<tr>" + "".join(f"<td>{cell_html(cell)}</td>" for cell in row) + "</tr>\n" for row in case.rows)
    return (
        "<html><head><title>Rutland progress report</title></head><body>\n"
        "<h1>Rutland SEND improvement plan: progress report</h1>\n"
        f"<table>\n<tr>{head}</tr>\n{body}</table>\n</body></html>\n"
    )


WRITERS: dict[str, Callable[[TableCase], str]] = {".txt": as_text, ".csv": as_csv, ".html": as_html}


def read_case(case: TableCase, suffix: str, folder: Path) -> DocumentReading:
    path = folder / f"plan{suffix}"
    path.write_text(WRITERS[suffix](case), encoding="utf-8")
    return read_document(path, council="Rutland")


def by_ref(reading: DocumentReading) -> dict[str, Action]:
    return {action.ref: action for action in reading.actions if action.ref}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_updates_are_split_at_their_stamps(case: TableCase, suffix: str, tmp_path: Path) -> None:
    actions = by_ref(read_case(case, suffix, tmp_path))
    assert sorted(actions) == sorted(case.updates)
    for ref, expected in case.updates.items():
        got = [(update.stamp, update.text) for update in actions[ref].updates]
        assert [stamp for stamp, _ in got] == [stamp for stamp, _ in expected], ref
        for (_, text), (_, start) in zip(got, expected):
            assert text.startswith(start), (ref, text)


@pytest.mark.parametrize("suffix", sorted(WRITERS))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_ratings_are_ratings(case: TableCase, suffix: str, tmp_path: Path) -> None:
    actions = by_ref(read_case(case, suffix, tmp_path))
    for ref, expected in case.ratings.items():
        got = [(status.label, status.rag) for status in actions[ref].statuses]
        assert got == expected, ref
        # A rating is never a dated update printed as one status.
        assert all(len(status.rag_printed or "") <= 30 for status in actions[ref].statuses), ref


@pytest.mark.parametrize("suffix", sorted(WRITERS))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_corrected_column_is_named_in_a_warning(case: TableCase, suffix: str, tmp_path: Path) -> None:
    reading = read_case(case, suffix, tmp_path)
    notes = [warning.split(": ", 1)[1] for warning in reading.warnings if "read as" in warning]
    assert notes == case.notes


def test_a_table_broken_over_pages_warns_once_and_stays_one_table(tmp_path: Path) -> None:
    """The header printed again after a page break gets the same corrected roles."""
    case = CASES[0]
    text = as_text(case)
    header, rows = "\t".join(case.header), text.split("\n")[3:5]
    path = tmp_path / "plan.txt"
    path.write_text("\n".join([header, rows[0], header, rows[1]]) + "\n", encoding="utf-8")
    reading = read_document(path, council="Rutland")
    assert [warning.split(": ", 1)[1] for warning in reading.warnings if "read as" in warning] == case.notes
    assert [len(action.updates) for action in reading.actions] == [2, 2]
    assert all(not action.statuses for action in reading.actions)


# --- the cell tests on their own ------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Red", True),
        ("Amber", True),
        ("G", True),
        ("Green/Amber", True),
        ("Amber - on track", True),
        ("Complete", True),
        ("Completed.", True),
        ("On track", True),
        ("Not started", True),
        ("**RED**", True),
        ("", False),
        ("Dec-19", False),
        ("Oct 2019: The panel met.", False),
        ("The green paper was discussed", False),
    ],
)
def test_looks_like_rating(text: str, expected: bool) -> None:
    assert looks_like_rating(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Oct 2019: The first draft was shared with the parent carer forum.", True),
        ("The first draft was shared in Oct 2019 and then revised.", False),  # a date in a sentence, no stamp
        ("Oct 2019: Done.", False),  # dated but short: a rating with its month at most
        ("Amber", False),
        ("A long cell of text with no date anywhere in it at all, only words.", False),
    ],
)
def test_looks_like_dated_narrative(text: str, expected: bool) -> None:
    assert looks_like_dated_narrative(text) is expected


def content(filled: int, ratings: int = 0, dated: int = 0, long: int = 0) -> ColumnContent:
    return ColumnContent(filled=filled, ratings=ratings, dated_narratives=dated, long_texts=max(long, dated))


@pytest.mark.parametrize(
    "column, counted, expected",
    [
        # header says rating; long dated text wins, one cell is enough
        (Column(0, "rating", "Progress"), content(1, dated=1), "update"),
        (Column(0, "rating", "Progress"), content(9, ratings=8), None),
        (Column(0, "rating", "Progress"), content(4, ratings=2, dated=2), None),  # a mix: the header stands
        (Column(0, "rating", "Dec-19", month="2019-12"), content(2, dated=2), None),  # dated columns are ratings
        # header says rating; long undated text in two cells or more, and no ratings, is commentary
        (Column(0, "rating", "Progress"), content(2, long=2), "update"),
        (Column(0, "rating", "Progress"), content(1, long=1), None),
        (Column(0, "rating", "Progress"), content(3, ratings=1, long=2), None),
        # header says update; only rating words, in two cells or more, make it a rating
        (Column(0, "update", "Update"), content(3, ratings=3), "rating"),
        (Column(0, "update", "Update"), content(1, ratings=1), None),
        (Column(0, "update", "Update"), content(18, ratings=1, dated=14), None),
        # no role words: long dated text in two cells or more, and no ratings
        (Column(0, "field", "Notes"), content(2, dated=2), "update"),
        (Column(0, "field", "Notes"), content(1, dated=1), None),
        (Column(0, "field", "Notes"), content(3, ratings=1, dated=2), None),
        (Column(0, "field", ""), content(2, dated=2), None),  # an unnamed column: sub-labels may name it
        (Column(0, "field", "Evidence (see position)"), content(2, dated=2), None),  # a second evidence column
        # other roles are what their header says
        (Column(0, "position", "Position Statement January 2022", month="2022-01"), content(2, ratings=2), None),
        (Column(0, "evidence", "Evidence"), content(2, dated=2), None),
    ],
)
def test_role_from_content(column: Column, counted: ColumnContent, expected: Optional[str]) -> None:
    found = role_from_content(column, counted)
    assert (found[0] if found else None) == expected
