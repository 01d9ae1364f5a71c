"""One home folder's corpus store, embedding model and search index, opened together.

The CLI and the Streamlit app both work through a :class:`Workspace`, so
neither decides by itself when the index must be rebuilt or where the vector
cache lives. The model is loaded only when something must be encoded.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from . import config
from .brief import build_brief, resolve_council
from .embed import Embedder
from .index import Manifest, SearchIndex, ensure_index, index_is_current, rebuild_index
from .ingest import ingest_paths
from .model import (
    Brief,
    DocumentSummary,
    IndexedAction,
    IngestOutcome,
    QuerySummary,
    SearchFilters,
    SearchMode,
    SearchResult,
    Timeline,
    Verdict,
)
from .months import month_from_number
from .passages import SentenceMemo, remember_sentences, use_sentence_memo
from .protocols import EncodeProgress, StageNotice
from .search import search, similar_actions
from .store import CorpusStore
from .summary import summarise_query
from .timeline import build_timeline


class Workspace:
    """The store, the embedder (with its vector cache) and the index of one home folder."""

    def __init__(
        self,
        home: Optional[config.PathLike] = None,
        model: Optional[str] = None,
        index_type: str = "auto",
        embedder: Optional[Embedder] = None,
    ) -> None:
        """``model``: a model name or folder (None: $NARRATIVE_SEARCH_MODEL, else the packaged one);
        ``embedder``: one shared by the caller (then not closed here), else one of our own."""
        self.home: Path = config.home_dir(home)
        self.model = model
        self.index_type = index_type
        self.notes: list[str] = []  # what the user should be told (rebuilds and why)
        self.store = CorpusStore(config.database_path(self.home), check_same_thread=False)
        self._owns_embedder = embedder is None
        self.embedder: Embedder = embedder or Embedder(
            model, cache_path=self.home / config.VECTOR_CACHE_NAME, onnx_dir=self.home / config.ONNX_DIR_NAME, notes=self.notes
        )
        self._index: Optional[SearchIndex] = None
        self._lock = threading.RLock()
        self.show_progress = False  # a rebuild on first need shows the encoder's own bar
        self.on_stage: Optional[StageNotice] = None
        self._sentence_memo = _open_sentence_memo(self.home / config.SENTENCES_NAME)
        if self._sentence_memo is not None:
            use_sentence_memo(self._sentence_memo)

    @classmethod
    def open(
        cls, home: Optional[config.PathLike] = None, model: Optional[str] = None, embedder: Optional[Embedder] = None
    ) -> "Workspace":
        return cls(home=home, model=model, embedder=embedder)

    def report_stages(self, on_stage: Optional[StageNotice]) -> None:
        """Have ``on_stage(stage)`` called as slow steps start: building the index, loading or exporting the model."""
        self.on_stage = on_stage
        self.embedder.on_stage = on_stage

    def _stage(self, stage: str) -> None:
        if self.on_stage is not None:
            self.on_stage(stage)

    # -- the index -------------------------------------------------------------

    def index(self, show_progress: bool = False, progress: Optional[EncodeProgress] = None) -> SearchIndex:
        """The search index, built or rebuilt first if it is missing, damaged or out of date.

        ``progress(encoded, to_encode)`` follows the encoding of a (re)build.
        """
        with self._lock:
            if self._index is not None:
                if self._index.staleness(self.embedder.model_id, None) is None and self.index_is_current():
                    return self._index
                self._index.close()
                self._index = None
            if not self.index_is_current():
                self._stage("building_index")
                self.embedder.prepare_for_build()
            self._index, notes = ensure_index(
                self.home, self.store, self.embedder, self.index_type,
                show_progress=show_progress or (self.show_progress and progress is None), progress=progress,
            )
            if notes:  # it was built
                self._remember_sentences(self._index)
            self.notes.extend(notes)
            return self._index

    def index_is_current(self) -> bool:
        return index_is_current(self.home, self.store, self.embedder.model_id)

    def update_index(
        self, force: bool = False, show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> Optional[Manifest]:
        """Rebuild the index if the corpus or model changed (or ``force``); the new manifest, or None if current."""
        with self._lock:
            self.embedder.prepare_for_build()  # also exports the model of an index built before ONNX
            if not force and self.index_is_current():
                return None
            self._stage("building_index")
            manifest = rebuild_index(self.home, self.store, self.embedder, self.index_type, show_progress, progress)
            if self._index is not None:
                self._index.close()
                self._index = None
            self._remember_sentences(self.index())
            return manifest

    def _remember_sentences(self, index: SearchIndex) -> None:
        """Split every passage and update into sentences now, so searches, timelines and briefs never load spaCy."""
        texts = [row[0] for row in index.conn.execute("SELECT text FROM passages")]
        texts.extend(update.text for action in self.store.iter_actions() for update in action.updates)
        remember_sentences(texts)

    def index_version(self) -> tuple[str, str]:
        """The index's folder and build time: a key under which results of this index may be remembered."""
        with self._lock:
            index = self.index()
            return str(index.folder), index.manifest.built_at

    def index_manifest(self) -> Manifest:
        """What the current index holds (passages, actions, type, dimensions)."""
        with self._lock:
            return self.index().manifest

    def indexed_actions(self) -> list[IndexedAction]:
        """Every action the index holds, in the index's order."""
        with self._lock:
            index = self.index()
            return [IndexedAction(*row) for row in zip(index.action_ids, index.action_councils, index.action_refs)]

    def index_months(self) -> list[str]:
        """Every month from the earliest to the latest dated passage of the index (empty if none)."""
        with self._lock:
            index = self.index()
            starts, ends = np.asarray(index.starts), np.asarray(index.ends)
        dated = starts >= 0
        if not dated.any():
            return []
        first, last = int(starts[dated].min()), int(max(ends[dated].max(), starts[dated].max()))
        return [month_from_number(n) for n in range(first, last + 1)]

    # -- the store -------------------------------------------------------------

    def councils(self) -> list[str]:
        with self._lock:
            return self.store.councils()

    def document_names(self) -> list[str]:
        with self._lock:
            return [document.name for document in self.store.documents()]

    def document_summary(self) -> list["DocumentSummary"]:
        """One summary per ingested document (council, as-of month, counts, warnings)."""
        with self._lock:
            return self.store.document_summary()

    # -- what users do ---------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path],
        council: Optional[str] = None,
        update_index: bool = True,
        progress: Optional[Callable[[int, int, Path], None]] = None,
        show_progress: bool = False,
        force: bool = False,
        index_progress: Optional[EncodeProgress] = None,
    ) -> list[IngestOutcome]:
        """Store the documents under ``paths`` (only new or changed files, unless ``force``), then update the index."""
        with self._lock:
            outcomes = ingest_paths(self.store, paths, council=council, progress=progress, force=force)
            if update_index:
                self.update_index(show_progress=show_progress, progress=index_progress)
            return outcomes

    # Each call holds the workspace lock: another thread's ingest may rebuild
    # the index (closing the old one) or write to the store meanwhile.

    def search(self, query: str, k: int = 10, filters: Optional[SearchFilters] = None, mode: SearchMode = "hybrid", explain: bool = True) -> SearchResult:
        with self._lock:
            return search(self.index(), self.embedder, query, k=k, filters=filters or SearchFilters(), mode=mode, explain=explain)

    def similar(self, action_id: str, k: int = 10) -> SearchResult:
        with self._lock:
            return similar_actions(self.index(), action_id, k=k)

    def summarise(self, query: str, councils: Sequence[str] = (), k: int = 10, per_council: int = 3) -> QuerySummary:
        """The query's top hits, and each council's most representative sentences among them."""
        with self._lock:
            result = self.search(query, k=k, filters=SearchFilters(councils=tuple(councils)), explain=False)
            return self.summarise_result(result, per_council=per_council)

    def summarise_result(self, result: SearchResult, per_council: int = 3) -> QuerySummary:
        """Each council's most representative sentences among the hits of a search already run."""
        with self._lock:
            return summarise_query(result, self.embedder, per_council=per_council)

    def timeline(self, action_id: str, as_of: Optional[str] = None) -> Timeline:
        """The action's dated updates, ratings and new-or-repeated sentences (semantic novelty)."""
        with self._lock:
            return build_timeline(self.store, action_id, embedder=self.embedder, as_of=as_of)

    def brief(self, council: str, since: Optional[str] = None, as_of: Optional[str] = None) -> Brief:
        """The revisit brief of one council."""
        with self._lock:
            return build_brief(self.store, council, since=since, as_of=as_of, embedder=self.embedder)

    def verdicts(self, council: Optional[str] = None) -> list[Verdict]:
        """Revisit and monitoring verdicts (of one council: any case, alias or slug), newest event first."""
        with self._lock:
            return self.store.verdicts(resolve_council(self.store, council) if council else None)

    def close(self) -> None:
        with self._lock:
            if self._sentence_memo is not None:
                previous = use_sentence_memo(None)
                if previous is not self._sentence_memo:
                    use_sentence_memo(previous)  # another workspace's: left in use
                self._sentence_memo.close()
                self._sentence_memo = None
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._owns_embedder:
                self.embedder.close()
            self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_sentence_memo(path: Path) -> Optional[SentenceMemo]:
    """The home's memo of sentence offsets; None where the file cannot even be opened (then spaCy splits)."""
    import sqlite3

    try:
        return SentenceMemo(path)
    except sqlite3.Error:
        return None
