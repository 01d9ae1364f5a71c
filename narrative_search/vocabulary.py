"""The SEND vocabulary: the field's abbreviations and their expansions, from an editable table.

The table is ``send_vocabulary.csv`` beside the bundled corpus
(``config.bundled_data_dir()``; ``$NARRATIVE_SEARCH_VOCABULARY`` names another
file), one row per concept:

- ``term``: the concept's usual name ("EHCP");
- ``expansions``: its other forms, separated by ``|`` ("EHC plan|education
  health and care plan"); punctuation inside a form does not matter;
- ``case``: ``exact`` when its acronyms (forms written with capitals, "OT",
  "LA", "SEND") are everyday words or fragments in lower case, so they match
  a query only when typed in capitals; ``any`` when they match in any case;
- ``note``: free text for the people who edit the table.

The keyword ranking uses it both ways (search.py): a query word or phrase
that is any form of a concept also matches the concept's other forms.
A missing table means no vocabulary; a malformed row is an error naming the
file and line, so an edit never silently turns expansion off.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Sequence, TypeVar

from . import config
from .errors import NarrativeSearchError

#: What an editable table file parses into (read_table_file).
T = TypeVar("T")

#: File name of the vocabulary table beside the bundled corpus.
VOCABULARY_NAME = "send_vocabulary.csv"

#: Environment variable naming a vocabulary table to use instead of the bundled one.
VOCABULARY_ENV = "NARRATIVE_SEARCH_VOCABULARY"

#: Separates the forms in the expansions column (commas belong to the forms' own text).
EXPANSION_SEPARATOR = "|"

#: Values of the case column: "exact" (acronyms only in capitals) or "any".
CASE_RULES = ("exact", "any")

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


class VocabularyError(NarrativeSearchError):
    """A vocabulary table that cannot be read, naming the file and line."""


@dataclass(frozen=True)
class Concept:
    """One row of the table: every form of one concept, its term first."""

    forms: tuple[str, ...]
    exact_case: bool = False
    note: str = ""

    @property
    def term(self) -> str:
        return self.forms[0]


@dataclass(frozen=True)
class VocabularyMatch:
    """Words of a query that are one form of a concept: words[start:end], as typed."""

    typed: str
    start: int
    end: int
    concept: Concept
    form: str  # the table's form the words matched

    @property
    def others(self) -> tuple[str, ...]:
        """The concept's forms other than the one typed."""
        return tuple(f for f in self.concept.forms if f != self.form)


def fold(word: str) -> str:
    """A word compared without case or a plural "s" ("EHCPs", "OTs" and "ehcp", "ot" fold alike)."""
    plural = word.endswith("s") and not word.endswith("ss") and (len(word) > 3 or (len(word) == 3 and word[:-1].isupper()))
    return (word[:-1] if plural else word).lower()


def is_acronym(form: str) -> bool:
    """One word with two or more capitals ("OT", "SENCo", "PfA"): the forms the case rule governs."""
    words = _WORD.findall(form)
    return len(words) == 1 and sum(c.isupper() for c in words[0]) >= 2


def _typed_as_acronym(typed: str, form: str) -> bool:
    """Whether a word typed is the acronym ``form`` in capitals ("OT", "OTs"; not "ot" or "Ot")."""
    if typed.endswith("s") and len(typed) > 2 and not form.endswith("s"):
        typed = typed[:-1]
    return typed == form or (typed == typed.upper() and typed == form.upper())


class Vocabulary:
    """The concepts of a table, looked up by the words of a query."""

    def __init__(self, concepts: Sequence[Concept] = ()) -> None:
        self.concepts = tuple(concepts)
        self._forms: dict[tuple[str, ...], list[tuple[Concept, str]]] = {}
        for concept in self.concepts:
            for form in concept.forms:
                key = tuple(fold(w) for w in _WORD.findall(form))
                if key:
                    self._forms.setdefault(key, []).append((concept, form))
        self.longest = max((len(key) for key in self._forms), default=0)

    def __len__(self) -> int:
        return len(self.concepts)

    def _concept_at(self, words: Sequence[str]) -> Optional[tuple[Concept, str]]:
        for concept, form in self._forms.get(tuple(fold(w) for w in words), []):
            if len(words) == 1 and concept.exact_case and is_acronym(form) and not _typed_as_acronym(words[0], form):
                continue
            return concept, form
        return None

    def find(self, words: Sequence[str]) -> list[VocabularyMatch]:
        """The forms among ``words`` (as typed, in order): longest first, left to right, never overlapping."""
        matches: list[VocabularyMatch] = []
        start = 0
        while start < len(words):
            for length in range(min(self.longest, len(words) - start), 0, -1):
                found = self._concept_at(words[start : start + length])
                if found is not None:
                    concept, form = found
                    matches.append(VocabularyMatch(" ".join(words[start : start + length]), start, start + length, concept, form))
                    start += length
                    break
            else:
                start += 1
        return matches

    def find_in(self, text: str) -> list[VocabularyMatch]:
        """The forms among the words of ``text`` (punctuation between words does not matter)."""
        return self.find(_WORD.findall(text))


def parse_vocabulary(text: str, source: str) -> Vocabulary:
    """The concepts of a table's ``text``; VocabularyError naming ``source`` and the line of a malformed row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in ("term", "expansions") if name not in header]
    if missing:
        raise VocabularyError(f"{source} line 1: the header lacks the column(s) {', '.join(missing)}")
    concepts = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise VocabularyError(
                f"{source} line {line}: {len(row)} fields where the header names {len(header)}"
                f" (separate expansions with {EXPANSION_SEPARATOR!r}, or quote a field that holds a comma)"
            )
        cells = dict(zip(header, (cell.strip() for cell in row)))
        term = cells.get("term", "")
        if term.startswith("#"):
            continue  # a commented-out row
        if not _WORD.search(term):
            raise VocabularyError(f"{source} line {line}: the term is empty")
        expansions = cells.get("expansions", "")
        forms = [term] + [form.strip() for form in expansions.split(EXPANSION_SEPARATOR)] if expansions else [term]
        if any(not _WORD.search(form) for form in forms):
            raise VocabularyError(f"{source} line {line}: an empty expansion in {expansions!r}")
        case = cells.get("case", "") or "any"
        if case not in CASE_RULES:
            raise VocabularyError(f"{source} line {line}: the case must be {' or '.join(CASE_RULES)}, not {case!r}")
        concepts.append(Concept(tuple(dict.fromkeys(forms)), case == "exact", cells.get("note", "")))
    return Vocabulary(concepts)


def read_table_file(path: Path, what: str, parse: Callable[[str, str], T], error: type[Exception]) -> T:
    """An editable CSV table (the vocabulary, the themes) parsed by ``parse(text, source)``.

    A file that cannot be read, or is not CSV, raises ``error`` naming the file and ``what`` it is."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: {what} cannot be read: {problem}") from problem
    try:
        return parse(text, str(path))
    except csv.Error as problem:
        raise error(f"{path}: {what} is not a readable CSV table: {problem}") from problem


def load_vocabulary(path: Path) -> Vocabulary:
    """The table at ``path``; VocabularyError if it cannot be read or a row is malformed."""
    return read_table_file(path, "the vocabulary", parse_vocabulary, VocabularyError)


def vocabulary_path() -> Path:
    """``$NARRATIVE_SEARCH_VOCABULARY``, else the table beside the bundled corpus."""
    explicit = os.environ.get(VOCABULARY_ENV)
    return Path(explicit).expanduser() if explicit else config.bundled_data_dir() / VOCABULARY_NAME


@lru_cache(maxsize=4)
def _cached(path: Path, modified: int) -> Vocabulary:
    return load_vocabulary(path)


def default_vocabulary() -> Vocabulary:
    """The vocabulary in use, read again when its file changes; empty when there is no file."""
    path = vocabulary_path()
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return Vocabulary()
    return _cached(path, modified)
