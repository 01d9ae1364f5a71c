"""Weaknesses as each document groups its actions, rolled up as of a month (issue 14 items 1, 2 and 4).

The expected groupings were read off the bundled documents by hand (which
refs sit under which heading or numbered group); the roll-up numbers of one
weakness per council were counted from the printed rating cells and progress
columns. The fixture plans, pages and letters are our own words.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import LEICESTERSHIRE, STAFFORDSHIRE_001, TORBAY

from narrative_search.export import export_jsonl
from narrative_search.ingest import read_document
from narrative_search.model import slug
from narrative_search.render.csv import weaknesses_csv
from narrative_search.render.markdown import weaknesses_markdown
from narrative_search.store import CorpusStore
from narrative_search.weaknesses import find_weaknesses, weakness_report


def grouping(store, council, embedder=None) -> dict[str, list[str]]:
    """Weakness id -> the refs under it (an action printed without a ref by its id), in document order."""
    found = find_weaknesses(store, council, embedder=embedder)
    return {weakness.id: [link.ref or link.action_id for link in weakness.links] for weakness in found.weaknesses}


def by_id(report, weakness_id):
    return next(rollup for rollup in report.rollups if rollup.weakness.id == weakness_id)


def letters(prefix: str, last: str) -> list[str]:
    return [f"{prefix}{letter}" for letter in "ABCDEFGHI"[: "ABCDEFGHI".index(last) + 1]]


# -- the five sample documents ---------------------------------------------------------


def test_staffordshire_priority_three_heading_and_the_numbered_groups_of_the_summary(corpus_store):
    """001 prints "Priority 3: Co-production is weak ..." above its whole table; 000 prints only focus
    areas numbered 1.1, 1.2, 4, 5 and 6 (its 3.1 F and 3.3 C are the same actions as 001's)."""
    assert grouping(corpus_store, "Staffordshire") == {
        "staffordshire/priority-1": ["1.1 A", "1.2 C"],
        "staffordshire/priority-3": letters("3.1 ", "F") + letters("3.2 ", "I") + letters("3.3 ", "C"),
        "staffordshire/priority-4": ["4 D"],
        "staffordshire/priority-5": ["5 C", "5 F"],
        "staffordshire/priority-6": ["6 E", "6 F"],
    }
    found = {w.id: w for w in find_weaknesses(corpus_store, "Staffordshire").weaknesses}
    three = found["staffordshire/priority-3"]
    assert three.text.startswith("Co-production is weak. Parents feel")
    assert three.heading.startswith("Priority 3: Co-production is weak")
    assert (three.document, three.line) == (STAFFORDSHIRE_001, 3)
    assert all(link.stated and link.how == "heading" and link.score is None for link in three.links)
    # No priority heading is printed for 1: its words are its focus areas, as printed.
    one = found["staffordshire/priority-1"]
    assert one.text.startswith("1.1 Roles and responsibilities") and "; 1.2 United vision" in one.text
    assert one.document == "" and all(link.how == "numbered group" for link in one.links)


def test_leicestershire_two_weaknesses_listed_in_the_introduction_with_their_priorities(corpus_store):
    """"These areas of weakness are:" lists two; PRIORITY ONE and PRIORITY TWO head the 1.x and 2.x tables."""
    assert grouping(corpus_store, "Leicestershire") == {
        "leicestershire/priority-1": [f"1.{n}" for n in range(1, 20)],
        "leicestershire/priority-2": [f"2.{n}" for n in range(1, 15)],
    }
    one, two = find_weaknesses(corpus_store, "Leicestershire").weaknesses
    assert one.text.startswith("The absence of a clearly defined joint commissioning strategy")
    assert two.text.startswith("Systemic weaknesses in the quality of EHC plans")
    assert (one.heading, two.heading) == ("PRIORITY ONE", "PRIORITY TWO")
    assert (one.document, one.line, two.line) == (LEICESTERSHIRE, 21, 22)  # the introduction's list


def test_torbay_areas_for_improvement_each_over_their_focus_areas(corpus_store):
    """Seven headed boxes, each above the milestone tables of its focus areas: "7 - Poor joint
    commissioning ..." (focus areas 1-3), "AFI 1 - ..." (4-5), "Area for Improvement 2" to "6"."""
    unreffed = f"torbay/{slug(TORBAY.rsplit('.', 1)[0])}-line-104"  # printed without a ref under 7A
    assert grouping(corpus_store, "Torbay") == {
        "torbay/area-7": ["1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C"],
        "torbay/area-1": ["4A", "4B", "4C", "4D", "4E", "5A"],
        "torbay/area-2": ["6A", "6B", "6C", "6D", "7A", "7B", "7C", "7D", "8A", "8B", "8C", "8D", unreffed],
        "torbay/area-3": ["9A", "9B", "10A", "10B", "11A", "11B", "11C", "12A", "12B", "12C", "12D", "12E", "12F"],
        "torbay/area-4": ["13A", "13B", "13C", "13D", "13E", "13F", "14A", "14B"],
        "torbay/area-5": ["15A", "15B", "15C", "15D", "15E", "15F"],
        "torbay/area-6": ["16A", "16B", "16C", "16D", "16E", "16F", "17A", "17B", "17C", "17D", "17E",
                          "18A", "18B", "18C", "18D", "19A", "20A", "20B", "20C", "20D"],
    }
    texts = [(w.number, w.text) for w in find_weaknesses(corpus_store, "Torbay").weaknesses]
    assert texts[0][0] == 7 and texts[0][1].startswith("Poor joint commissioning arrangements")
    assert texts[1][0] == 1 and texts[1][1].startswith("The lack of a suitably ambitious SEND strategy")
    assert texts[2:] == [(2, "Cultural Change"), (3, "Joint Working"), (4, "Graduated Response"),
                         (5, "Becoming an Adult"), (6, "Quality of Education, Health & Care Plans")]


def test_telford_numbered_groups_of_refs(corpus_store):
    """No heading names Telford's groups: the refs 1, 1.x, 2.x, 3.x, 4.x do; only the first
    group's Priority cell is printed whole (cut across two rows)."""
    assert grouping(corpus_store, "Telford and Wrekin") == {
        "telford-and-wrekin/priority-1": ["1", "1.1", "1.2", "1.3", "1.4", "1.6", "1.7", "1.8", "1.9"],
        "telford-and-wrekin/priority-2": [f"2.{n}" for n in range(1, 11)],
        "telford-and-wrekin/priority-3": ["3.1", "3.2", "3.3"],
        "telford-and-wrekin/priority-4": [f"4.{n}" for n in range(1, 9)],
    }
    one, two, *_ = find_weaknesses(corpus_store, "Telford and Wrekin").weaknesses
    assert one.text.startswith("To ensure that every child and young person with SEND makes excellent progress")
    assert one.text.endswith("high quality provision.")
    assert two.text == ""  # nothing printed names it


def test_every_sample_action_is_under_exactly_one_weakness_by_the_document(corpus_store):
    for council in corpus_store.councils():
        found = find_weaknesses(corpus_store, council)
        linked = [link.action_id for weakness in found.weaknesses for link in weakness.links]
        assert sorted(linked) == sorted(action.id for action in corpus_store.iter_actions(council)), council
        assert all(link.stated for weakness in found.weaknesses for link in weakness.links)
        assert found.unlinked == [] and found.verdicts == []


# -- roll-ups checked by hand, one weakness per council ------------------------------------


def test_staffordshire_priority_six_rolled_up(corpus_store):
    """6 E and 6 F: "A" under Dec-19, Jan-20, Apr-21 and Dec-21; their progress cells say only "SEE 6E"/"SEE 6F"."""
    report = weakness_report(corpus_store, "Staffordshire")
    assert (report.as_of, report.stale_since, report.complete_ratings) == ("2021-12", "2021-06", ["G"])
    six = by_id(report, "staffordshire/priority-6")
    assert six.actions == 2
    assert [(share.labels, share.counts, share.shares) for share in six.review_dates] == [
        ([label], {"A": 2}, {"A": 1.0}) for label in ("Dec-19", "Jan-20", "Apr-21", "Dec-21")]
    assert six.latest_ratings == {"A": 2} and six.complete == []
    assert six.stale == ["staffordshire/6-e", "staffordshire/6-f"]
    assert [(s.ref, s.rating, s.since, s.since_label, s.reasons) for s in six.stalled] == [
        ("6 E", "A", "2019-12", "Dec-19", ["rating"]), ("6 F", "A", "2019-12", "Dec-19", ["rating"])]
    assert six.latest_update is None


def test_staffordshire_as_of_a_month_reads_the_ratings_then(corpus_store):
    """4 D: R at Dec-19, G ("Completed") from Jan-20: complete as of January 2020, never stalled."""
    four = by_id(weakness_report(corpus_store, "Staffordshire", as_of="2020-01"), "staffordshire/priority-4")
    assert [(share.month, share.counts) for share in four.review_dates] == [("2019-12", {"R": 1}), ("2020-01", {"G": 1})]
    assert four.complete == ["staffordshire/4-d"] and four.stalled == []
    assert four.latest_update is not None and four.latest_update.month <= "2020-01"


def test_leicestershire_priority_two_rolled_up(corpus_store):
    """2.1-2.14 under one PROGRESS column (the Aug 2020 draft): AMBER twelve times, GREEN (2.11), PINK (2.14)."""
    two = by_id(weakness_report(corpus_store, "Leicestershire"), "leicestershire/priority-2")
    assert two.actions == 14
    (review,) = two.review_dates
    assert (review.month, review.counts, review.actions) == ("2020-08", {"A": 12, "G": 1, "pink": 1}, 14)
    assert review.shares == {"A": 0.857, "G": 0.071, "pink": 0.071}
    assert two.complete == []  # Blue is Completed here; no action is blue
    assert two.stalled == []  # one review date: nothing to compare
    assert len(two.stale) == 14 and two.latest_update is None  # a draft: no dated progress yet


def test_torbay_area_for_improvement_one_rolled_up(corpus_store):
    """4A-4E and 5A: the template's RAG and date columns are empty."""
    one = by_id(weakness_report(corpus_store, "Torbay"), "torbay/area-1")
    assert (one.actions, one.review_dates, one.latest_ratings) == (6, [], {"none": 6})
    assert one.complete == [] and one.stalled == [] and one.latest_update is None
    assert one.stale == ["torbay/4a", "torbay/4b", "torbay/4c", "torbay/4d", "torbay/4e", "torbay/5a"]


def test_telford_priority_one_rolled_up(corpus_store):
    """1.4 and 1.7 print no position statement; 1.1's June statement is January's word for word."""
    report = weakness_report(corpus_store, "Telford and Wrekin")
    one = by_id(report, "telford-and-wrekin/priority-1")
    assert (report.as_of, report.stale_since) == ("2022-06", "2021-12")
    assert one.actions == 9 and one.review_dates == [] and one.complete == []
    assert one.stale == ["telford-and-wrekin/1-4", "telford-and-wrekin/1-7"]
    assert [(s.ref, s.since, s.reasons) for s in one.stalled] == [("1.1", "2022-01", ["repeats"])]
    assert one.latest_update is not None and one.latest_update.month == "2022-06"
    assert one.latest_update.action_id == "telford-and-wrekin/1"


# -- fixtures in the three shapes --------------------------------------------------------

_HEADER = ("Focus Area (Intent)\tActions (Implementation)\tLead\tEvidence (Impact)\t"
           "Progress Red - Delayed Amber - In progress Green - Completed Grey - not yet started\t\t\t"
           "Sub Group Action to date (Implementation)")
_COLUMNS = "\t\t\t\tDec-20\tJun-21\tDec-21\t"

#: Priority headings, each with its statement under it, and the weaknesses listed in the introduction.
PRIORITY_PLAN = "\n".join([
    "Rutland local area written statement of action",
    "",
    "The inspection found two significant weaknesses in the area. These areas of weakness are:",
    "",
    "- Families wait too long for new education, health and care plans",
    "- Leaders across education, health and care do not commission services together",
    "",
    "PRIORITY ONE",
    "",
    "- Issue every new plan within twenty weeks",
    "",
    _HEADER, _COLUMNS,
    "1.1 Plans on time\tA. Recruit two more plan writers.\tJo Bloggs\tMore plans on time\tA\tA\tA\t"
    "Dec 2020: Advert placed for two writers. Jun 2021: Advert placed for two writers.",
    "1.2 Tracking requests\tA. Track every new request each week.\tJo Bloggs\tNo request missed\tA\tG\tG\t"
    "Dec 2020: Weekly tracker built and shared. Jun 2021: Weekly tracker built and shared.",
    "",
    "PRIORITY TWO",
    "",
    "- Agree a joint commissioning strategy",
    "",
    _HEADER, _COLUMNS,
    "2.1 Joint board\tA. Set up a joint commissioning board.\tAnn Other\tBoard meets monthly\tR\tA\tG\t"
    "Dec 2020: Board proposed to the partnership. Oct 2021: Board met for the first time.",
    "",
])

#: Numbered groups of refs with a Priority column and no headings; a news page of the same council.
GROUPED_PLAN = "\n".join([
    "Rutland SEND improvement plan",
    "",
    "Priority\tRef\tAction\tLead\tPosition Statement January 2022",
    "Every child with SEND is known early\t1.1\tTrain nursery staff to spot needs early.\tJo Bloggs\t"
    "Two courses held for nursery staff.",
    "\t1.2\tShare health visitor checks with settings.\tJo Bloggs\tData sharing agreement drafted.",
    "Young people are ready for adult life\t2.1\tOffer supported internships at the college.\tAnn Other\t"
    "Six interns placed.",
    "",
])
NEWS_PAGE = "\n".join([
    "<html><body><h1>Rutland SEND news</h1>",
    "<h2>Supported internships</h2>",
    "<p>Published 3 March 2022</p>",
    "<p>Update March 2022: more young people with plans started supported internships and paid work "
    "placements this spring.</p>",
    "</body></html>",
])

#: A revisit letter: the weaknesses listed, a verdict on each in other words, and an overall count.
LETTER = "\n".join([
    "Dear Director,",
    "",
    "Following the inspection in 2019, the area was required to produce a written statement because of "
    "the following significant weaknesses:",
    "",
    "- The poor quality of education, health and care plans",
    "- The lack of information for families in the local offer",
    "",
    "The revisit took place in October 2022.",
    "Inspectors found that the area has made sufficient progress in addressing the weakness in the quality "
    "of EHC plans.",
    "The area has not made sufficient progress in improving the information families find in the local offer.",
    "Overall, the area has made sufficient progress in addressing one of the two significant weaknesses.",
    "",
])


def stored(tmp_path: Path, *documents: tuple[str, str, str]) -> CorpusStore:
    store = CorpusStore(tmp_path / "corpus.sqlite")
    for name, text, council in documents:
        (tmp_path / name).write_text(text, encoding="utf-8")
        store.save_reading(read_document(tmp_path / name, council=council))
    return store


def test_priority_headings_take_the_words_of_the_introductions_list(tmp_path):
    with stored(tmp_path, ("rutland_wsoa.txt", PRIORITY_PLAN, "Rutland")) as store:
        found = find_weaknesses(store, "Rutland")
        assert grouping(store, "Rutland") == {"rutland/priority-1": ["1.1 A", "1.2 A"], "rutland/priority-2": ["2.1 A"]}
        one, two = found.weaknesses
        assert (one.heading, one.text) == ("PRIORITY ONE", "Families wait too long for new education, health and care plans")
        assert two.text == "Leaders across education, health and care do not commission services together"
        assert (one.line, two.line) == (5, 6)


def test_priority_roll_up_complete_is_never_stalled_and_staleness_follows_n(tmp_path):
    with stored(tmp_path, ("rutland_wsoa.txt", PRIORITY_PLAN, "Rutland")) as store:
        report = weakness_report(store, "Rutland", as_of="2021-12", stale_months=3)
        one = by_id(report, "rutland/priority-1")
        assert report.complete_ratings == ["G"]  # the printed key: "Green - Completed"
        assert [(share.labels, share.counts, share.shares) for share in one.review_dates] == [
            (["Dec-20"], {"A": 2}, {"A": 1.0}), (["Jun-21"], {"A": 1, "G": 1}, {"A": 0.5, "G": 0.5}),
            (["Dec-21"], {"A": 1, "G": 1}, {"A": 0.5, "G": 0.5})]
        assert one.complete == ["rutland/1-2-a"]
        # 1.1 A: A three times and June repeats December. 1.2 A repeats itself too, but is G, "Completed".
        assert [(s.ref, s.since_label, s.reasons) for s in one.stalled] == [("1.1 A", "Dec-20", ["rating", "repeats"])]
        assert one.stale == ["rutland/1-1-a", "rutland/1-2-a"]  # nothing dated since Sep 2021
        assert by_id(report, "rutland/priority-2").stale == []  # Oct 2021
        assert by_id(report, "rutland/priority-2").latest_update.when == "Oct 2021"
        assert by_id(weakness_report(store, "Rutland", as_of="2021-12", stale_months=6), "rutland/priority-1").stale == []
        # As of June 2021 2.1 A was A, not yet complete, and had moved at each review.
        two_then = by_id(weakness_report(store, "Rutland", as_of="2021-06"), "rutland/priority-2")
        assert two_then.complete == [] and two_then.stalled == [] and two_then.latest_ratings == {"A": 1}


def test_weakness_table_markdown_csv_and_json(tmp_path):
    with stored(tmp_path, ("rutland_wsoa.txt", PRIORITY_PLAN, "Rutland")) as store:
        report = weakness_report(store, "Rutland", as_of="2021-12", stale_months=3)
    text = weaknesses_markdown(report)
    assert "As of Dec 2021; stale: no dated update since Sep 2021 (3 months); rated complete: G." in text
    assert ("| Priority 1: Families wait too long for new education, health and care plans | 2 | A 1, G 1 | 1 | 2 | 1 "
            "| Jun 2021 | none |") in text
    assert "- Stalled (1): 1.1 A: A since Dec-20 (same rating at successive reviews; updates repeat earlier text)" in text
    rows = list(csv.DictReader(io.StringIO(weaknesses_csv(report))))
    assert [(row["weakness_id"], row["actions"], row["complete"], row["stale"]) for row in rows] == [
        ("rutland/priority-1", "2", "1.2 A", "1.1 A 1.2 A"), ("rutland/priority-2", "1", "2.1 A", "")]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["weaknesses"][0]["weakness"]["links"][0] == {
        "action_id": "rutland/1-1-a", "ref": "1.1 A", "kind": "action", "title": "A. Recruit two more plan writers.",
        "stated": True, "how": "heading", "score": None}
    assert data["weaknesses"][0]["stalled"][0]["reasons"] == ["rating", "repeats"]


def test_numbered_groups_and_a_page_section_linked_by_similarity(tmp_path, embedder):
    with stored(tmp_path, ("rutland_plan.txt", GROUPED_PLAN, "Rutland"), ("news.html", NEWS_PAGE, "Rutland")) as store:
        one, two = find_weaknesses(store, "Rutland", embedder=embedder).weaknesses
        assert (one.text, two.text) == ("Every child with SEND is known early", "Young people are ready for adult life")
        assert [(link.ref, link.how, link.stated) for link in one.links] == [
            ("1.1", "numbered group", True), ("1.2", "numbered group", True)]
        (page,) = [link for link in two.links if link.kind == "section"]
        assert (page.title, page.stated, page.how) == ("Supported internships", False, "similarity")
        assert page.score is not None and 0.3 < page.score <= 1.0
        # Without the model nothing is inferred: the section is left under no weakness.
        assert find_weaknesses(store, "Rutland").unlinked == [page.action_id]
        records = {}
        out = io.StringIO()
        export_jsonl(store, out, embedder=embedder)
        for line in out.getvalue().splitlines():
            record = json.loads(line)
            records[record["id"]] = record["weakness"]
        assert records["rutland/1-2"] == {"id": "rutland/priority-1", "text": "Every child with SEND is known early",
                                          "stated": True, "score": None}
        assert records[page.action_id] == {"id": "rutland/priority-2", "text": "Young people are ready for adult life",
                                           "stated": False, "score": page.score}


def test_a_letter_lists_the_weaknesses_and_its_verdicts_attach_by_meaning(tmp_path, embedder):
    with stored(tmp_path, ("letter.txt", LETTER, "York")) as store:
        found = find_weaknesses(store, "York", embedder=embedder)
        quality, offer = found.weaknesses
        assert (quality.kind, quality.text) == ("listed", "The poor quality of education, health and care plans")
        assert (offer.kind, offer.text, offer.line) == ("listed", "The lack of information for families in the local offer", 6)
        # "the quality of EHC plans" names the first in other words; the score is kept.
        assert [(v.verdict.verdict, v.verdict.date) for v in quality.verdicts] == [("sufficient", "2022-10")]
        assert [v.verdict.verdict for v in offer.verdicts] == ["insufficient"]
        assert all(v.score is not None and 0.45 <= v.score < 1.0 for v in quality.verdicts + offer.verdicts)
        # "one of the two significant weaknesses" judges the council as a whole.
        assert [(v.sufficient, v.total) for v in found.verdicts] == [(1, 2)]
        report = weakness_report(store, "York", embedder=embedder)
        assert [len(rollup.verdicts) for rollup in report.rollups] == [1, 1]
        assert "Oct 2022, revisit: sufficient (matched" in weaknesses_markdown(report)
        before = weakness_report(store, "York", as_of="2022-09", embedder=embedder)
        assert [rollup.verdicts for rollup in before.rollups] == [[], []] and before.verdicts == []  # judged later


def test_stale_months_must_be_positive(corpus_store):
    with pytest.raises(ValueError, match="at least 1"):
        weakness_report(corpus_store, "Torbay", stale_months=0)


def test_cli_prints_the_weakness_table(workspace):
    from click.testing import CliRunner

    from narrative_search.cli import main

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--home", str(workspace.home), "weaknesses", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    text = run("torbay")
    assert text.startswith("# Weaknesses: Torbay\n")
    assert "| Area for improvement 2: Cultural Change | 13 | not rated 13 | 0 | 13 | 0 | none dated | none |" in text
    data = json.loads(run("Telford and Wrekin", "--format", "json", "--stale-months", "12"))
    assert (data["stale_months"], data["stale_since"]) == (12, "2021-06")
    assert [w["weakness"]["id"] for w in data["weaknesses"]] == [f"telford-and-wrekin/priority-{n}" for n in range(1, 5)]
    rows = list(csv.DictReader(io.StringIO(run("staffordshire", "--format", "csv", "--as-of", "2020-01"))))
    assert rows[2]["weakness_id"] == "staffordshire/priority-4" and rows[2]["rated_now"] == "G 1"
    bad = CliRunner().invoke(main, ["--home", str(workspace.home), "weaknesses", "torbay", "--as-of", "March"])
    assert bad.exit_code != 0 and "YYYY-MM" in str(bad.exception)  # run() prints it as "error: ..."


# -- the revisit brief grouped by weakness ------------------------------------------------


def test_the_brief_groups_every_action_under_its_weakness(corpus_store):
    from narrative_search.brief import build_brief
    from narrative_search.render.csv import brief_csv
    from narrative_search.render.markdown import brief_markdown
    from narrative_search.weaknesses import with_weaknesses

    brief = with_weaknesses(corpus_store, build_brief(corpus_store, "Staffordshire", since="2021-01"))
    groups = brief.by_weakness()
    assert [group.weakness.id for group, _ in groups if group is not None] == [
        "staffordshire/priority-1", "staffordshire/priority-3", "staffordshire/priority-4",
        "staffordshire/priority-5", "staffordshire/priority-6"]
    assert None not in [group for group, _ in groups]  # every action is under one weakness
    grouped = [action.action_id for _, actions in groups for action in actions]
    assert sorted(grouped) == sorted(action.action_id for action in brief.actions)
    six = dict((group.weakness.id, actions) for group, actions in groups if group is not None)["staffordshire/priority-6"]
    assert [action.ref for action in six] == ["6 E", "6 F"]
    text = brief_markdown(brief)
    assert text.index("## Reported complete") < text.index("## By weakness") < text.index("## Changes since Jan 2021")
    # 6 E and 6 F: A at every review, only "SEE 6E"/"SEE 6F" (counted by hand above).
    assert ("### Priority 6: " in text and "2 actions: 0 got worse since Jan 2021, 2 not updated since Jan 2021, "
            "0 reported complete, 0 changed since Jan 2021.") in text
    # 3.1 E got worse in Jan 2020, before the window: no weakness lists it as worse since Jan 2021.
    assert "- Got worse" not in text.split("## By weakness")[1].split("## Changes since")[0]
    assert "- 3.1 E (staffordshire/3-1-e): rating better at Apr-21: R → G | Feb 2021: GR sub group report" in text
    rows = {row["ref"]: row for row in csv.DictReader(io.StringIO(brief_csv(brief)))}
    assert (rows["3.2 D"]["weakness"], rows["6 F"]["weakness"]) == ("Priority 3", "Priority 6")
    data = json.loads(json.dumps(brief.to_dict()))
    assert data["weaknesses"][4] == {"id": "staffordshire/priority-6", "kind": "priority", "number": 6,
                                     "text": data["weaknesses"][4]["text"], "actions": ["staffordshire/6-e", "staffordshire/6-f"],
                                     "verdicts": []}


def test_the_brief_by_weakness_keeps_each_weaknesss_verdicts_and_the_rest(tmp_path, embedder):
    from narrative_search.brief import build_brief
    from narrative_search.render.markdown import brief_markdown
    from narrative_search.weaknesses import with_weaknesses

    with stored(tmp_path, ("letter.txt", LETTER, "York"), ("york_plan.txt", GROUPED_PLAN, "York")) as store:
        brief = with_weaknesses(store, build_brief(store, "York", embedder=embedder), embedder=embedder)
        verdicts = {group.weakness.text: [v.verdict.verdict for v in group.verdicts]
                    for group, _ in brief.by_weakness() if group is not None}
        assert verdicts["The poor quality of education, health and care plans"] == ["sufficient"]
        assert verdicts["The lack of information for families in the local offer"] == ["insufficient"]
        assert sum(len(actions) for _, actions in brief.by_weakness()) == len(brief.actions) == 3
        assert "- Verdict: Oct 2022, revisit: sufficient (matched" in brief_markdown(brief)
        # As of before the revisit, the brief keeps no verdict, nor does any weakness.
        before = with_weaknesses(store, build_brief(store, "York", as_of="2022-09", embedder=embedder), embedder=embedder)
        assert [group.verdicts for group in before.weaknesses] == [[] for _ in before.weaknesses]


def test_cli_brief_groups_by_weakness(workspace):
    from click.testing import CliRunner

    from narrative_search.cli import main

    result = CliRunner().invoke(main, ["--home", str(workspace.home), "brief", "Telford and Wrekin"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    by_weakness = result.output[result.output.index("## By weakness"):]
    headings = [line for line in by_weakness.splitlines() if line.startswith("### ")]
    assert [heading.split(":")[0] for heading in headings] == [f"### Priority {n}" for n in range(1, 5)]
    # Priority 1's nine actions; 1.4 and 1.7 print no position statement (counted by hand above).
    assert ("9 actions: 0 got worse, 2 not updated since Dec 2021, 0 reported complete.\n\n"
            "- Not updated since Dec 2021: 1.4, 1.7\n") in by_weakness
