"""Sections of prose documents in search, timelines, summaries and briefs, shown as sections.

Two short made-up pages, written for these tests: a themed progress page
(dated positions under a theme, and a commitment) and the minutes of a board
meeting (numbered items, and one plan action with a ref). They are ingested
into a home of their own and searched with the real model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from narrative_search.brief import build_brief
from narrative_search.cli import main
from narrative_search.model import ACTION_KINDS, MergedAction, SearchFilters
from narrative_search.passages import action_passages, action_text
from narrative_search.render.markdown import brief_markdown
from narrative_search.render.text import hit_lines, timeline_text
from narrative_search.summary import summarise_action
from narrative_search.workspace import Workspace

PROGRESS_PAGE = """\
Rutland SEND progress: our written statement of action

Preparing for adulthood

Position in March 2020
We had:
- no shared plan for young people leaving school
- only two supported internships in the whole county

Position as of September 2022
We have:
- a transitions team that starts planning with families at age fourteen
- thirty supported internships with local employers

By 31 July 2023 we will have:
- a transitions plan for every young person in year nine
"""

MINUTES_PAGE = """\
Minutes of the Rutland SEND Improvement Board held on 9 February 2023

1. Apologies
None were received.

2. Report on waiting times
Progress as of January 2023: the wait for a speech therapy assessment fell to eleven weeks.

Action 3.2 Publish a guide to post-sixteen options
The guide to colleges and apprenticeships was drafted and shared with the parent carer forum.
"""

SECTION_ID = "rutland/progress-line-3"
INTERNSHIPS = "supported internships with local employers"


@pytest.fixture(scope="module")
def prose_home(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[Workspace]:
    """The two pages ingested and indexed in a home of their own."""
    folder = tmp_path_factory.mktemp("pages")
    (folder / "progress.txt").write_text(PROGRESS_PAGE, encoding="utf-8")
    (folder / "minutes.txt").write_text(MINUTES_PAGE, encoding="utf-8")
    with Workspace.open(tmp_path_factory.mktemp("prose-home"), embedder=embedder) as opened:  # type: ignore[arg-type]
        outcomes = opened.ingest([folder], council="Rutland")
        assert [o.error for o in outcomes if o.error] == []
        yield opened


def run_cli(home: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def test_a_section_is_found_and_shown_as_a_section_with_its_title(prose_home: Workspace) -> None:
    result = prose_home.search(INTERNSHIPS, k=3)
    best = result.hits[0]
    assert (best.action_id, best.record_kind, best.ref, best.title) == (
        SECTION_ID, "section", None, "Preparing for adulthood")
    assert hit_lines(best, 1)[0].startswith(" 1. Rutland section: Preparing for adulthood  ")
    assert best.to_dict()["record"] == "section"


@pytest.mark.parametrize("records, expected", [
    (("section",), {"section"}),
    (("action",), {"action"}),
    (("action", "section"), {"action", "section"}),
])
def test_search_keeps_the_kinds_of_record_asked_for(prose_home: Workspace, records: tuple[str, ...],
                                                    expected: set[str]) -> None:
    result = prose_home.search("guide for young people after school", k=10, filters=SearchFilters(records=records))
    assert result.hits
    assert {hit.record_kind for hit in result.hits} == expected


def test_a_record_filter_that_leaves_nothing_names_itself(prose_home: Workspace) -> None:
    result = prose_home.search(INTERNSHIPS, filters=SearchFilters(councils=("Torbay",), records=("section",)))
    assert result.hits == [] and result.message is not None and "council Torbay" in result.message
    assert SearchFilters(records=("section",)).describe() == "from sections"


def test_cli_search_json_names_the_record_and_record_filters(prose_home: Workspace) -> None:
    result = run_cli(prose_home.home, "search", INTERNSHIPS, "--k", "3", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    hits = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert list(hits[0])[:7] == ["action_id", "council", "ref", "kind", "date", "text", "score"]
    assert (hits[0]["action_id"], hits[0]["record"], hits[0]["title"]) == (SECTION_ID, "section", "Preparing for adulthood")
    actions = run_cli(prose_home.home, "search", INTERNSHIPS, "--record", "action", "--json")
    assert {hit["record"] for hit in json.loads(actions.stdout)} == {"action"}  # type: ignore[attr-defined]
    text = run_cli(prose_home.home, "search", INTERNSHIPS, "--k", "1", "--record", "section")
    assert text.stdout.startswith(" 1. Rutland section: Preparing for adulthood  ")  # type: ignore[attr-defined]
    wrong = run_cli(prose_home.home, "search", INTERNSHIPS, "--record", "theme")
    assert wrong.exit_code != 0 and all(kind in wrong.output for kind in ACTION_KINDS)  # type: ignore[attr-defined]


def test_the_timeline_shows_positions_in_date_order_and_the_commitment_labelled(prose_home: Workspace) -> None:
    timeline = prose_home.timeline(SECTION_ID)
    assert timeline.kind == "section"
    assert [(entry.month, entry.kind) for entry in timeline.entries] == [
        ("2020-03", "update"), ("2022-09", "update"), ("2023-07", "commitment")]
    # A commitment is a target, not progress: not the last update, and its sentences are neither new nor repeats.
    assert timeline.last_update_month == "2022-09"
    assert {sentence.label for sentence in timeline.entries[-1].sentences} == {"commitment"}
    lines = timeline_text(timeline).splitlines()
    assert lines[:2] == [f"{SECTION_ID}  (Rutland)", "Section: Preparing for adulthood"]
    assert any(line.startswith("2023-07  By 31 July 2023 commitment (target)") for line in lines)
    assert "  - - a transitions plan for every young person in year nine" in lines
    assert [s.role for s in summarise_action(timeline)][0] == "now"
    assert summarise_action(timeline)[0].month == "2022-09"


def test_a_brief_does_not_count_a_commitment_as_a_change_or_an_update(prose_home: Workspace) -> None:
    brief = build_brief(prose_home.store, "Rutland", since="2022-01", as_of="2023-12")
    section = next(action for action in brief.actions if action.action_id == SECTION_ID)
    assert section.kind == "section" and section.last_update_month == "2022-09"
    assert [change.when for change in section.changes] == ["Position as of September 2022"]
    assert f'### section "Preparing for adulthood" ({SECTION_ID})' in brief_markdown(brief).splitlines()


def test_a_sections_own_passage_is_titled_as_a_section() -> None:
    section = MergedAction(id="rutland/page-line-3", council="Rutland", ref=None, action="Short breaks",
                           focus_area="Our progress", document="page.txt", line=3, kind="section")
    assert action_text(section) == "Section: Short breaks\nFocus area: Our progress"
    (own,) = action_passages(section)
    assert (own.record_kind, own.ref) == ("section", None)
    plan_action = MergedAction(id="rutland/1-1", council="Rutland", ref="1.1", action="Agree the form",
                               document="plan.txt", line=2)
    assert action_text(plan_action) == "Action: Agree the form"
    assert action_passages(plan_action)[0].record_kind == "action"
