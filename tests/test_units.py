"""Units that answer (issue 13): what is a passage, how hits are grouped, and what is never a hit on its own.

* table furniture (header rows, legends, rows of figures, page banners) stays in
  the store but is no passage;
* text outside actions and sections is grouped per document section and comes
  after the actions and sections unless it is much the best match;
* a bare cross-reference update ("See above", "As 3.1") is never a hit;
* a field printed in several actions is indexed once, with the actions it belongs to.

The made-up texts are ours; the end-to-end checks search the bundled corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

import numpy as np
import pytest

from narrative_search.model import Citation, Document, DocumentSpan, MergedAction, MergedUpdate, Passage
from narrative_search.passages import (
    CELL_SEPARATOR,
    action_passages,
    build_passages,
    is_table_furniture,
)
from narrative_search.refs import is_bare_reference, reference_target
from narrative_search.search import UNATTRIBUTED_MARGIN, UNIT_LINE_GAP, group_by_action

# -- 1. table furniture is not a passage ------------------------------------------------


@pytest.mark.parametrize(
    "text, reason, furniture",
    [
        ("Reviews finished within 12 weeks (as of March 2021) | Base year 2021 | Last year | % change | % change",
         "table outside a plan", True),
        ("81% | 77.5% | - 3.5% | 60.2% | 58.1%", "table outside a plan", True),
        ("Under 5 | 140 | 122 | 3.1% | 2.9%", "table outside a plan", True),
        ("Date | Who | Actions", "table outside a plan", True),
        ("Ref | What we will do | Owner | By when", "table header", True),
        ("Aim | Steps | Lead", "repeated table header", True),
        ("Rutland improvement plan - draft for the board", "repeated page banner", True),
        ("Page last updated 4 May 2022", "page date", True),
        ("2019 | 2020 | 2021", "text", True),
        ("12/03/21 | Forum members, J Doe | Draft charter agreed with the parent forum", "table outside a plan", False),
        ("Priority 2: joint working between services | Progress (BRAG)", "table outside a plan", False),
        ("Inspectors found that families wait too long for an assessment.", "text", False),
        ("Our vision for every child", "heading", False),
    ],
)
def test_table_furniture_is_decided_by_reason_and_content(text: str, reason: str, furniture: bool) -> None:
    assert is_table_furniture(text, reason) is furniture


def test_table_furniture_stays_stored_but_is_no_passage(corpus_store) -> None:
    spans = list(corpus_store.unattributed())
    furniture = [s for s in spans if is_table_furniture(s.text, s.reason)]
    # content, not the reader's reason, catches rows of a figures table kept as "table outside a plan"
    assert any(s.reason == "table outside a plan" and CELL_SEPARATOR in s.text for s in furniture)
    texts = {p.text for p in build_passages(corpus_store) if p.kind == "unattributed"}
    assert not {s.text.strip() for s in furniture} & texts
    assert {s.text.strip() for s in spans if s not in furniture and s.text.strip()} <= texts


def test_a_query_for_late_plans_finds_no_table_rows(workspace) -> None:
    result = workspace.search("EHCP plans issued late", k=10)
    shown = [ph.passage for hit in result.hits for ph in hit.passages]
    assert shown
    assert not [p.text for p in shown if is_table_furniture(p.text, "")]


# -- 2. text outside actions: one unit per section, after the actions ---------------------


@dataclass
class FakeIndex:
    """What group_by_action reads of a SearchIndex: rows' actions and passages."""

    passages_by_row: dict[int, Passage]
    action_ids: list[str] = field(default_factory=list)

    @property
    def action_rows(self) -> np.ndarray:
        return np.asarray([self.action_ids.index(p.action_id) if p.action_id else -1
                           for _, p in sorted(self.passages_by_row.items())])

    def passages(self, rows: Iterable[int]) -> dict[int, Passage]:
        return {int(r): self.passages_by_row[int(r)] for r in rows}


def _span(row: int, document: str, line: int) -> Passage:
    return Passage(id=f"rutland/{document}/unattributed/line-{line}", kind="unattributed", text=f"span {row}",
                   council="Rutland", source=Citation(document, line))


def _action_passage(action_id: str) -> Passage:
    return Passage(id=f"{action_id}/action", kind="action", text="Action: a thing", council="Rutland",
                   source=Citation("plan.txt", 1), ref=action_id, action_id=action_id, record_kind="action")


def _index() -> FakeIndex:
    rows = {
        0: _span(0, "plan.txt", 10),
        1: _span(1, "plan.txt", 10 + UNIT_LINE_GAP),  # near: the same section
        2: _span(2, "plan.txt", 10 + 2 * UNIT_LINE_GAP),  # chained on: still the same section
        3: _span(3, "plan.txt", 200),  # far: another section
        4: _span(4, "other.txt", 12),  # another document
        5: _action_passage("rutland/1-1"),
        6: _action_passage("rutland/1-2"),
    }
    return FakeIndex(rows, ["rutland/1-1", "rutland/1-2"])


@pytest.mark.parametrize(
    "scores, expected",
    [
        # slightly better unattributed text still comes after every action
        ({0: 0.030, 1: 0.029, 2: 0.028, 3: 0.027, 4: 0.026, 5: 0.0285, 6: 0.020},
         ["rutland/1-1", "rutland/1-2", "text:plan.txt:10", "text:plan.txt:200", "text:other.txt:12"]),
        # much the best match (by the margin) is ranked first; the rest of the text after the actions
        ({0: 0.025 * UNATTRIBUTED_MARGIN + 0.001, 3: 0.026, 5: 0.025, 6: 0.020},
         ["text:plan.txt:10", "rutland/1-1", "rutland/1-2", "text:plan.txt:200"]),
    ],
)
def test_unattributed_text_is_grouped_per_section_and_shown_after_actions(scores: dict[int, float], expected: list[str]) -> None:
    groups = group_by_action(scores, _index(), k=10)  # type: ignore[arg-type]
    assert [key for key, _, _ in groups] == expected
    assert all(len(rows) == len(set(rows)) for _, _, rows in groups)


def test_nearby_spans_make_one_unit_with_their_rows_best_first() -> None:
    groups = group_by_action({0: 0.01, 1: 0.03, 2: 0.02}, _index(), k=10)  # type: ignore[arg-type]
    assert groups == [("text:plan.txt:10", 0.03, [1, 2, 0])]


def test_searches_show_one_hit_per_section_of_text_below_the_actions(workspace) -> None:
    for query in ("children waiting too long for autism assessment", "EHCP plans issued late", "tell it once"):
        hits = workspace.search(query, k=10).hits
        answers = [hit.score for hit in hits if hit.kind != "unattributed"]
        last_answer = max(i for i, hit in enumerate(hits) if hit.kind != "unattributed")
        ahead = [hit for hit in hits[:last_answer] if hit.kind == "unattributed"]
        assert all(hit.score >= UNATTRIBUTED_MARGIN * max(answers) for hit in ahead), query
        places = [(h.passages[0].passage.document, h.passages[0].passage.line) for h in hits if h.kind == "unattributed"]
        for document, line in places:
            near = [ln for doc, ln in places if doc == document and abs(ln - line) <= UNIT_LINE_GAP]
            assert len(near) == 1, (query, places)


# -- 3. bare cross-references are never hits ------------------------------------------------


@pytest.mark.parametrize(
    "text, bare",
    [
        ("See above", True),
        ("As 3.1", True),
        ("As above.", True),
        ("See 6E", True),
        ("SEE [4b above]", True),
        ("as per action 2.3", True),
        ("As 1.4 above", True),
        ("See the new leaflet: forty families have used it.", False),
        ("As planned, the panel met twice in the spring.", False),
        ("Completed (see the SEND strategy)", False),
    ],
)
def test_bare_cross_references_are_recognised(text: str, bare: bool) -> None:
    assert is_bare_reference(text) is bare


def _update(text: str, month: str, line: int) -> MergedUpdate:
    return MergedUpdate(text=text, start=month, end=month, sources=[Citation("plan.txt", line)])


def test_a_bare_reference_update_is_no_passage_but_stays_a_reference_in_the_timeline() -> None:
    action = MergedAction(id="rutland/2-1", council="Rutland", ref="2.1", action="Train school staff",
                          document="plan.txt", line=3,
                          updates=[_update("See above", "2021-03", 4), _update("Twelve schools trained.", "2021-06", 5)])
    texts = [p.text for p in action_passages(action)]
    assert texts == ["Action: Train school staff", "Twelve schools trained."]
    assert reference_target(action.updates[0].text) == "above"  # what the timeline marks as a reference


def test_no_search_returns_a_bare_reference(workspace) -> None:
    for query in ("see above", "as above", "see 6E"):
        for hit in workspace.search(query, k=10).hits:
            assert not [ph.passage.text for ph in hit.passages if is_bare_reference(ph.passage.text)], query


# -- 4. a field printed in several actions counts once -----------------------------------


@dataclass
class FakeReader:
    """Just what build_passages reads of a corpus."""

    actions: list[MergedAction]
    spans: list[DocumentSpan] = field(default_factory=list)

    def iter_actions(self, council: Optional[str] = None) -> list[MergedAction]:
        return self.actions

    def documents(self, council: Optional[str] = None) -> list[Document]:
        return [Document(name="plan.txt", council="Rutland", as_of="2022-01")]

    def unattributed(self, document: Optional[str] = None) -> list[DocumentSpan]:
        return self.spans

    def location(self, document: str, line: int) -> str:
        return f"line {line}"


SHARED_FOCUS = "Families say they are heard once and not asked to repeat their story."


def _actions() -> list[MergedAction]:
    return [
        MergedAction(id=f"rutland/4-{n}", council="Rutland", ref=f"4.{n}", action=own, focus_area=SHARED_FOCUS,
                     document="plan.txt", line=10 + n)
        for n, own in enumerate(("Write one shared family profile", "Train keyworkers", "Audit letters"), start=1)
    ] + [MergedAction(id="rutland/5-1", council="Rutland", ref="5.1", action="Open a hub",
                      focus_area="A focus of its own", document="plan.txt", line=30)]


def test_a_shared_focus_area_is_one_passage_naming_its_actions() -> None:
    passages = build_passages(FakeReader(_actions()))  # type: ignore[arg-type]
    holding = [p for p in passages if SHARED_FOCUS in p.text]
    assert len(holding) == 1
    shared = holding[0]
    assert (shared.kind, shared.action_id, shared.ref, shared.text) == ("action", None, "4.1, 4.2, 4.3",
                                                                        f"Focus area: {SHARED_FOCUS}")
    own = {p.action_id: p.text for p in passages if p.action_id and p.kind == "action"}
    assert own["rutland/4-2"] == "Action: Train keyworkers"  # ranked by what is its own
    assert own["rutland/5-1"] == "Action: Open a hub\nFocus area: A focus of its own"  # not shared: kept


def test_a_shared_focus_sentence_is_shown_once(workspace) -> None:
    hits = workspace.search("tell it once", k=10).hits
    lines = [line for hit in hits for line in {ln for ph in hit.passages for ln in ph.passage.text.splitlines()
                                                if ln.startswith(("Focus area: ", "Evidence: ", "Impact: "))}]
    repeated = {line for line in lines if lines.count(line) > 1}
    assert not repeated
    assert any(hit.action_id is None and hit.ref and "," in hit.ref for hit in hits)  # once, with its actions


def test_sections_keep_their_titles_even_when_two_share_one() -> None:
    sections = [MergedAction(id=f"rutland/s{n}", council="Rutland", ref=None, action="Next steps", kind="section",
                             document="plan.txt", line=n) for n in (1, 2)]
    own = [p.text for p in build_passages(FakeReader(sections)) if p.kind == "action"]  # type: ignore[arg-type]
    assert own == ["Section: Next steps", "Section: Next steps"]  # the title names the hit
