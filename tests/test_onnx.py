"""The model on onnxruntime: same vectors as torch, a torch fallback with a note, no torch on the query path, quiet progress."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import REPO

from narrative_search import config
from narrative_search.cli import main
from narrative_search.embed import Embedder
from narrative_search.errors import NarrativeSearchError
from narrative_search.index import Manifest, current_generation
from narrative_search.onnx_encoder import model_files
from narrative_search.render.progress import CountBar, StageLines, progress_wanted
from narrative_search.workspace import Workspace

TEXTS = [
    "Short breaks for disabled children are now booked online through the local offer.",
    "EHCP timeliness",
    "  Waiting times for autism assessments fell from 18 months to 11 months by March.  ",
    "The partnership board reviews the written statement of action every month. " * 40,  # past the 256-token window
    "",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory, embedder):
    """The packaged model exported once, as the first index build of a home does."""
    folder = tmp_path_factory.mktemp("home-onnx") / config.ONNX_DIR_NAME
    exporter = Embedder(onnx_dir=folder)
    exporter._model = embedder.model  # the session's torch model: loaded once for the whole run
    exporter.prepare_for_build()
    assert exporter.build_details()["encoder"] == "onnxruntime", exporter.notes
    exporter.close()
    return folder


def onnx_embedder(folder, **options) -> Embedder:
    return Embedder(onnx_dir=folder, device="cpu", **options)


def test_onnx_vectors_match_torch(onnx_dir, embedder):
    with onnx_embedder(onnx_dir) as fast:
        onnx_vectors = fast.encode(TEXTS)
        query = fast.encode_query("support for children with autism")
        assert fast.build_details()["encoder"] == "onnxruntime"
        assert fast.build_details()["onnx_file"].endswith("-fused.onnx")  # the fused copy is what encodes
        assert fast._model is None  # torch never loaded
        assert fast.model_id == embedder.model_id  # fp32 shares the cache's keys
        assert fast.max_tokens == embedder.max_tokens
        assert [fast.count_tokens(t) for t in TEXTS] == [embedder.count_tokens(t) for t in TEXTS]
    torch_vectors = np.stack([embedder.model.encode(t, normalize_embeddings=True) for t in TEXTS])
    cosines = np.sum(onnx_vectors * torch_vectors, axis=1)
    assert cosines.min() >= 0.9999, cosines
    torch_query = embedder.model.encode("support for children with autism", normalize_embeddings=True)
    assert float(query @ torch_query) >= 0.9999


def test_export_records_its_hash_beside_the_file(onnx_dir, embedder):
    model_path, info_path = model_files(onnx_dir, embedder.model_id, "fp32")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    import hashlib

    assert info["sha256"] == hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert info["max_tokens"] == 256 and info["dimension"] == 384
    assert info["cosine_to_torch"] >= 0.9999
    fused_path, fused_info_path = model_files(onnx_dir, embedder.model_id, "fp32", fused=True)
    fused = json.loads(fused_info_path.read_text(encoding="utf-8"))
    assert fused["sha256"] == hashlib.sha256(fused_path.read_bytes()).hexdigest() != info["sha256"]
    assert fused["source_sha256"] == info["sha256"] and fused["cosine_to_source"] >= 0.9999


def test_the_fused_file_has_each_layers_attention_in_one_node(onnx_dir, embedder):
    import onnx

    fused_path, _ = model_files(onnx_dir, embedder.model_id, "fp32", fused=True)
    operators = [node.op_type for node in onnx.load(str(fused_path)).graph.node]
    assert operators.count("Attention") == 6  # all-MiniLM-L6-v2 has six layers
    assert operators.count("SkipLayerNormalization") == 12


def test_order_is_kept_however_the_texts_are_batched(onnx_dir):
    texts = [f"{'The board met again. ' * (i % 7)}Item {i}: respite care for families, reviewed in month {i}." for i in range(23)]
    with onnx_embedder(onnx_dir, batch_size=4) as fast:
        together = fast.encode(texts)
        alone = np.stack([fast._onnx.encode([text])[0] for text in texts])
    assert np.min(np.sum(together * alone, axis=1)) >= 0.9999  # row i is text i's vector, whatever its batch


def test_a_second_load_reuses_the_fused_file(onnx_dir, tmp_path, embedder, monkeypatch):
    from narrative_search import onnx_encoder

    copy = tmp_path / "onnx"
    shutil.copytree(onnx_dir, copy)
    fused_path, _ = model_files(copy, embedder.model_id, "fp32", fused=True)
    made = fused_path.stat().st_mtime_ns

    def no_optimiser(*args, **kwargs):
        raise AssertionError("the fused file was made again")

    monkeypatch.setattr(onnx_encoder, "_optimise", no_optimiser)
    with onnx_embedder(copy) as builder:
        builder.prepare_for_build()
        assert builder.build_details()["onnx_file"] == fused_path.name
    assert builder.notes == [] and builder._model is None
    assert fused_path.stat().st_mtime_ns == made


def test_a_damaged_fused_file_falls_back_to_the_plain_export_with_a_note_and_a_build_makes_it_again(
    onnx_dir, tmp_path, embedder
):
    copy = damaged_copy(onnx_dir, tmp_path, embedder, fused_only=True)
    plain_path, _ = model_files(copy, embedder.model_id, "fp32")
    with onnx_embedder(copy) as reader:
        vector = reader.encode_query("short breaks for disabled children")
        assert reader.build_details()["onnx_file"] == plain_path.name
    assert len(reader.notes) == 1 and "damaged" in reader.notes[0] and "plain ONNX export" in reader.notes[0]
    assert reader._model is None  # torch not needed
    assert float(vector @ embedder.encode_query("short breaks for disabled children")) >= 0.9999
    with onnx_embedder(copy) as builder:
        builder.prepare_for_build()
        assert builder.build_details()["onnx_file"].endswith("-fused.onnx")
        assert builder._model is None  # made from the export, without torch
    with onnx_embedder(copy) as reader:
        reader.encode_query("short breaks")
        assert reader.notes == [] and reader.build_details()["onnx_file"].endswith("-fused.onnx")


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one weight byte flipped: onnxruntime would load it and give wrong vectors
    path.write_bytes(bytes(data))


def damaged_copy(onnx_dir, tmp_path, embedder, fused_only=False):
    """A copy of the exported files with the fused file damaged, and the plain export too unless ``fused_only``."""
    copy = tmp_path / "onnx"
    shutil.copytree(onnx_dir, copy)
    flip_a_byte(model_files(copy, embedder.model_id, "fp32", fused=True)[0])
    if not fused_only:
        flip_a_byte(model_files(copy, embedder.model_id, "fp32")[0])
    return copy


def test_a_damaged_onnx_file_falls_back_to_torch_with_one_note(onnx_dir, tmp_path, embedder):
    copy = damaged_copy(onnx_dir, tmp_path, embedder)
    with onnx_embedder(copy) as fallback:
        fallback._model = embedder.model  # torch is what it falls back to (already loaded here)
        vector = fallback.encode_query("short breaks")
        fallback.encode(["another text", "and another"])
        assert fallback.build_details()["encoder"] == "torch"
    assert len(fallback.notes) == 1
    assert "damaged" in fallback.notes[0] and "torch" in fallback.notes[0]
    assert "\n" not in fallback.notes[0]
    assert float(vector @ embedder.encode_query("short breaks")) >= 0.9999


def test_a_missing_onnx_file_falls_back_to_torch_with_a_note(tmp_path, embedder):
    with onnx_embedder(tmp_path / "onnx") as fallback:
        fallback._model = embedder.model
        vector = fallback.encode_query("short breaks")
    assert vector.shape == (384,)
    assert len(fallback.notes) == 1 and "no ONNX model file" in fallback.notes[0]


def test_a_build_exports_the_damaged_file_again(onnx_dir, tmp_path, embedder):
    copy = damaged_copy(onnx_dir, tmp_path, embedder)
    with onnx_embedder(copy) as builder:
        builder._model = embedder.model
        builder.prepare_for_build()
        assert builder.build_details()["encoder"] == "onnxruntime"
    assert builder.notes == []
    with onnx_embedder(copy) as reader:
        reader.encode_query("short breaks")
        assert reader.notes == [] and reader._model is None


def test_int8_has_its_own_model_id_and_bad_settings_are_named(monkeypatch, tmp_path):
    fp32 = Embedder(cache_path=None)
    int8 = Embedder(precision="int8")
    assert int8.model_id != fp32.model_id and "int8" in int8.model_id
    monkeypatch.setenv("NARRATIVE_SEARCH_DEVICE", "tpu")
    with pytest.raises(NarrativeSearchError, match="NARRATIVE_SEARCH_DEVICE"):
        Embedder()
    monkeypatch.setenv("NARRATIVE_SEARCH_DEVICE", "cpu")
    monkeypatch.setenv("NARRATIVE_SEARCH_PRECISION", "fp8")
    with pytest.raises(NarrativeSearchError, match="NARRATIVE_SEARCH_PRECISION"):
        Embedder()


@pytest.fixture(scope="session")
def onnx_home(tmp_path_factory, workspace, embedder, onnx_dir):
    """A home with the bundled corpus, the exported model and an index built through it (vectors from the session cache)."""
    home = tmp_path_factory.mktemp("onnx-home")
    for source, name in ((workspace.store.conn, config.DATABASE_NAME), (embedder._cache, config.VECTOR_CACHE_NAME)):
        copy = sqlite3.connect(home / name)
        source.backup(copy)
        copy.close()
    shutil.copytree(onnx_dir, home / config.ONNX_DIR_NAME)
    with Workspace.open(home) as opened:
        assert opened.update_index() is not None
        assert opened.embedder._model is None  # built without torch: the export was there
    return home


def test_the_manifest_records_the_hash_of_the_onnx_file_it_encoded_with(onnx_home, embedder):
    manifest = Manifest.read(current_generation(onnx_home) / "manifest.json")
    model_path, info_path = model_files(onnx_home / config.ONNX_DIR_NAME, embedder.model_id, "fp32", fused=True)
    assert manifest.extra["encoder"] == "onnxruntime"
    assert manifest.extra["onnx_file"] == model_path.name
    assert manifest.extra["onnx_sha256"] == json.loads(info_path.read_text(encoding="utf-8"))["sha256"]


QUERY_PATH = textwrap.dedent(
    """
    import sys
    from click.testing import CliRunner
    from narrative_search.cli import main

    home = sys.argv[1]
    for args in (["search", "short breaks for disabled children"], ["summary", "co-production with parents"],
                 ["timeline", "staffordshire/3-2-a"], ["brief", "Staffordshire"]):
        result = CliRunner().invoke(main, ["--home", home, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.output.strip(), args
    print(sorted(name for name in sys.modules if name.split(".")[0] in ("torch", "sentence_transformers", "spacy", "thinc")))
    """
)


def test_search_summary_timeline_and_brief_never_import_torch_or_spacy(onnx_home):
    done = subprocess.run(
        [sys.executable, "-c", QUERY_PATH, str(onnx_home)], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "'torch'" not in loaded and "sentence_transformers" not in loaded, loaded
    assert "'spacy'" not in loaded, loaded  # sentences come from the home's memo, filled by the build


def test_the_sentence_memo_gives_spacys_sentences(onnx_home, workspace):
    from narrative_search.passages import SentenceMemo, _spacy_sentence_spans, sentence_spans, use_sentence_memo

    texts = [update.text for action in workspace.store.iter_actions() for update in action.updates][:40]
    texts.append("A text no build has seen. It has two sentences.")
    memo = SentenceMemo(onnx_home / config.SENTENCES_NAME)
    previous = use_sentence_memo(memo)
    try:
        assert all(memo.get(text) is not None for text in texts[:-1])  # the build split them
        assert memo.get(texts[-1]) is None
        assert [sentence_spans(text) for text in texts] == [_spacy_sentence_spans(text) for text in texts]
        assert memo.get(texts[-1]) == [(0, 25), (26, 47)]  # a new text is remembered once split
    finally:
        use_sentence_memo(previous)
        memo.close()


def test_progress_is_quiet_when_stderr_is_not_a_terminal(onnx_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(onnx_home, home)
    (home / config.DATABASE_NAME).unlink()
    result = CliRunner().invoke(main, ["--home", str(home), "ingest", str(REPO / "data")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Reading" not in result.output and "Encoding" not in result.output and "%|" not in result.output
    assert "Building the search index" not in result.output
    assert "Search index:" in result.output


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_and_stage_lines_show_on_a_terminal_unless_quiet():
    terminal = FakeTerminal()
    assert progress_wanted(False, terminal) and not progress_wanted(True, terminal)
    assert not progress_wanted(False, io.StringIO())
    bar = CountBar("Encoding", "text", progress_wanted(False, terminal), terminal)
    for done in (0, 40, 100):
        bar.encoding(done, 100)
    StageLines(True, terminal)("exporting_model")
    StageLines(False, terminal)("loading_model")
    shown = terminal.getvalue()
    assert "Encoding" in shown and "100/100" in shown
    assert "Exporting the language model to ONNX" in shown
    assert "Loading the language model" not in shown
