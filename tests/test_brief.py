"""Revisit briefs over the real sample corpus."""

from __future__ import annotations

import csv
import io
import json

import pytest

from narrative_search.brief import STALE_AFTER_MONTHS, build_brief, resolve_council
from narrative_search.errors import NarrativeSearchError
from narrative_search.render.csv import BRIEF_CSV_COLUMNS, brief_csv
from narrative_search.render.markdown import brief_markdown


@pytest.fixture(scope="module")
def staffordshire(corpus_store, embedder):
    return build_brief(corpus_store, "Staffordshire", since="2021-01", embedder=embedder)


def actions_with_updates_from(store, council, since):
    """Straight from the store: actions with an update dated (running into) ``since`` or later."""
    return {
        action.id for action in store.iter_actions(council)
        if any(update.start is not None and (update.end or update.start) >= since for update in action.updates)
    }


def test_since_2021_01_lists_exactly_the_actions_with_updates_dated_from_then(corpus_store, staffordshire):
    changed = {action.action_id for action in staffordshire.changed}
    assert changed == actions_with_updates_from(corpus_store, "Staffordshire", "2021-01")
    assert changed == {
        "staffordshire/1-1-a", "staffordshire/1-2-c", "staffordshire/3-1-b", "staffordshire/3-1-c",
        "staffordshire/3-1-d", "staffordshire/3-1-e", "staffordshire/3-1-f", "staffordshire/3-2-e",
        "staffordshire/3-2-h", "staffordshire/3-3-a", "staffordshire/3-3-b", "staffordshire/3-3-c",
        "staffordshire/4-d", "staffordshire/5-c", "staffordshire/5-f",
    }
    for action in staffordshire.changed:
        assert all(change.month >= "2021-01" for change in action.changes)


def test_changes_show_only_sentences_of_their_updates(corpus_store, staffordshire):
    stored = {update.id: update.text for action in corpus_store.iter_actions() for update in action.updates}
    for action in staffordshire.changed:
        for change in action.changes:
            assert change.text == stored[change.update_id]
            for sentence in change.new_sentences + change.repeated_sentences:
                assert sentence in change.text
    four_d = next(a for a in staffordshire.changed if a.action_id == "staffordshire/4-d")
    assert [(c.month, c.reference_to) for c in four_d.changes] == [("2021-02", "4a above"), ("2021-12", None)]


def test_not_updated_since_is_every_other_action(corpus_store, staffordshire):
    not_updated = {action.action_id for action in staffordshire.not_updated}
    everything = {action.id for action in corpus_store.iter_actions("Staffordshire")}
    assert not_updated == everything - {action.action_id for action in staffordshire.changed}
    assert {"staffordshire/3-2-d", "staffordshire/3-2-b", "staffordshire/6-e"} <= not_updated
    assert staffordshire.not_updated_since == "2021-01"


def test_worse_lists_3_1_e_at_jan_20(corpus_store, embedder, staffordshire):
    every_month = build_brief(corpus_store, "Staffordshire", embedder=embedder)
    assert [action.action_id for action in every_month.worse] == ["staffordshire/3-1-e"]
    move, = every_month.worse[0].worse
    assert (move.label, move.previous, move.rating) == ("Jan-20", "A", "R")
    three_one_e = next(a for a in staffordshire.actions if a.action_id == "staffordshire/3-1-e")
    # Since January 2021 it only moved up; the fall was in January 2020.
    assert [m.describe() for m in three_one_e.rating_moves_since] == ["better at Apr-21: R → G"]
    assert three_one_e.rating_change == "better at Apr-21: R → G"


def test_got_worse_since_lists_only_falls_inside_the_window(staffordshire):
    # 3.1 E fell A -> R in January 2020: a year before the window opens, so not news since January 2021.
    assert staffordshire.worse == []
    text = brief_markdown(staffordshire)
    assert "## Got worse since Jan 2021\n\nNo action's rating went down." in text
    assert "worse at Jan-20" not in text.split("## Got worse")[1].split("## Not updated")[0]


def test_counts_by_rating_at_each_review_date(staffordshire):
    reviews = {review.month: review for review in staffordshire.review_dates}
    assert sorted(reviews) == ["2019-12", "2020-01", "2021-04", "2021-11", "2021-12"]
    assert reviews["2020-01"].labels == ["Jan-20"]
    assert reviews["2020-01"].counts["R"] == 3  # 3.1 E, 3.2 D, 3.2 G
    assert reviews["2019-12"].actions == 25  # 9 in 000, 18 in 001, 3.1 F and 3.3 C in both
    assert reviews["2021-11"].actions == 18 and reviews["2021-12"].actions == 9
    assert all(sum(review.counts.values()) == review.actions for review in reviews.values())


def test_complete_follows_each_reports_key(corpus_store, staffordshire):
    # Staffordshire's key reads "Green - Completed".
    assert staffordshire.complete_ratings == ["G"]
    by_id = {action.action_id: action for action in staffordshire.actions}
    assert by_id["staffordshire/3-1-e"].complete  # rated G at Nov-21
    assert not by_id["staffordshire/3-1-f"].complete  # G/A is not G
    assert not by_id["staffordshire/6-e"].complete  # amber throughout
    rating, = [e for e in by_id["staffordshire/3-1-e"].evidence if e.how == "rating"]
    assert "Green - Completed" in rating.text and rating.label == "Nov-21"
    # Update text that says so, and a lead column printed "COMPLETE".
    said = [e.text for e in by_id["staffordshire/3-2-e"].evidence if e.how == "update"]
    assert said == ["GR group reporting this is now completed."]
    assert [e.how for e in by_id["staffordshire/3-2-c"].evidence] == ["rating", "field"]  # "Completed/ongoing" is not done
    # Leicestershire's key: "Blue – Completed"; green is only on track there.
    leicestershire = build_brief(corpus_store, "Leicestershire")
    assert leicestershire.complete_ratings == ["B"]
    assert [a.action_id for a in leicestershire.complete] == ["leicestershire/1-14"]
    # Torbay prints its BRAG legend without colours: blue is complete by convention.
    torbay = build_brief(corpus_store, "Torbay")
    assert torbay.complete_ratings == ["B"] and torbay.complete == []


def test_without_since_nothing_is_listed_as_changed_and_stale_means_six_months(corpus_store):
    brief = build_brief(corpus_store, "Staffordshire")
    assert brief.since is None and brief.changed == []
    assert brief.as_of == "2021-12"
    assert brief.not_updated_since == "2021-06" and STALE_AFTER_MONTHS == 6
    recent = {a.action_id for a in brief.actions if a.last_update_month and a.last_update_month >= "2021-06"}
    assert {a.action_id for a in brief.not_updated} == {a.action_id for a in brief.actions} - recent


def test_as_of_an_earlier_month_reads_as_the_brief_would_have_then(corpus_store):
    brief = build_brief(corpus_store, "Staffordshire", since="2021-01", as_of="2021-06")
    changed = {a.action_id for a in brief.changed}
    assert "staffordshire/3-3-b" not in changed  # its only update is December 2021's
    assert "staffordshire/3-1-e" in changed  # February 2021
    assert all(c.month <= "2021-06" for a in brief.changed for c in a.changes)
    assert [review.month for review in brief.review_dates] == ["2019-12", "2020-01", "2021-04"]
    by_id = {a.action_id: a for a in brief.actions}
    assert by_id["staffordshire/3-1-f"].latest_rating == "A"  # G/A only from November 2021
    # Its undated "Completed." is placed at the December report; the April rating still counts.
    assert [e.how for e in by_id["staffordshire/3-2-b"].evidence] == ["rating", "field"]
    assert brief.documents == []  # both reports are dated December 2021


def test_telford_since_january_2022(corpus_store):
    brief = build_brief(corpus_store, "telford & wrekin", since="2022-01")
    assert brief.council == "Telford and Wrekin"
    assert {a.action_id for a in brief.changed} == actions_with_updates_from(corpus_store, "Telford and Wrekin",
                                                                             "2022-01")
    one = next(a for a in brief.changed if a.action_id == "telford-and-wrekin/1")
    assert [(c.month, c.kind, c.line) for c in one.changes] == [
        ("2022-01", "position_statement", 4), ("2022-06", "position_statement", 15)]


def test_council_names_resolve(corpus_store):
    assert resolve_council(corpus_store, "staffordshire") == "Staffordshire"
    assert resolve_council(corpus_store, "Staffordshire County Council") == "Staffordshire"
    assert resolve_council(corpus_store, "telford-and-wrekin") == "Telford and Wrekin"
    with pytest.raises(NarrativeSearchError, match="councils: Leicestershire"):
        build_brief(corpus_store, "Nowhere")
    with pytest.raises(NarrativeSearchError, match="YYYY-MM"):
        build_brief(corpus_store, "Staffordshire", since="2021")


def test_markdown(staffordshire, corpus_store):
    text = brief_markdown(staffordshire)
    assert text.startswith("# Revisit brief: Staffordshire\n")
    for heading in ("## Ratings at each review date", "## Got worse since Jan 2021", "## Not updated since Jan 2021",
                    "## Reported complete", "## Changes since Jan 2021"):
        assert heading in text
    assert "| Jan-20 | 3 |" in text
    every_month = brief_markdown(build_brief(corpus_store, "Staffordshire"))
    assert "**3.1 E (staffordshire/3-1-e)** (A, R, G, G (worse at Jan-20)): worse at Jan-20: A → R" in every_month
    assert "### 4 D (staffordshire/4-d)" in text and "points elsewhere: See \\[4a above\\]" in text
    assert "### 3.2 D" not in text  # nothing dated since January 2021
    torbay = brief_markdown(build_brief(corpus_store, "Torbay"))
    assert "- No dated update printed (75): 1A, 1B, 1C," in torbay
    assert "blue is complete in BRAG" in torbay


def test_csv_one_row_per_action(staffordshire):
    rows = list(csv.DictReader(io.StringIO(brief_csv(staffordshire))))
    assert tuple(rows[0]) == BRIEF_CSV_COLUMNS
    assert [row["action_id"] for row in rows] == [action.action_id for action in staffordshire.actions]
    row = next(row for row in rows if row["ref"] == "3.2 D")
    assert (row["latest_rating"], row["ratings"], row["last_update"], row["months_stale"], row["complete"]) == (
        "G", "R, R, A, G", "2020-01", "23", "yes")
    assert row["changes_since"] == ""
    row = next(row for row in rows if row["ref"] == "3.1 E")
    assert row["rating_change"] == "better at Apr-21: R → G"
    assert row["changes_since"].startswith("Feb 2021: GR sub group report thhe work")


def test_json(staffordshire):
    data = json.loads(json.dumps(staffordshire.to_dict()))
    assert data["council"] == "Staffordshire" and data["since"] == "2021-01"
    assert "timelines" not in data
    assert data["summary"]["worse"] == []  # 3.1 E fell in January 2020, before the window
    assert len(data["actions"]) == len(staffordshire.actions)
    assert data["novelty_method"] == "embedding"
