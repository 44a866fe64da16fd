"""Each rule compiled once into a plan: what it reacts to, how it finds its dates, what
meets it, all worked out before the first child is evaluated.

``derive`` (``_derive``) says what one rule firing on one fact produces; a plan
does the same with every choice that depends only on the rule made in advance:
the statuses it reacts to, the function that finds the date it counts from, the
offset, the version it is in force in, whether it has conditions on the child,
how its obligation is met. Both backends fire plans, so they agree exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from typing import Any, Callable

from .._calendar import due_date
from .._vocabulary import is_review_kind
from ..policy._model import MetBy, Policy, Rule
from ._conditions import conditions_hold
from ._derive import _alternative_starts, _anchor_date, _escalation, _lapse, _notice, _status, trigger_statuses
from ._facts import CaseIndex, Fact, Session
from ._plan_code import written_fire

__all__ = ["RulePlan"]

_ONE_DAY = timedelta(days=1)


class RulePlan:
    """One rule, ready to fire."""

    __slots__ = (
        "rule",
        "policy",
        "fact",
        "kinds",
        "statuses",
        "where",
        "review_spec",
        "anchor",
        "anchor_name",
        "offset",
        "versioned",
        "version",
        "conditions",
        "emits",
        "kind",
        "qid",
        "owner",
        "met",
        "met_by",
        "own_met_by",
        "alternatives",
        "window_cache_key",
        "window_keys_key",
        "first_version",
        "single_version",
        "single_start",
        "versions_on",
        "fire",
    )

    def __init__(self, rule: Rule, policy: Policy, written: bool = True):
        when, emit = rule.when, rule.emit
        self.rule = rule
        self.policy = policy
        self.fact = when.fact
        self.kinds = frozenset(when.kinds)
        statuses = trigger_statuses(rule)
        self.statuses = frozenset(statuses) if statuses is not None else None
        self.where = when.where
        self.review_spec = emit.review
        self.anchor = emit.anchor
        self.anchor_name = emit.anchor.name if emit.anchor is not None else None
        self.offset = (emit.offset.amount, emit.offset.unit, emit.offset.direction) if emit.offset is not None else None
        self.versioned = bool(rule.in_force)
        self.version = policy.version or ""
        self.conditions = bool(
            when.episode
            or when.age_under is not None
            or when.age_at_least is not None
            or when.first_review_after_birthday
            or when.placement_type is not None
        )
        self.emits = emit.fact
        self.kind = emit.kind
        self.qid = rule.qualified_id
        self.owner = rule.owner
        self.own_met_by = emit.met_by
        self.met_by = emit.met_by or MetBy("review" if is_review_kind(emit.kind) else "task")
        self.met = self.met_by.how
        self.alternatives = any(a.computable for a in rule.alternatives)
        self.window_cache_key = ("window", rule.qualified_id)
        self.window_keys_key = ("window-keys", rule.qualified_id)
        self.first_version = policy.versions[0] if policy.versions else None
        # The common case: in force in one version only, whatever the date (noted before it began).
        spans = rule.in_force
        single = len(spans) == 1 and spans[0][1] is None and spans[0][2] is None and self.first_version is not None
        self.single_version = spans[0][0] if single else None
        self.single_start = self.first_version.start if single and self.first_version is not None else None
        self.versions_on: dict[date, tuple[str | None, str]] = {}  # the version in force on a date, once worked out
        # ``derive`` for a fact of a kind the rule reacts to (a candidate found by its kind): the
        # function written for this rule (``_plan_code``), or ``fire_any`` where asked.
        self.fire: Callable[[Fact, Session], list[Fact]] = written_fire(self) if written else self.fire_any

    def _holds(self, fact: Fact) -> bool:
        """The status and field conditions, for a fact of a kind the rule reacts to."""
        if self.statuses is not None and fact.status not in self.statuses:
            return False
        if self.where:
            fields = fact.match_fields()
            for cond in self.where:
                if not cond.test(fields):
                    return False
        return True

    def derive(self, trigger: Fact, session: Session) -> list[Fact]:
        """What this rule produces from one triggering fact (none if it does not apply)."""
        if trigger.fact != self.fact or trigger.kind not in self.kinds:
            return []
        return self.fire(trigger, session)

    def fire_any(self, trigger: Fact, session: Session) -> list[Fact]:
        """``fire``, for any rule: each choice the rule fixes tested as it goes."""
        if not self._holds(trigger):
            return []
        return self._produce(trigger, session)

    def _produce(self, trigger: Fact, session: Session) -> list[Fact]:
        index = session.index
        review = self._review(trigger, index)
        name = self.anchor_name
        if name == "done":
            anchor, how = trigger.done, ("done", trigger)
        elif name == "due":
            anchor, how = trigger.due, ("due", trigger)
        elif name == "event":
            anchor, how = trigger.due, ("event", trigger)
        elif name is None:
            anchor, how = None, None
        else:
            anchor, how = _anchor_date(self.anchor, self.rule, trigger, session)
        if name is not None and anchor is None:
            return []
        on = anchor or trigger.done or trigger.due
        assert on is not None  # every fact is made with a due date
        version: str | None
        if self.single_version is not None:  # one version, covering every date: noted only before it began
            # single_start is set (a date) exactly when single_version is (see __init__).
            version, version_note = self.single_version, (self._version(on)[1] if session.fact_notes and on < self.single_start else "")  # type: ignore[operator]
        elif self.versioned:
            version, version_note = self._version(on)
            if version is None:
                return []
        else:
            version, version_note = self.version, ""
        if self.conditions and not conditions_hold(self.rule, trigger, on, session):
            return []
        offset = self.offset
        when = due_date(anchor, *offset) if anchor is not None and offset is not None else anchor
        emits = self.emits
        if emits == "obligation":
            assert anchor is not None and when is not None
            facts = [self._obligation(trigger, review, anchor, how, when, session)]
        elif emits == "escalation":
            facts = _escalation(self.rule, trigger, anchor, how, when, index)
        elif emits == "notice":
            facts = [_notice(self.rule, trigger, when or trigger.due, how)]
        else:
            facts = [_lapse(self.rule, trigger, when, how)]
        root, ref = trigger.root, trigger.ref
        for fact in facts:
            fact.version = version
            fact.root, fact.ref = root, ref
            if version_note:
                fact.add_note(version_note)
        return facts

    def _version(self, on: date) -> tuple[str | None, str]:
        """The version in force on the date counted from (``_derive._version``, without the search)."""
        found = self.versions_on.get(on)
        if found is None:
            found = self.versions_on[on] = self._find_version(on)
        return found

    def _find_version(self, on: date) -> tuple[str | None, str]:
        for label, start, end in self.rule.in_force:
            if (start is None or start <= on) and (end is None or on < end):
                first = self.first_version
                if first is not None and label == first.label and on < first.start:
                    policy = self.policy
                    return label, (
                        f"counted by {label}, the earliest version of {policy.id}: {on} is before it came into force on "
                        f"{first.start}"
                    )
                return label, ""
        return None, ""

    def _review(self, trigger: Fact, index: CaseIndex) -> int | None:
        spec = self.review_spec
        if spec is None or spec.__class__ is int:
            return spec  # type: ignore[return-value]
        if spec == "same":
            return trigger.review
        # "next": after the triggering review, or the first review held on or after an event.
        if trigger.fact == "event":
            return index.reviews_held_before(trigger.due) + 1  # type: ignore[arg-type]
        return None if trigger.review is None else trigger.review + 1

    def _obligation(
        self, trigger: Fact, review: int | None, anchor: date, how: tuple[Any, ...] | None, due: date, session: Session
    ) -> Fact:
        index = session.index
        kind = self.kind
        done = self._done(trigger, review, anchor, session)
        status, reason = _status(due, done, trigger, index, kind, review)
        owner = self.owner
        fact = Fact(
            # One per review where it belongs to one; otherwise one per item its event
            # names (a recommendation, by id), so two disputes on one day stay two.
            ("obligation", kind, review, due, self.qid, trigger.ref if review is None else None),
            "obligation",
            kind,
            None,  # its fields for matching are made if a rule asks (match_fields)
            self.rule,
            None,
            review,
            due,
            done,
            status,
            owner,
            None,
            anchor,
            how,
            trigger,
            [reason] if reason is not None else None,
            reason=reason,
        )
        if self.alternatives and session.readings:
            fact.alt_starts = _alternative_starts(self.rule, trigger, session)
        return fact

    def _done(self, trigger: Fact, review: int | None, anchor: date | None, session: Session) -> date | None:
        """When the obligation was met, by the rule's met_by or the default (``_conditions.done_date``)."""
        index = session.index
        met = self.met
        if met == "review":
            return index.held_date(review)
        start, end, inclusive = self._window(trigger, anchor, session)
        if met == "task":
            return index.completion(self.kind, review, start, end, inclusive)
        met_by = self.met_by
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

    def _window(self, trigger: Fact, anchor: date | None, session: Session) -> tuple[date | None, date | None, bool]:
        """Where to look for what met an obligation (``_conditions._window``): from its triggering
        event up to the next event that would trigger it again, or, after an obligation,
        strictly after the date counted from."""
        if trigger.fact != "event" or trigger.event is None:
            # A task repeating from its own last completion (a PEP reviewed every six
            # months) is not met again by that same completion.
            repeat = trigger.kind == self.kind
            return anchor or trigger.due, None, self.own_met_by is None and not repeat
        this = trigger.event
        same = self.own_met_by.same if self.own_met_by is not None else ()
        rule = self.rule
        # The events that would trigger this rule, worked out once per period of care.
        cache = session.cache
        triggering = cache.get(self.window_cache_key)
        if triggering is None:
            triggering = [
                e
                for e in session.index.events
                if e.type in self.kinds and all(c.test(dict(e.fields)) for c in rule.when.where)
            ]
            cache[self.window_cache_key] = triggering
        if not same:  # the next triggering event after this one, found by bisection
            keys = cache.get(self.window_keys_key)
            if keys is None:
                keys = cache[self.window_keys_key] = sorted((e.date, e.index) for e in triggering)
            at = bisect_right(keys, (this.date, this.index))
            return this.date, (keys[at][0] if at < len(keys) else None), True
        later = [
            e
            for e in triggering
            if (e.date, e.index) > (this.date, this.index) and all(e.get(name) == this.get(name) for name in same)
        ]
        return this.date, (min(later, key=lambda e: (e.date, e.index)).date if later else None), True
