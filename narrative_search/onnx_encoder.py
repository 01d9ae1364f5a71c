"""The embedding model run by ONNX Runtime: no torch, no sentence-transformers.

Importing torch and sentence-transformers takes about 6 s on a small
machine, longer than everything else a search does. So the first index build
(which has torch at hand) exports the model's transformer to an ONNX file in
the home folder (``<home>/onnx/``), with a small JSON file beside it that
records the file's sha256, the model id, the window and the dimension; every
later process encodes with onnxruntime and the ``tokenizers`` library only:
tokenise (the model's own ``tokenizer.json``, truncated to the model's
window), run, mean-pool over the attention mask, L2-normalise, which is what
sentence-transformers does for all-MiniLM-L6-v2 (cosine >= 0.9999 to its
vectors). An export is checked against the torch model before it is kept.

Builds encode through a fused copy of the export, made once beside it
(``model-<key>-fp32-fused.onnx``, its own sha256 in its own JSON file):
onnxruntime's transformer optimiser rewrites each layer's attention into one
``Attention`` node and folds the residual adds into ``SkipLayerNormalization``
and the bias into ``BiasGelu``. For that the model is exported with its
attention in plain ("eager") form: the default SDPA form guards against
all-masked rows with ``IsNaN``/``Where`` nodes the optimiser cannot match.
The fused file is checked against the export it was made from (cosine >=
0.9999) and loaded first; if it is missing or damaged the plain export is
used (with a note when it was damaged), and the next build makes it again.

int8 (dynamic quantisation of the fp32 file, per channel) is 2-2.5x faster
but moves vectors (mean cosine 0.992, min 0.979) and hybrid nDCG@10 on
bench/queries.json by 0.006 (0.639 to 0.633), past the 0.005 allowed, so it
stays an option (``$NARRATIVE_SEARCH_PRECISION=int8``) with its own model id
and cache keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Optional, Sequence

import numpy as np

from .errors import NarrativeSearchError

Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")
Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[Device, ...] = ("auto", "cpu", "cuda")

#: Environment variable choosing the ONNX model's precision: fp32 (default) or int8.
PRECISION_ENV = "NARRATIVE_SEARCH_PRECISION"
#: Environment variable choosing where models run: auto (a GPU when present), cpu or cuda.
DEVICE_ENV = "NARRATIVE_SEARCH_DEVICE"

#: An exported model is kept only if its vectors are at least this close to torch's.
MIN_EXPORT_COSINE = {"fp32": 0.9999, "int8": 0.95}

#: How the model is exported: 2 exports its attention in plain ("eager") form, which the optimiser can fuse.
#: A build exports again a file of an older format.
EXPORT_FORMAT = 2

#: encode_many tokenises this many texts at a time and sorts them by token count before batching them.
SORT_WINDOW = 4096
#: On the CPU, encode_many's batches hold at most this many tokens, padding included. Measured per CPU second on
#: one thread (512 passages, 48 tokens on average): 512 tokens 78 texts/s, 1024 76, 2048 69, 4096 63, 8192 56;
#: torch's own encode (batches of 64 texts by character length) 47. Small batches keep activations in the cache.
BATCH_TOKENS = 1024
#: On a GPU, batches are large (it is the launches that cost there): up to this many tokens, at least 1024 texts.
GPU_BATCH_TOKENS = 65536
GPU_MIN_BATCH = 1024

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_CHECK_TEXTS = (
    "Short breaks for disabled children are now booked online.",
    "EHCP timeliness",
    "The local area partnership agreed a written statement of action in March; progress is reviewed monthly "
    "by the SEND improvement board, and parents said waiting times for assessments are still too long.",
)


class OnnxModelError(NarrativeSearchError):
    """The ONNX model file is missing, damaged or cannot be made."""


@dataclass(frozen=True)
class OnnxModelInfo:
    """What the JSON file beside an exported model records."""

    model_id: str
    precision: str
    sha256: str
    max_tokens: int
    dimension: int
    file: str
    exported_at: str
    cosine_to_torch: float
    export_format: int = 1
    #: A fused file: the sha256 of the export it was made from, and its least cosine to that export's vectors.
    source_sha256: str = ""
    cosine_to_source: float = 1.0


def choose_precision(value: Optional[str] = None) -> Precision:
    """``value``, else ``$NARRATIVE_SEARCH_PRECISION``, else fp32; a clear error for anything else."""
    text = (value if value is not None else os.environ.get(PRECISION_ENV, "")).strip().lower() or "fp32"
    for precision in PRECISIONS:
        if text == precision:
            return precision
    raise NarrativeSearchError(f"{PRECISION_ENV} must be fp32 or int8, not {text!r}")


def choose_device(value: Optional[str] = None) -> Device:
    """``value``, else ``$NARRATIVE_SEARCH_DEVICE``, else auto; a clear error for anything else."""
    text = (value if value is not None else os.environ.get(DEVICE_ENV, "")).strip().lower() or "auto"
    for device in DEVICES:
        if text == device:
            return device
    raise NarrativeSearchError(f"{DEVICE_ENV} must be auto, cpu or cuda, not {text!r}")


def has_nvidia_device() -> bool:
    """Whether an NVIDIA driver is present (cheap: no torch, no CUDA initialisation)."""
    return Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia/version").exists()


def onnx_providers(device: Device) -> list[str]:
    """onnxruntime execution providers for ``device``: CUDA first where installed and wanted."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    if device != "cpu" and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def model_files(folder: Path, model_id: str, precision: Precision, fused: bool = False) -> tuple[Path, Path]:
    """(the .onnx file, the JSON file beside it) for a model id and precision, inside ``folder``; ``fused``: the fused copy."""
    key = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:12]
    stem = f"model-{key}-{precision}{'-fused' if fused else ''}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def tokenizer_file(model_folder: Path) -> Optional[Path]:
    """The model's ``tokenizer.json`` (what the ONNX path tokenises with), None if it has none."""
    path = model_folder / "tokenizer.json"
    return path if path.is_file() else None


# -- running ---------------------------------------------------------------------------


class OnnxEncoder:
    """Encodes texts with an exported model: L2-normalised float32 vectors, as sentence-transformers would.

    On the CPU each run is one thread (``intra_op_num_threads`` 1), and
    :meth:`encode_batches` runs one batch per core at once (onnxruntime runs
    one session from several threads, and lets go of the GIL meanwhile).
    Splitting every matrix product of one batch across the cores, as an
    intra-op pool does, makes each operation wait at a barrier for all its
    threads: on a machine other work keeps busy, one descheduled thread
    stalls them all. Whole batches side by side never wait for each other.
    """

    def __init__(self, model_bytes: bytes, tokenizer_path: Path, info: OnnxModelInfo, device: Device = "auto") -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.info = info
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across batches instead (see the class's note)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: its warnings are not the user's business
        self.providers = onnx_providers(device)
        self.session = onnxruntime.InferenceSession(model_bytes, sess_options=options, providers=self.providers)
        #: Batches run at once by encode_batches: one per core on the CPU, one on a GPU (it parallelises within).
        self.workers = 1 if self.on_gpu else max(1, os.cpu_count() or 1)
        self._input_names = {item.name for item in self.session.get_inputs()}
        self._tokenizer_path = tokenizer_path
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()  # tokenizer.json may pad everything to a fixed length: pad per batch instead
        self.tokenizer.enable_truncation(max_length=info.max_tokens)
        self.tokenizer.enable_padding(pad_id=self._pad_id(), pad_token="[PAD]")
        self._counter: Any = None  # untruncated, for counting: only builds count, so made on first need
        self._unpadded: Any = None  # truncated, unpadded, for encode_many: made on first need

    def _pad_id(self) -> int:
        pad = self.tokenizer.token_to_id("[PAD]")
        return 0 if pad is None else int(pad)

    @property
    def on_gpu(self) -> bool:
        return self.providers[0] == "CUDAExecutionProvider"

    @property
    def max_tokens(self) -> int:
        return self.info.max_tokens

    @property
    def dimension(self) -> int:
        return self.info.dimension

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for ``text``, special tokens included, untruncated."""
        if self._counter is None:
            from tokenizers import Tokenizer

            counter = Tokenizer.from_file(str(self._tokenizer_path))
            counter.no_padding()
            counter.no_truncation()
            self._counter = counter
        return len(self._counter.encode(text, add_special_tokens=True).ids)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in one run (the caller batches)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # sentence-transformers strips each text before tokenising; so do we, for the same vectors.
        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        return self._run(ids, mask)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {name: value for name, value in feeds.items() if name in self._input_names})[0]
        return mean_pooled(np.asarray(hidden, dtype=np.float32), mask)

    def encode_many(self, texts: Sequence[str], max_batch: int) -> Iterator[tuple[list[int], np.ndarray]]:
        """The vectors of ``texts`` a batch at a time: (the batch's positions in ``texts``, its rows), every text once.

        Texts are tokenised :data:`SORT_WINDOW` at a time and sorted by token
        count, and each batch takes texts of about one length, as many as fit
        in :data:`BATCH_TOKENS` padded tokens (at most ``max_batch``): padding
        to the longest text of a batch costs little, and long texts go in
        small batches whose activations stay in the cache. Up to
        :attr:`workers` batches run at once.
        """
        if self.on_gpu:
            max_batch = max(max_batch, GPU_MIN_BATCH)
        batches = self._token_batches(texts, max(1, max_batch))
        if self.workers == 1:
            for positions, ids, mask in batches:
                yield positions, self._run(ids, mask)
            return
        from concurrent.futures import Future, ThreadPoolExecutor

        running: deque[tuple[list[int], Future[np.ndarray]]] = deque()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="onnx-encode") as pool:
            try:
                for positions, ids, mask in batches:
                    running.append((positions, pool.submit(self._run, ids, mask)))
                    if len(running) > self.workers:  # a bounded window: finished vectors wait for the caller, not pile up
                        done, future = running.popleft()
                        yield done, future.result()
                while running:
                    done, future = running.popleft()
                    yield done, future.result()
            finally:
                for _, future in running:
                    future.cancel()

    def _token_batches(self, texts: Sequence[str], max_batch: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """(positions in ``texts``, input ids, attention mask) of each batch, by token count within each window."""
        if self._unpadded is None:
            from tokenizers import Tokenizer

            unpadded = Tokenizer.from_file(str(self._tokenizer_path))
            unpadded.no_padding()
            unpadded.enable_truncation(max_length=self.info.max_tokens)
            self._unpadded = unpadded
        pad = self._pad_id()
        budget = GPU_BATCH_TOKENS if self.on_gpu else BATCH_TOKENS
        for start in range(0, len(texts), SORT_WINDOW):
            encodings = self._unpadded.encode_batch([text.strip() for text in texts[start:start + SORT_WINDOW]])
            lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
            order = np.argsort(-lengths, kind="stable")
            first = 0
            while first < len(order):
                longest = int(lengths[order[first]])
                chosen = order[first:first + max(1, min(max_batch, budget // max(longest, 1)))]
                ids = np.full((len(chosen), longest), pad, dtype=np.int64)
                mask = np.zeros((len(chosen), longest), dtype=np.int64)
                for row, index in enumerate(chosen):
                    count = int(lengths[index])
                    ids[row, :count] = encodings[index].ids
                    mask[row, :count] = 1
                yield (start + chosen).tolist(), ids, mask
                first += len(chosen)


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Token vectors averaged over the attention mask, then L2-normalised (sentence-transformers' mean pooling)."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(pooled / norms, dtype=np.float32)


def load_encoder(
    folder: Path, model_id: str, precision: Precision, model_folder: Path, device: Device = "auto", fused: bool = False
) -> OnnxEncoder:
    """The exported model of ``model_id`` in ``folder``, its hash checked; OnnxModelError saying why not."""
    info, data = _read_checked(folder, model_id, precision, fused)
    tokenizer_path = tokenizer_file(model_folder)
    if tokenizer_path is None:
        raise OnnxModelError(f"{model_folder} has no tokenizer.json")
    try:
        return OnnxEncoder(data, tokenizer_path, info, device)
    except Exception as error:  # onnxruntime raises its own exception types for a bad file
        model_path, _ = model_files(folder, model_id, precision, fused)
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged ({type(error).__name__}: {error})") from error


def load_fastest(
    folder: Path, model_id: str, precision: Precision, model_folder: Path, device: Device = "auto"
) -> tuple[OnnxEncoder, Optional[str]]:
    """The fused model when it is there and sound, else the plain export; and a note if a fused file was there but damaged.

    OnnxModelError when neither can be used (the plain export's problem).
    """
    problem: Optional[str] = None
    if precision == "fp32":
        try:
            return load_encoder(folder, model_id, precision, model_folder, device, fused=True), None
        except OnnxModelError as error:
            fused_path, _ = model_files(folder, model_id, precision, fused=True)
            problem = str(error) if fused_path.exists() else None  # none yet (an older export): made at the next build
    encoder = load_encoder(folder, model_id, precision, model_folder, device)
    if problem is None:
        return encoder, None
    return encoder, f"Encoding with the plain ONNX export (slower): {problem}. The next index build makes it again."


def _read_checked(folder: Path, model_id: str, precision: Precision, fused: bool) -> tuple[OnnxModelInfo, bytes]:
    """A model file's record and bytes, the bytes' sha256 checked against the record; OnnxModelError saying why not."""
    model_path, info_path = model_files(folder, model_id, precision, fused)
    if not model_path.is_file():
        raise OnnxModelError(f"no ONNX model file {model_path}")
    try:
        info = OnnxModelInfo(**json.loads(info_path.read_text(encoding="utf-8")))
        data = model_path.read_bytes()
    except (OSError, ValueError, TypeError) as error:
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged ({info_path.name}: {error})") from error
    if info.model_id != model_id or hashlib.sha256(data).hexdigest() != info.sha256:
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged (its sha256 differs from {info_path.name})")
    return info, data


def _recorded(folder: Path, model_id: str, precision: Precision, fused: bool = False) -> Optional[OnnxModelInfo]:
    """A model file's record when the file is there and its sha256 matches it, else None."""
    try:
        return _read_checked(folder, model_id, precision, fused)[0]
    except OnnxModelError:
        return None


def _current(info: Optional[OnnxModelInfo]) -> bool:
    return info is not None and info.export_format >= EXPORT_FORMAT


def files_current(folder: Path, model_id: str, precision: Precision) -> bool:
    """Whether everything a build encodes with is there, sound and of the current format (then nothing is exported)."""
    plain = _recorded(folder, model_id, "fp32")
    if plain is None or not _current(plain):
        return False
    if precision == "int8":
        return _current(_recorded(folder, model_id, "int8"))
    fused = _recorded(folder, model_id, "fp32", fused=True)
    return fused is not None and fused.source_sha256 == plain.sha256


# -- exporting -------------------------------------------------------------------------


def export_model(
    model: Callable[[], Any], model_id: str, model_folder: Path, folder: Path, precision: Precision, device: Device = "auto"
) -> tuple[OnnxEncoder, Optional[str]]:
    """Make in ``folder`` what is missing of the export (fp32), its fused copy, and int8 if asked; check each, keep it.

    ``model`` gives the loaded SentenceTransformer; it is called only when
    torch is needed (to export, or to check an int8 file against). Each file
    is kept only if its vectors agree with torch's (:data:`MIN_EXPORT_COSINE`),
    the fused copy with the export's; files are written under temporary names
    and renamed, so a crash never leaves a half-written model in use. Returns
    :func:`load_fastest`'s answer.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer_path = tokenizer_file(model_folder)
    if tokenizer_path is None:
        raise OnnxModelError(f"{model_folder} has no tokenizer.json: it cannot be run without torch")
    fp32_path, _ = model_files(folder, model_id, "fp32")
    if not _current(_recorded(folder, model_id, "fp32")):
        _export_fp32(model(), fp32_path)
        _keep(model(), fp32_path, model_id, "fp32", tokenizer_path, folder)
    fuse_problem: Optional[str] = None
    if precision == "fp32":
        try:
            fuse_model(folder, model_id, model_folder)
        except Exception as error:  # the optimiser's own errors on a graph it cannot take: the export still runs
            fuse_problem = f"Encoding with the plain ONNX export (slower): it could not be fused ({type(error).__name__}: {error})."
    elif not _current(_recorded(folder, model_id, "int8")):
        int8_path, _ = model_files(folder, model_id, "int8")
        temporary = int8_path.with_name(f".{int8_path.name}.{secrets.token_hex(4)}.tmp")
        _quantise(fp32_path, temporary)
        os.replace(temporary, int8_path)
        _keep(model(), int8_path, model_id, "int8", tokenizer_path, folder)
    encoder, note = load_fastest(folder, model_id, precision, model_folder, device)
    return encoder, note or fuse_problem


def fuse_model(folder: Path, model_id: str, model_folder: Path) -> None:
    """Make the fused copy of the fp32 export beside it, unless a sound one of this export is there.

    Needs no torch: the copy is checked against the export's own vectors.
    OnnxModelError (nothing kept) if the export is unusable or the copy disagrees.
    """
    plain = load_encoder(folder, model_id, "fp32", model_folder, "cpu")
    fused = _recorded(folder, model_id, "fp32", fused=True)
    if fused is not None and fused.source_sha256 == plain.info.sha256:
        return
    source, _ = model_files(folder, model_id, "fp32")
    fused_path, info_path = model_files(folder, model_id, "fp32", fused=True)
    temporary = fused_path.with_name(f".{fused_path.name}.{secrets.token_hex(4)}.tmp")
    try:
        _optimise(source, temporary, model_folder)
        data = temporary.read_bytes()
        info = OnnxModelInfo(**{
            **asdict(plain.info), "sha256": hashlib.sha256(data).hexdigest(), "file": fused_path.name,
            "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "source_sha256": plain.info.sha256,
        })
        encoder = OnnxEncoder(data, plain._tokenizer_path, info, "cpu")
        cosine = float(np.min(np.sum(encoder.encode(list(_CHECK_TEXTS)) * plain.encode(list(_CHECK_TEXTS)), axis=1)))
        if cosine < MIN_EXPORT_COSINE["fp32"]:
            raise OnnxModelError(f"the fused copy of {source} disagrees with it (cosine {cosine:.5f}): not kept")
        os.replace(temporary, fused_path)
    finally:
        temporary.unlink(missing_ok=True)
    _write_info(OnnxModelInfo(**{**asdict(info), "cosine_to_source": round(cosine, 6)}), info_path)


def _optimise(source: Path, target: Path, model_folder: Path) -> None:
    """onnxruntime's transformer optimiser for BERT, graph fusions only (hardware-neutral: no onnxruntime pass saved)."""
    import logging

    from onnxruntime.transformers.optimizer import optimize_model

    heads, hidden = _attention_shape(model_folder)
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # its fusion statistics are noise to a user
    try:
        optimised = optimize_model(
            str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0, use_gpu=False
        )
        optimised.save_model_to_file(str(target))
    finally:
        root.setLevel(level)


def _attention_shape(model_folder: Path) -> tuple[int, int]:
    """(attention heads, hidden size) from the model's config.json; (0, 0) lets the optimiser read them from the graph."""
    try:
        config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
        return int(config["num_attention_heads"]), int(config["hidden_size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0


def _write_info(info: OnnxModelInfo, info_path: Path) -> None:
    temporary = info_path.with_name(f".{info_path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    os.replace(temporary, info_path)


def _quantise(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation, per channel (per tensor moves some vectors to cosine 0.75)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # its advice to pre-process the model is noise to a user
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def _hidden_state_module(transformer: Any) -> Any:
    """The transformer alone, returning its token vectors (pooling is done in numpy)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    return LastHiddenState().eval()


def _export_fp32(model: Any, path: Path) -> None:
    transformer = model[0].auto_model
    attention = getattr(transformer.config, "_attn_implementation", None)
    switch: Any = getattr(transformer, "set_attn_implementation", None)
    eager = attention not in (None, "eager") and switch is not None
    if eager:
        switch("eager")  # the optimiser fuses plain attention (same vectors: checked before the file is kept)
    try:
        _trace(transformer, path)
    finally:
        if eager:
            switch(attention)


def _trace(transformer: Any, path: Path) -> None:
    import warnings

    import torch

    # Traced with padding in the batch, so the attention mask is part of the graph.
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 3231, 102, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _hidden_state_module(transformer).cpu(), (ids, mask, torch.zeros_like(ids)), str(temporary),
                input_names=list(_INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                opset_version=17, dynamo=False,
            )
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _dimension(model: Any) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


def _keep(model: Any, path: Path, model_id: str, precision: Precision, tokenizer_path: Path, folder: Path) -> None:
    """Check the file against the torch model and write the JSON beside it; OnnxModelError (file removed) if it disagrees."""
    data = path.read_bytes()
    info = OnnxModelInfo(
        model_id=model_id, precision=precision, sha256=hashlib.sha256(data).hexdigest(),
        max_tokens=int(model.max_seq_length), dimension=_dimension(model),
        file=path.name, exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), cosine_to_torch=0.0,
        export_format=EXPORT_FORMAT,
    )
    encoder = OnnxEncoder(data, tokenizer_path, info, "cpu")
    expected = np.asarray(model.encode(list(_CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True), dtype=np.float32)
    cosine = float(np.min(np.sum(encoder.encode(list(_CHECK_TEXTS)) * expected, axis=1)))
    if cosine < MIN_EXPORT_COSINE[precision]:
        path.unlink(missing_ok=True)
        raise OnnxModelError(f"the ONNX export of {model_id} disagrees with torch (cosine {cosine:.5f}): not kept")
    _, info_path = model_files(folder, model_id, precision)
    _write_info(OnnxModelInfo(**{**asdict(info), "cosine_to_torch": round(cosine, 6)}), info_path)
