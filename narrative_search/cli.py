"""The `narrative-search` command: a thin mapping from commands to library calls."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Optional, TextIO

import click

from . import config
from .brief import resolve_council
from .errors import NarrativeSearchError
from .export import export_csv, export_jsonl, export_verdicts_csv, export_verdicts_jsonl
from .model import (
    ACTION_KINDS,
    PASSAGE_KINDS,
    SEARCH_MODES,
    ActionKind,
    IngestOutcome,
    PassageKind,
    SearchFilters,
    SearchMode,
    SearchResult,
)
from .render.csv import brief_csv
from .render.markdown import brief_markdown
from .render.text import (
    INDEX_UP_TO_DATE,
    NO_CLOSE_MATCH,
    action_summary_text,
    documents_text,
    index_built_text,
    ingested_count_text,
    outcome_messages,
    outcome_table,
    query_summary_text,
    search_result_text,
    timeline_text,
    verdicts_text,
)
from .store import CorpusStore
from .summary import summarise_action
from .workspace import Workspace


def open_store(home: Optional[str]) -> CorpusStore:
    return CorpusStore(config.database_path(home))


def open_workspace(context: click.Context) -> Workspace:
    return Workspace.open(context.obj["home"])


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder holding the database and indexes (default: $NARRATIVE_SEARCH_HOME, else ./index).",
)
@click.pass_context
def main(context: click.Context, home: Optional[str]) -> None:
    """Search and summarise the progress narratives of SEND improvement plans."""
    context.obj = {"home": home}


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--council", default=None, help="Council the documents belong to (else sources.csv, else the text).")
@click.option("--index/--no-index", "update_index", default=True, show_default=True, help="Bring the search index up to date afterwards.")
@click.option("--force", is_flag=True, help="Read every file again, even those stored unchanged.")
@click.pass_context
def ingest(context: click.Context, paths: tuple[Path, ...], council: Optional[str], update_index: bool, force: bool) -> None:
    """Read documents (files or folders: PDF, Word, Excel, CSV, HTML, text) into the corpus store; default: the bundled data."""
    targets = list(paths) or [config.bundled_data_dir()]
    with open_workspace(context) as workspace:
        outcomes = workspace.ingest(targets, council=council, update_index=False, force=force)
        failed = _report_ingest(outcomes)
        if update_index:
            _update_index(workspace, force=False)
    if failed:
        sys.exit(1)


def _report_ingest(outcomes: list[IngestOutcome]) -> int:
    """Print what happened to each file, then the table; the number of files refused."""
    failed = 0
    for level, message in outcome_messages(outcomes):
        if level == "error":
            failed += 1
            click.echo(f"ERROR {message}", err=True)
        elif level == "warning":
            click.echo(f"  warning: {message}")
        else:
            click.echo(message)
    click.echo("")
    click.echo(outcome_table(outcomes))
    click.echo(ingested_count_text(outcomes))
    return failed


def _update_index(workspace: Workspace, force: bool) -> None:
    manifest = workspace.update_index(force=force, show_progress=sys.stderr.isatty())
    click.echo(INDEX_UP_TO_DATE if manifest is None else index_built_text(manifest))


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even if the index is up to date.")
@click.pass_context
def index_command(context: click.Context, rebuild: bool) -> None:
    """Build or update the search index from what is ingested."""
    with open_workspace(context) as workspace:
        _update_index(workspace, force=rebuild)


@main.command("search")
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Actions to show.")
@click.option("--council", "councils", multiple=True, help="Only this council (repeatable).")
@click.option("--since", default=None, metavar="YYYY-MM", help="Only updates dated from this month.")
@click.option("--until", default=None, metavar="YYYY-MM", help="Only updates dated up to this month.")
@click.option("--status", "ratings", multiple=True, type=click.Choice(["R", "A", "G", "B"], case_sensitive=False), help="Only passages with this rating in force (repeatable).")
@click.option("--document", "documents", multiple=True, help="Only this document (file name, repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(PASSAGE_KINDS), help="Only this kind of passage (repeatable).")
@click.option("--record", "records", multiple=True, type=click.Choice(ACTION_KINDS),
              help="Only passages of this kind of record: plan actions or sections of prose documents (repeatable).")
@click.option("--mode", type=click.Choice(SEARCH_MODES), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON list, best first, one object per action.")
@click.pass_context
def search_command(
    context: click.Context,
    query: str,
    k: int,
    councils: tuple[str, ...],
    since: Optional[str],
    until: Optional[str],
    ratings: tuple[str, ...],
    documents: tuple[str, ...],
    kinds: tuple[PassageKind, ...],
    records: tuple[ActionKind, ...],
    mode: SearchMode,
    as_json: bool,
) -> None:
    """Search every council's plans, in your words or theirs ("quoted phrases" must appear)."""
    filters = SearchFilters(
        councils=councils, since=since, until=until, ratings=tuple(r.upper() for r in ratings),
        documents=documents, kinds=kinds, records=records,
    )
    with open_workspace(context) as workspace:
        result = workspace.search(query, k=k, filters=filters, mode=mode)
        _show_notes(workspace)
    _print_result(result, as_json)


@main.command("similar")
@click.argument("action_id")
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Actions to show.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, best first, one object per action.")
@click.pass_context
def similar_command(context: click.Context, action_id: str, k: int, as_json: bool) -> None:
    """The closest actions of other councils to ACTION_ID, with the passages that make them close."""
    with open_workspace(context) as workspace:
        result = workspace.similar(action_id, k=k)
        _show_notes(workspace)
    _print_result(result, as_json)


@main.command("timeline")
@click.argument("action_id")
@click.option("--as-of", default=None, metavar="YYYY-MM", help="Count staleness to this month (default: the latest report).")
@click.option("--json", "as_json", is_flag=True, help="The timeline as one JSON object.")
@click.pass_context
def timeline_command(context: click.Context, action_id: str, as_of: Optional[str], as_json: bool) -> None:
    """An action's updates in date order, its ratings and what each update said that was new."""
    with open_workspace(context) as workspace:
        timeline = workspace.timeline(action_id, as_of=as_of)
        if as_json:
            data = timeline.to_dict()
            data["summary"] = [s.to_dict() for s in summarise_action(timeline)]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(timeline_text(timeline))
        click.echo("")
        click.echo(action_summary_text(summarise_action(timeline)))


@main.command("summary")
@click.argument("query")
@click.option("--council", "councils", multiple=True, help="Only this council (repeatable).")
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Hits to draw sentences from.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def summary_command(context: click.Context, query: str, councils: tuple[str, ...], k: int, as_json: bool) -> None:
    """How each area approaches a theme: a few representative sentences per council, with sources."""
    with open_workspace(context) as workspace:
        summary = workspace.summarise(query, councils=councils, k=k)
        _show_notes(workspace)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(query_summary_text(summary))


@main.command("brief")
@click.argument("council")
@click.option("--since", default=None, metavar="YYYY-MM", help="List what changed from this month.")
@click.option("--as-of", default=None, metavar="YYYY-MM", help="The brief as it stood at this month (default: the latest report).")
@click.option("--format", "output_format", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: stdout).")
@click.pass_context
def brief_command(
    context: click.Context, council: str, since: Optional[str], as_of: Optional[str], output_format: str, output: Optional[Path]
) -> None:
    """A revisit brief for COUNCIL: ratings by review date, what got worse, stalled, completed, changed."""
    with open_workspace(context) as workspace:
        brief = workspace.brief(council, since=since, as_of=as_of)
    if output_format == "csv":
        text = brief_csv(brief)
    elif output_format == "json":
        text = json.dumps(brief.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = brief_markdown(brief)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"wrote the {council} brief to {output}", err=True)


def _show_notes(workspace: Workspace) -> None:
    for note in workspace.notes:
        click.echo(note, err=True)
    workspace.notes.clear()


def _print_result(result: SearchResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([hit.to_dict() for hit in result.hits], ensure_ascii=False, indent=2))
        if result.message:
            click.echo(result.message, err=True)
        if result.weak and result.hits:
            click.echo(NO_CLOSE_MATCH, err=True)
        return
    click.echo(search_result_text(result))


@main.command()
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--council", default=None, help="Only this council's actions.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: stdout).")
@click.option("--verdicts", "verdicts_only", is_flag=True, help="Export revisit and monitoring verdicts instead of actions.")
@click.pass_context
def export(
    context: click.Context, output_format: str, council: Optional[str], output: Optional[Path], verdicts_only: bool
) -> None:
    """Export actions: JSONL (one action per line) or CSV (one update per row); or, with --verdicts, verdicts."""
    what = "verdicts" if verdicts_only else "actions"
    with open_store(context.obj["home"]) as store:
        if output is None:
            _export(store, output_format, sys.stdout, council, verdicts_only)
            return
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = _export(store, output_format, stream, council, verdicts_only)
        click.echo(f"wrote {count} {what} to {output}", err=True)


# -- verdicts (issue 12, shape 7) --------------------------------------------------


@main.command("verdicts")
@click.option("--council", default=None, help="Only this council's verdicts.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, newest first, one object per verdict.")
@click.pass_context
def verdicts_command(context: click.Context, council: Optional[str], as_json: bool) -> None:
    """Revisit and monitoring verdicts (sufficient, insufficient, closed, still monitored), newest first."""
    with open_store(context.obj["home"]) as store:
        found = store.verdicts(resolve_council(store, council) if council else None)
    if as_json:
        click.echo(json.dumps([verdict.to_dict() for verdict in found], ensure_ascii=False, indent=2))
        return
    click.echo(verdicts_text(found))


# -- end of verdicts


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
@click.pass_context
def documents(context: click.Context, as_json: bool) -> None:
    """List what is ingested: documents, council, as-of month, counts, warnings."""
    with open_store(context.obj["home"]) as store:
        summaries = store.document_summary()
    if as_json:
        for summary in summaries:
            click.echo(json.dumps(asdict(summary), ensure_ascii=False))
        return
    click.echo(documents_text(summaries))


def _export(store: CorpusStore, output_format: str, stream: TextIO, council: Optional[str], verdicts_only: bool = False) -> int:
    if verdicts_only:  # verdicts (issue 12, shape 7)
        export_verdicts = export_verdicts_csv if output_format == "csv" else export_verdicts_jsonl
        return export_verdicts(store, stream, council=resolve_council(store, council) if council else None)
    if output_format == "csv":
        return export_csv(store, stream, council=council)
    return export_jsonl(store, stream, council=council)


def run() -> None:
    """Entry point that shows errors as plain messages, never tracebacks."""
    try:
        main(standalone_mode=True)
    except NarrativeSearchError as error:  # StoreError included
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
