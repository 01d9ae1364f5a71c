"""Passages built from the sample corpus, and splitting text to a model's window."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from narrative_search.model import Citation, Passage, Status
from narrative_search.passages import (
    action_text,
    build_passages,
    is_table_furniture,
    rating_at,
    split_passages,
    split_to_window,
)
from narrative_search.refs import is_bare_reference
from narrative_search.store import CorpusStore


def words(text: str) -> list[str]:
    return text.split()


def count_words(text: str) -> int:
    """A stand-in tokenizer: one token a word, plus two special tokens like BERT's."""
    return len(text.split()) + 2


@pytest.fixture(scope="module")
def passages(corpus_store) -> list[Passage]:
    return build_passages(corpus_store)


def status(label: str, month, rag) -> Status:
    return Status(label=label, month=month, rag_printed=rag, rag=rag)


# -- ratings -------------------------------------------------------------------


def test_rating_at_takes_latest_status_on_or_before_the_month():
    statuses = [status("Dec-19", "2019-12", "R"), status("Apr-21", "2021-04", "A"),
                status("Nov-21", "2021-11", "G")]
    assert rating_at(statuses, "2019-11") is None
    assert rating_at(statuses, "2019-12") == "R"
    assert rating_at(statuses, "2021-03") == "R"
    assert rating_at(statuses, "2021-04") == "A"
    assert rating_at(statuses, "2030-01") == "G"
    assert rating_at(statuses, None) is None
    assert rating_at([], "2020-01") is None


def test_rating_at_skips_undated_and_empty_statuses_and_ignores_order():
    statuses = [status("Mar-20", "2020-03", "G"), status("RAG", None, "R"),
                status("Jan-20", "2020-01", "A"), status("Feb-20", "2020-02", None)]
    assert rating_at(statuses, "2020-02") == "A"  # Feb's empty cell is no rating
    assert rating_at(statuses, "2020-04") == "G"
    assert rating_at([status("RAG", None, "R")], "2020-01") is None


# -- building from the store ------------------------------------------------------


def test_staffordshire_3_2_d_updates_carry_months_and_ratings_in_force(corpus_store, passages):
    action = corpus_store.get_action("staffordshire/3-2-d")
    assert [(s.month, s.rag) for s in action.statuses][:2] == [("2019-12", "R"), ("2020-01", "R")]
    updates = [p for p in passages if p.action_id == "staffordshire/3-2-d" and p.kind == "update"]
    assert [(p.start, p.end, p.rating) for p in updates] == [
        ("2019-10", "2019-10", None),  # before the first status
        ("2019-11", "2019-11", None),
        ("2019-12", "2019-12", "R"),
        ("2020-01", "2020-01", "R"),
    ]
    for passage in updates:
        assert passage.council == "Staffordshire"
        assert passage.ref == "3.2 D"
        assert passage.document and passage.line > 0
    assert updates[2].text.startswith("CCG Strategic Commissioning Post has been appointed to.")


def test_update_passages_match_the_store(corpus_store, passages):
    by_action = Counter(p.action_id for p in passages if p.kind in ("update", "position_statement"))
    for action in corpus_store.iter_actions():
        assert by_action[action.id] == sum(1 for u in action.updates if u.text.strip() and not is_bare_reference(u.text))
    kinds = Counter(p.kind for p in passages)
    assert kinds["update"] > 0 and kinds["position_statement"] > 0


def test_undated_updates_have_no_rating(corpus_store, passages):
    for passage in passages:
        if passage.kind in ("update", "position_statement") and passage.start is None:
            assert passage.rating is None


def test_every_action_has_one_labelled_action_passage(corpus_store, passages):
    actions = list(corpus_store.iter_actions())
    own = [p for p in passages if p.kind == "action" and p.action_id is not None]
    assert Counter(p.action_id for p in own) == Counter(a.id for a in actions)
    passage = next(p for p in own if p.action_id == "staffordshire/3-2-d")
    assert passage.text.startswith("Action: D. Explore how the STP Integrated Care Programme")
    # its focus area is printed in every 3.2 action: indexed once, naming them (issue 13)
    assert "Focus area" not in passage.text
    shared = next(p for p in passages if p.kind == "action" and p.action_id is None and "3.2 D" in (p.ref or ""))
    assert shared.text.startswith("Focus area: 3.2 Parents/ carers")
    assert "\nEvidence: Integrated care programme workshop" in passage.text
    assert passage.rating == "G"  # Nov-21, its latest status
    assert passage.start is None and passage.end is None
    for action in actions:
        if action.action.strip():
            assert action.action.strip() in action_text(action)


def test_unattributed_spans_become_passages(corpus_store, passages):
    spans = [s for s in corpus_store.unattributed() if s.text.strip() and not is_table_furniture(s.text, s.reason)]
    assert spans
    councils = {doc.name: doc.council for doc in corpus_store.documents()}
    got = [p for p in passages if p.kind == "unattributed"]
    assert [(p.document, p.line, p.text) for p in got] == [(s.document, s.line, s.text.strip()) for s in spans]
    for passage in got:
        assert passage.council == councils[passage.document]
        assert passage.action_id is None and passage.ref is None and passage.rating is None


def test_ids_are_unique_and_stable(corpus_store, passages, readings, tmp_path):
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids))
    assert [p.id for p in build_passages(corpus_store)] == ids
    # A store filled in another order has other row ids, but the same passages.
    with CorpusStore(tmp_path / "again.sqlite") as again:
        for reading in reversed(list(readings.values())):
            again.save_reading(reading)
        assert {p.id: p for p in build_passages(again)} == {p.id: p for p in passages}


# -- splitting to the window -------------------------------------------------------


LONG = (
    "The local area has reviewed the autism assessment pathway. Waiting times fell from 52 weeks "
    "to 30 weeks over the year. Parents said communication had improved.\n"
    "A new co-production charter was agreed with the parent carer forum; training for SENCOs "
    "followed in every locality, and the EHCP timeliness dashboard is now reviewed monthly! "
    "Is the graduated response embedded? Not yet, according to the autumn audit of 40 plans."
)


def test_short_text_is_not_split():
    assert split_to_window("Two short sentences. Nothing to do.", 50, count_words) == [
        "Two short sentences. Nothing to do."
    ]


@pytest.mark.parametrize("window", [12, 20, 35, 60])
def test_long_text_splits_into_sentences_within_the_window_losing_no_word(window):
    chunks = split_to_window(LONG, window, count_words)
    assert len(chunks) > 1
    assert all(count_words(chunk) <= window for chunk in chunks)
    assert words(" ".join(chunks)) == words(LONG)
    assert all(chunk == chunk.strip() and chunk in LONG for chunk in chunks)


def test_sentences_are_kept_whole_where_they_fit():
    chunks = split_to_window(LONG, 35, count_words)
    for chunk in chunks:
        assert chunk.endswith((".", "!", "?")), chunk


def test_no_cut_inside_a_word_where_spacy_ends_a_sentence_mid_word():
    # spaCy ends the first sentence after "(", inside the word "(For" (Telford's plan).
    text = ("To publish clear pathways showing how parents access particular health and social "
            "care services. (For example continence services, health visiting, CHC assessment. "
            "Parents report more confidence.")
    for window in (8, 12, 20, 30):
        chunks = split_to_window(text, window, count_words)
        assert words(" ".join(chunks)) == words(text)
        assert all(count_words(chunk) <= window for chunk in chunks)


def test_a_sentence_longer_than_the_window_splits_at_words():
    sentence = " ".join(f"word{i}" for i in range(100)) + "."
    chunks = split_to_window(sentence, 10, count_words)
    assert all(count_words(chunk) <= 10 for chunk in chunks)
    assert words(" ".join(chunks)) == words(sentence)
    assert len(chunks) == 13  # 8 words a chunk


def test_a_word_longer_than_the_window_splits_at_characters():
    def count_chars(text: str) -> int:
        return len(text) + 2

    text = "short " + "x" * 50 + " end"
    chunks = split_to_window(text, 12, count_chars)
    assert all(count_chars(chunk) <= 12 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_split_passages_suffixes_ids_and_keeps_metadata():
    passage = Passage(id="torbay/1-1/update/2020-01/abc", kind="update", text=LONG,
                      council="Torbay", source=Citation("003.txt", 7), ref="1.1",
                      action_id="torbay/1-1", start="2020-01", end="2020-02", rating="A")
    short = Passage(id="torbay/1-1/action", kind="action", text="Action: short",
                    council="Torbay", source=Citation("003.txt", 7))
    result = split_passages([short, passage], 35, count_words)
    assert result[0] is short
    chunks = result[1:]
    assert [c.id for c in chunks] == [f"{passage.id}#{i}" for i in range(1, len(chunks) + 1)]
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.base_id == passage.id
        assert (chunk.kind, chunk.council, chunk.document, chunk.line, chunk.ref, chunk.action_id,
                chunk.start, chunk.end, chunk.rating) == (
                "update", "Torbay", "003.txt", 7, "1.1", "torbay/1-1", "2020-01", "2020-02", "A")
    assert [c.chunk for c in chunks] == list(range(1, len(chunks) + 1))
    assert words(" ".join(c.text for c in chunks)) == words(LONG)


def test_build_passages_splits_corpus_passages_longer_than_the_window(corpus_store, passages):
    window = 60
    split = build_passages(corpus_store, max_tokens=window, count_tokens=count_words)
    assert len(split) > len(passages)
    assert all(count_words(p.text) <= window for p in split)
    assert len({p.id for p in split}) == len(split)
    by_base: dict[str, list[str]] = {}
    for p in split:
        by_base.setdefault(p.base_id, []).append(p.text)
    assert list(by_base) == [p.id for p in passages]
    for p in passages:
        assert words(" ".join(by_base[p.id])) == words(p.text)
        if len(by_base[p.id]) > 1:
            assert all(re.search(r"#\d+$", q.id) for q in split if q.base_id == p.id)
