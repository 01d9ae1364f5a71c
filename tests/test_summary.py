"""Action summaries from the real corpus, and maximal marginal relevance."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import TELFORD

from narrative_search.model import Citation
from narrative_search.render.text import action_summary_text
from narrative_search.summary import ROLES, mmr, summarise_action
from narrative_search.timeline import build_timeline


@pytest.fixture(scope="module")
def summaries(corpus_store, embedder):
    """Every action's summary, from timelines built with the model."""
    result = {}
    for action in corpus_store.iter_actions():
        timeline = build_timeline(corpus_store, action.id, embedder=embedder)
        result[action.id] = (timeline, summarise_action(timeline))
    return result


def by_role(sentences):
    return {sentence.role: sentence for sentence in sentences}


def test_every_summary_sentence_is_found_verbatim_in_its_source_update(corpus_store, summaries):
    """Over all actions: text, date and source all agree with the stored update."""
    stored = {update.id: update for action in corpus_store.iter_actions() for update in action.updates}
    shown = 0
    for _action_id, (timeline, sentences) in summaries.items():
        assert len(sentences) <= 3
        assert len({s.role for s in sentences}) == len(sentences)
        assert all(s.role in ROLES for s in sentences)
        assert not ({"stalled", "remains"} <= {s.role for s in sentences})
        for sentence in sentences:
            update = stored[sentence.update_id]
            assert sentence.text in update.text
            assert update.text[sentence.start:sentence.end] == sentence.text
            assert Citation(sentence.document, sentence.line) in update.sources
            assert [Citation(source.document, source.line) for source in sentence.sources] == update.sources
            # The sample corpus is plain text: every source is cited by its line.
            assert all(source.location == f"line {source.line}" for source in sentence.sources)
            assert sentence.stamp == update.stamp
            assert sentence.month == (update.start or timeline.entry(update.id).month)
            assert not timeline.entry(update.id).reference_only
            shown += 1
    assert shown > 40


def test_every_action_with_content_has_a_now_sentence_from_its_latest_dated_update(summaries):
    for action_id, (timeline, sentences) in summaries.items():
        content = [e for e in timeline.entries if not e.reference_only and e.sentences]
        if not content:
            assert sentences == [], action_id
            continue
        now = sentences[0]
        assert now.role == "now"
        dated = [e for e in content if not e.undated]
        assert now.update_id == (dated or content)[-1].update_id


def test_staffordshire_3_2_d_summary(summaries):
    timeline, sentences = summaries["staffordshire/3-2-d"]
    roles = by_role(sentences)
    # Rated G at Dec-21, and this plan's key says "Green - Completed": January
    # restating December is the last word of a finished action, not a stall.
    assert timeline.latest_rating == "G" and timeline.complete_ratings == ["G"] and timeline.complete
    assert [s.role for s in sentences] == ["now", "change"]
    assert roles["now"].month == "2020-01"
    assert roles["now"].text.startswith("CCG Strategic Commissioning Post has been appointed, and to meet")
    assert roles["change"].month == "2019-12"


def test_an_action_rated_complete_is_never_stalled(summaries):
    """Issue 16 item 15: the Action page said "Stalled since (Dec 2019)" for 3.2 D, rated G "Completed"."""
    stalled_but_complete = [action_id for action_id, (timeline, sentences) in summaries.items()
                            if timeline.complete and any(s.role == "stalled" for s in sentences)]
    assert stalled_but_complete == []
    assert "Stalled since" not in action_summary_text(summaries["staffordshire/3-2-d"][1])
    # An action with no rating keeps its stalled sentence.
    timeline, sentences = summaries["telford-and-wrekin/1-1"]
    assert not timeline.complete and "stalled" in {s.role for s in sentences}


def test_telford_identical_statement_is_stalled_since_january(summaries):
    _, sentences = summaries["telford-and-wrekin/1-1"]
    assert [(s.role, s.month, s.line) for s in sentences] == [("now", "2022-06", 16), ("stalled", "2022-01", 5)]
    assert all(s.document == TELFORD and s.kind == "position_statement" for s in sentences)
    assert sentences[0].when == "Jun 2022" and sentences[1].when == "Jan 2022"


def test_what_remains_comes_from_the_latest_update(summaries):
    _, sentences = summaries["staffordshire/4-d"]
    roles = by_role(sentences)
    assert roles["now"].stamp == "December 2021"
    assert roles["remains"].text == "Pilot Planned for multi agency auditting in January 2022."
    assert roles["remains"].update_id == roles["now"].update_id
    assert roles["change"].month == "2020-01"  # "See [4a above]" in Feb 2021 is never picked


def test_the_first_update_stands_for_the_change_when_there_is_nothing_between(summaries):
    timeline, sentences = summaries["staffordshire/3-1-e"]
    roles = by_role(sentences)
    assert roles["now"].month == "2021-12"
    assert roles["change"].month == "2021-02"
    assert roles["change"].update_id == timeline.entries[0].update_id


def test_undated_text_after_the_latest_dated_update_is_not_a_change(summaries):
    _, sentences = summaries["staffordshire/3-2-g"]
    roles = by_role(sentences)
    assert roles["now"].month == "2020-01"
    assert roles["change"].month == "2019-10"
    assert not any(s.undated for s in sentences)


def test_only_undated_text_is_still_summarised(summaries):
    _, sentences = summaries["staffordshire/3-2-b"]
    assert [(s.role, s.text, s.undated, s.when) for s in sentences] == [
        ("now", "Completed.", True, "Dec 2021 (undated)")]


def test_no_summary_without_content(summaries):
    assert summaries["torbay/1a"][1] == []
    assert summaries["staffordshire/6-e"][1] == []  # only "SEE 6E"
    assert action_summary_text([]) == "No updates to summarise."


def test_summary_text_and_json(summaries):
    _, sentences = summaries["staffordshire/3-2-d"]
    text = action_summary_text(sentences)
    assert text.splitlines()[0].startswith("Now (Jan 2020): CCG Strategic")
    assert "Main change (Dec 2019)" in text
    assert "Stalled since (Jan 2022)" in action_summary_text(summaries["telford-and-wrekin/1-1"][1])
    data = json.loads(json.dumps([s.to_dict() for s in sentences]))
    assert data[0]["sources"] == [{"document": sentences[0].document, "line": 17, "location": "line 17"}]
    assert data[0]["when"] == "Jan 2020"


# -- maximal marginal relevance --------------------------------------------------


def test_mmr_relevance_alone_ranks_by_similarity():
    query = np.array([1.0, 0.0])
    candidates = np.array([[0.0, 1.0], [1.0, 0.1], [1.0, 0.5]])
    assert mmr(candidates, query, k=3, lambda_=1.0) == [1, 2, 0]


def test_mmr_skips_a_near_duplicate_for_a_different_relevant_candidate():
    query = np.array([1.0, 1.0, 0.0])
    candidates = np.array([
        [1.0, 0.9, 0.0],    # most relevant
        [1.0, 0.89, 0.01],  # a near duplicate of it
        [0.2, 1.0, 0.0],    # relevant in another way
    ])
    assert mmr(candidates, query, k=2, lambda_=1.0) == [0, 1]
    assert mmr(candidates, query, k=2, lambda_=0.5) == [0, 2]


def test_mmr_edges():
    query = [1.0, 0.0]
    assert mmr(np.zeros((0, 2)), query, k=3) == []
    assert mmr([[1.0, 0.0], [0.0, 1.0]], query, k=0) == []
    assert sorted(mmr([[1.0, 0.0], [0.0, 1.0]], query, k=5)) == [0, 1]
    assert mmr([[2.0, 0.0], [2.0, 0.0]], query, k=2) == [0, 1]  # ties go to the lower index
    with pytest.raises(ValueError):
        mmr([[1.0, 0.0]], query, k=1, lambda_=1.5)
    with pytest.raises(ValueError):
        mmr([[1.0, 0.0, 0.0]], query, k=1)


@pytest.mark.slow
def test_mmr_over_real_sentences_prefers_variety(embedder):
    texts = [
        "A SEND Conference for October 2022 is being arranged.",
        "A SEND Conference for October 2022 is being arranged and planned.",
        "Workshops to embed the Charter are being arranged.",
    ]
    vectors = embedder.encode(texts)
    query = embedder.encode_query("SEND conference and workshops being arranged")
    picked = mmr(vectors, query, k=2, lambda_=0.5)
    assert set(picked) & {0, 1} and 2 in picked
