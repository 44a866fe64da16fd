"""Looking things up in the case for a rule: conditions on the child and the care
episode, the date of a review meeting, and what shows an obligation was met.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from .._vocabulary import is_review_kind
from ..case._model import Event
from ..policy._model import MetBy, Rule
from ._facts import CaseIndex, Fact, Session, shown_review

__all__ = ["conditions_hold", "review_meeting", "birthday", "done_date"]


def birthday(index: CaseIndex, years: int) -> date | None:
    """The same day of the month ``years`` on (29 February falls on 28 February)."""
    return None if index.dob is None else index.dob + relativedelta(years=years)


def review_meeting(index: CaseIndex, number: int | None, fallback: Fact | None) -> tuple[date | None, tuple[Any, ...] | None]:
    """A review's meeting date: held, else scheduled, else the due date of its review obligation;
    and how it was found (said by ``anchor_words``)."""
    held = index.held_date(number)
    if held is not None:
        return held, ("meeting", number, "held", held)
    if number in index.scheduled:
        return index.scheduled[number], ("meeting", number, "scheduled", index.scheduled[number])
    if fallback is not None and is_review_kind(fallback.kind) and fallback.due is not None:
        return fallback.due, ("meeting", number, "due", fallback.due)
    return None, None


def conditions_hold(rule: Rule, trigger: Fact, on: date, session: Session) -> bool:
    """Conditions on the care episode and on the child, on the date the rule counts from."""
    when = rule.when
    index = session.index
    if when.episode:
        start = index.start_event
        fields = dict(start.fields) if start is not None else {}
        if not all(cond.test(fields) for cond in when.episode):
            return False
    needs_age = when.age_under is not None or when.age_at_least is not None or when.first_review_after_birthday
    if needs_age and index.dob is None:
        session.note(f"rule {rule.qualified_id} depends on the child's age, but no date of birth is given")
        return False
    if when.age_under is not None or when.age_at_least is not None:
        age = index.age_on(on)
        assert age is not None
        if when.age_under is not None and age >= when.age_under:
            return False
        if when.age_at_least is not None and age < when.age_at_least:
            return False
    if when.first_review_after_birthday is not None and not _first_review_after(
        index, trigger, when.first_review_after_birthday
    ):
        return False
    if when.placement_type is not None:
        placement = index.placement_type_on(on)
        if placement is None:
            session.note(f"rule {rule.qualified_id} depends on the placement type, but the case gives none by {on}")
            return False
        if placement not in when.placement_type:
            return False
    return True


def _first_review_after(index: CaseIndex, trigger: Fact, years: int) -> bool:
    number = trigger.review
    day = birthday(index, years)
    meeting, _ = review_meeting(index, number, trigger)
    if number is None or day is None or meeting is None or meeting < day:
        return False
    previous = index.held_date(number - 1)
    return number == 1 or (previous is not None and previous < day)


def done_date(rule: Rule, trigger: Fact, review: int | None, anchor: date | None, index: CaseIndex) -> date | None:
    """When the obligation a rule emits was met, by the rule's met_by or the default."""
    kind = rule.emit.kind
    met_by = rule.emit.met_by or MetBy("review" if is_review_kind(kind) else "task")
    if met_by.how == "review":
        return index.held_date(review)
    start, end, inclusive = _window(rule, trigger, anchor, index)
    if met_by.how == "task":
        return index.completion(kind, review, start, end, inclusive)
    wanted = dict(trigger.root.fields) if trigger.root is not None else {}
    for event in index.events:
        if event.type not in met_by.events or (end is not None and event.date >= end):
            continue
        if start is not None and (event.date < start or (event.date == start and not inclusive)):
            continue
        fields = dict(event.fields)
        if not all(cond.test(fields) for cond in met_by.where):
            continue
        if all(fields.get(name) == wanted.get(name) for name in met_by.same):
            return event.date
    return None


def _window(rule: Rule, trigger: Fact, anchor: date | None, index: CaseIndex) -> tuple[date | None, date | None, bool]:
    """Where to look for what met an obligation: from its triggering event up to the
    next event that would trigger it again (one placement plan per placement), or,
    after an obligation, strictly after the date counted from (a meeting a year on is
    not the meeting it counts from)."""
    if trigger.fact != "event" or trigger.event is None:
        # A task repeating from its own last completion (a PEP reviewed every six
        # months) is not met again by that same completion.
        repeat = trigger.kind == rule.emit.kind
        return anchor or trigger.due, None, rule.emit.met_by is None and not repeat
    this: Event = trigger.event
    # Only an event that would trigger this same obligation again closes the window:
    # with met_by ... same: [id], a recommendation with another id does not.
    same = rule.emit.met_by.same if rule.emit.met_by is not None else ()
    later = [
        e
        for e in index.events
        if e.type in rule.when.kinds
        and (e.date, e.index) > (this.date, this.index)
        and all(c.test(dict(e.fields)) for c in rule.when.where)
        and all(e.get(name) == this.get(name) for name in same)
    ]
    return this.date, (min(later, key=lambda e: (e.date, e.index)).date if later else None), True
