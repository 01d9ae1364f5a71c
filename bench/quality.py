"""Search quality on the labelled query set: nDCG@10 and recall@10 per mode and per query group.

    .venv/bin/python bench/quality.py [--home FOLDER] [--per-query] [--draws N] [--bundled-only] [--cross-validate]

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
3. the relevance floor (search.py's ``no_close_match``) on the labelled
   queries and on the nonsense and hostile queries of
   ``bench/nonsense_queries.json`` (no grades): how many of each it flags, the
   nearest of each set to the thresholds, and the thresholds a calibration on
   the two sets would choose (none of the labelled flagged, then as many of the
   nonsense as possible, then the widest margin).

With ``--cross-validate`` it prints instead, for each family of fusion tried
(the issue's (a) rank fusion of passages, (b) score fusion of normalised
cosine and BM25, (c) score fusion with a per-query keyword weight, (d) fusion
of actions after max-pooling each ranking), the nDCG@10 held out by 5-fold
cross-validation repeated over 5 shuffles: each fold's queries scored with the
settings that were best on the other four. The default fusion
(``search.DEFAULT_FUSION``) is the one this chooses.

Relevance is graded per action or section, 0-3 (3 = answers the query, 2 =
substantially relevant, 1 = partly or related; unlisted = 0); the gain of a
hit is 2**grade - 1. Hits that are neither (unattributed text) count as not
relevant. Recall@10 counts every graded id (grade 1 or more). A card of a
field shared by several actions (shown once) stands for the best graded of the
actions it lists not yet counted above it (:func:`credited`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search import config  # noqa: E402
from narrative_search.model import SearchMode  # noqa: E402
from narrative_search.passages import shared_field_owners  # noqa: E402
from narrative_search.search import (  # noqa: E402
    CODE_CLOSENESS,
    CODE_COVERAGE,
    DEFAULT_FUSION,
    EXPANSION_WEIGHT,
    FLOOR_CLOSENESS,
    FLOOR_COVERAGE,
    UNKNOWN_CLOSENESS,
    UNKNOWN_SHARE,
    Fusion,
    QueryShape,
    SearchError,
    content_words,
    parse_query,
    search,
    unknown_share,
)
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
#: Whether a shared field's card counts as one of the actions it lists (see :func:`credited`).
CREDIT_SHARED = True


def dcg(gains: Sequence[float]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))


def credited(ranked: list[str], relevant: dict[str, int], owners: Optional[dict[str, list[str]]] = None) -> list[str]:
    """The action each hit stands for: itself, or for a shared field's card the best action it lists not yet counted.

    A card of a field printed in several actions lists those actions; it
    stands for one of them (the best graded not already above it), and that
    action counts no more when it appears itself further down. Without
    ``owners`` (or for unattributed text) a hit stands for its own key.
    """
    owners = owners or {}
    seen: set[str] = set()
    result = []
    for key in ranked:
        if key.startswith("shared:"):
            base = key.removeprefix("shared:").split("~", 1)[0]
            listed = [a for a in owners.get(base, []) if a not in seen]
            key = max(listed, key=lambda a: relevant.get(a, 0), default=key)
        result.append("" if key in seen else key)
        seen.add(key)
    return result


def ndcg_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:cutoff])
    return dcg([relevant.get(a, 0) for a in ranked[:cutoff]]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    return len(set(ranked[:cutoff]) & set(relevant)) / len(relevant) if relevant else 0.0


def load_queries(path: Path = QUERIES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def query_vectors(workspace: Workspace, queries: list[dict]) -> dict[str, np.ndarray]:
    return {q["id"]: workspace.embedder.encode_query(q["query"].replace('"', "")) for q in queries}


def evaluate(workspace: Workspace, queries: list[dict], modes: Sequence[SearchMode] = MODES,
             vectors: Optional[dict[str, np.ndarray]] = None, **search_options: Any) -> dict[str, list[dict]]:
    """Per mode, one record per query: its id, style, persona, nDCG@10, recall@10 and ranked action ids."""
    index = workspace.index()
    vectors = vectors or query_vectors(workspace, queries)
    owners = shared_field_owners(list(workspace.store.iter_actions())) if CREDIT_SHARED else {}
    results: dict[str, list[dict]] = {}
    for mode in modes:
        records = []
        for q in queries:
            result = search(index, workspace.embedder, q["query"], k=CUTOFF, mode=mode, explain=False,
                            query_vector=vectors[q["id"]], **search_options)
            ranked = [hit.action_id or hit.key for hit in result.hits]
            counted = credited(ranked, q["relevant"], owners)
            records.append({
                "id": q["id"], "style": q["style"], "persona": q.get("persona"), "ranked": ranked,
                "ndcg": ndcg_at(counted, q["relevant"]), "recall": recall_at(counted, q["relevant"]),
            })
        results[mode] = records
    return results


def match_evidence(workspace: Workspace, queries: list[dict]) -> list[tuple[float, float, bool]]:
    """Per query, in hybrid mode: (best cosine, keyword coverage, flagged weak); NaN, NaN, True when refused.

    A query the search refuses outright (no words: emoji only) gets no results
    at all, which says so more plainly than the notice. Queries the floor
    settles before its thresholds (page furniture; code syntax, with its own
    bars; a quoted phrase; nothing but stop words and numbers) and those whose
    words are mostly unknown to the index (their own cosine bar) have NaN
    evidence, so that they do not weigh in the calibration of the two thresholds.
    """
    index = workspace.index()
    found = []
    for q in queries:
        try:
            result = search(index, workspace.embedder, q["query"], k=1, explain=False)
        except SearchError:
            found.append((math.nan, math.nan, True))
            continue
        parsed = parse_query(q["query"])
        shape = QueryShape.of(q["query"])
        settled = (shape.furniture or shape.code or bool(parsed.phrases) or not content_words(parsed)
                   or unknown_share(parsed, index) > UNKNOWN_SHARE)
        found.append((math.nan if settled or result.closeness is None else result.closeness,
                      math.nan if settled or result.coverage is None else result.coverage, result.weak or not result.hits))
    return found


def floor_rules(workspace: Workspace, queries: list[dict]) -> dict[str, list[tuple[str, float, float]]]:
    """Per rule of the floor that settles queries before the two thresholds: (id, cosine, coverage) of those it reads."""
    index = workspace.index()
    rules: dict[str, list[tuple[str, float, float]]] = {"furniture": [], "code": [], "unknown": []}
    for q in queries:
        try:
            parsed = parse_query(q["query"])
        except SearchError:
            continue
        shape = QueryShape.of(q["query"])
        rule = ("furniture" if shape.furniture else "code" if shape.code else None if parsed.phrases or not content_words(parsed)
                else "unknown" if unknown_share(parsed, index) > UNKNOWN_SHARE else None)
        if rule:
            result = search(index, workspace.embedder, q["query"], k=1, explain=False)
            rules[rule].append((q["id"], result.closeness or 0.0, result.coverage or 0.0))
    return rules


def print_floor_rules(labelled: dict[str, list[tuple[str, float, float]]], nonsense: dict[str, list[tuple[str, float, float]]]) -> None:
    """The queries each rule of the floor reads, from both sets, with their evidence."""
    bars = {"furniture": "never a close match",
            "code": f"close only with cosine >= {CODE_CLOSENESS} and >= {CODE_COVERAGE} of its plain words",
            "unknown": f"> {UNKNOWN_SHARE:.0%} of its words unknown to the index: close only with cosine >= {UNKNOWN_CLOSENESS}"}
    for rule, bar in bars.items():
        for name, found in (("labelled", labelled[rule]), ("nonsense", nonsense[rule])):
            nearest = sorted(found, key=lambda f: f[1] if name == "labelled" else -f[1])[:6]  # nearest the bar first
            shown = ", ".join(f"{i} ({c:.3f}, {k:.2f})" for i, c, k in nearest)
            print(f"  rule {rule} ({bar}): {name} {len(found)}{': ' + shown if shown else ''}")


def calibrate_floor(labelled: list[tuple[float, float, bool]],
                    nonsense: list[tuple[float, float, bool]]) -> Optional[tuple[float, float, int]]:
    """(closeness, coverage, nonsense flagged) thresholds flagging no labelled query and the most nonsense ones.

    Candidates are midpoints between observed values. Queries the floor
    settles before the thresholds (a quoted phrase found; nothing but stop
    words and numbers) are left out; ties go to the widest margin: the least
    distance of a labelled query above the edge it must not cross, cosine and
    coverage each on their own scale (coverage halved).
    """
    ours = [(c, k) for c, k, weak in labelled if not math.isnan(c) and not math.isnan(k)]
    theirs = [(c, k) for c, k, weak in nonsense if not math.isnan(c) and not math.isnan(k)]
    def cuts(values: list[float]) -> list[float]:
        points = sorted(set(values))
        return [(a + b) / 2 for a, b in zip(points, points[1:])] + [points[-1] + 0.01]
    best: Optional[tuple[int, float, tuple[float, float]]] = None
    for tc in cuts([c for c, _ in ours + theirs]):
        for tk in cuts([k for _, k in ours + theirs]):
            if any(c < tc and k < tk for c, k in ours):
                continue
            flagged = sum(1 for c, k in theirs if c < tc and k < tk)
            margin = min([max(c - tc, (k - tk) / 2) for c, k in ours], default=1.0)
            if best is None or (flagged, margin) > best[:2]:
                best = (flagged, margin, (tc, tk))
    return (best[2][0], best[2][1], best[0]) if best else None


def print_floor(labelled: list[tuple[float, float, bool]], nonsense: list[tuple[float, float, bool]],
                queries: list[dict], nonsense_queries: list[dict]) -> None:
    """The floor in use, how many queries of each set it flags, the nearest of each set, and a calibrated choice."""
    print(f"Relevance floor in use: no close match when the best cosine < {FLOOR_CLOSENESS} and the best keyword hit "
          f"holds < {FLOOR_COVERAGE} of the query's words (by rarity)")
    flagged_ours = [q["id"] for q, (_, _, weak) in zip(queries, labelled) if weak]
    missed = [q["id"] for q, (_, _, weak) in zip(nonsense_queries, nonsense) if not weak]
    refused = sum(1 for c, _, weak in nonsense if math.isnan(c) and weak)
    print(f"  labelled queries flagged: {len(flagged_ours)}/{len(labelled)} {' '.join(flagged_ours)}")
    print(f"  nonsense queries flagged: {len(nonsense) - len(missed)}/{len(nonsense)} "
          f"{'missed: ' + ' '.join(missed) if missed else ''}")
    for round_ in sorted({q["held_out"] for q in nonsense_queries if q.get("held_out")}):
        held_out = [q["id"] for q in nonsense_queries if q.get("held_out") == round_]
        caught = [i for i in held_out if i not in missed]
        print(f"  of those, written after round {round_} of the rules was set (held out then): {len(caught)}/{len(held_out)} "
              f"flagged now{', missed: ' + ' '.join(i for i in held_out if i in missed) if len(caught) < len(held_out) else ''}")
    print(f"  (of those, {refused} refused or settled before the two thresholds: no words; only stop words and numbers; "
          "page furniture; code syntax; mostly unknown words, see the rules below)")
    for name, points, ids in (("labelled", labelled, queries), ("nonsense", nonsense_queries and nonsense, nonsense_queries)):
        answered = [(c, k, q["id"]) for (c, k, _), q in zip(points, ids) if not math.isnan(c)]
        by_cosine = sorted(answered)[:3] if name == "labelled" else sorted(answered)[-3:]
        by_coverage = sorted(answered, key=lambda p: p[1])[-3:] if name == "nonsense" else []
        shown = ", ".join(f"{i} ({c:.3f}, {k:.2f})" for c, k, i in by_cosine + by_coverage)
        print(f"  {name}: {'lowest' if name == 'labelled' else 'highest'} cosines (cosine, coverage): {shown}")
    low_ours = [(c, k, q["id"]) for (c, k, _), q in zip(labelled, queries) if c < FLOOR_CLOSENESS]
    if low_ours:
        print("  labelled queries under the cosine floor, kept by coverage: " + ", ".join(
            f"{i} ({c:.3f}, {k:.2f})" for c, k, i in sorted(low_ours, key=lambda p: p[1])[:5]) + (" ..." if len(low_ours) > 5 else ""))
    chosen = calibrate_floor(labelled, nonsense)
    print("  calibrated (no labelled query flagged, the most nonsense ones, then the widest margin): "
          + (f"cosine {chosen[0]:.3f}, coverage {chosen[1]:.3f} flag {chosen[2]} of the {len(nonsense)} nonsense queries "
             "(of those the rules below do not settle)" if chosen else "none"))


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


# -- cross-validated choice of fusion ------------------------------------------------------

FOLDS = 5
REPEATS = 5
KEYWORD_WEIGHTS = {"rrf": (0.25, 0.5, 1.0, 1.5, 2.0), "convex": (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)}
RRF_KS = (20, 60, 120)


def fusion_grid() -> list[tuple[str, Fusion]]:
    """(family, settings) for every fusion tried: the families are the issue's (a) to (d), each with the
    default's refinements (:func:`refinement_grid`)."""
    grid: list[tuple[str, Fusion]] = []
    for level in ("passage", "action"):
        for method in ("rrf", "convex"):
            shapes = [("minmax", k) for k in RRF_KS] if method == "rrf" else [(n, 60) for n in ("minmax", "max")]
            for normalise, rrf_k in shapes:
                for weighting in ("fixed", "coverage", "shape", "both"):
                    for weight in KEYWORD_WEIGHTS[method]:
                        fusion = replace(DEFAULT_FUSION, method=method, level=level, weighting=weighting,  # type: ignore[arg-type]
                                         keyword_weight=weight, normalise=normalise, rrf_k=rrf_k)  # type: ignore[arg-type]
                        if level == "action":
                            family = "d action-level"
                        elif method == "rrf":
                            family = "a rrf"
                        elif weighting == "fixed":
                            family = "b convex"
                        else:
                            family = "c convex+query weight"
                        grid.append((family, fusion))
    return grid


PRF_DEPTHS = (3, 5, 10)
PRF_WEIGHTS = (0.25, 0.5, 1.0)
SECOND_SHARES = (0.1, 0.25, 0.5)
TITLE_BONUSES = (0.002, 0.005, 0.01)
EXPANSION_WEIGHTS = (0.3, 0.8, 1.0)


def refinement_grid(base: Fusion = DEFAULT_FUSION) -> list[tuple[str, Fusion]]:
    """(family, settings) for each refinement of ``base`` tried one at a time, each family holding ``base`` too:
    (e) pseudo-relevance feedback of the vector leg, from its own best passages or the fused ranking's; (f) an
    action scored by its best passage plus a share of its next best; (g) a title bonus; (h) the weight of
    vocabulary expansions in the keyword leg."""
    plain = replace(base, prf_depth=0, second_share=0.0, title_bonus=0.0, expansion_weight=EXPANSION_WEIGHT)
    grid: list[tuple[str, Fusion]] = [("e prf", plain)]
    grid += [("e prf", replace(plain, prf_depth=depth, prf_weight=weight, prf_source=source))  # type: ignore[arg-type]
             for source in ("dense", "fused") for depth in PRF_DEPTHS for weight in PRF_WEIGHTS]
    grid += [("f second share", replace(plain, second_share=share)) for share in (0.0,) + SECOND_SHARES]
    grid += [("g title bonus", replace(plain, title_bonus=bonus)) for bonus in (0.0,) + TITLE_BONUSES]
    grid += [("h expansion weight", replace(plain, expansion_weight=weight)) for weight in (EXPANSION_WEIGHT,) + EXPANSION_WEIGHTS]
    return grid


def fold_assignments(size: int, folds: int = FOLDS, repeats: int = REPEATS, seed: int = SEED) -> list[np.ndarray]:
    """Per repeat, each query's fold (a fresh shuffle per repeat)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(np.arange(size) % folds) for _ in range(repeats)]


def cross_validate(scores: np.ndarray, allowed: Sequence[int], assignments: list[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Held-out nDCG per query (mean over repeats) choosing, per training fold, the best of ``allowed`` grid rows.

    ``scores`` is (settings, queries). Returns the held-out scores and the settings chosen, one per fold and repeat.
    """
    held_out = np.zeros(scores.shape[1])
    chosen = []
    for folds in assignments:
        for fold in np.unique(folds):
            train, test = folds != fold, folds == fold
            best = max(allowed, key=lambda row: (scores[row, train].mean(), -row))
            chosen.append(best)
            held_out[test] += scores[best, test]
    return held_out / len(assignments), chosen


def run_cross_validation(workspace: Workspace, queries: list[dict], draws: int = DRAWS, refinements: bool = False) -> None:
    """Every fusion of :func:`fusion_grid` (or with ``refinements``, of :func:`refinement_grid`) on every query;
    per family the 5x5-fold held-out nDCG@10, with intervals."""
    vectors = query_vectors(workspace, queries)
    grid = refinement_grid() if refinements else fusion_grid()
    scores = np.array([[r["ndcg"] for r in evaluate(workspace, queries, ("hybrid",), vectors, fusion=fusion)["hybrid"]]
                       for _, fusion in grid])
    dense = np.array([r["ndcg"] for r in evaluate(workspace, queries, ("dense",), vectors)["dense"]])
    styles = np.array([q["style"] for q in queries])
    assignments = fold_assignments(len(queries))
    families = sorted({family for family, _ in grid}) + ["all"]
    resamples = bootstrap_draws(len(queries), draws)
    print(f"Fusion chosen by {FOLDS}-fold cross-validation ({REPEATS} shuffles, seed {SEED}) over {len(grid)} settings: "
          "held-out nDCG@10 (each fold's queries scored with the settings best on the other folds)\n")
    print(f"{'family':24} {'all':>7} {'95% interval':>16} {'user':>7} {'keyword':>8} {'question':>8} | "
          f"{'- dense':>7} {'95% interval':>16} | most chosen")
    for family in families:
        allowed = [i for i, (name, _) in enumerate(grid) if family in ("all", name)]
        held_out, chosen = cross_validate(scores, allowed, assignments)
        mean, low, high = interval(held_out, resamples)
        gap = interval(held_out - dense, resamples)
        by_style = [held_out[styles == style].mean() for style in STYLES]
        favourite = max(set(chosen), key=chosen.count)
        print(f"{family:24} {mean:7.3f} [{low:6.3f}, {high:6.3f}] {by_style[0]:7.3f} {by_style[1]:8.3f} {by_style[2]:8.3f} | "
              f"{gap[0]:7.3f} [{gap[1]:6.3f}, {gap[2]:6.3f}] | {grid[favourite][1].describe()} "
              f"({chosen.count(favourite)}/{len(chosen)})")
    whole = max(range(len(grid)), key=lambda row: (scores[row].mean(), -row))
    current = next((i for i, (_, f) in enumerate(grid) if f == DEFAULT_FUSION), None)
    print(f"\nBest on all queries (in-sample): {grid[whole][1].describe()} = {scores[whole].mean():.3f}; "
          f"the default ({DEFAULT_FUSION.describe()}) = "
          f"{scores[current].mean() if current is not None else float('nan'):.3f} in-sample")


# -- ablation: the steps switched off one at a time ------------------------------------------


@dataclass(frozen=True)
class Ablation:
    """One configuration: module constants set while the corpus is indexed (``passages``) and searched
    (``search``), environment variables, and the fusion; ``ranks`` False for a step that cannot move nDCG."""

    name: str
    passages: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    fusion: Optional[Fusion] = None
    ranks: bool = True


def ablations() -> list[Ablation]:
    """The current configuration, then each step of issue 13 switched off (or, for context, on) alone."""
    no_floor = {"FLOOR_CLOSENESS": 0.0, "FLOOR_COVERAGE": 0.0, "CODE_MARKS_MIN": 10**9, "UNKNOWN_SHARE": 1.0,
                "FURNITURE_NEVER_CLOSE": False}
    return [
        Ablation("current"),
        Ablation("units that answer off (furniture kept, a hit per span)", passages={"DROP_FURNITURE": False},
                 search={"UNIT_LINE_GAP": -1, "UNATTRIBUTED_MARGIN": 0.0}),
        Ablation("context in passages on", passages={"CONTEXT_IN_PASSAGES": True}),
        Ablation("fusion as before (passage-level RRF)", fusion=Fusion()),
        Ablation("no second passage share", fusion=replace(DEFAULT_FUSION, second_share=0.0)),
        Ablation("no vocabulary", environment={"NARRATIVE_SEARCH_VOCABULARY": "/nonexistent/vocabulary.csv"}),
        Ablation("no dedupe of shared sentences", passages={"SHARED_FIELD_MIN_ACTIONS": 10**9}),
        Ablation("with feedback (dense 5 x 0.25; not kept)", fusion=replace(DEFAULT_FUSION, prf_depth=5, prf_weight=0.25)),
        Ablation("floor: no furniture rule", search={"FURNITURE_NEVER_CLOSE": False}, ranks=False),
        Ablation("floor: no code rule", search={"CODE_MARKS_MIN": 10**9}, ranks=False),
        Ablation("floor: no unknown-words rule", search={"UNKNOWN_SHARE": 1.0}, ranks=False),
        Ablation("floor as before (no furniture, code, unknown rule)", search={k: v for k, v in no_floor.items() if not k.startswith("FLOOR")},
                 ranks=False),
        Ablation("floor off (refused and stop-word queries remain)", search=no_floor, ranks=False),
        Ablation("phrase marks (display only)", ranks=False),
    ]


@contextmanager
def configured(ablation: Ablation) -> Iterator[None]:
    """``ablation``'s constants and environment in force, restored after."""
    from narrative_search import passages as passages_module
    from narrative_search import search as search_module

    saved: list[tuple[Any, str, Any]] = []
    for module, values in ((passages_module, ablation.passages), (search_module, ablation.search)):
        for name, value in values.items():
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)
    environment = {name: os.environ.get(name) for name in ablation.environment}
    os.environ.update(ablation.environment)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
        for name, value in environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_ablation(folders: list[Path], queries: list[dict], scratch: Path, draws: int = DRAWS) -> None:
    """Per configuration of :func:`ablations`: hybrid nDCG@10 per style, hybrid - dense with its interval, and
    the queries the floor flags; a configuration that changes the passages is indexed in a home of its own
    (every home sharing one cache of vectors; the others share the current one)."""
    from narrative_search.embed import Embedder

    nonsense = load_queries(NONSENSE)
    held_out = [i for i, q in enumerate(nonsense) if q.get("held_out")]  # both rounds
    resamples = bootstrap_draws(len(queries), draws)
    styles = np.array([q["style"] for q in queries])
    print(f"Ablation of issue 13's steps: {len(queries)} labelled queries, nDCG@10 of the hybrid (dense: the vector leg "
          f"alone, same index), bootstrap 95% intervals ({draws} draws); floor: queries flagged no close match "
          f"(labelled / the first 28 nonsense / the {len(held_out)} written after the rules, both rounds)\n")
    print(f"{'configuration':52} {'all':>6} {'95% interval':>15} {'user':>6} {'kw':>6} {'quest':>6} | "
          f"{'dense':>6} {'hyb-dns':>7} {'95% interval':>15} | floor")
    with Embedder(cache_path=scratch / "vectors.sqlite") as embedder:
        homes: dict[str, Path] = {}
        for ablation in ablations():
            home = homes.setdefault(repr(sorted(ablation.passages.items())), scratch / f"home-{len(homes)}")
            with configured(ablation), Workspace.open(home, embedder=embedder) as workspace:
                workspace.ingest(folders)
                flagged = [weak for _, _, weak in match_evidence(workspace, queries + nonsense)]
                ours, theirs = flagged[:len(queries)], flagged[len(queries):]
                floor = (f"{sum(ours)}/{len(ours)} {sum(theirs) - sum(theirs[i] for i in held_out)}/{len(theirs) - len(held_out)} "
                         f"{sum(theirs[i] for i in held_out)}/{len(held_out)}")
                if not ablation.ranks:
                    print(f"{ablation.name:52} {'(ranking as current)':>45} | {'':>31} | {floor}")
                    continue
                results = evaluate(workspace, queries, ("dense", "hybrid"), fusion=ablation.fusion or DEFAULT_FUSION)
            hybrid = np.array([r["ndcg"] for r in results["hybrid"]])
            dense = np.array([r["ndcg"] for r in results["dense"]])
            mean, low, high = interval(hybrid, resamples)
            gap = interval(hybrid - dense, resamples)
            by_style = " ".join(f"{hybrid[styles == style].mean():6.3f}" for style in STYLES)
            print(f"{ablation.name:52} {mean:6.3f} [{low:5.3f}, {high:5.3f}] {by_style} | {dense.mean():6.3f} "
                  f"{gap[0]:7.3f} [{gap[1]:6.3f}, {gap[2]:6.3f}] | {floor}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="folder for the corpus and index (default: temporary)")
    parser.add_argument("--per-query", action="store_true", help="also print each query's scores")
    parser.add_argument("--draws", type=int, default=DRAWS, help=f"bootstrap draws (default {DRAWS})")
    parser.add_argument("--cross-validate", action="store_true",
                        help="choose the fusion of the two rankings by cross-validated nDCG@10 (slow: every setting)")
    parser.add_argument("--refinements", action="store_true",
                        help="with --cross-validate: the refinements of the default fusion (feedback, second passage, "
                             "title bonus, expansion weight) instead of the fusions")
    parser.add_argument("--ablation", action="store_true",
                        help="nDCG@10 and the floor with each of issue 13's steps switched off in turn (indexes several homes)")
    parser.add_argument("--bundled-only", action="store_true",
                        help="ingest data/ only (queries answered only in bench/corpus then score 0)")
    args = parser.parse_args()
    queries = load_queries()
    folders = [config.bundled_data_dir()] + ([] if args.bundled_only else [BENCH_CORPUS])
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        with Workspace.open(home) as workspace:
            workspace.ingest(folders)
            if args.ablation:
                run_ablation(folders, queries, Path(scratch), args.draws)
                return
            if args.cross_validate:
                run_cross_validation(workspace, queries, args.draws, args.refinements)
                return
            results = evaluate(workspace, queries)
            nonsense_queries = load_queries(NONSENSE)
            floor = (match_evidence(workspace, queries), match_evidence(workspace, nonsense_queries))
            rules = (floor_rules(workspace, queries), floor_rules(workspace, nonsense_queries))
    corpus = "bundled corpus" if args.bundled_only else "bundled corpus + bench/corpus"
    print(f"{len(queries)} labelled queries (grades 0-3), {corpus}, cutoff {CUTOFF}\n")
    print_table(summary_table(results))
    print(f"\nPer group, bootstrap 95% intervals ({args.draws} draws over queries, seed {SEED}); "
          "hyb-dns = hybrid minus dense, paired per query\n")
    print_grouped(grouped_table(results, args.draws))
    print(f"\nRelevance floor: {len(queries)} labelled vs {len(nonsense_queries)} nonsense/hostile queries, hybrid mode\n")
    print_floor(*floor, queries, nonsense_queries)
    print_floor_rules(*rules)
    if args.per_query:
        print()
        print_per_query(queries, results)


if __name__ == "__main__":
    main()
