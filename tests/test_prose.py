"""Prose documents read into sections, dated updates and commitments (narrative_search.prose).

Each fixture is a short made-up page in one of the shapes councils publish
(themed progress page, termly update, dated log, timeline list, newsletter,
committee minutes), written for these tests; its gold reading is beside it:
per section (kind, title, theme above it, ref) and per update (kind, stamp as
printed, first and last month, first line of its text).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from narrative_search.export import export_jsonl
from narrative_search.ingest import ingest_paths, read_document
from narrative_search.model import Cell, Document, DocumentReading, Row
from narrative_search.prose import read_prose
from narrative_search.render.text import documents_text
from narrative_search.store import CorpusStore

THEMED = """\
Rutland SEND improvement: where we are now

Quality and oversight of EHC plans

Position in November 2019
We had:
- too many plans finished after the twenty week limit
- little checking of plan quality by managers

Position as of June 2022
We have:
- most new plans finished on time
- a monthly audit of a sample of plans with families

Joint commissioning

Position in November 2019
Health and council teams bought services separately.

Position as of June 2022
We have:
- one commissioning board for all partners
"""

THEMED_GOLD = [
    ("section", "Quality and oversight of EHC plans", "Rutland SEND improvement: where we are now", None, [
        ("update", "Position in November 2019", "2019-11", "2019-11", "We had:"),
        ("update", "Position as of June 2022", "2022-06", "2022-06", "We have:"),
    ]),
    ("section", "Joint commissioning", "Rutland SEND improvement: where we are now", None, [
        ("update", "Position in November 2019", "2019-11", "2019-11", "Health and council teams bought services separately."),
        ("update", "Position as of June 2022", "2022-06", "2022-06", "We have:"),
    ]),
]

TERMLY = """\
Rutland local offer
Spring term 2021 update

Assessment and planning

What we have done
- hired two more caseworkers
- started weekly reviews of late assessments

By 26 April 2021 we will have:
- cleared the backlog of annual reviews
- trained every caseworker in writing outcomes

Short breaks

What we have done
- asked forty families what they need from short breaks

By 26 April 2021 we will have:
- published a new short breaks statement
"""

# Progress is dated by the page's term (spring: January to April); commitments by their own target.
TERMLY_GOLD = [
    ("section", "Assessment and planning", "Spring term 2021 update", None, [
        ("update", None, "2021-01", "2021-04", "What we have done"),
        ("commitment", "By 26 April 2021", "2021-04", "2021-04", "By 26 April 2021 we will have:"),
    ]),
    ("section", "Short breaks", "Spring term 2021 update", None, [
        ("update", None, "2021-01", "2021-04", "What we have done"),
        ("commitment", "By 26 April 2021", "2021-04", "2021-04", "By 26 April 2021 we will have:"),
    ]),
]

LOG = """\
Progress log

15 June 2023: New panel for assessments
A new multi-agency panel now decides on requests for assessment.
It meets every week and families hear within six weeks.

23 November 2022: Parent carer survey results
The survey had 312 replies. Most families said communication had improved.

2 March 2022: Log started
We will record each step of the improvement work here.
"""

# One section per log, each entry a dated update of it: the section's timeline is the log in date order.
LOG_GOLD = [
    ("section", "Progress log", "", None, [
        ("update", "15 June 2023", "2023-06", "2023-06", "New panel for assessments"),
        ("update", "23 November 2022", "2022-11", "2022-11", "Parent carer survey results"),
        ("update", "2 March 2022", "2022-03", "2022-03", "Log started"),
    ]),
]

TIMELINE = """\
Our improvement timeline

February 2020
26 February
Inspection letter published
The letter named six areas of weakness for the partnership.

March 2020
4 March
First improvement board
Leaders agreed who would lead each area of weakness.
19 March
Parent forum workshop
Thirty parents helped write the plan's priorities.
"""

# Day lines take their year from the month heading above them.
TIMELINE_GOLD = [
    ("section", "Our improvement timeline", "", None, [
        ("update", "26 February", "2020-02", "2020-02", "Inspection letter published"),
        ("update", "4 March", "2020-03", "2020-03", "First improvement board"),
        ("update", "19 March", "2020-03", "2020-03", "Parent forum workshop"),
    ]),
]

NEWSLETTER = """\
Torbay SEND newsletter
Published 12 November 2019

Welcome to our autumn newsletter for families and schools.

New short breaks offer
From next month families can book short breaks online.
The booking page lists every provider in the area.

Parent forum elections
3 October 2019
The forum elected a new chair at its annual meeting.
"""

# Items take the page's date unless they print their own.
NEWSLETTER_GOLD = [
    ("section", "Torbay SEND newsletter", "", None, [
        ("update", None, "2019-11", "2019-11", "Welcome to our autumn newsletter for families and schools."),
    ]),
    ("section", "New short breaks offer", "", None, [
        ("update", None, "2019-11", "2019-11", "From next month families can book short breaks online."),
    ]),
    ("section", "Parent forum elections", "", None, [
        ("update", "3 October 2019", "2019-10", "2019-10", "The forum elected a new chair at its annual meeting."),
    ]),
]

MINUTES = """\
Minutes of the SEND Partnership Board meeting held on 14 September 2022

1. Welcome and apologies
Apologies were received from the designated clinical officer.

2. Progress on the improvement plan
Progress as of August 2022: eleven of the twenty actions are on track.
November progress update from action lead
The lead reported that the new graduated response guide was in draft.

Action 1.1 Agree a shared assessment form
The form was agreed by all partners in July.

Action Two Publish the local offer review
The review is written and will be published next month.

3. Any other business
None was raised.
"""

MEETING = "Minutes of the SEND Partnership Board meeting held on 14 September 2022"
# "November" before a September meeting is the November before it; plan actions keep their refs.
MINUTES_GOLD = [
    ("section", "1. Welcome and apologies", MEETING, None, [
        ("update", None, "2022-09", "2022-09", "Apologies were received from the designated clinical officer."),
    ]),
    ("section", "2. Progress on the improvement plan", MEETING, None, [
        ("update", "Progress as of August 2022", "2022-08", "2022-08", "eleven of the twenty actions are on track."),
        ("update", "November progress update from action lead", "2021-11", "2021-11",
         "The lead reported that the new graduated response guide was in draft."),
    ]),
    ("action", "Agree a shared assessment form", "2. Progress on the improvement plan", "1.1", [
        ("update", None, "2022-09", "2022-09", "The form was agreed by all partners in July."),
    ]),
    ("action", "Publish the local offer review", "2. Progress on the improvement plan", "2", [
        ("update", None, "2022-09", "2022-09", "The review is written and will be published next month."),
    ]),
    ("section", "3. Any other business", MEETING, None, [
        ("update", None, "2022-09", "2022-09", "None was raised."),
    ]),
]

NOTHING_DATED = """\
Notes for the reading group.
We talked about books and agreed to meet again.
"""

SHAPES = {
    "themed.txt": (THEMED, THEMED_GOLD),
    "termly.txt": (TERMLY, TERMLY_GOLD),
    "log.txt": (LOG, LOG_GOLD),
    "timeline.txt": (TIMELINE, TIMELINE_GOLD),
    "newsletter.txt": (NEWSLETTER, NEWSLETTER_GOLD),
    "minutes.txt": (MINUTES, MINUTES_GOLD),
}

# What the shapes above leave out: a relative date in a newsletter (resolved against the
# publication date, kept as printed), a financial-year quarter and status in words in minutes
# (kept as the update's text, no rating invented), school terms as ranges, a span with "between".
BULLETIN = """\
Torbay families bulletin
Published 9 January 2023

Welcome to the first bulletin of the new year.

Assessment waits
At the end of last year: the wait for an autism assessment had stopped growing.
The clinic has since added Saturday sessions.

Holiday clubs
Between June and August 2022
Clubs in four towns took children with additional needs for the first time.
"""

BULLETIN_GOLD = [
    ("section", "Torbay families bulletin", "", None, [
        ("update", None, "2023-01", "2023-01", "Welcome to the first bulletin of the new year."),
    ]),
    ("section", "Assessment waits", "", None, [
        ("update", "At the end of last year", "2022-12", "2022-12",
         "the wait for an autism assessment had stopped growing."),
    ]),
    ("section", "Holiday clubs", "", None, [
        ("update", "Between June and August 2022", "2022-06", "2022-08",
         "Clubs in four towns took children with additional needs for the first time."),
    ]),
]

BOARD = """\
Notes of the local area SEND board
Meeting held on 12 October 2022

1. Written statement of action
Q1 2022/23 progress
One in three of the 94 commitments had not started by the end of June.
Most of the others were under way and six were finished.

2. Early years
Progress as of September 2022: every nursery now has a named inclusion adviser.
"""

BOARD_GOLD = [
    ("section", "1. Written statement of action", "Notes of the local area SEND board", None, [
        ("update", "Q1 2022/23 progress", "2022-04", "2022-06",
         "One in three of the 94 commitments had not started by the end of June."),
    ]),
    ("section", "2. Early years", "Notes of the local area SEND board", None, [
        ("update", "Progress as of September 2022", "2022-09", "2022-09",
         "every nursery now has a named inclusion adviser."),
    ]),
]

TERMS = """\
School inclusion: notes by term

Autumn Term 2020
Outreach staff visited every primary school once.

Spring Term 2021
Two more secondary schools signed the inclusion charter.

By the end of the year we will have:
- a charter school in every town
"""

# A term is a range of months; "the end of the year" takes its year from the latest term above.
TERMS_GOLD = [
    ("section", "School inclusion: notes by term", "", None, [
        ("update", "Autumn Term 2020", "2020-09", "2020-12", "Outreach staff visited every primary school once."),
        ("update", "Spring Term 2021", "2021-01", "2021-04", "Two more secondary schools signed the inclusion charter."),
        ("commitment", "By the end of the year", "2021-12", "2021-12", "By the end of the year we will have:"),
    ]),
]

MORE_SHAPES = {
    "bulletin.txt": (BULLETIN, BULLETIN_GOLD),
    "board.txt": (BOARD, BOARD_GOLD),
    "terms.txt": (TERMS, TERMS_GOLD),
}
ALL_SHAPES = {**SHAPES, **MORE_SHAPES}

THEMED_HTML = """<!DOCTYPE html>
<html><head><title>Torbay SEND progress</title></head>
<body><main>
<h1>Torbay SEND improvement progress</h1>
<h2>Waiting times for therapy</h2>
<h3>Position in November 2019</h3>
<p>We had:</p>
<ul><li>children waiting up to a year for speech therapy</li><li>no shared waiting list</li></ul>
<h3>Position as of June 2022</h3>
<p>We have:</p>
<ul><li>waits cut to under eighteen weeks</li><li>one waiting list across partners</li></ul>
<h2>Preparing for adulthood</h2>
<h3>Position in November 2019</h3>
<p>Few young people had a plan for life after school.</p>
<h3>Position as of June 2022</h3>
<ul><li>every young person in year nine has a transition review</li></ul>
</main></body></html>
"""

THEMED_HTML_GOLD = [
    ("section", "Waiting times for therapy", "Torbay SEND improvement progress", None, [
        ("update", "Position in November 2019", "2019-11", "2019-11", "We had:"),
        ("update", "Position as of June 2022", "2022-06", "2022-06", "We have:"),
    ]),
    ("section", "Preparing for adulthood", "Torbay SEND improvement progress", None, [
        ("update", "Position in November 2019", "2019-11", "2019-11", "Few young people had a plan for life after school."),
        ("update", "Position as of June 2022", "2022-06", "2022-06", "every young person in year nine has a transition review"),
    ]),
]


def shape_of(reading: DocumentReading) -> list[tuple]:
    """A reading's prose records in the gold's shape."""
    return [
        (action.kind, action.action, action.focus_area, action.ref, [
            (u.kind, u.stamp, u.start, u.end, u.text.split("\n")[0].lstrip("- ")) for u in action.updates
        ])
        for action in reading.actions
    ]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(ALL_SHAPES))
def test_each_shape_reads_into_its_gold_sections(tmp_path: Path, name: str) -> None:
    text, gold = ALL_SHAPES[name]
    reading = read_document(write(tmp_path, name, text), council="Rutland")
    assert shape_of(reading) == gold
    assert reading.document.read_as == "prose"
    assert not any("no action table" in warning for warning in reading.warnings)


_WORD = re.compile(r"\w+")


def words(text: str) -> Counter:
    return Counter(word.lower() for word in _WORD.findall(text))


def stored_words(reading: DocumentReading) -> Counter:
    """Every word a reading keeps: section and action fields, update stamps and texts, unattributed and dropped text."""
    kept: Counter = Counter()
    for action in reading.actions:
        kept += words(" ".join([action.ref_printed or "", action.action, action.focus_area]))
        for update in action.updates:
            kept += words(" ".join([update.stamp or "", update.text]))
    for span in reading.unattributed + reading.dropped:
        kept += words(span.text)
    return kept


@pytest.mark.parametrize("name", [*ALL_SHAPES, "nothing.txt"])
def test_every_word_of_a_prose_page_is_kept(tmp_path: Path, name: str) -> None:
    """The word-for-word coverage rule holds for prose: nothing is lost between the page and the reading."""
    text = ALL_SHAPES[name][0] if name in ALL_SHAPES else NOTHING_DATED
    reading = read_document(write(tmp_path, name, text), council="Rutland")
    # A theme heading is stored once per section under it, so "at least as often as printed".
    missing = words(text) - stored_words(reading)
    assert not missing


def test_sections_are_ref_less_records_keyed_by_document_and_line(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "themed.txt", THEMED), council="Rutland")
    first, second = reading.actions
    assert (first.id, first.line, first.ref, first.ref_printed) == ("rutland/themed-line-3", 3, None, None)
    assert second.id == "rutland/themed-line-15"
    assert [u.line for u in first.updates] == [5, 10]
    assert [u.source.document for u in first.updates] == ["themed.txt", "themed.txt"]
    assert first.updates[0].text == (
        "We had:\n- too many plans finished after the twenty week limit\n- little checking of plan quality by managers"
    )


def test_commitments_are_kept_apart_from_progress(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "termly.txt", TERMLY), council="Rutland")
    kinds = Counter(update.kind for action in reading.actions for update in action.updates)
    assert kinds == {"update": 2, "commitment": 2}
    commitment = reading.actions[0].updates[1]
    assert commitment.text.splitlines()[1:] == [
        "- cleared the backlog of annual reviews", "- trained every caseworker in writing outcomes"]


def test_a_page_with_nothing_dated_is_stored_as_text_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", NOTHING_DATED)
    reading = read_document(path, council="Rutland")
    assert reading.actions == [] and reading.document.read_as == "text only"
    assert [span.text for span in reading.unattributed] == [NOTHING_DATED.strip()]
    assert any("no action table found and no dated progress" in warning for warning in reading.warnings)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        assert store.save_reading(reading).status == "new"
        (summary,) = store.document_summary()
        assert summary.read_as == "text only" and summary.unattributed_chars == len(NOTHING_DATED.strip())
        assert any("stored as searchable text only" in warning for warning in summary.warnings)


def test_a_folder_of_prose_pages_is_ingested_with_none_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, (text, _gold) in SHAPES.items():
        write(folder, name, text)
    write(folder, "progress.html", THEMED_HTML)
    write(folder, "notes.txt", NOTHING_DATED)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcomes = ingest_paths(store, [folder], council="Rutland")
        assert [o.error for o in outcomes if o.error] == []
        read_as = {s.name: s.read_as for s in store.document_summary()}
        assert read_as == {**{name: "prose" for name in SHAPES}, "progress.html": "prose", "notes.txt": "text only"}
        listing = documents_text(store.document_summary())
        assert "read as" in listing.splitlines()[0]
        assert re.search(r"log\.txt\s+Rutland\s+-\s+prose ", listing)

        # Stored and merged back as sections, exported with their kind.
        section = store.get_action("rutland/log-line-1")
        assert section is not None and section.kind == "section" and section.ref is None
        assert [u.start for u in section.updates] == ["2022-03", "2022-11", "2023-06"]
        assert store.get_action("rutland/1-1").kind == "action"
        buffer = io.StringIO()
        export_jsonl(store, buffer)
        kinds = Counter(json.loads(line)["kind"] for line in buffer.getvalue().splitlines())
        assert kinds == {"section": 14, "action": 2}


def test_an_html_page_is_read_through_the_normal_ingest_path(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "progress.html", THEMED_HTML), council="Torbay")
    assert reading.document.format == "html"
    assert shape_of(reading) == THEMED_HTML_GOLD


def test_headings_and_list_items_marked_by_the_reader_are_trusted() -> None:
    """Rows as the HTML and Word readers give them (heading levels, list items without a marker)."""
    printed = [
        (1, "Partnership progress", False), (2, "Speech and language therapy", False),
        (3, "Position as of March 2021", False), (None, "We have:", False),
        (None, "a single referral route", True), (None, "Shorter waits for assessment", True),
        (2, "What we have done", False), (None, "Trained staff in every school", True),
    ]
    rows = [Row(cells=[Cell(text, line, 0)], line=line, heading_level=level, list_item=item)
            for line, (level, text, item) in enumerate(printed, start=1)]
    reading = read_prose(rows, Document(name="page.html", council="Torbay", as_of="2021-05"))
    (section,) = reading.actions
    assert (section.action, section.focus_area) == ("Speech and language therapy", "Partnership progress")
    assert [(u.stamp, u.start, u.text) for u in section.updates] == [
        ("Position as of March 2021", "2021-03", "We have:\na single referral route\nShorter waits for assessment"),
        # "Shorter waits ..." is a list item, not an inferred heading; the marker heading keeps an undated update.
        (None, None, "What we have done\nTrained staff in every school"),
    ]


PLAN_WITH_PROSE = (
    "Focus Area\tActions\tLead\tProgress update\n"
    "Ref - 1.1 Leadership\tA. Agree the board's terms of reference\tDirector\tMay 2021: terms agreed.\n"
    "\n"
    "Our progress in words\n"
    "\n"
    "Inclusion in schools\n"
    "\n"
    "Position in November 2019\n"
    "Exclusions of pupils with plans were rising.\n"
    "\n"
    "Position as of June 2022\n"
    "Exclusions have fallen for two years.\n"
)


def test_a_document_with_a_table_and_dated_prose_gets_both(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "plan.txt", PLAN_WITH_PROSE), council="Rutland")
    assert reading.document.read_as == "both"
    assert [(a.kind, a.ref) for a in reading.actions] == [("action", "1.1 A"), ("section", None)]
    section = reading.actions[1]
    assert (section.action, section.focus_area) == ("Inclusion in schools", "Our progress in words")
    assert [u.stamp for u in section.updates] == ["Position in November 2019", "Position as of June 2022"]


def test_the_prose_around_a_plan_table_stays_text_unless_it_dates_itself(tmp_path: Path) -> None:
    """Introductions around a plan's tables are context, not sections: the samples read as before."""
    text = PLAN_WITH_PROSE.split("Our progress")[0] + "About this plan\nThe board wrote this plan with parents in May 2021.\n"
    reading = read_document(write(tmp_path, "plan.txt", text), council="Rutland")
    assert reading.document.read_as == "table"
    assert [a.kind for a in reading.actions] == ["action"]
    assert "About this plan\nThe board wrote this plan with parents in May 2021." in [s.text for s in reading.unattributed]


def test_timelines_and_briefs_work_on_sections_unchanged(tmp_path: Path) -> None:
    from narrative_search.brief import build_brief
    from narrative_search.render.markdown import brief_markdown
    from narrative_search.render.text import timeline_text
    from narrative_search.timeline import build_timeline

    folder = tmp_path / "pages"
    folder.mkdir()
    write(folder, "log.txt", LOG)
    write(folder, "termly.txt", TERMLY)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        ingest_paths(store, [folder], council="Rutland")
        timeline = build_timeline(store, "rutland/log-line-1")
        assert (timeline.ref, timeline.action) == (None, "Progress log")
        assert [entry.stamp for entry in timeline.entries] == ["2 March 2022", "23 November 2022", "15 June 2023"]
        assert timeline_text(timeline).splitlines()[0] == "rutland/log-line-1  (Rutland)"
        termly = build_timeline(store, "rutland/termly-line-4")
        assert [entry.kind for entry in termly.entries] == ["update", "commitment"]
        brief = brief_markdown(build_brief(store, "Rutland", as_of="2023-07"))
        assert "Rutland" in brief


TERM_TITLED = """\
Autumn Term 2020 progress report

Our work with schools

What we have done:
- visited every secondary school
- ran training on autism awareness

Next steps
- repeat the visits in the spring

Our work with health

What we have done:
- agreed a single referral form
"""


def test_a_term_in_the_title_dates_the_progress_and_next_steps_are_undated_commitments(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "autumn.txt", TERM_TITLED), council="Rutland")
    assert shape_of(reading) == [
        ("section", "Our work with schools", "Autumn Term 2020 progress report", None, [
            ("update", None, "2020-09", "2020-12", "What we have done:"),
            ("commitment", None, None, None, "Next steps"),
        ]),
        ("section", "Our work with health", "Autumn Term 2020 progress report", None, [
            ("update", None, "2020-09", "2020-12", "What we have done:"),
        ]),
    ]


@pytest.mark.parametrize("lines, stamp, month", [
    (["Yesterday, Tuesday 31st January 2023", "", "Board signs off new strategy", "The board agreed it."],
     None, "2023-01"),
    (["Update May 2021: the new panel started.", "Update June 2021: it cleared twenty cases."],
     "Update May 2021", "2021-05"),
    (["Progress", "", "Position at 3rd February 2021", "Waits were long."], "Position at 3rd February 2021", "2021-02"),
    (["Progress", "", "Q1 note 26/07/2019", "Waits were long."], "Q1 note 26/07/2019", "2019-07"),
])
def test_dates_in_prose_headings_and_lead_lines(lines: list[str], stamp: str, month: str) -> None:
    rows = [Row(cells=[Cell(text, line, 0)] if text else [], line=line) for line, text in enumerate(lines, start=1)]
    reading = read_prose(rows, Document(name="page.txt", council="Torbay"))
    first = reading.actions[0].updates[0]
    assert (first.stamp, first.start) == (stamp, month)


def test_plain_text_headings_are_inferred_from_capitals_colons_numbers_and_dates() -> None:
    text = [
        "EARLY HELP AND INCLUSION",
        "Background:",
        "Schools asked for more support with pupils at risk of exclusion.",
        "Position in March 2022",
        "Two outreach teams now visit schools each week.",
        "",
        "3. Transport",
        "June 2021",
        "Drivers were trained to support children with autism.",
    ]
    rows = [Row(cells=[Cell(line_text, line, 0)] if line_text else [], line=line) for line, line_text in enumerate(text, start=1)]
    reading = read_prose(rows, Document(name="page.txt", council="Torbay"))
    assert [(a.action, a.focus_area, [(u.stamp, u.start) for u in a.updates]) for a in reading.actions] == [
        ("Background:", "EARLY HELP AND INCLUSION", [(None, None), ("Position in March 2022", "2022-03")]),
        ("3. Transport", "EARLY HELP AND INCLUSION", [("June 2021", "2021-06")]),
    ]


def test_status_in_words_in_minutes_is_kept_as_text_and_no_rating_is_invented(tmp_path: Path) -> None:
    reading = read_document(write(tmp_path, "board.txt", BOARD), council="Rutland")
    assert [a.statuses for a in reading.actions] == [[], []]
    assert reading.actions[0].updates[0].text == (
        "One in three of the 94 commitments had not started by the end of June.\n"
        "Most of the others were under way and six were finished."
    )


# --- every shape through the command line, as a user ingests a folder of pages -----------

WEBPAGES = Path(__file__).resolve().parent / "webpages"


@dataclass(frozen=True)
class ShapeCounts:
    """What the store holds from one document, as bench/prose_shapes.py prints it."""

    read_as: str
    sections: int
    plan_actions: int  # "Action 1.1" in minutes, read like a table's action
    dated: int  # progress updates with a month
    commitments: int
    undated: int  # updates kept with no month
    aside_chars: int  # text kept searchable outside any section (headings with no text, tables outside a plan)
    furniture_chars: int  # dropped as web-page furniture or banners


# The councils the made-up web pages name as their site; the text fixtures are Rutland's.
PAGE_COUNCILS = {"themed.html": "Torbay", "local-offer.html": "Solihull", "minutes.html": "Wokingham",
                 "news.html": "Rutland", "progress.html": "Torbay"}


def shape_folder(folder: Path) -> Path:
    """Every prose fixture of this file and the four made-up web pages, in one folder with its sources.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (text, _gold) in ALL_SHAPES.items():
        write(folder, name, text)
    write(folder, "themed.html", THEMED_HTML)
    for page in sorted(WEBPAGES.glob("*.html")):
        (folder / page.name).write_bytes(page.read_bytes())
    councils = {**{name: "Rutland" for name in ALL_SHAPES}, **PAGE_COUNCILS}
    write(folder, "sources.csv", "file,council\n" + "".join(f"{name},{council}\n" for name, council in councils.items()))
    return folder


def stored_shape_counts(store: CorpusStore) -> dict[str, ShapeCounts]:
    """Per stored document: how it was read and what it gave."""
    actions = list(store.iter_actions())
    counts = {}
    for summary in store.document_summary():
        name = summary.name
        own = [a for a in actions if name in a.documents]
        updates = [u for a in own for u in a.updates if any(s.document == name for s in u.sources)]
        counts[name] = ShapeCounts(
            read_as=summary.read_as,
            sections=sum(a.kind == "section" for a in own),
            plan_actions=sum(a.kind == "action" for a in own),
            dated=sum(u.kind == "update" and u.start is not None for u in updates),
            commitments=sum(u.kind == "commitment" for u in updates),
            undated=sum(u.kind == "update" and u.start is None for u in updates),
            aside_chars=summary.unattributed_chars,
            furniture_chars=summary.dropped_chars,
        )
    return counts


# (read as, sections, plan actions, dated updates, commitments) per document.
EXPECTED_SHAPE_COUNTS = {
    "themed.txt": ("prose", 2, 0, 4, 0),
    "termly.txt": ("prose", 2, 0, 2, 2),
    "log.txt": ("prose", 1, 0, 3, 0),
    "timeline.txt": ("prose", 1, 0, 3, 0),
    "newsletter.txt": ("prose", 3, 0, 3, 0),
    "minutes.txt": ("prose", 3, 2, 6, 0),
    "bulletin.txt": ("prose", 3, 0, 3, 0),
    "board.txt": ("prose", 2, 0, 2, 0),
    "terms.txt": ("prose", 1, 0, 2, 1),
    "themed.html": ("prose", 2, 0, 4, 0),
    "local-offer.html": ("prose", 1, 0, 2, 0),
    "minutes.html": ("prose", 4, 1, 5, 0),
    "news.html": ("prose", 2, 0, 2, 0),
    "progress.html": ("prose", 3, 0, 4, 0),
}


def test_every_shape_is_ingested_through_the_command_line_and_read_as_prose(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from narrative_search import config
    from narrative_search.cli import main

    folder = shape_folder(tmp_path / "pages")
    home = tmp_path / "home"
    result = CliRunner().invoke(
        main, ["--home", str(home), "ingest", "--no-index", str(folder)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "ERROR" not in result.output and "no action table found" not in result.output
    with CorpusStore(config.database_path(home)) as store:
        counts = stored_shape_counts(store)
    assert {name: (c.read_as, c.sections, c.plan_actions, c.dated, c.commitments) for name, c in counts.items()} == (
        EXPECTED_SHAPE_COUNTS
    )
    # Web pages lose their furniture, and only their furniture is counted as dropped.
    assert all(c.furniture_chars > 0 for name, c in counts.items() if name in {p.name for p in WEBPAGES.glob("*.html")})
    assert all(c.furniture_chars == 0 for name, c in counts.items() if name.endswith(".txt"))
