"""The search index: passages, their vectors (faiss) and their words (SQLite FTS5), built together.

Layout inside the home folder::

    search/
        CURRENT                 the name of the generation in use (replaced atomically)
        gen-<time>-<random>/
            passages.sqlite     passage metadata, an FTS5 index of their text, the actions
            vectors.faiss       the passages' normalised vectors; faiss id = passage rowid
            words.npz           FTS5's postings as arrays, for BM25 in numpy (keyword.py)
            manifest.json       written last: a generation without one is incomplete

A build writes a new generation beside the one in use and only then points
``CURRENT`` at it, with ``os.replace``; a build that dies half way leaves
``CURRENT`` on the previous, complete generation, which stays usable. The
manifest records the model, the dimension, the passage count, a hash of the
passages and the fingerprint of the corpus store they were built from, so an
index built with another model, from another corpus, or damaged on disk is
noticed and rebuilt instead of answering wrongly (:func:`ensure_index`).

Vector search is exact inner product (``IndexFlatIP``) over normalised vectors
(= cosine similarity) up to :data:`APPROXIMATE_ABOVE` passages, and HNSW above
it; ``bench/speed.py`` measures the recall of HNSW against the exact index.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
import sqlite3
import threading
import time
import weakref
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union

import numpy as np

from .errors import NarrativeSearchError
from .keyword import FTS_TOKENIZE, KeywordPostings, QueryTokenizer, fts_phrase
from .model import INDEX_TYPES, ActionKind, Citation, IndexType, Passage, PassageKind
from .months import Month, month_number
from .passages import PASSAGE_FORMAT_VERSION, TITLE_LABELS, build_passages, embedding_text, sentence_spans
from .protocols import CorpusReader, EncodeProgress, Fingerprinted, IndexingEncoder
from .summary import MIN_THEME_WORDS, summary_sentence

if TYPE_CHECKING:  # faiss is imported where it is used: loading it is slow
    import faiss

PathLike = Union[str, Path]

#: Version of the files below; a different one is rebuilt, never read.
#: 2: words.npz (keyword postings) added.
#: 3: passages.location (where the passage is in its file: "page 3") added.
#: 4: passages.record_kind (the record a passage belongs to: "action", "section") and actions.title
#:    (a section's title, shown where an action shows its ref) added.
INDEX_FORMAT_VERSION = 4

INDEX_DIR_NAME = "search"
CURRENT_NAME = "CURRENT"
MANIFEST_NAME = "manifest.json"
PASSAGES_NAME = "passages.sqlite"
VECTORS_NAME = "vectors.faiss"
WORDS_NAME = "words.npz"
GENERATION_PREFIX = "gen-"

#: Above this many passages the vector index is HNSW rather than exact. On the
#: project's 2-core machine an exact search of one query costs about 0.2 ms per
#: thousand passages (20 ms at 100k, as much as encoding the query), HNSW under
#: 1 ms at 100k, at a recall@10 that bench/speed.py measures against the exact
#: index. HNSW's build adds about 15 s per 100k passages, little beside the
#: encoding of that many new texts (over half an hour).
APPROXIMATE_ABOVE = 50_000

#: HNSW settings: neighbours per node, build breadth, and search breadth (recall vs speed).
#: bench/speed.py --tune at 100k synthetic passages, recall@10 at efSearch 128 / 256:
#: M=16 efC=80 0.948 / 0.976 (build 52 s); M=32 efC=80 0.934 / 0.980 (115 s);
#: M=32 efC=128 0.977 / 0.992 (117 s); M=48 efC=128 0.973 / 0.985 (189 s). A search
#: stays well under a millisecond beside a query's encoding of several, and recall
#: falls as the corpus grows, so M=32, efConstruction=128, efSearch=256 keep the margin for 1M.
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 128
HNSW_EF_SEARCH = 256

#: Recall at a fixed efSearch falls as the graph grows: bench/speed.py at 1,000,000
#: synthetic passages (M=32, efConstruction=128) measured recall@10 0.895 / 0.940 / 0.958 /
#: 0.968 / 0.975 at efSearch 256 / 512 / 768 / 1024 / 1536, a search taking 0.8 / 1.4 / 2.0 /
#: 2.7 / 4.4 ms (p50, 2 cores), where 256 gives 0.994 at 100k. So the breadth grows with the
#: corpus: HNSW_EF_SEARCH up to HNSW_EF_SEARCH_FROM passages, then as a power of the size
#: that reaches HNSW_EF_SEARCH_AT_MILLION at a million (and goes on growing beyond).
HNSW_EF_SEARCH_FROM = 100_000
HNSW_EF_SEARCH_AT_MILLION = 1024

#: A filter allowing at most this many passages is searched exactly (on the
#: allowed passages alone) even in an HNSW index: a council + date filter at a
#: million passages allows a few hundred, which HNSW would mostly miss.
EXACT_FILTER_MAX_ROWS = 10_000

#: Passages encoded and added to faiss at a time by a build larger than this: the
#: vectors of one slice (16 MiB at 384 dimensions) are all that is held beside faiss's copy.
BUILD_SLICE = 10_000

#: Passages whose sentences (or texts) :func:`encode_reading_texts` encodes at a time.
READING_SLICE = 200

#: Phrase matches remembered per open index, least recently used dropped first, up to this
#: many row ids in all (4 bytes each: 16 MiB). A query asks for each phrase twice (to require it,
#: then to score it), and the vocabulary's multi-word forms ("EHC plan", "annual review")
#: recur across queries: at a million passages FTS5 takes 10-20 ms to list one common phrase's
#: rows, the largest part of a search (bench/speed.py).
_MATCH_CACHE_ROWS = 4_000_000

#: Incomplete generations older than this are someone's dead build, safe to remove.
_STALE_BUILD_SECONDS = 3600

_SCHEMA = """
CREATE TABLE passages (
    rowid       INTEGER PRIMARY KEY,     -- the faiss id
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    council     TEXT NOT NULL,
    document    TEXT NOT NULL,
    line        INTEGER NOT NULL,
    ref         TEXT,
    action_id   TEXT,
    start       TEXT,
    "end"       TEXT,
    rating      TEXT,
    action_row  INTEGER,                 -- row of the actions table, NULL for unattributed text
    location    TEXT,                    -- "page 3", "table 2 row 5", "line 12"
    record_kind TEXT                     -- "action" or "section"; NULL for unattributed text
);
CREATE TABLE actions (
    action_row  INTEGER PRIMARY KEY,
    action_id   TEXT NOT NULL UNIQUE,
    council     TEXT NOT NULL,
    ref         TEXT,
    title       TEXT                     -- a section's title (it has no ref); NULL for an action
);
CREATE VIRTUAL TABLE passage_words USING fts5(
    text, content='passages', content_rowid='rowid', tokenize='{tokenize}'
);
""".format(tokenize=FTS_TOKENIZE)


class SearchIndexError(NarrativeSearchError):
    """The search index cannot be used."""


class IndexMissingError(SearchIndexError):
    """No complete index has been built in this home folder."""


class IndexCorruptError(SearchIndexError):
    """The index files cannot be read or disagree with their manifest."""


@dataclass(frozen=True)
class Manifest:
    """What an index generation holds and what it was built from."""

    format_version: int
    model_id: str
    dimension: int
    passage_count: int
    action_count: int
    corpus_hash: str
    store_fingerprint: str
    index_type: IndexType
    built_at: str
    build_seconds: float = 0.0
    encoded: int = 0  # texts the model had to encode for this build
    cache_hits: int = 0  # texts whose vectors came from the cache
    extra: dict = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as error:
            raise IndexCorruptError(f"{path}: the manifest cannot be read ({error})") from error


def corpus_hash(passages: Sequence[Passage]) -> str:
    """A hash of every passage's id, text and metadata, in order."""
    digest = hashlib.sha256()
    for p in passages:  # the fields one by one: dataclasses.asdict deep-copies and is slow at 100k
        fields = (p.id, p.kind, p.text, p.council, p.document, p.line, p.ref, p.action_id, p.start, p.end, p.rating,
                  p.location, p.record_kind, p.context)
        digest.update("\x1f".join("" if value is None else str(value) for value in fields).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def index_root(home: PathLike) -> Path:
    return Path(home) / INDEX_DIR_NAME


# -- building ------------------------------------------------------------------


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def choose_index_type(passage_count: int, requested: str = "auto") -> IndexType:
    """``requested`` if it names an index type; for "auto", HNSW above :data:`APPROXIMATE_ABOVE` passages."""
    for index_type in INDEX_TYPES:
        if requested == index_type:
            return index_type
    if requested != "auto":
        raise ValueError(f"index type must be auto, flat or hnsw, not {requested!r}")
    return "hnsw" if passage_count > APPROXIMATE_ABOVE else "flat"


def hnsw_ef_search(passage_count: int) -> int:
    """The HNSW search breadth for an index of ``passage_count`` passages (see :data:`HNSW_EF_SEARCH_FROM`)."""
    if passage_count <= HNSW_EF_SEARCH_FROM:
        return HNSW_EF_SEARCH
    growth = math.log(HNSW_EF_SEARCH_AT_MILLION / HNSW_EF_SEARCH) / math.log(1_000_000 / HNSW_EF_SEARCH_FROM)
    return int(round(HNSW_EF_SEARCH * (passage_count / HNSW_EF_SEARCH_FROM) ** growth))


def empty_vector_index(dimension: int, index_type: IndexType) -> "faiss.Index":
    """An empty faiss index for normalised vectors (inner product = cosine), HNSW set up with our settings."""
    import faiss

    index: faiss.Index
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    return index


def make_vector_index(vectors: np.ndarray, index_type: IndexType) -> "faiss.Index":
    """A faiss index over normalised ``vectors`` (inner product = cosine)."""
    index = empty_vector_index(vectors.shape[1], index_type)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def first_passage_of_each_action(passages: Sequence[Passage]) -> list[Passage]:
    """One passage per action, in first-seen order: the order of the actions table."""
    seen: dict[str, Passage] = {}
    for passage in passages:
        if passage.action_id and passage.action_id not in seen:
            seen[passage.action_id] = passage
    return list(seen.values())


def section_title(passage: Passage) -> Optional[str]:
    """The title of the section whose own passage (or its first chunk) this is: "Section: <title>" without its label."""
    if passage.record_kind != "section" or passage.kind != "action":
        return None
    first_line = passage.text.split("\n", 1)[0]
    label = f"{TITLE_LABELS['section']}: "
    return first_line[len(label):] if first_line.startswith(label) else None


def _passage(
    passage_id: str, kind: PassageKind, text: str, council: str, document: str, line: int, ref: Optional[str],
    action_id: Optional[str], start: Month, end: Month, rating: Optional[str], location: Optional[str],
    record_kind: Optional[ActionKind],
) -> Passage:
    """A passage from its row of the passages table (the columns in table order, rowid and action_row left out)."""
    return Passage(id=passage_id, kind=kind, text=text, council=council, source=Citation(document, line, location),
                   ref=ref, action_id=action_id, start=start, end=end, rating=rating, record_kind=record_kind)


def _write_passages_db(
    path: Path, passages: Sequence[Passage], action_rows: dict[str, int], firsts: Sequence[Passage]
) -> KeywordPostings:
    """Write the passages, actions and FTS5 index; return FTS5's postings as arrays."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(_SCHEMA)
        conn.executemany(
            'INSERT INTO passages (rowid, id, kind, text, council, document, line, ref, action_id, start, "end", rating,'
            " action_row, location, record_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    row, p.id, p.kind, p.text, p.council, p.document, p.line, p.ref, p.action_id,
                    p.start, p.end, p.rating, action_rows.get(p.action_id) if p.action_id else None, p.location,
                    p.record_kind,
                )
                for row, p in enumerate(passages)
            ),
        )
        conn.executemany(
            "INSERT INTO actions (action_row, action_id, council, ref, title) VALUES (?, ?, ?, ?, ?)",
            ((row, p.action_id, p.council, p.ref, section_title(p)) for row, p in enumerate(firsts)),
        )
        conn.execute("INSERT INTO passage_words (rowid, text) SELECT rowid, text FROM passages")
        conn.execute("INSERT INTO passage_words (passage_words) VALUES ('optimize')")
        conn.commit()
        postings = KeywordPostings.from_fts(conn, "passage_words", len(passages))
    finally:
        conn.close()
    _fsync_file(path)
    return postings


def build_index(
    home: PathLike,
    passages: Sequence[Passage],
    embedder: IndexingEncoder,
    store_fingerprint: str,
    index_type: str = "auto",
    show_progress: bool = False,
    progress: Optional[EncodeProgress] = None,
) -> Manifest:
    """Encode ``passages`` (cached vectors reused) and write a new index generation, then switch to it.

    Returns the new generation's manifest. Whatever goes wrong before the
    switch, the generation in use is untouched. ``progress(encoded,
    to_encode)`` follows the encoding, the only long part.

    Memory: the passages table and the keyword postings are written (and
    the postings let go) before any vector is read, and the vectors then go
    into faiss a slice at a time (:func:`encode_vector_index`), so the only
    whole copy of them is faiss's own.
    """
    import faiss

    started = time.perf_counter()
    encoded_before, hits_before = embedder.encoded_count, embedder.cache_hits
    kind = choose_index_type(len(passages), index_type)

    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    generation = root / f"{GENERATION_PREFIX}{stamp}-{secrets.token_hex(4)}"
    generation.mkdir()
    try:
        firsts = first_passage_of_each_action(passages)
        action_rows = {p.action_id: row for row, p in enumerate(firsts) if p.action_id}
        postings = _write_passages_db(generation / PASSAGES_NAME, passages, action_rows, firsts)
        postings.save(generation / WORDS_NAME)
        del postings
        _fsync_file(generation / WORDS_NAME)
        vector_index = encode_vector_index(
            [embedding_text(p) for p in passages], embedder, kind, show_progress, _keeping_alive(generation, progress)
        )
        dimension = int(vector_index.d)
        faiss.write_index(vector_index, str(generation / VECTORS_NAME))
        del vector_index
        _fsync_file(generation / VECTORS_NAME)
        manifest = Manifest(
            format_version=INDEX_FORMAT_VERSION,
            model_id=embedder.model_id,
            dimension=dimension,
            passage_count=len(passages),
            action_count=len(firsts),
            corpus_hash=corpus_hash(passages),
            store_fingerprint=store_fingerprint,
            index_type=kind,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
            encoded=embedder.encoded_count - encoded_before,
            cache_hits=embedder.cache_hits - hits_before,
            extra=_encoder_details(embedder),
        )
        _atomic_write_bytes(generation / MANIFEST_NAME, json.dumps(asdict(manifest), indent=2).encode("utf-8"))
        _atomic_write_bytes(root / CURRENT_NAME, generation.name.encode("utf-8"))
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(root, keep=generation.name)
    return manifest


def _keeping_alive(generation: Path, progress: Optional[EncodeProgress]) -> EncodeProgress:
    """``progress``, touching the generation's folder first: encoding may take hours, and another
    process's build removes folders without a manifest untouched for :data:`_STALE_BUILD_SECONDS`."""

    def touched(done: int, total: int) -> None:
        os.utime(generation)
        if progress is not None:
            progress(done, total)

    return touched


def passage_sentence_texts(text: str, kind: str) -> list[str]:
    """Every text reading a passage encodes: each sentence (the one closest to a query is marked in results),
    and each sentence as a summary weighs it (without our field label), where that differs."""
    texts = []
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence = text[start:end]
        texts.append(sentence)
        summarised = summary_sentence(kind, text, start, end)
        if summarised != sentence and len(summarised.split()) >= MIN_THEME_WORDS:
            texts.append(summarised)
    return texts


def encode_reading_texts(
    index: "SearchIndex", embedder: IndexingEncoder, also: Sequence[str] = (), progress: Optional[EncodeProgress] = None,
    sentences: bool = True,
) -> int:
    """Encode into the vector cache, now, what reading ``index`` encodes: every passage's sentences
    (:func:`passage_sentence_texts`; not with ``sentences`` False), then the texts ``also`` (each
    action's texts the theme assignment weighs).

    Run after a build, so that a search, a summary or a theme assignment reads
    these vectors back instead of encoding document text while someone waits.
    :data:`READING_SLICE` passages (or texts) at a time: memory stays bounded and
    a search waiting for the model between two slices waits for one slice only.
    ``progress(done, total)`` counts passages, then texts, moving as each batch is encoded.
    Returns the texts the model encoded.
    """
    before = embedder.encoded_count
    total = (len(index) if sentences else 0) + len(also)
    report = progress or (lambda done, total: None)
    report(0, total)
    done = 0

    def encode_slice(texts: list[str], items: int) -> None:
        """Encode ``texts``, the texts of ``items`` passages (or texts), moving the count as batches finish."""
        nonlocal done

        def within(encoded: int, to_encode: int) -> None:
            report(done + (items * encoded // to_encode if to_encode else items), total)

        embedder.encode(texts, progress=within)
        done += items
        report(done, total)

    last = -1  # rowids are faiss ids: from 0
    while sentences:
        rows = index.conn.execute(
            "SELECT rowid, text, kind FROM passages WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, READING_SLICE)
        ).fetchall()
        if not rows:
            break
        last = int(rows[-1][0])
        encode_slice([sentence for _, text, kind in rows for sentence in passage_sentence_texts(text, kind)], len(rows))
    for start in range(0, len(also), READING_SLICE):
        piece = list(also[start:start + READING_SLICE])
        encode_slice(piece, len(piece))
    return embedder.encoded_count - before


def encode_vector_index(
    texts: Sequence[str],
    embedder: IndexingEncoder,
    index_type: IndexType,
    show_progress: bool = False,
    progress: Optional[EncodeProgress] = None,
) -> "faiss.Index":
    """A faiss index of ``texts``' vectors (cached ones reused), encoded :data:`BUILD_SLICE` texts at a time.

    A corpus of one slice is encoded in one call, as before. A larger one is
    encoded slice by slice and each slice added to faiss at once, so no
    second whole copy of the vectors is ever held (faiss's storage is
    reserved up front: growing it would copy it). ``progress`` then counts
    passages handled (cached or encoded) out of all of them.
    """
    if len(texts) <= BUILD_SLICE:
        vectors = embedder.encode(texts, show_progress=show_progress, progress=progress)
        dimension = int(vectors.shape[1]) if len(texts) else int(embedder.dimension)
        return make_vector_index(vectors.reshape(-1, dimension), index_type)
    vector_index: Optional["faiss.Index"] = None
    if progress is not None:
        progress(0, len(texts))
    for start in range(0, len(texts), BUILD_SLICE):
        piece = texts[start:start + BUILD_SLICE]
        vectors = embedder.encode(piece, show_progress=show_progress)
        if vector_index is None:
            vector_index = empty_vector_index(int(vectors.shape[1]), index_type)
            _reserve_vector_storage(vector_index, len(texts))
        vector_index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        del vectors
        if progress is not None:
            progress(start + len(piece), len(texts))
    assert vector_index is not None
    return vector_index


def _reserve_vector_storage(vector_index: "faiss.Index", count: int) -> None:
    """Room for ``count`` vectors in a flat (or HNSW-flat) index's storage, so adding slices never regrows it.

    faiss offers no reserve(): growing the storage to its final size and back
    to empty keeps the allocation (a vector shrunk keeps its capacity).
    """
    import faiss

    storage = faiss.downcast_index(vector_index.storage) if hasattr(vector_index, "storage") else vector_index
    codes = getattr(storage, "codes", None)
    if storage.ntotal == 0 and codes is not None and hasattr(codes, "resize"):
        codes.resize(count * storage.sa_code_size())
        codes.resize(0)


def _encoder_details(embedder: IndexingEncoder) -> dict:
    """How the passages were encoded (the ONNX file's sha256, for one), if the encoder says."""
    details = getattr(embedder, "build_details", None)  # an Embedder says; a test's fake encoder need not
    return dict(details()) if callable(details) else {}


def _remove_old_generations(root: Path, keep: str) -> None:
    """Remove finished generations other than ``keep``, and builds abandoned long ago.

    A generation without a manifest may be another process's build in progress,
    so it is only removed once it is old. Open readers keep working on Linux:
    a removed file lives on while a process holds it open.
    """
    now = time.time()
    for folder in root.glob(f"{GENERATION_PREFIX}*"):
        if folder.name == keep or not folder.is_dir():
            continue
        finished = (folder / MANIFEST_NAME).is_file()
        if finished or now - folder.stat().st_mtime > _STALE_BUILD_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
    for leftover in root.glob(f".{CURRENT_NAME}.*.tmp"):
        if now - leftover.stat().st_mtime > _STALE_BUILD_SECONDS:
            leftover.unlink(missing_ok=True)


# -- reading -------------------------------------------------------------------


def current_generation(home: PathLike) -> Path:
    """The folder of the index in use; IndexMissingError if none was ever completed."""
    root = index_root(home)
    pointer = root / CURRENT_NAME
    if not pointer.is_file():
        raise IndexMissingError(f"no search index in {root}")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = root / name
    if not name.startswith(GENERATION_PREFIX) or not (folder / MANIFEST_NAME).is_file():
        raise IndexCorruptError(f"{pointer} names {name!r}, which is not a complete index")
    return folder


class _ThreadConnection:
    """One thread's connection to an index's passages.sqlite (a holder, as connections cannot be weakly referenced)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class SearchIndex:
    """One index generation, opened for reading: vectors in faiss, words in FTS5, metadata in numpy.

    Metadata used by filters (council, kind, document, months, rating, action, record kind)
    is held as integer arrays so that a filter over 100k passages is a few
    vectorised comparisons; passage text is read from SQLite only for hits.
    Safe to share between threads, and searched by several at once: each
    thread reads SQLite through a read-only connection of its own (a
    connection must not run two threads' statements at once), and faiss
    searches the one shared vector index concurrently (its searches only read).
    """

    def __init__(self, folder: Path) -> None:
        import faiss

        self.folder = Path(folder)
        self.manifest = Manifest.read(self.folder / MANIFEST_NAME)
        if self.manifest.format_version != INDEX_FORMAT_VERSION:
            raise IndexCorruptError(
                f"{self.folder}: index format {self.manifest.format_version}, this version reads {INDEX_FORMAT_VERSION}"
            )
        self._lock = threading.Lock()  # guards the caches below and the list of connections, never a query
        self._local = threading.local()
        # Every thread's connection, weakly: a finished thread's is freed (and closed) with the thread.
        self._connections: "weakref.WeakSet[_ThreadConnection]" = weakref.WeakSet()
        self._closed = False
        self._matches: dict[str, np.ndarray] = {}  # phrase match -> rows, least recently used first
        self._all_vectors: Optional[np.ndarray] = None
        try:
            self.vectors = faiss.read_index(str(self.folder / VECTORS_NAME))
            self._load_metadata()
            self.postings = KeywordPostings.load(self.folder / WORDS_NAME)
            self._tokenizer = QueryTokenizer()
        except IndexCorruptError:
            raise
        except Exception as error:  # faiss: RuntimeError; numpy: ValueError, OSError, zipfile errors; sqlite: DatabaseError
            raise IndexCorruptError(f"{self.folder}: the index files cannot be read ({error})") from error
        problems = self._inconsistencies()
        if problems:
            self.close()
            raise IndexCorruptError(f"{self.folder}: " + "; ".join(problems))

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's read-only connection to passages.sqlite, opened on first use."""
        held: Optional[_ThreadConnection] = getattr(self._local, "held", None)
        if held is None:
            with self._lock:
                if self._closed:
                    raise SearchIndexError(f"{self.folder}: the index has been closed")
                held = _ThreadConnection(sqlite3.connect(
                    f"file:{self.folder / PASSAGES_NAME}?mode=ro", uri=True, check_same_thread=False
                ))
                self._connections.add(held)
            self._local.held = held
        return held.conn

    def _load_metadata(self) -> None:
        rows = self.conn.execute(
            'SELECT kind, council, document, start, "end", rating, action_row, record_kind FROM passages ORDER BY rowid'
        ).fetchall()
        columns = list(zip(*rows)) if rows else [()] * 8
        kinds, councils, documents, starts, ends, ratings, action_rows, record_kinds = columns
        self.kind_names, self.kind_codes = _codes(kinds)
        self.record_kind_names, self.record_kind_codes = _codes(record_kinds)
        self.council_names, self.council_codes = _codes(councils)
        self.document_names, self.document_codes = _codes(documents)
        self.starts = np.fromiter((month_number(m) for m in starts), dtype=np.int32, count=len(rows))
        self.ends = np.fromiter(
            (month_number(e or s) for s, e in zip(starts, ends)), dtype=np.int32, count=len(rows)
        )
        self.rating_names, self.rating_codes = _codes(ratings)
        self.action_rows = np.fromiter(
            (-1 if row is None else row for row in action_rows), dtype=np.int64, count=len(rows)
        )
        actions = self.conn.execute("SELECT action_id, council, ref, title FROM actions ORDER BY action_row").fetchall()
        self.action_ids = [row[0] for row in actions]
        self.action_councils = [row[1] for row in actions]
        self.action_refs = [row[2] for row in actions]
        self.action_titles: list[Optional[str]] = [row[3] for row in actions]
        self.action_row_of = {action_id: row for row, action_id in enumerate(self.action_ids)}

    def _inconsistencies(self) -> list[str]:
        m = self.manifest
        problems = []
        if self.vectors.ntotal != m.passage_count:
            problems.append(f"the vector index holds {self.vectors.ntotal} vectors, the manifest says {m.passage_count}")
        if len(self.kind_codes) != m.passage_count:
            problems.append(f"the passage table holds {len(self.kind_codes)} passages, the manifest says {m.passage_count}")
        if self.vectors.d != m.dimension:
            problems.append(f"the vectors have {self.vectors.d} dimensions, the manifest says {m.dimension}")
        if self.postings.row_count != m.passage_count:
            problems.append(f"the keyword postings cover {self.postings.row_count} passages, the manifest says {m.passage_count}")
        if len(self.action_ids) != m.action_count:
            problems.append(f"the action table holds {len(self.action_ids)} actions, the manifest says {m.action_count}")
        return problems

    def __len__(self) -> int:
        return self.manifest.passage_count

    def close(self) -> None:
        """Close every thread's connection (the caller makes sure no search is running)."""
        with self._lock:
            self._closed = True
            connections = [held.conn for held in self._connections]
            self._connections = weakref.WeakSet()
        for resource in (*connections, getattr(self, "_tokenizer", None)):
            if resource is not None:
                resource.close()

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- consistency -----------------------------------------------------------

    def staleness(self, model_id: str, store_fingerprint: Optional[str]) -> Optional[str]:
        """Why this index no longer answers for the configured model and corpus, or None."""
        if self.manifest.model_id != model_id:
            return (
                f"the search index was built with the model {self.manifest.model_id!r}, "
                f"but the configured model is {model_id!r}"
            )
        if store_fingerprint is not None and self.manifest.store_fingerprint != store_fingerprint:
            return "the corpus has changed since the search index was built"
        return None

    # -- lookups ---------------------------------------------------------------

    def passages(self, rows: Iterable[int]) -> dict[int, Passage]:
        """Passages by faiss id (rowid)."""
        rows = [int(r) for r in rows]
        found: dict[int, Passage] = {}
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            marks = ",".join("?" * len(chunk))
            records = self.conn.execute(
                'SELECT rowid, id, kind, text, council, document, line, ref, action_id, start, "end", rating,'
                f" location, record_kind FROM passages WHERE rowid IN ({marks})",
                chunk,
            ).fetchall()
            for rowid, *values in records:
                found[rowid] = _passage(*values)
        return found

    def title_of(self, action_id: Optional[str]) -> Optional[str]:
        """The title of a section (None for an action, unattributed text or an unknown id)."""
        row = self.action_row_of.get(action_id) if action_id else None
        return self.action_titles[row] if row is not None else None

    def rows_of_action(self, action_id: str) -> np.ndarray:
        row = self.action_row_of.get(action_id)
        if row is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.action_rows == row)

    def all_vectors(self) -> np.ndarray:
        """Every passage's vector, (passages, dimension), read-only.

        A view of faiss's own storage, not a copy: at a million passages a copy
        would be another 1.4 GiB. Valid while this index is open.
        """
        with self._lock:
            if self._all_vectors is None:
                import faiss

                total, dimension = self.vectors.ntotal, self.manifest.dimension
                if not total:
                    self._all_vectors = np.zeros((0, dimension), np.float32)
                else:
                    storage = self._flat_storage()
                    view = faiss.rev_swig_ptr(storage.get_xb(), total * dimension).reshape(total, dimension)
                    view.flags.writeable = False
                    self._all_vectors = view
            return self._all_vectors

    def _flat_storage(self) -> "faiss.IndexFlat":
        """The exact (flat) index holding the vectors: the index itself, or an HNSW index's storage."""
        import faiss

        index = faiss.downcast_index(getattr(self.vectors, "storage", self.vectors))
        assert isinstance(index, faiss.IndexFlat), type(index)
        return index

    def passage_vectors(self, rows: Sequence[int]) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        return self.vectors.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    # -- the two rankings ------------------------------------------------------

    def dense(self, query_vector: np.ndarray, k: int, mask: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosine similarities) of the ``k`` nearest passages, within ``mask`` if given."""
        import faiss

        total = self.vectors.ntotal
        if total == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        params = None
        if mask is not None:
            allowed = int(mask.sum())
            if allowed == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            k = min(k, allowed)
            if allowed <= EXACT_FILTER_MAX_ROWS:
                # Few rows allowed: exact scores of those alone, straight from faiss's storage. HNSW
                # would walk the graph through disallowed nodes (slower, and missing neighbours as
                # the filter narrows), and faiss's own filtered exact search visits every row.
                return self._exact_within(query[0], np.flatnonzero(mask), k)
            bits = np.packbits(mask.astype(bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(total, faiss.swig_ptr(bits))
            # faiss's stub lacks SearchParametersHNSW and the keyword arguments its wrapper adds to
            # every SearchParameters class (which also keep the selector alive).
            if self.manifest.index_type == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(hnsw_ef_search(total), k))  # type: ignore[attr-defined]
            else:
                params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        elif self.manifest.index_type == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(hnsw_ef_search(total), k))  # type: ignore[attr-defined]
        k = min(k, total)
        scores, rows = self.vectors.search(query, k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def _exact_within(self, query: np.ndarray, allowed: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of the best ``k`` of the ``allowed`` rows, best first, ties by row."""
        scores = self.all_vectors()[allowed] @ query
        if len(allowed) > k:
            best = np.argpartition(-scores, k - 1)[:k]
            allowed, scores = allowed[best], scores[best]
        order = np.lexsort((allowed, -scores))
        return allowed[order].astype(np.int64), scores[order].astype(np.float32)

    def keyword(
        self, words: Sequence[str], k: int, mask: Optional[np.ndarray] = None, groups: Sequence[Sequence[tuple[str, float]]] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 scores, higher is better) of the best ``k`` passages holding any of ``words`` or ``groups``.

        ``words`` are query words or phrases, tokenized as FTS5 tokenizes the
        passages; each adds its BM25 term score as in FTS5's bm25() (see
        keyword.py). A group is (word or phrase, weight) pairs, the forms of
        one vocabulary concept, scored as one term. With a ``mask``, only
        allowed rows are ranked.
        """
        if not (words or groups) or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        forms = [form for group in groups for form, _ in group]
        tokenized = iter(self._tokenizer.tokenize(list(words) + forms))
        elements = [self._keyword_element(word, next(tokenized)) for word in words]
        weighted_groups = [[(*self._keyword_element(form, next(tokenized)), weight) for form, weight in group] for group in groups]
        return self.postings.rank(elements, k, mask, weighted_groups)

    def word_rarity(self, words: Sequence[str]) -> list[float]:
        """Per word, how rare it is in the passages: its BM25 idf over that of a word in one passage (0-1); 0 if absent.

        A word of several tokens counts as its rarest token. Search uses it to tell how keyword-like a query is.
        """
        if not words:
            return []
        top = self.postings.idf(1)
        rarity = []
        for tokens in self._tokenizer.tokenize(list(words)):
            hits = [self.postings.document_frequency(token) for token in tokens]
            found = [h for h in hits if h > 0]
            rarity.append(max(self.postings.idf(h) for h in found) / top if found and len(found) == len(hits) and top > 0 else 0.0)
        return rarity

    def _keyword_element(self, word: str, tokens: list[str]) -> tuple[list[str], Optional[np.ndarray]]:
        """A word's tokens, and for a phrase the rows FTS5 finds it in."""
        return tokens, self.matching_rows(fts_phrase(word)) if len(tokens) > 1 else None

    def matching_rows(self, match: str) -> np.ndarray:
        """Rows that satisfy the FTS5 ``match`` expression (quoted phrases), in row order."""
        with self._lock:
            cached = self._matches.pop(match, None)
            if cached is not None:
                self._matches[match] = cached  # most recently used last
        if cached is not None:
            return cached.astype(np.int64)
        try:
            records = self.conn.execute(
                "SELECT rowid FROM passage_words WHERE passage_words MATCH ? ORDER BY rowid", (match,)
            ).fetchall()
        except sqlite3.OperationalError as error:
            raise NarrativeSearchError(f"the keyword query {match!r} cannot be run: {error}") from error
        rows = np.fromiter((r for r, in records), dtype=np.int64, count=len(records))
        with self._lock:
            self._matches.pop(match, None)
            self._matches[match] = rows.astype(np.int32)
            held = sum(len(r) for r in self._matches.values())
            while held > _MATCH_CACHE_ROWS and len(self._matches) > 1:
                held -= len(self._matches.pop(next(iter(self._matches))))
        return rows

    def highlight(self, match: str, rows: Sequence[int], start_mark: str, end_mark: str) -> dict[int, str]:
        """The text of each passage in ``rows`` that matches ``match``, its matched terms wrapped in marks."""
        if not match or not rows:
            return {}
        marks = ",".join("?" * len(rows))
        records = self.conn.execute(
            f"SELECT rowid, highlight(passage_words, 0, ?, ?) FROM passage_words"
            f" WHERE passage_words MATCH ? AND rowid IN ({marks})",
            (start_mark, end_mark, match, *[int(r) for r in rows]),
        ).fetchall()
        return dict(records)


def _codes(values: Sequence[Optional[str]]) -> tuple[list[Optional[str]], np.ndarray]:
    """(distinct values, each value's position among them) for vectorised filtering."""
    names: list[Optional[str]] = []
    positions: dict[Optional[str], int] = {}
    codes = np.empty(len(values), dtype=np.int32)
    for i, value in enumerate(values):
        code = positions.get(value)
        if code is None:
            code = positions[value] = len(names)
            names.append(value)
        codes[i] = code
    return names, codes


def open_index(home: PathLike) -> SearchIndex:
    """The index in use; IndexMissingError or IndexCorruptError if it cannot be read."""
    return SearchIndex(current_generation(home))


def ensure_index(
    home: PathLike,
    store: CorpusReader,
    embedder: IndexingEncoder,
    index_type: str = "auto",
    show_progress: bool = False,
    progress: Optional[EncodeProgress] = None,
    rebuild_if_behind: bool = True,
) -> tuple[SearchIndex, list[str]]:
    """The index for this store and model, rebuilt first if missing, damaged or out of date.

    Returns the open index and the notes to show the user: why it was rebuilt
    (never silently). A rebuild encodes only text the vector cache lacks.
    With ``rebuild_if_behind`` False, an index of the configured model that
    is only behind the store (the corpus changed since it was built) is
    returned as it is: the last good index answers while a rebuild is left
    to whoever asked for one.
    """
    notes: list[str] = []
    fingerprint = corpus_fingerprint(store)
    try:
        index = open_index(home)
    except IndexMissingError:
        notes.append("No search index yet: building it.")
    except IndexCorruptError as error:
        notes.append(f"The search index cannot be used ({error}): rebuilding it.")
    else:
        reason = index.staleness(embedder.model_id, fingerprint)
        if reason is None or (not rebuild_if_behind and index.staleness(embedder.model_id, None) is None):
            return index, notes
        index.close()
        notes.append(f"{reason[0].upper()}{reason[1:]}: rebuilding it.")
    rebuild_index(home, store, embedder, index_type=index_type, show_progress=show_progress, progress=progress)
    return open_index(home), notes


def rebuild_index(
    home: PathLike,
    store: CorpusReader,
    embedder: IndexingEncoder,
    index_type: str = "auto",
    show_progress: bool = False,
    progress: Optional[EncodeProgress] = None,
) -> Manifest:
    """Build the index of everything in ``store`` (passages split to the model's window)."""
    fingerprint = corpus_fingerprint(store)
    passages = build_passages(store, embedder.max_tokens, embedder.count_tokens)
    return build_index(
        home, passages, embedder, fingerprint, index_type=index_type, show_progress=show_progress, progress=progress
    )


def index_is_current(home: PathLike, store: Fingerprinted, model_id: str) -> bool:
    """Whether the index in use was built from this store's content with this model.

    Reads only the manifest: no model, no vectors.
    """
    try:
        manifest = Manifest.read(current_generation(home) / MANIFEST_NAME)
    except SearchIndexError:
        return False
    return (
        manifest.format_version == INDEX_FORMAT_VERSION
        and manifest.model_id == model_id
        and manifest.store_fingerprint == corpus_fingerprint(store)
    )


def corpus_fingerprint(store: Fingerprinted) -> str:
    """The store's fingerprint combined with the version of the passage rules.

    A change to how passages are cut from the store changes it too, so an
    index built by older code is rebuilt rather than trusted.
    """
    return f"{store.fingerprint()}+passages-v{PASSAGE_FORMAT_VERSION}"
