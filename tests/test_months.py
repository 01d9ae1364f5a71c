"""Months: validation, arithmetic across year ends, labels and the no-month sentinel (narrative_search/months.py)."""

from __future__ import annotations

from typing import Optional

import pytest

from narrative_search.errors import NarrativeSearchError
from narrative_search.months import (
    AFTER_EVERY_MONTH,
    NO_MONTH_NUMBER,
    add_months,
    check_month,
    first_day,
    is_month,
    month_from_number,
    month_label,
    month_number,
    month_of,
    month_sort_key,
    months_between,
)

# --- validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2021-01", True),
        ("2021-12", True),
        ("0999-06", True),
        ("2021-00", False),
        ("2021-13", False),
        ("2021-1", False),
        ("21-01", False),
        ("2021/01", False),
        ("2021-01-01", False),
        (" 2021-01", False),
        ("2021-01 ", False),
        ("Jan 2021", False),
        ("", False),
        (AFTER_EVERY_MONTH, False),
        (None, False),
        (202101, False),
    ],
)
def test_is_month(value: object, expected: bool) -> None:
    assert is_month(value) is expected


@pytest.mark.parametrize("value", ["2021-01", "1999-12", None])
def test_check_month_passes_a_month_or_none(value: Optional[str]) -> None:
    assert check_month(value) == value


@pytest.mark.parametrize(
    "value, what, message",
    [
        ("2021-13", "month", "month must be a month written YYYY-MM, not '2021-13'"),
        ("Jan 2021", "as of", "as of must be a month written YYYY-MM, not 'Jan 2021'"),
        ("", "since", "since must be a month written YYYY-MM, not ''"),
    ],
)
def test_check_month_names_what_is_malformed(value: str, what: str, message: str) -> None:
    with pytest.raises(NarrativeSearchError) as raised:
        check_month(value, what)
    assert str(raised.value) == message


# --- arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize(
    "year, number, expected",
    [(2021, 1, "2021-01"), (2021, 12, "2021-12"), (999, 6, "0999-06")],
)
def test_month_of(year: int, number: int, expected: str) -> None:
    assert month_of(year, number) == expected


@pytest.mark.parametrize(
    "month, number",
    [("0000-01", 0), ("0000-12", 11), ("0001-01", 12), ("2020-12", 2020 * 12 + 11), ("2021-01", 2021 * 12)],
)
def test_month_number_and_back(month: str, number: int) -> None:
    assert month_number(month) == number
    assert month_from_number(number) == month


@pytest.mark.parametrize("month", [None, ""])
def test_no_month_has_the_no_month_number(month: Optional[str]) -> None:
    assert month_number(month) == NO_MONTH_NUMBER
    assert NO_MONTH_NUMBER < month_number("0000-01")


@pytest.mark.parametrize(
    "month, count, expected",
    [
        ("2021-01", 0, "2021-01"),
        ("2021-01", 1, "2021-02"),
        ("2021-12", 1, "2022-01"),
        ("2021-11", 3, "2022-02"),
        ("2021-01", -1, "2020-12"),
        ("2021-01", -6, "2020-07"),
        ("2021-06", -6, "2020-12"),
        ("2021-06", 24, "2023-06"),
        ("2021-06", -30, "2018-12"),
    ],
)
def test_add_months_across_year_ends(month: str, count: int, expected: str) -> None:
    assert add_months(month, count) == expected


@pytest.mark.parametrize(
    "earlier, later, expected",
    [
        ("2021-03", "2021-03", 0),
        ("2021-12", "2022-01", 1),
        ("2020-01", "2021-12", 23),
        ("2019-11", "2021-02", 15),
        ("2022-01", "2021-12", -1),
    ],
)
def test_months_between_across_year_ends(earlier: str, later: str, expected: int) -> None:
    assert months_between(earlier, later) == expected
    assert add_months(earlier, expected) == later


# --- labels -------------------------------------------------------------------


@pytest.mark.parametrize(
    "month, expected",
    [
        ("2019-12", "Dec 2019"),
        ("2021-02", "Feb 2021"),
        ("2022-01", "Jan 2022"),
        ("2022-09", "Sep 2022"),
        (None, ""),
        ("", ""),
        ("2021-13", "2021-13"),  # not a month: shown as printed
        ("Autumn 2019", "Autumn 2019"),
    ],
)
def test_month_label(month: Optional[str], expected: str) -> None:
    assert month_label(month) == expected


@pytest.mark.parametrize("month, expected", [("2021-02", "2021-02-01"), ("2019-12", "2019-12-01")])
def test_first_day(month: str, expected: str) -> None:
    assert first_day(month) == expected


# --- the no-month sentinel and ordering ---------------------------------------


@pytest.mark.parametrize("month", ["0000-01", "2021-12", "9999-12"])
def test_the_sentinel_sorts_after_every_month(month: str) -> None:
    assert month < AFTER_EVERY_MONTH
    assert month_sort_key(month) == month
    assert month_sort_key(None) > month_sort_key(month)


@pytest.mark.parametrize(
    "months, expected",
    [
        (["2021-02", None, "2019-12", "2020-01"], ["2019-12", "2020-01", "2021-02", None]),
        ([None, "2022-01", "", "2021-12"], ["2021-12", "2022-01", None, ""]),
        ([None, None], [None, None]),
    ],
)
def test_sorting_by_month_sort_key_puts_no_month_last(months: list[Optional[str]], expected: list[Optional[str]]) -> None:
    assert sorted(months, key=month_sort_key) == expected
