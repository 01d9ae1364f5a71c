"""The prose reading path measured per shape: what each made-up page gives once ingested.

    .venv/bin/python bench/prose_shapes.py [--spans]

Every prose fixture of tests/test_prose.py (themed progress page, termly
update, dated log, timeline, newsletter, minutes, bulletin with relative
dates, board notes with a financial quarter, term notes) and the four made-up
web pages of tests/webpages/ go through the normal command-line ingest
(`narrative-search --home TMP ingest --no-index FOLDER`, councils from a
sources.csv) into a temporary home. Per document it prints how it was read
and what the store holds from it:

- sections: prose sections (``kind == "section"``); plan: plan actions read
  from prose ("Action 1.1" in minutes);
- dated: progress updates with a month; commit.: commitments ("By 26 April
  2021 we will have ..."); undated: updates kept with no month;
- aside: characters kept searchable outside any section (headings with no
  text of their own, tables outside a plan, page-date lines);
- furniture: characters dropped as web-page furniture or banners.

Then, honestly, what is still not read: every undated update and every span
kept aside, with its reason (``--spans`` prints them all; by default the
first few characters of each).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from click.testing import CliRunner  # noqa: E402
from test_prose import ShapeCounts, shape_folder, stored_shape_counts  # noqa: E402

from narrative_search import config  # noqa: E402
from narrative_search.cli import main as cli_main  # noqa: E402
from narrative_search.stamps import find_date_phrases  # noqa: E402
from narrative_search.store import CorpusStore  # noqa: E402

COLUMNS = ("document", "read as", "sections", "plan", "dated", "commit.", "undated", "aside", "furniture")


def row_of(name: str, counts: ShapeCounts) -> tuple[str, ...]:
    return (
        name,
        counts.read_as,
        *(str(number) for number in (counts.sections, counts.plan_actions, counts.dated, counts.commitments, counts.undated)),
        str(counts.aside_chars),
        str(counts.furniture_chars),
    )


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[index]) for row in [COLUMNS, *rows]) for index in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) if index < 2 else cell.rjust(width) for index, (cell, width) in enumerate(zip(row, widths)))
             for row in [COLUMNS, *rows]]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def not_read(store: CorpusStore, whole: bool) -> list[str]:
    """What the store keeps without a month: undated updates, and text aside with its reason."""
    def shown(text: str) -> str:
        flat = " ".join(text.split())
        return flat if whole or len(flat) <= 70 else flat[:67] + "..."

    lines = []
    for action in store.iter_actions():
        for update in action.updates:
            if update.start is None:
                sources = ", ".join(f"{s.document}:{s.line}" for s in update.sources)
                lines.append(f"  undated {update.kind:<20} {sources:<20} {shown(update.text)}")
    for span in store.unattributed():
        lines.append(f"  aside   {span.reason:<20} {span.document + ':' + str(span.line):<20} {shown(span.text)}")
    return lines


def dates_in_text(store: CorpusStore) -> list[str]:
    """Dates printed inside an update's text: searchable, but they do not date it (only headings,
    lead stamps, "By ..." commitments and the page's date do)."""
    lines = []
    for action in store.iter_actions():
        for update in action.updates:
            # A commitment's text opens with its own stamp ("By 26 April 2021 we will have:").
            text = update.text[len(update.stamp):] if update.stamp and update.text.startswith(update.stamp) else update.text
            phrases = [p.printed for p in find_date_phrases(text, update.start)]
            if phrases:
                source = f"{update.sources[0].document}:{update.sources[0].line}"
                lines.append(f"  {source:<20} dated {update.start or 'none':<8} inside: {'; '.join(phrases)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", action="store_true", help="Print every undated or aside text whole.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = shape_folder(Path(temporary) / "pages")
        home = Path(temporary) / "home"
        result = CliRunner().invoke(cli_main, ["--home", str(home), "ingest", "--no-index", str(folder)])
        refused = [line for line in result.output.splitlines() if line.startswith("ERROR")]
        with CorpusStore(config.database_path(home)) as store:
            counts = stored_shape_counts(store)
            rows = [row_of(name, counts[name]) for name in sorted(counts)]
            total = ShapeCounts(
                read_as="",
                **{field: sum(getattr(c, field) for c in counts.values())
                   for field in ("sections", "plan_actions", "dated", "commitments", "undated", "aside_chars", "furniture_chars")},
            )
            leftovers = not_read(store, options.spans)
            inside = dates_in_text(store)
    print(table([*rows, row_of(f"all {len(counts)}", total)]))
    print()
    print(f"ingest exit code {result.exit_code}; refused: {len(refused)}" + "".join(f"\n  {line}" for line in refused))
    print(f"read as prose: {sum(c.read_as == 'prose' for c in counts.values())} of {len(counts)}")
    print()
    print("Still not read as dated progress (kept searchable, with no month of their own):")
    print("\n".join(leftovers) if leftovers else "  nothing")
    print()
    print("Dates printed inside update text, not used to date it (the update keeps its heading's or page's month):")
    print("\n".join(inside) if inside else "  none")


if __name__ == "__main__":
    main()
