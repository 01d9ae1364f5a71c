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

import dataclasses
import os
import shutil
import tempfile
import threading
import weakref
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import numpy as np

from . import config
from .brief import build_brief, resolve_council
from .embed import Embedder
from .errors import HomeError, NarrativeSearchError
from .index import (
    Manifest,
    SearchIndex,
    SearchIndexError,
    corpus_fingerprint,
    current_generation,
    encode_reading_texts,
    ensure_index,
    index_is_current,
    open_index,
    rebuild_index,
)
from .ingest import documents_of_file_name, ingest_file_kept_at, ingest_paths, is_same_source
from .model import (
    Brief,
    DocumentSummary,
    IndexedAction,
    IngestOutcome,
    QuerySummary,
    SearchFilters,
    SearchMode,
    SearchResult,
    SkippedPath,
    Theme,
    ThemeAssignment,
    ThemeCouncil,
    ThemeOverview,
    ThemeScore,
    Timeline,
    Verdict,
    WeaknessReport,
    slug,
)
from .months import month_from_number
from .passages import SentenceMemo, remember_sentences, use_sentence_memo
from .protocols import EncodeProgress, StageNotice
from .render.progress import CountBar
from .render.text import READ_ONLY_STALE_INDEX, query_cut_text, read_only_home_text
from .search import search, similar_actions
from .store import CorpusStore
from .summary import summarise_query
from .themes import (
    assign_texts,
    build_overview,
    current_assignment,
    find_theme,
    load_themes,
    read_assignment,
    record_texts,
    stale_reason,
    table_hash,
    theme_columns,
)
from .timeline import build_timeline
from .weaknesses import STALE_MONTHS, weakness_report, with_weaknesses


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


# -- uploads (issue 16, item 4) ----------------------------------------------------

#: Folder, inside the uploads folder, where an upload waits while it is read.
#: Hidden, so that ingesting the home's folders never reads a half-written upload.
STAGING_FOLDER = ".incoming"


def upload_destination(store: CorpusStore, uploads: Path, file_name: str, council: str) -> Path:
    """Where an upload of ``file_name`` for ``council`` is kept.

    The place of the stored upload of this name and council if there is one
    (a new version replaces it there), else ``uploads/<name>`` if no stored
    document came from there, else ``uploads/<council>/<name>``: an upload of
    another council's file of the same name never lands on a kept source.
    """
    stored = documents_of_file_name(store, file_name)
    for document in stored:
        kept = Path(document.path) if document.path else None
        if document.council == council and kept is not None and kept.name == file_name and kept.parent.is_relative_to(uploads):
            return kept
    plain = uploads / file_name
    if not any(is_same_source(document.path, plain) for document in stored):
        return plain
    return uploads / slug(council) / file_name


def ingest_upload(
    store: CorpusStore, uploads: Path, name: str, data: bytes, council: Optional[str] = None, replace: bool = False
) -> IngestOutcome:
    """Store one uploaded file (``name``, its bytes ``data``) and keep it in ``uploads``.

    The bytes are written under a temporary name first and read from there;
    only a file that was read and stored is moved into place (one rename), so
    a refused upload leaves the file kept before and its stored records as
    they were. Refusals name the upload by its file name.
    """
    file_name = Path(name.replace("\\", "/")).name
    if not file_name or file_name in (".", ".."):
        return IngestOutcome(path=Path(name or "upload"), error=f"{name!r}: the file has no name", reason="the file has no name")
    uploads = uploads.absolute()
    staging = uploads / STAGING_FOLDER
    staging.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=staging))
    try:
        staged = folder / file_name
        staged.write_bytes(data)
        outcome = ingest_file_kept_at(
            store, staged, lambda resolved: upload_destination(store, uploads, file_name, resolved),
            council=council, replace=replace,
        )
        if outcome.error or outcome.result is None:
            return dataclasses.replace(outcome, path=Path(file_name), error=f"{file_name}: {outcome.reason}")
        stored = store.get_document(outcome.result.document)
        kept = Path(stored.path) if stored is not None and stored.path else None
        if kept is None or not kept.parent.is_relative_to(uploads) or kept.parent == folder:
            return dataclasses.replace(outcome, path=Path(file_name))  # the same bytes, stored from elsewhere
        kept.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, kept)
        return dataclasses.replace(outcome, path=kept)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
        # A home that cannot be written (a read-only mount, another user's folder) is read, never changed.
        self.read_only = not config.home_is_writable(self.home)
        # The writer's connection (ingest, rebuilds) and its reads; other threads read through their own.
        self.store = CorpusStore(config.database_path(self.home), check_same_thread=False, read_only=self.read_only)
        self._owns_embedder = embedder is None
        # A read-only home's vector cache is only read (the vectors its build encoded); new ones stay in memory.
        self.embedder: Embedder = embedder or Embedder(
            model, cache_path=self.home / config.VECTOR_CACHE_NAME, onnx_dir=self.home / config.ONNX_DIR_NAME,
            notes=self.notes, cache_read_only=self.read_only,
        )
        self._index: Optional[SearchIndex] = None
        self._lock = ReadWriteLock()
        self._local = threading.local()  # this thread's store connection for reading
        # Every thread's reading store, weakly: a finished thread's store is freed (and closed) with the thread.
        self._readers: "weakref.WeakSet[CorpusStore]" = weakref.WeakSet()
        self._readers_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()  # one index build at a time; searches do not wait for it
        self._themes_lock = threading.Lock()
        self._themes_memo: Optional[tuple[tuple[str, str, str], ThemeAssignment]] = None
        self.show_progress = False  # a rebuild on first need shows the encoder's own bar
        self.on_stage: Optional[StageNotice] = None
        self._sentence_memo = _open_sentence_memo(self.home / config.SENTENCES_NAME, self.read_only)
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

    # -- reading and writing ---------------------------------------------------

    def _reader(self) -> CorpusStore:
        """The store as this thread reads it: its own connection (one connection must not serve two threads at once)."""
        if self._lock.writing_here():
            return self.store
        store: Optional[CorpusStore] = getattr(self._local, "store", None)
        if store is None:
            store = CorpusStore(self.store.path, check_same_thread=False, read_only=self.read_only)
            with self._readers_lock:
                self._readers.add(store)
            self._local.store = store
        return store

    def _current_index(self) -> Optional[SearchIndex]:
        """The open index if it still answers: of this model, and no newer generation on disk (read lock held).

        An index only behind the store still answers (a search never waits
        for a rebuild; :meth:`index_behind` says so)."""
        index = self._index
        if index is not None and index.staleness(self.embedder.model_id, None) is None and not self._newer_index_on_disk():
            return index
        if index is not None and self.read_only and not self._newer_index_on_disk():
            return index  # the last index built: nothing can be rebuilt here (a newer build is opened instead)
        return None

    @contextmanager
    def _reading(self) -> Iterator[SearchIndex]:
        """The index, held for reading (no rebuild closes it meanwhile), opened or built first if it must be."""
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
        """The search index: the last good one, built first only if it is missing, damaged or of another model.

        An index only behind the store (documents ingested since, a rebuild
        running in another process or one that failed) still answers: a
        search never waits for a rebuild; :meth:`index_behind` says so, and
        :meth:`update_index` (run by every ingest) brings it up to date.
        ``progress(encoded, to_encode)`` follows the encoding of a build.
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
            if self.read_only:
                self._index = self._read_only_index()
                return self._index
            if not self.index_is_current():
                self._stage("building_index")
                self.embedder.prepare_for_build()
            self._index, notes = ensure_index(
                self.home, self.store, self.embedder, self.index_type,
                show_progress=show_progress or (self.show_progress and progress is None), progress=progress,
                rebuild_if_behind=False,
            )
            if notes:  # it was built
                self._remember_sentences(self._index)
                self._encode_reading_texts(self._index, progress, show_progress or self.show_progress)
            self.notes.extend(notes)
            return self._index

    def _read_only_index(self) -> SearchIndex:
        """The last index built in a read-only home, as it is (with a note if the corpus has moved on)."""
        try:
            index = open_index(self.home)
        except SearchIndexError as error:
            raise HomeError(read_only_home_text(self.home, "build its search index") + f" ({error})") from None
        if index.staleness(self.embedder.model_id, corpus_fingerprint(self.store)) is not None:
            self.notes.append(READ_ONLY_STALE_INDEX)
        return index

    def _check_writable(self, doing: str) -> None:
        if self.read_only:
            raise HomeError(read_only_home_text(self.home, doing))

    def _newer_index_on_disk(self) -> bool:
        """Whether another generation than the open one is now the index in use (another process rebuilt it)."""
        assert self._index is not None
        try:
            return current_generation(self.home) != self._index.folder
        except SearchIndexError:
            return False  # the open index still answers; a damaged pointer is for the next rebuild

    def index_behind(self, index: Optional[SearchIndex] = None) -> bool:
        """Whether the index answering (``index``, else the open one) was built from an earlier content of the store."""
        with self._lock.read():
            index = index or self._index
            return index is not None and index.manifest.store_fingerprint != corpus_fingerprint(self._reader())

    def index_is_current(self) -> bool:
        return index_is_current(self.home, self._reader(), self.embedder.model_id)

    def update_index(
        self, force: bool = False, show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> Optional[Manifest]:
        """Rebuild the index if the corpus or model changed (or ``force``); the new manifest, or None if current.

        The build reads the store through a connection of its own and holds
        no workspace lock, so searches meanwhile answer from the last good
        index (flagged behind); builds run one at a time, and the new index
        is taken up once complete. A build that fails leaves the last good one in use.
        """
        self._check_writable("update its search index")
        with self._rebuild_lock:
            self.embedder.prepare_for_build()  # also exports the model of an index built before ONNX
            with self._lock.read():
                if not force and self.index_is_current():
                    return None
            self._stage("building_index")
            with CorpusStore(config.database_path(self.home), check_same_thread=False) as snapshot:
                manifest = rebuild_index(self.home, snapshot, self.embedder, self.index_type, show_progress, progress)
            with self._lock.write():
                if self._index is not None:
                    self._index.close()
                    self._index = None
            with self._reading() as index:
                self._remember_sentences(index)
                self._encode_reading_texts(index, progress)
            self._assign_themes_after_indexing()
            return manifest

    def _remember_sentences(self, index: SearchIndex) -> None:
        """Split every passage and update into sentences now, so searches, timelines and briefs never load spaCy."""
        texts = [row[0] for row in index.conn.execute("SELECT text FROM passages")]
        texts.extend(update.text for action in self._reader().iter_actions() for update in action.updates)
        remember_sentences(texts)

    def _encode_reading_texts(
        self, index: SearchIndex, progress: Optional[EncodeProgress], show_progress: bool = False
    ) -> None:
        """After a build: encode every passage's sentences and the texts the themes weigh (see
        :func:`narrative_search.index.encode_reading_texts`), so searches and theme assignments read them back.

        Without ``progress``, ``show_progress`` shows a bar on stderr (as the build's encoding did)."""
        self._stage("encoding_sentences")
        bar = CountBar("Encoding", "text", show_progress and progress is None)
        try:
            encode_reading_texts(index, self.embedder, record_texts(self._reader().iter_actions()),
                                 progress or bar.encoding, sentences=len(index) <= config.SENTENCE_VECTORS_MAX_PASSAGES)
        finally:
            bar.close()

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
        skipped: Optional[list[SkippedPath]] = None,
        replace: bool = False,
    ) -> list[IngestOutcome]:
        """Store the documents under ``paths`` (only new or changed files, unless ``force``), then update the index.

        Folders passed over (unreadable, or reached again through a link) are appended to ``skipped``.

        ``replace``: a file of a stored name replaces that document even from
        another folder or council (else it is kept beside it).
        """
        self._check_writable("ingest documents")
        with self._lock.write():
            outcomes = ingest_paths(self.store, paths, council=council, progress=progress, force=force,
                                    skipped=skipped, replace=replace)
        if update_index:  # outside the lock: searches go on from the last good index meanwhile
            self.update_index(show_progress=show_progress, progress=index_progress)
        return outcomes

    def ingest_uploads(
        self,
        uploads: Sequence[tuple[str, bytes]],
        council: Optional[str] = None,
        replace: bool = False,
        progress: Optional[Callable[[int, int, Path], None]] = None,
    ) -> list[IngestOutcome]:
        """Store uploaded files (name, bytes), each kept under ``<home>/uploads/`` once read (see :func:`ingest_upload`).

        The index is not updated here: the caller does it once, after all of them.
        """
        folder = self.home / config.UPLOADS_FOLDER
        outcomes = []
        self._check_writable("store uploads")
        with self._lock.write():
            for number, (name, data) in enumerate(uploads):
                if progress is not None:
                    progress(number, len(uploads), Path(name))
                outcomes.append(ingest_upload(self.store, folder, name, data, council=council, replace=replace))
            if progress is not None:
                progress(len(uploads), len(uploads), Path())
        return outcomes

    # Reads hold the lock for reading: another thread's ingest may rebuild the
    # index (closing the old one) or write to the store, but not meanwhile.

    def search(self, query: str, k: int = 10, filters: Optional[SearchFilters] = None, mode: SearchMode = "hybrid", explain: bool = True) -> SearchResult:
        """``filters.themes``: theme ids or names (themes.py); each hit carries its themes."""
        query, cut = config.cap_query(query)
        if cut:
            self.notes.append(query_cut_text(config.MAX_QUERY_CHARS))
        filters = self.with_theme_actions(filters or SearchFilters())
        with self._reading() as index:
            result = search(index, self.embedder, query, k=k, filters=filters, mode=mode, explain=explain)
            result.index_behind = self.index_behind(index)
        return self.with_hit_themes(result)

    def similar(self, action_id: str, k: int = 10, theme: Optional[str] = None) -> SearchResult:
        """The closest actions of other councils; with ``theme``, only those on that national theme."""
        on_theme: Optional[set[str]] = None
        if theme is not None:
            chosen = find_theme(self.themes(), theme)
            on_theme = set(self.theme_assignment().actions_of(chosen.id))
        with self._reading() as index:
            if on_theme is None:
                result = similar_actions(index, action_id, k=k)
            else:
                result = similar_actions(index, action_id, k=len(index.action_ids))
                result.hits = [hit for hit in result.hits if hit.key in on_theme][:k]
                result.filters = replace(result.filters, themes=(chosen.name,), theme_actions=tuple(sorted(on_theme)))
                if not result.hits and result.message is None:
                    result.message = f"No other council's actions are on the theme {chosen.name}."
            result.index_behind = self.index_behind(index)
        return self.with_hit_themes(result)

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
            reader = self._reader()
            brief = build_brief(reader, council, since=since, as_of=as_of, embedder=self.embedder)
            return with_weaknesses(reader, brief, embedder=self.embedder)

    def weaknesses(self, council: str, as_of: Optional[str] = None, stale_months: int = STALE_MONTHS) -> WeaknessReport:
        """The council's weaknesses, each rolled up as of a month (see :mod:`narrative_search.weaknesses`)."""
        with self._lock.read():
            return weakness_report(self._reader(), council, as_of=as_of, stale_months=stale_months,
                                   embedder=self.embedder)

    def verdicts(self, council: Optional[str] = None) -> list[Verdict]:
        """Revisit and monitoring verdicts (of one council: any case, alias or slug), newest event first."""
        with self._lock.read():
            reader = self._reader()
            return reader.verdicts(resolve_council(reader, council) if council else None)

    # -- national themes (themes.py) ---------------------------------------------

    def themes(self) -> list[Theme]:
        """The themes table in use (read again when its file changes)."""
        return load_themes(self.home)

    def theme_assignment(self, force: bool = False) -> ThemeAssignment:
        """The themes of every action and section: kept in the home, made again when the table or corpus changed."""
        with self._lock.read(), self._themes_lock:
            themes = self.themes()
            reader = self._reader()
            key = (table_hash(themes), reader.fingerprint(), self.embedder.model_id)
            if not force and self._themes_memo is not None and self._themes_memo[0] == key:
                return self._themes_memo[1]
            assignment = current_assignment(self.home, reader, self.embedder, themes, force=force, notes=self.notes,
                                            keep=not self.read_only)
            self._themes_memo = (key, assignment)
            return assignment

    def stored_theme_assignment(self) -> Optional[ThemeAssignment]:
        """The assignment kept in the home if it is current (never loads the model); None otherwise."""
        with self._lock.read():
            themes = self.themes()
            kept = read_assignment(self.home, themes)
            current = stale_reason(kept, themes, self._reader().fingerprint(), self.embedder.model_id) is None
            return kept if current else None

    def _assign_themes_after_indexing(self) -> None:
        """Bring the theme assignment up to date while the model is loaded; a bad table is a note, not a failure."""
        self._stage("assigning_themes")
        try:
            self.theme_assignment()
        except NarrativeSearchError as error:
            self.notes.append(f"themes not assigned: {error}")

    def with_theme_actions(self, filters: SearchFilters) -> SearchFilters:
        """The filters with their themes named canonically and the ids of the actions on them filled in."""
        if not filters.themes:
            return filters
        chosen = [find_theme(self.themes(), wanted) for wanted in filters.themes]
        assignment = self.theme_assignment()
        actions = sorted({a for theme in chosen for a in assignment.actions_of(theme.id)})
        return replace(filters, themes=tuple(theme.name for theme in chosen), theme_actions=tuple(actions))

    def with_hit_themes(self, result: SearchResult) -> SearchResult:
        """The result with each hit's national themes attached."""
        if result.hits:
            assignment = self.theme_assignment()
            for hit in result.hits:
                hit.themes = assignment.themes_of(hit.action_id)
        return result

    def themes_of_texts(self, texts: Sequence[str]) -> list[list[ThemeScore]]:
        """The national themes of free texts (weaknesses as printed), best first; empty when unassigned."""
        with self._lock.read():
            return assign_texts(self.embedder, texts, self.themes()) if texts else []

    def compare(
        self, query: str, councils: Sequence[str], k: int = 5, themes: Sequence[str] = ()
    ) -> list[tuple[str, SearchResult]]:
        """Each council's closest actions to ``query`` (on ``themes``, if given), council by council, side by side."""
        with self._reading():  # the index opened (or built) first: a read cannot start a build
            return [
                (council, self.search(query, k=k, filters=SearchFilters(councils=(council,), themes=tuple(themes)), explain=False))
                for council in councils
            ]

    def themes_overview(self, council: Optional[str] = None, theme: Optional[str] = None) -> list[ThemeOverview]:
        """Actions per theme per council (one council, one theme, or all), with the verdicts matched to each theme."""
        with self._lock.read():
            reader = self._reader()
            themes = self.themes()
            if theme is not None:
                themes = [find_theme(themes, theme)]
            name = resolve_council(reader, council) if council else None
            verdicts = reader.verdicts(name)
            named = [v.weakness for v in verdicts if v.weakness]
            matched = iter(assign_texts(self.embedder, named, self.themes()) if named else [])
            verdict_themes = [next(matched) if v.weakness else [] for v in verdicts]
            return build_overview(themes, self.theme_assignment(), reader.iter_actions(name), verdicts, verdict_themes)

    def theme_columns(self, theme: str, councils: Sequence[str] = ()) -> tuple[Theme, list[ThemeCouncil]]:
        """A theme (id or name) across councils (all, if none named): one column each, with its actions and verdicts."""
        with self._lock.read():
            reader = self._reader()
            (overview,) = self.themes_overview(theme=theme)
            names = [resolve_council(reader, council) for council in councils] or reader.councils()
            return overview.theme, theme_columns(overview, names, reader.verdicts())

    def close(self) -> None:
        with self._lock.write():
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
            with self._readers_lock:
                readers, self._readers = list(self._readers), weakref.WeakSet()
            for reader in readers:
                reader.close()
            self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_sentence_memo(path: Path, read_only: bool = False) -> Optional[SentenceMemo]:
    """The home's memo of sentence offsets; None where the file cannot even be opened (then spaCy splits).

    A read-only home's memo is only read, and none is made where it has none."""
    import sqlite3

    if read_only and not path.exists():
        return None
    try:
        return SentenceMemo(path, read_only=read_only)
    except sqlite3.Error:
        return None
