"""The rendering layer: each message worded once, the same in the CLI and the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrative_search import cli
from narrative_search.index import Manifest
from narrative_search.model import IngestOutcome, SaveResult
from narrative_search.render.markdown import md_escape, md_plain
from narrative_search.render.text import (
    INDEX_UP_TO_DATE,
    NO_RESULTS,
    index_built_text,
    index_text,
    ingested_count_text,
    mark_terms,
    no_results,
    one_line,
    outcome_messages,
    outcome_table,
)

SAVED = IngestOutcome(
    path=Path("in/plan.txt"), result=SaveResult("plan.txt", "new", actions=3, updates=5, statuses=4,
                                                unattributed_chars=12, dropped_chars=7),
    warnings=("column 4 has no heading",), format="text", council="Rutland",
)
UNCHANGED = IngestOutcome(path=Path("in/old.pdf"), result=SaveResult("old.pdf", "unchanged", actions=2), format="pdf",
                          council="Rutland")
REFUSED = IngestOutcome(path=Path("in/scan.pdf"), error="in/scan.pdf: no text layer", reason="no text layer",
                        format="pdf")

SAVED_TEXT = ("plan.txt: new; 3 actions, 5 updates, 4 statuses, 7 banner characters dropped, "
              "12 characters kept as unattributed text")


@pytest.mark.parametrize("outcomes, expected", [
    ([SAVED], [("success", SAVED_TEXT), ("warning", "plan.txt: column 4 has no heading")]),
    ([UNCHANGED], [("success", "old.pdf: unchanged; 2 actions, 0 updates, 0 statuses, 0 banner characters dropped, "
                               "0 characters kept as unattributed text")]),
    ([REFUSED], [("error", "in/scan.pdf: no text layer")]),
    ([], []),
])
def test_outcome_messages(outcomes, expected):
    assert outcome_messages(outcomes) == expected


def test_the_cli_prints_the_outcome_messages_the_app_shows(capsys):
    """`narrative-search ingest` and the Library page say the same thing about each file."""
    outcomes = [SAVED, UNCHANGED, REFUSED]
    failed = cli._report_ingest(outcomes)
    printed = capsys.readouterr()
    assert failed == 1
    for level, message in outcome_messages(outcomes):
        assert message in (printed.err if level == "error" else printed.out)
    assert printed.err.strip() == "ERROR in/scan.pdf: no text layer"
    assert "  warning: plan.txt: column 4 has no heading" in printed.out
    assert printed.out.rstrip().endswith(ingested_count_text(outcomes)) and "2 of 3 files ingested." in printed.out


def test_outcome_table():
    lines = outcome_table([SAVED, REFUSED]).split("\n")
    assert lines == [
        "file      format  council  actions  updates  status  message",
        "--------  ------  -------  -------  -------  ------  -------",
        "plan.txt  text    Rutland        3        5  new     column 4 has no heading",
        "scan.pdf  pdf     -              -        -  error   no text layer",
    ]


@pytest.mark.parametrize("text, limit, expected", [
    ("  a\n b\tc  ", None, "a b c"),
    (None, None, ""),
    ("abcdef", 6, "abcdef"),
    ("abcdefg", 6, "abcde…"),
    ("a  b  c  d", 5, "a b …"),
])
def test_one_line(text, limit, expected):
    assert one_line(text, limit) == expected


@pytest.mark.parametrize("text, terms, expected", [
    ("peer reviews of peers", ["peer"], "[peer] reviews of peers"),
    ("Peer review", ["peer", "peer review"], "[Peer review]"),
    ("no match here", ["absent"], "no match here"),
])
def test_mark_terms(text, terms, expected):
    assert mark_terms(text, terms) == expected


@pytest.mark.parametrize("message, expected", [(None, NO_RESULTS), ("", NO_RESULTS), ("No passages match.", "No passages match.")])
def test_no_results(message, expected):
    assert no_results(message) == expected


def test_index_wording():
    manifest = Manifest(format_version=3, model_id="m", dimension=384, passage_count=1200, action_count=163,
                        corpus_hash="", store_fingerprint="", index_type="flat", built_at="now",
                        build_seconds=2.04, encoded=10, cache_hits=1190)
    assert index_text(manifest) == "Search index: 1200 passages of 163 actions (flat, 384 dimensions)"
    assert index_built_text(manifest) == (
        "Search index: 1200 passages of 163 actions (flat, 384 dimensions); 10 texts encoded, 1190 from the cache; 2.0 s.")
    assert INDEX_UP_TO_DATE.startswith("Search index:")


@pytest.mark.parametrize("text, escaped", [
    ("**3.1** [x](javascript:1)", r"\*\*3.1\*\* \[x\](javascript\:1)"),
    ("1. a\n- b <i>", r"1\. a - b \<i\>"),
    ("plain words", "plain words"),
])
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped
    assert md_plain(escaped) == " ".join(text.split())
