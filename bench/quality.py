"""Search quality on the labelled query set: nDCG@10 and recall@10 per mode and per query group.

    .venv/bin/python bench/quality.py [--home FOLDER] [--per-query] [--draws N] [--bundled-only]

Ingests the bundled corpus (``data/``) and the bench's prose corpus
(``bench/corpus/``: made-up progress pages, a log, minutes, a newsletter and a
revisit outcome for Rutland, Halton and Sefton) into FOLDER (default: a
temporary folder), builds the index, runs every query of ``bench/queries.json``
in keyword-only, dense-only and hybrid mode, and prints:

1. the means over all queries, the "user" queries (people's own words) and the
   "keyword" queries (the documents' words), as before;
2. per group (all, each style, each persona): the number of queries, and per
   mode nDCG@10 and recall@10 with a bootstrap 95% interval (the queries of the
   group resampled with replacement, 1000 draws, fixed seed; the same draws for
   every mode, so the modes' intervals are comparable), and the paired
   difference hybrid - dense with its interval;
3. in dense and hybrid mode, the top hit's cosine with the query, on the
   labelled queries and on the nonsense and hostile queries of
   ``bench/nonsense_queries.json`` (no grades): how far apart they are is the
   room a relevance floor has (queries the search refuses outright, such as
   emoji only, are counted apart).

Relevance is graded per action or section, 0-3 (3 = answers the query, 2 =
substantially relevant, 1 = partly or related; unlisted = 0); the gain of a
hit is 2**grade - 1. Hits that are neither (unattributed text) count as not
relevant. Recall@10 counts every graded id (grade 1 or more).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.model import SearchMode  # noqa: E402
from narrative_search.search import SearchError, search  # noqa: E402
from narrative_search.workspace import Workspace  # noqa: E402

QUERIES = Path(__file__).with_name("queries.json")
NONSENSE = Path(__file__).with_name("nonsense_queries.json")
BENCH_CORPUS = Path(__file__).with_name("corpus")
MODES: tuple[SearchMode, ...] = ("keyword", "dense", "hybrid")
STYLES = ("user", "keyword", "question")
PERSONAS = ("adviser", "inspector", "officer")
CUTOFF = 10
DRAWS = 1000
SEED = 13
METRICS = ("ndcg", "recall")


def dcg(gains: Sequence[float]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:cutoff])
    return dcg([relevant.get(a, 0) for a in ranked[:cutoff]]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    return len(set(ranked[:cutoff]) & set(relevant)) / len(relevant) if relevant else 0.0


def load_queries(path: Path = QUERIES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate(workspace: Workspace, queries: list[dict], modes: Sequence[SearchMode] = MODES,
             **search_options: Any) -> dict[str, list[dict]]:
    """Per mode, one record per query: its id, style, persona, nDCG@10, recall@10 and ranked action ids."""
    index = workspace.index()
    vectors = {q["id"]: workspace.embedder.encode_query(q["query"].replace('"', "")) for q in queries}
    results: dict[str, list[dict]] = {}
    for mode in modes:
        records = []
        for q in queries:
            result = search(index, workspace.embedder, q["query"], k=CUTOFF, mode=mode, explain=False,
                            query_vector=vectors[q["id"]], **search_options)
            ranked = [hit.action_id or hit.key for hit in result.hits]
            records.append({
                "id": q["id"], "style": q["style"], "persona": q.get("persona"), "ranked": ranked,
                "ndcg": ndcg_at(ranked, q["relevant"]), "recall": recall_at(ranked, q["relevant"]),
            })
        results[mode] = records
    return results


def top_similarities(workspace: Workspace, queries: list[dict],
                     modes: Sequence[SearchMode] = ("dense", "hybrid")) -> dict[str, list[float]]:
    """Per mode, the top hit's best cosine with each query: 0 when nothing comes back, NaN when refused.

    The fused score is rank-based (reciprocal ranks), so it says nothing about
    how close the best match is; the cosine of the top hit's passages does.
    """
    index = workspace.index()
    scores: dict[str, list[float]] = {}
    for mode in modes:
        scores[mode] = []
        for q in queries:
            try:
                result = search(index, workspace.embedder, q["query"], k=1, mode=mode, explain=False)
            except SearchError:  # e.g. no words to search for: the search already says so
                scores[mode].append(math.nan)
                continue
            cosines = [p.similarity for p in result.hits[0].passages if p.similarity is not None] if result.hits else []
            scores[mode].append(max(cosines, default=0.0))
    return scores


def print_floor_room(labelled: dict[str, list[float]], nonsense: dict[str, list[float]]) -> None:
    print(f"{'mode':8} | {'labelled: min':>13} {'p10':>7} {'median':>7} | {'nonsense: median':>16} {'p90':>7} "
          f"{'max':>7} {'refused':>7} {'above labelled min':>18}")
    for mode in labelled:
        ours, theirs = np.array(labelled[mode]), np.array(nonsense[mode])
        answered = theirs[~np.isnan(theirs)]
        low = np.nanpercentile(ours, [0, 10, 50])
        high = np.percentile(answered, [50, 90, 100]) if answered.size else np.full(3, math.nan)
        above = int((answered >= low[0]).sum())
        print(f"{mode:8} | {low[0]:13.3f} {low[1]:7.3f} {low[2]:7.3f} | {high[0]:16.3f} {high[1]:7.3f} {high[2]:7.3f} "
              f"{theirs.size - answered.size:>7} {above:>18}")


def summary_table(results: dict[str, list[dict]]) -> list[dict]:
    """One row per mode: mean nDCG@10, recall@10 and count over all, "user" and "keyword" queries."""
    rows = []
    for mode, records in results.items():
        row: dict[str, Any] = {"mode": mode}
        for style in ("all", "user", "keyword"):
            chosen = [r for r in records if style == "all" or r["style"] == style]
            row[f"{style}_ndcg"] = sum(r["ndcg"] for r in chosen) / len(chosen) if chosen else 0.0
            row[f"{style}_recall"] = sum(r["recall"] for r in chosen) / len(chosen) if chosen else 0.0
            row[f"{style}_n"] = len(chosen)
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    n = rows[0]
    print(f"{'mode':8} | {'all (' + str(n['all_n']) + ')':^17} | {'user (' + str(n['user_n']) + ')':^17} | {'keyword (' + str(n['keyword_n']) + ')':^17}")
    print(f"{'':8} | {'nDCG@10':>8} {'R@10':>8} | {'nDCG@10':>8} {'R@10':>8} | {'nDCG@10':>8} {'R@10':>8}")
    for row in rows:
        print(
            f"{row['mode']:8} | {row['all_ndcg']:8.3f} {row['all_recall']:8.3f} | {row['user_ndcg']:8.3f} "
            f"{row['user_recall']:8.3f} | {row['keyword_ndcg']:8.3f} {row['keyword_recall']:8.3f}"
        )


# -- groups and bootstrap intervals ------------------------------------------------------


def query_groups(records: list[dict]) -> list[tuple[str, list[int]]]:
    """(group name, positions of its queries) for all, each style and each persona present."""
    groups: list[tuple[str, Optional[str], Optional[str]]] = [("all", None, None)] + [(f"style={s}", "style", s) for s in STYLES]
    groups += [(f"persona={p}", "persona", p) for p in PERSONAS]
    chosen = [(name, [i for i, r in enumerate(records) if field is None or r.get(field) == value])
              for name, field, value in groups]
    return [(name, positions) for name, positions in chosen if positions]


def bootstrap_draws(size: int, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """``draws`` resamples (with replacement) of ``size`` query positions, one per row."""
    return np.random.default_rng(seed).integers(0, size, size=(draws, size))


def interval(values: np.ndarray, draws: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``values`` and the 2.5th and 97.5th percentiles of its bootstrap means."""
    means = values[draws].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(values.mean()), float(low), float(high)


def grouped_table(results: dict[str, list[dict]], draws: int = DRAWS, seed: int = SEED) -> list[dict]:
    """Per group and mode: n, and (mean, low, high) per metric; plus hybrid - dense per group."""
    first = next(iter(results.values()))
    rows = []
    for name, positions in query_groups(first):
        resamples = bootstrap_draws(len(positions), draws, seed)
        picked = {mode: [records[i] for i in positions] for mode, records in results.items()}
        for mode, records in picked.items():
            row: dict[str, Any] = {"group": name, "n": len(positions), "mode": mode}
            for metric in METRICS:
                row[metric] = interval(np.array([r[metric] for r in records]), resamples)
            rows.append(row)
        if "hybrid" in picked and "dense" in picked:
            row = {"group": name, "n": len(positions), "mode": "hyb-dns"}
            for metric in METRICS:
                gaps = [h[metric] - d[metric] for h, d in zip(picked["hybrid"], picked["dense"])]
                row[metric] = interval(np.array(gaps), resamples)
            rows.append(row)
    return rows


def print_grouped(rows: Iterable[dict]) -> None:
    print(f"{'group':19} {'n':>3} {'mode':8} | {'nDCG@10':>7} {'95% interval':>16} | {'R@10':>7} {'95% interval':>16}")
    previous = None
    for row in rows:
        if previous is not None and row["group"] != previous:
            print()
        previous = row["group"]
        cells = [f"{mean:7.3f} [{low:6.3f}, {high:6.3f}]" for mean, low, high in (row[m] for m in METRICS)]
        print(f"{row['group']:19} {row['n']:>3} {row['mode']:8} | {cells[0]} | {cells[1]}")


def print_per_query(queries: list[dict], results: dict[str, list[dict]]) -> None:
    print(f"{'query':5} {'style':8} {'persona':9} " + " ".join(f"{m:>8}" for m in MODES) + "   (nDCG@10)")
    for i, q in enumerate(queries):
        scores = " ".join(f"{results[m][i]['ndcg']:8.3f}" for m in MODES)
        print(f"{q['id']:5} {q['style']:8} {q.get('persona', ''):9} {scores}   {q['query'][:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="folder for the corpus and index (default: temporary)")
    parser.add_argument("--per-query", action="store_true", help="also print each query's scores")
    parser.add_argument("--draws", type=int, default=DRAWS, help=f"bootstrap draws (default {DRAWS})")
    parser.add_argument("--bundled-only", action="store_true",
                        help="ingest data/ only (queries answered only in bench/corpus then score 0)")
    args = parser.parse_args()
    queries = load_queries()
    folders = [config.bundled_data_dir()] + ([] if args.bundled_only else [BENCH_CORPUS])
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        with Workspace.open(home) as workspace:
            workspace.ingest(folders)
            results = evaluate(workspace, queries)
            nonsense = load_queries(NONSENSE)
            floor = (top_similarities(workspace, queries), top_similarities(workspace, nonsense))
    corpus = "bundled corpus" if args.bundled_only else "bundled corpus + bench/corpus"
    print(f"{len(queries)} labelled queries (grades 0-3), {corpus}, cutoff {CUTOFF}\n")
    print_table(summary_table(results))
    print(f"\nPer group, bootstrap 95% intervals ({args.draws} draws over queries, seed {SEED}); "
          "hyb-dns = hybrid minus dense, paired per query\n")
    print_grouped(grouped_table(results, args.draws))
    print(f"\nTop hit's cosine with the query: {len(queries)} labelled vs {len(nonsense)} nonsense/hostile queries\n")
    print_floor_room(*floor)
    if args.per_query:
        print()
        print_per_query(queries, results)


if __name__ == "__main__":
    main()
