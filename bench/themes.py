"""Accuracy of the theme assignment on the hand-labelled records of theme_labels.json.

    .venv/bin/python bench/themes.py [--show-misses] [--cue X] [--group X] [--floor X] [--share X] [--table CSV]

Ingests the bundled corpus (data/) and bench/corpus/ into a scratch home
(reused between runs, so vectors are cached), scores every labelled record
against every theme of data/themes.csv (or --table), and prints:

- top-1: the record's best theme is one of its labelled themes;
- top-3: one of its labelled themes is among its three best;
- strict top-1 / top-3: the same for the labelled *first* theme only;
- shown: the themes a user sees (those assigned, after the floor and the
  share cut) include a labelled theme;
- no-theme records: those labelled with no theme that got none;
- the confusion: (labelled first theme -> best theme) of the top-1 misses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from narrative_search.embed import Embedder  # noqa: E402
from narrative_search.ingest import ingest_paths  # noqa: E402
from narrative_search.store import CorpusStore  # noqa: E402
from narrative_search.themes import (  # noqa: E402
    DEFAULT_WEIGHTS,
    AssignmentWeights,
    load_theme_table,
    ranked,
    record_text,
    score_matrix,
)

LABELS = REPO / "bench" / "theme_labels.json"
DEFAULT_HOME = Path("/tmp/narrative-search-bench-themes")


def load_store(home: Path) -> CorpusStore:
    home.mkdir(parents=True, exist_ok=True)
    store = CorpusStore(home / "corpus.sqlite")
    ingest_paths(store, [REPO / "data", REPO / "bench" / "corpus"])
    return store


def evaluate(scores: np.ndarray, labels: list[dict[str, Any]], theme_ids: list[str], weights: AssignmentWeights,
             themes: Any) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for row, label in zip(scores, labels):
        wanted = label["themes"]
        shown = [t.id for t in ranked(row, themes, weights)]
        if not wanted:
            counts["none"] += 1
            counts["none_ok"] += not shown
            continue
        order = [theme_ids[i] for i in np.argsort(-row, kind="stable")]
        counts["n"] += 1
        counts["top1"] += order[0] in wanted
        counts["top3"] += bool(set(order[:3]) & set(wanted))
        counts["strict1"] += order[0] == wanted[0]
        counts["strict3"] += wanted[0] in order[:3]
        counts["shown"] += bool(set(shown) & set(wanted))
        counts["unassigned"] += not shown
        if order[0] not in wanted:
            confusion[(wanted[0], order[0])] += 1
            misses.append((label["id"], wanted, order[:3]))
    n = max(counts["n"], 1)
    return {
        "records": counts["n"],
        "top1": counts["top1"] / n,
        "top3": counts["top3"] / n,
        "strict_top1": counts["strict1"] / n,
        "strict_top3": counts["strict3"] / n,
        "shown": counts["shown"] / n,
        "unassigned": counts["unassigned"],
        "no_theme_records": counts["none"],
        "no_theme_unassigned": counts["none_ok"],
        "confusion": confusion,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--table", type=Path, default=REPO / "data" / "themes.csv")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    for name in ("cue", "group", "floor", "share"):
        parser.add_argument(f"--{name}", type=float, default=getattr(DEFAULT_WEIGHTS, name))
    args = parser.parse_args()
    weights = replace(DEFAULT_WEIGHTS, cue=args.cue, group=args.group, floor=args.floor, share=args.share)
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["records"]
    themes = load_theme_table(args.table)
    theme_ids = [t.id for t in themes]
    store = load_store(args.home)
    actions = [store.get_action(label["id"]) for label in labels]
    missing = [label["id"] for label, action in zip(labels, actions) if action is None]
    if missing:
        sys.exit(f"labelled records not in the corpus: {', '.join(missing)}")
    embedder = Embedder(cache_path=args.home / "vectors.sqlite")
    scores = score_matrix(embedder, [record_text(a) for a in actions if a is not None], themes, weights)
    result = evaluate(scores, labels, theme_ids, weights, themes)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k not in ("confusion", "misses")}
                         | {"confusion": [[a, b, c] for (a, b), c in result["confusion"].most_common()]}, indent=1))
        return
    print(f"weights: {weights}")
    print(f"labelled records with a theme: {result['records']}")
    for key in ("top1", "top3", "strict_top1", "strict_top3", "shown"):
        print(f"  {key:<12} {result[key]:.3f}")
    print(f"  assigned no theme although labelled: {result['unassigned']}")
    print(f"labelled with no theme: {result['no_theme_records']}, of which assigned none: {result['no_theme_unassigned']}")
    print("confusion of the top-1 misses (labelled first -> best):")
    for (wanted, got), count in result["confusion"].most_common():
        print(f"  {count:>3}  {wanted} -> {got}")
    if args.show_misses:
        for record_id, wanted, top in result["misses"]:
            print(f"  {record_id}: labelled {','.join(wanted)}; best {', '.join(top)}")


if __name__ == "__main__":
    main()
