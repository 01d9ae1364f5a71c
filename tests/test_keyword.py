"""The keyword ranking: BM25 from FTS5's postings in numpy must rank as FTS5's own bm25() does."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from narrative_search import index as index_module
from narrative_search.index import IndexCorruptError, current_generation, ensure_index, open_index
from narrative_search.keyword import KeywordPostings, QueryTokenizer, fts_phrase
from narrative_search.search import parse_query

# Queries in the documents' words and in users' words, none with a quoted phrase.
QUERIES = [
    "JSNA joint strategic needs assessment",
    "EHC plans issued within 20 weeks",
    "annual reviews overdue timeliness",
    "parents fighting the council in court after being refused",
    "SENCO network support",
    "Ofsted",
]


def fts5_ranking(index, words, k):
    """FTS5's own answer: (rowid, score) best first, by ORDER BY rank."""
    match = " OR ".join(fts_phrase(w) for w in words)
    records = index.conn.execute(
        "SELECT rowid, -bm25(passage_words) FROM passage_words WHERE passage_words MATCH ? ORDER BY rank LIMIT ?",
        (match, k),
    ).fetchall()
    return records


@pytest.mark.parametrize("query", QUERIES)
def test_numpy_bm25_gives_fts5s_scores_and_order(workspace, query):
    index = workspace.index()
    words = parse_query(query).keyword_words()
    expected = fts5_ranking(index, words, 50)
    rows, scores = index.keyword(words, 50)
    assert len(expected) > 0
    np.testing.assert_allclose(scores, [s for _, s in expected], rtol=1e-5)
    # Same rows in the same order, up to the order of rows with equal scores; rows tied with the last one
    # kept may be any of those tied (which of them the cut keeps is arbitrary: the scores above say how many).
    by_score_expected = sorted((round(s, 4), r) for r, s in expected)
    # Scored as FTS5 scored the same place (equal within rtol above), so float32 rounding cannot split a tie.
    by_score_ours = sorted((round(s, 4), int(r)) for r, (_, s) in zip(rows, expected))
    cut = by_score_expected[0][0]
    assert [x for x in by_score_ours if x[0] > cut] == [x for x in by_score_expected if x[0] > cut]


@pytest.mark.parametrize("words", [("peer review", "nasen"), ("son's", "background"), ("co-production",)])
def test_phrases_match_the_rows_fts5_matches_scored_from_their_rarest_word(workspace, words):
    index = workspace.index()
    expected = dict(fts5_ranking(index, words, len(index)))
    rows, scores = index.keyword(words, len(index))
    assert sorted(rows.tolist()) == sorted(expected)
    # A phrase's frequency in a row is its rarest word's there: never below the
    # phrase's own count, and equal to it wherever its words do not also occur apart.
    ours = dict(zip(rows.tolist(), scores.tolist()))
    assert all(ours[row] >= score * (1 - 1e-5) for row, score in expected.items())
    assert sum(ours[row] == pytest.approx(score, rel=1e-5) for row, score in expected.items()) >= len(expected) / 2


def test_every_passage_fts5_matches_is_ranked(workspace):
    index = workspace.index()
    words = parse_query("graduated response guidance").keyword_words()
    rows, _ = index.keyword(words, len(index))
    assert sorted(rows.tolist()) == sorted(r for r, _ in fts5_ranking(index, words, len(index)))


def test_the_mask_keeps_only_allowed_passages_with_their_own_best(workspace):
    index = workspace.index()
    words = ("autism", "diagnosis")
    everything, _ = index.keyword(words, len(index))
    allowed = np.zeros(len(index), dtype=bool)
    allowed[everything[1::2]] = True  # every other match
    rows, _ = index.keyword(words, 5, allowed)
    assert rows.tolist() == everything[1::2][:5].tolist()


def test_query_words_are_tokenized_as_fts5_tokenizes_passages():
    tokenizer = QueryTokenizer()
    try:
        # Porter stems, folded case and accents, punctuation split.
        assert tokenizer.tokenize(["Reviews", "reviewing", "CAFÉ", "co-production"]) == [["review"], ["review"], ["cafe"], ["co", "product"]]
        assert tokenizer.tokenize([]) == []
    finally:
        tokenizer.close()


def test_words_no_passage_holds_rank_nothing(workspace):
    rows, scores = workspace.index().keyword(("zyzzyva", "qwertyuiop"), 10)
    assert len(rows) == 0 and len(scores) == 0


def test_postings_survive_a_save_and_load(tmp_path):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    texts = ["autism assessment waits", "need assessment", "", "autism autism outreach"]
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", enumerate(texts))
    postings = KeywordPostings.from_fts(conn, "t", len(texts))
    postings.save(tmp_path / "words.npz")
    loaded = KeywordPostings.load(tmp_path / "words.npz")
    assert loaded.term_ids == postings.term_ids
    assert loaded.rank([(["autism"], None)], 10)[0].tolist() == [3, 0]  # two occurrences beat one
    assert loaded.rank([(["assess"], None)], 10)[0].tolist() == [1, 0]  # the shorter passage first
    # A phrase counts only in the rows FTS5 found it in.
    assert loaded.rank([(["need", "assess"], np.array([1]))], 10)[0].tolist() == [1]
    np.testing.assert_allclose(
        loaded.rank([(["autism"], None), (["need"], None)], 10)[1],
        [-s for _, s in conn.execute(
            "SELECT rowid, bm25(t) FROM t WHERE t MATCH 'autism OR need' ORDER BY rank"
        ).fetchall()],
        rtol=1e-5,
    )


def test_a_damaged_keyword_file_is_rebuilt_never_read(fresh_home, embedder):
    from narrative_search import config
    from narrative_search.store import CorpusStore

    home = fresh_home
    with CorpusStore(config.database_path(home)) as store:
        index_module.rebuild_index(home, store, embedder)
        words = current_generation(home) / index_module.WORDS_NAME
        words.write_bytes(words.read_bytes()[:500])
        with pytest.raises(IndexCorruptError, match="cannot be read"):
            open_index(home)
        index, notes = ensure_index(home, store, embedder)
        with index:
            assert notes[0].startswith("The search index cannot be used (")
            assert len(index.keyword(("JSNA",), 5)[0]) > 0


@pytest.mark.parametrize("query", ["EHCP annual reviews", '"annual review" timeliness', "autism diagnosis waiting times"])
def test_a_narrow_filter_scores_its_rows_as_the_whole_index_would(workspace, monkeypatch, query):
    # A council + date filter at a million passages allows a few hundred: those rows are scored
    # alone (looked up in each posting), and must come out with the scores and order of the wide path.
    from narrative_search import keyword as keyword_module

    index = workspace.index()
    parsed = parse_query(query)
    grouped = set(parsed.grouped_words())
    words = [w for w in parsed.keyword_words() if w not in grouped]
    everything, _ = index.keyword(words, len(index), groups=parsed.keyword_groups())
    assert len(everything) >= 6
    allowed = np.zeros(len(index), dtype=bool)
    allowed[everything[::3]] = True
    allowed[np.arange(0, len(index), 41)] = True  # and some rows that match nothing
    monkeypatch.setattr(keyword_module, "NARROW_FILTER_SHARE", 1.0)  # every filter scored at its rows
    narrow = index.keyword(words, 10, allowed, parsed.keyword_groups())
    monkeypatch.setattr(keyword_module, "NARROW_FILTER_SHARE", 0.0)  # every filter scored over whole postings
    wide = index.keyword(words, 10, allowed, parsed.keyword_groups())
    assert narrow[0].tolist() == wide[0].tolist()
    np.testing.assert_allclose(narrow[1], wide[1], rtol=1e-6)
    assert set(narrow[0].tolist()) <= set(np.flatnonzero(allowed).tolist())
