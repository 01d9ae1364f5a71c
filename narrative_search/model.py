"""The records every step of the pipeline passes along.

documents --read--> rows of cells --plan--> actions, statuses, updates --store--> SQLite

Readers (``narrative_search.readers``) turn any file into :class:`Row` objects
(one per source line or table row, cells in column order, each with its line).
Planners (``narrative_search.plans``) turn rows into :class:`Action` records.
Every record keeps the document name and 1-based line it came from, in one
:class:`Citation`, so any field can be traced back to the source. The store
gives actions back merged across reports (:class:`MergedAction`; the rules of
what counts as one update are in ``merge.py``). The closed vocabularies (kinds,
column roles, save statuses, search modes, index types) are defined here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, NamedTuple, Optional, get_args

Month = Optional[str]  # "YYYY-MM" or None

# -- closed vocabularies ----------------------------------------------------------
# Each is a Literal type, for the type checker, and the tuple of its values,
# for what checks or offers them at run time (the CLI's choices, the app's options).

#: What a dated piece of progress text is: a progress update or a position statement.
UpdateKind = Literal["update", "position_statement"]
UPDATE_KINDS: tuple[UpdateKind, ...] = get_args(UpdateKind)

#: What a searchable passage is, in the order passages are built per action:
#: an action's own description, one of its updates, or text kept outside any action.
PassageKind = Literal["action", "update", "position_statement", "unattributed"]
PASSAGE_KINDS: tuple[PassageKind, ...] = get_args(PassageKind)

#: What a column of an action plan holds; "field" for any other column, kept under its label.
ColumnRole = Literal[
    "ref", "focus", "priority", "action", "lead", "evidence", "impact", "due", "rating", "update", "position", "field"
]
COLUMN_ROLES: tuple[ColumnRole, ...] = get_args(ColumnRole)

#: What saving a document did: stored it for the first time, found it stored as it is, or replaced it.
SaveStatus = Literal["new", "unchanged", "replaced"]
SAVE_STATUSES: tuple[SaveStatus, ...] = get_args(SaveStatus)

#: How search ranks: both rankings fused, the vector ranking alone, or the keyword ranking alone.
SearchMode = Literal["hybrid", "dense", "keyword"]
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)

#: The vector index: exact inner product ("flat") or approximate (HNSW graph).
IndexType = Literal["flat", "hnsw"]
INDEX_TYPES: tuple[IndexType, ...] = get_args(IndexType)


# -- citing a source ------------------------------------------------------------

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

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]

    @property
    def text(self) -> str:
        return "\t".join(self.texts)

    def is_blank(self) -> bool:
        return not any(cell.text.strip() for cell in self.cells)


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


@dataclass
class Action:
    """One row of an action plan, with its ratings and updates."""

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

    def __post_init__(self) -> None:
        if not self.id:
            self.id = action_id(self.council, self.ref, self.document, self.line)


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

    def locate(self, line: int) -> str:
        """Where a record's line is in the source file, in words."""
        return describe_location(line, self.locations.get(line))

    @property
    def dropped_chars(self) -> int:
        return sum(len(span.text) for span in self.dropped)

    @property
    def unattributed_chars(self) -> int:
        return sum(len(span.text) for span in self.unattributed)


# -- the merged corpus, as the store gives it back ---------------------------


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
class MergedUpdate:
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
    def document(self) -> str:
        """The earliest report that printed it."""
        return self.sources[0].document if self.sources else ""

    @property
    def line(self) -> int:
        return self.sources[0].line if self.sources else 0

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
