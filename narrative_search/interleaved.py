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
from typing import Optional

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
class _Piece:
    """A cell (or the whole line) of an unattributed span, with its line."""

    text: str
    line: int
    column: int


@dataclass
class _Line:
    line: int
    pieces: list[_Piece]
    span: int  # index of the span it came from in reading.unattributed
    cells: int  # number of cells of the source row (tabs + 1)
    reason: str


def _decompose(reading: DocumentReading, rows: dict[int, Row], first_line: int) -> list[_Line]:
    """The unattributed spans below first_line as lines of pieces.

    A span is taken apart only if its lines and cells give back its text
    exactly; others stay as they are (and are boundaries for the rules).
    """
    dropped_lines = {span.line for span in reading.dropped}
    lines: list[_Line] = []
    for index, span in enumerate(reading.unattributed):
        if span.line <= first_line or span.line not in rows:
            continue
        row = rows[span.line]
        filled = [cell for cell in row.cells if cell.text.strip()]
        if len(row.cells) >= 2:
            pieces = [_Piece(clean_cell(c.text).live, row.line, c.column) for c in filled]
            if " | ".join(p.text for p in pieces).strip() == span.text:
                lines.append(_Line(row.line, [p for p in pieces if p.text], index, len(row.cells), span.reason))
            continue
        # Prose: consecutive one-cell rows joined by newlines.
        collected: list[_Line] = []
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
                collected.append(_Line(number, [_Piece(live, number, 0)], index, 1, span.reason))
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
    actions = [a for a in reading.actions if _ref_key(a.ref) is not None]
    if len(actions) < 3:
        return None
    keys = [_ref_key(a.ref) for a in actions]
    if any(b <= a for a, b in zip(keys, keys[1:])):  # type: ignore[operator]
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
        last_ref=keys[-1],  # type: ignore[arg-type]
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
        match = pattern.search(window)
        if match:
            lead = match.group(0)
            trailer_end = max(trailer_end, ref_end + match.end())
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
class _Plan:
    """Everything recover_interleaved will change, checked before it is applied."""

    new_actions: list[Action] = field(default_factory=list)
    appended: list[tuple[Action, str, int, str]] = field(default_factory=list)  # action, text, line, target
    updates: list[tuple[Action, Update]] = field(default_factory=list)
    spans: list[TextSpan] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)  # every text placed, for the check
    fragments_attributed: int = 0


@dataclass
class _Fragment:
    line: _Line
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
    the unattributed spans it took apart by what was not attributed.
    """
    table = _clean_table(reading)
    if table is None:
        return
    by_line = {row.line: row for row in rows}
    lines = _decompose(reading, by_line, table.end_line)
    if not lines:
        return

    # Classify lines: position headers, fragments, banners, prose.
    texts_elsewhere = Counter(" ".join(row.text.split()) for row in rows if not row.is_blank())
    fragment_cells = 0  # cells of the last position-statement header row; 0 before one
    kinds: list[str] = []
    for item in lines:
        only = item.pieces[0] if len(item.pieces) == 1 else None
        if only is not None and _POSITION_HEADER.match(only.text):
            month = parse_column_month(only.text)
            if month and table.position_month and month > table.position_month:
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

    # Stretches of prose between boundaries, cut at header-word runs.
    stretches: list[list[tuple[_Line, int]]] = []  # (line, offset where the stretch starts in it)
    header_spans: list[tuple[_Line, int]] = []  # (line, length of header words)
    current: list[tuple[_Line, int]] = []
    previous_line = None
    for item, kind in zip(lines, kinds):
        contiguous = previous_line is not None and all(
            (n in by_line and (by_line[n].is_blank() or n in {d.line for d in reading.dropped}))
            for n in range(previous_line + 1, item.line)
        )
        if kind != "prose" or not contiguous:
            if current:
                stretches.append(current)
            current = []
        if kind == "prose":
            run = _header_run(item.pieces[0].text, table.labels)
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

    plan = _Plan()
    for item, run in header_spans:
        words = item.pieces[0].text[:run].strip()
        plan.spans.append(TextSpan(text=words, line=item.line, reason="table header"))
        plan.placed.append(words)

    # Rule 1: refs in run-on text.
    previous_ref = table.last_ref
    recovered_at: dict[int, list[Action]] = {}  # line -> recovered actions
    found_refs: list[tuple[int, int, tuple[int, int]]] = []  # stretch, offset in stream, key
    streams: list[tuple[str, list[tuple[int, int]]]] = []  # text, [(offset, line)]
    for number, stretch in enumerate(stretches):
        parts, offsets, position = [], [], 0
        for item, start in stretch:
            text = item.pieces[0].text[start:]
            offsets.append((position, item.line))
            parts.append(text)
            position += len(text) + 1
        stream = "\n".join(parts)
        streams.append((stream, offsets))
        for match in _RUN_ON_REF.finditer(stream):
            major, minor = int(match.group(1)), int(match.group(2))
            line_start = stream.rfind("\n", 0, match.start()) + 1
            if not stream[line_start : match.start()].strip():
                continue  # at the start of a line: a numbered paragraph
            if _follows(previous_ref, major, minor):
                found_refs.append((number, match.start(), (major, minor)))
                previous_ref = (major, minor)
    if len(found_refs) < 2:
        found_refs = []

    def line_at(offsets: list[tuple[int, int]], offset: int) -> int:
        line = offsets[0][1]
        for start, number in offsets:
            if start <= offset:
                line = number
        return line

    def emit_rest(stream: str, offsets: list[tuple[int, int]], start: int, end: int, reason: str) -> None:
        """Unattributed text stream[start:end], one span per source line."""
        for index, (offset, number) in enumerate(offsets):
            line_end = offsets[index + 1][0] - 1 if index + 1 < len(offsets) else len(stream)
            a, b = max(start, offset), min(end, line_end)
            if a < b and stream[a:b].strip():
                plan.spans.append(TextSpan(text=stream[a:b].strip(), line=number, reason=reason))
                plan.placed.append(stream[a:b])

    def segment_text(stream: str, offsets: list[tuple[int, int]], start: int, end: int) -> tuple[str, int, int]:
        """stream[start:end] as text (one source line a line), first and last line."""
        parts, numbers = [], []
        for index, (offset, number) in enumerate(offsets):
            line_end = offsets[index + 1][0] - 1 if index + 1 < len(offsets) else len(stream)
            a, b = max(start, offset), min(end, line_end)
            if a < b and stream[a:b].strip():
                parts.append(stream[a:b].strip())
                numbers.append(number)
                plan.placed.append(stream[a:b])
        return "\n".join(parts), numbers[0] if numbers else 0, numbers[-1] if numbers else 0

    for number, (stream, offsets) in enumerate(streams):
        refs_here = [(offset, key) for n, offset, key in found_refs if n == number]
        if not refs_here:
            reason = _reason(stretches[number])
            emit_rest(stream, offsets, 0, len(stream), reason)
            continue
        cursor = 0
        bounds: list[tuple[int, int, str, str, int, tuple[int, int]]] = []
        for index, (offset, key) in enumerate(refs_here):
            printed = f"{key[0]}.{key[1]}"
            ref_end = offset + len(printed)
            limit = refs_here[index + 1][0] if index + 1 < len(refs_here) else len(stream)
            lead, timeframe, trailer_end = _lead_and_trailer(stream, offset, ref_end, limit, table.surnames)
            line_end = stream.find("\n", ref_end)
            line_end = len(stream) if line_end < 0 else line_end
            if index + 1 == len(refs_here):
                end = len(stream)  # the rest of the stretch: no later ref to own it
            elif limit > line_end:
                end = line_end  # the last ref of its line owns the rest of the line
            else:
                end = trailer_end
            bounds.append((cursor, end, lead, timeframe, offset, key))
            cursor = end
        for start, end, lead, timeframe, offset, key in bounds:
            printed = f"{key[0]}.{key[1]}"
            line = line_at(offsets, offset)
            text, first, last = segment_text(stream, offsets, start, end)
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

    # Rule 2: fragments under a position-statement header, in blocks.
    fragments_by_block: list[tuple[list[Action], list[_Fragment]]] = []
    candidates: list[Action] = list(table.actions)
    block: list[_Fragment] = []
    header: Optional[tuple[str, Optional[str], int]] = None  # label, month, column of the header cell
    vocabulary = _vocabulary(rows)
    for item, kind in zip(lines, kinds):
        new_here = recovered_at.get(item.line, [])
        if new_here:
            if block:  # refs after a block of fragments: the next page's rows
                fragments_by_block.append((candidates, block))
                block, candidates = [], []
            candidates = candidates + new_here
        if kind == "position header":
            only = item.pieces[0]
            header = (only.text.strip(), parse_column_month(only.text), only.column)
        elif kind == "fragment" and header is not None:
            left = " ".join(p.text for p in item.pieces if p.column < header[2])
            right = " ".join(p.text for p in item.pieces if p.column >= header[2])
            block.append(_Fragment(item, left, right, header[0], header[1]))
    if block:
        fragments_by_block.append((candidates, block))

    fragment_lines: set[int] = set()
    for actions, fragments in fragments_by_block:
        assigned = _align(actions, fragments, table.position_column, vocabulary)
        for fragment, action in zip(fragments, assigned):
            if action is None:
                continue
            fragment_lines.add(fragment.line.line)
            plan.fragments_attributed += 1
            if fragment.left:
                plan.placed.append(fragment.left)
                plan.appended.append((action, fragment.left, fragment.line.line, table.position_column))
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

    if not plan.new_actions and not fragment_lines:
        return

    # Lines not used by any rule come back as they were.
    used_spans = {item.span for item in lines if item.line in fragment_lines}
    used_spans |= {item.span for stretch in stretches for item, _ in stretch}
    used_spans |= {item.span for item, _ in header_spans}
    for item, kind in zip(lines, kinds):
        if item.span in used_spans and item.line not in fragment_lines and kind != "prose":
            text = " | ".join(p.text for p in item.pieces)
            plan.spans.append(TextSpan(text=text, line=item.line, reason=item.reason))
            plan.placed.extend(p.text for p in item.pieces)

    # The check: every non-blank character taken is placed, nothing more.
    taken_text = [p.text for item in lines if item.span in used_spans for p in item.pieces]
    if _chars(taken_text) != _chars(plan.placed):
        reading.warnings.append(
            "interleaved columns: recovery skipped, the text taken and the text placed differ "
            f"({sum(_chars(taken_text).values())} vs {sum(_chars(plan.placed).values())} characters)"
        )
        return
    before = reading.unattributed_chars

    # Apply.
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


def _reason(stretch: list[tuple[_Line, int]]) -> str:
    return stretch[0][0].reason if stretch else "text"


def _chars(texts: list[str]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(ch for ch in text if not ch.isspace())
    return counter


def _align(actions: list[Action], fragments: list[_Fragment], column: str, vocabulary: set[str]) -> list[Optional[Action]]:
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
