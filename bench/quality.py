"""Search quality on the labelled query set: nDCG@10 and recall@10 per mode.

    .venv/bin/python bench/quality.py [--home FOLDER] [--per-query]

Ingests the bundled corpus into FOLDER (default: a temporary folder), builds
the index, runs every query of ``bench/queries.json`` in keyword-only,
dense-only and hybrid mode, and prints the means over all queries, over the
"user" queries (people's own words) and over the "keyword" queries (the
documents' words). Relevance is graded per action (2 = answers the query,
1 = partly); hits that are not actions (unattributed text) count as not
relevant.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.search import search  # noqa: E402
from narrative_search.workspace import Workspace  # noqa: E402

QUERIES = Path(__file__).with_name("queries.json")
MODES = ("keyword", "dense", "hybrid")
CUTOFF = 10


def dcg(gains: list[float]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:cutoff])
    return dcg([relevant.get(a, 0) for a in ranked[:cutoff]]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    return len(set(ranked[:cutoff]) & set(relevant)) / len(relevant) if relevant else 0.0


def load_queries(path: Path = QUERIES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate(workspace: Workspace, queries: list[dict], modes=MODES, **search_options) -> dict[str, list[dict]]:
    """Per mode, one record per query: its id, style, nDCG@10, recall@10 and ranked action ids."""
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
                "id": q["id"], "style": q["style"], "ranked": ranked,
                "ndcg": ndcg_at(ranked, q["relevant"]), "recall": recall_at(ranked, q["relevant"]),
            })
        results[mode] = records
    return results


def summary_table(results: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for mode, records in results.items():
        row = {"mode": mode}
        for style in ("all", "user", "keyword"):
            chosen = [r for r in records if style == "all" or r["style"] == style]
            row[f"{style}_ndcg"] = sum(r["ndcg"] for r in chosen) / len(chosen)
            row[f"{style}_recall"] = sum(r["recall"] for r in chosen) / len(chosen)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="folder for the corpus and index (default: temporary)")
    parser.add_argument("--per-query", action="store_true", help="also print each query's scores")
    args = parser.parse_args()
    queries = load_queries()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        with Workspace.open(home) as workspace:
            workspace.ingest([config.bundled_data_dir()])
            results = evaluate(workspace, queries)
    print(f"{len(queries)} labelled queries, bundled corpus, cutoff {CUTOFF}\n")
    print_table(summary_table(results))
    if args.per_query:
        print()
        print(f"{'query':5} {'style':8} " + " ".join(f"{m:>8}" for m in MODES) + "   (nDCG@10)")
        for i, q in enumerate(queries):
            print(f"{q['id']:5} {q['style']:8} " + " ".join(f"{results[m][i]['ndcg']:8.3f}" for m in MODES) + f"   {q['query'][:60]}")


if __name__ == "__main__":
    main()
