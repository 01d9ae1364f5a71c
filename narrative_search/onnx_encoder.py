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
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, Optional, Sequence

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


def model_files(folder: Path, model_id: str, precision: Precision) -> tuple[Path, Path]:
    """(the .onnx file, the JSON file beside it) for a model id and precision, inside ``folder``."""
    key = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:12]
    return folder / f"model-{key}-{precision}.onnx", folder / f"model-{key}-{precision}.json"


def tokenizer_file(model_folder: Path) -> Optional[Path]:
    """The model's ``tokenizer.json`` (what the ONNX path tokenises with), None if it has none."""
    path = model_folder / "tokenizer.json"
    return path if path.is_file() else None


# -- running ---------------------------------------------------------------------------


class OnnxEncoder:
    """Encodes texts with an exported model: L2-normalised float32 vectors, as sentence-transformers would."""

    def __init__(self, model_bytes: bytes, tokenizer_path: Path, info: OnnxModelInfo, device: Device = "auto") -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.info = info
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: its warnings are not the user's business
        self.providers = onnx_providers(device)
        self.session = onnxruntime.InferenceSession(model_bytes, sess_options=options, providers=self.providers)
        self._input_names = {item.name for item in self.session.get_inputs()}
        self._tokenizer_path = tokenizer_path
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()  # tokenizer.json may pad everything to a fixed length: pad per batch instead
        self.tokenizer.enable_truncation(max_length=info.max_tokens)
        self.tokenizer.enable_padding(pad_id=self._pad_id(), pad_token="[PAD]")
        self._counter: Any = None  # untruncated, for counting: only builds count, so made on first need

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
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {name: value for name, value in feeds.items() if name in self._input_names})[0]
        return mean_pooled(np.asarray(hidden, dtype=np.float32), mask)


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
    folder: Path, model_id: str, precision: Precision, model_folder: Path, device: Device = "auto"
) -> OnnxEncoder:
    """The exported model of ``model_id`` in ``folder``, its hash checked; OnnxModelError saying why not."""
    model_path, info_path = model_files(folder, model_id, precision)
    if not model_path.is_file():
        raise OnnxModelError(f"no ONNX model file {model_path}")
    tokenizer_path = tokenizer_file(model_folder)
    if tokenizer_path is None:
        raise OnnxModelError(f"{model_folder} has no tokenizer.json")
    try:
        info = OnnxModelInfo(**json.loads(info_path.read_text(encoding="utf-8")))
        data = model_path.read_bytes()
    except (OSError, ValueError, TypeError) as error:
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged ({info_path.name}: {error})") from error
    if info.model_id != model_id or hashlib.sha256(data).hexdigest() != info.sha256:
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged (its sha256 differs from {info_path.name})")
    try:
        return OnnxEncoder(data, tokenizer_path, info, device)
    except Exception as error:  # onnxruntime raises its own exception types for a bad file
        raise OnnxModelError(f"the ONNX model file {model_path} is damaged ({type(error).__name__}: {error})") from error


# -- exporting -------------------------------------------------------------------------


def export_model(
    model: Any, model_id: str, model_folder: Path, folder: Path, precision: Precision, device: Device = "auto"
) -> OnnxEncoder:
    """Export a loaded SentenceTransformer to ``folder`` (fp32, and int8 from it if asked), check it, keep it.

    The export is kept only if its vectors agree with ``model``'s on a few
    texts (:data:`MIN_EXPORT_COSINE`); files are written under temporary
    names and renamed, so a crash never leaves a half-written model in use.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer_path = tokenizer_file(model_folder)
    if tokenizer_path is None:
        raise OnnxModelError(f"{model_folder} has no tokenizer.json: it cannot be run without torch")
    fp32_path, _ = model_files(folder, model_id, "fp32")
    if not _valid(folder, model_id, "fp32", model_folder):
        _export_fp32(model, fp32_path)
        _keep(model, fp32_path, model_id, "fp32", tokenizer_path, folder)
    if precision == "int8":
        int8_path, _ = model_files(folder, model_id, "int8")
        temporary = int8_path.with_name(f".{int8_path.name}.{secrets.token_hex(4)}.tmp")
        _quantise(fp32_path, temporary)
        os.replace(temporary, int8_path)
        _keep(model, int8_path, model_id, "int8", tokenizer_path, folder)
    return load_encoder(folder, model_id, precision, model_folder, device)


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


def _valid(folder: Path, model_id: str, precision: Precision, model_folder: Path) -> bool:
    try:
        load_encoder(folder, model_id, precision, model_folder, "cpu")
    except OnnxModelError:
        return False
    return True


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
    import warnings

    import torch

    transformer = model[0].auto_model
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
    )
    encoder = OnnxEncoder(data, tokenizer_path, info, "cpu")
    expected = np.asarray(model.encode(list(_CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True), dtype=np.float32)
    cosine = float(np.min(np.sum(encoder.encode(list(_CHECK_TEXTS)) * expected, axis=1)))
    if cosine < MIN_EXPORT_COSINE[precision]:
        path.unlink(missing_ok=True)
        raise OnnxModelError(f"the ONNX export of {model_id} disagrees with torch (cosine {cosine:.5f}): not kept")
    _, info_path = model_files(folder, model_id, precision)
    kept = OnnxModelInfo(**{**asdict(info), "cosine_to_torch": round(cosine, 6)})
    temporary = info_path.with_name(f".{info_path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(asdict(kept), indent=2), encoding="utf-8")
    os.replace(temporary, info_path)
