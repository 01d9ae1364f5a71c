"""Months: the one place that knows how a "YYYY-MM" month is checked, counted and shown.

A month is the string "YYYY-MM" (:data:`Month`, None for no month). Such
strings sort in time order, so callers compare them with ``<`` and ``max``;
what needs more than comparing lives here:

- validation: :func:`is_month`, :func:`check_month`;
- arithmetic: :func:`month_of`, :func:`month_number` and
  :func:`month_from_number` (a month as a count of months, for numeric range
  filters), :func:`add_months`, :func:`months_between`;
- display: :func:`month_label` ("Feb 2021"), :func:`first_day` ("2021-02-01");
- the no-month sentinel: :data:`AFTER_EVERY_MONTH` and :func:`month_sort_key`
  (no month sorts last), :data:`NO_MONTH_NUMBER`.

Reading months out of printed text ("Oct/Nov 2019:", "Sept 22",
"30/09/2020") is :mod:`narrative_search.stamps`.
"""

from __future__ import annotations

import re
from typing import Optional

from .errors import NarrativeSearchError

Month = Optional[str]  # "YYYY-MM" or None

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Sorts after every "YYYY-MM" month: the key of "no month" where undated
# things go last, and the bound "at any time" (the latest rating of all).
AFTER_EVERY_MONTH = "9999-99"

# :func:`month_number` of no month; every real month's number is >= 0.
NO_MONTH_NUMBER = -1


# -- validation ----------------------------------------------------------------


def is_month(value: object) -> bool:
    """Whether ``value`` is a month written "YYYY-MM" (month 01 to 12)."""
    return isinstance(value, str) and _MONTH.match(value) is not None


def check_month(value: Optional[str], what: str = "month") -> Month:
    """``value`` if it is a "YYYY-MM" month (or None), else a NarrativeSearchError."""
    if value is None:
        return None
    if not is_month(value):
        raise NarrativeSearchError(f"{what} must be a month written YYYY-MM, not {value!r}")
    return value


# -- arithmetic ----------------------------------------------------------------


def month_of(year: int, number: int) -> str:
    """The month ``number`` (1 to 12) of ``year`` as "YYYY-MM"."""
    return f"{year:04d}-{number:02d}"


def month_number(month: Month) -> int:
    """ "YYYY-MM" as a count of months since year 0 (for range filters); :data:`NO_MONTH_NUMBER` for no month."""
    if not month:
        return NO_MONTH_NUMBER
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_number(number: int) -> str:
    """The month :func:`month_number` counted to ``number``."""
    return month_of(number // 12, number % 12 + 1)


def add_months(month: str, count: int) -> str:
    """The month ``count`` months after ``month`` (before it if negative)."""
    return month_from_number(month_number(month) + count)


def months_between(earlier: str, later: str) -> int:
    """Whole months from ``earlier`` to ``later`` ("2020-01" to "2021-12" is 23)."""
    return month_number(later) - month_number(earlier)


# -- display -------------------------------------------------------------------


def month_label(month: Month) -> str:
    """"2021-02" as "Feb 2021"; no month as ""; anything not a month unchanged."""
    if month is None or not _MONTH.match(month):
        return month or ""
    year, number = month.split("-")
    return f"{_MONTH_NAMES[int(number) - 1]} {year}"


def first_day(month: str) -> str:
    """The first day of ``month`` as an ISO date ("2021-02" -> "2021-02-01"), for charts."""
    return f"{month}-01"


# -- ordering ------------------------------------------------------------------


def month_sort_key(month: Month) -> str:
    """Sort key of a month that puts no month after every month."""
    return month or AFTER_EVERY_MONTH
