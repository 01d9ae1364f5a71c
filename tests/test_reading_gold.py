"""The sample corpus read against its hand-checked gold, record by record."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from helpers import (
    LEICESTERSHIRE,
    STAFFORDSHIRE_000,
    STAFFORDSHIRE_001,
    TORBAY,
    collapse,
    gold_updates,
    load_gold,
)

from narrative_search.cleaning import normalise_rating

STAFFORDSHIRE_GOLD = load_gold("staffordshire-updates.json")
LEICESTERSHIRE_GOLD = load_gold("leicestershire-actions.json")


def action_at(reading, line):
    matches = [action for action in reading.actions if action.line == line]
    assert len(matches) == 1, f"expected one action starting at line {line}, found {len(matches)}"
    return matches[0]


def gold_id(row) -> str:
    return f"{row['source'][:3]}:{row['ref']}"


def test_staffordshire_has_every_gold_row_and_no_other(readings):
    for name in (STAFFORDSHIRE_000, STAFFORDSHIRE_001):
        expected = sorted(row["line"] for row in STAFFORDSHIRE_GOLD if row["source"] == name)
        assert sorted(action.line for action in readings[name].actions) == expected


@pytest.mark.parametrize("row", STAFFORDSHIRE_GOLD, ids=gold_id)
def test_staffordshire_row_matches_gold(readings, row):
    action = action_at(readings[row["source"]], row["line"])
    assert action.council == row["council"]
    assert action.ref == row["ref"]
    assert collapse(action.action).startswith(row["action_starts"])
    assert action.lead == row["lead"]
    assert [(s.label, s.rag) for s in action.statuses] == [
        (s["column"], normalise_rating(s["rag"])) for s in row["status"]
    ]
    got = [
        (u.stamp, u.start, u.end, collapse(u.text)[:40], collapse(u.text)[-25:])
        for u in action.updates
    ]
    want = gold_updates(row)
    assert got == want


def test_cyrillic_a_is_read_as_amber(readings):
    action = next(a for a in readings[STAFFORDSHIRE_000].actions if a.ref == "5 F")
    apr = next(s for s in action.statuses if s.label == "Apr-21")
    assert apr.rag_printed == "\u0410" and apr.rag == "A"


def test_mixed_rating_is_kept_mixed(readings):
    action = next(a for a in readings[STAFFORDSHIRE_001].actions if a.ref == "3.2 H")
    assert action.statuses[-1].rag == "G/A"


def test_status_columns_are_dated(readings):
    action = next(a for a in readings[STAFFORDSHIRE_001].actions if a.ref == "3.1 E")
    assert [(s.label, s.month) for s in action.statuses] == [
        ("Dec-19", "2019-12"),
        ("Jan-20", "2020-01"),
        ("Apr-21", "2021-04"),
        ("Nov-21", "2021-11"),
    ]


def test_struck_through_evidence_is_kept_apart_from_live_text(readings):
    action = next(a for a in readings[STAFFORDSHIRE_001].actions if a.ref == "3.2 A")
    struck = {label: text for label, text in action.fields.items() if "struck through" in label}
    assert list(struck.values()) == ["SCC Agreement 2021-2024 (SCC)"]
    live = " ".join(text for label, text in action.fields.items() if "struck through" not in label)
    assert "SCC Agreement" not in live and "Power BI Reports" in live


def test_html_list_items_keep_their_structure(readings):
    action = next(a for a in readings[STAFFORDSHIRE_001].actions if a.ref == "3.3 C")
    may = next(u for u in action.updates if u.stamp == "May 2021")
    assert "<li>" not in may.text
    assert "\n~ financial and commissioning arrangements finalised" in may.text


def test_leicestershire_has_the_33_gold_rows(readings):
    assert [a.ref for a in readings[LEICESTERSHIRE].actions] == [row["ref"] for row in LEICESTERSHIRE_GOLD]


@pytest.mark.parametrize("row", LEICESTERSHIRE_GOLD, ids=lambda row: row["ref"])
def test_leicestershire_row_matches_gold(readings, row):
    action = action_at(readings[LEICESTERSHIRE], row["line"])
    assert action.ref == row["ref"]
    assert collapse(action.focus_area).startswith(collapse(row["focus_starts"]))
    assert collapse(action.lead) == row["lead"]
    assert action.due_printed == row["completion"]
    [status] = action.statuses
    assert status.rag_printed == row["rag"]
    assert status.rag == normalise_rating(row["rag"])
    assert status.line == row.get("rag_from_line", row["line"])


def test_impossible_completion_date_is_kept_as_printed(readings):
    action = next(a for a in readings[LEICESTERSHIRE].actions if a.ref == "2.11")
    assert (action.due_printed, action.due) == ("31/09/2020", None)


def test_continuation_row_after_page_break_joins_the_row_above(readings):
    action = next(a for a in readings[LEICESTERSHIRE].actions if a.ref == "1.7")
    # Line 260 carries the rest of 1.7 onto the next page.
    assert "including the School Nursing service" in action.focus_area
    assert action.statuses[0].rag_printed == "AMBER"


def test_leicestershire_banner_is_dropped_and_reported(readings):
    dropped = [span for span in readings[LEICESTERSHIRE].dropped if span.reason == "repeated page banner"]
    assert len(dropped) >= 20
    assert all(span.text.startswith("THIS IS A VERY EARLY DRAFT VERSION") for span in dropped)
    assert not any("VERY EARLY DRAFT" in span.text for span in readings[LEICESTERSHIRE].unattributed)


TORBAY_LETTERS = {
    1: "ABC", 2: "ABC", 3: "ABC", 4: "ABCDE", 5: "A", 6: "ABCD", 7: "ABCD", 8: "ABCD",
    9: "AB", 10: "AB", 11: "ABC", 12: "ABCDEF", 13: "ABCDEF", 14: "AB", 15: "ABCDEF",
    16: "ABCDEF", 17: "ABCDE", 18: "ABCD", 19: "A", 20: "ABCD",
}


def test_torbay_has_75_milestones_across_focus_areas_1_to_20(readings):
    actions = readings[TORBAY].actions
    assert len(actions) == 75
    by_focus = defaultdict(str)
    for action in actions:
        if action.ref:
            number, letter = re.fullmatch(r"(\d+)([A-Z])", action.ref).groups()
            by_focus[int(number)] += letter
    assert dict(by_focus) == TORBAY_LETTERS
    [unlettered] = [a for a in actions if a.ref is None]
    assert unlettered.line == 104 and unlettered.action.startswith("Develop strategies to provide peer")


@pytest.mark.parametrize(
    "printed, repaired",
    [("18", "1B"), ("\u2032C", "7C"), ("'D", "7D"), ("11F", "12F")],
)
def test_torbay_ocr_slips_are_kept_and_repaired(readings, printed, repaired):
    action = next(a for a in readings[TORBAY].actions if a.ref_printed == printed)
    assert action.ref == repaired
    assert printed in action.ref_note


def test_torbay_refs_printed_with_a_space_are_normalised(readings):
    action = next(a for a in readings[TORBAY].actions if a.ref_printed == "2 A")
    assert action.ref == "2A"


def test_torbay_milestone_under_focus_area_12_keeps_its_heading(readings):
    action = next(a for a in readings[TORBAY].actions if a.ref == "12F")
    assert action.focus_area.startswith("Focus Area 12")
