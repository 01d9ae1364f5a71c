"""Passages: the pieces of text that are embedded and searched.

store --build_passages--> passages --split_passages--> passages within the model's window

Every passage is one of:

* ``"update"`` / ``"position_statement"``: one merged update of an action (its
  live text), dated by the update's months, rated by the action's status in
  force at the update's start month;
* ``"action"``: the action's own description, labelled
  ("Action: ...", "Focus area: ...", "Evidence: ...", "Impact: ..."), rated by
  the action's latest status; a section of a prose document is titled
  "Section: ..." instead;
* ``"unattributed"``: one span of a document's text kept outside any action;
  table furniture (header rows, legends, rows of bare figures, page banners and
  dates, see :func:`is_table_furniture`) stays in the store but is no passage.

Two kinds of text are left out so that a search cannot return them on their own:

* an update that only points elsewhere ("See above", "As 3.1"), which stays in
  the timeline, marked as a reference (:func:`narrative_search.refs.is_bare_reference`);
* a field printed identically in several actions of a council (a focus area
  heading its block of actions): it is taken out of each action's own passage,
  so that each action is ranked by what is its own, and indexed once as a
  ``"action"`` passage of no single action, whose ``ref`` lists the actions it
  belongs to (:func:`shared_field_passages`).

Each passage of an action or section knows which of the two it belongs to
(``record_kind``; None for unattributed text), so a search can keep either.

Each passage keeps its council, document, line and the line's location in the
file ("page 3", from the store) so a hit can be traced to the source, and has an id that depends only on what it is (action id, update months
and wording, document and line), never on row ids of the SQLite file, so two
builds of the same corpus, or of the corpus re-ingested, give the same ids.

A passage longer than the embedding model's window would be silently truncated
by the model; :func:`split_passages` cuts it into chunks of whole sentences
(spaCy's rule-based sentencizer), ids suffixed ``#1``, ``#2``..., each chunk
sharing the passage's metadata.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence

from .merge import comparable_text
from .model import CHUNK_SEPARATOR, ActionKind, Citation, Locate, MergedAction, MergedUpdate, Passage, Status, slug
from .months import AFTER_EVERY_MONTH, Month
from .protocols import CorpusReader
from .refs import is_bare_reference

if TYPE_CHECKING:  # spaCy is imported where it is used: loading it is slow
    from spacy.language import Language

#: Version of the rules that cut passages from the store; the search index
#: records it and is rebuilt when it changes.
#: 2: passages carry their location in the file ("page 3").
#: 3: passages carry the kind of record they belong to; a section's title reads "Section: ...".
#: 4: no passages of table furniture or bare cross-references; shared fields indexed once.
#: 5: no passages of a blank page's notice or a bare page number.
PASSAGE_FORMAT_VERSION = 5

#: Whether an update or position statement is embedded with its action's context, as
#: contextual retrieval does (bench/quality.py: see the docstring of :func:`update_context`).
CONTEXT_IN_PASSAGES = False

#: Whether table and page furniture (:func:`is_table_furniture`) is left out of the passages
#: (``bench/quality.py --ablation`` measures it kept).
DROP_FURNITURE = True

#: Words of context at most: enough to say what the action is, leaving the model's window to the update.
CONTEXT_WORDS = 40

#: The label before an action's own text, by the kind of record (sections are titled by their heading).
TITLE_LABELS: dict[ActionKind, str] = {"action": "Action", "section": "Section"}


CountTokens = Callable[[str], int]

#: Reasons a reader gives for kept text that is the furniture of a page or table, never an answer.
FURNITURE_REASONS = frozenset({"table header", "repeated table header", "repeated page banner", "page date"})

#: How the readers join the cells of a table row kept as text.
CELL_SEPARATOR = " | "

#: A cell of at most this many words is a label or a figure ("Base year 2020", "% change", "92%").
SHORT_CELL_WORDS = 3

#: An action field (focus area, evidence, impact) printed in at least this many actions is shared.
SHARED_FIELD_MIN_ACTIONS = 2

#: The fields that can be shared, with their labels. Not the action's own text, even printed twice: it
#: is what the action is, and sharing it out cost nDCG on bench/queries.json (hybrid 0.545 -> 0.532).
SHAREABLE_FIELDS: tuple[tuple[str, str], ...] = (("focus_area", "Focus area"), ("evidence", "Evidence"), ("impact", "Impact"))

_FIGURE = re.compile(r"^[-+\u2013\s]*[\d.,/:%]+[%a-z]{0,3}$", re.IGNORECASE)
#: Page furniture that is a whole span: a blank page's notice, a bare page number.
_PAGE_FURNITURE = re.compile(
    r"^\W*(?:(?:this\s+page\s+(?:has\s+been\s+|is\s+)?)?(?:intentionally|deliberately)\s+(?:left\s+)?blank"
    r"|page\s+\d+(?:\s+of\s+\d+)?)\W*$",
    re.IGNORECASE,
)


# -- ratings -------------------------------------------------------------------


def rating_at(statuses: Iterable[Status], month: Month) -> Optional[str]:
    """The rating in force at ``month``: the latest rated status dated on or before it.

    Statuses without a month or without a rating (an empty cell) are skipped;
    an undated ``month`` has no rating in force. Of two statuses of one month
    (two reports printing the same column), the later in ``statuses`` wins;
    the store lists them oldest report first.
    """
    if month is None:
        return None
    found: Optional[Status] = None
    for status in statuses:
        if status.month is None or status.rag is None or status.month > month:
            continue
        if found is None or status.month >= found.month:  # type: ignore[operator]
            found = status
    return found.rag if found is not None else None


def latest_rating(statuses: Sequence[Status]) -> Optional[str]:
    """The action's latest rating: its latest dated one, else its last undated one."""
    dated = rating_at(statuses, AFTER_EVERY_MONTH)
    if dated is not None:
        return dated
    undated = [status.rag for status in statuses if status.month is None and status.rag]
    return undated[-1] if undated else None


# -- what is not a passage ------------------------------------------------------


def is_table_furniture(text: str, reason: str) -> bool:
    """Whether kept text is a table's or page's furniture rather than something said.

    By the reader's reason (a table header, a repeated banner, a page date), or by
    content: a table row of three or more cells of which at least two thirds are
    labels or figures of at most three words ("New EHC plans issued within 20
    weeks | Base year 2020 | Previous year | % change"; "92% | 98.1% | 58.7%"),
    text that is nothing but figures, or a page's own furniture ("This page is
    intentionally left blank", "Page 3 of 47").
    """
    if reason in FURNITURE_REASONS or _PAGE_FURNITURE.match(text):
        return True
    cells = [cell.strip() for cell in text.split(CELL_SEPARATOR) if cell.strip()]
    if not cells:
        return True
    words = text.replace(CELL_SEPARATOR, " ").split()
    if all(_FIGURE.match(word) or not any(c.isalnum() for c in word) for word in words):
        return True
    short = sum(1 for cell in cells if len(cell.split()) <= SHORT_CELL_WORDS)
    return len(cells) >= 3 and 3 * short >= 2 * len(cells)


def shared_fields(actions: Sequence[MergedAction]) -> dict[tuple[str, str, str], list[MergedAction]]:
    """(council, field, comparable text) -> the actions that print it, for fields printed in several actions."""
    owners: dict[tuple[str, str, str], list[MergedAction]] = {}
    for action in actions:
        for field, _ in SHAREABLE_FIELDS:
            value = getattr(action, field)
            if value and value.strip():
                owners.setdefault((action.council, field, comparable_text(value)), []).append(action)
    return {key: found for key, found in owners.items() if len(found) >= SHARED_FIELD_MIN_ACTIONS and key[2]}


def shared_field_id(council: str, field: str, comparable: str) -> str:
    """The id of a shared field's passage (before any ``~2`` suffix): council, field and a hash of its wording."""
    return f"{slug(council)}/shared/{field}/{_digest(comparable)}"


def shared_field_owners(actions: Sequence[MergedAction]) -> dict[str, list[str]]:
    """Id of each shared field's passage -> the ids of the actions that print it."""
    return {shared_field_id(*key): [a.id for a in owners] for key, owners in shared_fields(actions).items()}


def shared_field_passages(
    shared: dict[tuple[str, str, str], list[MergedAction]], seen: dict[str, int], locate: Optional[Locate] = None
) -> list[Passage]:
    """One passage per shared field: its text once, cited at its first action, ``ref`` listing its actions."""
    labels = dict(SHAREABLE_FIELDS)
    passages = []
    for (council, field, comparable), owners in shared.items():
        first = owners[0]
        refs = ", ".join(dict.fromkeys(a.ref_printed or a.ref or a.id for a in owners))
        passages.append(
            Passage(
                id=_unique(shared_field_id(council, field, comparable), seen),
                kind="action",
                text=f"{labels[field]}: {getattr(first, field).strip()}",
                council=council,
                source=Citation(first.document, first.line).located(locate),
                ref=refs,
            )
        )
    return passages


# -- building ------------------------------------------------------------------


def action_text(action: MergedAction, leave_out: frozenset[str] = frozenset()) -> str:
    """The action's own description, one labelled line per non-empty field (but the fields left out)."""
    title = TITLE_LABELS[action.kind]
    lines = [
        f"{label}: {value.strip()}"
        for field, label, value in (
            ("action", title, action.action),
            ("focus_area", "Focus area", action.focus_area),
            ("evidence", "Evidence", action.evidence),
            ("impact", "Impact", action.impact),
        )
        if value and value.strip() and field not in leave_out
    ]
    if not lines:  # nothing printed but the ref: still one passage per action
        lines = [f"{title}: {action.ref_printed or action.ref or action.id}"]
    return "\n".join(lines)


def update_context(action: MergedAction) -> str:
    """What an update is about, embedded before it: the action's ref, its text and its focus area (at most
    :data:`CONTEXT_WORDS` words), so that "Recruited two more" is found as progress on what the action set out
    to do. Empty when :data:`CONTEXT_IN_PASSAGES` is off.
    """
    if not CONTEXT_IN_PASSAGES:
        return ""
    parts = [action.ref_printed or action.ref or "", action.action.strip(), action.focus_area.strip()]
    words = " ".join(part for part in parts if part).split()
    return " ".join(words[:CONTEXT_WORDS])


def embedding_text(passage: Passage) -> str:
    """The text the model embeds for a passage: its context, if any, then its own text."""
    return f"{passage.context}\n{passage.text}" if passage.context else passage.text


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def update_passage_id(action: MergedAction, update: MergedUpdate) -> str:
    """``<action id>/<kind>/<start month or undated>/<hash of its wording>``.

    The wording is compared as the store compares updates (letters and digits,
    lower-cased), so re-spacing or re-punctuating the text keeps the id.
    """
    when = update.start or "undated"
    return f"{action.id}/{update.kind}/{when}/{_digest(comparable_text(update.text))}"


def _unique(passage_id: str, seen: dict[str, int]) -> str:
    """The id, suffixed ``~2``, ``~3``... if already used (deterministic for one corpus)."""
    count = seen.get(passage_id, 0) + 1
    seen[passage_id] = count
    return passage_id if count == 1 else f"{passage_id}~{count}"


def action_passages(
    action: MergedAction,
    seen: Optional[dict[str, int]] = None,
    locate: Optional[Locate] = None,
    leave_out: frozenset[str] = frozenset(),
) -> list[Passage]:
    """The action's own passage, then one per update with text that is more than a pointer, oldest first.

    ``locate`` (the store's :meth:`~narrative_search.store.CorpusStore.location`)
    gives each passage its location; without it the location is left None.
    ``leave_out`` names fields indexed elsewhere (shared with other actions).
    """
    seen = {} if seen is None else seen
    passages = [
        Passage(
            id=_unique(f"{action.id}/action", seen),
            kind="action",
            text=action_text(action, leave_out),
            council=action.council,
            source=Citation(action.document, action.line).located(locate),
            ref=action.ref,
            action_id=action.id,
            rating=latest_rating(action.statuses),
            record_kind=action.kind,
        )
    ]
    context = update_context(action)
    for update in action.updates:
        if not update.text.strip() or is_bare_reference(update.text):
            continue
        document = update.document or action.document
        passages.append(
            Passage(
                id=_unique(update_passage_id(action, update), seen),
                kind=update.kind,
                text=update.text.strip(),
                council=action.council,
                source=Citation(document, update.line).located(locate),
                ref=action.ref,
                action_id=action.id,
                start=update.start,
                end=update.end,
                rating=rating_at(action.statuses, update.start),
                record_kind=action.kind,
                context=context,
            )
        )
    return passages


def build_passages(
    store: CorpusReader,
    max_tokens: Optional[int] = None,
    count_tokens: Optional[CountTokens] = None,
    council: Optional[str] = None,
) -> list[Passage]:
    """Every passage of the corpus (or of one council).

    Order: by action (council, then ref), each action's own passage before its
    updates; then the shared fields; then unattributed spans (table furniture
    left out) by document and line. Unattributed text is
    dated by its document's date (``as_of``) and has no rating.

    With ``max_tokens`` and ``count_tokens`` (an embedder's), passages longer
    than the window are split into chunks (:func:`split_passages`).
    """
    seen: dict[str, int] = {}
    passages: list[Passage] = []
    actions = list(store.iter_actions(council))
    shared = shared_fields(actions)
    shared_by: dict[str, set[str]] = {}
    for (_, field, _), owners in shared.items():
        for owner in owners:
            shared_by.setdefault(owner.id, set()).add(field)
    for action in actions:
        passages.extend(action_passages(action, seen, store.location, frozenset(shared_by.get(action.id, ()))))
    passages.extend(shared_field_passages(shared, seen, store.location))
    documents = {doc.name: doc for doc in store.documents(council)}
    for span in store.unattributed():
        document = documents.get(span.document)
        if document is None or not span.text.strip() or (DROP_FURNITURE and is_table_furniture(span.text, span.reason)):
            continue
        stem = span.document.rsplit(".", 1)[0]
        passages.append(
            Passage(
                id=_unique(f"{slug(document.council)}/{slug(stem)}/unattributed/line-{span.line}", seen),
                kind="unattributed",
                text=span.text.strip(),
                council=document.council,
                source=Citation(span.document, span.line).located(store.location),
                start=document.as_of,
                end=document.as_of,
            )
        )
    if max_tokens is not None and count_tokens is not None:
        passages = split_passages(passages, max_tokens, count_tokens)
    return passages


# -- fitting the model's window ------------------------------------------------


def import_spacy() -> Any:
    """spaCy, imported without torch: its thinc layer imports torch when installed (4 s), which splitting sentences never uses."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes "import torch" fail, so thinc goes without
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


@functools.lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """spaCy's English stop words, read from its module file without importing spaCy itself (2 s)."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(folders[0]) / "lang" / "en" / "stop_words.py" if folders else None
    loaded = importlib.util.spec_from_file_location("_narrative_search_stop_words", path) if path and path.is_file() else None
    if loaded is None or loaded.loader is None:
        import_spacy()
        from spacy.lang.en.stop_words import STOP_WORDS

        return frozenset(STOP_WORDS)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@functools.lru_cache(maxsize=1)
def sentencizer() -> Language:
    """A rule-based spaCy pipeline that only splits sentences (made once)."""
    spacy = import_spacy()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class SentenceMemo:
    """Sentence offsets by text, kept in an SQLite file, so that reading never loads spaCy (2 s, cold).

    Content-addressed (sha256 of the text and spaCy's version), so one memo is
    right for any home. Filled for every passage and update at index builds
    (:func:`remember_sentences`); a text it lacks is split by spaCy and
    added. A memo that cannot be written (a read-only home) is only read.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """``read_only``: open an existing memo for lookups only (a read-only home), never create or add to it."""
        import sqlite3
        import threading

        self.path = path
        self._lock = threading.Lock()
        self._version = _spacy_version()
        if read_only:
            self._conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            return
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=5)
        try:
            self._conn.execute("CREATE TABLE IF NOT EXISTS spans (key TEXT PRIMARY KEY, spans TEXT NOT NULL)")
            self._conn.commit()
        except sqlite3.Error:
            pass  # read-only: lookups still work if the table exists

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self._version}\0{text}".encode("utf-8")).hexdigest()

    def get(self, text: str) -> Optional[list[tuple[int, int]]]:
        import sqlite3

        try:
            with self._lock:
                row = self._conn.execute("SELECT spans FROM spans WHERE key = ?", (self.key(text),)).fetchone()
        except sqlite3.Error:
            return None
        return [(int(a), int(b)) for a, b in json.loads(row[0])] if row else None

    def missing(self, texts: Iterable[str]) -> list[str]:
        return [text for text in dict.fromkeys(texts) if self.get(text) is None]

    def put(self, items: Sequence[tuple[str, list[tuple[int, int]]]]) -> None:
        import sqlite3

        try:
            with self._lock, self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO spans (key, spans) VALUES (?, ?)",
                    [(self.key(text), json.dumps(spans)) for text, spans in items],
                )
        except sqlite3.Error:
            pass  # a read-only home: the memo is only an optimisation

    def close(self) -> None:
        self._conn.close()


def _spacy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spacy")
    except PackageNotFoundError:
        return "0"


_memo: Optional[SentenceMemo] = None


def use_sentence_memo(memo: Optional[SentenceMemo]) -> Optional[SentenceMemo]:
    """Have :func:`sentence_spans` look texts up in ``memo`` first (None: always spaCy); the memo it replaces."""
    global _memo
    previous, _memo = _memo, memo
    return previous


def remember_sentences(texts: Iterable[str]) -> int:
    """Split every text the memo in use lacks and store it; how many were split."""
    memo = _memo
    if memo is None:
        return 0
    missing = memo.missing(texts)
    memo.put([(text, _spacy_sentence_spans(text)) for text in missing])
    return len(missing)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences, also cut at line breaks."""
    memo = _memo
    if memo is not None:
        found = memo.get(text)
        if found is not None:
            return found
    spans = _spacy_sentence_spans(text)
    if memo is not None:
        memo.put([(text, spans)])
    return spans


def _spacy_sentence_spans(text: str) -> list[tuple[int, int]]:
    nlp = sentencizer()
    if len(text) >= nlp.max_length:
        nlp.max_length = len(text) + 1
    spans: list[tuple[int, int]] = []
    for sentence in nlp(text).sents:
        offset = sentence.start_char
        for match in re.finditer(r"[^\n]+", sentence.text):
            if not match.group().strip():
                continue
            start, end = _strip_span(text, offset + match.start(), offset + match.end())
            if spans and spans[-1][1] == start:  # a cut inside a word, e.g. "(" | "For": no cut
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _longest_fit(text: str, start: int, ends: Sequence[int], max_tokens: int, count_tokens: CountTokens) -> int:
    """Index into ``ends`` of the longest ``text[start:end]`` within the window (0 if none fits)."""
    low, high = 0, len(ends) - 1
    while low < high:  # counts grow with the end, so binary search
        middle = (low + high + 1) // 2
        if count_tokens(text[start:ends[middle]]) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return low


def _split_span(text: str, start: int, end: int, max_tokens: int, count_tokens: CountTokens) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries; a word too long for the window at characters."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    pieces: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        first = words[index][0]
        ends = [word_end for _, word_end in words[index:]]
        fit = _longest_fit(text, first, ends, max_tokens, count_tokens)
        if fit == 0 and count_tokens(text[first:ends[0]]) > max_tokens:
            pieces.extend(_split_word(text, *words[index], max_tokens, count_tokens))
            index += 1
            continue
        pieces.append((first, ends[fit]))
        index += fit + 1
    return pieces


def _split_word(text: str, start: int, end: int, max_tokens: int, count_tokens: CountTokens) -> list[tuple[int, int]]:
    pieces = []
    while start < end:
        ends = list(range(start + 1, end + 1))
        cut = ends[_longest_fit(text, start, ends, max_tokens, count_tokens)]  # at least one character
        pieces.append((start, cut))
        start = cut
    return pieces


def split_to_window(text: str, max_tokens: int, count_tokens: CountTokens) -> list[str]:
    """``text`` as it is if it fits the window, else chunks of whole sentences that each fit.

    ``count_tokens`` counts what the model would see (special tokens included)
    and ``max_tokens`` is the model's window. Sentences (spaCy sentencizer, and
    line breaks) are packed greedily into chunks; a sentence longer than the
    window is cut at word boundaries, and a single word longer than the window
    at characters. Each chunk is a contiguous slice of ``text``, and between
    them they hold all of it but the whitespace at the cuts, so no word is lost.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be positive, not {max_tokens}")
    if not text.strip() or count_tokens(text) <= max_tokens:
        return [text]
    pieces: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        if count_tokens(text[start:end]) <= max_tokens:
            pieces.append((start, end))
        else:
            pieces.extend(_split_span(text, start, end, max_tokens, count_tokens))
    chunks: list[tuple[int, int]] = []
    for start, end in pieces:
        if chunks and count_tokens(text[chunks[-1][0]:end]) <= max_tokens:
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start, end))
    return [text[start:end] for start, end in chunks]


def split_passages(passages: Iterable[Passage], max_tokens: int, count_tokens: CountTokens) -> list[Passage]:
    """Passages with every one longer than the window replaced by its chunks.

    A chunk keeps all the passage's metadata; its id is the passage's suffixed
    ``#1``, ``#2``... A passage embedded after a context has the window less
    the context's tokens (at least half the window).
    """
    result: list[Passage] = []
    for passage in passages:
        room = max(max_tokens - count_tokens(passage.context), max_tokens // 2) if passage.context else max_tokens
        chunks = split_to_window(passage.text, room, count_tokens)
        if len(chunks) == 1:
            result.append(passage)
            continue
        for number, chunk in enumerate(chunks, start=1):
            result.append(dataclasses.replace(passage, id=f"{passage.id}{CHUNK_SEPARATOR}{number}", text=chunk))
    return result
