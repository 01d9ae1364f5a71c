"""Errors a user can act on: each names the file and says what was wrong."""

from __future__ import annotations

from pathlib import Path


class NarrativeSearchError(Exception):
    """Base class for errors shown to users as plain messages."""


class DocumentError(NarrativeSearchError):
    """A document that cannot be read; other documents still ingest."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CouncilUnknownError(DocumentError):
    """The council of a document could not be determined."""


class UnsupportedFormatError(DocumentError):
    """A file whose format (by content or by name) no reader handles."""


class FileTooLargeError(DocumentError):
    """A file above the size limit (``narrative_search.ingest.MAX_FILE_BYTES``)."""


class EncryptedDocumentError(DocumentError):
    """A password-protected file: it must be saved again without the password."""


class NoTextLayerError(DocumentError):
    """A PDF with no text to read (a scan); OCR is not supported."""


class HomeError(NarrativeSearchError):
    """The home folder cannot be used as it is: a file where a folder of its own must be, or read-only for a write."""


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` is the system's or SQLite's "no space left on the device"."""
    import errno
    import sqlite3

    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.Error) and "disk is full" in str(error).lower()
class DocumentLimitError(DocumentError):
    """A document past one of the limits of ``narrative_search.config.Limits`` (rows, characters, passages, unpacked size)."""
