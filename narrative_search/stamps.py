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

from narrative_search.model import DatePhrase
from narrative_search.months import Month, add_months, is_month, month_of

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


# --- date phrases in prose ---------------------------------------------------
#
# Prose dates its progress in words: "Position as of June 2022", "Autumn Term
# 2020", "end of last year", "Q1 2022/23". Each phrase is read as a range of
# months (start == end for one month); the printed words are kept as they are.
#
# - A day, month and year ("3rd February 2021", "Tuesday 31st January 2023",
#   "15/06/2023", "26.07.2019": UK day first, as for stamps), a month-year
#   ("February 2020", "Feb 2020", "Oct/Nov 2019"), or a span ("January to
#   March 2021", "between June and August 2021"). Prose needs a four-digit
#   year: "May 21" in a sentence is a day in May, "1.2.20" a version.
# - School terms: autumn Sep-Dec, spring Jan-Apr, summer Apr-Jul (it starts
#   after Easter, which falls in March or April, so spring and summer both
#   reach April). "Autumn Term 2020/21" names the academic year: autumn 2020,
#   spring and summer 2021. A bare "spring term" is the term of the academic
#   year (September to August) holding the page's month.
# - Seasons with a year: spring Mar-May, summer Jun-Aug, autumn Sep-Nov.
#   Winter spans two years and is left unread.
# - UK financial years, April to March: "2022/23" (also "2022-23") is Apr 2022
#   to Mar 2023, "Q1 2022/23" Apr-Jun 2022 ... "Q4 2022/23" Jan-Mar 2023.
#   After "academic year" the same "2021/22" is September to August. A
#   quarter without its financial year ("Q1 2022") is not read.
# - Relative to the page's month: "last year" / "this year" / "next year"
#   (January to December), "end of last year" and "end of the year"
#   (December), "beginning of this year" (January), "earlier this year"
#   (January to the page's month), "later this year" (the page's month to
#   December), "last month" / "this month" / "next month".
# - A day and month without a year ("26 February") and a month named alone
#   ("November progress update", a full name with a capital; not "May", too
#   often the verb) take the latest such month up to one month after the
#   page's month: minutes of a September 2022 meeting speak of November 2021
#   and of the October coming. Without a page month these give nothing.

_WEEKDAY_BEFORE = re.compile(rf"(?<!\w)(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?{_SP}+\Z")
_YEAR4 = r"(?:19|20)\d\d"
_SPAN_WORD = rf"(?:to|until|till|{_SP}*[{_DASH_CLASS}])"

_MONTH_SPAN = re.compile(
    rf"""
    (?P<between>(?<!\w)between{_SP}+)?                           # "between June and August 2021"
    \b(?P<month>{_MONTH_NAME})\.?(?:,?{_SP}+(?P<year>{_YEAR4}))?   # "January" or "Nov 2019"
    {_SP}+(?(between)and|{_SPAN_WORD}){_SP}+
    (?P<month2>{_MONTH_NAME})\.?,?{_SP}+(?P<year2>{_YEAR4})(?![\d/])(?!\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# "26.07.2019": dotted, always with a four-digit year ("1.2.20" is a version number).
_DOTTED_DATE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)(?!\d)(?!\.\d)")
_DAY_MONTH = re.compile(
    rf"(?<!\w)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_SP}+(?P<month>{_MONTH_NAME})\b(?!\.?,?{_SP}*\d)",
    re.VERBOSE | re.IGNORECASE,  # verbose for _MONTH_NAME
)
_TERM = re.compile(
    rf"""
    (?<!\w)(?P<term>autumn|spring|summer)(?:{_SP}+|-)term
    (?:{_SP}+(?P<year>{_YEAR4})(?:[/{_DASH_CLASS}](?P<year2>\d\d(?:\d\d)?))?)?(?![\d/])(?!\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_SEASON = re.compile(rf"(?<!\w)(?P<season>spring|summer|autumn),?{_SP}+(?P<year>{_YEAR4})(?![\d/])(?!\w)", re.IGNORECASE)
_FINANCIAL_YEAR = rf"(?P<year>{_YEAR4})[/{_DASH_CLASS}](?P<year2>\d\d(?:\d\d)?)(?![\d/])(?!\w)"
_QUARTER = re.compile(
    rf"(?<!\w)(?:Q|Quarter{_SP}*)(?P<quarter>[1-4]),?{_SP}+(?:of{_SP}+)?(?:FY{_SP}*)?{_FINANCIAL_YEAR}",
    re.IGNORECASE,
)
# A month before the years ("Sept 2021/22") makes the span unclear: not read.
_YEAR_SPAN = re.compile(
    rf"(?<![\w/])(?P<academic>academic{_SP}+year{_SP}+)?(?P<month>{_MONTH_NAME}\.?{_SP}+)?{_FINANCIAL_YEAR}",
    re.VERBOSE | re.IGNORECASE,
)
_RELATIVE = re.compile(
    rf"""
    (?<!\w)(?:(?P<part>end|beginning|start){_SP}+of{_SP}+(?:the{_SP}+)?|(?P<when>earlier|later){_SP}+)?
    (?P<which>last|this|next|(?(part)the|(?!))){_SP}+(?P<unit>year|month)(?!\w)
    """,
    re.VERBOSE | re.IGNORECASE,
)

# A full month name alone: a capital, no day before it, no year after it.
_BARE_MONTH = re.compile(
    rf"""
    (?<!\d{_SP})(?<!(?:st|nd|rd|th){_SP})(?<![\w/{_DASH_CLASS}])
    (?P<month>January|February|March|April|June|July|August|September|October|November|December)
    (?!\w)(?!\.?,?{_SP}*[\d/{_DASH_CLASS}])
    """,
    re.VERBOSE,
)

# First and last month of each term and season, and the year it falls in
# counted from the autumn that starts its academic year (0) or the next (1).
_TERMS = {"autumn": (9, 12, 0), "spring": (1, 4, 1), "summer": (4, 7, 1)}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11)}
_QUARTER_START = {1: 4, 2: 7, 3: 10, 4: 1}  # first month of each financial quarter

# What a phrase reads as: (first month, last month, day or None, relative).
_Reading = tuple[str, str, Optional[int], bool]


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _page_year_and_month(page_month: Month) -> Optional[tuple[int, int]]:
    if not page_month or not is_month(page_month):
        return None
    return int(page_month[:4]), int(page_month[5:7])


def _second_year(first: int, printed: str) -> Optional[int]:
    """The year after ``first`` as printed ("23" or "2023"), or None when
    the two are not consecutive ("2019/21" is no financial year)."""
    second = int(printed) if len(printed) == 4 else first // 100 * 100 + int(printed)
    return second if second == first + 1 else None


def _read_month_year(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    if not match.group("month")[0].isupper() or len(match.group("year")) != 4:
        return None  # "may 2020" is a verb; "May 21" in prose is a day
    start, end = _months_of(match)
    day = match.group("day")
    if day is None:
        return start, end, None, False
    if match.group("month2") or not _real_day(int(start[:4]), int(start[5:]), int(day)):
        return None
    return start, end, int(day), False


def _read_month_span(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    if not (match.group("month")[0].isupper() and match.group("month2")[0].isupper()):
        return None
    last_year = int(match.group("year2"))
    first, last = _number_of_month_name(match.group("month")), _number_of_month_name(match.group("month2"))
    first_year = int(match.group("year")) if match.group("year") else last_year - (first > last)
    if (first_year, first) > (last_year, last):
        return None
    return month_of(first_year, first), month_of(last_year, last), None, False


def _read_numeric(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    month = _numeric_month(match)
    return (month, month, int(match.group("day")), False) if month else None


def _latest_year(page: tuple[int, int], number: int) -> int:
    """The year of month ``number`` named without one on a page of month ``page``:
    the latest up to one month after the page's month."""
    return page[0] - 1 if number > page[1] + 1 else page[0]


def _read_day_month(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    page = _page_year_and_month(page_month)
    if page is None or not match.group("month")[0].isupper():
        return None
    number, day = _number_of_month_name(match.group("month")), int(match.group("day"))
    year = _latest_year(page, number)
    if not _real_day(year, number, day):
        return None
    month = month_of(year, number)
    return month, month, day, True


def _read_bare_month(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    page = _page_year_and_month(page_month)
    if page is None:
        return None
    number = _number_of_month_name(match.group("month"))
    month = month_of(_latest_year(page, number), number)
    return month, month, None, True


def _read_term(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    first, last, offset = _TERMS[match.group("term").lower()]
    relative = match.group("year") is None
    if relative:
        page = _page_year_and_month(page_month)
        if page is None:
            return None
        autumn = page[0] if page[1] >= 9 else page[0] - 1  # the academic year holding the page
        year = autumn + offset
    elif match.group("year2"):
        autumn = int(match.group("year"))
        if _second_year(autumn, match.group("year2")) is None:
            return None
        year = autumn + offset
    else:
        year = int(match.group("year"))
    return month_of(year, first), month_of(year, last), None, relative


def _read_season(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    first, last = _SEASONS[match.group("season").lower()]
    year = int(match.group("year"))
    return month_of(year, first), month_of(year, last), None, False


def _read_quarter(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    year = int(match.group("year"))
    if _second_year(year, match.group("year2")) is None:
        return None
    first = _QUARTER_START[int(match.group("quarter"))]
    start = month_of(year + (first < 4), first)
    return start, add_months(start, 2), None, False


def _read_year_span(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    year = int(match.group("year"))
    if match.group("month") or _second_year(year, match.group("year2")) is None:
        return None
    first = 9 if match.group("academic") else 4
    start = month_of(year, first)
    return start, add_months(start, 11), None, False


def _read_relative(match: re.Match[str], page_month: Month) -> Optional[_Reading]:
    page = _page_year_and_month(page_month)
    if page is None:
        return None
    step = {"last": -1, "this": 0, "the": 0, "next": 1}[match.group("which").lower()]
    part = (match.group("part") or "").lower()
    if match.group("unit").lower() == "month":
        month = add_months(month_of(*page), step)
        return month, month, None, True
    year = page[0] + step
    first, last = (12 if part == "end" else 1), (1 if part in ("beginning", "start") else 12)
    when = (match.group("when") or "").lower() if step == 0 else ""  # "earlier last year": all of it
    if when == "earlier":
        last = page[1]
    elif when == "later":
        first = page[1]
    return month_of(year, first), month_of(year, last), None, True


# Each pattern with its reader. Where two phrases overlap, the one that
# starts first wins, and of two starting together the longer.
_PHRASE_READERS = [
    (MONTH_YEAR, _read_month_year),
    (_MONTH_SPAN, _read_month_span),
    (_NUMERIC_STAMP, _read_numeric),
    (_DOTTED_DATE, _read_numeric),
    (_DAY_MONTH, _read_day_month),
    (_BARE_MONTH, _read_bare_month),
    (_TERM, _read_term),
    (_SEASON, _read_season),
    (_QUARTER, _read_quarter),
    (_YEAR_SPAN, _read_year_span),
    (_RELATIVE, _read_relative),
]


def _phrase(text: str, match: re.Match[str], reading: _Reading) -> DatePhrase:
    """The phrase of a match, with a weekday printed before its day ("Tuesday 31st")."""
    start, end, day, relative = reading
    offset = match.start()
    if day is not None:
        weekday = _WEEKDAY_BEFORE.search(text, max(0, offset - 12), offset)
        offset = weekday.start() if weekday else offset
    return DatePhrase(text[offset : match.end()], start, end, offset, day, relative)


def find_date_phrases(text: str, page_month: Month = None) -> list[DatePhrase]:
    """Every date phrase in ``text``, in order, with where each starts.

    ``page_month`` ("YYYY-MM": the page's or meeting's date) resolves the
    phrases that need one ("spring term", "end of last year", "26
    February"); without it they are left out. See the notes above for what
    each phrase is read as.
    """
    found = []
    for pattern, read in _PHRASE_READERS:
        for match in pattern.finditer(text):
            reading = read(match, page_month)
            if reading is not None:
                found.append(_phrase(text, match, reading))
    found.sort(key=lambda phrase: (phrase.offset, -len(phrase.printed)))
    phrases: list[DatePhrase] = []
    for phrase in found:
        if not phrases or phrase.offset >= phrases[-1].offset + len(phrases[-1].printed):
            phrases.append(phrase)
    return phrases


def parse_date_phrase(text: str, page_month: Month = None) -> Optional[DatePhrase]:
    """The first date phrase in ``text`` (a heading, a lead line), or None.

    "Position as of June 2022" gives "June 2022" (2022-06 to 2022-06);
    "Autumn Term 2020" gives 2020-09 to 2020-12; "end of last year" with
    page month 2021-03 gives 2020-12, marked relative. See
    :func:`find_date_phrases`.
    """
    phrases = find_date_phrases(text, page_month)
    return phrases[0] if phrases else None
