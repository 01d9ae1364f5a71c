"""Recovering a plan table whose columns PDF extraction interleaved and cut.

Some PDF action plans come out of text extraction in two states at once: the
first page's table keeps its tab-separated cells, and every later page is
either *run-on text* (whole table rows flattened into one line, columns
interleaved, words cut at the column edges) or *two-column fragments* (the
cut-off line ends of one column on the left of a tab, the next column on the
right). Telford and Wrekin's June 2022 SEND action plan is the sample: a
clean table of refs 1 ... 1.9 with a "Position Statement January 2022"
column, then a "Position Statement June 2022" header over fragments, then run
on text holding refs 2.1 ... 4.8. The planner reads the clean table and keeps
all the rest as unattributed text; :func:`recover_interleaved` then takes back
what the text allows.

When it acts
    Only after the planner read a *clean table* of numbered refs ("1",
    "1.1", "2.3": at least three, in increasing order) and only on the
    unattributed text printed below that table. Refs are recovered only when
    at least two refs there continue the table's sequence; fragments are
    read only under a header line "Position Statement <Month Year>" naming a
    later month than the table's own position-statement column. Documents
    without this damage are left exactly as the planner read them.

Rule 1: refs in run-on text (action rows)
    A ref is a "N.M" token that continues the clean table's sequence: the
    next minor number of the same major (one skipped number is allowed: the
    sample's table has no 1.5), or the first minor of the next major. It
    must stand *mid-line*: a flattened row prints its ref between its own
    columns ("... Local Offer Parent Workshops. 2.1 anne Everett PODS, YP
    forum Jun-21 feedback. ..."); a ref at the start of a line is a numbered
    paragraph, not an interleaved row, and ends nothing.

    Extraction emits a flattened row mostly *before* its ref (objective,
    task group, measures), then the ref, then the row's lead, group members
    and timeframe. So the text is cut at refs: each ref owns the text since
    the end of the previous ref's part, plus its own *trailer*: a timeframe
    ("Jun-21", "Monthly") and/or a lead name within the next ten words of
    its line. The last ref of a line owns the rest of that line (the line
    break is where extraction left the row: "2.2 nne Everett IASS Sep-21
    with the forum. e group is now back ..." is 2.2's own statement), and
    the last ref of a stretch owns the rest of the stretch, up to the next
    table header, fragment block or repeated banner, since no later ref can
    own it. A stretch without any ref stays unattributed. The owned text, as
    printed, is the recovered action's ``action`` text (one source line a
    line); ``lead`` and ``due`` are copied out of it when evident: the lead
    is a list of names ("Vicki Pike/Sam Ives", "Laura Goodfellow/SC SDM")
    right after or right before the ref, or a name in the trailer whose
    surname the clean table's lead / group-member columns name (a first name
    cut at the column edge, "anne Everett", is kept as printed). Table header
    words repeated at the start of a stretch ("Lead Group members Timeframe
    iority Reference ...", cut words allowed) are a boundary and stay
    unattributed as a table header.

    This is a best effort, and says so: the text between two refs holds the
    end of one row and the start of the next, and nothing printed tells
    where one stops. Giving it to the later ref is right for most of the
    row (what precedes a ref) and wrong for the row's last cells.

Rule 2: two-column fragments (position statements)
    Below a "Position Statement <Month Year>" header, rows of two cells are
    fragments: the left cell is the cut-off line ends of the column before
    (the earlier position statement), the right cell is the new statement.
    A block of fragments belongs to the actions read since the block before
    it (the rows of the same page), and its rows come in their order, so
    rows are aligned to actions monotonically (several rows may belong to
    one action: a cell runs over lines). A row is attributed only when that
    is certain:

    - *continuity*: its left cell continues the cut earlier statement of
      the action: a cut word ends the earlier text where a left-cell word
      starts, either overlapping ("Februa" + "ruary", "which w" + "ch will")
      or joining into a word the document uses ("ap" + "proach"); the
      score is the heaviest chain of such matches in the order of both
      texts, and the action must be the only best one of the block;
    - *repetition*: its right cell repeats most words of the action's
      earlier statement (a statement carried over unchanged);
    - *order*: it lies between two attributed rows of one action, or its
      right cell goes on with the sentence of an attributed row next to it.

    Only actions of the clean table take part: their earlier statement is
    a cell of its own. A recovered action's earlier statement is somewhere
    in its long, mixed run-on text, where two-letter overlaps are found by
    chance, so fragments below recovered rows stay unattributed.

    An attributed row's right cell becomes a ``position_statement`` update
    dated by the header (start = end = its month, column = the header as
    printed, line = the fragment's line), after the action's earlier
    updates; its left cell is appended as printed, on a new line, to the
    action's earlier statement (to the field "<earlier column> (cut-off line
    ends)" where that cell was empty). It is not spliced back into the cut
    points: the halves overlap by a guessable but unsure number of letters,
    and splicing would drop or duplicate them.

No character is lost
    Every unattributed span taken apart is checked to be exactly the lines
    and cells it came from; every piece of it ends in an action field, an
    update, or a new unattributed span with its own line (table header
    words, text without a ref, fragments not attributed). Before anything is
    changed, the non-blank characters taken are compared with those placed;
    if they differ the reading is left as it was and a warning says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Optional

from .cleaning import clean_cell
from .model import Action, Citation, DocumentReading, Row, TextSpan, Update
from .stamps import parse_column_month, parse_due, split_updates

RECOVERED_NOTE = "recovered from interleaved columns: the ref was printed inside run-on text of a table row"

_DOTTED_REF = re.compile(r"^(\d{1,2})(?:\.(\d{1,2}))?$")
# A ref inside run-on text: "2.1", standing alone between blanks.
_RUN_ON_REF = re.compile(r"(?<!\S)(\d{1,2})\.(\d{1,2})(?!\S)")
_POSITION_HEADER = re.compile(r"^\s*position\s+statement\s+\S.*$", re.IGNORECASE)
# A timeframe cell as the clean table prints it ("Sep-22"), or a frequency.
_TIMEFRAME = re.compile(
    r"(?<!\S)(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)-\d{2}|monthly|termly|weekly|ongoing)(?=[\s.,;]|$)",
    re.IGNORECASE,
)
TRAILER_WORDS = 10

# Names as leads are printed: "Natalie Bevan", "Vicki Pike/Sam Ives",
# "PfA Lead / Amardeep Grewal", "Laura Goodfellow/SC SDM", "Lisa Seymour & Kate Jordan".
_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\s[A-Z][A-Za-z'-]+"
_CUT_NAME = r"[a-z]+\s[A-Z][A-Za-z'-]+"
_ROLE = r"(?:[A-Z][A-Za-z]*\s)?Lead|[A-Z]{2,5}(?:\s[A-Z]{2,5})?"
_ITEM = rf"(?:{_NAME}|{_ROLE})"
_SEP = r"\s?(?:/|&)\s?"
_LEAD_AFTER = re.compile(rf"(?:{_CUT_NAME}|{_ITEM})(?:{_SEP}{_ITEM})*")
_LEAD_BEFORE = re.compile(rf"{_ITEM}(?:{_SEP}{_ITEM})*$")
_SURNAME = re.compile(r"\b[A-Z][a-z]+\s([A-Z][a-z][A-Za-z'-]+)")

_STOPWORDS = frozenset(
    "a an and are as at be by for from in is it no of on or so the to we with".split()
)
_WORD = re.compile(r"[A-Za-z]+")


# --- pieces of unattributed text ------------------------------------------------


@dataclass
class Piece:
    """A cell (or the whole line) of an unattributed span, with its line."""

    text: str
    line: int
    column: int


@dataclass
class TextLine:
    line: int
    pieces: list[Piece]
    span: int  # index of the span it came from in reading.unattributed
    cells: int  # number of cells of the source row (tabs + 1)
    reason: str


def _decompose(reading: DocumentReading, rows: dict[int, Row], first_line: int) -> list[TextLine]:
    """The unattributed spans below first_line as lines of pieces.

    A span is taken apart only if its lines and cells give back its text
    exactly; others stay as they are (and are boundaries for the rules).
    """
    dropped_lines = {span.line for span in reading.dropped}
    lines: list[TextLine] = []
    for index, span in enumerate(reading.unattributed):
        if span.line <= first_line or span.line not in rows:
            continue
        row = rows[span.line]
        filled = [cell for cell in row.cells if cell.text.strip()]
        if len(row.cells) >= 2:
            pieces = [Piece(clean_cell(c.text).live, row.line, c.column) for c in filled]
            if " | ".join(p.text for p in pieces).strip() == span.text:
                lines.append(TextLine(row.line, [p for p in pieces if p.text], index, len(row.cells), span.reason))
            continue
        # Prose: consecutive one-cell rows joined by newlines.
        collected: list[TextLine] = []
        joined: list[str] = []
        number = span.line
        while number in rows:
            current = rows[number]
            if number in dropped_lines:
                number += 1
                continue
            if current.is_blank() or len(current.cells) != 1:
                break
            live = clean_cell(current.cells[0].text).live
            joined.append(live)
            if live:
                collected.append(TextLine(number, [Piece(live, number, 0)], index, 1, span.reason))
            if "\n".join(joined).strip() == span.text:
                break
            number += 1
        if collected and "\n".join(joined).strip() == span.text and all("\n" not in l.pieces[0].text for l in collected):
            lines.extend(collected)
    lines.sort(key=lambda l: l.line)
    return lines


# --- the clean table ------------------------------------------------------------------


@dataclass
class _Table:
    actions: list[Action]
    end_line: int
    labels: list[str]
    position_column: str  # label of the table's position-statement column, "" if none
    position_month: Optional[str]
    surnames: set[str]
    last_ref: tuple[int, int]


def _ref_key(ref: Optional[str]) -> Optional[tuple[int, int]]:
    match = _DOTTED_REF.match(ref or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def _clean_table(reading: DocumentReading) -> Optional[_Table]:
    keyed = [(action, key) for action in reading.actions if (key := _ref_key(action.ref)) is not None]
    if len(keyed) < 3:
        return None
    actions = [action for action, _ in keyed]
    keys = [key for _, key in keyed]
    if any(b <= a for a, b in zip(keys, keys[1:])):
        return None
    first_line = actions[0].line
    headers = [s for s in reading.unattributed if s.reason == "table header" and s.line < first_line]
    labels = [label.strip() for label in headers[-1].text.split(" | ")] if headers else []
    position_column, position_month = "", None
    for action in actions:
        for update in action.updates:
            if update.kind == "position_statement" and update.column:
                month = parse_column_month(update.column)
                if month and (position_month is None or month > position_month):
                    position_column, position_month = update.column, month
    surnames: set[str] = set()
    for action in actions:
        people = [action.lead] + [v for k, v in action.fields.items() if re.search(r"member|lead|owner", k, re.I)]
        for text in people:
            surnames.update(match.group(1) for match in _SURNAME.finditer(text))
    return _Table(
        actions=actions,
        end_line=max(a.line for a in actions),
        labels=[l for l in labels if l],
        position_column=position_column,
        position_month=position_month,
        surnames=surnames,
        last_ref=keys[-1],
    )


def _follows(previous: tuple[int, int], major: int, minor: int) -> bool:
    if major == previous[0]:
        return previous[1] < minor <= previous[1] + 2
    return major == previous[0] + 1 and minor in (0, 1)


# --- header words ---------------------------------------------------------------


def _header_run(text: str, labels: list[str]) -> int:
    """Length of a run of the table's header labels at the start of text
    (labels in any order, a label's first letters may be cut); 0 if fewer
    than three labels."""
    if not labels:
        return 0
    variants = []
    for label in labels:
        words = label.split()
        for cut in range(0, min(4, len(words[0]) - 2)):
            variants.append(label[cut:].lower())
    variants.sort(key=len, reverse=True)
    position, count = 0, 0
    lowered = text.lower()
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        for variant in variants:
            end = position + len(variant)
            if lowered.startswith(variant, position) and (end == len(text) or text[end].isspace()):
                position, count = end, count + 1
                break
        else:
            break
    return position if count >= 3 else 0


# --- leads and timeframes -------------------------------------------------------------


def _lead_and_trailer(text: str, ref_start: int, ref_end: int, limit: int, surnames: set[str]) -> tuple[str, str, int]:
    """(lead, timeframe, trailer end) for a ref printed at text[ref_start:ref_end].

    The trailer is at most TRAILER_WORDS words of the ref's own line, and
    never reaches the next ref (at ``limit``).
    """
    line_end = text.find("\n", ref_end)
    limit = min(limit, line_end if line_end >= 0 else len(text))
    window_end = ref_end
    for words, match in enumerate(re.finditer(r"\S+", text[ref_end:limit])):
        if words == TRAILER_WORDS:
            break
        window_end = ref_end + match.end()
    window = text[ref_end:window_end]
    trailer_end = ref_end
    timeframe = ""
    found = _TIMEFRAME.search(window)
    if found:
        timeframe = found.group(0)
        trailer_end = ref_end + found.end()

    def known(candidate: str) -> bool:
        return "/" in candidate or "&" in candidate or any(w in surnames for w in re.findall(r"[A-Z][A-Za-z'-]+", candidate))

    lead = ""
    offset = len(window) - len(window.lstrip())
    after = _LEAD_AFTER.match(window, offset)
    if after and _has_person_name(after.group(0)) and known(after.group(0)):
        lead = after.group(0)
        trailer_end = max(trailer_end, ref_end + after.end())
    if not lead:
        line_start = text.rfind("\n", 0, ref_start) + 1
        before = _LEAD_BEFORE.search(text[line_start:ref_start].rstrip())
        if before and _has_person_name(before.group(0)) and known(before.group(0)):
            lead = before.group(0)
    if not lead and surnames:
        # A name in the trailer whose surname the clean table names; its
        # first name may be cut at the column edge ("nne Everett").
        pattern = re.compile(
            rf"(?<![A-Za-z])[A-Za-z]+\s(?:{'|'.join(re.escape(s) for s in sorted(surnames))})(?![A-Za-z])(?:{_SEP}{_ITEM})*"
        )
        named = pattern.search(window)
        if named:
            lead = named.group(0)
            trailer_end = max(trailer_end, ref_end + named.end())
    return lead.strip(), timeframe, trailer_end


def _has_person_name(candidate: str) -> bool:
    """A lead holds at least one person's name, not just initials."""
    return bool(re.search(r"[A-Za-z][a-z]+\s[A-Z][a-z]", candidate))


# --- continuity of cut columns ----------------------------------------------------------


def _vocabulary(rows: list[Row]) -> set[str]:
    return {word.lower() for row in rows for word in _WORD.findall(row.text)}


def continuity(earlier: str, tail: str, vocabulary: set[str]) -> int:
    """How well a left-cell tail continues the cut lines of the earlier text.

    A cut is where a word of ``earlier`` ends; a word of the tail continues
    it when the end of the earlier text overlaps the start of the tail
    ("Februa" + "ruary", "which w" + "ch will") by two characters or more,
    case and all, cutting a word on one side (weight: the overlap's length),
    or when the two halves join into a word the document uses elsewhere
    ("ap" + "proach" = "approach", weight 3). The tails of one cell are printed in
    the order of its lines, so the score is the heaviest chain of such
    matches that goes forward in both texts.
    """
    if not earlier or not tail:
        return 0
    cuts = [m.end() for m in re.finditer(r"\S+", earlier)]
    starts = [m.start() for m in re.finditer(r"\S+", tail)]
    found: list[tuple[int, int, int]] = []  # (tail position, cut, weight)
    for p in starts:
        tail_word = re.match(r"[A-Za-z]+", tail[p:])
        for q in cuts:
            weight = 0
            earlier_word = re.search(r"[A-Za-z]+$", earlier[:q])
            for k in range(min(12, q, len(tail) - p), 1, -1):
                if earlier[q - k : q] != tail[p : p + k]:
                    continue
                cuts_earlier = q - k > 0 and earlier[q - k - 1].isalpha()
                cuts_tail = p + k < len(tail) and tail[p + k].isalpha() and tail[p + k - 1].isalpha()
                if cuts_earlier or (cuts_tail and earlier_word and earlier_word.group(0).lower() not in _STOPWORDS):
                    weight = k
                break
            if not weight and tail_word and earlier_word:
                head, rest = earlier_word.group(0).lower(), tail_word.group(0).lower()
                joined = head + rest
                if len(joined) >= 4 and joined in vocabulary and head not in vocabulary and rest not in vocabulary:
                    weight = 3
            if weight:
                found.append((p, q, weight))
    best: list[int] = []
    for i, (p, q, weight) in enumerate(found):
        best.append(weight + max((best[j] for j in range(i) if found[j][0] < p and found[j][1] < q), default=0))
    return max(best, default=0)


def repetition(statement: str, earlier: str) -> bool:
    """True when a statement repeats most words of the earlier one."""
    words = [w.lower() for w in _WORD.findall(statement) if len(w) >= 3]
    if len(words) < 3:
        return False
    known = {w.lower() for w in _WORD.findall(earlier)}
    return sum(1 for w in words if w in known) >= 0.8 * len(words)


# --- the plan of changes ---------------------------------------------------------------


@dataclass
class Plan:
    """Everything recover_interleaved will change, checked before it is applied."""

    new_actions: list[Action] = field(default_factory=list)
    appended: list[tuple[Action, str, int, str]] = field(default_factory=list)  # action, text, line, target
    updates: list[tuple[Action, Update]] = field(default_factory=list)
    spans: list[TextSpan] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)  # every text placed, for the check
    fragments_attributed: int = 0

    def keep_header_words(self, header_spans: list[tuple[TextLine, int]]) -> None:
        """Table header words at the start of a line stay unattributed as a table header."""
        for item, run in header_spans:
            words = item.pieces[0].text[:run].strip()
            self.spans.append(TextSpan(text=words, line=item.line, reason="table header"))
            self.placed.append(words)

    def keep_unattributed(self, stream: Stream) -> None:
        """A stream no ref owns stays unattributed, one span per source line."""
        for number, segment in stream.segments(0, len(stream.text)):
            self.spans.append(TextSpan(text=segment.strip(), line=number, reason=stream.reason))
            self.placed.append(segment)

    def take(self, stream: Stream, start: int, end: int) -> tuple[str, int, int]:
        """stream.text[start:end] as text (one source line a line), its first and last line."""
        segments = stream.segments(start, end)
        self.placed.extend(segment for _, segment in segments)
        numbers = [number for number, _ in segments]
        text = "\n".join(segment.strip() for _, segment in segments)
        return text, numbers[0] if numbers else 0, numbers[-1] if numbers else 0


@dataclass
class Fragment:
    line: TextLine
    left: str
    right: str
    header: str
    month: Optional[str]


def _earlier_text(action: Action, column: str) -> str:
    """The action's earlier position statement, as the clean table printed it.

    A recovered action has none that can be told apart from its other
    columns: its run-on text is long and mixed, and short overlaps with it
    prove nothing, so fragments are never matched to it.
    """
    if action.ref_note.startswith(RECOVERED_NOTE):
        return ""
    return "\n".join(u.text for u in action.updates if u.kind == "position_statement" and u.column == column)


def recover_interleaved(reading: DocumentReading, rows: list[Row]) -> None:
    """Recover refs and position statements from interleaved, cut columns.

    See the module docstring for the rules. Changes ``reading`` in place:
    adds recovered actions after the planner's, adds updates, and replaces
    the unattributed spans it took apart by what was not attributed. The
    steps: classify lines, find stretches, recover refs, attribute
    fragments, check and apply.
    """
    table = _clean_table(reading)
    if table is None:
        return
    by_line = {row.line: row for row in rows}
    lines = _decompose(reading, by_line, table.end_line)
    if not lines:
        return
    kinds = classify_lines(lines, rows, table.position_month)
    stretches, header_spans = find_stretches(lines, kinds, by_line, {span.line for span in reading.dropped}, table.labels)
    plan = Plan()
    plan.keep_header_words(header_spans)
    streams = [Stream.of(stretch) for stretch in stretches]
    refs = find_refs([stream.text for stream in streams], table.last_ref)
    recovered_at = recover_refs(reading, streams, refs, table.surnames, plan)
    blocks = fragment_blocks(lines, kinds, table.actions, recovered_at)
    fragment_lines = attribute_fragments(reading, blocks, table.position_column, _vocabulary(rows), plan)
    if not plan.new_actions and not fragment_lines:
        return
    used_spans = {item.span for item in lines if item.line in fragment_lines}
    used_spans |= {item.span for stretch in stretches for item, _ in stretch}
    used_spans |= {item.span for item, _ in header_spans}
    keep_unused_lines(lines, kinds, used_spans, fragment_lines, plan)
    mismatch = check_placed(lines, used_spans, plan)
    if mismatch:
        reading.warnings.append(mismatch)
        return
    apply_plan(reading, plan, used_spans)


# --- step 1: classify lines ------------------------------------------------------------

LineKind = Literal["position header", "fragment", "other", "banner", "prose"]


def classify_lines(lines: list[TextLine], rows: list[Row], table_month: Optional[str]) -> list[LineKind]:
    """What each line is: a "Position Statement <Month Year>" header naming a
    later month than the table's, a fragment row (as many cells as the last
    such header's row), another row of cells, a banner (its text printed
    twice or more in the document), or prose."""
    texts_elsewhere = Counter(" ".join(row.text.split()) for row in rows if not row.is_blank())
    fragment_cells = 0  # cells of the last position-statement header row; 0 before one
    kinds: list[LineKind] = []
    for item in lines:
        only = item.pieces[0] if len(item.pieces) == 1 else None
        if only is not None and _POSITION_HEADER.match(only.text):
            month = parse_column_month(only.text)
            if month and table_month and month > table_month:
                fragment_cells = item.cells
                kinds.append("position header")
                continue
        if item.cells >= 2:
            # A fragment row has the header row's cells: the columns it cut.
            kinds.append("fragment" if fragment_cells and item.cells == fragment_cells else "other")
            continue
        if texts_elsewhere[" ".join(item.pieces[0].text.split())] >= 2:
            kinds.append("banner")
            continue
        kinds.append("prose")
    return kinds


# --- step 2: find stretches ------------------------------------------------------------

# Prose lines in a row, each with the offset in its text where the stretch starts.
Stretch = list[tuple[TextLine, int]]


def find_stretches(
    lines: list[TextLine], kinds: list[LineKind], rows_by_line: dict[int, Row], dropped_lines: set[int], labels: list[str]
) -> tuple[list[Stretch], list[tuple[TextLine, int]]]:
    """Stretches of prose between boundaries, cut at runs of table header words.

    A stretch ends at any line that is not prose and at a gap holding more
    than blank or dropped lines. Returns the stretches and the header-word
    runs found, as (line, length of the header words at its start).
    """
    stretches: list[Stretch] = []
    header_spans: list[tuple[TextLine, int]] = []
    current: Stretch = []
    previous_line: Optional[int] = None
    for item, kind in zip(lines, kinds):
        contiguous = previous_line is not None and all(
            (n in rows_by_line and (rows_by_line[n].is_blank() or n in dropped_lines))
            for n in range(previous_line + 1, item.line)
        )
        if kind != "prose" or not contiguous:
            if current:
                stretches.append(current)
            current = []
        if kind == "prose":
            run = _header_run(item.pieces[0].text, labels)
            if run:
                if current:
                    stretches.append(current)
                current = []
                header_spans.append((item, run))
                if item.pieces[0].text[run:].strip():
                    current.append((item, run))
            else:
                current.append((item, 0))
        previous_line = item.line
    if current:
        stretches.append(current)
    return stretches, header_spans


@dataclass
class Stream:
    """A stretch's text as one string, its lines joined by newlines."""

    text: str
    starts: list[tuple[int, int]]  # (offset in text, source line) of each line
    reason: str  # why its first line was unattributed

    @classmethod
    def of(cls, stretch: Stretch) -> Stream:
        parts: list[str] = []
        starts: list[tuple[int, int]] = []
        position = 0
        for item, start in stretch:
            text = item.pieces[0].text[start:]
            starts.append((position, item.line))
            parts.append(text)
            position += len(text) + 1
        return cls("\n".join(parts), starts, stretch[0][0].reason if stretch else "text")

    def line_at(self, offset: int) -> int:
        """The source line of text[offset]."""
        line = self.starts[0][1]
        for start, number in self.starts:
            if start <= offset:
                line = number
        return line

    def segments(self, start: int, end: int) -> list[tuple[int, str]]:
        """The non-blank parts of text[start:end] as (source line, part), one a line, unstripped."""
        found: list[tuple[int, str]] = []
        for index, (offset, number) in enumerate(self.starts):
            line_end = self.starts[index + 1][0] - 1 if index + 1 < len(self.starts) else len(self.text)
            a, b = max(start, offset), min(end, line_end)
            if a < b and self.text[a:b].strip():
                found.append((number, self.text[a:b]))
        return found


# --- step 3: recover refs (rule 1) -------------------------------------------------------

RefKey = tuple[int, int]  # (major, minor): "2.1" is (2, 1), "3" is (3, 0)
RefAt = tuple[int, RefKey]  # (offset in a stream's text, key)


def find_refs(texts: list[str], last_ref: RefKey) -> list[list[RefAt]]:
    """The refs standing mid-line in each text that continue the sequence
    after ``last_ref`` (across the texts, in order); none at all when fewer
    than two are found."""
    previous_ref = last_ref
    found: list[list[RefAt]] = []
    for text in texts:
        here: list[RefAt] = []
        for match in _RUN_ON_REF.finditer(text):
            major, minor = int(match.group(1)), int(match.group(2))
            line_start = text.rfind("\n", 0, match.start()) + 1
            if not text[line_start : match.start()].strip():
                continue  # at the start of a line: a numbered paragraph
            if _follows(previous_ref, major, minor):
                here.append((match.start(), (major, minor)))
                previous_ref = (major, minor)
        found.append(here)
    if sum(len(here) for here in found) < 2:
        return [[] for _ in texts]
    return found


class RefPart(NamedTuple):
    """The part of a stream's text a recovered ref owns, and what its trailer names."""

    start: int
    end: int
    lead: str
    timeframe: str
    offset: int  # where the ref is printed
    key: RefKey


def cut_at_refs(text: str, refs: list[RefAt], surnames: set[str]) -> list[RefPart]:
    """Cut text at its refs: each owns the text since the previous ref's part
    and its own trailer; the last of its line owns the rest of the line, the
    last of all the rest of the text."""
    parts: list[RefPart] = []
    cursor = 0
    for index, (offset, key) in enumerate(refs):
        printed = f"{key[0]}.{key[1]}"
        ref_end = offset + len(printed)
        limit = refs[index + 1][0] if index + 1 < len(refs) else len(text)
        lead, timeframe, trailer_end = _lead_and_trailer(text, offset, ref_end, limit, surnames)
        line_end = text.find("\n", ref_end)
        line_end = len(text) if line_end < 0 else line_end
        if index + 1 == len(refs):
            end = len(text)  # the rest of the stretch: no later ref to own it
        elif limit > line_end:
            end = line_end  # the last ref of its line owns the rest of the line
        else:
            end = trailer_end
        parts.append(RefPart(cursor, end, lead, timeframe, offset, key))
        cursor = end
    return parts


def recover_refs(
    reading: DocumentReading, streams: list[Stream], refs: list[list[RefAt]], surnames: set[str], plan: Plan
) -> dict[int, list[Action]]:
    """Rule 1: an action for each ref found, holding the text it owns, into
    ``plan``; streams without a ref stay unattributed. Returns the recovered
    actions by the line their ref is printed on."""
    recovered_at: dict[int, list[Action]] = {}
    for stream, refs_here in zip(streams, refs):
        if not refs_here:
            plan.keep_unattributed(stream)
            continue
        for start, end, lead, timeframe, offset, key in cut_at_refs(stream.text, refs_here, surnames):
            printed = f"{key[0]}.{key[1]}"
            line = stream.line_at(offset)
            text, first, last = plan.take(stream, start, end)
            action = Action(
                council=reading.document.council,
                document=reading.document.name,
                line=line,
                ref_printed=printed,
                ref=printed,
                action=text,
                lead=lead,
                due_printed=timeframe,
                due=parse_due(timeframe) if timeframe else None,
                ref_note=f"{RECOVERED_NOTE}; its text (lines {first}-{last}) is cut at refs, so it may hold "
                "the last cells of the row above",
            )
            plan.new_actions.append(action)
            recovered_at.setdefault(line, []).append(action)
    return recovered_at


# --- step 4: attribute fragments (rule 2) ------------------------------------------------

# The actions a block of fragment rows may belong to, and the block's rows.
Block = tuple[list[Action], list[Fragment]]


def fragment_blocks(
    lines: list[TextLine], kinds: list[LineKind], table_actions: list[Action], recovered_at: dict[int, list[Action]]
) -> list[Block]:
    """Fragment rows under a position-statement header, in blocks: a block
    ends where refs are recovered after it (the next page's rows), and its
    candidates are the actions read since the block before it."""
    blocks: list[Block] = []
    candidates: list[Action] = list(table_actions)
    block: list[Fragment] = []
    header: Optional[tuple[str, Optional[str], int]] = None  # label, month, column of the header cell
    for item, kind in zip(lines, kinds):
        new_here = recovered_at.get(item.line, [])
        if new_here:
            if block:  # refs after a block of fragments: the next page's rows
                blocks.append((candidates, block))
                block, candidates = [], []
            candidates = candidates + new_here
        if kind == "position header":
            only = item.pieces[0]
            header = (only.text.strip(), parse_column_month(only.text), only.column)
        elif kind == "fragment" and header is not None:
            left = " ".join(p.text for p in item.pieces if p.column < header[2])
            right = " ".join(p.text for p in item.pieces if p.column >= header[2])
            block.append(Fragment(item, left, right, header[0], header[1]))
    if block:
        blocks.append((candidates, block))
    return blocks


def attribute_fragments(reading: DocumentReading, blocks: list[Block], column: str, vocabulary: set[str], plan: Plan) -> set[int]:
    """Rule 2: each fragment row attributed for certain becomes, in ``plan``,
    position-statement updates (its right cell) and text appended to the
    earlier statement in ``column`` (its left cell). Returns their lines."""
    fragment_lines: set[int] = set()
    for actions, fragments in blocks:
        assigned = _align(actions, fragments, column, vocabulary)
        for fragment, action in zip(fragments, assigned):
            if action is None:
                continue
            fragment_lines.add(fragment.line.line)
            plan.fragments_attributed += 1
            if fragment.left:
                plan.placed.append(fragment.left)
                plan.appended.append((action, fragment.left, fragment.line.line, column))
            if fragment.right:
                plan.placed.append(fragment.right)
                for piece in split_updates(fragment.right):
                    plan.updates.append(
                        (
                            action,
                            Update(
                                text=piece.text,
                                stamp=piece.stamp,
                                start=piece.start or fragment.month,
                                end=piece.end or fragment.month,
                                kind="position_statement",
                                source=Citation(reading.document.name, fragment.line.line),
                                column=fragment.header,
                            ),
                        )
                    )
    return fragment_lines


# --- step 5: check and apply -------------------------------------------------------------


def keep_unused_lines(lines: list[TextLine], kinds: list[LineKind], used_spans: set[int], fragment_lines: set[int], plan: Plan) -> None:
    """Lines of a span taken apart that no rule used come back as they were."""
    for item, kind in zip(lines, kinds):
        if item.span in used_spans and item.line not in fragment_lines and kind != "prose":
            text = " | ".join(p.text for p in item.pieces)
            plan.spans.append(TextSpan(text=text, line=item.line, reason=item.reason))
            plan.placed.extend(p.text for p in item.pieces)


def check_placed(lines: list[TextLine], used_spans: set[int], plan: Plan) -> str:
    """A warning when the non-blank characters taken apart and those placed differ; "" when they agree."""
    taken_text = [p.text for item in lines if item.span in used_spans for p in item.pieces]
    if _chars(taken_text) == _chars(plan.placed):
        return ""
    return (
        "interleaved columns: recovery skipped, the text taken and the text placed differ "
        f"({sum(_chars(taken_text).values())} vs {sum(_chars(plan.placed).values())} characters)"
    )


def apply_plan(reading: DocumentReading, plan: Plan, used_spans: set[int]) -> None:
    """Change the reading as planned: append to earlier statements, add updates
    and recovered actions, replace the taken spans, and say what was done."""
    before = reading.unattributed_chars
    for action, text, _line, column in plan.appended:
        statements = [u for u in action.updates if u.kind == "position_statement" and u.column == column]
        if statements and not action.ref_note.startswith(RECOVERED_NOTE):
            statements[-1].text = f"{statements[-1].text}\n{text}"
        else:
            key = f"{column or 'earlier position statement'} (cut-off line ends)"
            action.fields[key] = f"{action.fields[key]}\n{text}" if key in action.fields else text
    for action, update in plan.updates:
        action.updates.append(update)
    reading.actions.extend(plan.new_actions)
    reading.unattributed = [span for i, span in enumerate(reading.unattributed) if i not in used_spans] + plan.spans
    reading.unattributed.sort(key=lambda span: span.line)
    refs = [a.ref for a in plan.new_actions]
    summary = f"{len(refs)} refs ({refs[0]} ... {refs[-1]})" if refs else "no refs"
    reading.warnings.append(
        f"interleaved columns: {summary} recovered from run-on text of flattened table rows "
        f"(marked in ref_note); {plan.fragments_attributed} fragment rows of position statements attributed; "
        f"{reading.unattributed_chars} characters stayed unattributed ({before} before this recovery)"
    )


def _chars(texts: list[str]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(ch for ch in text if not ch.isspace())
    return counter


def _align(actions: list[Action], fragments: list[Fragment], column: str, vocabulary: set[str]) -> list[Optional[Action]]:
    """The action each fragment row belongs to, or None where not certain."""
    if not actions or not fragments:
        return [None] * len(fragments)
    earlier = [_earlier_text(action, column) for action in actions]
    scores = [
        [continuity(text, fragment.left, vocabulary) + (2 if repetition(fragment.right, text) else 0) for text in earlier]
        for fragment in fragments
    ]
    # Monotone alignment maximising evidence (several rows may share an action).
    n, m = len(fragments), len(actions)
    best = [[0] * m for _ in range(n)]
    back = [[0] * m for _ in range(n)]
    for i in range(n):
        running, arg = -1, 0
        for j in range(m):
            if i == 0:
                best[i][j] = scores[i][j]
                continue
            if best[i - 1][j] > running:
                running, arg = best[i - 1][j], j
            best[i][j] = running + scores[i][j]
            back[i][j] = arg
    j = max(range(m), key=lambda k: (best[n - 1][k], -k))
    path = [0] * n
    for i in range(n - 1, -1, -1):
        path[i] = j
        j = back[i][j]
    certain: list[Optional[int]] = [None] * n
    for i in range(n):
        row, j = scores[i], path[i]
        if row[j] > 0 and all(row[j] > row[k] for k in range(m) if k != j):
            certain[i] = j
    # Order: rows between two certain rows of one action, and rows whose
    # right cell goes on with the sentence of a certain neighbour.
    changed = True
    while changed:
        changed = False
        for i in range(n):
            if certain[i] is not None:
                continue
            before = next((certain[k] for k in range(i - 1, -1, -1) if certain[k] is not None), None)
            after = next((certain[k] for k in range(i + 1, n) if certain[k] is not None), None)
            if before is not None and before == after:
                certain[i] = before
                changed = True
            elif i > 0 and certain[i - 1] is not None and _goes_on(fragments[i - 1].right, fragments[i].right):
                certain[i] = certain[i - 1]
                changed = True
            elif i + 1 < n and certain[i + 1] is not None and _goes_on(fragments[i].right, fragments[i + 1].right):
                certain[i] = certain[i + 1]
                changed = True
    return [actions[j] if j is not None else None for j in certain]


def _goes_on(first: str, second: str) -> bool:
    """True when second carries on the sentence first leaves open."""
    first, second = first.strip(), second.strip()
    if not first or not second:
        return False
    return first[-1] not in ".!?:" or second[0].islower()
