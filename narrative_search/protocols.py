"""What the steps need of the corpus store and of the embedding model, as ``Protocol`` types.

Functions that only read the store take a :class:`CorpusReader` (or only a
:class:`Fingerprinted`) rather than :class:`~narrative_search.store.CorpusStore`,
and functions that only encode take a :class:`TextEncoder` rather than
:class:`~narrative_search.embed.Embedder`, so a test can pass a small fake
and the type checker says what a fake must offer. ``CorpusStore`` and
``Embedder`` satisfy them structurally (mypy checks every call that passes them).

This module imports only :mod:`narrative_search.model`, so any module can
import it without a cycle.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, Protocol, Sequence

import numpy as np

from .model import Document, DocumentSpan, MergedAction, Verdict

#: progress(encoded, to_encode), called while new text is encoded.
EncodeProgress = Callable[[int, int], None]

#: on_stage(stage), called as a slow step starts ("loading_model", "exporting_model"), so no wait is silent.
StageNotice = Callable[[str], None]


class Fingerprinted(Protocol):
    """A store whose content has a fingerprint: equal fingerprints, equal content."""

    def fingerprint(self) -> str: ...


class CorpusReader(Fingerprinted, Protocol):
    """The reading side of the corpus store: actions, documents, unattributed text, locations, verdicts."""

    def location(self, document: str, line: int) -> str:
        """Where ``line`` of ``document`` is, in words: "page 3", "table 2 row 5", else "line 12"."""
        ...

    def documents(self, council: Optional[str] = None) -> Iterable[Document]: ...

    def unattributed(self, document: Optional[str] = None) -> Iterable[DocumentSpan]: ...

    def iter_actions(self, council: Optional[str] = None) -> Iterable[MergedAction]: ...

    def get_action(self, action_id: str) -> Optional[MergedAction]: ...

    def councils(self) -> Sequence[str]: ...

    def verdicts(self, council: Optional[str] = None) -> Sequence[Verdict]:
        """Revisit and monitoring verdicts, newest event first, located."""
        ...


class TextEncoder(Protocol):
    """An embedding model as the reading steps use it: L2-normalised float32 vectors and a stable id."""

    @property
    def model_id(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dimension) float32 array, one L2-normalised row per text."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """One (dimension,) L2-normalised vector for a search query."""
        ...


class IndexingEncoder(TextEncoder, Protocol):
    """An embedding model as building an index uses it: its window, its counts and encoding with progress."""

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    @property
    def encoded_count(self) -> int:
        """Texts the model encoded so far (cache misses)."""
        ...

    @property
    def cache_hits(self) -> int:
        """Texts read back from the vector cache so far."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def encode(
        self, texts: Sequence[str], show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> np.ndarray: ...
