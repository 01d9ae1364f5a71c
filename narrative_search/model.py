"""Every data shape of the package: the records the pipeline passes along and the results it hands out.

documents --read--> rows of cells --plan--> actions, statuses, updates --store--> SQLite
    --passages, index--> search results;  --timeline--> timelines --> summaries, briefs

The steps that build these records live in their own modules (``plans.py``
plans actions, ``search.py`` builds a :class:`SearchResult`, ``timeline.py`` a
:class:`Timeline`, ...); this module imports none of them, only ``months.py``.
Its sections, in pipeline order:

* citing a source: every record keeps the document name and 1-based line it
  came from, in one :class:`Citation`, so any field can be traced back to the
  source;
* reading: readers (``narrative_search.readers``) turn any file into
  :class:`Row` objects (one per source line or table row, cells in column
  order, each with its line);
* planning: planners (``narrative_search.plans``) turn rows into
  :class:`Action` records with their :class:`Status` and :class:`Update`
  records, one :class:`DocumentReading` per document;
* verdicts: what a revisit or monitoring judged, as a document reports it
  (:class:`Verdict`);
* storing and merging: the store says what a save did (:class:`SaveResult`)
  and gives actions back merged across reports (:class:`MergedAction`; the
  rules of what counts as one update are in ``merge.py``);
* passages and search: the :class:`Passage` texts the index holds, and a
  search's :class:`SearchResult`;
* timelines: one action's history across reports (:class:`Timeline`);
* summaries: sentences picked verbatim (:class:`SummarySentence`,
  :class:`QuerySummary`);
* briefs: a council's revisit brief (:class:`Brief`);
* ingest outcomes: what became of each file (:class:`IngestOutcome`).

The closed vocabularies (kinds, column roles, save statuses, search modes,
index types) are defined once, beside the records that use them: each is a
``Literal`` type, for the type checker, and the tuple of its values, for what
checks or offers them at run time (the CLI's choices, the app's options).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, NamedTuple, Optional, get_args

from .months import Month, month_label

# -- citing a source -----------------------------------------------------------

#: Where line ``line`` of document ``document`` is, in words
#: (:meth:`narrative_search.store.CorpusStore.location` is one).
Locate = Callable[[str, int], str]


def describe_location(line: int, location: Optional[str] = None) -> str:
    """Where a row is, in words: the location its reader recorded ("page 3"), else "line 12".

    A plain text file records none, and its row numbers are its lines; for
    other formats the row number alone would mean nothing to a reader.
    """
    return location or f"line {line}"


def cite(document: str, line: int, location: Optional[str] = None) -> str:
    """How every output names a source: "plan.pdf page 3", "plan.docx table 2 row 5", "plan.txt line 12"."""
    return f"{document} {describe_location(line, location)}"


class Citation(NamedTuple):
    """One place a record was printed; a tuple, so JSON writes it as [document, line, location].

    ``line`` is the row number its reader gave it; ``location`` is where that
    row is in the file, in words ("page 3", "line 12"), or None where it was
    not looked up (readers and the store leave it to :meth:`located`).
    """

    document: str
    line: int
    location: Optional[str] = None

    @property
    def text(self) -> str:
        """The citation as every output prints it (see :func:`cite`)."""
        return cite(self.document, self.line, self.location)

    def located(self, locate: Optional[Locate]) -> Citation:
        """This citation with its location looked up by ``locate``; as it is without one."""
        if locate is None:
            return self
        return self._replace(location=locate(self.document, self.line))

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document, "line": self.line, "location": self.location}


#: The citation of a record not yet placed in a document (the planner fills it in).
UNCITED = Citation("", 0)


class Cited:
    """A record printed at one place, its :class:`Citation` in ``source``, whose parts read as attributes."""

    source: Citation

    @property
    def document(self) -> str:
        return self.source.document

    @property
    def line(self) -> int:
        return self.source.line

    @property
    def location(self) -> Optional[str]:
        return self.source.location


class CitedFirst:
    """A record printed at several places (``sources``, earliest report first), cited by the first."""

    sources: list[Citation]

    @property
    def document(self) -> str:
        return self.sources[0].document if self.sources else ""

    @property
    def line(self) -> int:
        return self.sources[0].line if self.sources else 0

    @property
    def location(self) -> Optional[str]:
        return self.sources[0].location if self.sources else None


def cited_fields(data: Any) -> Any:
    """``dataclasses.asdict`` output with every record's ``source`` spelled out in its place.

    Records keep one :class:`Citation`; what they are written to (JSON, the
    passage index) keeps its ``document``, ``line`` and ``location`` keys.
    Lists of citations (``sources``) stay lists of [document, line, location].
    """
    if isinstance(data, list):
        return [cited_fields(item) for item in data]
    if not isinstance(data, dict):
        return data
    spelled: dict[Any, Any] = {}
    for key, value in data.items():
        if key == "source" and isinstance(value, Citation):
            spelled.update(value.to_dict())
        else:
            spelled[key] = cited_fields(value)
    return spelled


# -- reading: files into rows --------------------------------------------------


@dataclass
class Cell:
    """One cell of a source row, text exactly as printed (HTML included)."""

    text: str
    line: int
    column: int


@dataclass
class Row:
    """One table row or line of text; plain text lines are rows of one cell."""

    cells: list[Cell]
    line: int
    page: Optional[int] = None  # PDF page the row is printed on (1-based)
    # Where a reader found the row, in the words of its format ("page 3",
    # "sheet 'Plan' row 12", "table 2 row 5"); None for plain text, whose
    # ``line`` is already the line of the file.
    location: Optional[str] = None
    # Structure the source itself marks (HTML h1-h6 and li, Word heading and
    # list styles), for the prose reader; None/False where the format has none.
    heading_level: Optional[int] = None
    list_item: bool = False

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]

    @property
    def text(self) -> str:
        return "\t".join(self.texts)

    def is_blank(self) -> bool:
        return not any(cell.text.strip() for cell in self.cells)


#: How a document's progress was read (see :class:`Document`); "" where not recorded.
ReadAs = Literal["table", "prose", "both", "text only", ""]
READ_AS: tuple[ReadAs, ...] = get_args(ReadAs)


@dataclass
class Document:
    """A published progress document as ingested."""

    name: str  # file name, the document's key in the store
    council: str
    title: str = ""
    as_of: Month = None
    sha256: str = ""
    format: str = "text"
    path: str = ""
    # How its progress was read: "table", "prose", "both", or "text only"
    # (nothing dated or structured found: stored as searchable text); "" for
    # a document stored before schema version 3.
    read_as: ReadAs = ""
    # Read by OCR (its pages, or some of them, are scans), and the mean
    # confidence (0-100) of the words OCR read; None when not OCR'd.
    ocr: bool = False
    ocr_confidence: Optional[float] = None


# -- planning: rows into actions -----------------------------------------------

#: What a column of an action plan holds; "field" for any other column, kept under its label.
ColumnRole = Literal[
    "ref", "focus", "priority", "action", "lead", "evidence", "impact", "due", "rating", "update", "position", "field"
]
COLUMN_ROLES: tuple[ColumnRole, ...] = get_args(ColumnRole)

#: What a dated piece of progress text is: a progress update, a position statement,
#: or a commitment (a future-dated target: "By April 2021 we will have ...", kept apart from progress).
UpdateKind = Literal["update", "position_statement", "commitment"]
UPDATE_KINDS: tuple[UpdateKind, ...] = get_args(UpdateKind)


@dataclass
class Status(Cited):
    """A rating observed under one dated review column."""

    label: str  # column label as printed, e.g. "Dec-19"
    month: Month  # the month the label names
    rag_printed: Optional[str]  # cell as printed; None when empty
    rag: Optional[str]  # normalised: R, A, G, B, pink, grey, or mixed like "G/A"
    source: Citation = UNCITED


@dataclass
class Update(Cited):
    """One dated (or undated) piece of progress text."""

    text: str  # live text: HTML removed, struck-through text left out
    stamp: Optional[str] = None  # date stamp as printed, None when undated
    start: Month = None
    end: Month = None
    kind: UpdateKind = "update"
    deleted: list[str] = field(default_factory=list)  # struck-through (<del>) text
    source: Citation = UNCITED
    column: str = ""  # label of the column the text came from

    @property
    def is_undated(self) -> bool:
        return self.start is None


#: What an action record is: a row of a plan table (or a numbered plan action in
#: prose), or a section of a prose document (a theme, a log, a news item) with no ref.
ActionKind = Literal["action", "section"]
ACTION_KINDS: tuple[ActionKind, ...] = get_args(ActionKind)


@dataclass
class Action:
    """One row of an action plan, with its ratings and updates (or one section of a prose document)."""

    council: str
    document: str
    line: int
    ref_printed: Optional[str]  # as printed, OCR slips and all
    ref: Optional[str]  # normalised, e.g. "3.1 C", "1.12", "16A"
    action: str = ""  # the action text itself
    focus_area: str = ""
    priority: str = ""  # priority or area for improvement
    lead: str = ""
    evidence: str = ""
    impact: str = ""  # impact or success measures
    due_printed: str = ""
    due: Month = None
    statuses: list[Status] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # other columns, by label
    ref_note: str = ""  # why the ref differs from what was printed
    id: str = ""
    kind: ActionKind = "action"

    def __post_init__(self) -> None:
        if not self.id:
            self.id = action_id(self.council, self.ref, self.document, self.line)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def action_id(council: str, ref: Optional[str], document: str, line: int) -> str:
    """Stable id: council and ref, so two reports of one plan share the id.

    An action printed without a ref is keyed by its document and line instead.
    """
    if ref:
        return f"{slug(council)}/{slug(ref)}"
    stem = document.rsplit(".", 1)[0]
    return f"{slug(council)}/{slug(stem)}-line-{line}"


@dataclass
class TextSpan:
    """Text of a document kept outside any action, or dropped with a reason."""

    text: str
    line: int
    reason: str = ""  # for unattributed text: what it is ("prose", "header", ...)


@dataclass
class DocumentReading:
    """Everything read from one document."""

    document: Document
    actions: list[Action] = field(default_factory=list)
    unattributed: list[TextSpan] = field(default_factory=list)
    dropped: list[TextSpan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Line -> where that row is in the source file, for formats whose rows
    # are not lines of a file (PDF pages, sheets, Word tables); see Row.location.
    locations: dict[int, str] = field(default_factory=dict)
    # Revisit and monitoring outcomes the text reports (verdicts.py).
    verdicts: list[Verdict] = field(default_factory=list)

    def locate(self, line: int) -> str:
        """Where a record's line is in the source file, in words."""
        return describe_location(line, self.locations.get(line))

    @property
    def dropped_chars(self) -> int:
        return sum(len(span.text) for span in self.dropped)

    @property
    def unattributed_chars(self) -> int:
        return sum(len(span.text) for span in self.unattributed)


# A date as prose prints it ("Autumn Term 2020", "end of last year"), read by
# stamps.parse_date_phrase / find_date_phrases for the prose reader.
@dataclass(frozen=True)
class DatePhrase:
    """A date phrase as printed, with the months it covers (start == end for one month)."""

    printed: str  # the date words only: "3rd February 2021", "Q1 2022/23", "spring term"
    start: str  # "YYYY-MM", first month covered
    end: str  # "YYYY-MM", last month covered
    offset: int = 0  # where ``printed`` starts in the text it was found in
    day: Optional[int] = None  # the day of the month, where one is printed
    relative: bool = False  # resolved against the page's month ("spring term", "end of last year")


# -- storing and merging: the corpus as the store gives it back ----------------

#: What saving a document did: stored it for the first time, found it stored as it is, or replaced it.
SaveStatus = Literal["new", "unchanged", "replaced"]
SAVE_STATUSES: tuple[SaveStatus, ...] = get_args(SaveStatus)


@dataclass
class SaveResult:
    """What :meth:`~narrative_search.store.CorpusStore.save_reading` did, for progress output."""

    document: str
    status: SaveStatus
    actions: int = 0
    updates: int = 0  # distinct stored updates this document is a source of
    statuses: int = 0
    unattributed_chars: int = 0
    dropped_chars: int = 0
    # How the document was read, and what the prose path and the verdict
    # reader found in it, so the ingest line can say more than "0 actions".
    read_as: ReadAs = ""
    sections: int = 0
    commitments: int = 0  # of the updates, those that are commitments (future-dated targets)
    verdicts: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)  # reason -> characters, most first
    ocr: bool = False  # read by OCR (scanned pages)
    ocr_confidence: Optional[float] = None  # mean word confidence of the OCR, 0-100


@dataclass
class DocumentSummary:
    """One row of the library view: a document with what was read from it."""

    name: str
    council: str
    title: str
    as_of: Month
    sha256: str
    format: str
    path: str
    ingested_at: str
    actions: int
    updates: int
    statuses: int
    unattributed_chars: int
    dropped_chars: int
    warnings: list[str] = field(default_factory=list)
    read_as: ReadAs = ""
    sections: int = 0  # records of kind "section" (prose); ``actions`` counts kind "action" only
    commitments: int = 0  # of the updates, those of kind "commitment"
    verdicts: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)  # reason -> characters, most first
    ocr: bool = False  # read by OCR (scanned pages)
    ocr_confidence: Optional[float] = None  # mean word confidence of the OCR, 0-100

    def save_result(self, status: SaveStatus) -> SaveResult:
        """What saving this document did, with its counts as stored."""
        return SaveResult(
            document=self.name,
            status=status,
            actions=self.actions,
            updates=self.updates,
            statuses=self.statuses,
            unattributed_chars=self.unattributed_chars,
            dropped_chars=self.dropped_chars,
            read_as=self.read_as,
            sections=self.sections,
            commitments=self.commitments,
            verdicts=self.verdicts,
            dropped_reasons=dict(self.dropped_reasons),
            ocr=self.ocr,
            ocr_confidence=self.ocr_confidence,
        )


@dataclass
class DocumentSpan(TextSpan):
    """A :class:`TextSpan` read back from the store, with its document's name."""

    document: str = ""


@dataclass
class Variant(Cited):
    """One report's own wording of an update (a retyped or cut-short printing)."""

    source: Citation
    text: str


@dataclass
class MergedUpdate(CitedFirst):
    """One distinct update of an action, with every place it was printed."""

    text: str
    stamp: Optional[str] = None
    start: Month = None
    end: Month = None
    kind: UpdateKind = "update"
    deleted: list[str] = field(default_factory=list)
    sources: list[Citation] = field(default_factory=list)  # earliest report first
    id: int = 0
    # Other wordings of the same update, by source: reports retype and cut
    # text ("tool-kit"/"tool kit", a cell cut short), and none is lost.
    variants: list[Variant] = field(default_factory=list)

    @property
    def is_undated(self) -> bool:
        return self.start is None


@dataclass
class MergedAction:
    """An action as every report printed it; text fields from the latest report."""

    id: str
    council: str
    ref: Optional[str]
    action: str = ""
    focus_area: str = ""
    priority: str = ""
    lead: str = ""
    evidence: str = ""
    impact: str = ""
    due_printed: str = ""
    due: Month = None
    fields: dict[str, str] = field(default_factory=dict)
    document: str = ""  # the latest report printing it
    line: int = 0
    ref_printed: Optional[str] = None
    ref_note: str = ""
    documents: list[str] = field(default_factory=list)  # oldest report first
    statuses: list[Status] = field(default_factory=list)
    updates: list[MergedUpdate] = field(default_factory=list)
    # Every report's own printing of the action, oldest first, so wording that
    # differs between reports ("Head od SEND" / "Head of SEND") is never lost.
    reports: list[dict[str, Any]] = field(default_factory=list)
    kind: ActionKind = "action"

    def earlier_wording(self) -> list[dict[str, Any]]:
        """Earlier reports' fields where they differ from the latest report's."""
        latest = self.reports[-1] if self.reports else {}
        differences = []
        for report in self.reports[:-1]:
            changed = {key: value for key, value in report.items() if key not in ("document", "line") and value != latest.get(key)}
            if changed:
                differences.append({"document": report["document"], "line": report["line"], **changed})
        return differences


#: The fields of an action each report prints in its own wording (see MergedAction.reports).
REPORT_FIELDS = ("ref_printed", "priority", "focus_area", "action", "lead", "evidence", "impact", "due_printed", "fields")


# -- passages and search -------------------------------------------------------

#: What a searchable passage is, in the order passages are built per action:
#: an action's own description, one of its updates, or text kept outside any action.
PassageKind = Literal["action", "update", "position_statement", "commitment", "unattributed"]
PASSAGE_KINDS: tuple[PassageKind, ...] = get_args(PassageKind)

#: Separator between a passage id and its chunk number.
CHUNK_SEPARATOR = "#"


@dataclass
class Passage(Cited):
    """One searchable piece of text with where it came from and when."""

    id: str
    kind: PassageKind
    text: str
    council: str
    source: Citation  # location None: not looked up
    ref: Optional[str] = None
    action_id: Optional[str] = None
    start: Month = None
    end: Month = None
    rating: Optional[str] = None  # R, A, G, B, ... in force for the passage; None if unknown
    record_kind: Optional[ActionKind] = None  # the record it belongs to: an action or a section; None for unattributed text
    context: str = ""  # what is embedded before the text (an update's action: ref, title, focus area); not shown

    @property
    def base_id(self) -> str:
        """The id of the whole passage a chunk was cut from (the id itself if not a chunk)."""
        return self.id.split(CHUNK_SEPARATOR, 1)[0]

    @property
    def chunk(self) -> int:
        """1-based chunk number, or 0 for a passage that was not split."""
        _, sep, number = self.id.partition(CHUNK_SEPARATOR)
        return int(number) if sep else 0


#: The vector index: exact inner product ("flat") or approximate (HNSW graph).
IndexType = Literal["flat", "hnsw"]
INDEX_TYPES: tuple[IndexType, ...] = get_args(IndexType)


class IndexedAction(NamedTuple):
    """An action the search index holds, as a picker lists it."""

    action_id: str
    council: str
    ref: Optional[str]


#: How search ranks: both rankings fused, the vector ranking alone, or the keyword ranking alone.
SearchMode = Literal["hybrid", "dense", "keyword"]
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)


@dataclass(frozen=True)
class SearchFilters:
    """What a search keeps: councils (or all but some), a month range, ratings, documents, passage kinds,
    and the kinds of record the passages belong to (actions, sections).

    :func:`narrative_search.search.check_filters` checks them and puts them in canonical form.
    """

    councils: tuple[str, ...] = ()
    since: Optional[str] = None  # "YYYY-MM", inclusive
    until: Optional[str] = None  # "YYYY-MM", inclusive
    ratings: tuple[str, ...] = ()  # R, A, G, B...
    documents: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    exclude_councils: tuple[str, ...] = ()
    records: tuple[str, ...] = ()  # ACTION_KINDS: passages of actions, of sections
    themes: tuple[str, ...] = ()  # names of the national themes asked for (themes.py)
    theme_actions: tuple[str, ...] = ()  # the ids of the actions assigned to those themes

    def describe(self) -> str:
        parts = []
        if self.councils:
            parts.append("council " + " or ".join(self.councils))
        if self.exclude_councils:
            parts.append("not council " + " or ".join(self.exclude_councils))
        if self.since or self.until:
            parts.append(f"dated {self.since or '…'} to {self.until or '…'}")
        if self.ratings:
            parts.append("rated " + " or ".join(self.ratings))
        if self.documents:
            parts.append("in " + " or ".join(self.documents))
        if self.kinds:
            parts.append("of kind " + " or ".join(self.kinds))
        if self.records:
            parts.append("from " + " or ".join(f"{record}s" for record in self.records))
        if self.themes:
            parts.append("on the theme " + " or ".join(self.themes))
        return ", ".join(parts) or "no filters"

    @property
    def active(self) -> bool:
        return self.describe() != "no filters"


@dataclass
class PassageHit:
    """One passage a search found: its fused score, its rank in each ranking, and what in it matched."""

    row: int
    passage: Passage
    score: float  # fused score
    dense_rank: Optional[int] = None  # 1-based; None if not among the vector candidates
    keyword_rank: Optional[int] = None
    similarity: Optional[float] = None  # cosine with the query
    term_spans: list[tuple[int, int]] = field(default_factory=list)  # matched words, offsets into the text
    sentence_span: Optional[tuple[int, int]] = None  # the sentence that matches best

    @property
    def matched_terms(self) -> list[str]:
        return sorted({self.passage.text[s:e].lower() for s, e in self.term_spans})


@dataclass
class ActionHit:
    """One action (or one unattributed span of a document) with its best passages."""

    key: str
    score: float
    passages: list[PassageHit]
    because: Optional[PassageHit] = None  # for similar actions: the source action's closest passage
    title: Optional[str] = None  # a section's title (a section has no ref); None for an action
    themes: list[ThemeScore] = field(default_factory=list)  # its national themes, best first (themes.py)

    @property
    def best(self) -> PassageHit:
        return self.passages[0]

    @property
    def action_id(self) -> Optional[str]:
        return self.best.passage.action_id

    @property
    def council(self) -> str:
        return self.best.passage.council

    @property
    def ref(self) -> Optional[str]:
        return self.best.passage.ref

    @property
    def kind(self) -> str:
        return self.best.passage.kind

    @property
    def record_kind(self) -> Optional[ActionKind]:
        """What the hit is a record of: "action", "section", or None for text outside any record."""
        return self.best.passage.record_kind

    @property
    def date(self) -> Optional[str]:
        return self.best.passage.start

    @property
    def text(self) -> str:
        return self.best.passage.text

    def to_dict(self) -> dict[str, Any]:
        """The agreed keys first, then where the text is from and why it matched."""
        best = self.best.passage
        data: dict[str, Any] = {
            "action_id": self.action_id,
            "council": self.council,
            "ref": self.ref,
            "kind": self.kind,
            "date": self.date,
            "text": self.text,
            "score": round(float(self.score), 6),
            "document": best.document,
            "line": best.line,
            "location": describe_location(best.line, best.location),
            "rating": best.rating,
            "matched_terms": self.best.matched_terms,
            "record": self.record_kind,
        }
        if self.title is not None:
            data["title"] = self.title
        if self.best.sentence_span is not None:
            start, end = self.best.sentence_span
            data["matched_sentence"] = best.text[start:end]
        if self.because is not None:
            data["because"] = {
                "action_id": self.because.passage.action_id,
                "kind": self.because.passage.kind,
                "date": self.because.passage.start,
                "text": self.because.passage.text,
                "similarity": round(float(self.because.score), 6),
            }
        data["themes"] = [theme.to_dict() for theme in self.themes]
        return data


@dataclass
class SearchResult:
    """A search's answer: the actions found, best first, and the filters it ran with."""

    query: str
    hits: list[ActionHit]
    filters: SearchFilters = field(default_factory=SearchFilters)
    message: Optional[str] = None  # why there are no hits, when there are none
    candidates: int = 0  # passages the two rankings proposed
    # The index answering was built from an earlier content of the store
    # (documents were ingested since, or its rebuild is running or failed).
    index_behind: bool = False
    weak: bool = False  # no close match: the hits are only the nearest (search.py's relevance floor)
    closeness: Optional[float] = None  # the best passage's cosine with the query, where the vectors were searched
    coverage: Optional[float] = None  # the share of the query's words (by rarity) one keyword hit holds


# -- timelines -----------------------------------------------------------------


@dataclass
class RepeatOf:
    """The earlier sentence a sentence repeats."""

    update_id: int
    month: Month
    stamp: Optional[str]
    text: str
    similarity: float


@dataclass
class Sentence:
    """One sentence of an update: ``text`` is ``update.text[start:end]``."""

    text: str
    start: int
    end: int
    label: str  # "new", "repeat", "reference" or "commitment" (a sentence of a future target)
    similarity: Optional[float] = None  # to the most similar earlier sentence; None if none to compare
    repeats: Optional[RepeatOf] = None  # for a repeat: the earlier sentence


@dataclass
class TimelineEntry(CitedFirst):
    """One update of the action, placed in time."""

    update_id: int
    month: Month  # the update's start month; for undated text, its report's as-of month
    end: Month
    undated: bool
    kind: UpdateKind
    stamp: Optional[str]  # the date stamp as printed
    text: str
    sources: list[Citation]  # every place it was printed, located; earliest report first
    rating: Optional[str] = None  # the action's rating in force at ``month``
    reference_only: bool = False
    reference_to: Optional[str] = None  # what it points at, as printed ("above", "6E")
    sentences: list[Sentence] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # struck-through text, never live
    variants: list[Variant] = field(default_factory=list)  # other reports' wordings, located

    @property
    def when(self) -> str:
        """The date as a reader should see it: the stamp as printed, else the month."""
        if self.stamp:
            return self.stamp
        if self.month is None:
            return "undated"
        return f"{month_label(self.month)} (undated)" if self.undated else month_label(self.month)

    @property
    def new_sentences(self) -> list[Sentence]:
        return [sentence for sentence in self.sentences if sentence.label == "new"]

    @property
    def repeated_sentences(self) -> list[Sentence]:
        return [sentence for sentence in self.sentences if sentence.label == "repeat"]


@dataclass
class PrintedRating(Cited):
    """One report's cell under a review column."""

    source: Citation  # location None: not looked up
    label: str
    rag_printed: Optional[str]
    rag: Optional[str]


@dataclass
class RatingPoint:
    """The action's rating at one review date, and how it moved from the last rated one."""

    month: str
    label: str  # the column label as printed, e.g. "Jan-20"
    rating: Optional[str]  # None where every report left the cell empty
    transition: str  # "first", "better", "worse", "unchanged", "changed" or "unrated"
    previous: Optional[str] = None  # the last rating before this one
    printed: list[PrintedRating] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        """True if two reports printed different ratings for this review date."""
        return len({cell.rag for cell in self.printed if cell.rag}) > 1

    @property
    def display_label(self) -> str:
        """The printed label when it is a short date label, else the month."""
        return self.label if 0 < len(self.label) <= 12 else month_label(self.month)


@dataclass
class Timeline:
    """One action's history across every report that printed it."""

    action_id: str
    council: str
    ref: Optional[str]
    action: str
    documents: list[str]
    entries: list[TimelineEntry]
    ratings: list[RatingPoint]
    as_of: Month
    last_update_month: Month  # latest month of a dated update, up to ``as_of``
    months_since_last_update: Optional[int]
    novelty_method: str  # "embedding" or "exact"
    novelty_threshold: float
    novelty_model: Optional[str] = None
    # The as-of month of each report the entries cite: undated text is placed there.
    report_dates: dict[str, Month] = field(default_factory=dict)
    kind: ActionKind = "action"  # a plan action, or a section of a prose document
    # The ratings the key of the action's reports calls complete ("G" where
    # Green is "Completed"; B, the BRAG convention, where no key is printed).
    complete_ratings: list[str] = field(default_factory=list)

    @property
    def latest_rating(self) -> Optional[str]:
        rated = [point.rating for point in self.ratings if point.rating]
        return rated[-1] if rated else None

    @property
    def complete(self) -> bool:
        """Rated complete at its latest review, by its report's own key: never reported as stalled."""
        return self.latest_rating is not None and self.latest_rating in self.complete_ratings

    @property
    def rating_path(self) -> str:
        """The ratings in order, with where they got worse, e.g. "A, R, G, G (worse at Jan-20)"."""
        rated = [point for point in self.ratings if point.rating]
        if not rated:
            return ""
        path = ", ".join(point.rating for point in rated)  # type: ignore[misc]
        worse = [point.display_label for point in rated if point.transition == "worse"]
        return f"{path} (worse at {', '.join(worse)})" if worse else path

    @property
    def transitions(self) -> list[RatingPoint]:
        """Review dates where the rating moved (better, worse or changed)."""
        return [point for point in self.ratings if point.transition in ("better", "worse", "changed")]

    def entry(self, update_id: int) -> Optional[TimelineEntry]:
        for entry in self.entries:
            if entry.update_id == update_id:
                return entry
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the records plus the derived rating path and flags."""
        data = cited_fields(asdict(self))
        del data["report_dates"]
        data["latest_rating"] = self.latest_rating
        data["rating_path"] = self.rating_path
        data["complete"] = self.complete
        for point, record in zip(self.ratings, data["ratings"]):
            record["conflict"] = point.conflict
            record["display_label"] = point.display_label
        for entry, record in zip(self.entries, data["entries"]):
            record["when"] = entry.when
            record["sources"] = [{**source.to_dict(), "as_of": self.report_dates.get(source.document)}
                                 for source in entry.sources]
        return data


# -- summaries -----------------------------------------------------------------


@dataclass
class SummarySentence(Cited):
    """One sentence of a summary, traceable to its update."""

    role: str  # "now", "change", "stalled" or "remains"
    text: str  # verbatim: update text[start:end]
    update_id: int
    month: Month
    undated: bool
    stamp: Optional[str]
    kind: UpdateKind
    source: Citation  # where the update was first printed, located
    start: int
    end: int
    sources: list[Citation]  # every place that printed the update

    @property
    def when(self) -> str:
        if self.stamp:
            return self.stamp
        label = month_label(self.month) if self.month else "undated"
        return f"{label} (undated)" if self.undated and self.month else label

    def to_dict(self) -> dict[str, Any]:
        data = cited_fields(asdict(self))
        data["when"] = self.when
        data["location"] = describe_location(self.line, self.location)
        data["sources"] = [
            {"document": source.document, "line": source.line,
             "location": describe_location(source.line, source.location)}
            for source in self.sources
        ]
        return data


@dataclass
class ThemeSentence(Cited):
    """A sentence printed in one of a council's passages that answer the query."""

    text: str
    council: str
    action_id: Optional[str]
    ref: Optional[str]
    kind: PassageKind
    month: Month
    source: Citation  # located
    similarity: float  # cosine with the query

    def to_dict(self) -> dict[str, Any]:
        data = cited_fields(asdict(self))
        data["location"] = describe_location(self.line, self.location)
        return data


@dataclass
class QuerySummary:
    """For a search, each council's most representative sentences (:func:`narrative_search.summary.summarise_query`)."""

    query: str
    councils: list[tuple[str, list[ThemeSentence]]]  # in the order of each council's best hit
    message: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "councils": [
                {"council": council, "sentences": [s.to_dict() for s in sentences]}
                for council, sentences in self.councils
            ],
            "message": self.message,
        }


# -- verdicts: revisit and monitoring outcomes (issue 12, shape 7) ---------------

#: What judged the progress: an Ofsted/CQC revisit, or DfE/NHS England monitoring afterwards.
VerdictEvent = Literal["revisit", "monitoring"]
VERDICT_EVENTS: tuple[VerdictEvent, ...] = get_args(VerdictEvent)

#: The judgement: enough progress or not (a revisit), an area closed off or still monitored (monitoring).
VerdictKind = Literal["sufficient", "insufficient", "closed", "still monitored"]
VERDICT_KINDS: tuple[VerdictKind, ...] = get_args(VerdictKind)


@dataclass
class Verdict(Cited):
    """One judgement of a revisit or of monitoring, as a document reports it (``verdicts.py`` finds them).

    ``date`` is the month of the event ("The revisit took place in October
    2022"), not of the page; None where none is printed. ``weakness`` is the
    area judged, as printed, where one is named. Where only counts are
    printed, ``sufficient`` of ``total`` areas made enough progress ("4 of
    the 5 areas"; "insufficient progress in all but one of the thirteen" is
    1 of 13); for a closure, ``sufficient`` counts the areas closed.
    """

    council: str
    event: VerdictEvent
    verdict: VerdictKind
    date: Month = None
    weakness: Optional[str] = None
    sufficient: Optional[int] = None
    total: Optional[int] = None
    text: str = ""  # the sentence (or list line) as printed
    source: Citation = UNCITED

    def to_dict(self) -> dict[str, Any]:
        """The agreed JSON object of ``narrative-search verdicts --json`` and ``export --verdicts``."""
        return {
            "council": self.council,
            "event": self.event,
            "date": self.date,
            "weakness": self.weakness,
            "verdict": self.verdict,
            "sufficient": self.sufficient,
            "total": self.total,
            "document": self.document,
            "location": describe_location(self.line, self.location),
        }


# -- end of verdicts -----------------------------------------------------------


# -- weaknesses: the plan's own grouping, and progress rolled up by it (issue 14) --

#: What kind of grouping a weakness is printed as: a priority (its number is the
#: first number of its actions' refs: "Priority 3", "PRIORITY ONE", the 1.x refs),
#: an area for improvement ("AFI 1 - ...", "Area for Improvement 2 – ..."),
#: an item of a list of weaknesses (an introduction, a letter), or one a verdict names.
WeaknessKind = Literal["priority", "area", "listed", "named"]
WEAKNESS_KINDS: tuple[WeaknessKind, ...] = get_args(WeaknessKind)

#: How an action or section is tied to its weakness: it sits under the weakness's
#: heading, its ref is in the weakness's numbered group, or its text is the most similar.
LinkHow = Literal["heading", "numbered group", "similarity"]
LINK_HOWS: tuple[LinkHow, ...] = get_args(LinkHow)


@dataclass
class WeaknessLink:
    """One action or section of a weakness: stated by the document, or inferred by similarity (with its score)."""

    action_id: str
    ref: Optional[str]
    kind: ActionKind
    title: str  # the action's text, or a section's title, as stored
    stated: bool
    how: LinkHow
    score: Optional[float] = None  # cosine similarity of an inferred link; None where stated

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AttachedVerdict:
    """A verdict on a weakness, with how well the weakness it names matched (None: the weakness comes from it)."""

    verdict: Verdict
    score: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.verdict.to_dict(), "score": self.score}


@dataclass
class Weakness(Cited):
    """One of a council's weaknesses as its documents print it, with its actions and sections.

    ``text`` is the weakness as printed: an introduction's or letter's list
    item where one matches, else the heading's words, else (a numbered group
    with no heading printed) its actions' priority or focus-area cells; ""
    where the document prints none. ``source`` is where ``text`` is printed.
    """

    id: str
    council: str
    kind: WeaknessKind
    number: Optional[int]  # as printed ("PRIORITY ONE" is 1); None for a listed or named weakness
    text: str
    heading: str = ""  # the heading as printed ("AFI 1 - The lack of ..."), "" where none
    source: Citation = UNCITED
    heading_source: Optional[Citation] = None
    links: list[WeaknessLink] = field(default_factory=list)
    verdicts: list[AttachedVerdict] = field(default_factory=list)

    @property
    def stated_links(self) -> list[WeaknessLink]:
        return [link for link in self.links if link.stated]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "council": self.council, "kind": self.kind, "number": self.number, "text": self.text,
            "heading": self.heading, "document": self.document or None,
            "location": describe_location(self.line, self.location) if self.document else None,
            "links": [link.to_dict() for link in self.links],
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
        }


@dataclass
class CouncilWeaknesses:
    """A council's weaknesses, and the verdicts that print only counts (they judge the council as a whole)."""

    council: str
    weaknesses: list[Weakness]
    verdicts: list[Verdict] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)  # action ids tied to no weakness (no model to infer with)

    def weakness_of(self, action_id: str) -> Optional[tuple[Weakness, WeaknessLink]]:
        """The weakness an action or section is under, with the link; None if none."""
        for weakness in self.weaknesses:
            for link in weakness.links:
                if link.action_id == action_id:
                    return weakness, link
        return None


@dataclass
class ReviewShare:
    """How a weakness's actions were rated at one review date: counts and shares (of the actions rated or not)."""

    month: str
    labels: list[str]
    counts: dict[str, int]  # rating -> actions; "none" for cells left empty
    shares: dict[str, float]  # rating -> share of ``actions``, rounded to 3 places
    actions: int


#: Why an action counts as stalled: the same rating at successive reviews, or its latest update only repeats.
StallReason = Literal["rating", "repeats"]


@dataclass
class StalledAction:
    """An action not complete that has not moved: since the month it last moved."""

    action_id: str
    ref: Optional[str]
    rating: Optional[str]  # the latest rating
    since: Month
    since_label: str  # the review column or stamp as printed
    reasons: list[StallReason]


@dataclass
class LatestUpdate(Cited):
    """The latest dated progress update of any of a weakness's actions."""

    action_id: str
    ref: Optional[str]
    month: Month
    when: str  # stamp as printed, else the month
    text: str
    source: Citation = UNCITED


@dataclass
class WeaknessRollup:
    """A weakness's progress as of a month (:func:`narrative_search.weaknesses.roll_up`)."""

    weakness: Weakness
    actions: int
    review_dates: list[ReviewShare]
    latest_ratings: dict[str, int]  # each action's latest rating up to ``as_of`` -> actions; "none" for never rated
    complete: list[str]  # action ids whose latest rating the key calls complete
    stale: list[str]  # action ids with no dated update on or after ``stale_since``
    stalled: list[StalledAction]
    latest_update: Optional[LatestUpdate]
    verdicts: list[AttachedVerdict]  # judged up to ``as_of``


@dataclass
class WeaknessReport:
    """A council's weaknesses, each rolled up as of a month."""

    council: str
    as_of: Month
    stale_months: int
    stale_since: Month  # actions with no dated update on or after this month are stale
    complete_ratings: list[str]
    rollups: list[WeaknessRollup]
    verdicts: list[Verdict]  # judging the council as a whole (only counts printed)
    unlinked: list[str]

    def to_dict(self) -> dict[str, Any]:
        rollups = []
        for rollup in self.rollups:
            data = cited_fields(asdict(dataclasses.replace(rollup, verdicts=[])))
            data["weakness"] = rollup.weakness.to_dict()
            data["verdicts"] = [verdict.to_dict() for verdict in rollup.verdicts]
            rollups.append(data)
        return {
            "council": self.council, "as_of": self.as_of, "stale_months": self.stale_months,
            "stale_since": self.stale_since, "complete_ratings": self.complete_ratings,
            "weaknesses": rollups, "verdicts": [verdict.to_dict() for verdict in self.verdicts],
            "unlinked": self.unlinked,
        }


# -- end of weaknesses ---------------------------------------------------------


# -- briefs --------------------------------------------------------------------


@dataclass
class RatingKey(Cited):
    """What one report's key says a colour means."""

    source: Citation  # located
    text: str  # the key entry as printed, e.g. "Green - Completed"
    rating: str
    complete: bool


@dataclass
class Evidence(Cited):
    """Why an action counts as complete."""

    how: str  # "rating", "update" or "field"
    text: str  # the rating key entry, update sentence or field value, as printed
    month: Month = None
    label: str = ""  # the review column or stamp, as printed
    source: Citation = UNCITED  # located
    rating: Optional[str] = None  # for "rating": the rating the key calls complete


@dataclass
class ReviewCount:
    """How many actions had each rating at one review date."""

    month: str
    labels: list[str]  # the column labels printed for this month
    counts: dict[str, int]  # rating -> actions; "none" for cells left empty
    actions: int


@dataclass
class RatingMove:
    """A rating transition of one action."""

    month: str
    label: str
    previous: Optional[str]
    rating: Optional[str]
    transition: str

    def describe(self) -> str:
        return f"{self.transition} at {self.label}: {self.previous} → {self.rating}"


@dataclass
class Change(Cited):
    """One update dated on or after ``since``, and what it added."""

    update_id: int
    month: Month
    when: str  # stamp as printed, else the month
    kind: UpdateKind
    text: str
    source: Citation  # where the update was first printed, located
    sources: list[Citation]  # every place the update was printed
    new_sentences: list[str]
    repeated_sentences: list[str]
    repeats_from: list[str]  # when the repeated sentences were first said, as printed
    reference_to: Optional[str] = None  # a reference-only update: what it points at


@dataclass
class ActionBrief:
    """One action's line in the brief."""

    action_id: str
    ref: Optional[str]
    action: str
    latest_rating: Optional[str]
    rating_path: str
    ratings: list[RatingMove]
    worse: list[RatingMove]
    last_update_month: Month
    months_stale: Optional[int]
    not_updated: bool  # no dated update on or after the brief's not-updated month
    complete: bool
    evidence: list[Evidence]
    changes: list[Change]  # updates dated on or after ``since``
    rating_moves_since: list[RatingMove]
    kind: ActionKind = "action"  # a plan action, or a section of a prose document

    @property
    def rating_change(self) -> str:
        """The last move of the rating, e.g. "better at Apr-21: R → A"; empty if it never moved."""
        moves = [move for move in self.ratings if move.transition in ("better", "worse", "changed")]
        return moves[-1].describe() if moves else ""


@dataclass
class BriefWeakness:
    """One weakness in a brief: its actions (their ids, in the brief's order) and its verdicts up to the brief's month."""

    weakness: Weakness
    action_ids: list[str]
    verdicts: list[AttachedVerdict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        weakness = self.weakness
        return {"id": weakness.id, "kind": weakness.kind, "number": weakness.number, "text": weakness.text,
                "actions": self.action_ids, "verdicts": [verdict.to_dict() for verdict in self.verdicts]}


@dataclass
class Brief:
    """A council's revisit brief."""

    council: str
    as_of: Month
    since: Month
    not_updated_since: Month
    documents: list[dict[str, Any]]
    rating_keys: list[RatingKey]
    complete_ratings: list[str]  # the ratings counted as complete
    review_dates: list[ReviewCount]
    actions: list[ActionBrief]
    novelty_method: str
    timelines: list[Timeline] = field(default_factory=list, repr=False)
    verdicts: list[Verdict] = field(default_factory=list)  # revisit and monitoring outcomes, newest first
    weaknesses: list[BriefWeakness] = field(default_factory=list)  # the council's weaknesses, where found

    @property
    def worse(self) -> list[ActionBrief]:
        return [action for action in self.actions if action.worse]

    @property
    def not_updated(self) -> list[ActionBrief]:
        return [action for action in self.actions if action.not_updated]

    @property
    def complete(self) -> list[ActionBrief]:
        return [action for action in self.actions if action.complete]

    def by_weakness(self) -> list[tuple[Optional[BriefWeakness], list[ActionBrief]]]:
        """Each weakness with its actions (in the brief's order), then (None, those under no weakness) if any."""
        actions = {action.action_id: action for action in self.actions}
        groups: list[tuple[Optional[BriefWeakness], list[ActionBrief]]] = [
            (weakness, [actions[i] for i in weakness.action_ids if i in actions]) for weakness in self.weaknesses
        ]
        grouped = {i for weakness in self.weaknesses for i in weakness.action_ids}
        rest = [action for action in self.actions if action.action_id not in grouped]
        if rest and self.weaknesses:
            groups.append((None, rest))
        return groups

    @property
    def changed(self) -> list[ActionBrief]:
        """Actions with updates dated on or after ``since`` (none without ``since``)."""
        return [action for action in self.actions if action.changes]

    def to_dict(self) -> dict[str, Any]:
        data = cited_fields(asdict(dataclasses.replace(self, timelines=[])))  # the timelines have their own to_dict
        data.pop("timelines")
        for action, record in zip(self.actions, data["actions"]):
            record["rating_change"] = action.rating_change
        data["summary"] = {
            "actions": len(self.actions),
            "worse": [action.action_id for action in self.worse],
            "not_updated": [action.action_id for action in self.not_updated],
            "complete": [action.action_id for action in self.complete],
            "changed": [action.action_id for action in self.changed],
        }
        data["verdicts"] = [verdict.to_dict() for verdict in self.verdicts]
        data["weaknesses"] = [weakness.to_dict() for weakness in self.weaknesses]
        return data


# -- ingest outcomes -----------------------------------------------------------


@dataclass
class IngestOutcome:
    """What happened to one file: saved (with counts) or refused (with why).

    ``error`` is the whole message ("path: reason", as DocumentError prints
    it); ``reason`` is the reason alone, for a table with a file column.
    """

    path: Path
    result: Optional[SaveResult] = None
    error: Optional[str] = None
    warnings: tuple[str, ...] = ()
    format: str = ""
    council: str = ""
    reason: str = ""
    # A stored document of the same file name that this different file was
    # kept beside (under a name with its council) rather than replacing it.
    kept_beside: Optional[Document] = None

    @property
    def status(self) -> str:
        """new, replaced, unchanged, or error."""
        if self.error or self.result is None:
            return "error"
        return self.result.status

    @property
    def message(self) -> str:
        if self.error:
            return self.reason or self.error
        return "; ".join(self.warnings)


# -- national themes (issue 14 item 3; themes.py assigns them) ----------------


@dataclass(frozen=True)
class Theme:
    """One row of the editable themes table: what inspections call an area of weakness."""

    id: str
    name: str
    description: str
    cue_words: tuple[str, ...] = ()
    line: int = 0  # the table's line, for messages


@dataclass(frozen=True)
class ThemeScore:
    """A theme a record (action, section, weakness) was assigned to, and how strongly."""

    id: str
    name: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the export's ``themes`` list and of search hits."""
        return {"id": self.id, "name": self.name, "score": round(float(self.score), 4)}


@dataclass
class ThemeAssignment:
    """The themes of every action and section of a corpus, best first (empty: unassigned).

    ``table_hash`` and ``corpus`` say what it was computed from: a change in
    either (an edited table, a new document) makes it out of date.
    """

    table_hash: str
    model_id: str
    corpus: str
    actions: dict[str, list[ThemeScore]] = field(default_factory=dict)

    def themes_of(self, action_id: Optional[str]) -> list[ThemeScore]:
        return self.actions.get(action_id or "", [])

    def actions_of(self, theme_id: str) -> list[str]:
        """The ids of the actions assigned to ``theme_id`` (among their themes), in id order."""
        return sorted(a for a, scores in self.actions.items() if any(s.id == theme_id for s in scores))


@dataclass
class ThemedAction:
    """One action under a theme in the themes overview."""

    action_id: str
    council: str
    ref: Optional[str]
    title: str
    score: float
    rank: int  # 1: the action's best theme; 2 or 3: a further theme
    kind: str = "action"

    def to_dict(self) -> dict[str, Any]:
        return {"action_id": self.action_id, "ref": self.ref, "title": self.title, "kind": self.kind,
                "score": round(float(self.score), 4), "rank": self.rank}


@dataclass
class ThemeCouncil:
    """One council's actions under one theme, and the verdicts known for it.

    ``verdicts`` are those whose weakness was matched to this theme;
    ``council_verdicts`` those that name no weakness (counts only), shown
    for the council as a whole.
    """

    council: str
    actions: list[ThemedAction] = field(default_factory=list)
    verdicts: list[tuple[Verdict, float]] = field(default_factory=list)
    council_verdicts: list[Verdict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "council": self.council,
            "actions": [action.to_dict() for action in self.actions],
            "verdicts": [dict(verdict.to_dict(), theme_score=round(float(score), 4)) for verdict, score in self.verdicts],
            "council_verdicts": [verdict.to_dict() for verdict in self.council_verdicts],
        }


@dataclass
class ThemeOverview:
    """One theme across councils: the `themes` command's unit."""

    theme: Theme
    councils: list[ThemeCouncil] = field(default_factory=list)

    @property
    def action_count(self) -> int:
        return sum(len(council.actions) for council in self.councils)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.theme.id, "name": self.theme.name, "actions": self.action_count,
                "councils": [council.to_dict() for council in self.councils]}


# -- end of national themes


@dataclass(frozen=True)
class SkippedPath:
    """A folder (or a link to a file) an ingest did not enter, and why; the files around it were still read.

    ``why``: "unreadable" (the folder cannot be listed: ``detail`` is the
    system's reason), "visited" (a link back to a folder already read:
    ``detail`` is that folder) or "same file" (a link to a file already
    listed: ``detail`` is that file).
    """

    path: Path
    why: Literal["unreadable", "visited", "same file"]
    detail: str = ""
