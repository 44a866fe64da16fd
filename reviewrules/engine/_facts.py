"""Working memory for one child's evaluation: facts, the case index and the session.

Both engine backends share these, so they differ only in how they decide which
rule to fire on which fact, never in what a firing produces.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from .._calendar import Shift
from .._errors import EvaluationError, Problem
from ..case._model import Case, Event, Period
from ..policy._model import Policy, Rule, Source

__all__ = ["Fact", "CaseIndex", "Session", "MAX_FACTS_PER_CHILD", "UNKNOWN_REVIEW", "engine_key", "shown_review"]

# A child with ten years of reviews produces a few hundred facts; a policy whose
# rules never stop would produce millions. Stop well before memory runs out.
MAX_FACTS_PER_CHILD = 20_000


@dataclass
class Fact:
    """An event, obligation, escalation or notice in working memory."""

    id: str
    fact: str  # "event", "obligation", "escalation" or "notice"
    kind: str  # event type or obligation / escalation / notice kind
    fields: dict[str, Any]  # what rules may match on (scalars only)
    rule: Rule | None = None
    event: Event | None = None
    review: int | None = None
    due: date | None = None
    done: date | None = None
    status: str | None = None
    owner: str | None = None
    to: str | None = None
    anchor: date | None = None
    anchor_label: str = ""
    shift: Shift | None = None
    # Notes of this fact alone (why it is not applicable, superseded, which version);
    # the rule's own notes and its other readings are added when results are made.
    notes: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)  # the dates other readings give
    about: tuple[str, int | None] | None = None
    trigger_label: str = ""
    version: str | None = None  # the policy version that computed it
    # The case event at the start of its chain, and that event's own id (a
    # recommendation's), which keeps apart what two recommendations require.
    root: Event | None = None
    ref: str | None = None
    status_by: str | None = None  # the rule that superseded or lapsed it
    parents: set[str] = field(default_factory=set)
    # The fact this one was derived from, as a sortable key. When two derivations
    # give the same fact, the smaller key's account is kept, so the explanation
    # does not depend on which engine derived it first.
    origin: tuple[str, str, str] = ("", "", "")
    status_reason: str = ""
    resolved: date | None = None  # for an escalation: when what it is about was met

    @property
    def date(self) -> date | None:
        """The date that places the fact on the timeline (due, raised or event date)."""
        return self.due

    def match_dict(self) -> dict[str, Any]:
        """What the rules engine sees: flat, JSON-safe, identified by id. A field
        whose name the engine reserves (a recommendation's id) is renamed."""
        out = {engine_key(k): v for k, v in self.fields.items()}
        out.update({"id": self.id, "fact": self.fact, "kind": self.kind})
        return out


RESERVED = ("id", "sid", "fact", "kind")


def engine_key(name: str) -> str:
    """The name a fact field has inside the rules engine."""
    return f"f_{name}" if name in RESERVED else name


def fact_id(*parts: object) -> str:
    """A stable id made of what the fact is: the same derivation always yields the
    same id, on any backend, so a fact derived twice is recognised as one."""
    return "|".join("" if p is None else str(p) for p in parts)


# Reviews in a period that began before the records begin have unknown numbers
# (contract section 1, records_from). Inside the engine they are numbered from here,
# so that the cycle still counts from one to the next; results show them as null.
UNKNOWN_REVIEW = 1_000_000


def shown_review(number: int | None) -> int | None:
    """A review number as results show it: None where it cannot be known."""
    return None if number is None or number >= UNKNOWN_REVIEW else number


class CaseIndex:
    """What the rules need to look up about one period of a child's care, as of one date."""

    def __init__(self, case: Case, period: Period, as_of: date, period_source: Source | None = None):
        self.case = case
        self.period_source = period_source
        self.period = period
        self.as_of = as_of
        # Events after the as-of date have not happened yet, except bookings:
        # a review_scheduled event's date is the date it is booked for.
        self.events = [e for e in period.events if e.date <= as_of or e.type == "review_scheduled"]
        self.start_event: Event | None = period.start_event
        self.start: date | None = period.start
        # The last day of the period as known on the as-of date: the date the child
        # ceased to be looked after, or the 18th birthday (even one still to come).
        ceased = period.ceased if period.ceased is not None and period.ceased <= as_of else None
        ends = [(d, why) for d, why in ((ceased, "ceased"), (period.adult_on, "age")) if d is not None]
        self.end, self.ended_by = min(ends) if ends else (None, None)
        self.complete = period.complete
        self.records_from: date | None = None if period.complete else case.records_from
        self.first_review = 1 if period.complete else UNKNOWN_REVIEW
        self.held: list[date] = [e.date for e in self.events if e.type == "review_held"]
        self.held_events: list[Event] = [e for e in self.events if e.type == "review_held"]
        self.scheduled: dict[int, date] = {
            e.review: e.date for e in self.events if e.type == "review_scheduled" and e.review is not None
        }
        self.completions: dict[tuple[str, int | None], list[date]] = {}
        for e in self.events:
            if e.type == "task_completed":
                self.completions.setdefault((e.get("task"), e.get("review")), []).append(e.date)
        self.dob = case.dob

    def reviews_held_before(self, day: date) -> int:
        """The number of the last review held before ``day`` (0 if none)."""
        return self.first_review - 1 + bisect_left(self.held, day)

    def held_date(self, review: int | None) -> date | None:
        if review is None:
            return None
        k = review - self.first_review
        return self.held[k] if 0 <= k < len(self.held) else None

    def completion(
        self, kind: str, review: int | None, start: date | None, end: date | None, inclusive: bool = True
    ) -> date | None:
        """The first completion of a task: by review number, or, if it has none, from
        ``start`` (inclusive or not) up to ``end`` (exclusive)."""
        dates = self.completions.get((kind, review), [])
        if review is not None:
            return dates[0] if dates else None
        for day in dates:
            after = start is None or day > start or (inclusive and day == start)
            if after and (end is None or day < end):
                return day
        return None

    def placement_type_on(self, day: date) -> str | None:
        """The placement type given by the latest event on or before ``day`` that gives one."""
        found = None
        for event in self.events:
            if event.date > day:
                break
            value = event.get("placement_type")
            if value is not None:
                found = value
        return found

    def age_on(self, day: date) -> int | None:
        """Age in whole years, consistent with birthday anchors: a child born on
        29 February turns a year older on 28 February in a year without one."""
        if self.dob is None:
            return None
        years = day.year - self.dob.year
        if self.dob + relativedelta(years=years) > day:
            years -= 1
        return years


class Session:
    """One child's working memory during forward chaining."""

    def __init__(self, policy: Policy, index: CaseIndex):
        self.policy = policy
        self.index = index
        self.facts: dict[str, Fact] = {}
        self.notes: list[str] = []
        self.error: BaseException | None = None

    def add(self, fact: Fact) -> bool:
        """Add a fact; True if it is new. A fact derived again only gains a parent."""
        existing = self.facts.get(fact.id)
        if existing is not None:
            if fact.origin < existing.origin:
                fact.parents |= existing.parents
                self.facts[fact.id] = fact
            else:
                existing.parents |= fact.parents
            return False
        if len(self.facts) >= MAX_FACTS_PER_CHILD:
            raise EvaluationError(
                [
                    Problem(
                        f"rules produced more than {MAX_FACTS_PER_CHILD:,} facts; stopping "
                        "(do two rules keep triggering each other?)",
                        file=self.policy.file,
                        child=self.index.case.child_id,
                        code="runaway",
                    )
                ]
            )
        self.facts[fact.id] = fact
        return True

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
