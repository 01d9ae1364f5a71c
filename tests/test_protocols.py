"""The steps that take a store or an encoder protocol work with small fakes (narrative_search/protocols.py).

No database and no model: a fake store holding two actions and a fake encoder
whose vectors count words of three themes, so each test says exactly why a
result is what it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np
import pytest

from narrative_search.index import corpus_fingerprint, ensure_index, index_is_current, rebuild_index
from narrative_search.model import Citation, Document, DocumentSpan, MergedAction, MergedUpdate, Verdict
from narrative_search.protocols import EncodeProgress
from narrative_search.search import search
from narrative_search.timeline import build_timeline

#: Words of each theme; every other word counts a little towards a fourth, "other", component.
THEMES: tuple[frozenset[str], ...] = (
    frozenset({"speech", "language", "therapy", "therapists"}),
    frozenset({"waits", "waiting", "delays", "backlog"}),
    frozenset({"transport", "buses", "travel"}),
)
OTHER_WEIGHT = 0.2


class ThemeEncoder:
    """An :class:`~narrative_search.protocols.IndexingEncoder` whose vectors count theme words: same themes, same vector."""

    model_id = "fake-theme-encoder-v1"
    dimension = len(THEMES) + 1
    max_tokens = 256

    def __init__(self) -> None:
        self.encoded_count = 0
        self.cache_hits = 0

    def vector(self, text: str) -> np.ndarray:
        counts = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().replace(".", " ").split():
            theme = next((i for i, words in enumerate(THEMES) if word in words), None)
            counts[theme if theme is not None else len(THEMES)] += 1.0 if theme is not None else OTHER_WEIGHT
        return counts / (np.linalg.norm(counts) or 1.0)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def encode(
        self, texts: Sequence[str], show_progress: bool = False, progress: Optional[EncodeProgress] = None
    ) -> np.ndarray:
        self.encoded_count += len(texts)
        return np.stack([self.vector(text) for text in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.vector(text)


PLAN = Document(name="testshire-2023.txt", council="Testshire", title="SEND plan", as_of="2023-06", sha256="first")


def merged_action(ref: str, text: str, updates: Sequence[tuple[str, str]]) -> MergedAction:
    """An action of PLAN with updates given as (month, text)."""
    return MergedAction(
        id=f"testshire/{ref.replace('.', '-')}", council="Testshire", ref=ref, action=text,
        document=PLAN.name, line=3, documents=[PLAN.name],
        updates=[MergedUpdate(text=update, start=month, end=month, sources=[Citation(PLAN.name, 4 + number)], id=number)
                 for number, (month, update) in enumerate(updates, start=1)],
    )


SPEECH = merged_action("1.1", "Reduce waits for speech and language therapy.", [
    ("2023-01", "Speech therapists recruited to cut waits."),
    ("2023-04", "Language therapy staff hired to reduce delays."),
])
TRANSPORT = merged_action("2.1", "Review home to school transport.", [("2023-02", "New buses ordered for travel.")])


@dataclasses.dataclass
class FakeStore:
    """A :class:`~narrative_search.protocols.CorpusReader` over lists: fingerprinted by each document's name and content hash."""

    documents_held: list[Document]
    actions: list[MergedAction]

    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(f"{d.name}\0{d.sha256}" for d in self.documents_held).encode()).hexdigest()

    def location(self, document: str, line: int) -> str:
        return f"line {line}"

    def documents(self, council: Optional[str] = None) -> Iterable[Document]:
        return [d for d in self.documents_held if council is None or d.council == council]

    def unattributed(self, document: Optional[str] = None) -> Iterable[DocumentSpan]:
        return []

    def iter_actions(self, council: Optional[str] = None) -> Iterable[MergedAction]:
        return [a for a in self.actions if council is None or a.council == council]

    def get_action(self, action_id: str) -> Optional[MergedAction]:
        return next((a for a in self.actions if a.id == action_id), None)

    def councils(self) -> Sequence[str]:
        return sorted({d.council for d in self.documents_held})

    def verdicts(self, council: Optional[str] = None) -> Sequence[Verdict]:
        return []


def fake_store() -> FakeStore:
    return FakeStore([PLAN], [SPEECH, TRANSPORT])


def reingested(store: FakeStore) -> None:
    store.documents_held[0] = dataclasses.replace(PLAN, sha256="second")


def added(store: FakeStore) -> None:
    store.documents_held.append(Document(name="testshire-2024.txt", council="Testshire", as_of="2024-01", sha256="third"))


def unchanged(store: FakeStore) -> None:
    pass


@pytest.mark.parametrize(
    ("change", "model_id", "fingerprint_changes", "current"),
    [
        (unchanged, ThemeEncoder.model_id, False, True),
        (reingested, ThemeEncoder.model_id, True, False),
        (added, ThemeEncoder.model_id, True, False),
        (unchanged, "another-model", False, False),
    ],
    ids=["nothing changed", "a document re-ingested with new content", "a document added", "another model"],
)
def test_an_index_built_from_a_fake_store_goes_stale_when_a_document_changes(
    tmp_path: Path, change: Callable[[FakeStore], None], model_id: str, fingerprint_changes: bool, current: bool
) -> None:
    store = fake_store()
    manifest = rebuild_index(tmp_path, store, ThemeEncoder())
    assert (manifest.action_count, manifest.passage_count) == (2, 5)  # two actions: their own text and three updates
    before = corpus_fingerprint(store)
    change(store)
    assert (corpus_fingerprint(store) != before) == fingerprint_changes
    assert index_is_current(tmp_path, store, model_id) is current


@pytest.mark.parametrize(
    ("query", "expected"),
    [("speech therapy backlog", SPEECH.id), ("buses and travel", TRANSPORT.id)],
)
def test_dense_search_with_a_fake_encoder_finds_the_action_on_the_theme(tmp_path: Path, query: str, expected: str) -> None:
    encoder = ThemeEncoder()
    index, notes = ensure_index(tmp_path, fake_store(), encoder)
    with index:
        result = search(index, encoder, query, k=1, mode="dense")
    assert notes  # built, never silently
    assert [hit.action_id for hit in result.hits] == [expected]


@pytest.mark.parametrize(
    ("encoder", "label", "method", "model"),
    [(ThemeEncoder(), "repeat", "embedding", ThemeEncoder.model_id), (None, "new", "exact", None)],
    ids=["with an encoder", "without"],
)
def test_a_restated_update_is_a_repeat_only_by_meaning(
    encoder: Optional[ThemeEncoder], label: str, method: str, model: Optional[str]
) -> None:
    timeline = build_timeline(fake_store(), SPEECH.id, embedder=encoder)
    restated = timeline.entries[1].sentences[0]
    assert restated.text == "Language therapy staff hired to reduce delays."
    assert restated.label == label
    assert (timeline.novelty_method, timeline.novelty_model) == (method, model)
