"""One home folder's corpus store, embedding model and search index, opened together.

The CLI and the Streamlit app both work through a :class:`Workspace`, so
neither decides by itself when the index must be rebuilt or where the vector
cache lives. The model is loaded only when something must be encoded.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from . import config
from .brief import build_brief, resolve_council
from .embed import Embedder
from .errors import NarrativeSearchError
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
    Theme,
    ThemeAssignment,
    ThemeCouncil,
    ThemeOverview,
    ThemeScore,
    Timeline,
    Verdict,
    WeaknessReport,
)
from .months import month_from_number
from .protocols import EncodeProgress
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
    stale_reason,
    table_hash,
    theme_columns,
)
from .timeline import build_timeline
from .weaknesses import STALE_MONTHS, weakness_report, with_weaknesses


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
        self.embedder: Embedder = embedder or Embedder(model, cache_path=self.home / config.VECTOR_CACHE_NAME)
        self._index: Optional[SearchIndex] = None
        self._lock = threading.RLock()
        self._themes_memo: Optional[tuple[tuple[str, str, str], ThemeAssignment]] = None

    @classmethod
    def open(
        cls, home: Optional[config.PathLike] = None, model: Optional[str] = None, embedder: Optional[Embedder] = None
    ) -> "Workspace":
        return cls(home=home, model=model, embedder=embedder)

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
            self._index, notes = ensure_index(
                self.home, self.store, self.embedder, self.index_type, show_progress=show_progress, progress=progress
            )
            self.notes.extend(notes)
            return self._index

    def index_is_current(self) -> bool:
        return index_is_current(self.home, self.store, self.embedder.model_id)

    def update_index(
        self, force: bool = False, show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> Optional[Manifest]:
        """Rebuild the index if the corpus or model changed (or ``force``); the new manifest, or None if current."""
        with self._lock:
            if not force and self.index_is_current():
                return None
            manifest = rebuild_index(self.home, self.store, self.embedder, self.index_type, show_progress, progress)
            if self._index is not None:
                self._index.close()
                self._index = None
            self._assign_themes_after_indexing()
            return manifest

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
        """``filters.themes``: theme ids or names (themes.py); each hit carries its themes."""
        with self._lock:
            filters = self.with_theme_actions(filters or SearchFilters())
            result = search(self.index(), self.embedder, query, k=k, filters=filters, mode=mode, explain=explain)
            return self.with_hit_themes(result)

    def similar(self, action_id: str, k: int = 10, theme: Optional[str] = None) -> SearchResult:
        """The closest actions of other councils; with ``theme``, only those on that national theme."""
        with self._lock:
            if theme is None:
                return self.with_hit_themes(similar_actions(self.index(), action_id, k=k))
            chosen = find_theme(self.themes(), theme)
            on_theme = set(self.theme_assignment().actions_of(chosen.id))
            index = self.index()
            result = similar_actions(index, action_id, k=len(index.action_ids))
            result.hits = [hit for hit in result.hits if hit.key in on_theme][:k]
            result.filters = replace(result.filters, themes=(chosen.name,), theme_actions=tuple(sorted(on_theme)))
            if not result.hits and result.message is None:
                result.message = f"No other council's actions are on the theme {chosen.name}."
            return self.with_hit_themes(result)

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
            brief = build_brief(self.store, council, since=since, as_of=as_of, embedder=self.embedder)
            return with_weaknesses(self.store, brief, embedder=self.embedder)

    def weaknesses(self, council: str, as_of: Optional[str] = None, stale_months: int = STALE_MONTHS) -> WeaknessReport:
        """The council's weaknesses, each rolled up as of a month (see :mod:`narrative_search.weaknesses`)."""
        with self._lock:
            return weakness_report(self.store, council, as_of=as_of, stale_months=stale_months,
                                   embedder=self.embedder)

    def verdicts(self, council: Optional[str] = None) -> list[Verdict]:
        """Revisit and monitoring verdicts (of one council: any case, alias or slug), newest event first."""
        with self._lock:
            return self.store.verdicts(resolve_council(self.store, council) if council else None)

    # -- national themes (themes.py) ---------------------------------------------

    def themes(self) -> list[Theme]:
        """The themes table in use (read again when its file changes)."""
        return load_themes(self.home)

    def theme_assignment(self, force: bool = False) -> ThemeAssignment:
        """The themes of every action and section: kept in the home, made again when the table or corpus changed."""
        with self._lock:
            themes = self.themes()
            key = (table_hash(themes), self.store.fingerprint(), self.embedder.model_id)
            if not force and self._themes_memo is not None and self._themes_memo[0] == key:
                return self._themes_memo[1]
            assignment = current_assignment(self.home, self.store, self.embedder, themes, force=force, notes=self.notes)
            self._themes_memo = (key, assignment)
            return assignment

    def stored_theme_assignment(self) -> Optional[ThemeAssignment]:
        """The assignment kept in the home if it is current (never loads the model); None otherwise."""
        with self._lock:
            themes = self.themes()
            kept = read_assignment(self.home, themes)
            current = stale_reason(kept, themes, self.store.fingerprint(), self.embedder.model_id) is None
            return kept if current else None

    def _assign_themes_after_indexing(self) -> None:
        """Bring the theme assignment up to date while the model is loaded; a bad table is a note, not a failure."""
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
        with self._lock:
            return assign_texts(self.embedder, texts, self.themes()) if texts else []

    def compare(
        self, query: str, councils: Sequence[str], k: int = 5, themes: Sequence[str] = ()
    ) -> list[tuple[str, SearchResult]]:
        """Each council's closest actions to ``query`` (on ``themes``, if given), council by council, side by side."""
        with self._lock:
            return [
                (council, self.search(query, k=k, filters=SearchFilters(councils=(council,), themes=tuple(themes)), explain=False))
                for council in councils
            ]

    def themes_overview(self, council: Optional[str] = None, theme: Optional[str] = None) -> list[ThemeOverview]:
        """Actions per theme per council (one council, one theme, or all), with the verdicts matched to each theme."""
        with self._lock:
            themes = self.themes()
            if theme is not None:
                themes = [find_theme(themes, theme)]
            name = resolve_council(self.store, council) if council else None
            verdicts = self.store.verdicts(name)
            named = [v.weakness for v in verdicts if v.weakness]
            matched = iter(assign_texts(self.embedder, named, self.themes()) if named else [])
            verdict_themes = [next(matched) if v.weakness else [] for v in verdicts]
            return build_overview(themes, self.theme_assignment(), self.store.iter_actions(name), verdicts, verdict_themes)

    def theme_columns(self, theme: str, councils: Sequence[str] = ()) -> tuple[Theme, list[ThemeCouncil]]:
        """A theme (id or name) across councils (all, if none named): one column each, with its actions and verdicts."""
        with self._lock:
            (overview,) = self.themes_overview(theme=theme)
            names = [resolve_council(self.store, council) for council in councils] or self.store.councils()
            return overview.theme, theme_columns(overview, names, self.store.verdicts())

    def close(self) -> None:
        with self._lock:
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
