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
