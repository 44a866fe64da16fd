"""The case model: a child's events, cut into periods of care (contract section 1).

A period of care starts at ``became_looked_after`` and ends at
``ceased_looked_after`` or the 18th birthday, whichever comes first; its last day
belongs to it. A case holds every period of the child's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from .._errors import Problem

__all__ = ["Event", "Period", "Case", "CaseWarning", "Refusal", "parse_date", "birthday", "event_order", "sort_events"]


def parse_date(text: Any) -> date:
    """An ISO date; raises ValueError with a readable reason otherwise."""
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise ValueError(f"must be an ISO date such as 2025-02-03, not {text!r}")
    # Only YYYY-MM-DD, as case files are checked: date.fromisoformat alone would also take
    # 20250401 and 2025-W14-2, so a command-line date would be read where a case date is refused.
    if not _ISO_DATE.fullmatch(text):
        shown = f"'{text}'" if text.isprintable() else repr(text)  # a newline or tab said, not written
        raise ValueError(f"must be an ISO date written YYYY-MM-DD, such as 2025-02-03, not {shown}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"impossible date '{text}' (no such day)") from None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def event_order(event: "Event") -> tuple[date, bool, int, int]:
    """Events by date, then as listed, except where the listing order of one day would change
    the answer (contract section 1: evaluation sorts events by date): a recommendation
    resolved on the day it is made comes after its making, and two reviews held on one day
    (refused) are taken in the order of their numbers, so the problems named are the same."""
    review = event.review if event.type == "review_held" and isinstance(event.review, int) else 0
    return (event.date, event.type == "recommendation_resolved", review, event.index)


_date_of = attrgetter("date")


def sort_events(events: list["Event"]) -> None:
    """Sort ``events`` in place into ``event_order``, as ``events.sort(key=event_order)`` does.

    Sorted by date alone (a key in C), each day's events keep their order in the list;
    event_order differs from that only within a day, so it is asked only of neighbours on
    one day, and the full sort runs only where they are out of its order. Where two events
    have the same event_order key they are on one day, and both sorts are stable, so they
    keep the list's order either way.
    """
    events.sort(key=_date_of)
    # Two neighbours on one day are the other way round in event_order only if one is a review
    # held or a resolution, or they are out of the order of their index: asked only then.
    special = _REORDERED
    for before, after in zip(events, events[1:]):
        if (
            before.date == after.date
            and (before.type in special or after.type in special or before.index > after.index)
            and event_order(before) > event_order(after)
        ):
            events.sort(key=event_order)
            return


_REORDERED = frozenset({"review_held", "recommendation_resolved"})


def birthday(dob: date, years: int) -> date:
    """The same day of the month ``years`` on; a 29 February birthday falls on 28 February
    in a year without one (as dateutil's relativedelta counts)."""
    year = dob.year + years
    if dob.month == 2 and dob.day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return date(year, 2, 28)
    return date(year, dob.month, dob.day)


@dataclass(frozen=True)
class Event:
    """One thing that happened (or is booked) in a child's history."""

    type: str
    date: date
    index: int
    fields: tuple[tuple[str, Any], ...] = ()
    line: int | None = field(default=None, compare=False)
    # The review it names and the task it records, as ``get`` gives them: looked up once, as
    # the engine asks them of every task and review many times over (a national caseload
    # has some three million task events). Not compared or shown: they are in ``fields``.
    review: int | None = field(default=None, init=False, compare=False, repr=False)
    task: str | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "review", self.get("review"))
        object.__setattr__(self, "task", self.get("task"))

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.fields:
            if key == name:
                return value
        return default

    def label(self) -> str:
        extra = self.get("category") or self.get("task")
        return f"{self.type}:{extra}" if extra else self.type


@dataclass(frozen=True)
class CaseWarning:
    """Data that was read but not used: it refuses nobody (contract section 2, ``warnings``).

    ``event`` is the event's number in the case (from 1), or None.
    """

    code: str
    message: str
    event: int | None = None
    problem: Problem | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "event": self.event}

    def render(self, child: str | None = None, file: str | None = None) -> str:
        """One line for standard error, located like a problem."""
        if self.problem is not None:
            return self.problem.render("warning")
        where = [p for p in (file, f"child {child}" if child else None) if p]
        if self.event is not None and where:
            where[-1] += f", event {self.event}"
        return ": ".join(where + [f"warning: {self.message} [{self.code}]"])


@dataclass(frozen=True)
class Period:
    """One period of care: from ``start`` to ``end`` (its last day, inclusive).

    ``end`` is None while the period is open with no 18th birthday known;
    ``ceased`` is the ``ceased_looked_after`` date, which may be after ``end``
    when the child turned 18 first.
    """

    number: int
    start: date
    start_event: Event
    events: tuple[Event, ...]
    ceased: date | None
    adult_on: date | None  # the 18th birthday, if the date of birth is known
    complete: bool = True  # False when it began before the records begin (records_from)

    @property
    def end(self) -> date | None:
        ends = [d for d in (self.ceased, self.adult_on) if d is not None]
        return min(ends) if ends else None


@dataclass(frozen=True)
class Case:
    """A child and their events, sorted by date (ties keep the file's order)."""

    child_id: str
    events: tuple[Event, ...]
    dob: date | None = None
    file: str | None = field(default=None, compare=False)
    records_from: date | None = None
    periods: tuple[Period, ...] = field(default=(), compare=False)
    # Read but not used: events outside every period, rows a reader left out.
    warnings: tuple[CaseWarning, ...] = field(default=(), compare=False)
    line: int | None = field(default=None, compare=False)

    def of_type(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]


@dataclass(frozen=True)
class Refusal:
    """A child that could not be evaluated, and every reason why."""

    child: str | None
    problems: tuple[Problem, ...]
    file: str | None = None
    line: int | None = None

    def lines(self, severity: str | None = None) -> list[str]:
        return [p.render(severity) for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        return {"child": self.child, "refused": [p.to_dict() for p in self.problems]}
