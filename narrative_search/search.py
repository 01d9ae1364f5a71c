"""Hybrid search: vectors and keywords, fused, one hit per action, with why it matched.

query --parse_query--> words and "quoted phrases"
      --filter_mask--> the passages the filters allow
      --SearchIndex.dense / .keyword--> two rankings of passages
      --fuse_legs--> each ranking max-pooled per action, the two fused by reciprocal rank
      --group_by_action--> one hit per action, its best passages
      --no_close_match--> a flag when neither ranking found anything close (the relevance floor)
      --explain--> matched terms and the best-matching sentence marked

Fusion (:data:`DEFAULT_FUSION`, chosen by ``bench/quality.py --cross-validate``
over rank and score fusion, of passages or of actions, with fixed and
per-query keyword weights): each ranking first scores an action by its best
passage (plus a tenth of its next best: several close passages are more
telling than one), then the two rankings of actions are fused by reciprocal rank, the
keyword ranking weighted per query by how much of the query its best hits
hold and how keyword-like the query is (acronyms, vocabulary terms, rare
words, refs, quoted phrases). Fusing passages before pooling let a weak
ranking drag a strong one down: an action first by keywords and far down by
meaning lost to passages middling in both. Tried and not kept
(``bench/quality.py --cross-validate --refinements``): pseudo-relevance
feedback of the vector leg (-0.01 to -0.05 nDCG@10), a title bonus, other
weights of the vocabulary's expansions (no change).

Quoted phrases must appear verbatim (FTS5 phrase match, stemmed): they
restrict both rankings, so a user's quotes are never overridden by a vector
neighbour that lacks the phrase. Words outside quotes are OR-ed for BM25
(FTS5's tokens and formula, scored in numpy: keyword.py), with stop words left
out, and embedded with the whole query for the vector side. Words outside
quotes that name a concept of the SEND vocabulary (vocabulary.py: "EHCP",
"education, health and care plan") also match its other forms, as one OR
group with the forms typed weighted above the expansions; every form found is
marked, a phrase as one span.

Filters: councils; a month range (an update passage is kept when its months
overlap the range; passages without a month, i.e. action descriptions, are
left out by a month filter); ratings (the rating in force at the passage's
month; a mixed "G/A" matches G and A); documents; passage kinds; the kind of record a
passage belongs to (a plan action or a section of a prose document).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal, Optional, Sequence

import numpy as np

from .councils import canonical_council
from .errors import NarrativeSearchError
from .index import SearchIndex
from .keyword import fts_phrase
from .model import ACTION_KINDS, PASSAGE_KINDS, SEARCH_MODES, ActionHit, PassageHit, SearchFilters, SearchMode, SearchResult
from .months import is_month, month_number
from .passages import english_stop_words, is_table_furniture, sentence_spans
from .protocols import TextEncoder
from .readers.furniture import line_reason, page_date_of_line
from .vocabulary import Vocabulary, default_vocabulary

#: Reciprocal rank fusion constant: 60 as in Cormack et al. (2009); it damps the
#: difference between the first few ranks so neither ranking dominates.
RRF_K = 60

#: Passages taken from each ranking before fusion, per action asked for.
CANDIDATES_PER_HIT = 10
MIN_CANDIDATES = 100

#: Passages shown per action hit.
PASSAGES_PER_HIT = 3

#: Weight of a vocabulary expansion against the words typed, in the keyword
#: ranking: a passage saying "EHC plan" counts for a query "EHCP", less than
#: one saying "EHCP" itself.
EXPANSION_WEIGHT = 0.6

_START_MARK, _END_MARK = "\x02", "\x03"
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_RATING_LETTERS = re.compile(r"[A-Za-z]+")


class SearchError(NarrativeSearchError):
    """A query or filter that cannot be run, with what was wrong."""


# -- the query -----------------------------------------------------------------


@dataclass(frozen=True)
class QueryConcept:
    """A SEND vocabulary concept a query names outside quotes: its forms as typed, and its other forms."""

    typed: tuple[str, ...]
    others: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        return self.typed + self.others


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the query as typed, embedded whole for the vector side
    phrases: tuple[str, ...]  # quoted phrases, each required verbatim
    terms: tuple[str, ...]  # other words, optional, for BM25
    concepts: tuple[QueryConcept, ...] = ()  # vocabulary concepts named outside quotes, for BM25 and highlighting

    def required_match(self) -> str:
        """FTS5 expression every passage must satisfy (the phrases), or ''."""
        return " AND ".join(fts_phrase(p) for p in self.phrases)

    def keyword_words(self) -> tuple[str, ...]:
        """What the keyword ranking scores: the phrases' words and the other words."""
        return self.phrases + self.terms

    def grouped_words(self) -> tuple[str, ...]:
        """The typed words the vocabulary groups score (a one-word concept, "EHCP"), so not scored alone too.

        A phrase typed ("annual reviews") keeps its words scored apart as
        well: scoring only the phrase lost passages that use the words apart
        (bench/quality.py: hybrid nDCG@10 0.425 with, 0.419 without).
        """
        return tuple(form.lower() for concept in self.concepts for form in concept.typed if len(_WORD.findall(form)) == 1)

    def keyword_groups(self, expansion_weight: float = EXPANSION_WEIGHT) -> list[list[tuple[str, float]]]:
        """Per concept, its forms as OR-ed keyword terms: those typed at weight 1, the others at ``expansion_weight``."""
        return [[(form, 1.0) for form in c.typed] + [(form, expansion_weight) for form in c.others] for c in self.concepts]

    def alternatives(self, term: str) -> tuple[str, ...]:
        """The forms that count as ``term`` in a passage: itself, and for a concept's word all its forms."""
        for concept in self.concepts:
            if term in (form.lower() for form in concept.typed):
                return concept.forms
        return (term,)

    def ranking_match(self) -> str:
        """FTS5 expression of the whole query: phrases required, any word or concept form matching (for highlighting)."""
        words = [fts_phrase(p) for p in self.phrases] + [fts_phrase(t) for t in self.terms]
        words += [fts_phrase(form) for concept in self.concepts for form in concept.forms]
        distinct: dict[str, str] = {}
        for word in words:
            distinct.setdefault(word.lower(), word)  # FTS5 matches without case: "EHCP" and "ehcp" once
        optional = " OR ".join(distinct.values())
        required = self.required_match()
        if required and self.terms:
            return f"{required} AND ({optional})"
        return required or optional


def light_stem(word: str) -> str:
    """A light stemmer (plural, -ed, -ing, final e): enough to tell whether a passage has a query's word.

    FTS5's Porter stemmer decides what matches; this one only measures how
    much of the query a matched passage covers, where a rough answer is enough.
    """
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("es") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def term_coverage(parsed: "ParsedQuery", text: str) -> float:
    """Share of the query's words (each quoted phrase counting as one) found in ``text``."""
    if not parsed.terms:
        return 1.0  # only phrases, and every candidate contains them
    words = {light_stem(w) for w in re.findall(r"\w+", text)}
    found = sum(
        1
        for term in parsed.terms
        if any(all(light_stem(w) in words for w in re.findall(r"\w+", form)) for form in parsed.alternatives(term))
    )
    return (found + len(parsed.phrases)) / (len(parsed.terms) + len(parsed.phrases))


def _stop_words() -> frozenset[str]:
    return english_stop_words()  # spaCy's list, without importing spaCy (2 s)


def query_concepts(text: str, vocabulary: Vocabulary) -> tuple[QueryConcept, ...]:
    """The vocabulary concepts named in ``text`` (case-aware for short acronyms), forms of one concept together."""
    typed: dict[tuple[str, ...], list[str]] = {}
    for match in vocabulary.find_in(text):
        typed.setdefault(match.concept.forms, []).append(match.typed)
    return tuple(
        QueryConcept(tuple(dict.fromkeys(forms)), tuple(f for f in concept_forms if f.lower() not in {t.lower() for t in forms}))
        for concept_forms, forms in typed.items()
    )


def parse_query(query: str, vocabulary: Optional[Vocabulary] = None) -> ParsedQuery:
    """Split a query into quoted phrases and other words (stop words dropped unless nothing else is left).

    Words outside quotes that are forms of a concept of ``vocabulary`` (by
    default the SEND vocabulary, vocabulary.py) are kept as concepts too.
    """
    query = (query or "").strip()
    if not query:
        raise SearchError("the query is empty: type some words to search for")
    phrases = tuple(p.strip() for p in _PHRASE.findall(query) if _WORD.search(p))
    rest = _PHRASE.sub(" ", query).replace('"', " ")
    words = [w.lower() for w in _WORD.findall(rest)]
    stop = _stop_words()
    content = [w for w in words if w not in stop]
    terms = tuple(dict.fromkeys(content or words))
    if not phrases and not terms:
        raise SearchError(f"the query {query!r} has no words to search for")
    concepts = query_concepts(rest, default_vocabulary() if vocabulary is None else vocabulary)
    return ParsedQuery(text=query.replace('"', ""), phrases=phrases, terms=terms, concepts=concepts)


# -- filters -------------------------------------------------------------------


def check_filters(filters: SearchFilters) -> SearchFilters:
    """The filters with councils and ratings in canonical form; SearchError naming a malformed one."""
    for name, month in (("since", filters.since), ("until", filters.until)):
        if month is not None and not is_month(month):
            raise SearchError(f"the {name} month must be written YYYY-MM, not {month!r}")
    if filters.since and filters.until and filters.since > filters.until:
        raise SearchError(f"the since month {filters.since} is after the until month {filters.until}")
    unknown = [k for k in filters.kinds if k not in PASSAGE_KINDS]
    if unknown:
        raise SearchError(f"unknown passage kind {unknown[0]!r}: choose from {', '.join(PASSAGE_KINDS)}")
    unknown = [r for r in filters.records if r not in ACTION_KINDS]
    if unknown:
        raise SearchError(f"unknown kind of record {unknown[0]!r}: choose from {', '.join(ACTION_KINDS)}")
    return SearchFilters(
        councils=tuple(canonical_council(c) or c for c in filters.councils),
        since=filters.since,
        until=filters.until,
        ratings=tuple(r.strip().upper() for r in filters.ratings if r.strip()),
        documents=filters.documents,
        kinds=filters.kinds,
        exclude_councils=tuple(canonical_council(c) or c for c in filters.exclude_councils),
        records=filters.records,
        themes=filters.themes,
        theme_actions=filters.theme_actions,
    )


def _in(names: Sequence[Optional[str]], codes: np.ndarray, wanted: Iterable[str],
        match: Optional[Callable[[str, set[str]], bool]] = None) -> np.ndarray:
    """Mask of positions whose name is wanted (``match(name, wanted)`` decides if given)."""
    wanted = set(wanted)
    if match is None:  # names are distinct: find each wanted one (in C; a million passages may name thousands)
        chosen = [names.index(name) for name in wanted if name in names]
    else:
        chosen = [i for i, name in enumerate(names) if name is not None and match(name, wanted)]
    return np.isin(codes, np.asarray(chosen, dtype=codes.dtype))


def _rating_matches(rating: str, wanted: set[str]) -> bool:
    letters = {part.upper() for part in _RATING_LETTERS.findall(rating)}
    return bool(letters & wanted) or rating.upper() in wanted


def filter_mask(index: SearchIndex, filters: SearchFilters) -> tuple[Optional[np.ndarray], Optional[str]]:
    """(mask of allowed passages or None for all, message if the filters leave nothing).

    The message names the filter that emptied the result, so a user knows
    which one to relax.
    """
    if not filters.active:
        return None, None
    mask = np.ones(len(index), dtype=bool)
    steps: list[tuple[str, np.ndarray]] = []
    if filters.councils:
        steps.append((f"council {' or '.join(filters.councils)}", _in(index.council_names, index.council_codes, filters.councils)))
    if filters.exclude_councils:
        steps.append(("other councils", ~_in(index.council_names, index.council_codes, filters.exclude_councils)))
    if filters.documents:
        steps.append((f"document {' or '.join(filters.documents)}", _in(index.document_names, index.document_codes, filters.documents)))
    if filters.kinds:
        steps.append((f"kind {' or '.join(filters.kinds)}", _in(index.kind_names, index.kind_codes, filters.kinds)))
    if filters.records:
        steps.append((f"record {' or '.join(filters.records)}",
                      _in(index.record_kind_names, index.record_kind_codes, filters.records)))
    if filters.themes:
        steps.append((f"the theme {' or '.join(filters.themes)}", _theme_rows(index, filters.theme_actions)))
    if filters.ratings:
        steps.append((f"rating {' or '.join(filters.ratings)}", _in(index.rating_names, index.rating_codes, filters.ratings, _rating_matches)))
    if filters.since or filters.until:
        since = month_number(filters.since) if filters.since else -10**9
        until = month_number(filters.until) if filters.until else 10**9
        dated = index.starts >= 0
        steps.append((f"dates {filters.since or '…'} to {filters.until or '…'}", dated & (index.starts <= until) & (index.ends >= since)))
    applied: list[str] = []
    for label, step in steps:
        mask &= step
        applied.append(label)
        if not mask.any():
            if len(applied) == 1:
                message = f"No passages match {label}."
            else:
                message = f"No passages match {', '.join(applied[:-1])} and {applied[-1]}."
            return mask, message + _known_values_hint(index, label)
    return mask, None


def _theme_rows(index: SearchIndex, action_ids: Sequence[str]) -> np.ndarray:
    """Mask of the passages of the actions a theme filter keeps."""
    rows = [index.action_row_of[a] for a in action_ids if a in index.action_row_of]
    return np.isin(index.action_rows, np.asarray(rows, dtype=index.action_rows.dtype))


def _known_values_hint(index: SearchIndex, label: str) -> str:
    if label.startswith("council"):
        return " Councils in the index: " + ", ".join(sorted(n for n in index.council_names if n)) + "."
    if label.startswith("document"):
        return " Documents in the index: " + ", ".join(sorted(n for n in index.document_names if n)) + "."
    return ""


# -- ranking -------------------------------------------------------------------

#: How many of the keyword ranking's best passages judge its evidence.
EVIDENCE_DEPTH = 10


def keyword_evidence(parsed: ParsedQuery, texts: Sequence[str]) -> float:
    """The weight of the keyword ranking in the fusion: the best coverage of the query by its top passages, squared.

    A query in the documents' words ("SENCO network support") has keyword hits
    that hold most of its words, and the keyword ranking counts fully. A query
    in a person's own words ("a mum having to recount her son's background")
    shares a word or two with many passages by chance; those hits cover little
    of it, and its keyword ranking counts little, leaving the vector ranking
    to decide. Measured on bench/queries.json (bench/quality.py). ``texts``
    are the keyword ranking's best :data:`EVIDENCE_DEPTH` passages.
    """
    return max((term_coverage(parsed, text) for text in texts), default=0.0) ** 2



def fuse(rankings: Sequence[np.ndarray], weights: Optional[Sequence[float]] = None, k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: each row scores sum(weight / (k + rank)) over the rankings it is in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights):
        for rank, row in enumerate(ranking, start=1):
            scores[int(row)] += weight / (k + rank)
    return scores


FusionMethod = Literal["rrf", "convex"]
FusionLevel = Literal["passage", "action"]
KeywordWeighting = Literal["fixed", "coverage", "shape", "both"]
Normalisation = Literal["minmax", "zscore", "max"]
FeedbackSource = Literal["dense", "fused"]


@dataclass(frozen=True)
class Fusion:
    """How the vector and keyword rankings become one.

    ``method``: "rrf" adds reciprocal ranks; "convex" adds the two legs'
    scores (cosine, BM25), each normalised over its candidates
    (``normalise``), the keyword leg's times its weight. ``level``:
    "passage" fuses each passage, then an action scores its best passage;
    "action" first takes each leg's best passage per action (max-pooling),
    then fuses the actions. The keyword leg's weight is ``keyword_weight``
    times a per-query factor (``weighting``): 1 ("fixed"), the coverage of
    the query by the keyword leg's best passages, squared ("coverage",
    :func:`keyword_evidence`), how keyword-like the query is ("shape",
    :func:`keyword_likeness`), or both multiplied ("both").
    """

    method: FusionMethod = "rrf"
    level: FusionLevel = "passage"
    weighting: KeywordWeighting = "coverage"
    keyword_weight: float = 1.0
    normalise: Normalisation = "minmax"
    rrf_k: int = RRF_K
    #: Pseudo-relevance feedback of the vector leg (Rocchio): the query's vector plus ``prf_weight``
    #: times the mean vector of the best ``prf_depth`` passages of a first pass (``prf_source``: the
    #: vector leg's, or the fused ranking's best action each), searched again. 0: none.
    prf_depth: int = 0
    prf_weight: float = 0.5
    prf_source: FeedbackSource = "dense"
    #: At the action level, each leg scores an action by its best passage plus this share of its next best.
    second_share: float = 0.0
    #: Added to a group's fused score times the share of the query's words its title holds (a section's
    #: heading, an action's first line).
    title_bonus: float = 0.0
    #: Weight of a vocabulary expansion in the keyword leg (see :data:`EXPANSION_WEIGHT`).
    expansion_weight: float = EXPANSION_WEIGHT

    def describe(self) -> str:
        norm = f" {self.normalise}" if self.method == "convex" else f" k={self.rrf_k}"
        extras = [f"prf {self.prf_source} {self.prf_depth}x{self.prf_weight:g}" if self.prf_depth else "",
                  f"2nd {self.second_share:g}" if self.second_share else "",
                  f"title {self.title_bonus:g}" if self.title_bonus else "",
                  f"exp {self.expansion_weight:g}" if self.expansion_weight != EXPANSION_WEIGHT else ""]
        return " ".join([f"{self.method}{norm} {self.level} {self.weighting} w={self.keyword_weight:g}"] + [e for e in extras if e])


#: The fusion a search uses unless told otherwise (chosen by bench/quality.py --cross-validate).
DEFAULT_FUSION = Fusion(method="rrf", level="action", weighting="both", keyword_weight=1.0, second_share=0.1)

#: A query word of at least two capitals and no small letters ("EHCP", "SEMH") is an acronym.
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]+s?$")
#: A reference to an action ("3.1", "1.12", "10A", "2-7").
_REF = re.compile(r"^\d+(?:[.\-]\d+)+[A-Za-z]?\.?$|^\d+[A-Za-z]$")


def keyword_likeness(parsed: ParsedQuery, index: SearchIndex, legs: Optional["Legs"] = None) -> float:
    """How keyword-like a query is (0-1): quoted phrases and refs 1, else the mean of its words' scores.

    A word scores 1 when typed as an acronym or naming a vocabulary concept
    ("EHCP", "SENCO"), else its rarity in the passages (idf, 0 where absent):
    the documents' own rare words are what a keyword ranking finds well.
    """
    if parsed.phrases:
        return 1.0
    if any(_REF.match(token.strip(",;:()")) for token in parsed.text.split()):
        return 1.0
    typed = {w.lower(): w for w in _WORD.findall(parsed.text)}
    concept_words = {w.lower() for concept in parsed.concepts for form in concept.typed for w in _WORD.findall(form)}
    rarity = legs.rarity(index, parsed.terms) if legs is not None else index.word_rarity(list(parsed.terms))
    scores = [1.0 if term in concept_words or _ACRONYM.match(typed.get(term, "")) else rare
              for term, rare in zip(parsed.terms, rarity)]
    return float(np.mean(scores)) if scores else 0.0


def query_keyword_weight(parsed: ParsedQuery, index: SearchIndex, legs: Legs, fusion: Fusion) -> float:
    """The keyword leg's weight for this query: ``fusion.keyword_weight`` times its per-query factor."""
    factor = 1.0
    if fusion.weighting in ("coverage", "both"):
        factor *= keyword_evidence(parsed, legs.top_keyword_texts(index))
    if fusion.weighting in ("shape", "both"):
        factor *= keyword_likeness(parsed, index, legs)
    return fusion.keyword_weight * factor


#: The relevance floor: a search whose best passage's cosine with the query is below
#: FLOOR_CLOSENESS and whose best keyword hit holds less than FLOOR_COVERAGE of the query's
#: words (weighted by rarity) has no close match. Calibrated by bench/quality.py on
#: bench/queries.json and bench/nonsense_queries.json: no labelled query below both, then as
#: many nonsense queries as possible, then the widest margin. The labelled queries in people's
#: own words reach down to a cosine of 0.31 with a coverage of 0.2, so a nonsense query made of
#: the documents' common words ("actions MATCH NEAR", "DROP TABLE actions") stays above it.
FLOOR_CLOSENESS = 0.30
FLOOR_COVERAGE = 0.37


def content_words(parsed: ParsedQuery) -> list[str]:
    """The query's words outside quotes that can say what it is about: not stop words, not bare numbers."""
    stop = _stop_words()
    return [term for term in parsed.terms if term not in stop and any(c.isalpha() for c in term)]


#: A query whose content words are mostly unknown to the index (more than this share with no
#: passage holding them: "lorem ipsum dolor sit amet") needs a cosine of UNKNOWN_CLOSENESS to be
#: a close match: its vector is the model's guess at words the documents never use. The labelled
#: queries of that shape (people's own words: "who is actually in charge ... when promises slip",
#: every content word unknown) reach down to a cosine of 0.40; placeholder text reaches 0.34.
#: Whether page furniture is never a close match (:func:`is_furniture_query`; off only to measure it).
FURNITURE_NEVER_CLOSE = True

UNKNOWN_SHARE = 0.5
UNKNOWN_CLOSENESS = 0.37

#: A query holding at least CODE_MARKS_MIN marks of code syntax (:func:`code_marks`) is code, not
#: words: it counts only by its plain words (:func:`plain_words`), and is a close match only when
#: both rankings are close, not either: its best keyword hit holds CODE_COVERAGE of its plain
#: words and its cosine reaches CODE_CLOSENESS. The documents' common words in an injection
#: string hold half of it ("'; DROP TABLE actions; --") or most ("actions MATCH '*' NEAR/0"),
#: at cosines of 0.31 and 0.47; words wrapped in code ("{{ehcp}} timeliness") reach 0.6.
CODE_MARKS_MIN = 2
CODE_COVERAGE = 0.6
CODE_CLOSENESS = 0.5

#: Code syntax: statement separators, comment markers, comparison and assignment operators, the
#: brackets of markup and templates, shell and template sigils, wildcards, FTS5's NEAR, column
#: filters ("text:autism") and capital AND/OR/NOT, and a path's parent steps ("../").
_CODE_MARK = re.compile(r";|--|/\*|\*/|//|[=<>]=?|!=|[{}\[\]$`\\|*^]|\bNEAR\s*[/(]|\b[A-Za-z_]\w*:(?=[^\s/])|\b(?:AND|OR|NOT)\b|\.\./")
#: A quote that is not an apostrophe inside a word ("son's") or after a plural ("kids' team").
_STRAY_QUOTE = re.compile(r"(?<![A-Za-z])'|(?<![sS])'(?![A-Za-z])")
_MARKUP_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def code_marks(query: str) -> int:
    """How many marks of code syntax ``query`` holds; unbalanced quotes (double, or stray single) count as one."""
    marks = len(_CODE_MARK.findall(query))
    quotes = query.count('"') + len(_STRAY_QUOTE.findall(query))
    return marks + quotes % 2


def plain_words(query: str) -> list[str]:
    """The content words of ``query`` outside code syntax: markup tags set aside, whitespace-split tokens
    that are a word once punctuation at their edges is set aside ("actions;" is the word "actions";
    "1=1", "NEAR/0" and "alert('x')" are code), lower case, without stop words and bare numbers."""
    stop = _stop_words()
    words = []
    for token in _MARKUP_TAG.sub(" ", query).split():
        core = re.sub(r"^\W+|\W+$", "", token)
        if core and _WORD.fullmatch(core) and core.lower() not in stop and any(c.isalpha() for c in core):
            words.append(core.lower())
    return list(dict.fromkeys(words))


def is_furniture_query(query: str) -> bool:
    """Whether the readers would drop ``query`` as page or table furniture ("Page 3 of 47", "Back to top",
    "Page last updated: 3 March 2021"): no document answers with its own furniture."""
    text = query.replace('"', " ").strip()
    return is_table_furniture(text, "") or line_reason(text) is not None or page_date_of_line(text) is not None


@dataclass(frozen=True)
class QueryShape:
    """What the relevance floor reads from a query's text alone, before any ranking."""

    furniture: bool  # the readers would drop it as page furniture
    code: bool  # mostly code syntax (at least CODE_MARKS_MIN marks)
    plain: tuple[str, ...]  # its content words outside code syntax

    @classmethod
    def of(cls, query: str) -> "QueryShape":
        return cls(is_furniture_query(query), code_marks(query) >= CODE_MARKS_MIN, tuple(plain_words(query)))


def known_words(parsed: ParsedQuery, index: SearchIndex, words: Sequence[str], legs: Optional["Legs"] = None) -> list[bool]:
    """Per word, whether some passage holds it or another form of its vocabulary concept (document frequency > 0)."""
    forms = {word: parsed.alternatives(word) for word in words}
    every = list(dict.fromkeys(form for alternatives in forms.values() for form in alternatives))  # one look-up for all
    rarity = dict(zip(every, legs.rarity(index, every) if legs is not None else index.word_rarity(every)))
    return [any(rarity[form] > 0 for form in forms[word]) for word in words]


def unknown_share(parsed: ParsedQuery, index: SearchIndex, legs: Optional["Legs"] = None) -> float:
    """The share of the query's content words that no passage holds (0 when it has none)."""
    words = content_words(parsed)
    return known_words(parsed, index, words, legs).count(False) / len(words) if words else 0.0


def word_coverage(parsed: ParsedQuery, index: SearchIndex, legs: "Legs", words: Optional[Sequence[str]] = None) -> float:
    """The most of the query's words any of the keyword ranking's best passages holds, each word weighted by rarity.

    Stop words and bare numbers do not count (a query of them alone covers nothing); a
    word found nowhere weighs as much as the rarest and is never held (light stemming
    might find it where FTS5 does not); a quoted phrase, which every candidate holds,
    counts as a rare word found. ``words`` (a code query's plain words) replaces the
    query's content words and phrases.
    """
    phrases = len(parsed.phrases) if words is None else 0
    words = content_words(parsed) if words is None else list(words)
    if not words and not phrases:
        return 0.0
    weights = [rarity or 1.0 for rarity in legs.rarity(index, words)]
    known = known_words(parsed, index, words, legs)
    total = sum(weights) + phrases
    best = phrases / total
    for text in legs.top_keyword_texts(index):
        found = {light_stem(w) for w in re.findall(r"\w+", text)}
        held = sum(weight for word, weight, seen in zip(words, weights, known) if seen and any(
            all(light_stem(w) in found for w in re.findall(r"\w+", form)) for form in parsed.alternatives(word)))
        best = max(best, (held + phrases) / total)
    return best


def is_weak_match(closeness: Optional[float], coverage: Optional[float], closeness_bar: Optional[float] = None,
                  coverage_bar: Optional[float] = None) -> bool:
    """Whether neither ranking found a close match: the cosine under ``closeness_bar`` and the coverage under
    ``coverage_bar`` (by default :data:`FLOOR_CLOSENESS` and :data:`FLOOR_COVERAGE`); unknown evidence counts as weak."""
    closeness_bar = FLOOR_CLOSENESS if closeness_bar is None else closeness_bar
    coverage_bar = FLOOR_COVERAGE if coverage_bar is None else coverage_bar
    return (closeness or 0.0) < closeness_bar and (coverage or 0.0) < coverage_bar


def no_close_match(parsed: ParsedQuery, closeness: Optional[float], coverage: Optional[float],
                   shape: Optional[QueryShape] = None, unknown: float = 0.0) -> bool:
    """The relevance floor, first rule that applies:

    - page or table furniture ("Page 3 of 47", "Back to top") is never a close match;
    - a query that is mostly code syntax counts only by its plain words (``coverage``
      is then theirs), and needs both rankings close (:data:`CODE_COVERAGE`, :data:`CODE_CLOSENESS`);
    - a quoted phrase found verbatim is a close match;
    - a query of nothing but stop words and numbers ("the", "See above", "12345") never is;
    - a query whose content words are mostly unknown to the index (``unknown`` is their share)
      needs a cosine of :data:`UNKNOWN_CLOSENESS`;
    - any other query is weak when both rankings are (:func:`is_weak_match`).
    """
    shape = shape or QueryShape.of(parsed.text)
    if shape.furniture and FURNITURE_NEVER_CLOSE:
        return True
    if shape.code:
        return not shape.plain or (closeness or 0.0) < CODE_CLOSENESS or (coverage or 0.0) < CODE_COVERAGE
    if parsed.phrases:
        return False
    if not content_words(parsed):
        return True
    if unknown > UNKNOWN_SHARE:
        return is_weak_match(closeness, coverage, UNKNOWN_CLOSENESS)
    return is_weak_match(closeness, coverage)


def _normalised(scores: np.ndarray, reference: np.ndarray, how: Normalisation) -> np.ndarray:
    """``scores`` on the scale of ``reference`` (the leg's candidates): min-max (clipped at 0), z-scores, or over the max."""
    if len(reference) == 0:
        return np.zeros(len(scores))
    if how == "zscore":
        spread = float(reference.std())
        return (scores - reference.mean()) / spread if spread > 0 else np.zeros(len(scores))
    if how == "max":
        top = float(reference.max())
        return np.clip(scores / top, 0.0, None) if top > 0 else np.zeros(len(scores))
    low, high = float(reference.min()), float(reference.max())
    return np.clip((scores - low) / (high - low), 0.0, None) if high > low else np.ones(len(scores))


@dataclass
class Legs:
    """The two rankings of one query: rows best first, their raw scores, and the weight of the keyword leg."""

    dense_rows: np.ndarray
    dense_scores: np.ndarray
    keyword_rows: np.ndarray
    keyword_scores: np.ndarray
    keyword_weight: float
    _top_texts: Optional[list[str]] = None
    _rarity: dict[str, float] = field(default_factory=dict)

    def top_keyword_texts(self, index: SearchIndex) -> list[str]:
        """The texts of the keyword ranking's best :data:`EVIDENCE_DEPTH` passages (read once per search)."""
        if self._top_texts is None:
            top = [int(r) for r in self.keyword_rows[:EVIDENCE_DEPTH]]
            found = index.passages(top) if top else {}
            self._top_texts = [found[row].text for row in top]
        return self._top_texts

    def rarity(self, index: SearchIndex, words: Sequence[str]) -> list[float]:
        """:meth:`SearchIndex.word_rarity` of ``words``, each looked up once per search."""
        missing = [word for word in dict.fromkeys(words) if word not in self._rarity]
        if missing:
            self._rarity.update(zip(missing, index.word_rarity(missing)))
        return [self._rarity[word] for word in words]


def leg_scores(legs: Legs, index: SearchIndex, query_vector: Optional[np.ndarray],
               how: Normalisation) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(rows of either leg, their normalised dense scores, their normalised keyword scores).

    A row the vector leg did not propose gets its exact cosine; one the
    keyword leg did not propose gets the lowest keyword score of its candidates.
    """
    rows = list(dict.fromkeys([int(r) for r in legs.dense_rows] + [int(r) for r in legs.keyword_rows]))
    cosine = dict(zip(legs.dense_rows.tolist(), legs.dense_scores.tolist()))
    missing = [r for r in rows if r not in cosine]
    if missing and query_vector is not None and len(legs.dense_rows):
        exact = index.passage_vectors(missing) @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        cosine.update(zip(missing, exact.tolist()))
    dense = np.array([cosine.get(r, float(legs.dense_scores.min()) if len(legs.dense_scores) else 0.0) for r in rows])
    bm25 = dict(zip(legs.keyword_rows.tolist(), legs.keyword_scores.tolist()))
    lowest = float(legs.keyword_scores.min()) if len(legs.keyword_scores) else 0.0
    keyword = np.array([bm25.get(r, lowest) for r in rows])
    dense_n = _normalised(dense, legs.dense_scores, how) if len(legs.dense_rows) else np.zeros(len(rows))
    keyword_n = _normalised(keyword, legs.keyword_scores, how) if len(legs.keyword_rows) else np.zeros(len(rows))
    return rows, dense_n, keyword_n


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    return {key: rank for rank, key in enumerate(sorted(scores, key=lambda k: (-scores[k], k)), start=1)}


def pooled(scores: Iterable[tuple[str, float]], second_share: float = 0.0) -> dict[str, float]:
    """Per group, its best score plus ``second_share`` of its next best (max-pooling when 0)."""
    top: dict[str, list[float]] = {}
    for key, score in scores:
        best = top.setdefault(key, [])
        best.append(score)
        if len(best) > 2:
            best.sort(reverse=True)
            del best[2:]
    return {key: max(best) + (second_share * min(best) if second_share and len(best) == 2 else 0.0) for key, best in top.items()}


def fuse_legs(legs: Legs, index: SearchIndex, fusion: Fusion, query_vector: Optional[np.ndarray]
              ) -> tuple[dict[int, float], Optional[dict[str, float]], Optional[dict[int, str]]]:
    """(score per passage row, score per group or None, group per row or None) of the two legs fused as ``fusion`` says.

    With ``level`` "passage" groups score their best passage (None is
    returned for them); with "action", each leg is max-pooled per group
    (:func:`group_keys`) and the groups fused, passages ordered within their
    group by their own fused score.
    """
    weight = legs.keyword_weight
    if fusion.method == "rrf" and fusion.level == "passage":
        return fuse([legs.dense_rows, legs.keyword_rows], [1.0, weight], fusion.rrf_k), None, None
    if fusion.method == "rrf":  # ranks only: each leg's own scores, no exact cosines needed for the other's rows
        rows = list(dict.fromkeys(legs.dense_rows.tolist() + legs.keyword_rows.tolist()))
        raw = dict(zip(legs.dense_rows.tolist(), legs.dense_scores.tolist()))
        bm25 = dict(zip(legs.keyword_rows.tolist(), legs.keyword_scores.tolist()))
        dense = np.array([raw.get(row, -np.inf) for row in rows])
        keyword = np.array([bm25.get(row, -np.inf) for row in rows])
    else:
        rows, dense, keyword = leg_scores(legs, index, query_vector, fusion.normalise)
    if fusion.method == "rrf":
        row_scores = fuse([legs.dense_rows, legs.keyword_rows], [1.0, weight], fusion.rrf_k)
    else:
        row_scores = {row: float(d + weight * w) for row, d, w in zip(rows, dense, keyword)}
    if fusion.level == "passage":
        return row_scores, None, None
    keys = group_keys(rows, index)
    dense_set, keyword_set = set(legs.dense_rows.tolist()), set(legs.keyword_rows.tolist())
    convex = fusion.method == "convex"
    best_dense = pooled([(keys[row], float(d)) for row, d in zip(rows, dense) if convex or row in dense_set], fusion.second_share)
    best_keyword = pooled([(keys[row], float(w)) for row, w in zip(rows, keyword) if convex or row in keyword_set], fusion.second_share)
    if fusion.method == "convex":
        group_scores = {key: best_dense[key] + weight * best_keyword[key] for key in best_dense}
    else:
        dense_ranks, keyword_ranks = _ranks(best_dense), _ranks(best_keyword)
        group_scores = {key: (1.0 / (fusion.rrf_k + dense_ranks[key]) if key in dense_ranks else 0.0)
                        + (weight / (fusion.rrf_k + keyword_ranks[key]) if key in keyword_ranks else 0.0)
                        for key in set(keys.values())}
    return row_scores, group_scores, keys


#: Unattributed spans of one document at most this many lines apart are one unit (one section of text).
UNIT_LINE_GAP = 5

#: An unit of unattributed text is ranked among the actions and sections only when it scores at
#: least this many times the best of them ("much the best match"); else it comes after all of them.
#: With reciprocal rank fusion, 1.15 asks for about first place in both rankings against an action
#: near tenth place in both.
UNATTRIBUTED_MARGIN = 1.15


def _unattributed_units(rows: Sequence[int], index: SearchIndex) -> dict[int, str]:
    """Group key of each unattributed row: its document and the first line of its run of nearby spans."""
    passages = index.passages(rows)
    units: dict[int, str] = {}
    by_document: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row, passage in passages.items():
        if passage.kind != "unattributed":
            units[row] = f"shared:{passage.base_id}"  # a field shared by several actions: one unit
            continue
        by_document[passage.document].append((passage.line, row))
    for document, lines in by_document.items():
        lines.sort()
        first = previous = lines[0][0]
        for line, row in lines:
            if line - previous > UNIT_LINE_GAP:
                first = line
            units[row] = f"text:{document}:{first}"
            previous = line
    return units


def group_keys(rows: Sequence[int], index: SearchIndex) -> dict[int, str]:
    """The group of each row: its action's or section's id, a shared field, or a unit of unattributed text."""
    outside = [row for row in rows if int(index.action_rows[row]) < 0]
    units = _unattributed_units(outside, index) if outside else {}
    keys = {}
    for row in rows:
        action_row = int(index.action_rows[row])
        keys[row] = index.action_ids[action_row] if action_row >= 0 else units[row]
    return keys


def group_by_action(scored: dict[int, float], index: SearchIndex, k: int, group_scores: Optional[dict[str, float]] = None,
                    keys: Optional[dict[int, str]] = None) -> list[tuple[str, float, list[int]]]:
    """(group key, score, rows best first) for the best ``k`` groups.

    A group is an action or section (all its passages), a field shared by
    several actions (once), or a run of unattributed spans of one document
    within :data:`UNIT_LINE_GAP` lines (one section of text, never one hit per
    span; ``keys`` gives each row's group where known). The group scores ``group_scores[key]`` if given, else its best
    passage's score: one strong passage is what makes an action an answer;
    many weak ones do not add up to one.
    Unattributed units come after every action and section unless
    :data:`UNATTRIBUTED_MARGIN` times better than the best of them.
    """
    order = sorted(scored, key=scored.__getitem__, reverse=True)
    keys = keys if keys is not None else group_keys(order, index)
    groups: dict[str, list[int]] = defaultdict(list)
    for row in order:
        groups[keys[row]].append(row)
    score_of = {key: group_scores[key] if group_scores is not None else scored[rows[0]] for key, rows in groups.items()}
    ranked = sorted(groups.items(), key=lambda item: score_of[item[0]], reverse=True)
    answers = [score_of[key] for key, rows in ranked if not key.startswith("text:")]
    bar = UNATTRIBUTED_MARGIN * answers[0] if answers else 0.0
    ranked.sort(key=lambda item: item[0].startswith("text:") and score_of[item[0]] < bar)  # stable
    return [(key, score_of[key], rows) for key, rows in ranked[:k]]


def feedback_vector(vector: np.ndarray, seeds: np.ndarray, weight: float) -> np.ndarray:
    """Rocchio's expanded query: ``vector`` plus ``weight`` times the mean of the ``seeds`` rows of vectors, unit length."""
    query = np.asarray(vector, dtype=np.float32).reshape(-1)
    if len(seeds) == 0:
        return query
    expanded = query + weight * seeds.mean(axis=0)
    norm = float(np.linalg.norm(expanded))
    return (expanded / norm).astype(np.float32) if norm > 0 else query


def feedback_rows(legs: Legs, index: SearchIndex, fusion: Fusion, scored: dict[int, float],
                  group_scores: Optional[dict[str, float]], keys: Optional[dict[int, str]]) -> list[int]:
    """The passages pseudo-relevance feedback reads: the vector leg's best, or the best passage of each best fused group."""
    if fusion.prf_source == "dense":
        return [int(row) for row in legs.dense_rows[:fusion.prf_depth]]
    return [rows[0] for _, _, rows in group_by_action(scored, index, fusion.prf_depth, group_scores, keys)]


def title_coverage(parsed: ParsedQuery, title: str) -> float:
    """The share of the query's content words (or a vocabulary form of each) a title holds."""
    words = content_words(parsed)
    if not words or not title:
        return 0.0
    found = {light_stem(w) for w in re.findall(r"\w+", title)}
    held = sum(1 for word in words if any(all(light_stem(w) in found for w in re.findall(r"\w+", form))
                                          for form in parsed.alternatives(word)))
    return held / len(words)


def group_titles(keys: dict[int, str], index: SearchIndex) -> dict[str, str]:
    """Per group among ``keys``: a section's heading, or the first line of an action's own description."""
    titles = {key: index.title_of(key) or "" for key in set(keys.values()) if key in index.action_row_of}
    if "action" in index.kind_names:
        own = index.kind_names.index("action")
        described = [row for row, key in keys.items() if not titles.get(key, "x") and int(index.kind_codes[row]) == own]
        for row, passage in index.passages(described).items():
            titles[keys[row]] = passage.text.split("\n", 1)[0]
    return titles


def hybrid_ranking(legs: Legs, index: SearchIndex, parsed: ParsedQuery, fusion: Fusion, vector: Optional[np.ndarray],
                   mask: Optional[np.ndarray], candidates: int
                   ) -> tuple[dict[int, float], Optional[dict[str, float]], Optional[dict[int, str]]]:
    """The two legs fused (:func:`fuse_legs`), after pseudo-relevance feedback of the vector leg and with the
    title bonus if ``fusion`` asks for them; ``legs`` then holds the vector leg searched again."""
    scored, group_scores, keys = fuse_legs(legs, index, fusion, vector)
    if fusion.prf_depth and vector is not None and len(legs.dense_rows):
        seeds = feedback_rows(legs, index, fusion, scored, group_scores, keys)
        vector = feedback_vector(vector, index.passage_vectors(seeds), fusion.prf_weight)
        legs.dense_rows, legs.dense_scores = index.dense(vector, candidates, mask)
        scored, group_scores, keys = fuse_legs(legs, index, fusion, vector)
    if fusion.title_bonus and group_scores is not None and keys is not None:
        titles = group_titles(keys, index)
        group_scores = {key: score + fusion.title_bonus * title_coverage(parsed, titles.get(key, ""))
                        for key, score in group_scores.items()}
    return scored, group_scores, keys


def search(
    index: SearchIndex,
    embedder: TextEncoder,
    query: str,
    k: int = 10,
    filters: SearchFilters = SearchFilters(),
    mode: SearchMode = "hybrid",
    explain: bool = True,
    query_vector: Optional[np.ndarray] = None,
    keyword_weight: Optional[float] = None,
    fusion: Optional[Fusion] = None,
) -> SearchResult:
    """The best ``k`` actions for ``query``: ``mode`` is "hybrid", "dense" or "keyword".

    ``explain`` marks matched terms and the best sentence of each shown
    passage (it encodes those sentences, so benchmarks of the ranking itself
    turn it off). ``query_vector`` skips encoding the query. ``fusion`` (by
    default :data:`DEFAULT_FUSION`) says how hybrid mode combines the two
    rankings; ``keyword_weight`` overrides its per-query weight of the keyword ranking.
    """
    if mode not in SEARCH_MODES:
        raise SearchError(f"mode must be hybrid, dense or keyword, not {mode!r}")
    if k < 1:
        raise SearchError(f"the number of results must be at least 1, not {k}")
    parsed = parse_query(query)
    filters = check_filters(filters)
    if len(index) == 0:
        return SearchResult(query, [], filters, "The index is empty: ingest some documents first.")
    mask, message = filter_mask(index, filters)
    if message:
        return SearchResult(query, [], filters, message)
    if parsed.phrases:
        phrase_rows = index.matching_rows(parsed.required_match())
        if mask is not None:
            phrase_rows = phrase_rows[mask[phrase_rows]]
        if len(phrase_rows) == 0:
            where = f" with {filters.describe()}" if filters.active else ""
            quoted = " and ".join(f'"{p}"' for p in parsed.phrases)
            return SearchResult(query, [], filters, f"No passage{where} contains {quoted}.")
        restricted = np.zeros(len(index), dtype=bool)
        restricted[phrase_rows] = True
        mask = restricted if mask is None else (mask & restricted)

    candidates = max(MIN_CANDIDATES, CANDIDATES_PER_HIT * k)
    vector = None
    legs = Legs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.float32), 1.0)
    if mode in ("hybrid", "dense"):
        vector = query_vector if query_vector is not None else embedder.encode_query(parsed.text)
        legs.dense_rows, legs.dense_scores = index.dense(vector, candidates, mask)
    fusion = fusion or DEFAULT_FUSION
    if mode in ("hybrid", "keyword"):
        grouped = set(parsed.grouped_words())
        words = [word for word in parsed.keyword_words() if word not in grouped]
        legs.keyword_rows, legs.keyword_scores = index.keyword(words, candidates, mask, parsed.keyword_groups(fusion.expansion_weight))
    similarities = dict(zip(legs.dense_rows.tolist(), legs.dense_scores.tolist()))  # with the query as typed
    closeness = float(legs.dense_scores.max()) if len(legs.dense_scores) else None
    if mode == "hybrid":
        legs.keyword_weight = keyword_weight if keyword_weight is not None else query_keyword_weight(parsed, index, legs, fusion)
        scored, group_scores, keys = hybrid_ranking(legs, index, parsed, fusion, vector, mask, candidates)
    else:  # one leg: its reciprocal ranks, an action scoring its best passage
        scored, group_scores, keys = fuse([legs.dense_rows if mode == "dense" else legs.keyword_rows]), None, None
    if not scored:
        where = f" with {filters.describe()}" if filters.active else ""
        return SearchResult(query, [], filters, f"No passage{where} matches {query!r}.", 0)
    dense_rows, keyword_rows = legs.dense_rows, legs.keyword_rows
    dense_rank = {int(row): rank for rank, row in enumerate(dense_rows, start=1)}
    keyword_rank = {int(row): rank for rank, row in enumerate(keyword_rows, start=1)}
    groups = group_by_action(scored, index, k, group_scores, keys)
    shown = [row for _, _, rows in groups for row in rows[:PASSAGES_PER_HIT]]
    passages = index.passages(shown)
    hits = []
    for key, score, rows in groups:
        passage_hits = [
            PassageHit(
                row=row,
                passage=passages[row],
                score=scored[row],
                dense_rank=dense_rank.get(row),
                keyword_rank=keyword_rank.get(row),
                similarity=similarities.get(row),
            )
            for row in rows[:PASSAGES_PER_HIT]
        ]
        hits.append(ActionHit(key=key, score=score, passages=passage_hits, title=index.title_of(passage_hits[0].passage.action_id)))
    shape = QueryShape.of(query)
    coverage = word_coverage(parsed, index, legs, shape.plain if shape.code else None) if mode != "dense" else None
    weak = mode == "hybrid" and no_close_match(parsed, closeness, coverage, shape, unknown_share(parsed, index, legs))
    result = SearchResult(query, hits, filters, None, len(scored), weak=weak, closeness=closeness, coverage=coverage)
    if explain:
        explain_hits(result.hits, index, embedder, parsed, query_vector=vector)
    return result


# -- explaining ----------------------------------------------------------------


def marked_spans(marked: str) -> list[tuple[int, int]]:
    """Offsets, in the unmarked text, of the spans FTS5's highlight() wrapped in marks."""
    spans = []
    offset = 0  # characters of marks removed so far
    start = None
    for position, char in enumerate(marked):
        if char == _START_MARK:
            start = position - offset
            offset += 1
        elif char == _END_MARK and start is not None:
            spans.append((start, position - offset))
            offset += 1
            start = None
    return spans


def explain_hits(
    hits: Sequence[ActionHit],
    index: SearchIndex,
    embedder: Optional[TextEncoder],
    parsed: ParsedQuery,
    query_vector: Optional[np.ndarray] = None,
) -> None:
    """Mark, in each shown passage, the query's words and the sentence closest to the query.

    Words are those FTS5 matches (stemmed: "waits" marks "waiting"). The
    sentence is the one most similar to the query by the embedding model,
    ties (and keyword-only searches) broken by the number of marked words.
    """
    passage_hits = [ph for hit in hits for ph in hit.passages]
    if not passage_hits:
        return
    marked = index.highlight(parsed.ranking_match(), [ph.row for ph in passage_hits], _START_MARK, _END_MARK)
    for ph in passage_hits:
        if ph.row in marked:
            ph.term_spans = marked_spans(marked[ph.row])
    sentences: list[tuple[PassageHit, tuple[int, int]]] = []
    for ph in passage_hits:
        spans = sentence_spans(ph.passage.text) or [(0, len(ph.passage.text))]
        sentences.extend((ph, span) for span in spans)
    similarity = np.zeros(len(sentences), dtype=np.float32)
    if query_vector is not None and embedder is not None:
        vectors = embedder.encode([ph.passage.text[s:e] for ph, (s, e) in sentences])
        similarity = vectors @ np.asarray(query_vector, dtype=np.float32)
    best: dict[int, tuple[float, int, tuple[int, int]]] = {}
    for (ph, (start, end)), sim in zip(sentences, similarity):
        words = sum(1 for s, e in ph.term_spans if s >= start and e <= end)
        candidate = (float(sim), words, (start, end))
        current = best.get(id(ph))
        if current is None or candidate[:2] > current[:2]:
            best[id(ph)] = candidate
    for ph in passage_hits:
        ph.sentence_span = best[id(ph)][2]


# -- similar actions -----------------------------------------------------------


def _best_per_action(scores: np.ndarray, action_rows: np.ndarray, allowed: np.ndarray) -> dict[int, tuple[float, int]]:
    """For each action with an allowed passage: (its best passage score, that passage's row)."""
    rows = np.flatnonzero(allowed)
    if len(rows) == 0:
        return {}
    order = rows[np.lexsort((-scores[rows], action_rows[rows]))]  # by action, best first
    actions, first = np.unique(action_rows[order], return_index=True)
    return {int(a): (float(scores[order[i]]), int(order[i])) for a, i in zip(actions, first)}


def similar_actions(index: SearchIndex, action_id: str, k: int = 10, same_council: bool = False) -> SearchResult:
    """The actions of other councils nearest to ``action_id``, each with the closest pair of passages.

    An action scores half the similarity of the two actions' descriptions
    (what each set out to do) and half that of their closest pair of passages
    of any kind (what was done); the pair is shown as the reason. On the
    labelled queries (actions of different councils answering the same
    query), this ranked other councils' answers better (nDCG@10 0.46) than the
    mean vector of each action's passages (0.42) or either half alone (0.46,
    0.45).
    """
    row = index.action_row_of.get(action_id)
    if row is None:
        raise SearchError(f"no action {action_id!r} in the index: see `narrative-search export` for action ids")
    council = index.action_councils[row]
    vectors = index.all_vectors()
    source_rows = index.rows_of_action(action_id)
    pair = vectors @ vectors[source_rows].T  # (passages, source passages)
    closest_source = source_rows[pair.argmax(axis=1)]
    closest = pair.max(axis=1)
    allowed = (index.action_rows >= 0) & (index.action_rows != row)
    if not same_council:
        allowed &= index.council_codes != index.council_names.index(council)
    descriptions = index.kind_codes == index.kind_names.index("action") if "action" in index.kind_names else np.zeros_like(allowed)
    source_descriptions = source_rows[descriptions[source_rows]]
    by_pair = _best_per_action(closest, index.action_rows, allowed)
    if not by_pair:
        return SearchResult(action_id, [], SearchFilters(exclude_councils=(council,)), f"No other council's actions are in the index to compare {action_id} with.")
    by_description: dict[int, tuple[float, int]] = {}
    if len(source_descriptions):
        description_scores = (vectors @ vectors[source_descriptions].T).max(axis=1)
        by_description = _best_per_action(description_scores, index.action_rows, allowed & descriptions)
    scored = []
    for target, (pair_score, target_row) in by_pair.items():
        description_score = by_description.get(target, (pair_score, target_row))[0]
        scored.append((0.5 * description_score + 0.5 * pair_score, target, target_row))
    scored.sort(key=lambda item: (-item[0], index.action_ids[item[1]]))
    chosen = scored[:k]
    passages = index.passages([r for _, _, r in chosen] + [int(closest_source[r]) for _, _, r in chosen])
    hits = []
    for score, target, target_row in chosen:
        source_row = int(closest_source[target_row])
        similarity = float(closest[target_row])
        hits.append(
            ActionHit(
                key=index.action_ids[target],
                score=score,
                passages=[PassageHit(row=target_row, passage=passages[target_row], score=similarity, similarity=similarity)],
                because=PassageHit(row=source_row, passage=passages[source_row], score=similarity, similarity=similarity),
                title=index.title_of(index.action_ids[target]),
            )
        )
    return SearchResult(action_id, hits, SearchFilters(exclude_councils=() if same_council else (council,)), None, len(by_pair))
