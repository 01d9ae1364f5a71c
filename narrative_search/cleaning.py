"""Pure text clean-up for one table cell, and normalisers for ratings.

Cells arrive exactly as printed: some carry HTML fragments from the
publishing system (``<p>``, ``<ul><li>``, ``<del>``), some carry look-alike
characters from other alphabets (a Cyrillic "А" in a RAG column). The
functions here turn such a cell into plain text that still shows its list
structure, keep struck-through text apart instead of dropping it, and map
rating spellings onto one vocabulary. They never raise on odd input: a cell
that cannot be read as HTML is read as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class CleanText:
    """A cell's readable text, and the struck-through text kept apart from it."""

    live: str  # what the reader sees as current text, one list item a line
    deleted: list[str] = field(default_factory=list)  # each <del>/<s>/<strike> element


# --- HTML ------------------------------------------------------------------

# Only names of real HTML elements count as tags, so that text such as
# "<Leads to confirm>" or "a <-> b" survives as text. Word's namespaced
# elements ("<o:p>") are matched by the pattern below, not by this list.
_KNOWN_TAGS = frozenset(
    """
    a abbr b big blockquote body br caption center cite code col colgroup dd del
    div dl dt em font h1 h2 h3 h4 h5 h6 head hr html i img ins kbd label li mark
    ol p pre q s small span strike strong sub sup table tbody td tfoot th thead
    tr tt u ul
    """.split()
)

# Elements whose content is struck through: shown crossed out, so no longer
# the live text, but worth keeping as the history of the plan.
_DELETION_TAGS = frozenset({"del", "s", "strike"})

# Elements that start a new line of text, so that paragraphs and list items
# stay one per line once the tags are gone.
_BREAK_TAGS = frozenset(
    """
    blockquote br caption dd div dl dt h1 h2 h3 h4 h5 h6 hr li ol p pre table
    tbody tfoot thead tr ul
    """.split()
)

# Cells of an HTML table inside a cell: separate them by a space, not glue.
_SPACE_TAGS = frozenset({"td", "th"})

# A tag: "<" directly followed by a name (or "/" and a name), then optional
# attributes that contain no "<" or ">", then ">". A lone "<" as in "x < 5"
# is followed by a space, so it never matches; "<5" neither.
_TAG = re.compile(
    r"""
    <(?P<close>/?)
    (?P<name>[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)?)  # p, LI, o:p
    (?P<attrs>(?:\s[^<>]*)?)                                    # style="..."
    /?>
    """,
    re.VERBOSE,
)

# HTML comments (Word leaves "<!-- ... -->" and conditional comments).
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

# Entities only in their complete form "&name;" / "&#65;" / "&#x41;":
# html.unescape alone also decodes legacy forms without ";", which would
# turn an ordinary "P&notes" into "P¬es".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Horizontal whitespace of any kind (spaces, tabs, no-break spaces, "\r").
_HSPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    name: str  # lower case
    closing: bool


def _find_tags(text: str) -> list[_Tag]:
    """Every real tag in the text, in order; tag-like text with an unknown
    name is left alone because it is more likely prose than markup."""
    tags = []
    for match in _TAG.finditer(text):
        name = match.group("name").lower()
        if name in _KNOWN_TAGS or ":" in name:
            tags.append(_Tag(match.start(), match.end(), name, bool(match.group("close"))))
    return tags


def _deleted_spans(tags: list[_Tag]) -> list[tuple[int, int]]:
    """(first tag index, last tag index) of each outermost, properly closed
    deletion element.

    An opening ``<del>`` that is never closed is ignored, so its text stays
    live: a stray tag must not make the rest of a cell disappear.
    """
    spans: list[tuple[int, int]] = []
    open_stack: list[int] = []
    for index, tag in enumerate(tags):
        if tag.name not in _DELETION_TAGS:
            continue
        if not tag.closing:
            open_stack.append(index)
        elif open_stack:
            opened = open_stack.pop()
            if not open_stack:  # outermost element closed
                spans.append((opened, index))
    return spans


def _render(text: str, tags: list[_Tag], start: int, end: int) -> str:
    """text[start:end] with the tags inside it replaced by newline, space or
    nothing, according to what the element does to the layout."""
    parts: list[str] = []
    position = start
    for tag in tags:
        if tag.start < start or tag.end > end:
            continue
        parts.append(text[position : tag.start])
        if tag.name in _BREAK_TAGS:
            parts.append("\n")
        elif tag.name in _SPACE_TAGS:
            parts.append(" ")
        position = tag.end
    parts.append(text[position:end])
    return "".join(parts)


def _unescape_entities(text: str) -> str:
    return _ENTITY.sub(lambda match: html.unescape(match.group(0)), text)


def _tidy_whitespace(text: str) -> str:
    """One space for each run of horizontal whitespace, lines stripped,
    empty lines dropped: layout noise, not content."""
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _finish(text: str) -> str:
    return _tidy_whitespace(_unescape_entities(text))


def clean_cell(text: str) -> CleanText:
    """Split a printed cell into its live text and its struck-through text.

    Paragraph, line-break and list-item boundaries become newlines, so a
    bulleted list stays one item a line and date stamps at the start of a
    paragraph still sit at the start of a line. Entities are decoded after
    the tags are gone, so an escaped "&lt;p&gt;" stays text. Text without
    tags or entities only has its whitespace tidied.
    """
    if not text:
        return CleanText(live="", deleted=[])
    text = _COMMENT.sub(" ", text)
    tags = _find_tags(text)
    spans = _deleted_spans(tags)

    live_parts: list[str] = []
    deleted: list[str] = []
    position = 0  # next character not yet rendered into live text
    for first, last in spans:
        opening, closing = tags[first], tags[last]
        live_parts.append(_render(text, tags, position, opening.start))
        inner = _finish(_render(text, tags, opening.end, closing.start))
        if inner:
            deleted.append(inner)
        # Keep a boundary where the deletion was, so words either side of a
        # struck-through block are not glued together.
        live_parts.append(" ")
        position = closing.end
    live_parts.append(_render(text, tags, position, len(text)))
    return CleanText(live=_finish("".join(live_parts)), deleted=deleted)


# --- look-alike characters --------------------------------------------------

# Characters that print like a Latin letter or ASCII punctuation. PDF and
# Word extraction (and typing on a Cyrillic keyboard layout) leave these in
# ratings and refs, where "А" (Cyrillic) must read as "A".
_HOMOGLYPHS = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
    "Х": "X", "Ү": "Y",
    # Cyrillic small letters that look like Latin small letters
    "а": "a", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "о": "o", "р": "p",
    "с": "c", "у": "y", "х": "x", "һ": "h", "ԁ": "d",
    # Cyrillic small letters printed as small capitals ("твс" reads "TBC")
    "в": "b", "к": "k", "м": "m", "н": "h", "т": "t",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
    "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small omicron
    "ο": "o",
    # quotes and primes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    # dashes and minus signs
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    # spaces that are not plain spaces
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
}
# Invisible characters that would make two equal refs compare unequal.
_INVISIBLE = {"\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None}
_HOMOGLYPH_TABLE = str.maketrans({**_HOMOGLYPHS, **_INVISIBLE})


def normalise_homoglyphs(text: str) -> str:
    """Replace look-alike letters, quotes, dashes and spaces by ASCII.

    Meant for short codes (ratings, refs), where a look-alike is a slip:
    applied to free text it would corrupt real Cyrillic or Greek words.
    """
    return text.translate(_HOMOGLYPH_TABLE)


# --- ratings ----------------------------------------------------------------

_RATING_WORDS = {
    "g": "G", "green": "G",
    "a": "A", "amber": "A",
    "r": "R", "red": "R",
    "b": "B", "blue": "B",
    "pink": "pink",
    "grey": "grey", "gray": "grey",
}

# Between the parts of a mixed rating: "G/A", "G / A", "Amber-Green".
_RATING_SEPARATOR = re.compile(r"\s*[/-]\s*")

# Emphasis and punctuation printed around a rating word: "**RED**", "G."
_RATING_DECORATION = " \t*._:;,()[]"


def _rating_part(part: str) -> Optional[str]:
    return _RATING_WORDS.get(part.strip(_RATING_DECORATION).lower())


def normalise_rating(printed: Optional[str]) -> Optional[str]:
    """The rating a cell means, as R, A, G, B, pink, grey or a mix like "G/A".

    Returns None for an empty cell and for anything that is not a rating;
    the caller keeps the printed value either way, so nothing is lost by
    refusing to guess.
    """
    if printed is None:
        return None
    text = normalise_homoglyphs(printed).strip(_RATING_DECORATION)
    if not text or set(text) <= set("-/ "):
        return None
    parts = _RATING_SEPARATOR.split(text)
    ratings = [_rating_part(part) for part in parts]
    if not ratings or any(rating is None for rating in ratings):
        return None
    return "/".join(rating for rating in ratings if rating is not None)


def is_rating(text: Optional[str]) -> bool:
    """Whether the text is a rating (single or mixed) once normalised."""
    return normalise_rating(text) is not None
