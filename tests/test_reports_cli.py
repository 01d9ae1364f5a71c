"""`timeline`, `summary` and `brief` as a user runs them, and the query summary's guarantees."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from narrative_search.cli import main
from narrative_search.model import SearchFilters


def run_cli(workspace, *args: str):
    result = CliRunner().invoke(main, ["--home", str(workspace.home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_timeline_prints_updates_in_date_order_with_ratings_and_summary(workspace):
    output = run_cli(workspace, "timeline", "staffordshire/3-2-d").stdout
    months = [line.split()[0] for line in output.splitlines() if line[:4].isdigit() and line[4] == "-"]
    assert months == ["2019-10", "2019-11", "2019-12", "2020-01"]
    assert "Rating path: R, R, A, G" in output
    assert "repeats Dec 2019" in output
    assert "Now (Jan 2020): CCG Strategic Commissioning Post has been appointed" in output


def test_timeline_json_carries_entries_ratings_and_summary(workspace):
    data = json.loads(run_cli(workspace, "timeline", "telford-and-wrekin/1", "--json").stdout)
    statements = [e["month"] for e in data["entries"] if e["kind"] == "position_statement"]
    assert statements == sorted(statements) and statements[0] == "2022-01" and statements[-1] == "2022-06"
    assert data["summary"] and all(s["text"] for s in data["summary"])


def test_summary_groups_sentences_by_council_each_printed_in_a_passage(workspace):
    data = json.loads(run_cli(workspace, "summary", "tell it once", "--json").stdout)
    councils = [group["council"] for group in data["councils"]]
    assert {"Staffordshire", "Torbay"} <= set(councils)
    for group in data["councils"]:
        assert 1 <= len(group["sentences"]) <= 3
        assert all(s["council"] == group["council"] for s in group["sentences"])


def test_query_summary_sentences_are_verbatim_and_not_our_labels(workspace):
    result = workspace.search("joint commissioning strategy", k=10, explain=False)
    passages = [p.passage.text for hit in result.hits for p in hit.passages]
    summary = workspace.summarise("joint commissioning strategy", k=10)
    sentences = [s for _, group in summary.councils for s in group]
    assert len(sentences) >= 6
    for sentence in sentences:
        assert any(sentence.text in text for text in passages)
        assert not sentence.text.startswith(("Action: ", "Focus area: ", "Evidence: ", "Impact: "))
    texts = [s.text for s in sentences]
    assert len(texts) == len(set(texts))


def test_summary_of_a_filter_that_finds_nothing_says_why(workspace):
    summary = workspace.summarise("tell it once", councils=("Atlantis",))
    assert summary.councils == []
    assert summary.message.startswith("No passages match council Atlantis.")
    assert workspace.search("x", filters=SearchFilters(councils=("Atlantis",))).message == summary.message


def test_brief_in_each_format(workspace, tmp_path):
    markdown = run_cli(workspace, "brief", "Staffordshire", "--since", "2021-01").stdout
    assert markdown.startswith("# ") and "Staffordshire" in markdown.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO(run_cli(workspace, "brief", "staffordshire", "--format", "csv").stdout)))
    assert len(rows) == workspace.store.count_actions("Staffordshire")
    target = tmp_path / "brief.json"
    run_cli(workspace, "brief", "Staffordshire", "--since", "2021-01", "--format", "json", "-o", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["council"] == "Staffordshire" and data["since"] == "2021-01"
