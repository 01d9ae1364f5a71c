"""The `narrative-search` command: a thin mapping from commands to library calls."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import click

from . import config
from .errors import DocumentError, NarrativeSearchError
from .export import export_csv, export_jsonl
from .ingest import iter_document_paths, load_manifest, read_document
from .store import CorpusStore, SaveResult, StoreError


@dataclass
class IngestOutcome:
    """What happened to one file: saved (with counts) or refused (with why)."""

    path: Path
    result: Optional[SaveResult] = None
    error: Optional[str] = None
    warnings: tuple[str, ...] = ()


def ingest_paths(store: CorpusStore, paths: list[Path], council: Optional[str] = None) -> list[IngestOutcome]:
    """Read and store every file under the paths; a bad file never stops the rest."""
    outcomes = []
    manifests: dict[Path, dict] = {}
    for path in iter_document_paths(paths):
        try:
            folder = path.parent
            if folder not in manifests:
                manifests[folder] = load_manifest(folder)
            reading = read_document(path, council=council, entry=manifests[folder].get(path.name))
            result = store.save_reading(reading)
            outcomes.append(IngestOutcome(path=path, result=result, warnings=tuple(reading.warnings)))
        except DocumentError as error:
            outcomes.append(IngestOutcome(path=path, error=str(error)))
    return outcomes


def open_store(home: Optional[str]) -> CorpusStore:
    return CorpusStore(config.database_path(home))


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
@click.pass_context
def ingest(context: click.Context, paths: tuple[Path, ...], council: Optional[str]) -> None:
    """Read documents (files or folders) into the corpus store; default: the bundled data."""
    targets = list(paths) or [config.bundled_data_dir()]
    with open_store(context.obj["home"]) as store:
        outcomes = ingest_paths(store, targets, council=council)
    failed = 0
    for outcome in outcomes:
        if outcome.error:
            failed += 1
            click.echo(f"ERROR {outcome.error}", err=True)
            continue
        result = outcome.result
        assert result is not None
        click.echo(
            f"{result.document}: {result.status}; {result.actions} actions, {result.updates} updates, "
            f"{result.statuses} statuses, {result.dropped_chars} banner characters dropped, "
            f"{result.unattributed_chars} characters kept as unattributed text"
        )
        for warning in outcome.warnings:
            click.echo(f"  warning: {warning}")
    click.echo(f"{len(outcomes) - failed} of {len(outcomes)} files ingested.")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--council", default=None, help="Only this council's actions.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write (default: stdout).")
@click.pass_context
def export(context: click.Context, output_format: str, council: Optional[str], output: Optional[Path]) -> None:
    """Export actions: JSONL (one action per line) or CSV (one update per row)."""
    with open_store(context.obj["home"]) as store:
        if output is None:
            _export(store, output_format, sys.stdout, council)
            return
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = _export(store, output_format, stream, council)
        click.echo(f"wrote {count} actions to {output}", err=True)


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
    if not summaries:
        click.echo("Nothing ingested yet: run `narrative-search ingest` to read the bundled corpus.")
        return
    header = f"{'document':28} {'council':20} {'as of':8} {'actions':>7} {'updates':>7} {'statuses':>8} {'dropped':>7} {'unattributed':>12}"
    click.echo(header)
    for s in summaries:
        click.echo(
            f"{s.name[:28]:28} {s.council[:20]:20} {s.as_of or '-':8} {s.actions:>7} {s.updates:>7} "
            f"{s.statuses:>8} {s.dropped_chars:>7} {s.unattributed_chars:>12}"
        )
        for warning in s.warnings:
            click.echo(f"    warning: {warning}")


def _export(store: CorpusStore, output_format: str, stream, council: Optional[str]) -> int:
    if output_format == "csv":
        return export_csv(store, stream, council=council)
    return export_jsonl(store, stream, council=council)


def run() -> None:
    """Entry point that shows errors as plain messages, never tracebacks."""
    try:
        main(standalone_mode=True)
    except (NarrativeSearchError, StoreError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
