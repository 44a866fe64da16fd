"""Working memory for one child's evaluation: facts, the case index and the session.

Both engine backends share these, so they differ only in how they decide which
rule to fire on which fact, never in what a firing produces.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from typing import Any, Collection

from .._errors import EvaluationError, Problem
from ..case._model import Case, Event, Period, birthday
from ..policy._model import Policy, Rule, Source

__all__ = ["Fact", "CaseIndex", "Session", "MAX_FACTS_PER_CHILD", "UNKNOWN_REVIEW", "engine_key", "shown_review"]

# A child with ten years of reviews produces a few hundred facts; a policy whose
# rules never stop would produce millions. Stop well before memory runs out.
MAX_FACTS_PER_CHILD = 20_000


def fact_id(*parts: object) -> str:
    """A fact's identity as text: the same derivation always yields the same id, on
    any backend, so a fact derived twice is recognised as one."""
    return "|".join(_part(p) for p in parts)


def _part(part: object) -> str:
    if part is None:
        return ""
    if isinstance(part, tuple):  # the identity of another fact (a notice's trigger)
        return fact_id(*part)
    return str(part)


class Fact:
    """An event, obligation, escalation, notice or lapse marker in working memory.

    ``id`` is a tuple of what the fact is (kind, review, due date, rule...): two
    derivations of the same fact have the same id. Everything that is only said
    (labels, the arithmetic, the reason for a status) is worked out when asked, from
    what the fact keeps: most facts of a caseload are never explained.
    """

    # The rules written out for a policy (``_plan_code``) make obligations without calling
    # __init__ and set every slot themselves: a slot added here is added there too (its
    # compile asserts that the two lists agree).
    __slots__ = (
        "id",
        "fact",
        "kind",
        "fields",
        "rule",
        "event",
        "review",
        "due",
        "done",
        "status",
        "owner",
        "to",
        "anchor",
        "how",
        "trigger",
        "notes",
        "alt_starts",
        "about",
        "version",
        "root",
        "ref",
        "status_by",
        "parents",
        "resolved",
        "label",
        "reason",
        "_sid",
    )

    def __init__(
        self,
        id: tuple[object, ...],
        fact: str,
        kind: str,
        fields: dict[str, Any] | None,
        rule: Rule | None = None,
        event: Event | None = None,
        review: int | None = None,
        due: date | None = None,
        done: date | None = None,
        status: str | None = None,
        owner: str | None = None,
        to: str | None = None,
        anchor: date | None = None,
        how: tuple[Any, ...] | None = None,
        trigger: Fact | None = None,
        notes: list[str] | None = None,
        about: tuple[str, int | None] | None = None,
        root: Event | None = None,
        ref: str | None = None,
        resolved: date | None = None,
        label: str | None = None,
        reason: str | None = None,
    ):
        self.id = id
        self.fact = fact  # "event", "obligation", "escalation", "notice" or "lapse"
        self.kind = kind  # event type, or obligation / escalation / notice kind
        self.fields = fields  # what rules may match on (scalars only)
        self.rule = rule
        self.event = event
        self.review = review
        self.due = due
        self.done = done
        self.status = status
        self.owner = owner
        self.to = to
        self.anchor = anchor  # the date counted from
        self.how = how  # how the anchor was found, to say it when asked (see anchor_label)
        self.trigger = trigger  # the fact this one was derived from (None for events)
        # Notes of this fact alone (why it is not applicable, superseded, which version);
        # the rule's own notes and its other readings are added when results are made.
        self.notes: list[str] | tuple[()] = notes if notes is not None else ()  # a list from the first (add_note)
        self.alt_starts: tuple[tuple[Any, date], ...] = ()  # (alternative, the date it counts from)
        self.about = about
        self.version: str | None = None  # the policy version that computed it
        # The case event at the start of its chain, and that event's own id (a
        # recommendation's), which keeps apart what two recommendations require.
        self.root = root
        self.ref = ref
        self.status_by: str | None = None  # the rule that superseded or lapsed it
        # The ids of the facts it was derived from: its trigger's, as a tuple (most facts are
        # derived once), and a set once a second derivation adds one (Session.add).
        self.parents: tuple[tuple[object, ...], ...] | set[tuple[object, ...]] = (trigger.id,) if trigger is not None else ()
        self.resolved = resolved  # for an escalation: when what it is about was met
        self.label = label  # a label given when made (events, notices); else worked out
        self.reason = reason  # why it has its status, when said at once (not applicable)
        self._sid: str | None = None

    def add_note(self, text: str) -> None:
        """A note of this fact alone (most facts have none, and share one empty tuple)."""
        if self.notes:
            self.notes.append(text)  # type: ignore[union-attr]  # only a list is not empty
        else:
            self.notes = [text]

    @property
    def sid(self) -> str:
        """The id as text: what sorts facts when nothing else tells them apart."""
        if self._sid is None:
            self._sid = fact_id(*self.id)
        return self._sid

    @property
    def date(self) -> date | None:
        """The date that places the fact on the timeline (due, raised or event date)."""
        return self.due

    @property
    def origin(self) -> tuple[str, str, str]:
        """The fact this one was derived from, as a sortable key. When two derivations give
        the same fact, the smaller key's account is kept, so that the explanation does not
        depend on which engine derived it first."""
        trigger = self.trigger
        if trigger is None:
            return ("", "", "")
        return ((trigger.due.isoformat() if trigger.due else ""), trigger.kind, trigger.sid)

    @property
    def trigger_label(self) -> str:
        """What the fact is, said briefly: an event's type and category, a review's kind and number."""
        if self.label is not None:
            return self.label
        if self.fact == "event" and self.event is not None:  # worked out on first use
            self.label = self.event.label()
            return self.label
        trigger = self.trigger
        if trigger is None:
            return ""
        if self.fact == "escalation":
            return trigger.trigger_label or describe_fact(trigger)
        if self.fact in ("obligation",):
            return describe_fact(trigger)
        return ""

    @property
    def anchor_label(self) -> str:
        """How the date counted from was found, in words ("review 1 held 2025-02-27")."""
        how = self.how
        if how is None:
            return ""
        return anchor_words(how)

    def match_fields(self) -> dict[str, Any]:
        """The fields rules may match on. An obligation's (status, review, owner) are made on
        first use: most obligations are matched on their kind and status alone."""
        fields = self.fields
        if fields is None:
            fields = {"status": self.status}
            if self.review is not None:
                fields["review"] = self.review
            if self.owner is not None:
                fields["owner"] = self.owner
            self.fields = fields
        return fields

    def match_dict(self, engine_id: str) -> dict[str, Any]:
        """What a rules engine sees: flat, JSON-safe, identified by ``engine_id``. A field
        whose name the engine reserves (a recommendation's id) is renamed."""
        out = {engine_key(k): v for k, v in self.match_fields().items()}
        out["id"] = engine_id
        out["fact"] = self.fact
        out["kind"] = self.kind
        return out


def describe_fact(fact: Fact) -> str:
    number = shown_review(fact.review)
    if number is None and fact.review is not None:
        return f"{fact.kind} (review of unknown number)"
    return fact.kind if number is None else f"{fact.kind} (review {number})"


def anchor_words(how: tuple[Any, ...]) -> str:
    """An anchor's label from what was kept when it was found: (how, ...)."""
    name = how[0]
    if name == "text":
        return how[1]
    if name == "start":
        return f"became looked after on {how[1]}" if how[1] else ""
    if name == "event":
        trigger = how[1]
        return f"{trigger.trigger_label} on {trigger.due}"
    if name == "due":
        trigger = how[1]
        return f"{describe_fact(trigger)} due {trigger.due}"
    if name == "done":
        trigger = how[1]
        what = "held" if trigger.kind.startswith("review.") else "done"
        return f"{describe_fact(trigger)} {what} {trigger.done}"
    if name == "raised":
        trigger = how[1]
        return f"{trigger.kind} raised {trigger.due}"
    if name == "meeting":  # a review's meeting: held, scheduled, or its due date
        _, number, found, day = how
        what = "review" if shown_review(number) is None else f"review {number}"
        if found == "held":
            return f"{what} held {day}"
        if found == "scheduled":
            return f"{what} scheduled for {day}"
        return f"{what} not yet scheduled; counted from its due date {day}"
    if name == "escalated":  # an escalation with no date of its own: the event or escalation it follows
        trigger = how[1]
        return f"{trigger.trigger_label or trigger.kind} on {trigger.due}"
    raise ValueError(f"unknown anchor {name!r}")


RESERVED = ("id", "sid", "fact", "kind")


def engine_key(name: str) -> str:
    """The name a fact field has inside the rules engine."""
    return f"f_{name}" if name in RESERVED else name


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
        # One pass over the period's events for everything looked up in them.
        self.events: list[Event] = []
        self.held: list[date] = []
        self.held_events: list[Event] = []
        self.scheduled: dict[int, date] = {}
        self.completions: dict[tuple[str | None, int | None], list[date]] = {}  # task, review
        for e in period.events:
            kind = e.type
            if kind == "review_scheduled":
                self.events.append(e)
                if e.review is not None:
                    self.scheduled[e.review] = e.date
                continue
            if e.date > as_of:
                continue
            self.events.append(e)
            if kind == "review_held":
                self.held.append(e.date)
                self.held_events.append(e)
            elif kind == "task_completed":
                self.completions.setdefault((e.task, e.review), []).append(e.date)
        self.start_event: Event | None = period.start_event
        self.start: date | None = period.start
        # The last day of the period as known on the as-of date: the date the child
        # ceased to be looked after, or the 18th birthday (even one still to come).
        ceased = period.ceased if period.ceased is not None and period.ceased <= as_of else None
        ends = [(d, why) for d, why in ((ceased, "ceased"), (period.adult_on, "age")) if d is not None]
        self.end: date | None
        self.ended_by: str | None
        self.end, self.ended_by = min(ends) if ends else (None, None)
        self.complete = period.complete
        self.records_from: date | None = None if period.complete else case.records_from
        self.first_review = 1 if period.complete else UNKNOWN_REVIEW
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
        if birthday(self.dob, years) > day:
            years -= 1
        return years


class Session:
    """One child's working memory during forward chaining."""

    def __init__(self, policy: Policy, index: CaseIndex, readings: bool = True, fact_notes: bool = True):
        self.policy = policy
        self.index = index
        # Whether a fact's own notes that only say something (the version it was counted by)
        # are written on it: not where only rows are made (a caseload's CSV or summary).
        self.fact_notes = fact_notes
        # Whether the dates other readings count from are kept (what _collect says of them).
        # Only where no notes are written: working them out may add one (a missing date).
        self.readings = readings
        self.facts: dict[tuple[object, ...], Fact] = {}
        self.notes: list[str] = []
        self.error: BaseException | None = None
        # What rules work out once per period (``_plan``): the events that trigger a rule, by its window key.
        self.cache: dict[tuple[str, str], list[Any]] = {}

    def add(self, fact: Fact) -> bool:
        """Add a fact; True if it is new. A fact derived again only gains a parent."""
        existing = self.facts.get(fact.id)
        if existing is not None:
            if fact.origin < existing.origin:
                fact.parents = _joined(fact.parents, existing.parents)
                self.facts[fact.id] = fact
            else:
                existing.parents = _joined(existing.parents, fact.parents)
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


def _joined(mine: Collection[tuple[object, ...]], more: Collection[tuple[object, ...]]) -> set[tuple[object, ...]]:
    """Both facts' parents, as one set."""
    joined = set(mine)
    joined.update(more)
    return joined
