"""Calendar arithmetic: pure functions over ``datetime.date``.

The counting conventions are fixed by the contract (docs/calendar.md):

* a working day is not a Saturday or Sunday and not a bank holiday in England
  and Wales (Christmas Day and Good Friday included);
* "within N working days of D" is the Nth working day after D (the first working
  day after D is day 1); D itself need not be a working day;
* "at least N working days before M" is the Nth working day before M;
* days are calendar days; a week is 7 days;
* months land on the same day of the month, clamped to the month's last day;
* a due date is the literal limit and is never moved off a weekend or holiday.

Every function returns a new date and never silently returns its input: an
offset of zero is refused, because no procedure says "within 0 days".
"""

from __future__ import annotations

import calendar as _monthdays
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

from ._errors import CalendarRangeError, Problem

__all__ = [
    "UNITS",
    "due_date",
    "today",
    "date_in_england",
    "window_end",
    "months_back",
    "DIRECTIONS",
    "Shift",
    "is_working_day",
    "bank_holiday_name",
    "add_working_days",
    "add_days",
    "add_weeks",
    "add_months",
    "shift",
    "describe_amount",
]

UNITS = ("working_days", "days", "weeks", "months")

# "Today", for an English authority, is today in England, whatever the machine's time zone.
ENGLAND = "Europe/London"


def window_end(day: date, days: int) -> date:
    """The last day of a window of ``days`` days from ``day`` (what is "due soon"), ending at
    the calendar's last day when it would run past it: a window, unlike a deadline, may be cut short."""
    return date.max if date.max.toordinal() - day.toordinal() < days else day + timedelta(days=days)


def months_back(day: date, months: int) -> date:
    """The start of a window of ``months`` months up to ``day`` (what was "held in the last
    12 months"), from the calendar's first day when it would begin before it."""
    year = (day.year * 12 + day.month - 1 - months) // 12
    return date.min if year < 1 else _months(day, -months)


def date_in_england(moment: datetime) -> date:
    """The date in England (Europe/London, GMT or BST) at an aware ``moment``: what "today"
    means for an English authority wherever the machine's clock is set."""
    if moment.tzinfo is None:
        raise ValueError("the moment needs a time zone: a naive time could be any day in England")
    return moment.astimezone(ZoneInfo(ENGLAND)).date()


def today() -> date:
    """Today's date in England, the default as-of date (not the machine's time zone's)."""
    return date_in_england(datetime.now(ZoneInfo(ENGLAND)))


DIRECTIONS = ("before", "after")


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> dict[date, str]:
    # England and Wales share one list of bank holidays; the 'ENG' subdivision of
    # the holidays package includes Good Friday, Christmas Day, substitute days and
    # one-off days (2022-06-03, 2022-09-19, 2023-05-08).
    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {d: name for d, name in sorted(found.items())}


def bank_holiday_name(day: date) -> str | None:
    """The bank holiday in England and Wales on ``day``, or None."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and bank_holiday_name(day) is None


@dataclass(frozen=True)
class Shift:
    """The result of counting from a date: the new date and what was skipped."""

    start: date
    end: date
    amount: int
    unit: str
    direction: str
    # Bank holidays passed over while counting working days, as (date, name).
    holidays_skipped: tuple[tuple[date, str], ...] = ()

    def arithmetic(self) -> str:
        """Human-readable arithmetic, e.g. '2025-02-27 + 91 days = 2025-05-29'."""
        sign = "+" if self.direction == "after" else "-"
        text = f"{self.start.isoformat()} {sign} {describe_amount(self.amount, self.unit)} = {self.end.isoformat()}"
        if self.holidays_skipped:
            skipped = ", ".join(f"{d.isoformat()} {name}" for d, name in sorted(self.holidays_skipped))
            text += f" (bank holidays skipped: {skipped})"
        return text


def describe_amount(amount: int, unit: str) -> str:
    words = {
        "working_days": ("working day", "working days"),
        "days": ("day", "days"),
        "weeks": ("week", "weeks"),
        "months": ("month", "months"),
    }[unit]
    return f"{amount} {words[0] if amount == 1 else words[1]}"


def _check(amount: int, unit: str, direction: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be a whole number, not {amount!r}")
    if amount <= 0:
        raise ValueError(f"amount must be at least 1, not {amount}")
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'before' or 'after', not {direction!r}")


@lru_cache(maxsize=65536)
def add_working_days(start: date, amount: int, direction: str = "after") -> Shift:
    """The ``amount``-th working day after (or before) ``start``; ``start`` is day 0.

    Cached: a caseload asks the same question (a date, 20 working days) many times,
    and the answer is an immutable Shift.
    """
    _check(amount, "working_days", direction)
    step = timedelta(days=1 if direction == "after" else -1)
    day = start
    counted = 0
    skipped: list[tuple[date, str]] = []
    while counted < amount:
        day += step
        if day.weekday() >= 5:
            continue
        name = bank_holiday_name(day)
        if name is not None:
            skipped.append((day, name))
            continue
        counted += 1
    return Shift(start, day, amount, "working_days", direction, tuple(skipped))


def add_days(start: date, amount: int, direction: str = "after") -> Shift:
    _check(amount, "days", direction)
    delta = timedelta(days=amount)
    return Shift(start, start + delta if direction == "after" else start - delta, amount, "days", direction)


def add_weeks(start: date, amount: int, direction: str = "after") -> Shift:
    _check(amount, "weeks", direction)
    delta = timedelta(weeks=amount)
    return Shift(start, start + delta if direction == "after" else start - delta, amount, "weeks", direction)


def add_months(start: date, amount: int, direction: str = "after") -> Shift:
    """Same day of the month ``amount`` months away, clamped to the month's last day."""
    _check(amount, "months", direction)
    delta = relativedelta(months=amount)
    return Shift(start, start + delta if direction == "after" else start - delta, amount, "months", direction)


_BY_UNIT: dict[str, Callable[[date, int, str], Shift]] = {
    "working_days": add_working_days,
    "days": add_days,
    "weeks": add_weeks,
    "months": add_months,
}


def shift(start: date, amount: int, unit: str, direction: str) -> Shift:
    """Count ``amount`` ``unit`` before or after ``start`` by the contract's conventions.

    A count that passes 0001-01-01 or 9999-12-31 raises CalendarRangeError: there is no date
    to give, and a wrong one is never given instead."""
    _check(amount, unit, direction)
    try:
        return _BY_UNIT[unit](start, amount, direction)
    except (OverflowError, ValueError):
        raise _outside(start, amount, unit, direction) from None


def _outside(start: date, amount: int, unit: str, direction: str) -> CalendarRangeError:
    end = "first day (0001-01-01)" if direction == "before" else "last day (9999-12-31)"
    words = unit.replace("_", " ")
    return CalendarRangeError(
        [Problem(f"{amount} {words} {direction} {start.isoformat()} is past the calendar's {end}", code="calendar-range")]
    )


# --- The same arithmetic, date only, for evaluating a caseload -------------------
#
# ``shift`` gives a Shift (with the bank holidays it passed over, for explanations);
# ``due_date`` gives only the date, from a table of working days, for the thousands
# of dates a caseload needs. Both count by the same conventions; a test compares them.


class _WorkingDays:
    """Working days as sorted ordinals, over a span of years that grows as dates need it.

    The span is at most ``_SPAN`` days: a date far from the others (year 9998 in a mistyped
    record) moves the table rather than stretching it over thousands of years."""

    def __init__(self) -> None:
        self.lo = self.hi = 0  # ordinals covered: [lo, hi]
        self.ordinals: list[int] = []

    def _cover(self, low: int, high: int) -> None:
        """Make sure every day from ordinal ``low`` to ``high`` is in the table (a year's margin)."""
        if self.ordinals and max(high, self.hi) - min(low, self.lo) <= _SPAN:
            low, high = min(low, self.lo), max(high, self.hi)
        first = date.fromordinal(max(1, low - 366)).year
        last = date.fromordinal(min(_LAST, high + 366)).year
        day, end = date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal()
        self.ordinals = [o for o in range(day, end + 1) if is_working_day(date.fromordinal(o))]
        self.lo, self.hi = day, end

    def after(self, start: date, amount: int) -> date:
        o = start.toordinal()
        # n working days span at most 2n + 14 calendar days (weekends and a run of holidays).
        if o < self.lo or min(o + 2 * amount + 14, _LAST) > self.hi:
            self._cover(o, min(o + 2 * amount + 14, _LAST))
        i = bisect_right(self.ordinals, o) + amount - 1
        if i >= len(self.ordinals):  # past 9999-12-31
            raise OverflowError("date value out of range")
        return date.fromordinal(self.ordinals[i])

    def before(self, start: date, amount: int) -> date:
        o = start.toordinal()
        if max(o - 2 * amount - 14, 1) < self.lo or o > self.hi:
            self._cover(max(o - 2 * amount - 14, 1), o)
        i = bisect_left(self.ordinals, o) - amount
        if i < 0:  # before 0001-01-01 (a negative index would wrap round to the table's end)
            raise OverflowError("date value out of range")
        return date.fromordinal(self.ordinals[i])


_LAST = date.max.toordinal()
_SPAN = 400 * 366  # days: four centuries of working days, about 100,000 ordinals


_WORKING_DAYS = _WorkingDays()


def _months(start: date, amount: int) -> date:
    month = start.month - 1 + amount
    year = start.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(start.day, _monthdays.monthrange(year, month)[1]))


@lru_cache(maxsize=1 << 17)
def due_date(start: date, amount: int, unit: str, direction: str) -> date:
    """The date ``shift`` would give, without the record of what was skipped.

    Cached: a caseload asks the same few offsets of the same dates again and again."""
    if amount <= 0 or isinstance(amount, bool) or direction not in DIRECTIONS:
        _check(amount, unit, direction)
    forward = direction == "after"
    try:
        if unit == "working_days":
            return _WORKING_DAYS.after(start, amount) if forward else _WORKING_DAYS.before(start, amount)
        if unit == "days":
            return start + timedelta(days=amount if forward else -amount)
        if unit == "weeks":
            return start + timedelta(weeks=amount if forward else -amount)
        if unit == "months":
            return _months(start, amount if forward else -amount)
    except (OverflowError, ValueError):
        raise _outside(start, amount, unit, direction) from None
    _check(amount, unit, direction)
    raise AssertionError("unreachable")
