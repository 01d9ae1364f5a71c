"""Cell clean-up, look-alike characters and rating normalisation.

Rows are real cases from the sample corpus (data/) unless marked
"made up".
"""

from __future__ import annotations

from typing import Optional

import pytest
from helpers import DATA_DIR as CORPUS_DIR
from helpers import gold_params as gold_rows
from helpers import source_line

from narrative_search.cleaning import (
    CleanText,
    clean_cell,
    is_rating,
    normalise_homoglyphs,
    normalise_rating,
)

LIST_CELL_001 = (
    "<p>District hub developments include:</p> "
    '<ul style="list-style-type: none"> '
    "<li>~ financial and commissioning arrangements finalised</li> "
    "<li>~ Plan to provide prompts for discussion</li> "
    "<li>~ needs analysis taking place to establish existing provision and any gaps.</li> "
    "</ul> <p>December 2021: All schools have accessed training, they then complete a review</p>"
)


@pytest.mark.parametrize(
    "printed, live, deleted",
    [
        # plain text: only white space changes
        ("Feb 2021: Completed (See SEND Strategy)", "Feb 2021: Completed (See SEND Strategy)", []),
        (
            "Blue - outcomes agreed  Red - Work in progress,  Amber \u2013 Work In progress",
            "Blue - outcomes agreed Red - Work in progress, Amber \u2013 Work In progress",
            [],
        ),
        ("L&G sub group reporting", "L&G sub group reporting", []),
        ("Q&A; P&notes", "Q&A; P&notes", []),  # made up: not entities
        # 001 header cell
        (
            "<p><b>Priority 3:</b> Co-production is weak. Parents feel</p>",
            "Priority 3: Co-production is weak. Parents feel",
            [],
        ),
        # 001 line 26: paragraphs and list items one a line
        (
            LIST_CELL_001,
            "District hub developments include:\n"
            "~ financial and commissioning arrangements finalised\n"
            "~ Plan to provide prompts for discussion\n"
            "~ needs analysis taking place to establish existing provision and any gaps.\n"
            "December 2021: All schools have accessed training, they then complete a review",
            [],
        ),
        # 001 line 14, evidence column: struck-through item kept apart
        (
            "5. Power BI Reports 6. SEND Newsletter(s) 7. <del>SCC Agreement 2021-2024 (SCC)</del>",
            "5. Power BI Reports 6. SEND Newsletter(s) 7.",
            ["SCC Agreement 2021-2024 (SCC)"],
        ),
        # 003 contents list
        ("1. <u>Our Vision and Values</u>", "1. Our Vision and Values", []),
        # 002: a list with "-" items and no <li>
        (
            '<ul style="list-style-type: none"> - Gather Leicestershire data - Gather regional data',
            "- Gather Leicestershire data - Gather regional data",
            [],
        ),
        # made up: malformed or tag-like text is kept
        ("x < 5 and y > 3", "x < 5 and y > 3", []),
        ("a<5 or b>6", "a<5 or b>6", []),
        ("Cost <", "Cost <", []),
        ("<Leads to confirm>", "<Leads to confirm>", []),
        ("<p>unclosed paragraph", "unclosed paragraph", []),
        ("<p class=", "<p class=", []),
        ("text <del>struck but never closed", "text struck but never closed", []),
        ("stray close</del> tag", "stray close tag", []),
        # made up: other struck-through elements, and nesting
        ("a <s>old</s> new <strike>older</strike> end", "a new end", ["old", "older"]),
        ("<p>a</p><del><p>b</p><p>c</p></del><p>d</p>", "a\nd", ["b\nc"]),
        ("keep <del>out <del>deep</del> still</del> on", "keep on", ["out deep still"]),
        # made up: entities, breaks, case, comments
        ("Health &amp; Care&nbsp;Plan &#8211; draft", "Health & Care Plan \u2013 draft", []),
        ("&lt;p&gt; is how a paragraph starts", "<p> is how a paragraph starts", []),
        ("line one<br>line two<br/>line three<BR />four", "line one\nline two\nline three\nfour", []),
        ("<P CLASS=x>Upper</P>", "Upper", []),
        ("<!-- comment -->Text", "Text", []),
        ("<td>a</td><td>b</td>", "a b", []),
        ("<p>  </p><p></p>", "", []),
        ("", "", []),
        ("   \t ", "", []),
        ("one\r\n\r\n  two  ", "one\ntwo", []),
    ],
)
def test_clean_cell(printed: str, live: str, deleted: list[str]) -> None:
    assert clean_cell(printed) == CleanText(live=live, deleted=deleted)


def test_clean_cell_keeps_every_word_of_the_corpus() -> None:
    """Every word of every sample cell is in the live or the deleted text,
    once tags are set aside: cleaning drops markup, never words."""
    tag_free = __import__("re").compile(r"<[^<>]*>")
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            for cell in line.split("\t"):
                cleaned = clean_cell(cell)
                kept = " ".join([cleaned.live, *cleaned.deleted]).split()
                words = tag_free.sub(" ", cell).split()
                assert sorted(words) == sorted(kept), cell[:80]


# --- look-alike characters ----------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\u0410", "A"),  # Cyrillic A in 000 line 12, Apr-21 column
        ("3.1 \u0421", "3.1 C"),  # made up: Cyrillic Es in a ref
        ("\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0422\u0425", "BEKMHOPTX"),
        ("\u0430\u0435\u043e\u0440\u0441\u0445", "aeopcx"),
        ("\u0391\u0392\u0395\u0397\u039a\u039c\u039f\u03a1\u03a4\u03a7", "ABEHKMOPTX"),
        ("\u0442\u0432\u0441", "tbc"),  # "твс" in 004's timeframe column
        ("\u2019D", "'D"),  # 003 OCR: "'D" for 7D
        ("\u2018x\u2032", "'x'"),
        ("1.1 \u2013 1.19 \u2014 end", "1.1 - 1.19 - end"),
        ("\u00a0G\u00a0", " G "),
        ("Green", "Green"),
    ],
)
def test_normalise_homoglyphs(text: str, expected: str) -> None:
    assert normalise_homoglyphs(text) == expected


# --- ratings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("G", "G"),
        ("g", "G"),
        ("Green", "G"),
        ("GREEN", "G"),
        ("A", "A"),
        ("Amber", "A"),
        ("AMBER", "A"),
        ("R", "R"),
        ("RED", "R"),
        ("B", "B"),
        ("BLUE", "B"),
        ("PINK", "pink"),
        ("Pink", "pink"),
        ("Grey", "grey"),
        ("GREY", "grey"),
        ("Gray", "grey"),
        ("G/A", "G/A"),  # 000 and 001 Dec-21 / Nov-21 columns
        ("A/G", "A/G"),
        ("G / A", "G/A"),
        ("Red/Amber", "R/A"),
        ("\u0410", "A"),  # Cyrillic A, 000 line 12
        (" G ", "G"),
        ("**RED**", "R"),  # 002 legend emphasis
        ("", None),
        ("   ", None),
        (None, None),
        ("-", None),  # 000 header row
        ("Completed", None),
        ("COMPLETE", None),
        ("TBC", None),
        ("Green - Completed", None),  # a legend, not a rating
        ("G/Complete", None),
    ],
)
def test_normalise_rating(printed: Optional[str], expected: Optional[str]) -> None:
    assert normalise_rating(printed) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("G", True), ("G/A", True), ("\u0410", True), ("PINK", True), ("", False), ("-", False), ("Lead", False)],
)
def test_is_rating(text: str, expected: bool) -> None:
    assert is_rating(text) is expected


@pytest.mark.parametrize("row", gold_rows("staffordshire-updates.json"))
def test_ratings_of_gold_rows(row) -> None:
    """The four RAG cells of each lettered row (tab fields 4-7) read as the gold."""
    cells = source_line(row["source"], row["line"]).split("\t")[4:8]
    assert [normalise_rating(cell) for cell in cells] == [status["rag"] for status in row["status"]]


@pytest.mark.parametrize("row", gold_rows("leicestershire-actions.json"))
def test_ratings_of_leicestershire_gold(row) -> None:
    """Every RAG word printed in 002 is a rating."""
    assert is_rating(row["rag"])
