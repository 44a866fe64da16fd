"""A child's history as a whole: cut into periods of care, and checked.

Contract section 1. A ``became_looked_after`` starts a period; it ends at
``ceased_looked_after`` or the 18th birthday, whichever comes first, and its last
day belongs to it. A later ``became_looked_after`` starts the next period, whose
reviews are numbered from 1 again.

What could only give wrong dates is a problem (the child is refused): no start, a
second start while the child is looked after, a date of birth after the start, an
event before the date of birth, a review numbered out of order, the same event
twice. What was read but cannot be used is a warning and refuses nobody: an event
before the first start, between periods or after the last end; a review held
before the records begin in a period that began before them (``records_from``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from .._vocabulary import AFTER_END_EVENTS, LOOKED_AFTER_UNTIL_AGE
from ._model import CaseWarning, Event, Period, birthday, event_order

__all__ = ["HistoryProblem", "cut_periods"]


@dataclass(frozen=True)
class HistoryProblem:
    """A problem with the history, located by the caller from ``sub`` (a path in the case)."""

    message: str
    sub: tuple[str | int, ...]
    code: str
    event: int | None


@dataclass
class _Open:
    start: Event
    events: list[Event] = field(default_factory=list)
    ceased: date | None = None


_RANKS = {"ceased_looked_after": 0, "became_looked_after": 1}  # _order's ranks on a day; every other event is 2


def _order(event: Event) -> tuple[date, int, bool, int, int]:
    # On one day the period's end comes first (that day belongs to the period that
    # ends), then a new start, then everything else (which then belongs to it).
    rank = 0 if event.type == "ceased_looked_after" else 1 if event.type == "became_looked_after" else 2
    return (event.date, rank, *event_order(event)[1:])


def _care_order(events: list[Event], ranked: list[int]) -> list[Event]:
    """``events`` (in event_order) sorted by ``_order``, given the positions of its starts and
    ends: the list itself when that changes nothing, as on most days. _order puts a day's
    end and start before the rest of the day and otherwise keeps event_order, so the order
    changes only where an end or a start follows an event of its day that it ranks before."""
    ranks = _RANKS
    for position in ranked:
        if position:
            before, event = events[position - 1], events[position]
            if before.date == event.date and ranks.get(before.type, 2) > ranks[event.type]:
                return sorted(events, key=_order)
    return events


def cut_periods(
    events: list[Event], dob: date | None, records_from: date | None
) -> tuple[tuple[Period, ...], tuple[CaseWarning, ...], list[HistoryProblem]]:
    """The periods of care in ``events`` (sorted by ``event_order``), what was not used, and what is wrong."""
    problems: list[HistoryProblem] = []
    warnings: list[CaseWarning] = []
    ranked = [i for i, e in enumerate(events) if e.type in _RANKS]  # where the starts and ends are
    starts = [events[i] for i in ranked if events[i].type == "became_looked_after"]
    if not starts:
        problems.append(
            HistoryProblem(
                "no became_looked_after event: every deadline counts from the date the child became looked after",
                ("events",),
                "no-start",
                None,
            )
        )
        return (), (), problems
    if dob is not None and dob > starts[0].date:
        problems.append(
            HistoryProblem(
                f"date of birth {dob} is after the child became looked after on {starts[0].date}",
                ("child", "dob"),
                "dob-after-start",
                None,
            )
        )
    if dob is not None and dob.year + LOOKED_AFTER_UNTIL_AGE > date.max.year:
        problems.append(
            HistoryProblem(
                f"date of birth {dob}: the 18th birthday would be after {date.max}, the last day of the calendar",
                ("child", "dob"),
                "date",
                None,
            )
        )
        return (), (), problems
    adult_on = birthday(dob, LOOKED_AFTER_UNTIL_AGE) if dob is not None else None
    built: list[_Open] = []
    current: _Open | None = None

    def outside(event: Event, why: str) -> None:
        ref = event.get("ref")
        warnings.append(
            CaseWarning(
                "outside-period",
                f"{event.type} on {event.date}{f' ({ref})' if ref else ''} is {why}; it is not used",
                event.index + 1,
            )
        )

    def end_of(period: _Open) -> date | None:
        ends = [d for d in (period.ceased, adult_on) if d is not None and d >= period.start.date]
        return min(ends) if ends else None

    # The current period's end: worked out when first needed after the period starts or
    # its ceased date is set, and kept until then (end_of depends on nothing else).
    end: date | None = None
    end_known = False
    ordered = _care_order(events, ranked)
    for event in ordered:
        kind = event.type
        if kind == "became_looked_after":
            still_open = current is not None and current.ceased is None
            if current is not None and still_open and not end_known:
                end, end_known = end_of(current), True
            if current is not None and still_open and (end is None or event.date <= end):
                problems.append(
                    HistoryProblem(
                        f"a second became_looked_after on {event.date} while the child is looked after "
                        f"(since {current.start.date}, event {current.start.index + 1}); "
                        "record ceased_looked_after before a new period starts",
                        ("events", event.index, "type"),
                        "two-starts",
                        event.index,
                    )
                )
                continue
            if current is not None and current.ceased is not None and event.date <= current.ceased:
                problems.append(
                    HistoryProblem(
                        f"became looked after again on {event.date}, the day the previous period ended; "
                        "a new period of care starts after the last day of the one before",
                        ("events", event.index, "date"),
                        "two-starts",
                        event.index,
                    )
                )
                continue
            if adult_on is not None and event.date >= adult_on:
                problems.append(
                    HistoryProblem(
                        f"became looked after on {event.date}, on or after the 18th birthday ({adult_on}): "
                        "a child is a person under 18 (Children Act 1989 s. 105(1))",
                        ("events", event.index, "date"),
                        "adult",
                        event.index,
                    )
                )
                continue
            current = _Open(event)
            end_known = False
            built.append(current)
            continue
        if current is None:
            outside(event, f"before the child first became looked after (on {starts[0].date})")
            continue
        if not end_known:
            end, end_known = end_of(current), True
        if kind == "ceased_looked_after":
            if current.ceased is not None:
                problems.append(
                    HistoryProblem(
                        f"a second ceased_looked_after on {event.date}: the period that began on {current.start.date} "
                        f"ended on {current.ceased}",
                        ("events", event.index, "type"),
                        "two-ends",
                        event.index,
                    )
                )
            elif end is not None and event.date > end:
                outside(event, f"after the 18th birthday ({end}), when the period of care ended")
            else:
                current.ceased = event.date
                end_known = False
                current.events.append(event)
            continue
        if end is None or event.date <= end or kind in AFTER_END_EVENTS:
            current.events.append(event)
        else:
            ended = "the child turned 18" if end == adult_on and current.ceased != end else "the child ceased to be looked after"
            outside(event, f"after the period of care ended on {end} ({ended})")
    periods: list[Period] = []
    for number, item in enumerate(built, 1):
        complete = records_from is None or item.start.date >= records_from
        # A period's events in event_order: gathered in that order already when _care_order changed nothing.
        used = item.events if ordered is events else sorted(item.events, key=event_order)
        if not complete:
            assert records_from is not None
            kept = []
            for event in used:
                if event.type == "review_held" and event.date < records_from:
                    warnings.append(
                        CaseWarning(
                            "before-records",
                            f"review_held on {event.date} is before the records begin ({records_from}) in a period "
                            "that began before them; the cycle is counted from the first review on or after that date",
                            event.index + 1,
                        )
                    )
                    continue
                kept.append(event)
            used = kept
            warnings.append(
                CaseWarning(
                    "history-incomplete",
                    f"the period of care that began on {item.start.date} began before the records begin ({records_from}): "
                    "what fell due before then is not judged, and the first review held on or after it counts as a "
                    "subsequent review whose number is unknown",
                    item.start.index + 1,
                )
            )
        periods.append(
            Period(
                number=number,
                start=item.start.date,
                start_event=item.start,
                events=(item.start,) + tuple(used),
                ceased=item.ceased,
                adult_on=adult_on,
                complete=complete,
            )
        )
    problems.extend(_period_problems(periods, dob))
    warnings.sort(key=lambda w: (w.event or 0, w.code))
    return tuple(periods), tuple(warnings), problems


def _period_problems(periods: list[Period], dob: date | None) -> Iterator[HistoryProblem]:
    """Checks within the whole history and within each period: duplicates, numbering, births."""
    # Duplicates: events of one type on one day with the same fields. Most events are the
    # only one on their day, so the first of a day is only noted by its date (cheap to
    # hash); events are keyed by type, day and fields once a second comes on that day, the
    # first of the day too. ``seen`` holds, as it did when every event went in, the first
    # event of each key that can have a duplicate.
    by_day: dict[date, Event] = {}
    seen: dict[tuple[object, ...], Event] = {}
    held_on: dict[date, Event] = {}
    recommendations: dict[str, Event] = {}
    # Events before the date of birth are named only when it is not after the first start
    # (that is a problem of its own): the same answer for every event, so asked once.
    born = dob if dob is not None and periods and dob <= periods[0].start else None
    for period in periods:
        scheduled: dict[int, Event] = {}
        held_count = 0
        complete = period.complete
        for event in period.events:
            kind = event.type
            first = by_day.setdefault(event.date, event)
            if first is not event:
                seen.setdefault((first.type, first.date, first.fields), first)
                earlier = seen.setdefault((kind, event.date, event.fields), event)
                if earlier is not event:
                    yield HistoryProblem(
                        f"duplicate of event {earlier.index + 1} ({kind} on {event.date})",
                        ("events", event.index),
                        "duplicate-event",
                        event.index,
                    )
                    continue
            if born is not None and event.date < born:
                yield HistoryProblem(
                    f"{kind} on {event.date} is before the date of birth {dob}",
                    ("events", event.index, "date"),
                    "before-birth",
                    event.index,
                )
            if not complete and event.review is not None:
                yield HistoryProblem(
                    f"{kind} names review {event.review}, but this period of care began on {period.start}, before "
                    "the records begin, so its reviews' numbers are not known: leave review: out",
                    ("events", event.index, "review"),
                    "review-number",
                    event.index,
                )
                continue
            # An event has one type: at most one of these branches is taken.
            if kind == "review_held":
                if event.date in held_on:
                    yield HistoryProblem(
                        f"two reviews held on {event.date} (events {held_on[event.date].index + 1} and {event.index + 1}); "
                        "record one review_held per review",
                        ("events", event.index, "date"),
                        "duplicate-event",
                        event.index,
                    )
                    continue
                held_on[event.date] = event
                held_count += 1
                if event.review is not None and event.review != held_count:
                    yield HistoryProblem(
                        f"says review {event.review} but it is review {held_count} in date order "
                        + ("of its period of care " if period.number > 1 else "")
                        + "(reviews are numbered in the order they are held)",
                        ("events", event.index, "review"),
                        "review-number",
                        event.index,
                    )
            elif kind == "review_scheduled":
                number = event.review
                if number is not None and number in scheduled:
                    yield HistoryProblem(
                        f"review {number} is scheduled twice (events {scheduled[number].index + 1} and {event.index + 1}); "
                        "give only its current booking",
                        ("events", event.index, "review"),
                        "duplicate-event",
                        event.index,
                    )
                if number is not None:
                    scheduled[number] = event
            elif kind == "recommendation_made":
                rec_id = event.get("id")
                if rec_id in recommendations:
                    yield HistoryProblem(
                        f"recommendation '{rec_id}' is made twice", ("events", event.index, "id"), "duplicate-event", event.index
                    )
                recommendations[rec_id] = event
            elif kind == "recommendation_resolved" and event.get("id") not in recommendations:
                yield HistoryProblem(
                    f"resolves recommendation '{event.get('id')}', which no earlier recommendation_made event makes",
                    ("events", event.index, "id"),
                    "unknown-recommendation",
                    event.index,
                )
