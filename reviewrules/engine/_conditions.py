"""Looking things up in the case for a rule: conditions on the child and the care
episode, and the date of a review meeting. (What shows an obligation was met is
in each rule's plan, ``_plan``.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .._vocabulary import is_review_kind
from ..case._model import birthday as birthday_of
from ..policy._model import Rule
from ._facts import CaseIndex, Fact, Session

__all__ = ["conditions_hold", "review_meeting", "birthday"]


def birthday(index: CaseIndex, years: int) -> date | None:
    """The same day of the month ``years`` on (29 February falls on 28 February)."""
    return None if index.dob is None else birthday_of(index.dob, years)


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
