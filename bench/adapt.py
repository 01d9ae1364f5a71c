"""Domain adaptation of the embedding model, measured leave-one-council-out (issue 13, item 9).

    .venv/bin/python bench/adapt.py [--epochs N] [--batch-size N] [--lr X] [--warmup X] [--max-seq-length N]
                                    [--groups A+B,C] [--draws N] [--json OUT]

Fine-tunes the packaged all-MiniLM-L6-v2 on pairs the corpus gives for free
(no labels, never the bench queries or their grades), with
sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives):

- an action's text and each of its updates / position statements / commitments,
  and its evidence and impact columns (the plan's own status text);
- a prose section's heading and each dated part of its body (stored the same
  way: the heading is the section's title, the body its updates);
- a focus area heading and each action under it;
- each concept of the SEND vocabulary (``data/send_vocabulary.csv``): its term
  and each of its other forms.

Pairs are built from the stored records (``CorpusStore.iter_actions``), not by
reading files again. A batch never holds the same text twice (a shared focus
area would otherwise be its own in-batch negative): batches are filled
greedily from a seeded shuffle, a pair whose text is already in the batch
waiting for a later one, as sentence-transformers' ``NoDuplicatesBatchSampler``
does. Training is a plain loop over that loss (AdamW, linear warmup then decay,
gradients clipped at 1.0), seeded and deterministic on CPU; sentence-transformers'
Trainer would need the ``datasets`` and ``accelerate`` packages, which the
project does not install.

Evaluation, leave-one-council-out: the councils are held out in groups
(``FOLD_GROUPS``, fixed by size before any result; one model per council took
too long on the shared 2-core machine); for each group, the model is trained
on the pairs of the other councils (and the vocabulary) only, and for each
council of the group a fresh home holds only that council's documents, so
search ranks only its units, text the adapted model never saw. Every query with a graded id in that council is
run there, graded by its grades restricted to that council's ids; a query
answered in two councils counts once per council. The packaged and the adapted
model are run on exactly the same (query, council) pairs in the same run, in
dense and hybrid mode (hybrid is the project's own search over the adapted
vectors; keyword mode does not depend on the model and is shown once).

Printed: per group held out, the pairs trained on, the training time and the
queries graded in each of its councils; then per group (all and each style) nDCG@10 and
recall@10 of each model and mode, and the paired difference adapted -
packaged with a bootstrap 95% interval (the observations resampled with
replacement, the same draws for every column). ``--json OUT`` keeps every
figure and every observation.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import BENCH_CORPUS, DRAWS, SEED, STYLES, bootstrap_draws, evaluate, interval, load_queries  # noqa: E402

from narrative_search import config  # noqa: E402
from narrative_search.embed import Embedder, default_model_path  # noqa: E402
from narrative_search.model import MergedAction, SearchMode  # noqa: E402
from narrative_search.refs import is_bare_reference  # noqa: E402
from narrative_search.vocabulary import Vocabulary, default_vocabulary  # noqa: E402
from narrative_search.workspace import Workspace  # noqa: E402

#: Fixed before any result was seen (bench/README.md): the run that decides.
EPOCHS = 3
BATCH_SIZE = 32
LEARNING_RATE = 2e-5
WARMUP = 0.1
MAX_SEQ_LENGTH = 128
TRAIN_SEED = 42
#: Shorter texts teach nothing (a bare "Yes", a rating letter).
MIN_CHARS = 12
MODEL_MODES: tuple[SearchMode, ...] = ("dense", "hybrid")
#: Councils held out together (one model trained per group), fixed by size before any result: training one model
#: per council took too long on the shared 2-core machine (about 10 s a step under load).
FOLD_GROUPS = (("Staffordshire", "Sefton"), ("Torbay", "Rutland"), ("Leicestershire", "Halton"), ("Telford and Wrekin",))
#: Torch threads while training: on a busy 2-core machine one thread is faster than two waiting at each barrier.
TRAIN_THREADS = 1


@dataclass(frozen=True)
class Pair:
    """One training pair: the shorter, query-like text first, the text it should find second."""

    kind: str  # "update", "status", "focus", "vocabulary"
    council: str  # "" for the vocabulary
    anchor: str
    positive: str


@dataclass
class Settings:
    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE
    warmup: float = WARMUP
    max_seq_length: int = MAX_SEQ_LENGTH
    seed: int = TRAIN_SEED


# -- pairs -----------------------------------------------------------------------


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _usable(text: str) -> bool:
    return len(text) >= MIN_CHARS and not is_bare_reference(text)


def action_pairs(action: MergedAction) -> list[Pair]:
    """An action's (or section's) text with each of its updates, its evidence and impact, and its focus area with it."""
    title = _clean(action.action)
    if not _usable(title):
        return []
    pairs = [Pair("update", action.council, title, _clean(u.text)) for u in action.updates]
    pairs += [Pair("status", action.council, title, _clean(text)) for text in (action.evidence, action.impact)]
    if action.kind == "action":  # a section's "focus area" is its page's title, not a heading above it
        pairs.append(Pair("focus", action.council, _clean(action.focus_area), title))
    return [p for p in pairs if _usable(p.anchor) and _usable(p.positive) and p.anchor != p.positive]


def vocabulary_pairs(vocabulary: Vocabulary) -> list[Pair]:
    """Each concept's term with each of its other forms (plurals of the same form left out)."""
    pairs = []
    for concept in vocabulary.concepts:
        for form in concept.forms[1:]:
            if form.lower().rstrip("s") != concept.term.lower().rstrip("s"):
                pairs.append(Pair("vocabulary", "", concept.term, form))
    return pairs


def training_pairs(actions: Iterable[MergedAction], vocabulary: Vocabulary, leave_out: Sequence[str] = ()) -> list[Pair]:
    """Every pair of the actions of councils not in ``leave_out``, and of the vocabulary: deduplicated, sorted."""
    pairs = {p for a in actions if a.council not in leave_out for p in action_pairs(a)}
    pairs |= set(vocabulary_pairs(vocabulary))
    return sorted(pairs, key=lambda p: (p.kind, p.council, p.anchor, p.positive))


def no_duplicate_batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of a seeded shuffle in which no text appears twice; a pair that would repeat one waits for a later batch."""
    waiting = list(pairs)
    rng.shuffle(waiting)
    batches = []
    while waiting:
        batch: list[Pair] = []
        texts: set[str] = set()
        later = []
        for pair in waiting:
            if len(batch) < batch_size and pair.anchor not in texts and pair.positive not in texts:
                batch.append(pair)
                texts.update((pair.anchor, pair.positive))
            else:
                later.append(pair)
        batches.append(batch)
        waiting = later
    return [b for b in batches if len(b) > 1]  # one pair alone has no negative


# -- training --------------------------------------------------------------------


def train(pairs: Sequence[Pair], out: Path, settings: Settings, base: Optional[Path] = None) -> dict[str, Any]:
    """Fine-tune the packaged model (or ``base``) on ``pairs`` into ``out``; returns steps, seconds and the last losses."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(TRAIN_THREADS)
    started = time.perf_counter()
    model = SentenceTransformer(str(base or default_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = settings.max_seq_length
    loss = MultipleNegativesRankingLoss(model)
    rng = random.Random(settings.seed)
    epochs = [no_duplicate_batches(pairs, settings.batch_size, rng) for _ in range(settings.epochs)]
    total = sum(len(e) for e in epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(settings.warmup * total), total)
    model.train()
    losses = []
    for batches in epochs:
        for batch in batches:
            features = [model.tokenize([p.anchor for p in batch]), model.tokenize([p.positive for p in batch])]
            value = loss(features, None)
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(float(value.detach()))
    model.eval()
    torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return {"steps": total, "seconds": time.perf_counter() - started, "pairs": len(pairs),
            "loss_first": float(np.mean(losses[: max(1, len(losses) // 10)])) if losses else None,
            "loss_last": float(np.mean(losses[-max(1, len(losses) // 10):])) if losses else None}


# -- leave one council out -------------------------------------------------------


def council_files() -> dict[str, list[Path]]:
    """Each council's documents, from the ``sources.csv`` of data/ and bench/corpus/."""
    files: dict[str, list[Path]] = defaultdict(list)
    for folder in (config.bundled_data_dir(), BENCH_CORPUS):
        with (folder / "sources.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                files[row["council"]].append(folder / row["file"])
    return dict(files)


def restricted(queries: list[dict], ids: set[str]) -> list[dict]:
    """The queries with a graded id among ``ids``, their grades restricted to those ids."""
    chosen = []
    for q in queries:
        grades = {key: grade for key, grade in q["relevant"].items() if key in ids}
        if grades:
            chosen.append({**q, "relevant": grades})
    return chosen


def run_fold(council: str, files: list[Path], queries: list[dict], model: Optional[Path], scratch: Path,
             modes: Sequence[SearchMode]) -> tuple[list[dict], dict[str, list[dict]]]:
    """(the fold's queries, per mode their records) with only ``council``'s documents ingested, ranked by ``model``."""
    home = scratch / f"home-{'adapted' if model else 'packaged'}-{re.sub(r'[^a-z]+', '-', council.lower())}"
    with Embedder(model, cache_path=None, onnx_dir=None) as embedder, Workspace.open(home, embedder=embedder) as ws:
        ws.ingest(files, council=council)
        ids = {a.id for a in ws.store.iter_actions()}
        fold_queries = restricted(queries, ids)
        return fold_queries, evaluate(ws, fold_queries, modes)


def leave_one_council_out(groups: Sequence[Sequence[str]], settings: Settings, scratch: Path) -> dict[str, Any]:
    """Per group: train without its councils, evaluate packaged and adapted on each of them. Returns folds and observations."""
    files = council_files()
    queries = load_queries()
    with Workspace.open(scratch / "all") as ws:
        ws.ingest([config.bundled_data_dir(), BENCH_CORPUS], update_index=False)
        actions = list(ws.store.iter_actions())
    vocabulary = default_vocabulary()
    folds, observations = [], []
    for group in groups:
        pairs = training_pairs(actions, vocabulary, leave_out=group)
        folder = scratch / f"model-{re.sub(r'[^a-z]+', '-', '+'.join(group).lower())}"
        trained = train(pairs, folder, settings)
        kinds = {kind: sum(1 for p in pairs if p.kind == kind) for kind in sorted({p.kind for p in pairs})}
        print(f"  without {' + '.join(group)}: {trained['pairs']} pairs {kinds}, {trained['steps']} steps in "
              f"{trained['seconds']:.0f} s (loss {trained['loss_first']:.3f} -> {trained['loss_last']:.3f})", flush=True)
        folds.append({"held_out": list(group), "kinds": kinds, **trained})
        observations += [o for council in group for o in evaluate_fold(council, files[council], queries, folder, scratch)]
    return {"folds": folds, "observations": observations}


def evaluate_fold(council: str, files: list[Path], queries: list[dict], folder: Path, scratch: Path) -> list[dict]:
    """One observation per query graded in ``council``: keyword, and packaged and adapted in dense and hybrid mode."""
    fold_queries, packaged = run_fold(council, files, queries, None, scratch, ("keyword", *MODEL_MODES))
    _, adapted = run_fold(council, files, queries, folder, scratch, MODEL_MODES)
    print(f"    {council}: {len(fold_queries)} queries graded there", flush=True)
    observations = []
    for i, q in enumerate(fold_queries):
        row: dict[str, Any] = {"query": q["id"], "council": council, "style": q["style"]}
        for metric in ("ndcg", "recall"):
            row[f"keyword_{metric}"] = packaged["keyword"][i][metric]
            for mode in MODEL_MODES:
                row[f"packaged_{mode}_{metric}"] = packaged[mode][i][metric]
                row[f"adapted_{mode}_{metric}"] = adapted[mode][i][metric]
        observations.append(row)
    return observations


# -- tables ----------------------------------------------------------------------


def comparison_table(observations: list[dict], draws: int = DRAWS) -> list[dict]:
    """Per group, mode and metric: packaged, adapted and adapted - packaged, each (mean, low, high)."""
    rows = []
    groups = [("all", observations)] + [(f"style={s}", [o for o in observations if o["style"] == s]) for s in STYLES]
    for name, chosen in groups:
        if not chosen:
            continue
        resamples = bootstrap_draws(len(chosen), draws, SEED)
        for mode in MODEL_MODES:
            for metric in ("ndcg", "recall"):
                packaged = np.array([o[f"packaged_{mode}_{metric}"] for o in chosen])
                adapted = np.array([o[f"adapted_{mode}_{metric}"] for o in chosen])
                rows.append({"group": name, "n": len(chosen), "mode": mode, "metric": metric,
                             "keyword": float(np.mean([o[f"keyword_{metric}"] for o in chosen])),
                             "packaged": interval(packaged, resamples), "adapted": interval(adapted, resamples),
                             "difference": interval(adapted - packaged, resamples)})
    return rows


def print_comparison(rows: list[dict]) -> None:
    print(f"{'group':15} {'n':>3} {'mode':6} {'metric':7} | {'keyword':>7} | {'packaged':>8} | {'adapted':>8} | "
          f"{'adapted - packaged':>18} {'95% interval':>16}")
    previous = None
    for row in rows:
        if previous is not None and row["group"] != previous:
            print()
        previous = row["group"]
        gap = row["difference"]
        name = "nDCG@10" if row["metric"] == "ndcg" else "R@10"
        print(f"{row['group']:15} {row['n']:>3} {row['mode']:6} {name:7} | {row['keyword']:7.3f} | {row['packaged'][0]:8.3f} | "
              f"{row['adapted'][0]:8.3f} | {gap[0]:+18.3f} [{gap[1]:+6.3f}, {gap[2]:+6.3f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs over the pairs (default {EPOCHS})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"pairs per batch (default {BATCH_SIZE})")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE, help=f"peak learning rate (default {LEARNING_RATE})")
    parser.add_argument("--warmup", type=float, default=WARMUP, help=f"share of steps warming up (default {WARMUP})")
    parser.add_argument("--max-seq-length", type=int, default=MAX_SEQ_LENGTH, help=f"tokens per text (default {MAX_SEQ_LENGTH})")
    parser.add_argument("--seed", type=int, default=TRAIN_SEED, help=f"training seed (default {TRAIN_SEED})")
    parser.add_argument("--groups", default="", help="councils held out together: 'A+B,C' (default: "
                        + ",".join("+".join(g) for g in FOLD_GROUPS) + ")")
    parser.add_argument("--draws", type=int, default=DRAWS, help=f"bootstrap draws (default {DRAWS})")
    parser.add_argument("--json", type=Path, default=None, help="write every figure and observation here")
    args = parser.parse_args()
    settings = Settings(args.epochs, args.batch_size, args.lr, args.warmup, args.max_seq_length, args.seed)
    groups = [[c.strip() for c in g.split("+")] for g in args.groups.split(",") if g.strip()] or FOLD_GROUPS
    unknown = {c for g in groups for c in g} - set(council_files())
    if unknown:
        parser.error(f"no such council in data/ or bench/corpus/: {', '.join(sorted(unknown))}")
    load = os.getloadavg()[0]
    print(f"Leave-one-council-out adaptation of all-MiniLM-L6-v2: {settings}; load average {load:.2f} at start\n", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        found = leave_one_council_out(groups, settings, Path(scratch))
    rows = comparison_table(found["observations"], args.draws)
    seconds = [f["seconds"] for f in found["folds"]]
    print(f"\nTraining: {len(seconds)} models, {sum(seconds):.0f} s in all, {np.mean(seconds):.0f} s a fold (2 shared cores, "
          f"load {os.getloadavg()[0]:.2f} at the end)")
    print(f"\n(query, council) observations graded within the held-out council; bootstrap 95% intervals "
          f"({args.draws} draws, seed {SEED}), paired\n")
    print_comparison(rows)
    if args.json:
        args.json.write_text(json.dumps({"settings": asdict(settings), "groups": groups, **found, "table": rows},
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
