"""The SEND vocabulary: its table, case-aware lookup, keyword expansion both ways and whole-phrase marks."""

from __future__ import annotations

import numpy as np
import pytest

from narrative_search import vocabulary as vocabulary_module
from narrative_search.ingest import is_skipped
from narrative_search.keyword import KeywordPostings
from narrative_search.render.text import mark_terms
from narrative_search.search import parse_query, search
from narrative_search.vocabulary import (
    VOCABULARY_NAME,
    Vocabulary,
    VocabularyError,
    default_vocabulary,
    load_vocabulary,
    parse_vocabulary,
)

# -- the table -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("EHCP", "EHCP"),
        ("EHC plan", "EHCP"),
        ("EHC plans", "EHCP"),
        ("education, health and care plan", "EHCP"),
        ("SENCo", "SENCO"),
        ("special educational needs coordinator", "SENCO"),
        ("child and adolescent mental health services", "CAMHS"),
        ("autism", "ASD"),
        ("ASC", "ASD"),
        ("neurodevelopmental", "ND"),
        ("speech and language therapy", "SALT"),
        ("occupational therapy", "OT"),
        ("preparing for adulthood", "PfA"),
        ("local offer", "LO"),
        ("parent carer forum", "PCF"),
        ("joint strategic needs assessment", "JSNA"),
        ("ICB", "CCG"),
        ("designated medical officer", "DCO"),
        ("educational psychologist", "EP"),
        ("alternative provision", "AP"),
        ("education other than at school", "EOTAS"),
        ("elective home education", "EHE"),
        ("NEET", "NEET"),
        ("early years foundation stage", "EYFS"),
        ("written statement of action", "WSOA"),
        ("EHC needs assessment", "EHCNA"),
        ("graduated response", "graduated approach"),
        ("tell it once", "tell it once"),
    ],
)
def test_the_bundled_table_knows_each_form_of_a_concept(typed, term):
    matches = default_vocabulary().find_in(typed)
    assert [m.concept.term for m in matches] == [term]
    assert (matches[0].start, matches[0].end) == (0, len(typed.replace(",", "").split()))


@pytest.mark.parametrize(
    ("query", "expands"),
    [
        ("OT", True),
        ("ot", False),
        ("Ot", False),
        ("AP", True),
        ("ap", False),
        ("LA", True),
        ("la", False),
        ("EP", True),
        ("SEND", True),
        ("send", False),
        ("RAG", True),
        ("rag", False),
        ("OTs", True),
        ("ehcp", True),  # not a word in any case: the table says "any"
        ("EHCPs", True),
        ("senco", True),
    ],
)
def test_short_acronyms_expand_only_in_capitals_unless_the_table_says_so(query, expands):
    assert bool(default_vocabulary().find_in(query)) is expands


def test_ingest_leaves_the_vocabulary_out_of_the_corpus():
    assert is_skipped(VOCABULARY_NAME)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("term,expansions\nEHCP,EHC plan\n,education health and care plan\n", 3, "the term is empty"),
        ("term,expansions,case\nOT,occupational therapy,loud\n", 2, "the case must be exact or any"),
        ("term,expansions\nOT,occupational therapy,exact,note,extra\n", 2, "5 fields where the header names 2"),
        ("term,expansions\nEHCP,EHC plan||education health and care plan\n", 2, "an empty expansion"),
        ("name,forms\nEHCP,EHC plan\n", 1, "lacks the column"),
    ],
)
def test_a_malformed_row_is_an_error_naming_the_file_and_line(tmp_path, text, line, reason):
    path = tmp_path / VOCABULARY_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError, match=rf"{VOCABULARY_NAME} line {line}: .*{reason}"):
        load_vocabulary(path)


def test_blank_and_commented_rows_are_skipped_and_a_missing_case_means_any():
    table = parse_vocabulary("term,expansions\n\n# OT,occupational therapy\nJSNA,joint strategic needs assessment\n", "t.csv")
    assert [c.forms for c in table.concepts] == [("JSNA", "joint strategic needs assessment")]
    assert table.find_in("jsna") and not table.concepts[0].exact_case


def test_an_edited_table_is_read_again_and_a_missing_one_is_empty(tmp_path, monkeypatch):
    path = tmp_path / "mine.csv"
    monkeypatch.setenv(vocabulary_module.VOCABULARY_ENV, str(path))
    assert len(default_vocabulary()) == 0
    path.write_text("term,expansions\nKS4,key stage 4\n", encoding="utf-8")
    assert [c.term for c in default_vocabulary().concepts] == ["KS4"]
    path.write_text("term,expansions\nKS4,key stage 4\nKS5,key stage 5\n", encoding="utf-8")
    import os

    os.utime(path, ns=(1, 10**18))  # a later modification time, whatever the clock's resolution
    assert [c.term for c in default_vocabulary().concepts] == ["KS4", "KS5"]


# -- parsing a query -----------------------------------------------------------


def test_a_query_names_concepts_with_their_other_forms_and_marks_them_all():
    table = Vocabulary(parse_vocabulary("term,expansions\nEHCP,EHC plan|education health and care plan\n", "t").concepts)
    parsed = parse_query("EHCP issued late", table)
    assert parsed.terms == ("ehcp", "issued", "late")
    assert [(c.typed, c.others) for c in parsed.concepts] == [(("EHCP",), ("EHC plan", "education health and care plan"))]
    assert parsed.grouped_words() == ("ehcp",)
    assert parsed.keyword_groups() == [[("EHCP", 1.0), ("EHC plan", 0.6), ("education health and care plan", 0.6)]]
    assert parsed.ranking_match() == '"ehcp" OR "issued" OR "late" OR "EHC plan" OR "education health and care plan"'


def test_quoted_phrases_are_taken_as_typed_not_expanded():
    assert parse_query('"EHCP" reviews').concepts == ()


# -- the keyword ranking -------------------------------------------------------


def test_a_group_of_one_form_of_weight_one_scores_as_the_word_alone():
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    texts = ["ehcp panel", "ehcp ehcp waits", "the plan", "education health and care plan"]
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", enumerate(texts))
    postings = KeywordPostings.from_fts(conn, "t", len(texts))
    alone = postings.scores([(["ehcp"], None)])
    np.testing.assert_allclose(postings.scores([], [[(["ehcp"], None, 1.0)]]), alone)
    grouped = postings.scores([], [[(["ehcp"], None, 1.0), (["educ", "health", "and", "care", "plan"], np.array([3]), 0.6)]])
    assert grouped[3] > 0 and grouped[2] == 0
    assert grouped[0] > grouped[3]  # the form typed counts more than an expansion
    np.testing.assert_allclose(grouped[:3], alone[:3])  # rows with only the form typed score as without the vocabulary


PLAN = """Rutland local area SEND improvement plan

1. Plans written on time

Every education, health and care plan will be finished within twenty weeks of the request.

2. Acronyms used by officers

The EHCP panel meets weekly to agree each draft before it goes to families.

3. Therapies

OT waiting lists have fallen since the spring and families are seen sooner.

4. Words that are not acronyms

We have not got the answers yet and the hotline is not staffed at weekends.

5. Telling the story once

Families should only have to tell it once, and staff will share what they learn with consent.
"""


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, embedder):
    """A made-up plan of a few sentences, ingested and indexed."""
    from narrative_search.workspace import Workspace

    folder = tmp_path_factory.mktemp("vocabulary-corpus")
    (folder / "sources.csv").write_text("file,council,title\nplan.txt,Rutland,Made-up plan\n", encoding="utf-8")
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    with Workspace.open(tmp_path_factory.mktemp("vocabulary-home"), embedder=embedder) as opened:
        assert all(outcome.error is None for outcome in opened.ingest([folder]))
        yield opened


def _shown(result):
    return [ph for hit in result.hits for ph in hit.passages]


@pytest.mark.parametrize(
    ("query", "first", "found"),
    [
        ("EHCP", "The EHCP panel", ["education, health and care plan will"]),
        ("education, health and care plan", "education, health and care plan will", ["The EHCP panel"]),
        ("EHC plans", None, ["The EHCP panel", "education, health and care plan will"]),
        ("occupational therapy", None, ["OT waiting lists"]),
    ],
)
def test_a_concept_finds_passages_in_each_of_its_forms_the_typed_form_first(small_index, query, first, found):
    # The keyword leg itself: the search groups this text-only document's
    # nearby lines into one result, which shows only its best few passages.
    index = small_index.index()
    parsed = parse_query(query)
    words = [word for word in parsed.keyword_words() if word not in parsed.grouped_words()]
    rows, _ = index.keyword(words, 20, None, parsed.keyword_groups())
    passages = index.passages(int(row) for row in rows)
    ranked = [passages[int(row)].text for row in rows]
    assert all(any(text in passage for passage in ranked) for text in found)
    if first:
        assert first in ranked[0]


@pytest.mark.parametrize("query", ["OT", "OT waiting"])
def test_an_acronym_never_matches_words_that_contain_it(small_index, query):
    shown = _shown(search(small_index.index(), small_index.embedder, query, mode="keyword"))
    assert shown and not any("not got" in ph.passage.text for ph in shown)


@pytest.mark.parametrize(
    ("query", "passage", "marked"),
    [
        ('"tell it once"', "tell it once, and staff", ["tell it once"]),
        ("tell it once", "tell it once, and staff", ["tell it once"]),  # a vocabulary phrase, unquoted
        ("EHCP", "education, health and care plan will", ["education, health and care plan"]),
        ("EHCP", "The EHCP panel", ["EHCP"]),
        ("education, health and care plan", "The EHCP panel", ["EHCP"]),
    ],
)
def test_whole_phrases_and_expansions_are_marked_as_one_span(small_index, query, passage, marked):
    shown = _shown(search(small_index.index(), small_index.embedder, query, mode="keyword"))
    hit = next(ph for ph in shown if passage in ph.passage.text)
    assert [hit.passage.text[s:e] for s, e in hit.term_spans] == marked
    assert mark_terms(hit.passage.text, hit.matched_terms).count("[") == len(marked)


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("the education, health and care plan and care", ["care", "education, health and care plan"],
         "the [education, health and care plan] and [care]"),
        ("We tell it once. Tell", ["tell it once", "tell"], "We [tell it once]. [Tell]"),
    ],
)
def test_a_word_inside_a_marked_phrase_is_not_marked_again(text, terms, expected):
    assert mark_terms(text, terms) == expected
