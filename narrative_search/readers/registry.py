"""The one list of format readers; every other list of formats is derived from it.

To add a format, write a module in this package that defines its
:class:`~narrative_search.readers.common.FormatReader` (name, extensions,
content test, description, ``read(path, data)``) and add it to ``READERS``
below. Ingest, the supported suffixes, the app's upload types, sniffing and
dispatch all follow. Code outside the package (a test, a plug-in) calls
:func:`register_reader` instead.

The lists are computed when asked for, never kept, so a reader registered
late is seen everywhere.
"""

from __future__ import annotations

from typing import Optional

from .common import FormatReader
from .pdf import PDF
from .spreadsheet import CSV, XLSX
from .text import TEXT
from .webpage import HTML
from .word import DOCX

# In this order content tests are tried and upload types listed.
READERS: list[FormatReader] = [TEXT, CSV, PDF, DOCX, XLSX, HTML]


def register_reader(reader: FormatReader) -> None:
    """Add a format after the others; its name and extensions must be new."""
    if reader_named(reader.name) is not None:
        raise ValueError(f"a reader named {reader.name!r} is already registered")
    for suffix in (*reader.extensions, *reader.other_extensions):
        taken = reader_for_suffix(suffix)
        if taken is not None:
            raise ValueError(f"files named {suffix or 'without an extension'} are already read as {taken.name}")
    READERS.append(reader)


def reader_named(name: str) -> Optional[FormatReader]:
    """The reader of that name ("pdf"), or None."""
    return next((reader for reader in READERS if reader.name == name), None)


def reader_for_suffix(suffix: str) -> Optional[FormatReader]:
    """The reader a (lower-case) extension promises (".pdf"; "" for none), or None."""
    return next(
        (reader for reader in READERS if suffix in reader.extensions or suffix in reader.other_extensions), None
    )


def readers() -> tuple[FormatReader, ...]:
    """Every registered reader, in order (content tests are tried in it)."""
    return tuple(READERS)


def supported_suffixes() -> tuple[str, ...]:
    """Every extension a reader is named for, sorted (".csv", ".docm", ...)."""
    return tuple(sorted(suffix for reader in READERS for suffix in (*reader.extensions, *reader.other_extensions) if suffix))


def upload_suffixes() -> tuple[str, ...]:
    """The extensions offered for upload (".txt", ".tsv", ".csv", ".pdf", ...), in the readers' order."""
    return tuple(suffix for reader in READERS for suffix in reader.extensions if suffix)


def format_labels() -> str:
    """The formats read, as a list for a message: "plain or tab-separated text, CSV, PDF, ..."."""
    return ", ".join(reader.label for reader in READERS)
