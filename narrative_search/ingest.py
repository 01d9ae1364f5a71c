"""Files and folders -> DocumentReadings: find each file's council and date, read, plan.

The CLI and the app call these functions; they never parse documents
themselves.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .councils import canonical_council, detect_council
from .errors import CouncilUnknownError, DocumentError
from .model import Document, DocumentReading
from .plans import plan_document
from .readers.text import decode_text, rows_from_text

MANIFEST_NAME = "sources.csv"
TEXT_SUFFIXES = {".txt", ".tsv", ".text", ""}
# Files in a corpus folder that describe the corpus rather than belong to it.
SKIPPED_NAMES = {MANIFEST_NAME, "README.md", "readme.md", "README.txt"}


@dataclass(frozen=True)
class SourceEntry:
    """One row of a sources.csv manifest: what a file is."""

    file: str
    council: str
    title: str = ""
    as_of: Optional[str] = None


def load_manifest(folder: Path) -> dict[str, SourceEntry]:
    """The sources.csv in a folder, keyed by file name; empty if none.

    A manifest that cannot be read is an error naming it, since silently
    ignoring it would file documents under the wrong council.
    """
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    entries = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "council"} - set(reader.fieldnames or [])
        if missing:
            raise DocumentError(path, f"the manifest lacks the column(s) {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            council = (row.get("council") or "").strip()
            if not name or not council:
                raise DocumentError(path, f"line {number}: every row needs a file and a council")
            entries[name] = SourceEntry(
                file=name,
                council=canonical_council(council) or council,
                title=(row.get("title") or "").strip(),
                as_of=(row.get("as_of") or "").strip() or None,
            )
    return entries


def iter_document_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the files inside folders named, in name order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.name not in SKIPPED_NAMES and not child.name.startswith("."):
                    yield child
        else:
            yield path


def resolve_council(path: Path, text: str, explicit: Optional[str], entry: Optional[SourceEntry]) -> str:
    """--council, else the manifest beside the file, else the text, else an error."""
    if explicit:
        return canonical_council(explicit) or explicit.strip()
    if entry is not None:
        return entry.council
    detected = detect_council(text)
    if detected:
        return detected
    raise CouncilUnknownError(
        path,
        "cannot tell which council this document belongs to: pass --council NAME, "
        f"or add a row for it to a {MANIFEST_NAME} (file,council,title,as_of) in its folder",
    )


def read_document(
    path: Path,
    council: Optional[str] = None,
    entry: Optional[SourceEntry] = None,
) -> DocumentReading:
    """Read one file into actions, statuses, updates and unattributed text.

    Raises DocumentError (naming the file) for anything that cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError(path, "no such file")
    if not path.is_file():
        raise DocumentError(path, "not a regular file")
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {path.suffix!r}: plain or tab-separated text is supported")
    data = path.read_bytes()
    text, _encoding = decode_text(data, path)
    document = Document(
        name=path.name,
        council=resolve_council(path, text, council, entry),
        title=entry.title if entry else "",
        as_of=entry.as_of if entry else None,
        sha256=hashlib.sha256(data).hexdigest(),
        format="text",
        path=str(path),
    )
    reading = plan_document(rows_from_text(text), document)
    if not reading.actions:
        raise DocumentError(
            path,
            "no action table found: no row has the header words of a plan table "
            "(such as 'Actions', 'Lead', 'Ref', 'Focus Area', 'RAG' or 'Progress')",
        )
    return reading
