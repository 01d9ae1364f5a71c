"""One home folder's corpus store, embedding model and search index, opened together.

The CLI and the Streamlit app both work through a :class:`Workspace`, so
neither decides by itself when the index must be rebuilt or where the vector
cache lives. The model is loaded only when something must be encoded.

Several threads (the app's sessions) may use one workspace at once: reads
(search, similar, timelines, briefs, listings) run concurrently, each thread
reading the store through an SQLite connection of its own and sharing the
open index; writes (ingest, index rebuilds, close) wait for the reads in
progress, run alone, and hold back new reads until they are done
(:class:`ReadWriteLock`).
"""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

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
from .protocols import EncodeProgress
from .search import search, similar_actions
from .store import CorpusStore
from .summary import summarise_query
from .timeline import build_timeline


class ReadWriteLock:
    """Many readers at once, or one writer alone.

    A writer waiting holds back new readers, so a stream of searches cannot
    starve an ingest. Re-entrant: a reader may read again (a summary runs a
    search), and the writer may read or write again (an ingest updates the
    index); a reader may not start writing (it would wait for itself).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: Optional[int] = None
        self._write_depth = 0
        self._writers_waiting = 0
        self._local = threading.local()

    def read_depth(self) -> int:
        """How many reads this thread has open (nested reads count one each)."""
        return int(getattr(self._local, "reads", 0))

    def writers_waiting(self) -> int:
        """Writers waiting for the reads in progress to end."""
        with self._condition:
            return self._writers_waiting

    def writing_here(self) -> bool:
        """Whether this thread holds the lock for writing."""
        return self._writer == threading.get_ident()

    @contextmanager
    def read(self) -> Iterator[None]:
        depth = getattr(self._local, "reads", 0)
        if depth or self._writer == threading.get_ident():
            self._local.reads = depth + 1
            try:
                yield
            finally:
                self._local.reads = depth
            return
        with self._condition:
            while self._writer is not None or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        self._local.reads = 1
        try:
            yield
        finally:
            self._local.reads = 0
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._condition:
            if self._writer == me:
                self._write_depth += 1
            else:
                if getattr(self._local, "reads", 0):
                    raise RuntimeError("a thread reading the workspace cannot start writing to it")
                self._writers_waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._condition.wait()
                finally:
                    self._writers_waiting -= 1
                self._writer, self._write_depth = me, 1
        try:
            yield
        finally:
            with self._condition:
                self._write_depth -= 1
                if not self._write_depth:
                    self._writer = None
                    self._condition.notify_all()


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
        self.store = CorpusStore(config.database_path(self.home), check_same_thread=False)  # writes, and the writer's reads
        self._owns_embedder = embedder is None
        self.embedder: Embedder = embedder or Embedder(model, cache_path=self.home / config.VECTOR_CACHE_NAME)
        self._index: Optional[SearchIndex] = None
        self._lock = ReadWriteLock()
        self._local = threading.local()  # this thread's store connection for reading
        # Every thread's reading store, weakly: a finished thread's store is freed (and closed) with the thread.
        self._readers: "weakref.WeakSet[CorpusStore]" = weakref.WeakSet()
        self._readers_lock = threading.Lock()

    @classmethod
    def open(
        cls, home: Optional[config.PathLike] = None, model: Optional[str] = None, embedder: Optional[Embedder] = None
    ) -> "Workspace":
        return cls(home=home, model=model, embedder=embedder)

    # -- reading and writing ---------------------------------------------------

    def _reader(self) -> CorpusStore:
        """The store as this thread reads it: its own connection (one connection must not serve two threads at once)."""
        if self._lock.writing_here():
            return self.store
        store: Optional[CorpusStore] = getattr(self._local, "store", None)
        if store is None:
            store = CorpusStore(self.store.path, check_same_thread=False)  # closed by close(), from any thread
            with self._readers_lock:
                self._readers.add(store)
            self._local.store = store
        return store

    def _current_index(self) -> Optional[SearchIndex]:
        """The open index if it is still the one for this store and model, else None (read lock held)."""
        index = self._index
        if index is not None and index.staleness(self.embedder.model_id, None) is None and self.index_is_current():
            return index
        return None

    @contextmanager
    def _reading(self) -> Iterator[SearchIndex]:
        """The index, held for reading (no rebuild closes it meanwhile), built first if it must be.

        Inside another read of this thread an index that went out of date
        (another process ingested) is used as it is: rebuilding would wait
        for this very read. The next call rebuilds it.
        """
        while True:
            with self._lock.read():
                index = self._current_index()
                if index is None and self._lock.read_depth() > 1 and not self._lock.writing_here():
                    index = self._index
                if index is not None:
                    yield index
                    return
            self.index()

    # -- the index -------------------------------------------------------------

    def index(self, show_progress: bool = False, progress: Optional[EncodeProgress] = None) -> SearchIndex:
        """The search index, built or rebuilt first if it is missing, damaged or out of date.

        ``progress(encoded, to_encode)`` follows the encoding of a (re)build.
        The index returned stays open until the next rebuild: a caller that
        may run beside an ingest reads through the workspace's own methods.
        """
        with self._lock.read():
            index = self._current_index()
        if index is not None:
            return index
        with self._lock.write():
            index = self._current_index()
            if index is not None:
                return index
            if self._index is not None:
                self._index.close()
                self._index = None
            self._index, notes = ensure_index(
                self.home, self.store, self.embedder, self.index_type, show_progress=show_progress, progress=progress
            )
            self.notes.extend(notes)
            return self._index

    def index_is_current(self) -> bool:
        return index_is_current(self.home, self._reader(), self.embedder.model_id)

    def update_index(
        self, force: bool = False, show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> Optional[Manifest]:
        """Rebuild the index if the corpus or model changed (or ``force``); the new manifest, or None if current."""
        with self._lock.write():
            if not force and index_is_current(self.home, self.store, self.embedder.model_id):
                return None
            manifest = rebuild_index(self.home, self.store, self.embedder, self.index_type, show_progress, progress)
            if self._index is not None:
                self._index.close()
                self._index = None
            return manifest

    def index_version(self) -> tuple[str, str]:
        """The index's folder and build time: a key under which results of this index may be remembered."""
        with self._reading() as index:
            return str(index.folder), index.manifest.built_at

    def index_manifest(self) -> Manifest:
        """What the current index holds (passages, actions, type, dimensions)."""
        with self._reading() as index:
            return index.manifest

    def indexed_actions(self) -> list[IndexedAction]:
        """Every action the index holds, in the index's order."""
        with self._reading() as index:
            return [IndexedAction(*row) for row in zip(index.action_ids, index.action_councils, index.action_refs)]

    def index_months(self) -> list[str]:
        """Every month from the earliest to the latest dated passage of the index (empty if none)."""
        with self._reading() as index:
            starts, ends = np.asarray(index.starts), np.asarray(index.ends)
        dated = starts >= 0
        if not dated.any():
            return []
        first, last = int(starts[dated].min()), int(max(ends[dated].max(), starts[dated].max()))
        return [month_from_number(n) for n in range(first, last + 1)]

    # -- the store -------------------------------------------------------------

    def councils(self) -> list[str]:
        with self._lock.read():
            return self._reader().councils()

    def document_names(self) -> list[str]:
        with self._lock.read():
            return [document.name for document in self._reader().documents()]

    def document_summary(self) -> list["DocumentSummary"]:
        """One summary per ingested document (council, as-of month, counts, warnings)."""
        with self._lock.read():
            return self._reader().document_summary()

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
        with self._lock.write():
            outcomes = ingest_paths(self.store, paths, council=council, progress=progress, force=force)
            if update_index:
                self.update_index(show_progress=show_progress, progress=index_progress)
            return outcomes

    # Reads hold the lock for reading: another thread's ingest may rebuild the
    # index (closing the old one) or write to the store, but not meanwhile.

    def search(self, query: str, k: int = 10, filters: Optional[SearchFilters] = None, mode: SearchMode = "hybrid", explain: bool = True) -> SearchResult:
        with self._reading() as index:
            return search(index, self.embedder, query, k=k, filters=filters or SearchFilters(), mode=mode, explain=explain)

    def similar(self, action_id: str, k: int = 10) -> SearchResult:
        with self._reading() as index:
            return similar_actions(index, action_id, k=k)

    def summarise(self, query: str, councils: Sequence[str] = (), k: int = 10, per_council: int = 3) -> QuerySummary:
        """The query's top hits, and each council's most representative sentences among them."""
        with self._reading():
            result = self.search(query, k=k, filters=SearchFilters(councils=tuple(councils)), explain=False)
            return self.summarise_result(result, per_council=per_council)

    def summarise_result(self, result: SearchResult, per_council: int = 3) -> QuerySummary:
        """Each council's most representative sentences among the hits of a search already run."""
        return summarise_query(result, self.embedder, per_council=per_council)

    def timeline(self, action_id: str, as_of: Optional[str] = None) -> Timeline:
        """The action's dated updates, ratings and new-or-repeated sentences (semantic novelty)."""
        with self._lock.read():
            return build_timeline(self._reader(), action_id, embedder=self.embedder, as_of=as_of)

    def brief(self, council: str, since: Optional[str] = None, as_of: Optional[str] = None) -> Brief:
        """The revisit brief of one council."""
        with self._lock.read():
            return build_brief(self._reader(), council, since=since, as_of=as_of, embedder=self.embedder)

    def verdicts(self, council: Optional[str] = None) -> list[Verdict]:
        """Revisit and monitoring verdicts (of one council: any case, alias or slug), newest event first."""
        with self._lock.read():
            reader = self._reader()
            return reader.verdicts(resolve_council(reader, council) if council else None)

    def close(self) -> None:
        with self._lock.write():
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._owns_embedder:
                self.embedder.close()
            with self._readers_lock:
                readers, self._readers = list(self._readers), weakref.WeakSet()
            for reader in readers:
                reader.close()
            self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
