"""Speed of the search pipeline against the bare libraries it is built on, on this machine.

    .venv/bin/python bench/speed.py [--sizes 1000,10000,100000] [--queries 200] [--json OUT]

Everything is measured in one run, in a temporary folder removed at the end:

5. Re-ingest (run first, it also yields the sample): a real ``Workspace`` in
   a fresh home ingests the bundled corpus (``data/``: read, store, encode,
   index), then ingests it again unchanged. Reported: both times, their
   ratio, and the texts encoded by each. The model is loaded before the
   first call and its load time reported apart, so the first call is not
   inflated by it. The index of that home gives the *sample*: its passages
   and their real vectors.

Synthetic corpora of N passages are made from the sample: passage ``i``
takes the metadata of sample passage ``i % n``, with the council renamed
``"<council> #<i // n>"`` (and id and action id suffixed ``@<i // n>``) so a
council filter has many values to choose from, and a text joining sentences
drawn, with a seeded RNG, from different sample passages until it is as long
as the sample passage, so all texts are distinct. The corpus of N is a
prefix of every larger one.

1. Encode throughput: the first 1,000 synthetic texts encoded by
   ``Embedder.encode`` on an empty on-disk cache (cache look-ups and writes
   included) and by the model's own ``SentenceTransformer.encode`` (same
   model object, texts and batch size, normalised), after a warm-up, in the
   order raw, pipeline, pipeline, raw so neither side gets the warm-up
   advantage. Only at 1k: encoding 100k texts would take about an hour on
   this project's 2-core machine.

2. Index build, per size: the synthetic texts are not encoded. Their vectors
   (the real encoded ones up to 1k, else each sample passage's vector plus
   Gaussian noise, renormalised) are written into a vector cache under
   ``Embedder.cache_key``, so ``build_index`` runs the real pipeline (cache
   look-ups, faiss, FTS5, SQLite writes, manifest) with every vector a cache
   hit and no model loaded. It runs in a fresh (spawned) child process per
   size, which reports its resident set size before the build and its peak
   during it (VmHWM, reset just before the build); another child measures
   the raw equivalent, ``faiss.IndexFlatIP.add`` of the same vectors.

3. Query latency, per size: ``search(index, embedder, query, k=10,
   explain=False)`` end to end (query encoding, filters, both rankings,
   fusion, grouping, passage reads), without a filter and with a council +
   13-month date filter drawn per query from the corpus, against the raw
   ``model.encode(query, normalize_embeddings=True)`` + a search of the same
   faiss index the pipeline uses (exact up to APPROXIMATE_ABOVE passages,
   HNSW above, same efSearch) for 100 candidates (what search asks each
   ranking for), and against encode + ``IndexFlatIP.search`` (exact) too.
   The parts are timed alone too: query encoding, the dense and the keyword
   (BM25 over FTS5's postings) rankings with and without the filter's mask,
   and the filter mask. The 33 queries of ``bench/queries.json`` are cycled to
   ``--queries``; all tasks run once per distinct query as a warm-up, then in
   a rotating order per query so background load hits them alike.

4. HNSW recall, at the largest size: ``make_vector_index(vectors, "hnsw")``
   over the same vectors, recall@10 (and @100) against the exact flat index
   for 200 query vectors (the real query embeddings, then passage vectors
   with noise), and single-query search times of both.

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
from typing import Callable, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.embed import Embedder  # noqa: E402
from narrative_search.index import (  # noqa: E402
    APPROXIMATE_ABOVE,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_NEIGHBOURS,
    build_index,
    current_generation,
    make_vector_index,
    open_index,
)
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


def noisy_vectors(sample_vectors: np.ndarray, size: int, seed: int = SEED) -> np.ndarray:
    """Vector ``i`` = sample vector ``i % n`` plus Gaussian noise, renormalised."""
    rng = np.random.default_rng(seed)
    vectors = sample_vectors[np.arange(size) % len(sample_vectors)].copy()
    vectors += rng.normal(0.0, NOISE, vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)


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
        fresh = Embedder(cache_path=workdir / f"encode-cache-{number}.sqlite", batch_size=batch_size)
        fresh._model = model  # the same model object, an empty cache of its own
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
    started = time.perf_counter()
    embedder.encode([p.text for p in passages])  # the cache-read part alone, again
    cache_read = time.perf_counter() - started
    return {
        "build_s": seconds,
        "cache_read_s": cache_read,
        "rss_before_mb": before["VmRSS"],
        "peak_rss_mb": peak,
        "increase_mb": peak - (before["VmRSS"] if reset else before["VmHWM"]),
        "peak_reset": reset,
        "index_type": manifest.index_type,
        "encoded": manifest.encoded,
        "cache_hits": manifest.cache_hits,
        "model_loaded": embedder._model is not None,
    }


def child_raw_build(vectors_path: str) -> dict:
    """In a fresh process: the same vectors added to a bare IndexFlatIP."""
    import faiss

    vectors = np.load(vectors_path)
    before = memory_status()
    reset = reset_peak_memory()
    started = time.perf_counter()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    seconds = time.perf_counter() - started
    peak = memory_status()["VmHWM"]
    assert index.ntotal == len(vectors)
    return {
        "add_s": seconds,
        "rss_before_mb": before["VmRSS"],
        "peak_rss_mb": peak,
        "increase_mb": peak - (before["VmRSS"] if reset else before["VmHWM"]),
    }


def prepare_size(workdir: Path, sample: Sample, size: int, encoded_vectors: np.ndarray) -> tuple[Path, np.ndarray, str]:
    """A home for ``size`` whose vector cache holds every synthetic text's vector; (home, vectors, their origin)."""
    passages = synthetic_passages(sample.passages, size)
    if size <= len(encoded_vectors):
        vectors, origin = encoded_vectors[:size], "encoded"
    else:
        vectors, origin = noisy_vectors(sample.vectors, size), "sample+noise"
    home = workdir / f"size-{size}"
    home.mkdir()
    fill_vector_cache(home / config.VECTOR_CACHE_NAME, [p.text for p in passages], vectors)
    np.save(home / "vectors.npy", vectors)
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


def measure_queries(home: Path, embedder: Embedder, queries: Sequence[str], count: int, seed: int) -> dict:
    """p50/p95 of the pipeline, the raw equivalent and each part, over ``count`` queries."""
    import faiss

    model = embedder.model
    started = time.perf_counter()
    index = open_index(home)
    open_seconds = time.perf_counter() - started
    try:
        flat = faiss.IndexFlatIP(index.manifest.dimension)
        flat.add(index.all_vectors())
        same = index.vectors  # the faiss index the pipeline searches, read from the same file
        same_params = faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH) if index.manifest.index_type == "hnsw" else None
        parsed = {q: parse_query(q) for q in queries}
        vectors = {q: embedder.encode_query(parsed[q].text) for q in queries}
        asked = [queries[i % len(queries)] for i in range(count)]
        filters = draw_filters(index, count, seed)
        masks = [filter_mask(index, check_filters(f))[0] for f in filters]
        answered = {"pipeline": 0, "pipeline_filtered": 0}

        def task(name: str, i: int) -> Callable[[], object]:
            q, p, f, mask = asked[i], parsed[asked[i]], filters[i], masks[i]
            if name == "pipeline":
                return lambda: search(index, embedder, q, k=10, explain=False)
            if name == "pipeline_filtered":
                return lambda: search(index, embedder, q, k=10, filters=f, explain=False)
            if name in ("raw", "raw_flat"):
                target, params = (same, same_params) if name == "raw" else (flat, None)

                def raw():
                    vector = model.encode(p.text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
                    return target.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), CANDIDATES, params=params)
                return raw
            if name == "encode":
                return lambda: embedder.encode_query(p.text)
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
        result["index_type"] = index.manifest.index_type
        result["ratio_p95"] = result["pipeline"]["p95_ms"] / result["raw"]["p95_ms"]
        result["ratio_p95_filtered"] = result["pipeline_filtered"]["p95_ms"] / result["raw"]["p95_ms"]
        result["ratio_p95_vs_flat"] = result["pipeline"]["p95_ms"] / result["raw_flat"]["p95_ms"]
        result["mean_filter_passages"] = float(np.mean([m.sum() for m in masks]))
        return result
    finally:
        index.close()


#: What measure_queries times, with the label printed for it.
QUERY_TASKS = {
    "pipeline": "search(), no filter",
    "pipeline_filtered": "search(), council+date filter",
    "raw": f"raw: model.encode + search of the same faiss index k={CANDIDATES}",
    "raw_flat": f"raw: model.encode + IndexFlatIP.search k={CANDIDATES} (exact)",
    "encode": "  part: query encoding (encode_query)",
    "dense": f"  part: dense ranking k={CANDIDATES}",
    "keyword": f"  part: keyword ranking (BM25) k={CANDIDATES}",
    "filter_mask": "  part: filter mask",
    "dense_filtered": "  part: dense ranking, filtered",
    "keyword_filtered": "  part: keyword ranking, filtered",
}


# -- 4. HNSW recall ------------------------------------------------------------


def measure_hnsw(vectors: np.ndarray, query_vectors: np.ndarray, seed: int) -> dict:
    """Recall of HNSW against the exact index over ``vectors``, and both indexes' query times."""
    rng = np.random.default_rng(seed)
    extra = RECALL_QUERIES - len(query_vectors)
    perturbed = vectors[rng.integers(0, len(vectors), size=max(extra, 0))]
    perturbed = perturbed + rng.normal(0.0, NOISE, perturbed.shape).astype(np.float32)
    perturbed /= np.linalg.norm(perturbed, axis=1, keepdims=True)
    queries = np.ascontiguousarray(np.vstack([query_vectors, perturbed])[:RECALL_QUERIES], dtype=np.float32)

    started = time.perf_counter()
    flat = make_vector_index(vectors, "flat")
    flat_build = time.perf_counter() - started
    started = time.perf_counter()
    hnsw = make_vector_index(vectors, "hnsw")
    hnsw_build = time.perf_counter() - started

    result = {
        "size": len(vectors),
        "queries": len(queries),
        "real_queries": min(len(query_vectors), RECALL_QUERIES),
        "flat_build_s": flat_build,
        "hnsw_build_s": hnsw_build,
        "settings": {"M": HNSW_NEIGHBOURS, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH},
    }
    for k in (10, CANDIDATES):
        _, exact = flat.search(queries, k)
        _, approximate = hnsw.search(queries, k)
        result[f"recall_at_{k}"] = float(
            np.mean([len(set(a) & set(e)) / k for a, e in zip(approximate.tolist(), exact.tolist())])
        )
    for name, index in (("flat", flat), ("hnsw", hnsw)):
        for query in queries[:20]:  # warm-up
            index.search(query.reshape(1, -1), CANDIDATES)
        seconds = []
        for query in queries:
            started = time.perf_counter()
            index.search(query.reshape(1, -1), CANDIDATES)
            seconds.append(time.perf_counter() - started)
        result[f"{name}_query"] = percentiles(seconds)
    return result


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

    rows = []
    for size in report["sizes"]:
        b, r = report["build"][str(size)], report["raw_build"][str(size)]
        rows.append([
            f"{size:,}", report["vector_origin"][str(size)], b["index_type"], f"{b['build_s']:.2f}", f"{b['cache_read_s']:.2f}",
            f"{r['add_s']:.3f}", f"{b['peak_rss_mb']:.0f}", f"{b['increase_mb']:.0f}", f"{r['peak_rss_mb']:.0f}",
            f"{r['increase_mb']:.0f}", f"{b['encoded']}/{b['cache_hits']}",
        ])
    print_table(
        "2. Index build: build_index end to end, every vector a cache hit (child process per size)",
        ["passages", "vectors", "index", "build s", "of which cache read s", "raw add s", "peak RSS MiB",
         "build +MiB", "raw peak MiB", "raw +MiB", "encoded/hits"],
        rows,
        [
            "raw = faiss.IndexFlatIP.add of the same vectors, already in memory, in its own child process;",
            "peak RSS = the child's VmHWM (reset before the build); +MiB = peak minus RSS just before building",
            "(the passages, resp. the vectors, are already in memory then). 'cache read' = Embedder.encode",
            "of the same texts again after the build, all hits (the look-up part of the build alone).",
        ],
    )

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
                f"ratio p95 pipeline/raw (same index): no filter {q['ratio_p95']:.2f}, filtered {q['ratio_p95_filtered']:.2f}; "
                f"pipeline/raw exact {q['ratio_p95_vs_flat']:.2f}; "
                f"queries with hits: {q['answered']['pipeline']}/{q['queries']} unfiltered, "
                f"{q['answered']['pipeline_filtered']}/{q['queries']} filtered "
                f"(the filter allows {q['mean_filter_passages']:.0f} passages on average); "
                f"open_index took {q['open_index_s']:.2f} s",
            ],
        )

    h = report["hnsw"]
    print_table(
        f"4. HNSW vs exact at {h['size']:,} passages: {h['queries']} query vectors ({h['real_queries']} real queries, "
        f"the rest perturbed passage vectors); M={h['settings']['M']}, efConstruction={h['settings']['efConstruction']}, "
        f"efSearch={h['settings']['efSearch']}",
        ["index", "build s", "recall@10", f"recall@{CANDIDATES}", f"query p50 ms (k={CANDIDATES})", "query p95 ms"],
        [
            ["flat (exact)", f"{h['flat_build_s']:.2f}", "1.000", "1.000", f"{h['flat_query']['p50_ms']:.3f}", f"{h['flat_query']['p95_ms']:.3f}"],
            ["hnsw", f"{h['hnsw_build_s']:.2f}", f"{h['recall_at_10']:.3f}", f"{h[f'recall_at_{CANDIDATES}']:.3f}",
             f"{h['hnsw_query']['p50_ms']:.3f}", f"{h['hnsw_query']['p95_ms']:.3f}"],
        ],
        [f"(the index uses HNSW only above {APPROXIMATE_ABOVE:,} passages: APPROXIMATE_ABOVE)"],
    )

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
                "target": f"query p95 pipeline/raw at {size:,}, {label}",
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
        sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive numbers of passages, e.g. 1000,10000,100000")
    return sorted(set(sizes))


def run(sizes: list[int], query_count: int, encode_texts: int) -> dict:
    queries = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))]
    report: dict = {"sizes": sizes, "machine": machine_info(), "targets_set": TARGETS}
    wall: dict[str, float] = {}
    total_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="narrative-search-speed-") as scratch:
        workdir = Path(scratch)
        embedder = Embedder(cache_path=workdir / "reingest" / config.VECTOR_CACHE_NAME)
        try:
            report["model"] = embedder.model_id

            log("5. re-ingest of the bundled corpus (also the sample corpus)")
            started = time.perf_counter()
            report["reingest"], sample = measure_reingest(workdir, embedder)
            wall["re-ingest"] = time.perf_counter() - started
            report["sample"] = {"passages": len(sample.passages), "sentences": len(sentence_pool(sample.passages))}

            log(f"1. encode throughput on {encode_texts} texts")
            started = time.perf_counter()
            texts = [p.text for p in synthetic_passages(sample.passages, encode_texts)]
            report["encode"], encoded_vectors = measure_encoding(workdir, embedder, texts)
            wall[f"encode throughput ({encode_texts:,} texts x 4)"] = time.perf_counter() - started

            query_vectors = np.stack([embedder.encode_query(parse_query(q).text) for q in queries])
            for key in ("build", "raw_build", "queries", "vector_origin"):
                report[key] = {}
            vectors = None
            for size in sizes:
                started = time.perf_counter()
                log(f"2. {size:,} passages: preparing the corpus and its cached vectors")
                home, vectors, origin = prepare_size(workdir, sample, size, encoded_vectors)
                report["vector_origin"][str(size)] = origin
                wall[f"{size:,}: corpus and cache"] = time.perf_counter() - started

                started = time.perf_counter()
                log(f"2. {size:,} passages: build_index in a child process, then the raw build in another")
                report["build"][str(size)] = build = in_child(child_build, sample.passages, size, str(home))
                assert build["encoded"] == 0 and build["cache_hits"] == size and not build["model_loaded"], build
                report["raw_build"][str(size)] = in_child(child_raw_build, str(home / "vectors.npy"))
                wall[f"{size:,}: builds"] = time.perf_counter() - started

                started = time.perf_counter()
                log(f"3. {size:,} passages: {query_count} queries")
                report["queries"][str(size)] = measure_queries(home, embedder, queries, query_count, SEED + size)
                wall[f"{size:,}: queries"] = time.perf_counter() - started

            log(f"4. HNSW at {sizes[-1]:,} passages")
            started = time.perf_counter()
            report["hnsw"] = measure_hnsw(vectors, query_vectors, SEED)
            wall[f"HNSW at {sizes[-1]:,}"] = time.perf_counter() - started
        finally:
            embedder.close()
    wall["total"] = time.perf_counter() - total_started
    report["wall_s"] = wall
    report["targets"] = evaluate_targets(report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 10_000, 100_000],
                        help="corpus sizes in passages, comma-separated (default 1000,10000,100000; 10k accepted)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size (default 200)")
    parser.add_argument("--encode-texts", type=int, default=ENCODE_TEXTS,
                        help=f"texts for the encode throughput comparison (default {ENCODE_TEXTS})")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write every figure to OUT as JSON")
    args = parser.parse_args()
    if args.queries < 1 or args.encode_texts < 1:
        parser.error("--queries and --encode-texts must be positive")
    report = run(args.sizes, args.queries, args.encode_texts)
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
