"""Turning settled sessions (one per period of care) into one child's immutable result.

Facts become frozen obligations, escalations and notices, each tagged with the
start of its period, sorted so that output is deterministic; the trace of each is
built only when asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .._calendar import Shift, shift
from .._errors import CalendarRangeError
from ..case._model import Case, CaseWarning
from ..policy._model import Policy
from ._derive import status_words
from ._facts import UNKNOWN_REVIEW, CaseIndex, Fact, Session, shown_review
from ._result import About, Escalation, Notice, Obligation, PeriodOfCare, PolicyRef, Result, TraceStep

__all__ = ["collect", "period_of_care"]


def _first_parent(fact: Fact, session: Session) -> Fact | None:
    parents = [session.facts[p] for p in fact.parents if p in session.facts]
    if not parents:
        return None
    live = [p for p in parents if p.status != "superseded"] or parents
    # By content, never by derivation order, so both backends explain alike.
    return min(live, key=lambda p: (p.due or date.min, p.kind, p.sid))


class _Explainer:
    """The trace of one fact, worked out on first use (most are never asked for)."""

    __slots__ = ("fact", "session", "steps")

    def __init__(self, fact: Fact, session: Session):
        self.fact = fact
        self.session = session
        self.steps: tuple[TraceStep, ...] | None = None

    def __call__(self) -> tuple[TraceStep, ...]:
        if self.steps is None:
            self.steps = _trace(self.fact, self.session)
        return self.steps


def _trace(fact: Fact, session: Session) -> tuple[TraceStep, ...]:
    chain: list[Fact] = []
    current: Fact | None = fact
    while current is not None and len(chain) < 1000:
        chain.append(current)
        current = _first_parent(current, session)
    as_of = session.index.as_of
    steps = []
    for item in reversed(chain):
        if item.fact == "event":
            assert item.event is not None
            steps.append(TraceStep(f"event {item.event.label()} on {item.event.date} (event {item.event.index + 1} in the case)"))
            continue
        rule = item.rule
        if rule is None:  # the review the records begin with (records_from)
            assert item.reason is not None
            steps.append(TraceStep(item.reason))
            continue
        counted = _counted(item)
        arithmetic = counted.arithmetic() if counted is not None else None
        skipped = tuple(f"{d.isoformat()} {name}" for d, name in counted.holidays_skipped) if counted else ()
        if item.fact == "obligation":
            number = shown_review(item.review)
            what = f"{item.kind}" + (f" (review {number})" if number is not None else "")
            text = f"{what}: counted from {item.anchor_label}; due {item.due}; {status_words(item, as_of)}"
            if item.status == "superseded":
                text += "; superseded"
        elif item.fact == "escalation":
            said = arithmetic or f"{item.anchor} + 1 day = {item.due}"
            text = f"{item.kind} raised {item.due} to {item.to}: the first day after {item.anchor_label} ({said})"
        else:
            text = f"{item.kind}: {item.anchor_label}"
        steps.append(TraceStep(text, rule.qualified_id, rule.source.quote, arithmetic, skipped))
    return tuple(steps)


def _counted(fact: Fact) -> Shift | None:
    """The arithmetic that gave a fact its date, with the bank holidays passed over."""
    rule = fact.rule
    if rule is None or rule.emit.offset is None or rule.emit.anchor is None or fact.anchor is None:
        return None
    offset = rule.emit.offset
    return shift(fact.anchor, offset.amount, offset.unit, offset.direction)


def _readings(fact: Fact) -> list[str]:
    """What each other reading of the rule's text gives, counted the same way."""
    rule, due = fact.rule, fact.due
    assert rule is not None and due is not None
    out = []
    for alt, start in fact.alt_starts:
        offset = alt.offset or rule.emit.offset
        assert offset is not None  # _alternative_starts keeps only the readings with an offset
        try:
            other = shift(start, offset.amount, offset.unit, offset.direction)
        except CalendarRangeError as exc:  # the other reading has no date; this one does
            out.append(f"Other reading, '{alt.reading}': {exc.problems[0].message}, so it gives no date")
            continue
        text = f"Other reading, '{alt.reading}': {other.arithmetic()}"
        if other.end != due:
            gap = abs((other.end - due).days)
            text += f", {gap} day{'' if gap == 1 else 's'} {'later' if other.end > due else 'earlier'}"
        out.append(text + (f". {alt.note}" if alt.note else ""))
    return out


def collect(
    case: Case,
    policy: Policy,
    as_of: date,
    sessions: list[Session],
    warnings: tuple[CaseWarning, ...] = (),
    notes: tuple[str, ...] = (),
    readings: bool = True,
) -> Result:
    """One child's result from the settled session of each period of care.

    ``readings=False`` leaves out the notes that say what other readings of a rule's text
    would give (a caseload's compact output never shows them, and they are dear to count).
    """
    obligations: list[Obligation] = []
    escalations: list[Escalation] = []
    notices: list[Notice] = []
    all_notes = list(notes)
    for session in sessions:
        all_notes += [n for n in session.notes if n not in all_notes]
        _collect_session(session, obligations, escalations, notices, readings)
    obligations.sort(key=_obligation_order)
    escalations.sort(key=lambda e: (e.raised, e.kind, e.about.kind, e.about.review or 0, e.rule, e.period or date.min))
    notices.sort(key=lambda n: (n.date, n.kind, n.trigger, n.rule, n.period or date.min))
    return Result(
        child=case.child_id,
        policy=PolicyRef(policy.id, policy.version, policy.digest),
        as_of=as_of,
        obligations=tuple(obligations),
        escalations=tuple(escalations),
        notices=tuple(notices),
        notes=tuple(all_notes),
        warnings=warnings,
        periods=tuple(period_of_care(s.index) for s in sessions if s.index.start),
    )


def period_of_care(index: CaseIndex) -> PeriodOfCare:
    """A period of care as a result shows it."""
    assert index.start is not None
    return PeriodOfCare(index.start, index.end, _ENDED_BY.get(index.ended_by))


def _obligation_order(o: Obligation) -> tuple[Any, ...]:
    return (o.due, o.kind, o.review or 0, o.rule, o.status, o.period or date.min)


# Looked up with a period's ended_by, which is None when the period has not ended.
_ENDED_BY: dict[str | None, str] = {"ceased": "ceased_looked_after", "age": "18th_birthday"}


def _collect_session(
    session: Session,
    obligations: list[Obligation],
    escalations: list[Escalation],
    notices: list[Notice],
    readings: bool,
) -> None:
    period = session.index.start
    new = object.__new__
    setattr_ = object.__setattr__
    for fact in session.facts.values():
        rule = fact.rule
        if rule is None:
            continue
        kind = fact.fact
        if kind == "obligation":
            own = tuple(fact.notes)
            review = fact.review
            # Made without the dataclass's __init__ (a caseload makes millions); every field is set.
            item = new(Obligation)
            setattr_(
                item,
                "__dict__",
                {
                    "kind": fact.kind,
                    "review": review if review is None or review < UNKNOWN_REVIEW else None,
                    "due": fact.due,
                    "status": fact.status,
                    "done": fact.done,
                    "owner": fact.owner,
                    "rule": rule.qualified_id,
                    "source": rule.source,
                    "notes": (*rule.notes, *_readings(fact), *own) if readings and fact.alt_starts else rule.notes + own,
                    "version": fact.version,
                    "status_by": fact.status_by,
                    "period": period,
                    "local_notes": own,
                    "explainer": _Explainer(fact, session),
                },
            )
            obligations.append(item)
        elif kind == "escalation":
            if fact.status in ("superseded", "not_applicable"):
                continue
            assert fact.about is not None and fact.due is not None
            own = tuple(fact.notes)
            escalations.append(
                Escalation(
                    kind=fact.kind,
                    about=About(fact.about[0], shown_review(fact.about[1])),
                    raised=fact.due,
                    to=fact.to,
                    rule=rule.qualified_id,
                    source=rule.source,
                    notes=rule.notes + own,
                    version=fact.version,
                    period=period,
                    resolved=fact.resolved,
                    local_notes=own,
                    explainer=_Explainer(fact, session),
                )
            )
        elif kind == "notice":
            if fact.status in ("superseded", "not_applicable"):
                continue
            assert fact.due is not None
            own = tuple(fact.notes)
            notices.append(
                Notice(
                    fact.kind,
                    fact.due,
                    fact.trigger_label,
                    rule.qualified_id,
                    rule.source,
                    rule.notes + own,
                    fact.version,
                    period,
                    own,
                )
            )
