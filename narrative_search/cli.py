"""The `narrative-search` command: a thin mapping from commands to library calls."""

from __future__ import annotations

import atexit
import contextlib
import json
import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Iterator, Optional, TextIO

import click

from . import config
from .brief import resolve_council
from .embed import Embedder
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
    SkippedPath,
)
from .render.csv import brief_csv, weaknesses_csv
from .render.markdown import brief_markdown, weaknesses_markdown
from .render.progress import WAIT_TEXT, CountBar, StageLines, WaitLine, progress_wanted
from .render.text import (
    INDEX_BEHIND,
    INDEX_UP_TO_DATE,
    NO_CLOSE_MATCH,
    action_summary_text,
    compare_text,
    documents_text,
    index_built_text,
    ingested_count_text,
    ocr_progress_text,
    outcome_messages,
    outcome_table,
    printable,
    query_summary_text,
    search_result_text,
    similar_result_text,
    skipped_path_text,
    system_error_text,
    themes_text,
    timeline_text,
    verdicts_text,
)
from .store import CorpusStore
from .summary import summarise_action
from .weaknesses import STALE_MONTHS
from .workspace import Workspace


def open_store(home: Optional[str]) -> CorpusStore:
    folder = config.home_dir(home)
    return CorpusStore(folder / config.DATABASE_NAME, read_only=not config.home_is_writable(folder))


def open_workspace(context: click.Context) -> Workspace:
    workspace = Workspace.open(context.obj["home"])
    workspace.report_stages(StageLines(_show_progress(context)))
    workspace.show_progress = _show_progress(context)
    return workspace


def _waiting(context: click.Context, command: str) -> WaitLine:
    """Around a command's work: a line on stderr saying what it does if it is slow to answer (a cold start, a busy machine)."""
    return WaitLine(WAIT_TEXT[command], _show_progress(context))


def _show_progress(context: click.Context) -> bool:
    """Progress bars and slow-step lines: on a terminal's stderr, unless --quiet."""
    return progress_wanted(bool(context.find_root().obj.get("quiet")))


@click.group()
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder holding the database and indexes (default: $NARRATIVE_SEARCH_HOME, else ./index).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or progress lines on stderr.")
@click.pass_context
def main(context: click.Context, home: Optional[str], quiet: bool) -> None:
    """Search and summarise the progress narratives of SEND improvement plans."""
    context.obj = {"home": home, "quiet": quiet}


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--council", default=None, help="Council the documents belong to (else sources.csv, else the text).")
@click.option("--index/--no-index", "update_index", default=True, show_default=True, help="Bring the search index up to date afterwards.")
@click.option("--force", is_flag=True, help="Read every file again, even those stored unchanged.")
@click.option("--replace", is_flag=True,
              help="A file of a stored name replaces that document, even from another folder or council "
                   "(else it is kept beside it).")
@click.pass_context
def ingest(
    context: click.Context, paths: tuple[Path, ...], council: Optional[str], update_index: bool, force: bool, replace: bool
) -> None:
    """Read documents (files or folders: PDF, Word, Excel, CSV, HTML, text) into the corpus store; default: the bundled data."""
    targets = list(paths) or [config.bundled_data_dir()]
    skipped: list[SkippedPath] = []
    with open_workspace(context) as workspace, _ocr_progress_lines():
        bar = CountBar("Reading", "file", _show_progress(context))
        try:
            outcomes = workspace.ingest(targets, council=council, update_index=False, force=force, skipped=skipped,
                                         replace=replace, progress=bar.reading)
        finally:
            bar.close()
        for passed_over in skipped:
            click.echo(f"  warning: {skipped_path_text(passed_over)}")
        failed = _report_ingest(outcomes)
        if update_index:
            _update_index(workspace, force=False)
    if failed:
        sys.exit(1)


@contextlib.contextmanager
def _ocr_progress_lines() -> Iterator[None]:
    """A line on stderr for each scanned page OCR reads (seconds a page), so a long ingest shows it is working."""
    from .readers.ocr import add_progress_hook, remove_progress_hook

    def echo(path: Path, page: int, pages: int, seconds: float) -> None:
        click.echo(ocr_progress_text(path, page, pages, seconds), err=True)

    add_progress_hook(echo)
    try:
        yield
    finally:
        remove_progress_hook(echo)


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
    bar = CountBar("Encoding", "text", workspace.show_progress)
    try:
        manifest = workspace.update_index(force=force, progress=bar.encoding)
    finally:
        bar.close()
    _show_notes(workspace)
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
@click.option("--theme", "themes", multiple=True, metavar="THEME",
              help="Only actions on this national theme (id or name, see `narrative-search themes`; repeatable).")
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
    themes: tuple[str, ...],
    as_json: bool,
) -> None:
    """Search every council's plans, in your words or theirs ("quoted phrases" must appear)."""
    filters = SearchFilters(
        councils=councils, since=since, until=until, ratings=tuple(r.upper() for r in ratings),
        documents=documents, kinds=kinds, records=records, themes=themes,
    )
    with open_workspace(context) as workspace:
        with _waiting(context, "search"):
            result = workspace.search(query, k=k, filters=filters, mode=mode)
        _show_notes(workspace)
    _print_result(result, as_json)


@main.command("similar")
@click.argument("action_id")
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Actions to show.")
@click.option("--theme", default=None, metavar="THEME", help="Only actions on this national theme (id or name).")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, best first, one object per action.")
@click.pass_context
def similar_command(context: click.Context, action_id: str, k: int, theme: Optional[str], as_json: bool) -> None:
    """The closest actions of other councils to ACTION_ID, with the passages that make them close."""
    with open_workspace(context) as workspace:
        with _waiting(context, "similar"):
            result = workspace.similar(action_id, k=k, theme=theme)
        _show_notes(workspace)
    if as_json:
        _print_result(result, as_json)
        return
    click.echo(similar_result_text(result))


@main.command("timeline")
@click.argument("action_id")
@click.option("--as-of", default=None, metavar="YYYY-MM", help="Count staleness to this month (default: the latest report).")
@click.option("--json", "as_json", is_flag=True, help="The timeline as one JSON object.")
@click.pass_context
def timeline_command(context: click.Context, action_id: str, as_of: Optional[str], as_json: bool) -> None:
    """An action's updates in date order, its ratings and what each update said that was new."""
    with open_workspace(context) as workspace:
        with _waiting(context, "timeline"):
            timeline = workspace.timeline(action_id, as_of=as_of)
            summary = summarise_action(timeline)
        _show_notes(workspace)
        if as_json:
            data = timeline.to_dict()
            data["summary"] = [s.to_dict() for s in summary]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(timeline_text(timeline))
        click.echo("")
        click.echo(action_summary_text(summary))


@main.command("summary")
@click.argument("query")
@click.option("--council", "councils", multiple=True, help="Only this council (repeatable).")
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Hits to draw sentences from.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def summary_command(context: click.Context, query: str, councils: tuple[str, ...], k: int, as_json: bool) -> None:
    """How each area approaches a theme: a few representative sentences per council, with sources."""
    with open_workspace(context) as workspace:
        with _waiting(context, "summary"):
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
        with _waiting(context, "brief"):
            brief = workspace.brief(council, since=since, as_of=as_of)
        _show_notes(workspace)
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


@main.command("weaknesses")
@click.argument("council")
@click.option("--as-of", default=None, metavar="YYYY-MM", help="Roll up as it stood at this month (default: the latest report).")
@click.option("--stale-months", type=click.IntRange(min=1), default=STALE_MONTHS, show_default=True,
              help="An action with no dated update in this many months is stale.")
@click.option("--format", "output_format", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.pass_context
def weaknesses_command(
    context: click.Context, council: str, as_of: Optional[str], stale_months: int, output_format: str
) -> None:
    """COUNCIL's weaknesses as its plan groups them, each with its actions and progress rolled up."""
    with open_workspace(context) as workspace, _waiting(context, "weaknesses"):
        report = workspace.weaknesses(council, as_of=as_of, stale_months=stale_months)
    if output_format == "csv":
        click.echo(weaknesses_csv(report), nl=False)
    elif output_format == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(weaknesses_markdown(report), nl=False)


def _show_notes(workspace: Workspace) -> None:
    for note in workspace.notes:
        click.echo(note, err=True)
    workspace.notes.clear()


def _print_result(result: SearchResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([hit.to_dict() for hit in result.hits], ensure_ascii=False, indent=2))
        if result.message:
            click.echo(result.message, err=True)
        if result.index_behind:
            click.echo(INDEX_BEHIND, err=True)
        if result.weak and result.hits:
            click.echo(NO_CLOSE_MATCH, err=True)
        return
    click.echo(search_result_text(result))


@main.command()
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--council", default=None, help="Only this council's actions.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: stdout).")
@click.option("--verdicts", "verdicts_only", is_flag=True, help="Export revisit and monitoring verdicts instead of actions.")
@click.option("--themes/--no-themes", "with_themes", default=None,
              help="JSONL: each action's national themes; --themes assigns them first if out of date "
                   "(default: carried when the stored assignment is current, as after `ingest` or `index`).")
@click.pass_context
def export(
    context: click.Context, output_format: str, council: Optional[str], output: Optional[Path], verdicts_only: bool,
    with_themes: Optional[bool],
) -> None:
    """Export actions: JSONL (one action per line) or CSV (one update per row); or, with --verdicts, verdicts."""
    what = "verdicts" if verdicts_only else "actions"
    if output_format == "jsonl" and not verdicts_only and with_themes is not False:
        _export_with_themes(context, council, output, assign=bool(with_themes))
        return
    # The model loads only if some action's weakness must be inferred by similarity.
    with open_store(context.obj["home"]) as store, Embedder() as embedder:
        if output is None:
            _export(store, output_format, sys.stdout, council, verdicts_only, embedder)
            return
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = _export(store, output_format, stream, council, verdicts_only, embedder)
        click.echo(f"wrote {count} {what} to {output}", err=True)


def _export_with_themes(context: click.Context, council: Optional[str], output: Optional[Path], assign: bool) -> None:
    """The JSONL export of actions with their national themes: assigned first if ``assign``, else as stored if current."""
    with open_workspace(context) as workspace:
        assignment = workspace.theme_assignment() if assign else workspace.stored_theme_assignment()
        if assign:
            _show_notes(workspace)
        if output is None:
            export_jsonl(workspace.store, sys.stdout, council=council, embedder=workspace.embedder, themes=assignment)
            return
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = export_jsonl(workspace.store, stream, council=council, embedder=workspace.embedder,
                                 themes=assignment)
    click.echo(f"wrote {count} actions to {output}", err=True)


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


# -- national themes (issue 14 item 3) --------------------------------------------


@main.command("themes")
@click.option("--council", default=None, help="Only this council's actions.")
@click.option("--theme", default=None, metavar="THEME", help="Only this theme (id or name).")
@click.option("--reassign", is_flag=True, help="Assign every action to its themes again (after editing themes.csv).")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per theme.")
@click.pass_context
def themes_command(context: click.Context, council: Optional[str], theme: Optional[str], reassign: bool, as_json: bool) -> None:
    """Actions per national theme per council, with the verdicts known for each (themes from themes.csv)."""
    with open_workspace(context) as workspace:
        with _waiting(context, "themes"):
            if reassign:
                workspace.theme_assignment(force=True)
            overviews = workspace.themes_overview(council=council, theme=theme)
        _show_notes(workspace)
    if as_json:
        click.echo(json.dumps([overview.to_dict() for overview in overviews], ensure_ascii=False, indent=2))
        return
    click.echo(themes_text(overviews))


@main.command("compare")
@click.argument("query")
@click.option("--council", "councils", multiple=True, required=True, help="A council to compare (repeat: two to four).")
@click.option("--theme", "themes", multiple=True, metavar="THEME", help="Only actions on this national theme (id or name; repeatable).")
@click.option("--k", "k", type=click.IntRange(min=1), default=5, show_default=True, help="Actions to show per council.")
@click.option("--json", "as_json", is_flag=True, help="A JSON object: per council, its hits best first.")
@click.pass_context
def compare_command(
    context: click.Context, query: str, councils: tuple[str, ...], themes: tuple[str, ...], k: int, as_json: bool
) -> None:
    """How two to four councils approach QUERY, side by side: each council's closest actions."""
    if not 2 <= len(councils) <= 4:
        raise click.UsageError("compare two to four councils (--council A --council B ...)")
    with open_workspace(context) as workspace:
        with _waiting(context, "compare"):
            columns = workspace.compare(query, [resolve_council(workspace.store, c) for c in councils], k=k, themes=themes)
        _show_notes(workspace)
    if as_json:
        data = {council: [hit.to_dict() for hit in result.hits] for council, result in columns}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(compare_text(columns))


# -- end of national themes


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


def _export(
    store: CorpusStore, output_format: str, stream: TextIO, council: Optional[str], verdicts_only: bool = False,
    embedder: Optional[Embedder] = None,
) -> int:
    if verdicts_only:  # verdicts (issue 12, shape 7)
        export_verdicts = export_verdicts_csv if output_format == "csv" else export_verdicts_jsonl
        return export_verdicts(store, stream, council=resolve_council(store, council) if council else None)
    if output_format == "csv":  # for a spreadsheet: a cell of document text never runs as a formula
        return export_csv(store, stream, council=council, guard_formulas=True)
    return export_jsonl(store, stream, council=council, embedder=embedder)


def run() -> None:
    """Entry point that shows errors as plain messages, never tracebacks."""
    atexit.unregister(_quick_exit)  # once, however often run() is called in one process (tests)
    atexit.register(_quick_exit)
    try:
        main(standalone_mode=True)
    except NarrativeSearchError as error:  # StoreError included
        click.echo(f"error: {printable(error)}", err=True)
        sys.exit(2)
    except (OSError, sqlite3.Error) as error:  # the system refused a write: say which, never a traceback
        message = system_error_text(error)
        if message is None:
            raise
        click.echo(f"error: {message}", err=True)
        sys.exit(2)


def _quick_exit() -> None:
    """At exit, spare the interpreter the garbage collector's last pass over every object: with torch loaded (after
    the model's export, at the first build) that pass kept the prompt waiting 2.7 s after the last line on a busy
    machine (0.4 s without it). Everything is written and closed by now; modules are still torn down as usual."""
    import gc

    gc.freeze()


if __name__ == "__main__":
    run()
