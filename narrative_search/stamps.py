"""Dates as printed: month-years in column headers, due dates, progress
stamps in table cells, and date phrases in prose.

Progress cells are written as a running log: each update starts with the
date it was written ("Feb 2021: ...", "Oct/Nov 2019: ...", "May 21: ...",
"November 2021- ...", "26/07/2019: ...", "Update May 2021: ...").
:func:`split_updates` cuts a cell at those stamps so every update keeps its
own date. What makes a date a stamp (tests/gold/README.md has the rules the
sample corpus fixed):

- a colon after it, anywhere ("... developments Oct 2019: L&G group");
- at the start of the cell, a line or a sentence: a dash or a capitalised
  word after it ("July 2019 - The", "January 2020 \u2013 Underway.",
  "Feb 2021 Group report");
- after an "Update" label ("Update May 2021", "Update - May 2021"), which
  is part of the stamp: a dash, a colon or any word after it;
- inside a sentence with no full stop before it: a dash spaced on both
  sides and a capitalised word ("... Graduated response 28th January 2020
  - Underway."), unless the word before ties the date to the sentence
  ("by", "in", "from", ...: "in place by Sept 2021 - 1/3 of ...").

Dates that are part of a sentence ("the panel met on 3 March 2020 and
agreed", "(Jan 2020)", "taking place in Nov 2021.") are text, not stamps.

Numeric dates are UK day-first, always: "06/01/2020" is 6 January 2020,
never 1 June, and "dd/mm/yy" is 20yy. A numeric date that is no real day
("31/09/2020") names no month: it is never a stamp, and as a due date it
gives None (the caller keeps the printed text).

Prose dates (:func:`parse_date_phrase`, :func:`find_date_phrases`) are
described where they are defined, below.

A month is written "YYYY-MM" (:data:`narrative_search.months.Month`);
checking, counting and showing months is :mod:`narrative_search.months`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Optional

from narrative_search.months import Month, month_of

# Month names as printers write them: full, three letters, and "Sept".
# The optional endings are greedy, so "September" is read whole; what may
# follow the name (see _MONTH_YEAR) keeps "Mayor" or "Marching" out.
_MONTH_NAME = r"""
    (?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?
      |Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)
"""

# White space within one line: a date is never split across lines, and a
# number at the end of the line above is not its day.
_SP = r"[^\S\n]"

_DASH = "-\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen, en and em dash, ...
# The same characters for use inside a regex character class, where a bare
# "-" after "/" would make a range.
_DASH_CLASS = "".join(re.escape(char) for char in _DASH)

# A month-year, with the parts named for the parsers below:
#   "Oct 2019", "October 2019", "Sept 2019", "May 21", "Dec-19",
#   "Oct/Nov 2019", "Oct-Nov 2019", "30 Sept 2019", "Sept. 2019".
# The year must not run on into more digits or a "/" ("Sept 2021/22" is an
# academic year, "May 21st" a day), hence the look-ahead at the end.
_MONTH_YEAR = rf"""
    (?:(?<!\w)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_SP}+)?  # optional day: "30 Sept 2019"
    \b(?P<month>{_MONTH_NAME})\.?                        # "Oct", "Sept.", not "Dismay"
    (?:{_SP}*[/{_DASH_CLASS}]{_SP}*(?P<month2>{_MONTH_NAME})\.?)?  # range: "Oct/Nov", "Oct-Nov"
    (?:{_SP}*[{_DASH_CLASS}]{_SP}*|,?{_SP}+)                    # "Dec 2019", "Dec-19", "Dec, 2019"
    (?P<year>(?:19|20)\d\d|\d\d)                         # "2019" or "19" (20YY)
    (?![\d/])(?!\w)
"""
MONTH_YEAR = re.compile(_MONTH_YEAR, re.VERBOSE | re.IGNORECASE)

_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def _number_of_month_name(name: str) -> int:
    return _MONTH_NUMBERS[name[:3].lower()]


def _year(printed: str) -> int:
    """Four-digit year; two digits are this century ("May 21" is 2021)."""
    year = int(printed)
    return year if len(printed) == 4 else 2000 + year


def _months_of(match: re.Match[str]) -> tuple[str, str]:
    """(start, end) of a MONTH_YEAR match.

    The year is printed once, after the last month of a range; a range that
    wraps ("Dec/Jan 2020") starts in the year before.
    """
    year = _year(match.group("year"))
    first = _number_of_month_name(match.group("month"))
    if match.group("month2") is None:
        month = month_of(year, first)
        return month, month
    last = _number_of_month_name(match.group("month2"))
    start_year = year - 1 if last < first else year
    return month_of(start_year, first), month_of(year, last)


def parse_month(text: str) -> Optional[tuple[Month, Month]]:
    """(start, end) of a month-year expression, end == start for one month.

    The whole text must be the date (a trailing ":" or dash from a stamp is
    allowed); anything else is None, because a caller asking "which month is
    this" must not get a month found somewhere inside a sentence.
    """
    candidate = text.strip().rstrip(":" + _DASH).strip()
    match = MONTH_YEAR.fullmatch(candidate)
    if match is None:
        return None
    return _months_of(match)


def parse_column_month(label: str) -> Month:
    """The month a column header names: "Dec-19", "Position Statement
    January 2022". None when the label holds no month-year."""
    match = MONTH_YEAR.search(label)
    return _months_of(match)[0] if match else None


# A day/month/year date as typed in due-date cells: "30/09/2020", and the
# slip "31/10//2020" (a doubled slash still separates the same three parts).
_NUMERIC_DATE = re.compile(
    r"""
    (?<!\d)
    (?P<day>\d{1,2}) \s*/+\s* (?P<month>\d{1,2}) \s*/+\s* (?P<year>\d{4}|\d{2})
    (?!\d)
    """,
    re.VERBOSE,
)


def _numeric_month(match: re.Match[str]) -> Month:
    """The month of a dd/mm/yyyy date, or None when no such day exists.

    "31/09/2020" is printed in a real plan: September has 30 days, so the
    intended date is unknowable (30 Sept? 31 Oct?) and no month is given.
    """
    try:
        date = datetime.date(
            _year(match.group("year")), int(match.group("month")), int(match.group("day"))
        )
    except ValueError:
        return None
    return month_of(date.year, date.month)


def parse_due(printed: str) -> Month:
    """The month a due / completion / timeframe cell names, or None.

    The last date in the text wins: "To be agreed by CCG by 31/10/2020" and
    "in place from July 2020, D2 ... from September 2020" are due at their
    final date. Seasons ("Autumn 2019") and "TBC" are not months and give
    None; the caller keeps the printed text in every case.
    """
    if not printed:
        return None
    found: list[tuple[int, Month]] = []
    for match in _NUMERIC_DATE.finditer(printed):
        found.append((match.start(), _numeric_month(match)))
    for match in MONTH_YEAR.finditer(printed):
        found.append((match.start(), _months_of(match)[1]))
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]


# --- progress stamps ---------------------------------------------------------


@dataclass(frozen=True)
class StampedPiece:
    """One update of a progress cell: its stamp as printed and its text."""

    stamp: Optional[str]  # e.g. "Oct/Nov 2019"; None for undated text
    start: Month
    end: Month
    text: str  # after the stamp and its separator, stripped
    offset: int  # where the stamp (or the undated text) starts in the input


# A day/month/year stamp: "26/07/2019:", "06/01/20 -". Tighter than
# _NUMERIC_DATE (no spaces inside, so "1 / 3 / 20" in a sentence is not a
# stamp) and never part of a longer run of numbers and slashes.
_NUMERIC_STAMP = re.compile(r"(?<![\d/])(?P<day>\d{1,2})/{1,2}(?P<month>\d{1,2})/{1,2}(?P<year>\d{4}|\d{2})(?![\d/])")

# What may follow a date for it to be a stamp.
# Anywhere: a colon ("... developments Oct 2019: L&G group ...").
_COLON_AFTER = re.compile(r"\s*:\s*")
# At the start of a sentence: a dash, spaced or not ("July 2019 - The",
# "November 2021- TAC") ...
_DASH_AFTER = re.compile(rf"[^\S\n]*[{_DASH_CLASS}]\s*")
# ... or straight into a capitalised word ("Feb 2021 Group report ...").
_CAPITAL_AFTER = re.compile(r"\s+(?=[A-Z])")
# After an "Update" label, any word ("Update - June 2021 more ...").
_ANY_SPACE_AFTER = re.compile(r"\s+")
# Inside a sentence: a dash spaced on both sides, then a capitalised word
# ("... Graduated response 28th January 2020 - Underway."), a new update
# written on without a full stop.
_SPACED_DASH_CAPITAL_AFTER = re.compile(rf"[^\S\n]+[{_DASH_CLASS}][^\S\n]+(?=[A-Z])")

# A label printed before the date of an update: "Update May 2021:",
# "Update - May 2021", "Updated: 06/01/2020". It belongs to the stamp.
_UPDATE_LABEL = re.compile(rf"(?<!\w)(?:Updated?|UPDATED?)(?:{_SP}*[:{_DASH_CLASS}])?{_SP}*\Z")

# Words that make a date inside a sentence part of that sentence: "by Sept
# 2021 - 1/3 of ...", "launched in January 2022 - Schools ...".
_SENTENCE_WORDS = frozenset(
    """
    about after and around as at before beginning between by circa dated due during
    early end from in into late mid of on or over since start than the through till
    to until w/c week within
    """.split()
)
_WORD_BEFORE = re.compile(r"(?P<word>[\w/]+)[^\S\n]*\Z")

# List bullets that may stand before a stamp at the start of a line.
_BULLETS = "~•*" + _DASH


@dataclass(frozen=True)
class _Stamp:
    """A date that starts an update: where it is and what it names."""

    start: int  # where the stamp (its "Update" label, if any) starts
    end: int  # where the date ends
    months: tuple[str, str]
    separator: re.Match[str]  # what joins the stamp to its text


def _starts_sentence(text: str, position: int) -> bool:
    """Whether position is at the start of the cell, of a line (after
    indentation or a bullet such as "~ "), or of a sentence (after ". ",
    "! ", "? ")."""
    before = text[:position]
    trimmed = before.rstrip(" \t")
    if not trimmed or trimmed.endswith("\n"):
        return True
    spaced = len(trimmed) < len(before)  # white space right before the date
    if spaced and trimmed[-1] in _BULLETS:
        ahead_of_bullet = trimmed[:-1].rstrip(" \t")
        if not ahead_of_bullet or ahead_of_bullet.endswith("\n"):
            return True
    return spaced and trimmed[-1] in ".!?"


def _in_sentence(text: str, position: int) -> bool:
    """Whether the word before position ties a date to its sentence ("by", "in")."""
    word = _WORD_BEFORE.search(text, max(0, position - 20), position)
    return word is not None and word.group("word").lower() in _SENTENCE_WORDS


def _separator_after(text: str, start: int, end: int, labelled: bool) -> Optional[re.Match[str]]:
    """The separator that makes the date text[start:end] a stamp, or None
    when the date is part of a sentence ("in place by Sept 2021 - 1/3 of ...").

    A colon makes a stamp anywhere. At the start of a sentence a dash or a
    capitalised word does too; after an "Update" label, any word. Inside a sentence
    a spaced dash and a capitalised word do, unless a word such as "by" or
    "in" ties the date to the sentence before it.
    """
    colon = _COLON_AFTER.match(text, end)
    if colon:
        return colon
    if labelled:
        return _DASH_AFTER.match(text, end) or _ANY_SPACE_AFTER.match(text, end)
    if _starts_sentence(text, start):
        return _DASH_AFTER.match(text, end) or _CAPITAL_AFTER.match(text, end)
    if _in_sentence(text, start):
        return None
    return _SPACED_DASH_CAPITAL_AFTER.match(text, end)


def _dates_in(text: str) -> list[tuple[int, int, tuple[str, str]]]:
    """(start, end, (first month, last month)) of every date that may be a
    stamp: month-years with a capitalised month ("may 21" is a verb and a
    number) and real day/month/year dates (UK order, see the module doc)."""
    found = [
        (match.start(), match.end(), _months_of(match))
        for match in MONTH_YEAR.finditer(text)
        if match.group("month")[0].isupper()
    ]
    for match in _NUMERIC_STAMP.finditer(text):
        month = _numeric_month(match)
        if month is not None:
            found.append((match.start(), match.end(), (month, month)))
    return sorted(found)


def _stamps(text: str) -> list[_Stamp]:
    """Every stamp of a cell, in order."""
    stamps = []
    for start, end, months in _dates_in(text):
        label = _UPDATE_LABEL.search(text, max(0, start - 20), start)
        stamp_start = label.start() if label else start
        separator = _separator_after(text, stamp_start, end, labelled=label is not None)
        if separator is not None:
            stamps.append(_Stamp(stamp_start, end, months, separator))
    return stamps


def split_updates(text: str) -> list[StampedPiece]:
    """Cut a cleaned progress cell into its dated updates.

    Text before the first stamp (or a cell with no stamp) is one undated
    piece. Nothing is dropped: every character of the input is in a stamp,
    its separator (":" / dash / white space), a piece's text, or white
    space between pieces. A stamp with nothing after it still gives a piece,
    with empty text, so its date is not lost.
    """
    stamps = _stamps(text)
    pieces: list[StampedPiece] = []
    first_stamp = stamps[0].start if stamps else len(text)
    leading = text[:first_stamp]
    if leading.strip():
        offset = len(leading) - len(leading.lstrip())
        pieces.append(StampedPiece(None, None, None, leading.strip(), offset))
    for index, stamp in enumerate(stamps):
        following = stamps[index + 1].start if index + 1 < len(stamps) else len(text)
        pieces.append(
            StampedPiece(
                stamp=text[stamp.start : stamp.end],
                start=stamp.months[0],
                end=stamp.months[1],
                text=text[stamp.separator.end() : following].strip(),
                offset=stamp.start,
            )
        )
    return pieces
