"""The steps of narrative_search.interleaved, each on small made-up inputs.

tests/test_telford.py checks the whole recovery on the real damaged document;
these tables pin down what each step does on its own: classify lines, find
stretches, recover refs, attribute fragments, check and apply.
"""

from __future__ import annotations

from typing import Optional

import pytest

from narrative_search.interleaved import (
    RECOVERED_NOTE,
    Fragment,
    LineKind,
    Piece,
    Plan,
    Stream,
    TextLine,
    apply_plan,
    attribute_fragments,
    check_placed,
    classify_lines,
    cut_at_refs,
    find_refs,
    find_stretches,
    fragment_blocks,
    keep_unused_lines,
    recover_refs,
)
from narrative_search.model import Action, Citation, Document, DocumentReading, Row, TextSpan, Update
from narrative_search.plans import plan_document
from narrative_search.readers.text import rows_from_text

JANUARY = "Position Statement January 2023"
JULY = "Position Statement July 2023"


def text_line(line: int, *cells: str, span: int = 0, reason: str = "text", columns: Optional[int] = None) -> TextLine:
    """A line of an unattributed span: its non-empty cells as pieces (column = position)."""
    pieces = [Piece(text, line, column) for column, text in enumerate(cells) if text]
    return TextLine(line, pieces, span, columns if columns is not None else max(len(cells), 1), reason)


def action(ref: str, earlier: str = "", column: str = JANUARY, note: str = "") -> Action:
    updates = [Update(text=earlier, kind="position_statement", column=column)] if earlier else []
    return Action(council="Testshire", document="plan.txt", line=1, ref_printed=ref, ref=ref, updates=updates, ref_note=note)


def reading_of(*actions: Action, unattributed: Optional[list[TextSpan]] = None) -> DocumentReading:
    return DocumentReading(
        document=Document(name="plan.txt", council="Testshire"),
        actions=list(actions),
        unattributed=list(unattributed or []),
    )


# --- step 1: classify lines -------------------------------------------------------


CLASSIFY = [
    pytest.param([text_line(1, "Some plain words")], [], "2023-01", ["prose"], id="one-cell-line-is-prose"),
    pytest.param(
        [text_line(1, "Council banner"), text_line(2, "Other words")],
        ["Council banner", "Council banner"],
        "2023-01",
        ["banner", "prose"],
        id="text-printed-twice-is-a-banner",
    ),
    pytest.param(
        [text_line(1, "", JULY), text_line(2, "ruary cut", "New statement")],
        [],
        "2023-01",
        ["position header", "fragment"],
        id="later-header-then-fragment-with-its-cells",
    ),
    pytest.param(
        [text_line(1, "", JULY), text_line(2, "a", "b", "c")],
        [],
        "2023-01",
        ["position header", "other"],
        id="row-with-other-cell-count-is-not-a-fragment",
    ),
    pytest.param(
        [text_line(1, "", JULY), text_line(2, "ruary cut", "New statement")],
        [],
        "2023-07",
        ["other", "other"],
        id="header-not-later-than-the-table-is-no-header",
    ),
    pytest.param(
        [text_line(1, "", JULY), text_line(2, "left", "right")],
        [],
        None,
        ["other", "other"],
        id="table-without-position-column-takes-no-header",
    ),
    pytest.param([text_line(1, "left", "right")], [], "2023-01", ["other"], id="cells-before-any-header-are-other"),
    pytest.param([text_line(1, JULY)], [], "2023-01", ["position header"], id="one-cell-header"),
]


@pytest.mark.parametrize("lines, printed, table_month, expected", CLASSIFY)
def test_classify_lines(lines: list[TextLine], printed: list[str], table_month: Optional[str], expected: list[str]) -> None:
    rows = rows_from_text("\n".join(printed + [line.pieces[0].text for line in lines]))
    assert classify_lines(lines, rows, table_month) == expected


# --- step 2: find stretches ---------------------------------------------------------

LABELS = ["Lead", "Group members", "Timeframe", "Priority"]


def rows_numbered(count: int, blank: tuple[int, ...] = ()) -> dict[int, Row]:
    """Rows 1..count, the ones in ``blank`` empty."""
    text = "\n".join("" if n in blank else f"row {n}" for n in range(1, count + 1))
    return {row.line: row for row in rows_from_text(text)}


STRETCHES = [
    pytest.param(
        [text_line(1, "first words"), text_line(2, "second words")],
        ["prose", "prose"],
        rows_numbered(2),
        set(),
        [[(1, 0), (2, 0)]],
        [],
        id="contiguous-prose-is-one-stretch",
    ),
    pytest.param(
        [text_line(1, "first"), text_line(3, "third")],
        ["prose", "prose"],
        rows_numbered(3, blank=(2,)),
        set(),
        [[(1, 0), (3, 0)]],
        [],
        id="blank-line-between-keeps-the-stretch",
    ),
    pytest.param(
        [text_line(1, "first"), text_line(3, "third")],
        ["prose", "prose"],
        rows_numbered(3),
        {2},
        [[(1, 0), (3, 0)]],
        [],
        id="dropped-line-between-keeps-the-stretch",
    ),
    pytest.param(
        [text_line(1, "first"), text_line(3, "third")],
        ["prose", "prose"],
        rows_numbered(3),
        set(),
        [[(1, 0)], [(3, 0)]],
        [],
        id="printed-line-between-ends-the-stretch",
    ),
    pytest.param(
        [text_line(1, "first"), text_line(2, "left", "right"), text_line(3, "third")],
        ["prose", "other", "prose"],
        rows_numbered(3),
        set(),
        [[(1, 0)], [(3, 0)]],
        [],
        id="a-row-of-cells-ends-the-stretch",
    ),
    pytest.param(
        [text_line(1, "first"), text_line(2, "Lead Group members Timeframe then run on text")],
        ["prose", "prose"],
        rows_numbered(2),
        set(),
        [[(1, 0)], [(2, 29)]],
        [(2, 29)],
        id="header-words-cut-the-stretch",
    ),
    pytest.param(
        [text_line(1, "ead Group members iority")],
        ["prose"],
        rows_numbered(1),
        set(),
        [],
        [(1, 24)],
        id="cut-header-words-alone-make-no-stretch",
    ),
    pytest.param(
        [text_line(1, "Lead Timeframe and more")],
        ["prose"],
        rows_numbered(1),
        set(),
        [[(1, 0)]],
        [],
        id="two-header-words-are-not-a-header",
    ),
]


@pytest.mark.parametrize("lines, kinds, rows, dropped, expected, headers", STRETCHES)
def test_find_stretches(
    lines: list[TextLine],
    kinds: list[LineKind],
    rows: dict[int, Row],
    dropped: set[int],
    expected: list[list[tuple[int, int]]],
    headers: list[tuple[int, int]],
) -> None:
    stretches, header_spans = find_stretches(lines, kinds, rows, dropped, LABELS)
    assert [[(item.line, start) for item, start in stretch] for stretch in stretches] == expected
    assert [(item.line, run) for item, run in header_spans] == headers


STREAMS = [
    # stretch as (line, text, start), the stream's text, line of each offset
    pytest.param([(4, "abc", 0)], "abc", {0: 4, 2: 4}, id="one-line"),
    pytest.param([(4, "abc", 0), (6, "Lead de", 5)], "abc\nde", {0: 4, 3: 4, 4: 6, 5: 6}, id="second-line-after-header-words"),
]


@pytest.mark.parametrize("stretch, text, lines_at", STREAMS)
def test_stream_of_a_stretch(stretch: list[tuple[int, str, int]], text: str, lines_at: dict[int, int]) -> None:
    stream = Stream.of([(text_line(line, printed, reason="prose"), start) for line, printed, start in stretch])
    assert stream.text == text
    assert stream.reason == "prose"
    assert {offset: stream.line_at(offset) for offset in lines_at} == lines_at
    assert "".join(part for _, part in stream.segments(0, len(text))) == text.replace("\n", "")


# --- step 3: recover refs ------------------------------------------------------------


FIND_REFS = [
    # texts, last ref of the clean table, refs expected in each text
    pytest.param(["Aim one 2.1 Jun-23 then aim two 2.2 Monthly"], (1, 9), [["2.1", "2.2"]], id="next-major-then-next-minor"),
    pytest.param(["a 1.5 b 1.6 c"], (1, 3), [["1.5", "1.6"]], id="one-skipped-number-allowed"),
    pytest.param(["a 1.6 b 1.7 c"], (1, 3), [[]], id="two-skipped-numbers-are-not-the-sequence"),
    pytest.param(["only 2.1 here"], (1, 9), [[]], id="one-ref-is-not-enough"),
    pytest.param(["a 2.1 b", "c 2.2 d"], (1, 9), [["2.1"], ["2.2"]], id="sequence-goes-on-across-texts"),
    pytest.param(["2.1 a numbered paragraph\nand text 2.1 x 2.2"], (1, 9), [["2.1", "2.2"]], id="ref-at-line-start-is-a-paragraph"),
    pytest.param(["a 2.1 b 5.5 c 2.2"], (1, 9), [["2.1", "2.2"]], id="ref-out-of-sequence-is-text"),
    pytest.param(["a x2.1 b 2.1 c 2.2. d 2.3 e"], (1, 9), [["2.1", "2.3"]], id="refs-must-stand-between-blanks"),
    pytest.param(["a 2.0 b 2.1 c"], (1, 9), [["2.0", "2.1"]], id="next-major-may-start-at-zero"),
]


@pytest.mark.parametrize("texts, last_ref, expected", FIND_REFS)
def test_find_refs(texts: list[str], last_ref: tuple[int, int], expected: list[list[str]]) -> None:
    found = find_refs(texts, last_ref)
    assert [[f"{major}.{minor}" for _, (major, minor) in here] for here in found] == expected
    for text, here in zip(texts, found):
        for offset, (major, minor) in here:
            assert text[offset:].startswith(f"{major}.{minor}")


CUTS = [
    # text, surnames of the clean table, expected (owned text, lead, timeframe) per ref
    pytest.param(
        "Improve the offer 2.1 Jun-23 review it. Run workshops 2.2 Monthly rest",
        set(),
        [("Improve the offer 2.1 Jun-23", "", "Jun-23"), (" review it. Run workshops 2.2 Monthly rest", "", "Monthly")],
        id="trailer-timeframe-ends-the-part",
    ),
    pytest.param(
        "Aim one 2.1 owns its line\nAim two 2.2 tail",
        set(),
        [("Aim one 2.1 owns its line", "", ""), ("\nAim two 2.2 tail", "", "")],
        id="last-ref-of-a-line-owns-the-line",
    ),
    pytest.param(
        "Task 2.1 Vicki Pike/Sam Ives Jun-23 then more 2.2 x",
        set(),
        [("Task 2.1 Vicki Pike/Sam Ives Jun-23", "Vicki Pike/Sam Ives", "Jun-23"), (" then more 2.2 x", "", "")],
        id="list-of-names-after-the-ref",
    ),
    pytest.param(
        "Do this Kate Jordan & Lisa Seymour 2.1 Sep-23 more 2.2 y",
        set(),
        [("Do this Kate Jordan & Lisa Seymour 2.1 Sep-23", "Kate Jordan & Lisa Seymour", "Sep-23"), (" more 2.2 y", "", "")],
        id="list-of-names-before-the-ref",
    ),
    pytest.param(
        "Task 2.1 Jane Doe reads it 2.2 y",
        set(),
        [("Task 2.1", "", ""), (" Jane Doe reads it 2.2 y", "", "")],
        id="one-unknown-name-is-no-lead",
    ),
    pytest.param(
        "Task 2.1 Jane Doe reads it 2.2 y",
        {"Doe"},
        [("Task 2.1 Jane Doe", "Jane Doe", ""), (" reads it 2.2 y", "", "")],
        id="name-the-table-knows-is-the-lead",
    ),
    pytest.param(
        "Forum 2.1 Oct-23 nne Everett and 2.2 y",
        {"Everett"},
        [("Forum 2.1 Oct-23 nne Everett", "nne Everett", "Oct-23"), (" and 2.2 y", "", "")],
        id="cut-first-name-with-a-known-surname",
    ),
]


@pytest.mark.parametrize("text, surnames, expected", CUTS)
def test_cut_at_refs(text: str, surnames: set[str], expected: list[tuple[str, str, str]]) -> None:
    refs = find_refs([text], (1, 9))[0]
    parts = cut_at_refs(text, refs, surnames)
    assert [(text[part.start : part.end], part.lead, part.timeframe) for part in parts] == expected
    assert parts[-1].end == len(text)


def test_recover_refs_makes_actions_and_keeps_text_without_refs() -> None:
    reading = reading_of()
    streams = [
        Stream.of([(text_line(8, "No ref in this text", reason="prose"), 0)]),
        Stream.of([(text_line(9, "Open a cafe 2.1 Amy Stone Apr-23 it runs."), 0), (text_line(10, "Review it 2.2 May-23 done."), 0)]),
    ]
    plan = Plan()
    recovered_at = recover_refs(reading, streams, find_refs([s.text for s in streams], (1, 9)), {"Stone"}, plan)
    assert [(a.ref, a.line, a.action, a.lead, a.due) for a in plan.new_actions] == [
        ("2.1", 9, "Open a cafe 2.1 Amy Stone Apr-23 it runs.", "Amy Stone", "2023-04"),
        ("2.2", 10, "Review it 2.2 May-23 done.", "", "2023-05"),
    ]
    assert all(a.ref_note.startswith(RECOVERED_NOTE) for a in plan.new_actions)
    assert "(lines 9-9)" in plan.new_actions[0].ref_note
    assert {line: [a.ref for a in actions] for line, actions in recovered_at.items()} == {9: ["2.1"], 10: ["2.2"]}
    assert plan.spans == [TextSpan(text="No ref in this text", line=8, reason="prose")]


# --- step 4: attribute fragments -------------------------------------------------------


BLOCKS = [
    # lines, kinds, lines where recovered actions are printed, expected blocks: (candidate refs, [(line, left, right)])
    pytest.param(
        [text_line(5, "", JULY), text_line(6, "ruary cut", "New words")],
        ["position header", "fragment"],
        {},
        [(["1", "1.1"], [(6, "ruary cut", "New words")])],
        id="one-block-under-a-header",
    ),
    pytest.param(
        [text_line(5, "", JULY), text_line(6, "left", "right"), text_line(7, "a 2.1 b"), text_line(8, "l2", "r2")],
        ["position header", "fragment", "prose", "fragment"],
        {7: "2.1"},
        [(["1", "1.1"], [(6, "left", "right")]), (["2.1"], [(8, "l2", "r2")])],
        id="refs-after-a-block-start-the-next",
    ),
    pytest.param(
        [text_line(4, "a 2.1 b"), text_line(5, "", JULY), text_line(6, "left", "right")],
        ["prose", "position header", "fragment"],
        {4: "2.1"},
        [(["1", "1.1", "2.1"], [(6, "left", "right")])],
        id="refs-before-the-first-block-join-the-table",
    ),
    pytest.param(
        [text_line(6, "left", "right")],
        ["other"],
        {},
        [],
        id="no-header-no-fragments",
    ),
]


@pytest.mark.parametrize("lines, kinds, recovered, expected", BLOCKS)
def test_fragment_blocks(
    lines: list[TextLine], kinds: list[LineKind], recovered: dict[int, str], expected: list[tuple[list[str], list[tuple[int, str, str]]]]
) -> None:
    table = [action("1"), action("1.1")]
    recovered_at = {line: [action(ref)] for line, ref in recovered.items()}
    blocks = fragment_blocks(lines, kinds, table, recovered_at)
    assert [
        ([a.ref for a in actions], [(f.line.line, f.left, f.right) for f in fragments]) for actions, fragments in blocks
    ] == expected
    assert all(f.header == JULY and f.month == "2023-07" for _, fragments in blocks for f in fragments)


def fragment(line: int, left: str, right: str) -> Fragment:
    return Fragment(text_line(line, left, right), left, right, JULY, "2023-07")


EARLIER = {
    "1": "The fair is booked for Februa",
    "1.1": "Drafts of the leaflet were shared with parents",
    "1.2": "Two training sessions were held in the spring",
}

ATTRIBUTE = [
    # fragments as (left, right), the ref each is attributed to (None: not certain)
    pytest.param([("ruary half term", "The fair went well.")], ["1"], id="continuity-of-a-cut-word"),
    pytest.param([("", "Drafts of the leaflet were shared with parents again")], ["1.1"], id="repetition-of-the-statement"),
    pytest.param([("", "Something else entirely happened")], [None], id="no-evidence-no-attribution"),
    pytest.param(
        [("ruary half term", "The fair"), ("", "Nothing to tell."), ("ruary", "More on it.")],
        ["1", "1", "1"],
        id="order-between-two-rows-of-one-action",
    ),
    pytest.param(
        [("ruary half term", "The fair was moved to"), ("", "a bigger hall.")],
        ["1", "1"],
        id="order-sentence-goes-on",
    ),
]


@pytest.mark.parametrize("cells, expected", ATTRIBUTE)
def test_attribute_fragments(cells: list[tuple[str, str]], expected: list[Optional[str]]) -> None:
    actions = [action(ref, earlier) for ref, earlier in EARLIER.items()]
    fragments = [fragment(10 + i, left, right) for i, (left, right) in enumerate(cells)]
    plan = Plan()
    lines = attribute_fragments(reading_of(*actions), [(actions, fragments)], JANUARY, {"february"}, plan)
    attributed = {update.line: action.ref for action, update in plan.updates}
    attributed.update({line: action.ref for action, _, line, _ in plan.appended})
    assert [attributed.get(f.line.line) for f in fragments] == expected
    assert lines == {f.line.line for f, ref in zip(fragments, expected) if ref is not None}
    assert plan.fragments_attributed == len(lines)
    for _, update in plan.updates:
        assert (update.kind, update.start, update.end, update.column, update.document) == (
            "position_statement",
            "2023-07",
            "2023-07",
            JULY,
            "plan.txt",
        )


def test_recovered_actions_take_no_fragments() -> None:
    recovered = action("2.1", EARLIER["1"], note=f"{RECOVERED_NOTE}; its text")
    plan = Plan()
    lines = attribute_fragments(reading_of(recovered), [([recovered], [fragment(10, "ruary", "x")])], JANUARY, set(), plan)
    assert lines == set() and not plan.updates and not plan.appended


# --- step 5: check and apply -------------------------------------------------------------


def test_keep_unused_lines_gives_back_rows_of_taken_spans() -> None:
    lines = [text_line(1, "a", "b", span=0), text_line(2, "prose", span=0), text_line(3, "c", "d", span=0), text_line(4, "e", "f", span=1)]
    kinds: list[LineKind] = ["fragment", "prose", "fragment", "other"]
    plan = Plan()
    keep_unused_lines(lines, kinds, used_spans={0}, fragment_lines={1}, plan=plan)
    assert plan.spans == [TextSpan(text="c | d", line=3, reason="text")]
    assert plan.placed == ["c", "d"]


CHECKS = [
    pytest.param(["ab", "c d"], ["abc", "d"], "", id="same-characters-in-other-pieces"),
    pytest.param(["ab"], [" a\nb "], "", id="whitespace-does-not-count"),
    pytest.param(["abc"], ["ab"], "(3 vs 2 characters)", id="a-character-lost"),
    pytest.param(["ab"], ["ab", "b"], "(2 vs 3 characters)", id="a-character-doubled"),
]


@pytest.mark.parametrize("taken, placed, expected", CHECKS)
def test_check_placed(taken: list[str], placed: list[str], expected: str) -> None:
    lines = [text_line(1, text) for text in taken]
    message = check_placed(lines, {0}, Plan(placed=list(placed)))
    if expected:
        assert message.startswith("interleaved columns: recovery skipped") and message.endswith(expected)
    else:
        assert message == ""


APPENDS = [
    # action's earlier statement column, its note, fields before, column appended to -> where the text goes
    pytest.param(JANUARY, "", {}, JANUARY, ("statement", "earlier\ncut ends"), id="to-the-earlier-statement"),
    pytest.param(None, "", {}, JANUARY, (f"{JANUARY} (cut-off line ends)", "cut ends"), id="to-a-field-when-the-cell-was-empty"),
    pytest.param(
        None,
        "",
        {f"{JANUARY} (cut-off line ends)": "first"},
        JANUARY,
        (f"{JANUARY} (cut-off line ends)", "first\ncut ends"),
        id="after-earlier-cut-ends",
    ),
    pytest.param(None, "", {}, "", ("earlier position statement (cut-off line ends)", "cut ends"), id="table-without-position-column"),
    pytest.param(
        JANUARY, f"{RECOVERED_NOTE}; x", {}, JANUARY, (f"{JANUARY} (cut-off line ends)", "cut ends"), id="recovered-action-gets-a-field"
    ),
]


@pytest.mark.parametrize("statement_column, note, fields, column, expected", APPENDS)
def test_apply_plan_appends_left_cells(
    statement_column: Optional[str], note: str, fields: dict[str, str], column: str, expected: tuple[str, str]
) -> None:
    target = action("1", "earlier", column=statement_column, note=note) if statement_column else action("1", note=note)
    target.fields.update(fields)
    reading = reading_of(target)
    apply_plan(reading, Plan(appended=[(target, "cut ends", 7, column)]), used_spans=set())
    where, text = expected
    if where == "statement":
        assert target.updates[-1].text == text
    else:
        assert target.fields[where] == text
        assert [u.text for u in target.updates] == (["earlier"] if statement_column else [])


def test_apply_plan_adds_records_and_replaces_taken_spans() -> None:
    table = action("1")
    recovered = action("2.1", note=RECOVERED_NOTE)
    update = Update(text="New words", kind="position_statement", column=JULY, source=Citation("plan.txt", 6))
    reading = reading_of(
        table,
        unattributed=[TextSpan("kept", 3, "text"), TextSpan("taken apart", 6, "text"), TextSpan("kept too", 9, "text")],
    )
    plan = Plan(
        new_actions=[recovered],
        updates=[(table, update)],
        spans=[TextSpan("left over", 6, "text")],
        fragments_attributed=1,
    )
    apply_plan(reading, plan, used_spans={1})
    assert [a.ref for a in reading.actions] == ["1", "2.1"]
    assert table.updates == [update]
    assert [(s.text, s.line) for s in reading.unattributed] == [("kept", 3), ("left over", 6), ("kept too", 9)]
    assert reading.warnings == [
        "interleaved columns: 1 refs (2.1 ... 2.1) recovered from run-on text of flattened table rows (marked in ref_note); "
        "1 fragment rows of position statements attributed; 21 characters stayed unattributed (23 before this recovery)"
    ]


# --- all steps: a made-up damaged plan, read by the planner ----------------------------

TABLE = [
    f"Ref\tAction\tLead\tTimeframe\t{JANUARY}",
    "1\tPlan the fair\tAmy Stone\tJan-23\tThe fair is booked for Februa",
    "1.1\tWrite a leaflet\tBen Hart\tFeb-23\tDrafts were shared with parents",
    "1.2\tTrain the staff\tCara Moss\tMar-23\tTwo sessions held so far",
    "",
]
FRAGMENTS = [f"\t{JULY}", "ruary half term\tThe fair took place and went well.", ""]
RUN_ON = [
    "Open a drop-in cafe for families. 2.1 Amy Stone Apr-23 it runs weekly.",
    "Review the offer with the forum. 2.2 Ben Hart May-23 feedback is positive.",
]

DOCUMENTS = [
    # document lines, refs read, July updates of ref 1, whether a recovery warning is given
    pytest.param(TABLE + FRAGMENTS + RUN_ON, ["1", "1.1", "1.2", "2.1", "2.2"], ["The fair took place and went well."], True, id="both-rules"),
    pytest.param(TABLE + RUN_ON, ["1", "1.1", "1.2", "2.1", "2.2"], [], True, id="run-on-refs-only"),
    pytest.param(TABLE + FRAGMENTS, ["1", "1.1", "1.2"], ["The fair took place and went well."], True, id="fragments-only"),
    pytest.param(TABLE + FRAGMENTS[:1] + RUN_ON[:1], ["1", "1.1", "1.2"], [], False, id="one-ref-and-no-fragment-change-nothing"),
    pytest.param(TABLE[:3] + [""] + FRAGMENTS + RUN_ON, ["1", "1.1"], [], False, id="no-clean-table-of-three-refs"),
]


@pytest.mark.parametrize("printed, refs, july, warned", DOCUMENTS)
def test_recover_interleaved_in_a_reading(printed: list[str], refs: list[str], july: list[str], warned: bool) -> None:
    reading = plan_document(rows_from_text("\n".join(printed)), Document(name="plan.txt", council="Testshire"))
    assert [a.ref for a in reading.actions] == refs
    first = reading.actions[0]
    assert [u.text for u in first.updates if u.column == JULY] == july
    assert any(w.startswith("interleaved columns") for w in reading.warnings) == warned
    if july:
        assert first.updates[0].text == "The fair is booked for Februa\nruary half term"
