"""Date stamps: month parsing, due dates, and splitting progress cells.

Rows are real cases from the sample corpus (data/) unless marked
otherwise; the gold tests check every lettered Staffordshire row against
tests/gold/staffordshire-updates.json.
"""

from __future__ import annotations

import re
from typing import Optional

import pytest
from helpers import DATA_DIR as CORPUS_DIR
from helpers import collapse, source_line
from helpers import gold_params as gold_rows

from narrative_search.cleaning import clean_cell
from narrative_search.model import DatePhrase
from narrative_search.stamps import (
    StampedPiece,
    find_date_phrases,
    parse_column_month,
    parse_date_phrase,
    parse_due,
    parse_month,
    split_updates,
)

# --- parse_month -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Oct 2019", ("2019-10", "2019-10")),
        ("October 2019", ("2019-10", "2019-10")),
        ("Sept 2019", ("2019-09", "2019-09")),
        ("Sep 2019", ("2019-09", "2019-09")),
        ("May 21", ("2021-05", "2021-05")),
        ("Oct/Nov 2019", ("2019-10", "2019-11")),
        ("Oct-Nov 2019", ("2019-10", "2019-11")),
        ("Dec-19", ("2019-12", "2019-12")),
        ("Jan-20", ("2020-01", "2020-01")),
        ("Apr-21", ("2021-04", "2021-04")),
        ("Nov 2019", ("2019-11", "2019-11")),
        ("December 2021", ("2021-12", "2021-12")),
        ("January 2022", ("2022-01", "2022-01")),
        ("Jan 22", ("2022-01", "2022-01")),
        ("July 2019", ("2019-07", "2019-07")),
        ("Sep-22", ("2022-09", "2022-09")),
        ("SEptember 22", ("2022-09", "2022-09")),  # 004, as printed
        ("7TH OCTOBER 2020", ("2020-10", "2020-10")),  # 002 banner
        ("December 2021-", ("2021-12", "2021-12")),  # stamp with its dash
        ("Feb 2021:", ("2021-02", "2021-02")),
        # made up: a range over the new year starts the year before
        ("Dec/Jan 2020", ("2019-12", "2020-01")),
        ("", None),
        ("May", None),
        ("Completed", None),
        ("2019", None),
        ("10th Sept", None),
        ("Autumn 2019", None),
        ("in place by Sept 2021", None),
        ("May 21st", None),
    ],
)
def test_parse_month(text: str, expected) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    "label, expected",
    [
        ("Dec-19", "2019-12"),
        ("Jan-20", "2020-01"),
        ("Apr-21", "2021-04"),
        ("Dec-21", "2021-12"),
        ("Nov-21", "2021-11"),
        ("Position Statement January 2022", "2022-01"),
        ("Position Statement June 2022", "2022-06"),
        ("Lead", None),
        ("Progress Red - Delayed Amber - In progress", None),
        ("", None),
    ],
)
def test_parse_column_month(label: str, expected) -> None:
    assert parse_column_month(label) == expected


# --- parse_due ---------------------------------------------------------------


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("30/09/2020", "2020-09"),
        ("30/11/2020", "2020-11"),
        ("31/03/2021", "2021-03"),
        ("31/12/2020", "2020-12"),
        ("31/09/2020", None),  # no 31st of September: keep the printed text only
        ("31/10//2020", "2020-10"),  # doubled slash, same three parts
        ("To be agreed by partners by end of 31/10//2020", "2020-10"),
        ("Sep-22", "2022-09"),
        ("Jul-22", "2022-07"),
        ("Jun-21", "2021-06"),
        ("Jan-22", "2022-01"),
        ("To be agreed by CCG by 31/10/2020", "2020-10"),
        ("To be agreed by CCG/LPT by 31/12/2020", "2020-12"),
        ("TBC by Leads", None),
        ("In place Autumn 2019", None),  # a season is not a month
        ("Go live 30/04/2021", "2021-04"),
        ("твс", None),  # Cyrillic small capitals for "TBC", in 004
        (
            "D1 weekly meetings in place from July 2020, D2 to be fully in place "
            "from September 2020",
            "2020-09",
        ),
        ("In line with HNB workstream plan", None),
        ("To be agreed following revised JSNA issue", None),
        ("HNB workstream end date (TBC)", None),
        ("", None),
        ("32/01/2020", None),  # made up: impossible day
        ("15/13/2020", None),  # made up: impossible month
        ("Dismay 2019", None),  # made up: a month name inside a word
    ],
)
def test_parse_due(printed: str, expected) -> None:
    assert parse_due(printed) == expected


@pytest.mark.parametrize("row", gold_rows("leicestershire-actions.json"))
def test_parse_due_never_fails_on_gold_completions(row) -> None:
    """Every printed completion cell of 002 parses or gives None."""
    result = parse_due(row["completion"])
    assert result is None or re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", result)


# --- split_updates: single cases ---------------------------------------------


def stamps_of(text: str) -> list[tuple[Optional[str], Optional[str], Optional[str]]]:
    return [(piece.stamp, piece.start, piece.end) for piece in split_updates(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # stamps at the start of the cell or of a sentence
        (
            "Oct/Nov 2019: Concern about the number of trained NASEN reviewers",
            [("Oct/Nov 2019", "2019-10", "2019-11")],
        ),
        (
            "the template on the portal. May 21: Developed Quality Assurance Standard",
            [(None, None, None), ("May 21", "2021-05", "2021-05")],
        ),
        (
            "Approved at IP&G in Nov 2020. November 2021- TAC embedded into district",
            [(None, None, None), ("November 2021", "2021-11", "2021-11")],
        ),
        (
            "July 2019 - The voice of children is now included",
            [("July 2019", "2019-07", "2019-07")],
        ),
        ("Feb 2021 Group report this is completed", [("Feb 2021", "2021-02", "2021-02")]),
        (
            "with full membership in place. Sept 2019: ToR discussed and agreed",
            [(None, None, None), ("Sept 2019", "2019-09", "2019-09")],
        ),
        # stamps mid-sentence, followed by a colon
        (
            "contribute to future SEND developments Oct 2019: L&G group reporting",
            [(None, None, None), ("Oct 2019", "2019-10", "2019-10")],
        ),
        (
            "Feb 2021: See [4a above] December 2021: Co-Produced multiagency standards",
            [("Feb 2021", "2021-02", "2021-02"), ("December 2021", "2021-12", "2021-12")],
        ),
        (
            "to be included on the LO and Graduated response Jan 2020: Underway.",
            [(None, None, None), ("Jan 2020", "2020-01", "2020-01")],
        ),
        # a paragraph per line after clean_cell (001 line 26)
        (
            "establish existing provision and any gaps.\nDecember 2021: All schools",
            [(None, None, None), ("December 2021", "2021-12", "2021-12")],
        ),
        # dates that are part of a sentence are not stamps
        (
            "New EYFS levels due to be in place by Sept 2021 - 1/3 of SCC reception",
            [(None, None, None)],
        ),
        (
            "Two year-old progress check workshop taking place in Nov 2021. Three issues",
            [(None, None, None)],
        ),
        ("1st meeting of the CYP forum (Jan 2020)", [(None, None, None)]),
        ("first formal meeting took place (10th Sept), with full", [(None, None, None)]),
        ("Approved at IP&G in Nov 2020.", [(None, None, None)]),
        (
            "Pilot Planned for multi agency auditting in January 2022. Co-produced "
            "Partnership Framework planned to be launched April 2022.",
            [(None, None, None)],
        ),
        ("rolled out to all schools from Jan 22- Se measure", [(None, None, None)]),  # 004
        ("New Action added: January 2022", [(None, None, None)]),  # 004
        ("SEE 6E", [(None, None, None)]),
        ("Completed", [(None, None, None)]),
        # made up: shapes the rules allow that the sample does not show
        ("Dec-19: Underway. Jan-20 - Done", [("Dec-19", "2019-12", "2019-12"), ("Jan-20", "2020-01", "2020-01")]),
        ("Oct-Nov 2019 - Survey sent", [("Oct-Nov 2019", "2019-10", "2019-11")]),
        ("Oct 2019 \u2013 Survey sent", [("Oct 2019", "2019-10", "2019-10")]),
        ("~ Oct 2019 - bullet item", [(None, None, None), ("Oct 2019", "2019-10", "2019-10")]),
        ("30 Sept 2019: Panel met", [("30 Sept 2019", "2019-09", "2019-09")]),
        ("Sept 2021/22: academic year", [(None, None, None)]),
        ("FY 2019 Oct 2020: x", [(None, None, None), ("Oct 2020", "2020-10", "2020-10")]),
        ("May 21st meeting: agreed", [(None, None, None)]),
        ("Staff may 21: not a month", [(None, None, None)]),
        ("Plan agreed. Oct 2019 was busy", [(None, None, None)]),  # lower-case word after
        ("", []),
        ("   \n ", []),
    ],
)
def test_split_updates_stamps(text: str, expected) -> None:
    assert stamps_of(text) == expected


# Made up (issue 12): stamp styles of hand-made layout variants. Numeric
# dates are UK day-first; an "Update" label belongs to its stamp.
NEW_STYLE_STAMPS = [
    # numeric dates
    ("26/07/2019: Panel met", [("26/07/2019", "2019-07", "2019-07")]),
    (
        "26/07/2019: Panel met. 06/01/2020: Review done",
        [("26/07/2019", "2019-07", "2019-07"), ("06/01/2020", "2020-01", "2020-01")],
    ),
    ("06/01/2020 - Review done", [("06/01/2020", "2020-01", "2020-01")]),  # 6 Jan, never 1 June
    ("13/01/2020 Review done", [("13/01/2020", "2020-01", "2020-01")]),
    ("6/1/20: two-digit year", [("6/1/20", "2020-01", "2020-01")]),
    ("Survey closed\n26/07/2019 - Results out", [(None, None, None), ("26/07/2019", "2019-07", "2019-07")]),
    ("noted at the meeting 26/07/2019: agreed", [(None, None, None), ("26/07/2019", "2019-07", "2019-07")]),
    # full dates and month-years written on without a full stop
    (
        "to be published on the site Graduated response 28th January 2020 - Underway.",
        [(None, None, None), ("28th January 2020", "2020-01", "2020-01")],
    ),
    (
        "Survey sent to families 3 March 2020 \u2013 Responses in",
        [(None, None, None), ("3 March 2020", "2020-03", "2020-03")],
    ),
    (
        "Leaflet drafted January 2020 \u2013 Underway. Feb 2020 \u2013 Printed",
        [(None, None, None), ("January 2020", "2020-01", "2020-01"), ("Feb 2020", "2020-02", "2020-02")],
    ),
    # en dash after a stamp at the start of a sentence
    (
        "Plan agreed. January 2020 \u2013 Underway.",
        [(None, None, None), ("January 2020", "2020-01", "2020-01")],
    ),
    ("January 2020\u2013Underway.", [("January 2020", "2020-01", "2020-01")]),
    # an "Update" label before the date
    ("Update May 2021: Leads named", [("Update May 2021", "2021-05", "2021-05")]),
    ("Update - May 2021 Leads named", [("Update - May 2021", "2021-05", "2021-05")]),
    ("Update \u2013 May 2021: Leads named", [("Update \u2013 May 2021", "2021-05", "2021-05")]),
    ("Update: 06/01/2020 - Review", [("Update: 06/01/2020", "2020-01", "2020-01")]),
    ("Update June 2021 more schools joined", [("Update June 2021", "2021-06", "2021-06")]),
    (
        "Launch held. Update May 2021: Leads named. Update - June 2021 - Pilot ended",
        [
            (None, None, None),
            ("Update May 2021", "2021-05", "2021-05"),
            ("Update - June 2021", "2021-06", "2021-06"),
        ],
    ),
]

# Made up: dates inside a sentence, that must not split.
NOT_STAMPS = [
    "the panel met on 3 March 2020 and agreed",
    "The panel met on 3 March 2020 - Minutes to follow",  # "on": the date is the sentence's
    "launched in January 2022 - Schools were told",
    "in place by 28th January 2020 - Leads to confirm",
    "due by 26/07/2019 - Leads to confirm",
    "deadline moved from June 2021 - Board agreed",
    "Review set for 31/09/2020: no such day",  # not a real date: never a stamp
    "Review held 26/07/2019 and agreed",
    "Review held 26/07/2019 - agreed by all",  # lower case after the dash
    "one in 1/3/2020/21 rows",  # a run of numbers and slashes
    "1/3 of SCC reception classes",
    "scored 12/20 at audit",
    "Review held 3 March 2020-Minutes",  # dash not spaced inside a sentence
    "the May 2021 update was late",
    "Updates are listed below for May 2021 - see above",
]


@pytest.mark.parametrize("text, expected", NEW_STYLE_STAMPS)
def test_split_updates_new_style_stamps(text: str, expected) -> None:
    assert stamps_of(text) == expected
    assert_accounts_for_everything(text, split_updates(text))


@pytest.mark.parametrize("text", NOT_STAMPS)
def test_split_updates_leaves_sentence_dates(text: str) -> None:
    assert stamps_of(text) == [(None, None, None)]


def test_split_updates_text_after_new_style_stamps() -> None:
    text = "Drafted Graduated response 28th January 2020 - Underway. Update May 2021: Done"
    assert [(piece.stamp, piece.text) for piece in split_updates(text)] == [
        (None, "Drafted Graduated response"),
        ("28th January 2020", "Underway."),
        ("Update May 2021", "Done"),
    ]


def test_split_updates_texts_and_offsets() -> None:
    text = "Lead text. Oct 2019: First update. Nov 2019 - Second\nDecember 2021- Third"
    pieces = split_updates(text)
    assert pieces == [
        StampedPiece(None, None, None, "Lead text.", 0),
        StampedPiece("Oct 2019", "2019-10", "2019-10", "First update.", 11),
        StampedPiece("Nov 2019", "2019-11", "2019-11", "Second", 35),
        StampedPiece("December 2021", "2021-12", "2021-12", "Third", 53),
    ]


def test_split_updates_keeps_a_stamp_with_no_text() -> None:
    assert split_updates("Feb 2021:") == [StampedPiece("Feb 2021", "2021-02", "2021-02", "", 0)]


def test_split_updates_undated_offset_skips_leading_space() -> None:
    assert split_updates("  Completed") == [StampedPiece(None, None, None, "Completed", 2)]


# --- split_updates: nothing lost -------------------------------------------------

# What split_updates may drop between a stamp and its text: white space, a
# colon or one dash.
_SEPARATOR = re.compile(r"\s*[:\-\u2010-\u2015]?\s*")


def assert_accounts_for_everything(text: str, pieces: list[StampedPiece]) -> None:
    """Walk the input: every non-space character is in a stamp, a stamp's
    separator or a piece's text, in order."""
    position = 0
    for piece in pieces:
        assert text[position : piece.offset].strip() == "", (text, piece)
        if piece.stamp is None:
            assert text.startswith(piece.text, piece.offset)
            position = piece.offset + len(piece.text)
            continue
        assert text.startswith(piece.stamp, piece.offset)
        after_stamp = piece.offset + len(piece.stamp)
        if piece.text:
            text_at = text.index(piece.text, after_stamp)
            assert _SEPARATOR.fullmatch(text[after_stamp:text_at]), (text, piece)
            position = text_at + len(piece.text)
        else:
            separator = _SEPARATOR.match(text, after_stamp)
            assert separator is not None
            position = separator.end()
    assert text[position:].strip() == "", text


ODD_INPUTS = [
    "",
    " ",
    "x < 5",
    "Feb 2021:",
    "Feb 2021:Feb 2021:",
    "Feb 2021: : doubled colon",
    "Oct 2019 - - double dash",
    "Dec-19: a. Jan-20 - b",
    "~ Oct 2019 - bullet",
    "May 21: a\nJune 21: b\n\n",
    "text Sept 2019: x: y",
    "(Jan 2020): in brackets",
    "30 Sept 2019: day first",
    "Oct/Nov 2019:Concern",
    "  leading space. Nov 2019 Trailing   ",
    "December 2021-",
]


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_split_updates_loses_nothing_odd_inputs(text: str) -> None:
    assert_accounts_for_everything(text, split_updates(text))


@pytest.mark.parametrize("row", gold_rows("staffordshire-updates.json"))
def test_split_updates_loses_nothing_gold_cells(row) -> None:
    cell = source_line(row["source"], row["line"]).split("\t")[8]
    live = clean_cell(cell).live
    assert_accounts_for_everything(live, split_updates(live))


def test_split_updates_loses_nothing_any_corpus_cell() -> None:
    """Every cell of every sample document, prose and headers included."""
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            for cell in line.split("\t"):
                live = clean_cell(cell).live
                assert_accounts_for_everything(live, split_updates(live))


# --- split_updates against the gold ---------------------------------------------


@pytest.mark.parametrize("row", gold_rows("staffordshire-updates.json"))
def test_split_updates_matches_gold(row) -> None:
    cell = source_line(row["source"], row["line"]).split("\t")[8]
    pieces = split_updates(clean_cell(cell).live)

    expected_dates = []
    for update in row["updates"]:
        date = update["date"] or {}
        start = date.get("start")
        expected_dates.append((update["stamp"], start, date.get("end", start)))
    assert [(p.stamp, p.start, p.end) for p in pieces] == expected_dates

    expected_texts = [(update["starts"], update["ends"]) for update in row["updates"]]
    assert [(collapse(p.text)[:40], collapse(p.text)[-25:]) for p in pieces] == expected_texts


@pytest.mark.parametrize("row", gold_rows("staffordshire-updates.json"))
def test_column_months_of_gold_statuses(row) -> None:
    for status in row["status"]:
        month = parse_column_month(status["column"])
        assert month is not None and parse_month(status["column"]) == (month, month)


# --- date phrases in prose (made up) ---------------------------------------------


@pytest.mark.parametrize(
    "text, page_month, expected",
    [
        # (printed, start, end, day, relative)
        ("Position as of June 2022", None, ("June 2022", "2022-06", "2022-06", None, False)),
        ("Position in November 2019", None, ("November 2019", "2019-11", "2019-11", None, False)),
        ("February 2020", None, ("February 2020", "2020-02", "2020-02", None, False)),
        ("Feb 2020", None, ("Feb 2020", "2020-02", "2020-02", None, False)),
        ("Oct/Nov 2019 update", None, ("Oct/Nov 2019", "2019-10", "2019-11", None, False)),
        ("January to March 2021", None, ("January to March 2021", "2021-01", "2021-03", None, False)),
        ("between June and August 2021", None, ("between June and August 2021", "2021-06", "2021-08", None, False)),
        ("between November 2021 and March 2022", None,
         ("between November 2021 and March 2022", "2021-11", "2022-03", None, False)),
        ("June and August 2021", None, ("August 2021", "2021-08", "2021-08", None, False)),  # "and" alone: no span
        ("Dec 2019 to Jan 2020", None, ("Dec 2019 to Jan 2020", "2019-12", "2020-01", None, False)),
        ("November to January 2021", None, ("November to January 2021", "2020-11", "2021-01", None, False)),
        # days: the month is what counts, the day is kept
        ("3rd February 2021", None, ("3rd February 2021", "2021-02", "2021-02", 3, False)),
        ("15 June 2023: Panel report", None, ("15 June 2023", "2023-06", "2023-06", 15, False)),
        (
            "Yesterday, Tuesday 31st January 2023, the board met",
            None,
            ("Tuesday 31st January 2023", "2023-01", "2023-01", 31, False),
        ),
        ("Published 12 November 2019", None, ("12 November 2019", "2019-11", "2019-11", 12, False)),
        ("Page last reviewed: 20/04/2023", None, ("20/04/2023", "2023-04", "2023-04", 20, False)),
        ("06/01/2020", None, ("06/01/2020", "2020-01", "2020-01", 6, False)),  # UK: 6 January
        ("26 February", "2020-02", ("26 February", "2020-02", "2020-02", 26, True)),
        ("26th February", None, None),  # no year and no page month
        # no year: the latest such day up to a month after the page's month
        ("on 15 December", "2023-01", ("15 December", "2022-12", "2022-12", 15, True)),
        ("on 3 February", "2023-01", ("3 February", "2023-02", "2023-02", 3, True)),
        ("29 February", "2021-03", None),  # 2021 has no 29 February
        ("26.07.2019", None, ("26.07.2019", "2019-07", "2019-07", 26, False)),
        ("Update 06.01.2020:", None, ("06.01.2020", "2020-01", "2020-01", 6, False)),  # UK: 6 January
        ("31.09.2020", None, None),  # no such day
        ("version 1.2.20", None, None),  # dotted dates need a four-digit year
        ("section 2.3.2019.4", None, None),
        ("30 February", "2020-02", None),
        ("31 June 2021", None, None),
        # school terms
        ("Autumn Term 2020", None, ("Autumn Term 2020", "2020-09", "2020-12", None, False)),
        ("spring term 2021", None, ("spring term 2021", "2021-01", "2021-04", None, False)),
        ("summer term 2021", None, ("summer term 2021", "2021-04", "2021-07", None, False)),
        ("Summer Term 2020/21", None, ("Summer Term 2020/21", "2021-04", "2021-07", None, False)),
        ("Autumn term 2020/21", None, ("Autumn term 2020/21", "2020-09", "2020-12", None, False)),
        ("in the spring term we will", "2021-06", ("spring term", "2021-01", "2021-04", None, True)),
        ("in the spring term we will", "2020-10", ("spring term", "2021-01", "2021-04", None, True)),
        ("autumn term", "2021-03", ("autumn term", "2020-09", "2020-12", None, True)),
        ("autumn term", "2021-09", ("autumn term", "2021-09", "2021-12", None, True)),
        ("spring term", None, None),
        # seasons with a year
        ("in spring 2021", None, ("spring 2021", "2021-03", "2021-05", None, False)),
        ("Autumn 2019", None, ("Autumn 2019", "2019-09", "2019-11", None, False)),
        ("Winter 2020", None, None),
        # UK financial and academic years
        ("Q1 2022/23", None, ("Q1 2022/23", "2022-04", "2022-06", None, False)),
        ("Q2 2022/23", None, ("Q2 2022/23", "2022-07", "2022-09", None, False)),
        ("Q3 2022-23", None, ("Q3 2022-23", "2022-10", "2022-12", None, False)),
        ("Q4 2022/23", None, ("Q4 2022/23", "2023-01", "2023-03", None, False)),
        ("Quarter 4 of 2022/2023", None, ("Quarter 4 of 2022/2023", "2023-01", "2023-03", None, False)),
        ("2022/23", None, ("2022/23", "2022-04", "2023-03", None, False)),
        ("budget for 2019-20", None, ("2019-20", "2019-04", "2020-03", None, False)),
        ("academic year 2021/22", None, ("academic year 2021/22", "2021-09", "2022-08", None, False)),
        ("2019/21", None, None),  # not consecutive years
        ("Sept 2021/22", None, None),  # a month before the years: unclear
        ("Q1 2022", None, None),  # a quarter without its financial year
        # relative to the page's month
        ("by the end of last year", "2021-03", ("end of last year", "2020-12", "2020-12", None, True)),
        ("end of last year", None, None),
        ("beginning of this year", "2021-03", ("beginning of this year", "2021-01", "2021-01", None, True)),
        ("by the end of the year", "2021-03", ("end of the year", "2021-12", "2021-12", None, True)),
        ("the year", "2021-03", None),  # "the year" alone is not read
        ("end of the month", "2021-03", ("end of the month", "2021-03", "2021-03", None, True)),
        ("earlier this year", "2021-03", ("earlier this year", "2021-01", "2021-03", None, True)),
        ("later this year", "2021-03", ("later this year", "2021-03", "2021-12", None, True)),
        ("earlier last year", "2021-03", ("earlier last year", "2020-01", "2020-12", None, True)),
        ("earlier this year", None, None),
        ("last year", "2021-03", ("last year", "2020-01", "2020-12", None, True)),
        ("next month", "2021-12", ("next month", "2022-01", "2022-01", None, True)),
        ("last month", "2021-01", ("last month", "2020-12", "2020-12", None, True)),
        # a month named alone: only with a page month, a capital and a full name
        ("November progress update from action lead", "2022-09", ("November", "2021-11", "2021-11", None, True)),
        ("the October meeting", "2022-09", ("October", "2022-10", "2022-10", None, True)),
        ("agreed in July", "2022-09", ("July", "2022-07", "2022-07", None, True)),
        ("November progress update", None, None),
        ("agreed in july", "2022-09", None),
        ("May we thank the panel", "2022-09", None),  # "May" alone is too often the verb
        ("Jun update", "2022-09", None),  # short names alone are not read
        ("30 February", "2022-09", None),  # no such day, and its month is not read alone
        ("Sept 2021/22", "2022-09", None),
        ("the March-April review", "2022-09", None),
        # not dates
        ("", None, None),
        ("We have made progress", None, None),
        ("may 2020", None, None),  # a verb and a number
        ("May 21", None, None),  # in prose, a day in May
        ("the 2020 panel", None, None),
        ("Dismay 2019", None, None),
    ],
)
def test_parse_date_phrase(text: str, page_month: Optional[str], expected) -> None:
    phrase = parse_date_phrase(text, page_month)
    if expected is None:
        assert phrase is None
        return
    assert phrase is not None
    assert (phrase.printed, phrase.start, phrase.end, phrase.day, phrase.relative) == expected
    assert text[phrase.offset : phrase.offset + len(phrase.printed)] == phrase.printed


def test_find_date_phrases_in_order_with_offsets() -> None:
    text = (
        "Minutes of 3rd February 2021. Progress as of August 2022 on Q1 2022/23 targets; "
        "the rest by the end of last year and in the spring term."
    )
    expected = [
        ("3rd February 2021", "2021-02", "2021-02", 3, False),
        ("August 2022", "2022-08", "2022-08", None, False),
        ("Q1 2022/23", "2022-04", "2022-06", None, False),
        ("end of last year", "2020-12", "2020-12", None, True),
        ("spring term", "2021-01", "2021-04", None, True),
    ]
    assert find_date_phrases(text, "2021-02") == [
        DatePhrase(printed, start, end, text.index(printed), day, relative)
        for printed, start, end, day, relative in expected
    ]


def test_find_date_phrases_leaves_out_what_needs_a_page_month() -> None:
    assert [p.printed for p in find_date_phrases("Since the end of last year and 2022/23")] == ["2022/23"]


def test_find_date_phrases_keeps_overlaps_apart() -> None:
    """A term's year is not read again as a year, a span's months not again alone."""
    text = "Autumn Term 2020/21, then January to March 2021, Q2 2021/22."
    assert [p.printed for p in find_date_phrases(text)] == [
        "Autumn Term 2020/21",
        "January to March 2021",
        "Q2 2021/22",
    ]
