"""The embedding model on torch vs onnxruntime (fp32, int8), in one run: throughput, agreement, rankings, cold CLI.

    .venv/bin/python bench/encoders.py [--texts N] [--home FOLDER] [--cold-runs N] [--skip-int8]

Ingests the bundled corpus and the bench's prose corpus into FOLDER (default:
a temporary folder; the first build exports the model to ONNX), then prints:

1. encode throughput (texts/s) of the real pipeline, ``Embedder.encode`` on
   an empty vector cache (cache writes included), for torch, ONNX fp32 (the
   fused file, as builds use it), ONNX fp32 from the plain export, and ONNX
   int8, over the same N passages of the index (repeated to N), after a
   warm-up batch each; and each one's ratio to torch, per wall second and
   per CPU second (every thread's: the steadier figure on a shared machine);
   then the peers: raw onnxruntime on the fused file (the same texts sorted
   by length, batches of the same size, the session's own intra-op threads
   on every core; and on one thread, per CPU second: what the model costs,
   the ceiling of any pipeline), and raw torch on one thread likewise;
2. agreement with torch: min and mean cosine of the same texts' vectors;
3. query encoding: median ms of ``encode_query`` over the queries of
   ``bench/queries.json``;
4. rankings: of every query of ``bench/queries.json``, in dense and hybrid
   mode, how many have the same top-10 action ids with ONNX as with torch;
5. cold CLI: median wall time of ``narrative-search search QUERY`` in a new
   process, with the ONNX file (the query path) and without it (torch, as
   before the ONNX path), and whether torch was imported.

nDCG with int8: run ``NARRATIVE_SEARCH_PRECISION=int8 bench/quality.py`` and
compare with a plain run (the int8 index has its own model id).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.embed import Embedder  # noqa: E402
from narrative_search.index import current_generation  # noqa: E402
from narrative_search.onnx_encoder import load_encoder, mean_pooled, model_files, tokenizer_file  # noqa: E402
from narrative_search.search import search  # noqa: E402
from narrative_search.workspace import Workspace  # noqa: E402

QUERIES = Path(__file__).with_name("queries.json")
BENCH_CORPUS = Path(__file__).with_name("corpus")
COLD_QUERY = "short breaks for disabled children"


def build_home(home: Path) -> None:
    with Workspace.open(home) as workspace:
        workspace.ingest([config.bundled_data_dir(), BENCH_CORPUS], update_index=True)
        print(f"home {home}: {workspace.index_manifest().passage_count} passages; notes: {workspace.notes or 'none'}")


def passage_texts(home: Path, count: int) -> list[str]:
    conn = sqlite3.connect(current_generation(home) / "passages.sqlite")
    texts = [row[0] for row in conn.execute("SELECT text FROM passages ORDER BY rowid")]
    conn.close()
    return (texts * (count // max(len(texts), 1) + 1))[:count]


def timed_encode(embedder: Embedder, texts: Sequence[str], cache: Path) -> tuple[float, float, np.ndarray]:
    """Texts per wall second and per CPU second (every thread) of ``encode`` on an empty cache, and the vectors.

    On a machine others share, the CPU-second figure is the steadier one.
    """
    embedder.encode(list(texts[: embedder.batch_size]))  # warm-up: the session or model is loaded and run once
    fresh = Embedder(cache_path=cache, onnx_dir=embedder.onnx_dir, precision=embedder.precision, device="cpu")
    fresh._model, fresh._onnx, fresh._onnx_tried = embedder._model, embedder._onnx, True
    started, cpu_started = time.perf_counter(), time.process_time()
    vectors = fresh.encode(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    fresh.close()
    return len(texts) / seconds, len(texts) / cpu_seconds, vectors


def plain_export(embedder: Embedder) -> Embedder:
    """An Embedder on the plain export (not the fused copy), for comparison."""
    plain = Embedder(onnx_dir=embedder.onnx_dir, device="cpu")
    assert plain.onnx_dir is not None and plain.model_folder is not None
    plain._onnx = load_encoder(plain.onnx_dir, plain.model_id, "fp32", plain.model_folder, "cpu")
    plain._onnx_tried = True
    return plain


def raw_onnxruntime(embedder: Embedder, texts: Sequence[str], threads: int) -> tuple[float, float]:
    """Texts per wall second and per CPU second of a bare onnxruntime loop on the fused file: tokenise, run, pool."""
    import onnxruntime
    from tokenizers import Tokenizer

    assert embedder.onnx_dir is not None and embedder.model_folder is not None
    path, _ = model_files(embedder.onnx_dir, embedder.model_id, "fp32", fused=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tokenizer_path = tokenizer_file(embedder.model_folder)
    assert tokenizer_path is not None
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=embedder.max_tokens)
    tokenizer.enable_padding()
    ordered = sorted(texts, key=len, reverse=True)

    def run(batch: Sequence[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch([text.strip() for text in batch])
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        return mean_pooled(hidden, mask)

    run(ordered[:8])
    size = embedder.batch_size
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(0, len(ordered), size):
        run(ordered[i:i + size])
    return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu_started)


def raw_torch_one_thread(model: Any, texts: Sequence[str], batch_size: int) -> float:
    """Texts per CPU second of the model's own encode on one torch thread (what the model costs torch)."""
    from narrative_search.embed import one_torch_thread

    with one_torch_thread():
        model.encode(list(texts[:8]), batch_size=batch_size)
        cpu_started = time.process_time()
        model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True)
        return len(texts) / (time.process_time() - cpu_started)


def query_ms(embedder: Embedder, queries: Sequence[str]) -> float:
    embedder.encode_query(queries[0])
    times = []
    for query in queries:
        started = time.perf_counter()
        embedder.encode_query(query)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def same_rankings(home: Path, first: Embedder, second: Embedder, queries: Sequence[str], mode: Any) -> int:
    with Workspace.open(home, embedder=first) as workspace:
        index = workspace.index()
        same = 0
        for query in queries:
            a = search(index, first, query, k=10, mode=mode, explain=False)
            b = search(index, second, query, k=10, mode=mode, explain=False)
            same += [h.action_id or h.key for h in a.hits] == [h.action_id or h.key for h in b.hits]
    return same


def cold_search(home: Path, runs: int) -> tuple[float, bool]:
    """Median wall seconds of a new `narrative-search search` process, and whether it imported torch."""
    probe = (
        "import runpy, sys, atexit\n"
        "atexit.register(lambda: print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr))\n"
        "sys.argv = ['narrative-search', '--home', sys.argv[1], 'search', sys.argv[2]]\n"
        "runpy.run_module('narrative_search.cli', run_name='__main__')\n"
    )
    times, torch_loaded = [], False
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", probe, str(home), COLD_QUERY], capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"cold search failed: {done.stderr}")
        torch_loaded = torch_loaded or "NO-TORCH" not in done.stderr
    return statistics.median(times), torch_loaded


def compare(home: Path, count: int, cold_runs: int, skip_int8: bool) -> None:
    texts = passage_texts(home, count)
    queries = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))]
    onnx_dir = home / config.ONNX_DIR_NAME
    scratch = Path(tempfile.mkdtemp(prefix="encoders-"))
    torch_embedder = Embedder(device="cpu")
    _ = torch_embedder.model
    rows: list[tuple[str, float, float, np.ndarray, Embedder]] = []
    rows.append(("torch fp32", *timed_encode(torch_embedder, texts, scratch / "torch.sqlite"), torch_embedder))
    fp32 = Embedder(onnx_dir=onnx_dir, device="cpu")
    rows.append(("onnx fp32", *timed_encode(fp32, texts, scratch / "fp32.sqlite"), fp32))
    plain = plain_export(fp32)
    rows.append(("onnx plain", *timed_encode(plain, texts, scratch / "plain.sqlite"), plain))
    if not skip_int8:
        int8 = Embedder(onnx_dir=onnx_dir, precision="int8", device="cpu")
        int8._model = torch_embedder.model  # for the export's check against torch, if not exported yet
        int8.prepare_for_build()
        rows.append(("onnx int8", *timed_encode(int8, texts, scratch / "int8.sqlite"), int8))
    threads = os.cpu_count() or 1
    tokens = [fp32.count_tokens(text) for text in texts]
    print(f"\nencoding {len(texts)} passages (mean {np.mean([len(t) for t in texts]):.0f} characters, "
          f"{np.mean(tokens):.0f} tokens), {threads} cores, batch {torch_embedder.batch_size}, empty vector cache; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; the fp32 pipeline encodes with "
          f"{fp32.build_details().get('onnx_file')}:")
    print(f"{'encoder':12} {'texts/s':>8} {'x torch':>8} {'per cpu-s':>9} {'x torch':>8} {'min cos':>8} {'mean cos':>9} "
          f"{'query ms':>9}")
    reference = rows[0][3]
    for name, rate, cpu_rate, vectors, embedder in rows:
        cosines = np.sum(vectors * reference, axis=1)
        print(f"{name:12} {rate:8.1f} {rate / rows[0][1]:8.2f} {cpu_rate:9.1f} {cpu_rate / rows[0][2]:8.2f} "
              f"{cosines.min():8.5f} {cosines.mean():9.5f} {query_ms(embedder, queries):9.2f}")
    raw_rate, raw_cpu_rate = raw_onnxruntime(fp32, texts, threads)
    _, one_thread_cpu_rate = raw_onnxruntime(fp32, texts, 1)
    torch_one_thread = raw_torch_one_thread(torch_embedder.model, texts, torch_embedder.batch_size)
    print(f"{'raw ort':12} {raw_rate:8.1f} {raw_rate / rows[0][1]:8.2f} {raw_cpu_rate:9.1f} {raw_cpu_rate / rows[0][2]:8.2f}"
          f"   (onnxruntime alone, fused file, {threads} intra-op threads)")
    print(f"per CPU second on one thread: raw onnxruntime (fused) {one_thread_cpu_rate:.1f}, raw torch "
          f"{torch_one_thread:.1f} texts/s: {one_thread_cpu_rate / torch_one_thread:.2f}x, the model's own cost")
    print(f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for mode in ("dense", "hybrid"):
        same = same_rankings(home, torch_embedder, fp32, queries, mode)
        print(f"same top-10 as torch, onnx fp32, {mode}: {same} of {len(queries)} queries")
    shutil.rmtree(scratch, ignore_errors=True)
    if cold_runs:
        with_onnx, torch_loaded = cold_search(home, cold_runs)
        print(f"\ncold `narrative-search search` (median of {cold_runs}): ONNX {with_onnx:.2f} s "
              f"(torch imported: {torch_loaded})", end="")
        hidden = home / f"{config.ONNX_DIR_NAME}-hidden"
        onnx_dir.rename(hidden)
        try:
            without, torch_loaded = cold_search(home, cold_runs)
        finally:
            hidden.rename(onnx_dir)
        print(f"; torch (no ONNX file) {without:.2f} s (torch imported: {torch_loaded})")


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=512, help="passages to encode per encoder (default 512)")
    parser.add_argument("--home", type=Path, default=None, help="folder for the corpus and index (default: temporary)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold CLI searches per variant (0: skip)")
    parser.add_argument("--skip-int8", action="store_true", help="leave int8 out")
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="encoders-home-"))
    build_home(home)
    compare(home, args.texts, args.cold_runs, args.skip_int8)


if __name__ == "__main__":
    main()
