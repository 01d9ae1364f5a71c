"""Check the labelled query set in ``bench/queries.json`` against a corpus export.

Usage::

    python bench/check_queries.py [actions.jsonl]

Without an argument the bundled corpus and the bench's prose corpus
(``bench/corpus/``) are ingested into a temporary home and exported there.
Checks:

* at least 80 queries, at least 12 of each style ("user", "keyword"); styles
  are "user", "keyword" or "question"; personas are "adviser", "inspector" or
  "officer"; every query has a note;
* unique query ids; every relevant action or section id exists in the export;
  grades are 1, 2 or 3; every query has at least one grade-3 action;
* a "user" query shares no content word (stopwords ignored, lower-cased,
  simple stemming) with the text of any of its grade-3 actions; overlaps are
  printed;
* at least 3 "keyword" queries hold a quoted phrase that appears verbatim
  (case-insensitive) in one of their grade-3 actions;
* every council of the export is the home of a grade-3 answer of some query.

The "text" of an action is every free-text field of its record: action,
focus area, priority, lead, evidence, impact, the other columns' values, every
update (and its variant printings) and earlier wordings. Prints a summary table
and exits 1 on any failure.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from narrative_search.search import light_stem  # noqa: E402  (the stemming the search uses to measure coverage)

QUERIES = Path(__file__).resolve().parent / "queries.json"
BENCH_CORPUS = Path(__file__).resolve().parent / "corpus"
STYLES = ("user", "keyword", "question")
PERSONAS = ("adviser", "inspector", "officer")
GRADES = (1, 2, 3)
TOP_GRADE = 3
MIN_QUERIES, MIN_PER_STYLE, MIN_QUOTED = 80, 12, 3

STOPWORDS = set(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further get
    got had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves""".split()
)


def content_stems(text: str) -> set[str]:
    """Stems of the words of ``text`` that are not stopwords (letters and digits only)."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'s", ""))
    return {light_stem(w) for w in words if w not in STOPWORDS and len(w) > 1}


def action_text(record: dict) -> str:
    """Every free-text field of one exported action, joined."""
    parts = [record.get(key) or "" for key in ("action", "focus_area", "priority", "lead", "evidence", "impact")]
    parts += [str(value) for value in (record.get("fields") or {}).values()]
    for update in record.get("updates") or []:
        parts.append(update.get("text") or "")
        parts += [variant.get("text") or "" for variant in update.get("variants") or []]
    for earlier in record.get("earlier_wording") or []:
        parts += [str(value) for value in earlier.values() if isinstance(value, (str, dict))]
    return "\n".join(parts)


def load_export(path: str | None) -> dict[str, dict]:
    """Export records by action id, from ``path`` or from a fresh ingest of the bundled and bench corpora."""
    if path:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    else:
        import io

        from narrative_search import config
        from narrative_search.export import export_jsonl
        from narrative_search.store import CorpusStore
        from narrative_search.workspace import ingest_paths

        with tempfile.TemporaryDirectory() as home:
            out = io.StringIO()
            with CorpusStore(config.database_path(home)) as store:
                ingest_paths(store, [config.bundled_data_dir(), BENCH_CORPUS])
                export_jsonl(store, out)
            lines = out.getvalue().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return {record["id"]: record for record in records}


def check(queries: list[dict], actions: dict[str, dict]) -> list[str]:
    """Every problem found, as one line each (empty: all good)."""
    problems = []
    styles = Counter(q.get("style") for q in queries)
    if len(queries) < MIN_QUERIES:
        problems.append(f"only {len(queries)} queries (need {MIN_QUERIES})")
    for style in ("user", "keyword"):
        if styles[style] < MIN_PER_STYLE:
            problems.append(f"only {styles[style]} {style!r} queries (need {MIN_PER_STYLE})")
    for qid, count in Counter(q.get("id") for q in queries).items():
        if count > 1:
            problems.append(f"query id {qid} used {count} times")
    quoted_ok = 0
    for q in queries:
        qid, relevant = q.get("id"), q.get("relevant") or {}
        if q.get("style") not in STYLES:
            problems.append(f"{qid}: style {q.get('style')!r}")
        if q.get("persona") not in PERSONAS:
            problems.append(f"{qid}: persona {q.get('persona')!r}")
        if not q.get("note"):
            problems.append(f"{qid}: no note giving the reason for its grades")
        for action_id, grade in relevant.items():
            if action_id not in actions:
                problems.append(f"{qid}: unknown action id {action_id}")
            if grade not in GRADES:
                problems.append(f"{qid}: grade {grade!r} for {action_id}")
        best = [a for a, g in relevant.items() if g == TOP_GRADE and a in actions]
        if not best:
            problems.append(f"{qid}: no grade-{TOP_GRADE} action")
        if q.get("style") == "user":
            words = content_stems(q["query"])
            for action_id in best:
                shared = words & content_stems(action_text(actions[action_id]))
                if shared:
                    problems.append(f"{qid}: shares {sorted(shared)} with {action_id}")
        phrases = re.findall(r'"([^"]+)"', q["query"])
        if q.get("style") == "keyword" and phrases:
            texts = [" ".join(action_text(actions[a]).lower().split()) for a in best]
            found = [p for p in phrases if any(" ".join(p.lower().split()) in t for t in texts)]
            if found:
                quoted_ok += 1
            else:
                problems.append(f"{qid}: quoted {phrases} in no grade-{TOP_GRADE} action")
    if quoted_ok < MIN_QUOTED:
        problems.append(f"only {quoted_ok} keyword queries with a verbatim quoted phrase (need {MIN_QUOTED})")
    answered = {actions[a]["council"] for q in queries for a, g in (q.get("relevant") or {}).items()
                if g == TOP_GRADE and a in actions}
    for council in sorted({record["council"] for record in actions.values()} - answered):
        problems.append(f"council {council} answers no query at grade {TOP_GRADE}")
    return problems


def summary(queries: list[dict], actions: dict[str, dict]) -> str:
    """One row per query: id, style, grade counts, councils of the relevant actions, query."""
    rows = [f"{'id':4} {'style':8} {'persona':9} {'g3':>2} {'g2':>2} {'g1':>2}  {'councils':23} query"]
    for q in queries:
        relevant = q.get("relevant") or {}
        grades = Counter(relevant.values())
        councils = sorted({actions[a]["council"][:3] for a in relevant if a in actions})
        rows.append(f"{q['id']:4} {q['style']:8} {q.get('persona', ''):9} {grades[3]:>2} {grades[2]:>2} {grades[1]:>2}"
                    f"  {','.join(councils):23} {q['query'][:70]}")
    per_council = Counter(actions[a]["council"] for q in queries for a in (q.get("relevant") or {}) if a in actions)
    queries_per_council = Counter(
        council for q in queries for council in {actions[a]["council"] for a in q.get("relevant") or {} if a in actions}
    )
    multi = sum(1 for q in queries if len({actions[a]["council"] for a in q.get("relevant") or {} if a in actions}) > 1)
    rows.append("")
    rows.append(f"queries: {len(queries)} ({', '.join(f'{s}: {n}' for s, n in Counter(q['style'] for q in queries).items())}); "
                f"{multi} with relevant actions in more than one council")
    for council in sorted(queries_per_council):
        rows.append(f"  {council:20} {queries_per_council[council]:>2} queries, {per_council[council]:>3} judgements")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    actions = load_export(argv[1] if len(argv) > 1 else None)
    print(f"{len(actions)} actions in the export\n")
    print(summary(queries, actions))
    problems = check(queries, actions)
    print()
    for problem in problems:
        print(f"FAIL {problem}")
    print("OK: all checks passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
