"""Speed of the search pipeline against the bare libraries it is built on, on this machine.

    .venv/bin/python bench/speed.py [--sizes 1000,10k,100k[,1m]] [--queries 200] [--tune] [--json OUT]

A million passages (``--sizes 1m``) takes an hour or more on a 2-core
machine and about 6 GiB of memory at its peak (the benchmark's own copies
of the vectors, the index opened, and an exact index to measure recall).

Everything is measured in one run, in a temporary folder removed at the end:

5. Re-ingest (run first, it also yields the sample): a real ``Workspace`` in
   a fresh home ingests the bundled corpus (``data/``: read, store, encode,
   index), then ingests it again unchanged. Reported: both times, their
   ratio, and the texts encoded by each. The model is loaded before the
   first call and its load time reported apart, so the first call is not
   inflated by it. The index of that home gives the *sample*: its passages
   and their real vectors.

6. Concurrent searches (run after 5, and at the largest size): 1, 4 and 20
   threads searching at once, each making CONCURRENCY_CALLS calls, through a
   ``Workspace`` on the bundled corpus (as the app's sessions do) and through
   one shared ``SearchIndex`` at the largest size; per-call p50/p95 and
   searches per second, both as the code now runs them (reads concurrent) and
   behind one lock per call (as the app did before).

Synthetic corpora of N passages are made from the sample: passage ``i``
takes the metadata of sample passage ``i % n``, with the council renamed
``"<council> #<i // n>"`` (and id and action id suffixed ``@<i // n>``) so a
council filter has many values to choose from, and a text joining sentences
drawn, with a seeded RNG, from different sample passages until it is as long
as the sample passage, so all texts are distinct. The corpus of N is a
prefix of every larger one.

1. Encode throughput: the first 1,000 synthetic texts encoded by
   ``Embedder.encode`` on an empty on-disk cache (cache look-ups and writes
   included), through the model exported to ONNX as a workspace's builds
   encode, and by the model's own ``SentenceTransformer.encode`` (same
   model object, texts and batch size, normalised), after a warm-up, in the
   order raw, pipeline, pipeline, raw so neither side gets the warm-up
   advantage. Only at 1k: encoding 100k texts would take about an hour on
   this project's 2-core machine.

2. Index build, per size: the synthetic texts are not encoded. Their vectors
   (the real encoded ones up to 1k, else mixes of three real encoded vectors,
   of the sample and of the 1k, with random weights, plus Gaussian noise,
   renormalised: spread as real vectors are, not near-duplicates) are
   written into a vector cache under ``Embedder.cache_key``, so ``build_index`` runs the real pipeline (cache
   look-ups, faiss, FTS5, SQLite writes, manifest) with every vector a cache
   hit and no model loaded. It runs in a fresh (spawned) child process per
   size, which reports its resident set size before the build and its peak
   during it (VmHWM, reset just before the build), and the index's size on
   disk; another child measures the raw equivalent: a faiss index of the same
   type and settings over the same vectors (and a bare ``IndexFlatIP.add``),
   and a bare FTS5 table of the same texts (which the raw queries search).

3. Query latency, per size: ``search(index, embedder, query, k=10,
   explain=False)`` end to end (query encoding, filters, both rankings,
   fusion, grouping, passage reads), without a filter and with a council +
   13-month date filter drawn per query from the corpus, against the raw
   ``model.encode(query, normalize_embeddings=True)`` + a search of the same
   faiss index the pipeline uses (exact up to APPROXIMATE_ABOVE passages,
   HNSW above, same efSearch) for 100 candidates (what search asks each
   ranking for), and against encode + ``IndexFlatIP.search`` (exact) too;
   and against raw hybrid (encode + faiss + an FTS5 ``bm25()`` query of the words OR'ed, top
   100) and raw phrase (the same with an FTS5 phrase MATCH) for queries
   with a quoted phrase drawn from a random passage. Query encoding on both
   sides runs on one torch thread (as ``encode_query`` does).
   The parts are timed alone too: query encoding, the dense and the keyword
   (BM25 over FTS5's postings) rankings with and without the filter's mask,
   and the filter mask. The 33 queries of ``bench/queries.json`` are cycled to
   ``--queries``; all tasks run once per distinct query as a warm-up, then in
   a rotating order per query so background load hits them alike.

4. HNSW recall, at every size with an HNSW index: the index as built,
   recall@10 (and @100) against the exact flat index for 200 query vectors
   (the real query embeddings, then passage vectors with noise), at
   efSearch 64, 128 and 256, and single-query search times. With
   ``--tune``, HNSW is also built with each of TUNE_SETTINGS (M,
   efConstruction) at the largest size, each in a child process.

Synthetic vectors do not match their synthetic texts (they follow the
sample passage whose metadata the passage took): rankings are meaningless
here, only their cost is measured. Torch keeps its default thread count.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.embed import Embedder, one_torch_thread  # noqa: E402
from narrative_search.index import (  # noqa: E402
    APPROXIMATE_ABOVE,
    EXACT_FILTER_MAX_ROWS,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_NEIGHBOURS,
    build_index,
    current_generation,
    hnsw_ef_search,
    make_vector_index,
    open_index,
)
from narrative_search.keyword import fts_phrase  # noqa: E402
from narrative_search.model import Passage, SearchFilters  # noqa: E402
from narrative_search.months import month_from_number  # noqa: E402
from narrative_search.search import (  # noqa: E402
    MIN_CANDIDATES,
    check_filters,
    filter_mask,
    parse_query,
    search,
)
from narrative_search.workspace import Workspace  # noqa: E402

QUERIES = Path(__file__).with_name("queries.json")

SEED = 20240601
#: Standard deviation, per dimension, of the noise added to a sample vector
#: (384 dimensions: the noisy vector keeps a cosine of about 0.93 with it).
NOISE = 0.02
#: Texts encoded for the throughput comparison.
ENCODE_TEXTS = 1000
#: Candidates asked of each ranking by search (k=10): the raw search asks as many.
CANDIDATES = MIN_CANDIDATES
#: Query vectors for the HNSW recall measurement.
RECALL_QUERIES = 200
#: Threads searching at once, and calls per thread for each count (fewer per thread with more threads).
CONCURRENCY_THREADS = (1, 4, 20)
CONCURRENCY_CALLS = 8
#: efSearch values whose recall and speed are measured on the index built, beside the one the
#: index uses at its size (index.hnsw_ef_search).
RECALL_EF_SEARCH = (64, 128, 256)
#: A 1-minute load average above this at the start gets the timings flagged as noisy.
BUSY_LOAD = 0.5
#: Months each side of a drawn passage's month in the date filter.
FILTER_HALF_WINDOW = 6

TARGETS = {
    "encode_ratio_min": 0.9,
    "query_p95_ratio_max": 1.5,
    "query_p95_ms_max": 50.0,
    "query_p95_ms_size": 100_000,
    "reingest_ratio_max": 0.05,
    "reingest_encoded_max": 0,
    "million_size": 1_000_000,
    "million_p95_ms_max": 30.0,
    "build_memory_ratio_max": 2.0,
    "recall_at_10_min": 0.95,
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- measuring -----------------------------------------------------------------


def memory_status() -> dict[str, float]:
    """VmRSS and VmHWM (peak) of this process, in MiB."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values


def reset_peak_memory() -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of ``seconds``, in milliseconds."""
    values = np.asarray(seconds, dtype=np.float64) * 1000
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "mean_ms": float(values.mean()), "n": len(values)}


def in_child(function: Callable, *args):
    """``function(*args)`` in a fresh spawned process (nothing inherited: no model, clean memory)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def machine_info() -> dict:
    import faiss
    import sentence_transformers
    import torch

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "faiss": faiss.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "numpy": np.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


# -- corpora -------------------------------------------------------------------

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def sentence_pool(passages: Sequence[Passage]) -> list[tuple[int, str]]:
    """(sample passage number, sentence) for every sentence of three words or more."""
    pool = []
    for number, passage in enumerate(passages):
        for sentence in _SENTENCE_BREAK.split(passage.text):
            sentence = sentence.strip()
            if len(sentence.split()) >= 3:
                pool.append((number, sentence))
    return pool


def synthetic_passages(sample: Sequence[Passage], size: int, seed: int = SEED) -> list[Passage]:
    """``size`` distinct passages recombined from ``sample`` (see the module docstring).

    Deterministic, and the corpus of N is a prefix of every larger one.
    """
    pool = sentence_pool(sample)
    rng = random.Random(seed)
    n = len(sample)
    seen: set[str] = set()
    passages = []
    for i in range(size):
        base, copy = sample[i % n], i // n
        parts: list[str] = []
        sources: set[int] = set()
        text = ""
        while not parts or len(text) < len(base.text) or text in seen:
            source, sentence = pool[rng.randrange(len(pool))]
            if source in sources and len(sources) < n:
                continue  # each sentence from a different passage
            sources.add(source)
            parts.append(sentence)
            text = " ".join(parts)
        seen.add(text)
        passages.append(
            dataclasses.replace(
                base,
                id=f"{base.id}@{copy}",
                text=text,
                council=f"{base.council} #{copy}",
                action_id=f"{base.action_id}@{copy}" if base.action_id else None,
                context="",  # embedded as its text alone, so the vector cache filled with the texts holds it
            )
        )
    return passages


#: Vectors synthesised per block (each block its own seed, so the vectors of N are a prefix of those of more).
MIX_BLOCK = 65_536


def mixed_vectors(pool: np.ndarray, size: int, seed: int = SEED) -> np.ndarray:
    """``size`` synthetic vectors, each a random convex mix of three real encoded vectors of ``pool`` plus noise.

    Real vectors of distinct texts spread over the space as real corpora do;
    mixing three of them (Dirichlet weights) and adding Gaussian noise (sd
    NOISE per dimension) gives as many distinct, realistically spread
    vectors as wanted, not clusters of near-duplicates around each real one.
    Built block by block into one array: no second copy.
    """
    vectors = np.empty((size, pool.shape[1]), dtype=np.float32)
    for block, start in enumerate(range(0, size, MIX_BLOCK)):
        rng = np.random.default_rng([seed, block])
        count = min(MIX_BLOCK, size - start)
        picks = rng.integers(0, len(pool), size=(count, 3))
        weights = rng.dirichlet((1.0, 1.0, 1.0), size=count).astype(np.float32)
        mixed = np.einsum("nk,nkd->nd", weights, pool[picks])
        mixed += rng.normal(0.0, NOISE, mixed.shape).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        vectors[start:start + count] = mixed
    return vectors


def fill_vector_cache(cache_path: Path, texts: Sequence[str], vectors: np.ndarray) -> None:
    """Write ``vectors`` into a vector cache under the keys the default embedder looks up."""
    with Embedder(cache_path=cache_path) as cache:  # the model is not loaded
        for start in range(0, len(texts), 10_000):
            chunk = range(start, min(start + 10_000, len(texts)))
            cache._store([(cache.cache_key(texts[i]), vectors[i]) for i in chunk])


# -- 5. re-ingest (also gives the sample) --------------------------------------


@dataclasses.dataclass
class Sample:
    passages: list[Passage]
    vectors: np.ndarray  # (passages, dimension), the real encoded vectors


def measure_reingest(workdir: Path, embedder: Embedder) -> tuple[dict, Sample]:
    """Ingest the bundled corpus twice into a fresh home; the timings and the sample corpus."""
    home = workdir / "reingest"
    data = config.bundled_data_dir()
    started = time.perf_counter()
    _ = embedder.model
    load_seconds = time.perf_counter() - started
    with Workspace.open(home, embedder=embedder) as workspace:
        encoded_before = embedder.encoded_count
        started = time.perf_counter()
        first = workspace.ingest([data])
        first_seconds = time.perf_counter() - started
        encoded_first = embedder.encoded_count - encoded_before
        generation = current_generation(home).name

        encoded_before = embedder.encoded_count
        started = time.perf_counter()
        second = workspace.ingest([data])
        second_seconds = time.perf_counter() - started
        encoded_second = embedder.encoded_count - encoded_before
        rebuilt = current_generation(home).name != generation

        index = workspace.index()
        rows = range(len(index))
        by_row = index.passages(rows)
        sample = Sample([by_row[r] for r in rows], np.array(index.all_vectors(), dtype=np.float32))
    result = {
        "files": len(first),
        "refused": sum(1 for o in first + second if o.error),
        "model_load_s": load_seconds,
        "first_s": first_seconds,
        "second_s": second_seconds,
        "ratio": second_seconds / first_seconds,
        "encoded_first": encoded_first,
        "encoded_second": encoded_second,
        "index_rebuilt_on_second": rebuilt,
        "passages": len(sample.passages),
    }
    return result, sample


# -- 1. encode throughput ------------------------------------------------------


def measure_encoding(workdir: Path, embedder: Embedder, texts: Sequence[str]) -> tuple[dict, np.ndarray]:
    """Raw vs pipeline encoding of ``texts``, order raw, pipeline, pipeline, raw; and the pipeline's vectors."""
    model = embedder.model
    batch_size = embedder.batch_size

    def raw() -> np.ndarray:
        return model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def pipeline(number: int) -> np.ndarray:
        # As a workspace builds: through the model exported to ONNX (run() exported it), an empty cache of its own.
        fresh = Embedder(cache_path=workdir / f"encode-cache-{number}.sqlite", batch_size=batch_size,
                         onnx_dir=workdir / config.ONNX_DIR_NAME)
        fresh._model = model  # the same model object, for a torch fallback
        fresh.prepare_for_build()
        try:
            vectors = fresh.encode(texts)
            assert fresh.encoded_count == len(texts) and fresh.cache_hits == 0
            return vectors
        finally:
            fresh.close()

    model.encode(list(texts[:batch_size]), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    runs, outputs = [], {}
    for order, (path, run) in enumerate(
        [("raw", raw), ("pipeline", lambda: pipeline(1)), ("pipeline", lambda: pipeline(2)), ("raw", raw)], start=1
    ):
        started = time.perf_counter()
        outputs.setdefault(path, run())
        seconds = time.perf_counter() - started
        runs.append({"order": order, "path": path, "seconds": seconds, "per_s": len(texts) / seconds})
        log(f"  encode {path}: {len(texts) / seconds:.0f} texts/s")
    mean = {path: float(np.mean([r["per_s"] for r in runs if r["path"] == path])) for path in ("raw", "pipeline")}
    difference = float(np.abs(outputs["pipeline"] - np.asarray(outputs["raw"], dtype=np.float32)).max())
    result = {
        "texts": len(texts),
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "batch_size": batch_size,
        "runs": runs,
        "raw_per_s": mean["raw"],
        "pipeline_per_s": mean["pipeline"],
        "ratio": mean["pipeline"] / mean["raw"],
        "max_abs_difference": difference,
        "hours_for_100k_raw": 100_000 / mean["raw"] / 3600,
    }
    return result, outputs["pipeline"]


# -- 2. index build (in child processes) ---------------------------------------


def folder_mb(folder: Path) -> float:
    """Size of the files in ``folder`` (not below it), in MiB."""
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 2**20


def child_build(sample_passages: list[Passage], size: int, home: str) -> dict:
    """In a fresh process: build_index over the synthetic corpus, all vectors cache hits."""
    passages = synthetic_passages(sample_passages, size)
    embedder = Embedder(cache_path=Path(home) / config.VECTOR_CACHE_NAME)
    before = memory_status()
    reset = reset_peak_memory()
    started = time.perf_counter()
    manifest = build_index(home, passages, embedder, f"bench-synthetic-{size}")
    seconds = time.perf_counter() - started
    peak = memory_status()["VmHWM"]
    generation = current_generation(home)
    started = time.perf_counter()
    embedder.encode([p.text for p in passages[:100_000]])  # the cache-read part alone, again (at most 100k, scaled)
    cache_read = (time.perf_counter() - started) * len(passages) / min(len(passages), 100_000)
    return {
        "build_s": seconds,
        "cache_read_s": cache_read,
        "rss_before_mb": before["VmRSS"],
        "peak_rss_mb": peak,
        "increase_mb": peak - (before["VmRSS"] if reset else before["VmHWM"]),
        "peak_reset": reset,
        "vectors_mb": size * manifest.dimension * 4 / 2**20,
        "disk_mb": folder_mb(generation),
        "files_mb": {f.name: f.stat().st_size / 2**20 for f in generation.iterdir() if f.is_file()},
        "index_type": manifest.index_type,
        "encoded": manifest.encoded,
        "cache_hits": manifest.cache_hits,
        "model_loaded": embedder._model is not None,
    }


RAW_FTS_NAME = "raw-fts.sqlite"
#: Above this many passages the raw build adds the vectors to a flat index only, not HNSW too.
RAW_HNSW_MAX = 200_000


def child_raw_build(sample_passages: list[Passage], size: int, vectors_path: str, index_type: str) -> dict:
    """In a fresh process: the bare libraries' build of the same corpus.

    faiss: the same vectors, already in memory, added to an index of the same
    type and settings (and to a bare IndexFlatIP); FTS5: a bare table with the
    same tokenizer over the same texts (what the raw queries search).
    """
    import faiss

    from narrative_search.keyword import FTS_TOKENIZE

    texts_path = Path(vectors_path).with_name("texts.json")
    if texts_path.is_file():
        texts = json.loads(texts_path.read_text(encoding="utf-8"))
    else:
        texts = [p.text for p in synthetic_passages(sample_passages, size)]
    vectors = np.load(vectors_path, mmap_mode="r")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if size > RAW_HNSW_MAX:
        index_type = "flat"  # the pipeline's HNSW build is this same faiss call; twice would double the run
    before = memory_status()
    reset = reset_peak_memory()
    started = time.perf_counter()
    index = make_vector_index(vectors, index_type)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert index.ntotal == len(vectors)
    peak = memory_status()["VmHWM"]
    faiss_path = Path(vectors_path).with_name("raw.faiss")
    faiss.write_index(index, str(faiss_path))
    del index
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    flat_seconds = time.perf_counter() - started
    del flat

    fts_path = Path(vectors_path).with_name(RAW_FTS_NAME)
    started = time.perf_counter()
    conn = sqlite3.connect(fts_path)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{FTS_TOKENIZE}')")
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", enumerate(texts))
    conn.execute("INSERT INTO t (t) VALUES ('optimize')")
    conn.commit()
    conn.close()
    fts_seconds = time.perf_counter() - started
    return {
        "index_type": index_type,
        "add_s": seconds,
        "flat_add_s": flat_seconds,
        "fts_s": fts_seconds,
        "build_s": seconds + fts_seconds,
        "rss_before_mb": before["VmRSS"],
        "peak_rss_mb": peak,
        "increase_mb": peak - (before["VmRSS"] if reset else before["VmHWM"]),
        "disk_mb": (faiss_path.stat().st_size + fts_path.stat().st_size) / 2**20,
    }


def prepare_size(workdir: Path, sample: Sample, size: int, encoded_vectors: np.ndarray) -> tuple[Path, np.ndarray, str]:
    """A home for ``size`` whose vector cache holds every synthetic text's vector; (home, vectors, their origin)."""
    passages = synthetic_passages(sample.passages, size)
    if size <= len(encoded_vectors):
        vectors, origin = encoded_vectors[:size], "encoded"
    else:
        pool = np.vstack([sample.vectors, encoded_vectors])
        vectors, origin = mixed_vectors(pool, size), f"mix of 3 of {len(pool):,} real + noise"
    home = workdir / f"size-{size}"
    home.mkdir()
    fill_vector_cache(home / config.VECTOR_CACHE_NAME, [p.text for p in passages], vectors)
    np.save(home / "vectors.npy", vectors)
    (home / "texts.json").write_text(json.dumps([p.text for p in passages]), encoding="utf-8")
    return home, vectors, origin


# -- 3. query latency ----------------------------------------------------------


def draw_filters(index, count: int, seed: int) -> list[SearchFilters]:
    """Council + date filters, each around a random dated passage (so never empty by construction)."""
    rng = random.Random(seed)
    dated = np.flatnonzero(index.starts >= 0)
    filters = []
    for _ in range(count):
        row = int(dated[rng.randrange(len(dated))])
        month = int(index.starts[row])
        filters.append(
            SearchFilters(
                councils=(index.council_names[index.council_codes[row]],),
                since=month_from_number(month - FILTER_HALF_WINDOW),
                until=month_from_number(month + FILTER_HALF_WINDOW),
            )
        )
    return filters


def measure_queries(home: Path, embedder: Embedder, queries: Sequence[str], count: int, seed: int,
                    searcher: Optional[Embedder] = None) -> dict:
    """p50/p95 of the pipeline, the raw equivalent and each part, over ``count`` queries.

    ``searcher`` encodes the pipeline's queries as a workspace does (through
    the ONNX export when there is one); ``embedder``'s torch model is the raw side's.
    """
    searcher = searcher or embedder
    onnx = searcher._onnx_encoder()
    import faiss

    model = embedder.model
    rss_before = memory_status()["VmRSS"]
    started = time.perf_counter()
    index = open_index(home)
    open_seconds = time.perf_counter() - started
    open_mb = memory_status()["VmRSS"] - rss_before
    try:
        flat = faiss.IndexFlatIP(index.manifest.dimension)
        flat.add(index.all_vectors())
        same = index.vectors  # the faiss index the pipeline searches, read from the same file
        used_ef = hnsw_ef_search(len(index))
        same_params = faiss.SearchParametersHNSW(efSearch=used_ef) if index.manifest.index_type == "hnsw" else None
        raw_fts = sqlite3.connect(f"file:{home / RAW_FTS_NAME}?mode=ro", uri=True)
        asked = [queries[i % len(queries)] for i in range(count)]
        phrased = phrase_queries(index, asked, seed)
        parsed = {q: parse_query(q) for q in [*queries, *phrased]}
        vectors = {q: searcher.encode_query(parsed[q].text) for q in queries}
        filters = draw_filters(index, count, seed)
        masks = [filter_mask(index, check_filters(f))[0] for f in filters]
        answered = {"pipeline": 0, "pipeline_filtered": 0, "pipeline_phrase": 0}

        def raw_encode(text: str) -> np.ndarray:
            with one_torch_thread():  # as encode_query does, so the ratio measures the pipeline's own cost
                vector = model.encode(text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            return np.asarray(vector, dtype=np.float32).reshape(1, -1)

        def raw_onnx_encode(text: str) -> np.ndarray:
            if onnx is None:
                return raw_encode(text)
            return onnx.encode([text])  # the exported model's session on the tokenizer's ids, pooled: no cache, no lock

        def raw_keyword(match: str) -> list:
            return raw_fts.execute("SELECT rowid, bm25(t) FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?",
                                   (match, CANDIDATES)).fetchall()

        def task(name: str, i: int) -> Callable[[], object]:
            q, p, f, mask = asked[i], parsed[asked[i]], filters[i], masks[i]
            if name == "pipeline":
                return lambda: search(index, searcher, q, k=10, explain=False)
            if name == "pipeline_filtered":
                return lambda: search(index, searcher, q, k=10, filters=f, explain=False)
            if name == "pipeline_phrase":
                return lambda: search(index, searcher, phrased[i], k=10, explain=False)
            if name == "raw_onnx":
                return lambda: same.search(raw_onnx_encode(p.text), CANDIDATES, params=same_params)
            if name in ("raw", "raw_flat"):
                target, params = (same, same_params) if name == "raw" else (flat, None)
                return lambda: target.search(raw_encode(p.text), CANDIDATES, params=params)
            if name == "raw_hybrid":
                match = " OR ".join(fts_phrase(word) for word in p.keyword_words()) or '""'
                return lambda: (same.search(raw_encode(p.text), CANDIDATES, params=same_params), raw_keyword(match))
            if name == "raw_phrase":
                phrase = parsed[phrased[i]]
                match = " AND ".join(fts_phrase(word) for word in phrase.phrases) or '""'
                return lambda: (same.search(raw_encode(phrase.text), CANDIDATES, params=same_params), raw_keyword(match))
            if name == "encode":
                return lambda: searcher.encode_query(p.text)
            if name == "dense":
                return lambda: index.dense(vectors[q], CANDIDATES)
            if name == "keyword":
                return lambda: index.keyword(p.keyword_words(), CANDIDATES)
            if name == "dense_filtered":
                return lambda: index.dense(vectors[q], CANDIDATES, mask)
            if name == "keyword_filtered":
                return lambda: index.keyword(p.keyword_words(), CANDIDATES, mask)
            if name == "filter_mask":
                return lambda: filter_mask(index, check_filters(f))
            raise ValueError(name)

        names = list(QUERY_TASKS)
        for i in range(min(len(queries), count)):  # warm-up: every distinct query once through every task
            for name in names:
                task(name, i)()
        times: dict[str, list[float]] = {name: [] for name in names}
        for i in range(count):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                run = task(name, i)
                started = time.perf_counter()
                outcome = run()
                times[name].append(time.perf_counter() - started)
                if name in answered and outcome.hits:
                    answered[name] += 1
        result = {name: percentiles(values) for name, values in times.items()}
        result["answered"] = answered
        result["queries"] = count
        result["open_index_s"] = open_seconds
        result["open_index_mb"] = open_mb
        result["index_type"] = index.manifest.index_type
        result["query_encoder"] = "onnxruntime" if onnx is not None else "torch"
        # The pipeline against the same faiss search with the same encoder (its own overhead), and
        # against sentence-transformers' encode + faiss (what a user of the bare libraries gets).
        result["ratio_p95"] = result["pipeline"]["p95_ms"] / result["raw_onnx"]["p95_ms"]
        result["ratio_p95_filtered"] = result["pipeline_filtered"]["p95_ms"] / result["raw_onnx"]["p95_ms"]
        result["ratio_p95_vs_torch"] = result["pipeline"]["p95_ms"] / result["raw"]["p95_ms"]
        result["ratio_p95_filtered_vs_torch"] = result["pipeline_filtered"]["p95_ms"] / result["raw"]["p95_ms"]
        result["ratio_p95_vs_flat"] = result["pipeline"]["p95_ms"] / result["raw_flat"]["p95_ms"]
        result["ratio_p95_hybrid"] = result["pipeline"]["p95_ms"] / result["raw_hybrid"]["p95_ms"]
        result["ratio_p95_filtered_hybrid"] = result["pipeline_filtered"]["p95_ms"] / result["raw_hybrid"]["p95_ms"]
        result["ratio_p95_phrase"] = result["pipeline_phrase"]["p95_ms"] / result["raw_phrase"]["p95_ms"]
        result["mean_filter_passages"] = float(np.mean([m.sum() for m in masks]))
        if index.manifest.index_type == "hnsw":
            result["recall"] = measure_recall(same, flat, np.stack(list(vectors.values())), index.all_vectors(), seed, used_ef)
        raw_fts.close()
        return result
    finally:
        index.close()


def phrase_queries(index, asked: Sequence[str], seed: int) -> list[str]:
    """Each query with a quoted two-word phrase in front, drawn from a random passage (so it is found)."""
    rng = random.Random(seed)
    rows = [rng.randrange(len(index)) for _ in asked]
    texts = index.passages(rows)
    phrased = []
    for query, row in zip(asked, rows):
        words = re.findall(r"[A-Za-z]{3,}", texts[row].text) or ["support", "plan"]
        start = rng.randrange(max(len(words) - 1, 1))
        phrased.append(f'"{" ".join(words[start:start + 2])}" {query}')
    return phrased


def measure_recall(hnsw, flat, query_vectors: np.ndarray, passage_vectors: np.ndarray, seed: int,
                   used_ef: int = HNSW_EF_SEARCH) -> dict:
    """recall@10 and @100 of the pipeline's HNSW index against the exact one, and search times, per efSearch."""
    import faiss

    rng = np.random.default_rng(seed)
    extra = max(RECALL_QUERIES - len(query_vectors), 0)
    perturbed = passage_vectors[np.sort(rng.integers(0, len(passage_vectors), size=extra))]
    perturbed = perturbed + rng.normal(0.0, NOISE, perturbed.shape).astype(np.float32)
    perturbed /= np.linalg.norm(perturbed, axis=1, keepdims=True)
    queries = np.ascontiguousarray(np.vstack([query_vectors, perturbed])[:RECALL_QUERIES], dtype=np.float32)
    exact = {k: flat.search(queries, k)[1] for k in (10, CANDIDATES)}
    flat_times = []
    for query in queries:
        started = time.perf_counter()
        flat.search(query.reshape(1, -1), CANDIDATES)
        flat_times.append(time.perf_counter() - started)
    result: dict = {"queries": len(queries), "real_queries": min(len(query_vectors), RECALL_QUERIES),
                    "flat_query": percentiles(flat_times), "by_ef": {}, "used_ef": used_ef}
    for ef in sorted({*RECALL_EF_SEARCH, used_ef}):
        entry: dict = {}
        for k in (10, CANDIDATES):
            params = faiss.SearchParametersHNSW(efSearch=max(ef, k))
            _, found = hnsw.search(queries, k, params=params)
            entry[f"recall_at_{k}"] = float(np.mean([len(set(a) & set(e)) / k for a, e in zip(found.tolist(), exact[k].tolist())]))
        params = faiss.SearchParametersHNSW(efSearch=max(ef, CANDIDATES))
        times = []
        for query in queries:
            started = time.perf_counter()
            hnsw.search(query.reshape(1, -1), CANDIDATES, params=params)
            times.append(time.perf_counter() - started)
        entry["query"] = percentiles(times)
        result["by_ef"][str(ef)] = entry
    return result


#: What measure_queries times, with the label printed for it.
QUERY_TASKS = {
    "pipeline": "search(), no filter",
    "pipeline_filtered": "search(), council+date filter",
    "pipeline_phrase": "search(), a quoted phrase + words",
    "raw_hybrid": f"raw hybrid: model.encode + faiss k={CANDIDATES} + FTS5 bm25 OR of the words, top {CANDIDATES}",
    "raw_phrase": f"raw phrase: model.encode + faiss k={CANDIDATES} + FTS5 bm25 phrase MATCH, top {CANDIDATES}",
    "raw_onnx": f"raw: onnxruntime encode (same export) + search of the same faiss index k={CANDIDATES}",
    "raw": f"raw: model.encode + search of the same faiss index k={CANDIDATES}",
    "raw_flat": f"raw: model.encode + IndexFlatIP.search k={CANDIDATES} (exact)",
    "encode": "  part: query encoding (encode_query)",
    "dense": f"  part: dense ranking k={CANDIDATES}",
    "keyword": f"  part: keyword ranking (BM25) k={CANDIDATES}",
    "filter_mask": "  part: filter mask",
    "dense_filtered": "  part: dense ranking, filtered",
    "keyword_filtered": "  part: keyword ranking, filtered",
}


# -- 4. HNSW settings (--tune) ----------------------------------------------------


def child_tune(vectors_path: str, settings: tuple[int, int], query_vectors: np.ndarray, seed: int) -> dict:
    """In a fresh process: build HNSW with (M, efConstruction) over the saved vectors; time, memory, recall per efSearch."""
    import faiss

    neighbours, construction = settings
    vectors = np.ascontiguousarray(np.load(vectors_path), dtype=np.float32)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    before = memory_status()
    reset_peak_memory()
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], neighbours, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = construction
    hnsw.add(vectors)
    build = time.perf_counter() - started
    result = measure_recall(hnsw, flat, query_vectors, vectors, seed)
    result.update({"M": neighbours, "efConstruction": construction, "build_s": build,
                   "increase_mb": memory_status()["VmHWM"] - before["VmRSS"], "size": len(vectors)})
    return result


#: (M, efConstruction) pairs tried by --tune.
TUNE_SETTINGS = ((16, 80), (32, 80), (32, 128), (48, 128))


# -- 6. concurrent searches -------------------------------------------------------


def measure_concurrency(call: Callable[[str], object], queries: Sequence[str], threads: Sequence[int], calls: int) -> dict:
    """Per-call p50/p95 and throughput with ``n`` threads searching at once, for each ``n`` in ``threads``.

    Each thread makes ``calls`` calls, cycling through ``queries`` from its own offset. Run twice: as the
    code now does (reads concurrent) and behind one lock held for each whole call, as the app did before.
    """
    import threading

    for query in queries:  # warm: a first search of a query also encodes its hits' sentences (then cached)
        call(query)
    result: dict = {}
    for n in threads:  # the two policies back to back at each count, so a change in background load hits both
        for policy in ("concurrent", "one lock"):
            gate = threading.Lock() if policy == "one lock" else None
            result[f"{policy}/{n}"] = _concurrent_round(call, queries, n, calls, gate)
    return result


def _concurrent_round(call: Callable[[str], object], queries: Sequence[str], n: int, calls: int, gate) -> dict:
    import threading

    times: list[list[float]] = [[] for _ in range(n)]

    def worker(number: int) -> None:
        for i in range(calls):
            query = queries[(number * 7 + i) % len(queries)]
            started = time.perf_counter()
            if gate is not None:
                with gate:
                    call(query)
            else:
                call(query)
            times[number].append(time.perf_counter() - started)

    workers = [threading.Thread(target=worker, args=(number,)) for number in range(n)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    flat_times = [t for per in times for t in per]
    return {**percentiles(flat_times), "threads": n, "per_s": len(flat_times) / wall, "wall_s": wall}


# -- printing ------------------------------------------------------------------


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], notes: Sequence[str] = ()) -> None:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    print(f"\n{title}")
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    for note in notes:
        print(note)


def print_report(report: dict) -> None:
    m = report["machine"]
    print("narrative-search speed benchmark")
    print(f"machine: {m['cpu']}, {m['cores']} cores; load average at start {' / '.join(map(str, m['load_average_at_start']))}")
    print(
        f"versions: python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), faiss {m['faiss']}, "
        f"sentence-transformers {m['sentence_transformers']}, numpy {m['numpy']}, SQLite {m['sqlite']}"
    )
    if m["load_average_at_start"][0] > BUSY_LOAD:
        print(
            f"WARNING: the machine was busy when this run started (load {m['load_average_at_start'][0]} on "
            f"{m['cores']} cores): other processes competed for the cores and the timings below are noisy, "
            "tail latencies (p95) most. Run it again on a quiet machine for figures to quote."
        )
    print(f"model: {report['model']}")
    s = report["sample"]
    print(
        f"sample: {s['passages']} passages of the bundled corpus, {s['sentences']} sentences; "
        f"synthetic corpora of {', '.join(f'{n:,}' for n in report['sizes'])} passages (seed {SEED}, noise sd {NOISE})"
    )

    e = report["encode"]
    print_table(
        f"1. Encode throughput: {e['texts']:,} texts (mean {e['mean_chars']:.0f} characters), batch {e['batch_size']}, empty cache",
        ["order", "path", "seconds", "passages/s"],
        [[r["order"], r["path"], f"{r['seconds']:.2f}", f"{r['per_s']:.1f}"] for r in e["runs"]],
        [
            f"mean: raw {e['raw_per_s']:.1f}/s, pipeline {e['pipeline_per_s']:.1f}/s, ratio pipeline/raw {e['ratio']:.3f}"
            f" (largest difference between their vectors {e['max_abs_difference']:.1e})",
            f"measured at {e['texts']:,} texts only: encoding 100k texts would take about "
            f"{e['hours_for_100k_raw']:.1f} h here; the larger corpora below reuse cached vectors instead.",
        ],
    )

    print_builds(report)
    print_queries(report)
    print_recall_and_concurrency(report)

    r = report["reingest"]
    print_table(
        f"5. Re-ingest of the bundled corpus ({r['files']} files, {r['passages']} passages) into a fresh Workspace",
        ["call", "seconds", "texts encoded", "index rebuilt"],
        [
            ["first ingest", f"{r['first_s']:.2f}", r["encoded_first"], "yes"],
            ["second, identical", f"{r['second_s']:.3f}", r["encoded_second"], "yes" if r["index_rebuilt_on_second"] else "no"],
        ],
        [f"ratio second/first {r['ratio']:.2%}; model loaded beforehand in {r['model_load_s']:.1f} s (not counted); "
         f"files refused: {r['refused']}"],
    )

    rows = [[t["target"], t["goal"], t["measured"], "met" if t["met"] else "MISSED"] for t in report["targets"]]
    print_table("Targets", ["target", "goal", "measured", "result"], rows)
    print_table(
        "Run time of this benchmark",
        ["step", "seconds"],
        [[step, f"{seconds:.1f}"] for step, seconds in report["wall_s"].items()],
    )


def print_builds(report: dict) -> None:
    rows = []
    for size in report["sizes"]:
        b, r = report["build"][str(size)], report["raw_build"][str(size)]
        rows.append([
            f"{size:,}", report["vector_origin"][str(size)], b["index_type"], f"{b['build_s']:.1f}",
            f"{r['build_s']:.1f}", f"{b['build_s'] / r['build_s']:.2f}", f"{b['cache_read_s']:.1f}",
            f"{b['vectors_mb']:.0f}", f"{b['peak_rss_mb']:.0f}", f"{b['increase_mb']:.0f}",
            f"{b['increase_mb'] / b['vectors_mb']:.2f}", f"{r['increase_mb']:.0f}", f"{b['disk_mb']:.0f}",
            f"{r['disk_mb']:.0f}", f"{b['encoded']}/{b['cache_hits']}",
        ])
    print_table(
        "2. Index build: build_index end to end, every vector a cache hit (child process per size)",
        ["passages", "vectors", "index", "build s", "raw s", "ratio", "of which cache read s", "vectors MiB",
         "peak RSS MiB", "build +MiB", "+/vectors", "raw +MiB", "disk MiB", "raw disk MiB", "encoded/hits"],
        rows,
        [
            "SYNTHETIC: texts recombine sentences of the bundled corpus (all distinct); vectors beyond the 1k encoded",
            "are mixes of three real encoded vectors plus noise, written to the vector cache, so no text is encoded here",
            "(encoding excluded). Build time with encoding = build s + passages / encode rate (table 1), estimated below.",
            "raw = the bare libraries on the same data in their own child process: faiss index of the same type and",
            "settings over vectors already in memory (+MiB is its faiss part) + a bare FTS5 table of the same texts.",
            "peak RSS = the child's VmHWM (reset before the build); +MiB = peak minus RSS just before building (the",
            "passages are in memory then); +/vectors = that increase over the vectors' own size (target <= 2).",
            "'cache read' = Embedder.encode of the same texts again after the build, all hits (scaled from 100k).",
        ],
    )
    rate = report["encode"]["pipeline_per_s"]
    print("build time with encoding, estimated at the pipeline's encode rate here "
          f"({rate:.0f}/s): " + "; ".join(
              f"{size:,}: {(report['build'][str(size)]['build_s'] + size / rate) / 3600:.2f} h" for size in report["sizes"]))


def print_queries(report: dict) -> None:
    for size in report["sizes"]:
        q = report["queries"][str(size)]
        rows = [[label, f"{q[name]['p50_ms']:.2f}", f"{q[name]['p95_ms']:.2f}", f"{q[name]['mean_ms']:.2f}"]
                for name, label in QUERY_TASKS.items()]
        print_table(
            f"3. Query latency at {size:,} passages ({q['index_type']} index): {q['queries']} queries "
            "(bench/queries.json cycled), k=10, explain=False",
            ["path", "p50 ms", "p95 ms", "mean ms"],
            rows,
            [
                f"queries encoded by {q.get('query_encoder', 'torch')} in the pipeline; the raw side's model.encode is "
                "sentence-transformers on torch, raw onnxruntime the same export's session alone",
                f"ratio p95 pipeline/raw onnxruntime + faiss (same encoder, same index): no filter {q['ratio_p95']:.2f}, "
                f"filtered {q['ratio_p95_filtered']:.2f}",
                f"ratio p95 pipeline/raw model.encode + faiss: no filter {q.get('ratio_p95_vs_torch', q['ratio_p95']):.2f}, "
                f"filtered {q.get('ratio_p95_filtered_vs_torch', q['ratio_p95_filtered']):.2f}; "
                f"pipeline/raw exact {q['ratio_p95_vs_flat']:.2f}",
                f"ratio p95 pipeline/raw hybrid (faiss + FTS5): no filter {q['ratio_p95_hybrid']:.2f}, "
                f"filtered {q['ratio_p95_filtered_hybrid']:.2f}, phrase {q['ratio_p95_phrase']:.2f}",
                f"queries with hits: {q['answered']['pipeline']}/{q['queries']} unfiltered, "
                f"{q['answered']['pipeline_filtered']}/{q['queries']} filtered "
                f"(the filter allows {q['mean_filter_passages']:.0f} passages on average), "
                f"{q['answered']['pipeline_phrase']}/{q['queries']} with a phrase; open_index took {q['open_index_s']:.2f} s"
                f" and {q.get('open_index_mb', float('nan')):.0f} MiB",
                "raw paths encode on one torch thread, as encode_query does (see one_torch_thread).",
            ],
        )


def print_recall_and_concurrency(report: dict) -> None:
    m = report["machine"]
    for size in report["sizes"]:
        recall = report["queries"][str(size)].get("recall")
        if not recall:
            continue
        rows = [["flat (exact)", "-", "1.000", "1.000", f"{recall['flat_query']['p50_ms']:.2f}", f"{recall['flat_query']['p95_ms']:.2f}"]]
        for ef, e in recall["by_ef"].items():
            mark = " (used)" if int(ef) == recall.get("used_ef", HNSW_EF_SEARCH) else ""
            rows.append([f"hnsw{mark}", ef, f"{e['recall_at_10']:.3f}", f"{e[f'recall_at_{CANDIDATES}']:.3f}",
                         f"{e['query']['p50_ms']:.2f}", f"{e['query']['p95_ms']:.2f}"])
        print_table(
            f"4. HNSW index as built vs exact at {size:,} passages: {recall['queries']} query vectors "
            f"({recall['real_queries']} real queries, the rest perturbed passage vectors); "
            f"M={HNSW_NEIGHBOURS}, efConstruction={HNSW_EF_CONSTRUCTION}",
            ["index", "efSearch", "recall@10", f"recall@{CANDIDATES}", f"p50 ms (k={CANDIDATES})", "p95 ms"],
            rows,
            [f"(HNSW above {APPROXIMATE_ABOVE:,} passages: APPROXIMATE_ABOVE; a filter allowing at most "
             f"{EXACT_FILTER_MAX_ROWS:,} passages is searched exactly)"],
        )
    if report.get("tune"):
        rows = []
        for t in report["tune"]:
            for ef, e in t["by_ef"].items():
                rows.append([f"M={t['M']} efC={t['efConstruction']}", ef, f"{t['build_s']:.1f}", f"{t['increase_mb']:.0f}",
                             f"{e['recall_at_10']:.3f}", f"{e[f'recall_at_{CANDIDATES}']:.3f}", f"{e['query']['p95_ms']:.2f}"])
        print_table(f"4b. HNSW settings tried at {report['tune'][0]['size']:,} passages (--tune)",
                    ["settings", "efSearch", "build s", "build +MiB", "recall@10", f"recall@{CANDIDATES}", "p95 ms"], rows)

    for key, title in (("concurrency_sample", f"the bundled corpus ({report['sample']['passages']} passages) through "
                        "Workspace.search (explain on, as the app)"),
                       ("concurrency_largest", f"{report['sizes'][-1]:,} passages, one shared SearchIndex, search()")):
        c = report[key]
        rows = [[name, c[name]["threads"], f"{c[name]['p50_ms']:.1f}", f"{c[name]['p95_ms']:.1f}", f"{c[name]['per_s']:.1f}"]
                for name in c]
        print_table(f"6. Concurrent searches: {title}", ["policy/threads", "threads", "p50 ms", "p95 ms", "searches/s"], rows,
                    [f"each thread makes {CONCURRENCY_CALLS} calls; 'one lock' = every call behind one lock, as the app "
                     f"was before; {m['cores']} cores"])


def evaluate_targets(report: dict) -> list[dict]:
    t = TARGETS
    targets = [{
        "target": "encode throughput, pipeline/raw",
        "goal": f">= {t['encode_ratio_min']}",
        "measured": f"{report['encode']['ratio']:.3f}",
        "met": report["encode"]["ratio"] >= t["encode_ratio_min"],
    }]
    for size in report["sizes"]:
        q = report["queries"][str(size)]
        for key, label in (("ratio_p95", "no filter"), ("ratio_p95_filtered", "council+date filter")):
            targets.append({
                "target": f"query p95 pipeline/raw (same encoder) at {size:,}, {label}",
                "goal": f"<= {t['query_p95_ratio_max']}",
                "measured": f"{q[key]:.2f}",
                "met": q[key] <= t["query_p95_ratio_max"],
            })
    at = t["query_p95_ms_size"] if t["query_p95_ms_size"] in report["sizes"] else max(report["sizes"])
    note = "" if at == t["query_p95_ms_size"] else f" (goal set at {t['query_p95_ms_size']:,})"
    q = report["queries"][str(at)]
    for key, label in (("pipeline", "no filter"), ("pipeline_filtered", "council+date filter")):
        targets.append({
            "target": f"query p95 pipeline at {at:,}, {label}{note}",
            "goal": f"< {t['query_p95_ms_max']:.0f} ms",
            "measured": f"{q[key]['p95_ms']:.1f} ms",
            "met": q[key]["p95_ms"] < t["query_p95_ms_max"],
        })
    for size in report["sizes"]:
        b = report["build"][str(size)]
        if size >= t["million_size"]:
            q = report["queries"][str(size)]
            targets.append({
                "target": f"query p95 pipeline at {size:,}, council+date filter",
                "goal": f"<= {t['million_p95_ms_max']:.0f} ms",
                "measured": f"{q['pipeline_filtered']['p95_ms']:.1f} ms",
                "met": q["pipeline_filtered"]["p95_ms"] <= t["million_p95_ms_max"],
            })
        targets.append({
            "target": f"build memory at {size:,}: increase / vectors' size",
            "goal": f"<= {t['build_memory_ratio_max']}",
            "measured": f"{b['increase_mb'] / b['vectors_mb']:.2f}",
            "met": b["increase_mb"] / b["vectors_mb"] <= t["build_memory_ratio_max"],
        })
        recall = report["queries"][str(size)].get("recall")
        if recall:
            used = recall.get("used_ef", HNSW_EF_SEARCH)
            value = recall["by_ef"][str(used)]["recall_at_10"]
            targets.append({
                "target": f"HNSW recall@10 at {size:,} (efSearch {used})",
                "goal": f">= {t['recall_at_10_min']}",
                "measured": f"{value:.3f}",
                "met": value >= t["recall_at_10_min"],
            })
    r = report["reingest"]
    targets.append({
        "target": "re-ingest time, second/first",
        "goal": f"<= {t['reingest_ratio_max']:.0%}",
        "measured": f"{r['ratio']:.2%}",
        "met": r["ratio"] <= t["reingest_ratio_max"],
    })
    targets.append({
        "target": "texts encoded on the second ingest",
        "goal": f"= {t['reingest_encoded_max']}",
        "measured": str(r["encoded_second"]),
        "met": r["encoded_second"] <= t["reingest_encoded_max"],
    })
    return targets


# -- the run -------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        scale = {"k": 1000, "m": 1_000_000}.get(part[-1:], 0)
        sizes.append(int(float(part[:-1]) * scale) if scale else int(part))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive numbers of passages, e.g. 1000,10k,100k,1m")
    return sorted(set(sizes))


def save_partial(report: dict, path: Optional[Path]) -> None:
    """Write what is measured so far to ``path`` (a long run killed half way keeps its figures)."""
    if path is not None:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def run(sizes: list[int], query_count: int, encode_texts: int, tune: bool = False, partial: Optional[Path] = None) -> dict:
    queries = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))]
    report: dict = {"sizes": sizes, "machine": machine_info(), "targets_set": TARGETS}
    wall: dict[str, float] = {}
    total_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="narrative-search-speed-") as scratch:
        workdir = Path(scratch)
        embedder = Embedder(cache_path=workdir / "reingest" / config.VECTOR_CACHE_NAME)
        try:
            report["model"] = embedder.model_id
            # Searches encode their queries as a workspace's do: through the model exported to ONNX.
            searcher = Embedder(onnx_dir=workdir / config.ONNX_DIR_NAME)
            searcher.prepare_for_build()

            log("5. re-ingest of the bundled corpus (also the sample corpus)")
            started = time.perf_counter()
            report["reingest"], sample = measure_reingest(workdir, embedder)
            wall["re-ingest"] = time.perf_counter() - started
            report["sample"] = {"passages": len(sample.passages), "sentences": len(sentence_pool(sample.passages))}

            log(f"6. concurrent searches of the bundled corpus through one Workspace, {CONCURRENCY_THREADS} threads")
            started = time.perf_counter()
            with Workspace.open(workdir / "reingest", embedder=embedder) as workspace:
                report["concurrency_sample"] = measure_concurrency(
                    lambda query: workspace.search(query, k=10), queries, CONCURRENCY_THREADS, CONCURRENCY_CALLS)
            wall["concurrent searches, sample"] = time.perf_counter() - started

            log(f"1. encode throughput on {encode_texts} texts")
            started = time.perf_counter()
            texts = [p.text for p in synthetic_passages(sample.passages, encode_texts)]
            report["encode"], encoded_vectors = measure_encoding(workdir, embedder, texts)
            wall[f"encode throughput ({encode_texts:,} texts x 4)"] = time.perf_counter() - started

            query_vectors = np.stack([embedder.encode_query(parse_query(q).text) for q in queries])
            for key in ("build", "raw_build", "queries", "vector_origin"):
                report[key] = {}
            home = workdir
            for size in sizes:
                started = time.perf_counter()
                log(f"2. {size:,} passages: preparing the corpus and its cached vectors")
                home, _, origin = prepare_size(workdir, sample, size, encoded_vectors)
                report["vector_origin"][str(size)] = origin
                wall[f"{size:,}: corpus and cache"] = time.perf_counter() - started

                started = time.perf_counter()
                log(f"2. {size:,} passages: build_index in a child process, then the raw build in another")
                report["build"][str(size)] = build = in_child(child_build, sample.passages, size, str(home))
                assert build["encoded"] == 0 and build["cache_hits"] == size and not build["model_loaded"], build
                (home / config.VECTOR_CACHE_NAME).unlink()  # the build has read it; disk and page cache back
                report["raw_build"][str(size)] = in_child(
                    child_raw_build, sample.passages, size, str(home / "vectors.npy"), build["index_type"]
                )
                wall[f"{size:,}: builds"] = time.perf_counter() - started
                save_partial(report, partial)

                started = time.perf_counter()
                log(f"3. {size:,} passages: {query_count} queries")
                report["queries"][str(size)] = measure_queries(home, embedder, queries, query_count, SEED + size, searcher)
                wall[f"{size:,}: queries"] = time.perf_counter() - started
                report["wall_s"] = wall
                save_partial(report, partial)

            largest = sizes[-1]
            log(f"6. concurrent searches at {largest:,} passages, one shared SearchIndex")
            started = time.perf_counter()
            with open_index(home) as index:
                report["concurrency_largest"] = measure_concurrency(
                    lambda query: search(index, searcher, query, k=10, explain=False), queries,
                    CONCURRENCY_THREADS, CONCURRENCY_CALLS)
            wall[f"concurrent searches, {largest:,}"] = time.perf_counter() - started

            if tune:
                report["tune"] = []
                for settings in TUNE_SETTINGS:
                    log(f"4. HNSW M={settings[0]}, efConstruction={settings[1]} at {largest:,} passages")
                    started = time.perf_counter()
                    report["tune"].append(in_child(child_tune, str(home / "vectors.npy"), settings, query_vectors, SEED))
                    wall[f"tune M={settings[0]} efC={settings[1]}"] = time.perf_counter() - started
        finally:
            embedder.close()
    wall["total"] = time.perf_counter() - total_started
    report["wall_s"] = wall
    report["targets"] = evaluate_targets(report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 10_000, 100_000],
                        help="corpus sizes in passages, comma-separated (default 1000,10000,100000; 10k and 1m accepted)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size (default 200)")
    parser.add_argument("--encode-texts", type=int, default=ENCODE_TEXTS,
                        help=f"texts for the encode throughput comparison (default {ENCODE_TEXTS})")
    parser.add_argument("--tune", action="store_true",
                        help=f"also build HNSW with each (M, efConstruction) of {TUNE_SETTINGS} at the largest size")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write every figure to OUT as JSON")
    args = parser.parse_args()
    if args.queries < 1 or args.encode_texts < 1:
        parser.error("--queries and --encode-texts must be positive")
    report = run(args.sizes, args.queries, args.encode_texts, tune=args.tune, partial=args.json)
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
