"""BM25 keyword ranking over FTS5's own inverted index, scored with numpy.

Why not ``ORDER BY rank`` in SQLite: FTS5's bm25() visits every matching row
(reading each row's size from a B-tree) before the LIMIT can keep the best
few. A query of everyday words ("EHC plans issued within 20 weeks") matches
nearly half of a 100k-passage corpus, and ranking it took 100-160 ms
(bench/speed.py); a phrase query with a filter took seconds.

So a build reads FTS5's postings once, through its ``fts5vocab`` table, into
arrays: for each term the rows that hold it and, for each of those rows, the
BM25 term-frequency weight (which depends only on the row and the term). A
query is then one vectorised add per query word. The scores are exactly
FTS5's bm25() (k1 = 1.2, b = 0.75, idf floored at 1e-6) for words, and the
tokens are FTS5's own (the same tokenizer, run in a small in-memory table), so
what matches is what FTS5 would match. Quoted phrases are matched by FTS5,
which knows token positions; a phrase's frequency in a row is then taken from
its rarest word there, which equals FTS5's count unless the words also occur
apart (tests/test_keyword.py checks both).

The forms of one SEND vocabulary concept ("EHCP", "EHC plan", "education,
health and care plan": vocabulary.py) are scored as one OR group, the way
Lucene scores synonyms: one term whose rows hold any form and whose frequency
adds the forms', an expansion's weighted below the words typed.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

#: The FTS5 tokenizer of the passage index, and of queries.
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"

#: BM25 parameters, FTS5's own (fts5_aux.c), so scores equal bm25().
BM25_K1 = 1.2
BM25_B = 0.75
IDF_FLOOR = 1e-6

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

#: A filter allowing at most this share of the passages is scored at the allowed rows alone
#: (binary searches in each posting) rather than over whole postings: the cheaper of the two
#: as long as the allowed rows are far fewer than the rows a common word's posting holds.
NARROW_FILTER_SHARE = 1 / 16

#: One query word or phrase: its tokens, and for a phrase the rows where FTS5 found it.
KeywordElement = tuple[Sequence[str], Optional[np.ndarray]]

#: One form of a vocabulary concept in an OR group: tokens, phrase rows, weight.
KeywordForm = tuple[Sequence[str], Optional[np.ndarray], float]


def fts_phrase(text: str) -> str:
    """An FTS5 string literal: the words of ``text`` as one phrase (punctuation dropped, quotes doubled)."""
    return '"' + " ".join(_WORD.findall(text)).replace('"', '""') + '"'


class QueryTokenizer:
    """FTS5's tokenizer applied to query words, through a private in-memory FTS5 table."""

    def __init__(self, tokenize: str = FTS_TOKENIZE) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE words USING fts5(text, tokenize='{tokenize}')")
        self._conn.execute("CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, instance)")
        self._lock = threading.Lock()

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """The tokens (stemmed, case- and accent-folded) of each of ``texts``, in order."""
        if not texts:
            return []
        with self._lock:
            self._conn.execute("DELETE FROM words")
            self._conn.executemany("INSERT INTO words (rowid, text) VALUES (?, ?)", enumerate(texts))
            records = self._conn.execute('SELECT doc, "offset", term FROM word_tokens').fetchall()
        tokens: list[list[str]] = [[] for _ in texts]
        for doc, _, term in sorted(records):
            tokens[doc].append(term)
        return tokens

    def close(self) -> None:
        self._conn.close()


class KeywordPostings:
    """Term -> rows and term frequencies, and every row's length in tokens, for one index generation."""

    def __init__(self, terms: Sequence[str], starts: np.ndarray, rows: np.ndarray, frequencies: np.ndarray, lengths: np.ndarray):
        self.term_ids = {term: position for position, term in enumerate(terms)}
        self.starts = starts
        self.rows = rows
        self.frequencies = frequencies
        self.lengths = lengths
        self.row_count = len(lengths)
        self.average_length = float(lengths.mean()) if len(lengths) and lengths.sum() else 1.0
        if len(starts) != len(terms) + 1 or len(rows) != len(frequencies) or (len(starts) and starts[-1] != len(rows)):
            raise ValueError("the keyword postings are inconsistent")
        if len(rows) and (rows.min() < 0 or rows.max() >= self.row_count):
            raise ValueError("the keyword postings name rows the index does not have")

    # -- building --------------------------------------------------------------

    @classmethod
    def from_fts(cls, conn: sqlite3.Connection, table: str, row_count: int) -> "KeywordPostings":
        """Read the postings of the FTS5 ``table`` (rowids 0..row_count-1) through fts5vocab."""
        conn.execute(f"CREATE VIRTUAL TABLE temp.{table}_instances USING fts5vocab(main, {table}, instance)")
        terms: list[str] = []
        row_lists: list[np.ndarray] = []
        frequency_lists: list[np.ndarray] = []
        try:
            # One row per term with its rows as text: parsing text in C is far
            # faster than fetching millions of (term, row) tuples into Python.
            # Read term by term, not fetched all at once: at a million passages
            # the joined texts of every term would take hundreds of MiB.
            records = conn.execute(
                f"SELECT term, group_concat(doc, ' ') FROM temp.{table}_instances GROUP BY term ORDER BY term"
            )
            for term, joined in records:
                instances = np.fromstring(joined, dtype=np.int64, sep=" ")  # one entry per occurrence
                rows, frequencies = np.unique(instances, return_counts=True)
                terms.append(term)
                row_lists.append(rows.astype(np.int32))
                frequency_lists.append(np.minimum(frequencies, np.iinfo(np.uint16).max).astype(np.uint16))
        finally:
            conn.execute(f"DROP TABLE temp.{table}_instances")
        rows = np.concatenate(row_lists) if row_lists else np.zeros(0, np.int32)
        frequencies = np.concatenate(frequency_lists) if frequency_lists else np.zeros(0, np.uint16)
        lengths = np.bincount(rows, weights=frequencies, minlength=row_count).astype(np.float32)  # tokens per row
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        starts[1:] = np.cumsum([len(r) for r in row_lists])
        return cls(terms, starts, rows, frequencies, lengths)

    def save(self, path: Path) -> None:
        terms = "\n".join(self.term_ids).encode("utf-8")
        with open(path, "wb") as handle:
            np.savez(
                handle,
                terms=np.frombuffer(terms, dtype=np.uint8),
                starts=self.starts,
                rows=self.rows,
                frequencies=self.frequencies,
                lengths=self.lengths,
            )

    @classmethod
    def load(cls, path: Path) -> "KeywordPostings":
        with np.load(path, allow_pickle=False) as data:
            text = data["terms"].tobytes().decode("utf-8")
            terms = text.split("\n") if text else []
            return cls(terms, data["starts"], data["rows"], data["frequencies"], data["lengths"])

    # -- ranking ---------------------------------------------------------------

    def idf(self, hits: int) -> float:
        return max(math.log((self.row_count - hits + 0.5) / (hits + 0.5)), IDF_FLOOR)

    def document_frequency(self, token: str) -> int:
        """How many rows hold ``token``."""
        term = self.term_ids.get(token)
        return 0 if term is None else int(self.starts[term + 1] - self.starts[term])

    def _weights(self, rows: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
        """BM25's term-frequency part, with the row's length against the average."""
        frequencies = frequencies.astype(np.float64)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[rows] / self.average_length)
        return frequencies * (BM25_K1 + 1) / (frequencies + norm)

    def _postings(self, token: str) -> Optional[tuple[np.ndarray, np.ndarray]]:
        term = self.term_ids.get(token)
        if term is None:
            return None
        start, end = self.starts[term], self.starts[term + 1]
        return self.rows[start:end], self.frequencies[start:end]

    def _element(self, tokens: Sequence[str], phrase_rows: Optional[np.ndarray]) -> Optional[tuple[np.ndarray, np.ndarray]]:
        """(rows, frequencies) of one query word or phrase; None where it occurs nowhere."""
        found = [self._postings(token) for token in tokens]
        postings = [posting for posting in found if posting is not None]
        if not tokens or len(postings) < len(found):
            return None
        if len(tokens) == 1:
            return postings[0]
        rows = np.asarray(phrase_rows if phrase_rows is not None else [], dtype=np.int64)
        frequencies = np.full(len(rows), np.iinfo(np.uint16).max, dtype=np.int64)
        for token_rows, token_frequencies in postings:
            at = np.minimum(np.searchsorted(token_rows, rows), len(token_rows) - 1)
            present = token_rows[at] == rows
            frequencies = np.minimum(frequencies, np.where(present, token_frequencies[at], 0))
        return rows[frequencies > 0], frequencies[frequencies > 0]

    def _group(self, forms: Sequence[KeywordForm]) -> Optional[tuple[np.ndarray, np.ndarray, int]]:
        """(rows, weighted frequencies, document frequency) of an OR group.

        A row's frequency is the forms' frequencies there times their weights,
        added; forms with the same tokens ("EHCP", "EHCPs") count once, at the
        higher weight. The document frequency is that of the forms of the
        highest weight (those typed) where they occur, else of all.
        """
        distinct: dict[tuple[str, ...], tuple[Sequence[str], Optional[np.ndarray], float]] = {}
        for tokens, phrase_rows, weight in forms:
            if weight > distinct.get(tuple(tokens), ((), None, -1.0))[2]:
                distinct[tuple(tokens)] = (tokens, phrase_rows, weight)
        found = [
            (element, weight) for tokens, phrase_rows, weight in distinct.values() if (element := self._element(tokens, phrase_rows)) is not None
        ]
        if not found:
            return None
        # Added up in arrays over every row rather than by sorting the forms' concatenated rows:
        # at a million passages a common form lists 100k rows, and sorting them cost 20 ms a group.
        held = np.zeros(self.row_count, dtype=bool)
        typed_held = np.zeros(self.row_count, dtype=bool)
        added = np.zeros(self.row_count, dtype=np.float64)
        top = max(weight for _, weight in found)
        for (rows, frequencies), weight in found:  # rows are unique within one form's postings
            added[rows] += frequencies.astype(np.float64) * weight
            held[rows] = True
            if weight == top:
                typed_held[rows] = True
        unique = np.flatnonzero(held)
        return unique, added[unique], int(typed_held.sum()) or len(unique)

    def scores(self, elements: Sequence[KeywordElement], groups: Sequence[Sequence[KeywordForm]] = (),
               within: Optional[np.ndarray] = None) -> np.ndarray:
        """BM25 of every row for the OR of ``elements`` and ``groups``; 0 where none occurs.

        An element is one query word or phrase: its tokens, and for several
        tokens the rows where FTS5 found them as a phrase. As in FTS5, each
        element counts as one term, with its own document frequency. A
        phrase's frequency in a row is taken as that of its rarest token there
        (FTS5 counts exact occurrences; the two differ only where a phrase's
        words also occur apart).

        A group is the forms of one vocabulary concept ("EHCP", "EHC plan",
        ...), each with a weight, counted as one term, much as Lucene's
        synonym query counts them: its rows are those holding any form, its
        frequency in a row the forms' frequencies times their weights. Its
        document frequency is the typed forms', so a row holding only what
        was typed scores as it would without the vocabulary, and a row
        holding only an expansion scores below it. A group of one form of
        weight 1 scores as that element would.

        With ``within`` (sorted rows), the scores are of those rows alone, in
        that order: each posting is looked up at those rows instead of being
        walked whole, so a narrow filter at a million passages costs what the
        filter allows, not what the words match. Document frequencies stay
        the whole index's, so each row scores exactly as it would unfiltered.
        """
        scores = np.zeros(self.row_count if within is None else len(within), dtype=np.float64)
        found = [(element[0], element[1], len(element[0])) if (element := self._element(tokens, phrase_rows)) else None
                 for tokens, phrase_rows in elements]
        found += [self._group(forms) for forms in groups]
        for posting in found:
            if posting is None or len(posting[0]) == 0:
                continue
            rows, frequencies, hits = posting
            if within is None:
                # Rows are unique within one element's postings, so fancy-index += is exact.
                scores[rows] += self.idf(hits) * self._weights(rows, frequencies)
                continue
            at = np.minimum(np.searchsorted(rows, within), len(rows) - 1)
            present = np.flatnonzero(rows[at] == within)
            scores[present] += self.idf(hits) * self._weights(within[present], frequencies[at[present]])
        return scores

    def rank(
        self,
        elements: Sequence[KeywordElement],
        k: int,
        mask: Optional[np.ndarray] = None,
        groups: Sequence[Sequence[KeywordForm]] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the best ``k`` rows holding any element or group, within ``mask``; ties by row.

        A mask allowing few rows (:data:`NARROW_FILTER_SHARE` of the index or
        less) is scored at those rows alone (:meth:`scores` ``within``).
        """
        within = None
        if mask is not None:
            allowed = np.flatnonzero(mask)
            if len(allowed) <= self.row_count * NARROW_FILTER_SHARE:
                within = allowed
        scores = self.scores(elements, groups, within)
        if mask is not None and within is None:
            scores[~mask] = 0.0
        matched = np.flatnonzero(scores > 0)
        if len(matched) > k:
            matched = matched[np.argpartition(-scores[matched], k - 1)[:k]]
        rows = matched if within is None else within[matched]
        order = np.lexsort((rows, -scores[matched]))
        return rows[order].astype(np.int64), scores[matched[order]].astype(np.float32)
