"""What one rule firing on one fact produces: the mechanism behind every date.

A rule's conditions are re-tested here, so both backends agree even if an
engine's pattern matching were looser. The date arithmetic follows the
contract's counting conventions (docs/calendar.md), and every obligation gets a
status against the as-of date.
"""

from __future__ import annotations

from datetime import date, timedelta
from dateutil.relativedelta import relativedelta

from ._calendar import Shift, shift
from ._case import Event
from ._facts import CaseIndex, Fact, Session, fact_id
from ._policy import Rule, Trigger
from ._vocabulary import is_review_kind

__all__ = ["derive", "event_facts", "trigger_matches"]


def event_facts(index: CaseIndex) -> list[Fact]:
    facts = []
    for event in index.events:
        fields = {k: v for k, v in event.fields if isinstance(v, (str, int, bool)) and k != "note"}
        fields["date"] = event.date.isoformat()
        facts.append(
            Fact(
                id=fact_id("event", event.index),
                fact="event",
                kind=event.type,
                fields=fields,
                event=event,
                review=event.review,
                due=event.date,
            )
        )
    return facts


def trigger_matches(trigger: Trigger, fact: Fact) -> bool:
    """The conditions a rules engine can test on the fact alone."""
    if fact.fact != trigger.fact or fact.kind not in trigger.kinds:
        return False
    if trigger.status is not None and fact.status not in trigger.status:
        return False
    return all(cond.test(fact.fields) for cond in trigger.where)


def derive(rule: Rule, trigger: Fact, session: Session) -> list[Fact]:
    """The facts one rule produces from one triggering fact (none if it does not apply)."""
    if not trigger_matches(rule.when, trigger):
        return []
    index = session.index
    emit = rule.emit
    if emit.fact == "notice":
        return [_notice(rule, trigger)]
    review = _review_number(rule, trigger, index)
    anchor, anchor_label = _anchor(rule, trigger, review, session)
    if emit.anchor is not None and anchor is None:
        return []
    if not _child_conditions_hold(rule, trigger, anchor, session):
        return []
    if emit.fact == "escalation":
        return _escalation(rule, trigger, anchor, anchor_label, index)
    return [_obligation(rule, trigger, review, anchor, anchor_label, index)]


def _review_number(rule: Rule, trigger: Fact, index: CaseIndex) -> int | None:
    spec = rule.emit.review
    if spec is None or isinstance(spec, int):
        return spec
    if spec == "same":
        return trigger.review
    # "next": after the triggering review, or the first review held on or after an event.
    if trigger.fact == "event":
        assert trigger.due is not None
        return index.reviews_held_before(trigger.due) + 1
    return None if trigger.review is None else trigger.review + 1


def _anchor(rule: Rule, trigger: Fact, review: int | None, session: Session) -> tuple[date | None, str]:
    spec = rule.emit.anchor
    index = session.index
    if spec is None:
        if rule.emit.fact == "escalation":
            # The contract: an escalation is raised the first day the obligation is overdue.
            return trigger.due, f"{_describe_fact(trigger)} due {trigger.due}"
        return None, ""
    if spec.name == "event":
        return trigger.due, f"{trigger.kind} on {trigger.due}"
    if spec.name == "due":
        return trigger.due, f"{_describe_fact(trigger)} due {trigger.due}"
    if spec.name == "done":
        what = "held" if is_review_kind(trigger.kind) else "completed"
        return trigger.done, f"{_describe_fact(trigger)} {what} {trigger.done}"
    if spec.name == "raised":
        return trigger.due, f"{trigger.kind} raised {trigger.due}"
    if spec.name == "review_date":
        number = trigger.review
        held = index.held_date(number)
        if held is not None:
            return held, f"review {number} held {held}"
        if number in index.scheduled:
            return index.scheduled[number], f"review {number} scheduled for {index.scheduled[number]}"
        if is_review_kind(trigger.kind) and trigger.due is not None:
            return trigger.due, f"review {number} not yet scheduled; counted from its due date {trigger.due}"
        return None, ""
    # A birthday: the same day of the month N years on (29 February -> 28 February).
    if index.dob is None:
        session.note(f"rule {rule.qualified_id} counts from the child's {spec.years}th birthday, but no date of birth is given")
        return None, ""
    birthday = index.dob + relativedelta(years=spec.years)
    return birthday, f"{spec.years}th birthday {birthday}"


def _child_conditions_hold(rule: Rule, trigger: Fact, anchor: date | None, session: Session) -> bool:
    when = rule.when
    if when.age_under is None and when.age_at_least is None:
        return True
    on = anchor or trigger.done or trigger.due
    assert on is not None
    age = session.index.age_on(on)
    if age is None:
        session.note(f"rule {rule.qualified_id} depends on the child's age, but no date of birth is given")
        return False
    if when.age_under is not None and age >= when.age_under:
        return False
    return when.age_at_least is None or age >= when.age_at_least


def _origin(trigger: Fact) -> tuple[str, str, str]:
    return ((trigger.due.isoformat() if trigger.due else ""), trigger.kind, trigger.id)


def _describe_fact(fact: Fact) -> str:
    return fact.kind if fact.review is None else f"{fact.kind} (review {fact.review})"


def _count(rule: Rule, anchor: date) -> Shift:
    offset = rule.emit.offset
    assert offset is not None
    return shift(anchor, offset.amount, offset.unit, offset.direction)


def _obligation(
    rule: Rule, trigger: Fact, review: int | None, anchor: date | None, anchor_label: str, index: CaseIndex
) -> Fact:
    assert anchor is not None
    counted = _count(rule, anchor)
    due = counted.end
    kind = rule.emit.kind
    notes = list(rule.notes)
    for alt in rule.alternatives:
        other = shift(anchor, alt.offset.amount, alt.offset.unit, alt.offset.direction)
        text = f"Other reading, '{alt.reading}': {other.arithmetic()}"
        if other.end != due:
            text += f", {abs((other.end - due).days)} days {'later' if other.end > due else 'earlier'}"
        notes.append(text + (f". {alt.note}" if alt.note else ""))
    if is_review_kind(kind):
        done = index.held_date(review)
    else:
        window_start, window_end = _task_window(rule, trigger, index)
        done = index.completion(kind, review, window_start, window_end)
    status, reason = _status(due, done, trigger, index)
    if status == "not_applicable":
        notes.append(reason)
    fields: dict[str, object] = {"status": status}
    if review is not None:
        fields["review"] = review
    if rule.owner is not None:
        fields["owner"] = rule.owner
    return Fact(
        id=fact_id("obligation", kind, review, due, rule.qualified_id),
        fact="obligation",
        kind=kind,
        fields=fields,
        rule=rule,
        review=review,
        due=due,
        done=done,
        status=status,
        owner=rule.owner,
        anchor=anchor,
        anchor_label=anchor_label,
        shift=counted,
        notes=notes,
        parents={trigger.id},
        origin=_origin(trigger),
        status_reason=reason,
    )


def _task_window(rule: Rule, trigger: Fact, index: CaseIndex) -> tuple[date | None, date | None]:
    """A task with no review number is done by the first completion after its trigger
    and before the next event that would trigger it again (one placement plan per placement)."""
    if trigger.fact != "event" or trigger.event is None:
        return trigger.due, None
    this: Event = trigger.event
    later = [
        e
        for e in index.events
        if e.type in rule.when.kinds
        and (e.date, e.index) > (this.date, this.index)
        and all(c.test(dict(e.fields)) for c in rule.when.where)
    ]
    return this.date, (min(later, key=lambda e: (e.date, e.index)).date if later else None)


def _status(due: date, done: date | None, trigger: Fact, index: CaseIndex) -> tuple[str, str]:
    if trigger.status == "not_applicable":
        return "not_applicable", f"not applicable: {_describe_fact(trigger)} is not applicable"
    if index.start is not None and due < index.start:
        return "not_applicable", f"not applicable: {due} falls before the child became looked after on {index.start}"
    if done is None and index.end is not None and due > index.end:
        return "not_applicable", f"not applicable: the child ceased to be looked after on {index.end}, before it fell due"
    if done is not None:
        if done <= due:
            return "met", f"done {done}, on or before the due date {due}"
        return "late", f"done {done}, {(done - due).days} days after the due date {due}"
    if index.as_of <= due:
        return "pending", f"not done; as of {index.as_of} it is not yet due ({due})"
    return "overdue", f"not done; as of {index.as_of} it is {(index.as_of - due).days} days past its due date {due}"


def _escalation(
    rule: Rule, trigger: Fact, anchor: date | None, anchor_label: str, index: CaseIndex
) -> list[Fact]:
    assert anchor is not None
    counted: Shift | None = None
    if rule.emit.offset is None:
        raised = anchor + timedelta(days=1)
    else:
        counted = _count(rule, anchor)
        raised = counted.end
    if raised > index.as_of:
        return []
    about = (trigger.kind, trigger.review) if trigger.fact == "obligation" else trigger.about
    about_kind, about_review = about if about is not None else (trigger.kind, trigger.review)
    fields: dict[str, object] = {"to": rule.emit.to or ""}
    return [
        Fact(
            id=fact_id("escalation", rule.emit.kind, about_kind, about_review, raised, rule.qualified_id),
            fact="escalation",
            kind=rule.emit.kind,
            fields=fields,
            rule=rule,
            review=about_review,
            due=raised,
            to=rule.emit.to,
            anchor=anchor,
            anchor_label=anchor_label,
            shift=counted,
            notes=list(rule.notes),
            about=(about_kind, about_review),
            parents={trigger.id},
            origin=_origin(trigger),
            )
    ]


def _notice(rule: Rule, trigger: Fact) -> Fact:
    event = trigger.event
    assert event is not None and trigger.due is not None
    return Fact(
        id=fact_id("notice", rule.emit.kind, event.index, rule.qualified_id),
        fact="notice",
        kind=rule.emit.kind,
        fields={},
        rule=rule,
        event=event,
        due=trigger.due,
        notes=list(rule.notes),
        anchor_label=f"{event.label()} on {event.date}",
        parents={trigger.id},
        origin=_origin(trigger),
    )
