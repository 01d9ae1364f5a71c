"""Search over the bundled corpus with the real model: ranking, filters, similar actions, index safety."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import DATA_DIR, LEICESTERSHIRE, REPO, STAFFORDSHIRE_000

from narrative_search import config
from narrative_search import index as index_module
from narrative_search.cli import main
from narrative_search.index import (
    CURRENT_NAME,
    MANIFEST_NAME,
    IndexCorruptError,
    current_generation,
    ensure_index,
    index_root,
    open_index,
    rebuild_index,
)
from narrative_search.model import SearchFilters
from narrative_search.search import SearchError, parse_query, search, similar_actions
from narrative_search.store import CorpusStore
from narrative_search.themes import record_texts
from narrative_search.workspace import Workspace

sys.path.insert(0, str(REPO / "bench"))
from quality import evaluate, load_queries, summary_table  # noqa: E402

QUERIES = {q["id"]: q for q in load_queries()}


def ids(result) -> list:
    return [hit.action_id for hit in result.hits]


# -- ranking -------------------------------------------------------------------


@pytest.mark.parametrize("query_id, expected, within", [
    ("q18", {"leicestershire/1-3", "leicestershire/1-4", "torbay/3a"}, 4),  # JSNA joint strategic needs assessment
    ("q17", {"staffordshire/3-1-c", "staffordshire/3-3-c"}, 2),  # NASEN "peer review"
    ("q24", {"leicestershire/1-13", "telford-and-wrekin/4-5"}, 2),  # speech and language therapy SALT
])
def test_keyword_style_queries_put_their_answers_first(workspace, query_id, expected, within):
    result = workspace.search(QUERIES[query_id]["query"], k=10)
    assert expected <= set(ids(result)[:within])


@pytest.mark.parametrize("query_id", ["q01", "q06", "q10"])
def test_queries_in_users_own_words_find_actions_that_share_no_word_with_them(workspace, query_id):
    query = QUERIES[query_id]
    answers = {a for a, grade in query["relevant"].items() if grade == 3}
    assert answers & set(ids(workspace.search(query["query"], k=5))), query["query"]


def test_hybrid_beats_keyword_and_dense_on_the_labelled_queries(workspace):
    table = {row["mode"]: row for row in summary_table(evaluate(workspace, list(QUERIES.values())))}
    assert table["hybrid"]["all_ndcg"] > table["keyword"]["all_ndcg"]
    assert table["hybrid"]["all_ndcg"] > table["dense"]["all_ndcg"]
    assert table["hybrid"]["keyword_ndcg"] >= table["keyword"]["keyword_ndcg"]


def test_one_hit_per_action_best_first(workspace):
    result = workspace.search("EHCP quality assurance audit", k=10)
    assert len(result.hits) == 10
    keys = [hit.key for hit in result.hits]
    assert len(keys) == len(set(keys))
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    for hit in result.hits:
        assert [p.score for p in hit.passages] == sorted((p.score for p in hit.passages), reverse=True)
        assert {p.passage.action_id for p in hit.passages} == {hit.action_id}


def test_quoted_phrases_must_appear_in_every_hit(workspace):
    result = workspace.search('"tell it once" approach', k=10)
    assert result.hits
    for hit in result.hits:
        assert "tell it once" in " ".join(hit.text.lower().split())


def test_a_phrase_found_nowhere_says_so(workspace):
    result = workspace.search('"quantum entanglement"')
    assert result.hits == []
    assert result.message == 'No passage contains "quantum entanglement".'


def test_matched_terms_and_sentence_are_marked_in_the_shown_text(workspace):
    result = workspace.search("annual reviews overdue", k=5)
    best = result.hits[0].best
    assert best.term_spans, "a keyword hit marks its matched words"
    for start, end in best.term_spans:
        assert best.passage.text[start:end].lower().startswith(("annual", "review", "overdue"))
    start, end = best.sentence_span
    sentence = best.passage.text[start:end]
    assert sentence and sentence in best.passage.text
    assert any(s >= start and e <= end for s, e in best.term_spans)


def test_parse_query_keeps_phrases_and_drops_stop_words():
    parsed = parse_query('how do we get "tell it once" working for families')
    assert parsed.phrases == ("tell it once",)
    assert parsed.terms == ("working", "families")
    assert parsed.ranking_match() == '"tell it once" AND ("tell it once" OR "working" OR "families")'
    with pytest.raises(SearchError, match="empty"):
        parse_query("   ")


# -- filters -------------------------------------------------------------------


def test_council_filter_keeps_only_that_council(workspace):
    result = workspace.search("joint commissioning", k=10, filters=SearchFilters(councils=("torbay",)))
    assert result.hits and {hit.council for hit in result.hits} == {"Torbay"}


def test_date_filter_keeps_updates_dated_in_the_range(workspace):
    filters = SearchFilters(since="2021-01", until="2021-06")
    result = workspace.search("training for school staff", k=10, filters=filters)
    assert result.hits
    for hit in result.hits:
        for passage_hit in hit.passages:
            passage = passage_hit.passage
            assert passage.start is not None and passage.start <= "2021-06"
            assert (passage.end or passage.start) >= "2021-01"


def test_rating_filter_keeps_passages_with_that_rating_in_force(workspace):
    result = workspace.search("training", k=10, filters=SearchFilters(ratings=("R",)))
    assert result.hits
    for hit in result.hits:
        assert all("R" in p.passage.rating for p in hit.passages)


def test_document_and_kind_filters(workspace):
    filters = SearchFilters(documents=(STAFFORDSHIRE_000,), kinds=("update",))
    result = workspace.search("peer review", k=10, filters=filters)
    assert result.hits
    for hit in result.hits:
        assert {(p.passage.document, p.passage.kind) for p in hit.passages} == {(STAFFORDSHIRE_000, "update")}
    positions = workspace.search("co-production", k=10, filters=SearchFilters(kinds=("position_statement",)))
    assert {hit.council for hit in positions.hits} == {"Telford and Wrekin"}


def test_a_filter_that_leaves_nothing_names_itself(workspace):
    result = workspace.search("JSNA", filters=SearchFilters(councils=("Torbay",), since="2030-01"))
    assert result.hits == []
    assert result.message.startswith("No passages match council Torbay and dates 2030-01 to …")
    unknown = workspace.search("JSNA", filters=SearchFilters(councils=("Atlantis",)))
    assert "Councils in the index: Leicestershire, Staffordshire, Telford and Wrekin, Torbay" in unknown.message
    leicestershire_updates = workspace.search(
        "JSNA", filters=SearchFilters(documents=(LEICESTERSHIRE,), kinds=("update",))
    )
    assert leicestershire_updates.message == f"No passages match document {LEICESTERSHIRE} and kind update."


def test_malformed_filters_are_refused_with_the_reason(workspace):
    with pytest.raises(SearchError, match="YYYY-MM"):
        workspace.search("JSNA", filters=SearchFilters(since="Jan 2021"))
    with pytest.raises(SearchError, match="after"):
        workspace.search("JSNA", filters=SearchFilters(since="2022-01", until="2021-01"))


# -- similar actions -----------------------------------------------------------


def test_similar_actions_come_from_other_councils_with_the_closest_passages(workspace):
    result = workspace.similar("staffordshire/3-1-c", k=5)
    assert len(result.hits) == 5
    assert all(hit.council != "Staffordshire" for hit in result.hits)
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    for hit in result.hits:
        assert hit.because.passage.action_id == "staffordshire/3-1-c"
        assert hit.best.passage.action_id == hit.action_id
    # Staffordshire's SEND peer reviews in schools: Telford's schools self-assessing
    # their SEND provision (with peer review) is among the closest elsewhere.
    assert "telford-and-wrekin/1-4" in ids(result)


def test_similar_to_an_unknown_action_says_how_to_find_ids(workspace):
    with pytest.raises(SearchError, match="no action 'nowhere/1' in the index"):
        similar_actions(workspace.index(), "nowhere/1")


# -- the index on disk ---------------------------------------------------------


def test_reingesting_the_unchanged_corpus_leaves_the_index_as_it_is(workspace):
    manifest_before = (current_generation(workspace.home) / MANIFEST_NAME).read_text()
    encoded_before = workspace.embedder.encoded_count
    workspace.ingest([DATA_DIR])
    assert (current_generation(workspace.home) / MANIFEST_NAME).read_text() == manifest_before
    assert workspace.embedder.encoded_count == encoded_before


def test_manifest_records_model_dimension_count_and_corpus(workspace):
    manifest = workspace.index().manifest
    assert manifest.model_id.startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert manifest.dimension == 384
    assert manifest.passage_count == len(workspace.index()) > 400
    assert manifest.action_count == 163
    assert len(manifest.corpus_hash) == 64


def test_an_index_built_with_another_model_is_rebuilt_with_a_message(fresh_home, embedder):
    with CorpusStore(config.database_path(fresh_home)) as store:
        rebuild_index(fresh_home, store, embedder)
        manifest_path = current_generation(fresh_home) / MANIFEST_NAME
        data = json.loads(manifest_path.read_text())
        data["model_id"] = "some-other-model"
        manifest_path.write_text(json.dumps(data))
        index, notes = ensure_index(fresh_home, store, embedder)
        with index:
            assert notes == [
                f"The search index was built with the model 'some-other-model', but the configured model is "
                f"'{embedder.model_id}': rebuilding it."
            ]
            assert index.manifest.model_id == embedder.model_id
            assert search(index, embedder, "JSNA", k=1).hits[0].action_id == "torbay/3a"


def test_a_damaged_index_is_rebuilt_never_read(fresh_home, embedder):
    with CorpusStore(config.database_path(fresh_home)) as store:
        rebuild_index(fresh_home, store, embedder)
        vectors = current_generation(fresh_home) / index_module.VECTORS_NAME
        vectors.write_bytes(vectors.read_bytes()[:1000])
        with pytest.raises(IndexCorruptError, match="cannot be read"):
            open_index(fresh_home)
        index, notes = ensure_index(fresh_home, store, embedder)
        with index:
            assert notes[0].startswith("The search index cannot be used (") and notes[0].endswith("rebuilding it.")
            assert len(index) == index.manifest.passage_count


def test_an_interrupted_build_leaves_the_previous_index_in_use(fresh_home, embedder, monkeypatch):
    with CorpusStore(config.database_path(fresh_home)) as store:
        rebuild_index(fresh_home, store, embedder)
        before = current_generation(fresh_home)
        expected = [h.action_id for h in search(open_index(fresh_home), embedder, "JSNA", k=5, explain=False).hits]

        def power_cut(*args, **kwargs):
            raise KeyboardInterrupt("interrupted while writing the vectors")

        monkeypatch.setattr("faiss.write_index", power_cut)
        with pytest.raises(KeyboardInterrupt):
            rebuild_index(fresh_home, store, embedder)
        monkeypatch.undo()
        assert current_generation(fresh_home) == before
        assert [p.name for p in index_root(fresh_home).iterdir() if p.is_dir()] == [before.name]
        with open_index(fresh_home) as index:
            assert [h.action_id for h in search(index, embedder, "JSNA", k=5, explain=False).hits] == expected


def test_a_pointer_to_an_incomplete_generation_is_reported(fresh_home):
    root = index_root(fresh_home)
    (root / "gen-half-built").mkdir(parents=True)
    (root / CURRENT_NAME).write_text("gen-half-built")
    with pytest.raises(IndexCorruptError, match="not a complete index"):
        open_index(fresh_home)


def test_ingesting_a_new_document_updates_the_index(fresh_home, embedder, tmp_path):
    with Workspace.open(fresh_home, embedder=embedder) as opened:
        assert "Sandwell" not in opened.index().council_names
        folder = tmp_path / "new"
        folder.mkdir()
        text = (DATA_DIR / STAFFORDSHIRE_000).read_text(encoding="utf-8")
        (folder / "sandwell-copy.txt").write_text(text, encoding="utf-8")
        before = len(opened.index())
        outcomes = opened.ingest([folder], council="Sandwell")
        assert outcomes[0].error is None
        assert "Sandwell" in opened.index().council_names
        assert len(opened.index()) > before
        result = opened.search("peer review", filters=SearchFilters(councils=("Sandwell",)))
        assert result.hits and {hit.council for hit in result.hits} == {"Sandwell"}


def update_with_a_changed_copy(opened: Workspace, tmp_path: Path):
    """Ingest a copy of a bundled file with one word changed, then update the index; (manifest, (stage, done, total) calls)."""
    folder = tmp_path / "changed"
    folder.mkdir()
    text = (DATA_DIR / STAFFORDSHIRE_000).read_text(encoding="utf-8")
    (folder / "sandwell-changed.txt").write_text(text.replace("peer", f"peer-{tmp_path.name}"), encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    stage = ["none"]
    opened.ingest([folder], council="Sandwell", update_index=False)
    opened.report_stages(lambda name: stage.__setitem__(0, name))
    manifest = opened.update_index(progress=lambda done, total: calls.append((stage[0], done, total)))
    return manifest, calls


def test_an_index_update_reports_its_encoding_progress(fresh_home, embedder, tmp_path):
    with Workspace.open(fresh_home, embedder=embedder) as opened:
        manifest, calls = update_with_a_changed_copy(opened, tmp_path)
    # Only the passages holding the changed word were new, and the count climbed to them.
    building = [(done, total) for name, done, total in calls if name == "building_index"]
    assert manifest.encoded > 0
    assert building[0] == (0, manifest.encoded) and building[-1] == (manifest.encoded, manifest.encoded)
    assert [done for done, _ in building] == sorted(done for done, _ in building)
    # Then every passage's sentences (and each action's texts for the themes), counted to the end.
    sentences = [(done, total) for name, done, total in calls if name == "encoding_sentences"]
    assert sentences[0][0] == 0 and sentences[-1][0] == sentences[-1][1] > manifest.passage_count
    assert [done for done, _ in sentences] == sorted(done for done, _ in sentences)


def test_above_the_sentence_limit_a_build_leaves_sentences_to_the_searches(fresh_home, embedder, tmp_path, monkeypatch):
    # At a million passages their sentences would triple the build's encoding and hold the vector
    # cache at gigabytes: above the limit the build encodes only the themes' texts, and a search
    # still marks the sentence closest to the query (encoding it then).
    monkeypatch.setattr(config, "SENTENCE_VECTORS_MAX_PASSAGES", 10)
    with Workspace.open(fresh_home, embedder=embedder) as opened:
        manifest, calls = update_with_a_changed_copy(opened, tmp_path)
        sentences = [(done, total) for name, done, total in calls if name == "encoding_sentences"]
        assert manifest.passage_count > 10
        assert sentences[-1][0] == sentences[-1][1] == len(record_texts(opened.store.iter_actions()))
        hit = opened.search("peer review", k=1).hits[0]
        start, end = hit.passages[0].sentence_span
        assert 0 <= start < end <= len(hit.passages[0].passage.text)


def test_an_empty_corpus_searches_to_a_message(tmp_path, embedder):
    with Workspace.open(tmp_path / "empty", embedder=embedder) as opened:
        result = opened.search("anything")
        assert result.hits == []
        assert result.message == "The index is empty: ingest some documents first."


# -- the command line ----------------------------------------------------------


def run_cli(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def test_cli_search_json_lists_one_object_per_action_best_first(workspace):
    result = run_cli(workspace.home, "search", "JSNA joint strategic needs assessment", "--k", "3", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    for hit in hits:
        assert list(hit)[:7] == ["action_id", "council", "ref", "kind", "date", "text", "score"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert hits[0]["action_id"] in {"leicestershire/1-3", "leicestershire/1-4", "torbay/3a"}


def test_cli_search_table_and_filters(workspace):
    result = run_cli(workspace.home, "search", "peer review", "--council", "Staffordshire", "--k", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(" 1. Staffordshire 3.1 C  [G] action, undated")
    assert "Broker use of SEND [peer] [reviewers] to enable the [peer] [reviews] of SEND." in result.stdout
    dated = run_cli(workspace.home, "search", "peer review", "--council", "Staffordshire", "--since", "2021-06")
    headings = [line for line in dated.stdout.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert headings and all(re.search(r", (2021-(0[6-9]|1[0-2])|202[2-9]-\d\d)  score", h) for h in headings)
    empty = run_cli(workspace.home, "search", "peer review", "--council", "Torbay", "--status", "B")
    assert empty.exit_code == 0
    assert "No passages match council Torbay and rating B." in empty.output


def test_cli_similar_and_index(workspace):
    result = run_cli(workspace.home, "similar", "staffordshire/3-1-c", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and all(h["council"] != "Staffordshire" for h in hits)
    assert all(h["because"]["action_id"] == "staffordshire/3-1-c" for h in hits)
    assert run_cli(workspace.home, "index").output.strip() == "Search index: up to date."


def test_a_narrow_filter_is_searched_exactly_on_its_own_rows(workspace):
    # Few rows allowed: their exact cosines, best first, the same as the exact index's full ranking cut to them.
    index = workspace.index()
    query = workspace.embedder.encode_query("autism assessment waiting times")
    rows, scores = index.dense(query, len(index))
    allowed = np.zeros(len(index), dtype=bool)
    allowed[rows[1::4]] = True
    got_rows, got_scores = index.dense(query, 7, allowed)
    # The same scores best first (passages printed twice tie: either may come first), each a row
    # allowed, each its own exact cosine.
    np.testing.assert_allclose(got_scores, scores[1::4][:7], rtol=1e-5)
    assert set(got_rows.tolist()) <= set(rows[1::4].tolist())
    np.testing.assert_allclose(index.passage_vectors(got_rows) @ query, got_scores, rtol=1e-5)
