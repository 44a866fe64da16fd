"""What one rule firing on one fact produces: the mechanism behind every date.

A rule's conditions are re-tested here, so both backends agree even if an
engine's pattern matching were looser. The date arithmetic follows the
contract's counting conventions (docs/calendar.md), and every obligation gets a
status against the as-of date.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from .._calendar import Shift, shift
from .._vocabulary import EVENT_FIELDS, is_review_kind
from ..policy._model import Alternative, Anchor, Rule, ordinal
from ._conditions import birthday, conditions_hold, done_date, review_meeting
from ._facts import UNKNOWN_REVIEW, CaseIndex, Fact, Session, fact_id, shown_review

__all__ = ["derive", "event_facts", "trigger_matches", "trigger_statuses"]


def event_facts(index: CaseIndex) -> list[Fact]:
    facts = []
    seen: Counter[tuple[str, object]] = Counter()
    for event in index.events:
        fields = {k: v for k, v in event.fields if isinstance(v, (str, int, bool)) and k != "note"}
        fields["date"] = event.date.isoformat()
        # Count events of a type per review: the one named, or, for an event that can
        # name one but does not, the review in progress (the next to be held).
        review = event.review
        if review is None and "review" in EVENT_FIELDS[event.type]:
            review = index.reviews_held_before(event.date) + 1
        seen[(event.type, review)] += 1
        fields["occurrence"] = seen[(event.type, review)]
        facts.append(
            Fact(
                id=fact_id("event", event.index),
                fact="event",
                kind=event.type,
                fields=fields,
                event=event,
                review=review,
                due=event.date,
                trigger_label=event.label(),
                root=event,
                ref=event.get("id"),
            )
        )
    return facts


def trigger_statuses(rule: Rule) -> tuple[str, ...] | None:
    """The obligation statuses a rule reacts to.

    An escalation is a record of what happened (contract section 2): a rule that
    escalates an overdue obligation also reacts to one done late, which was overdue
    until it was done; the escalation then says when it was resolved.
    """
    statuses = rule.when.status
    if statuses is not None and rule.emit.fact == "escalation" and "overdue" in statuses and "late" not in statuses:
        return statuses + ("late",)
    return statuses


def trigger_matches(rule: Rule, fact: Fact, statuses: tuple[str, ...] | None | bool = False) -> bool:
    """The conditions a rules engine can test on the fact alone (``statuses``: from
    ``trigger_statuses``, when the caller has worked them out once)."""
    trigger = rule.when
    if fact.fact != trigger.fact or fact.kind not in trigger.kinds:
        return False
    wanted = trigger_statuses(rule) if statuses is False else statuses
    if wanted is not None and fact.status not in wanted:
        return False
    return all(cond.test(fact.fields) for cond in trigger.where)


def derive(rule: Rule, trigger: Fact, session: Session) -> list[Fact]:
    """The facts one rule produces from one triggering fact (none if it does not apply)."""
    if not trigger_matches(rule, trigger):
        return []
    index = session.index
    emit = rule.emit
    review = _review_number(rule, trigger, index)
    anchor, anchor_label = _anchor(rule, trigger, session)
    if emit.anchor is not None and anchor is None:
        return []
    on = anchor or trigger.done or trigger.due
    assert on is not None
    version, version_note = _version(rule, on, session)
    if version is None or not conditions_hold(rule, trigger, on, session):
        return []
    counted = _count(rule, anchor) if anchor is not None and emit.offset is not None else None
    when = counted.end if counted is not None else anchor
    if emit.fact == "notice":
        facts = [_notice(rule, trigger, when or trigger.due, anchor_label)]
    elif emit.fact == "lapse":
        facts = [_lapse(rule, trigger, when, counted, anchor_label)]
    elif emit.fact == "escalation":
        facts = _escalation(rule, trigger, anchor, anchor_label, counted, index)
    else:
        assert anchor is not None and when is not None
        facts = [_obligation(rule, trigger, review, anchor, anchor_label, when, counted, session)]
    for fact in facts:
        fact.version = version
        fact.root, fact.ref = trigger.root, trigger.ref
        if version_note:
            fact.notes.append(version_note)
    return facts


def _version(rule: Rule, on: date, session: Session) -> tuple[str | None, str]:
    """The version of the policy that computes this: the one in force on the date counted from.

    A date before the earliest version is judged by the earliest, with a note.
    """
    policy = session.policy
    if not rule.in_force:
        return policy.version or "", ""
    label = rule.version_on(on)
    if label is None:
        return None, ""
    first = policy.versions[0] if policy.versions else None
    if first is not None and label == first.label and on < first.start:
        return label, (
            f"counted by {label}, the earliest version of {policy.id}: {on} is before it came into force on {first.start}"
        )
    return label, ""


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


def _anchor(rule: Rule, trigger: Fact, session: Session) -> tuple[date | None, str]:
    return _anchor_date(rule.emit.anchor, rule, trigger, session)


def _anchor_date(spec: Anchor | None, rule: Rule, trigger: Fact, session: Session) -> tuple[date | None, str]:
    """The date an anchor names for this trigger, and how to say it."""
    index = session.index
    if spec is None:
        return None, ""
    if spec.name == "start":
        return index.start, f"became looked after on {index.start}" if index.start else ""
    if spec.name == "event":
        return trigger.due, f"{trigger.trigger_label} on {trigger.due}"
    if spec.name == "due":
        return trigger.due, f"{_describe_fact(trigger)} due {trigger.due}"
    if spec.name == "done":
        what = "held" if is_review_kind(trigger.kind) else "done"
        return trigger.done, f"{_describe_fact(trigger)} {what} {trigger.done}"
    if spec.name == "raised":
        return trigger.due, f"{trigger.kind} raised {trigger.due}"
    if spec.name == "review_date":
        return review_meeting(index, trigger.review, trigger)
    if spec.name == "field":
        assert trigger.event is not None and spec.field is not None
        value = trigger.event.get(spec.field)
        if value is None:
            session.note(
                f"rule {rule.qualified_id} counts from the {spec.field} date of {trigger.kind} "
                f"(event {trigger.event.index + 1}), which gives none"
            )
            return None, ""
        return value, f"{trigger.kind} {spec.field} date {value}"
    assert spec.years is not None
    day = birthday(index, spec.years)
    if day is None:
        session.note(f"rule {rule.qualified_id} counts from the child's {ordinal(spec.years)} birthday, but no date of birth is given")
        return None, ""
    return day, f"{ordinal(spec.years)} birthday {day}"


def _origin(trigger: Fact) -> tuple[str, str, str]:
    return ((trigger.due.isoformat() if trigger.due else ""), trigger.kind, trigger.id)


def _describe_fact(fact: Fact) -> str:
    number = shown_review(fact.review)
    if number is None and fact.review is not None:
        return f"{fact.kind} (review of unknown number)"
    return fact.kind if number is None else f"{fact.kind} (review {number})"


def _count(rule: Rule, anchor: date) -> Shift:
    offset = rule.emit.offset
    assert offset is not None
    return shift(anchor, offset.amount, offset.unit, offset.direction)


def _obligation(
    rule: Rule,
    trigger: Fact,
    review: int | None,
    anchor: date,
    anchor_label: str,
    due: date,
    counted: Shift | None,
    session: Session,
) -> Fact:
    index = session.index
    kind = rule.emit.kind
    readings: list[str] = []
    for alt in rule.alternatives:
        other = _alternative_shift(alt, rule, trigger, session)
        if other is None:
            continue
        text = f"Other reading, '{alt.reading}': {other.arithmetic()}"
        if other.end != due:
            gap = abs((other.end - due).days)
            text += f", {gap} day{'' if gap == 1 else 's'} {'later' if other.end > due else 'earlier'}"
        readings.append(text + (f". {alt.note}" if alt.note else ""))
    done = done_date(rule, trigger, review, anchor, index)
    status, reason = _status(due, done, trigger, index, kind, review)
    notes = [reason] if status == "not_applicable" else []
    fields: dict[str, object] = {"status": status}
    if review is not None:
        fields["review"] = review
    if rule.owner is not None:
        fields["owner"] = rule.owner
    return Fact(
        # One per review where it belongs to one; otherwise one per item its event
        # names (a recommendation, by id), so two disputes on one day stay two.
        id=fact_id("obligation", kind, review, due, rule.qualified_id, trigger.ref if review is None else None),
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
        readings=readings,
        parents={trigger.id},
        origin=_origin(trigger),
        status_reason=reason,
        trigger_label=_describe_fact(trigger),
    )


def _alternative_shift(alt: Alternative, rule: Rule, trigger: Fact, session: Session) -> Shift | None:
    """The date another reading gives, counted the same way; None if it cannot be computed here."""
    if not alt.computable:
        return None
    start, _ = _anchor_date(alt.anchor or rule.emit.anchor, rule, trigger, session)
    offset = alt.offset or rule.emit.offset
    if start is None or offset is None:
        return None
    return shift(start, offset.amount, offset.unit, offset.direction)


def _status(due: date, done: date | None, trigger: Fact, index: CaseIndex, kind: str, review: int | None) -> tuple[str, str]:
    if trigger.status == "not_applicable":
        return "not_applicable", f"not applicable: {_describe_fact(trigger)} is not applicable"
    if index.start is not None and due < index.start:
        return "not_applicable", f"not applicable: {due} falls before the child became looked after on {index.start}"
    if index.records_from is not None:
        if due < index.records_from:
            return "not_applicable", f"not applicable: due {due}, before the records begin ({index.records_from})"
        if is_review_kind(kind) and review is not None and review < UNKNOWN_REVIEW:
            return "not_applicable", (
                f"not applicable: the period of care began on {index.start}, before the records begin "
                f"({index.records_from}), so which reviews were held before then is not known"
            )
    end = index.end
    if end is not None and due > end and (done is None or done > end):
        return "not_applicable", _after_end(index, due)
    if done is not None:
        if done <= due:
            return "met", f"done {done}, on or before the due date {due}"
        return "late", f"done {done}, {(done - due).days} days after the due date {due}"
    if index.as_of <= due:
        return "pending", f"not done; as of {index.as_of} it is not yet due ({due})"
    return "overdue", f"not done; as of {index.as_of} it is {(index.as_of - due).days} days past its due date {due}"


def _after_end(index: CaseIndex, due: date) -> str:
    """Why an obligation due after its period of care ended is not applicable."""
    if index.ended_by == "ceased":
        return f"not applicable: the child ceased to be looked after on {index.end}, before it fell due"
    text = f"not applicable: due {due}, after the period of care ended on the 18th birthday {index.end}"
    source = index.period_source
    if source is not None:
        text += f" ({source.document} {source.section}: \"{source.quote}\")"
    return text


def _escalation(
    rule: Rule, trigger: Fact, anchor: date | None, anchor_label: str, counted: Shift | None, index: CaseIndex
) -> list[Fact]:
    assert trigger.due is not None
    if counted is not None:
        raised = counted.end
    elif anchor is not None:
        raised = anchor
    elif trigger.fact == "obligation":
        # The contract: an escalation is raised the first day the obligation is overdue.
        raised = trigger.due + timedelta(days=1)
        anchor, anchor_label = trigger.due, f"{_describe_fact(trigger)} due {trigger.due}"
    else:  # on the day of the event, or of the escalation it follows
        raised = trigger.due
        anchor, anchor_label = trigger.due, f"{trigger.trigger_label or trigger.kind} on {trigger.due}"
    if raised > index.as_of:
        return []
    # None is raised for a child no longer looked after (contract section 2).
    if index.end is not None and raised > index.end:
        return []
    resolved: date | None = None
    if trigger.fact == "obligation":
        # Done before the escalation was due to be raised: it never was.
        if trigger.done is not None and trigger.done < raised:
            return []
        resolved = trigger.done
    elif trigger.fact == "escalation":
        resolved = trigger.resolved
    about = trigger.about if trigger.fact == "escalation" and trigger.about else (trigger.kind, trigger.review)
    return [
        Fact(
            id=fact_id(
                "escalation", rule.emit.kind, about[0], about[1], raised, rule.qualified_id, trigger.ref if about[1] is None else None
            ),
            fact="escalation",
            kind=rule.emit.kind,
            fields={"to": rule.emit.to or ""},
            rule=rule,
            review=about[1],
            due=raised,
            to=rule.emit.to,
            anchor=anchor,
            anchor_label=anchor_label,
            shift=counted,
            about=about,
            parents={trigger.id},
            origin=_origin(trigger),
            trigger_label=trigger.trigger_label or _describe_fact(trigger),
            resolved=resolved,
        )
    ]


def _notice(rule: Rule, trigger: Fact, day: date | None, anchor_label: str) -> Fact:
    assert day is not None
    label = trigger.trigger_label if trigger.fact == "event" else _describe_fact(trigger)
    return Fact(
        id=fact_id("notice", rule.emit.kind, trigger.id, rule.qualified_id),
        fact="notice",
        kind=rule.emit.kind,
        fields={},
        rule=rule,
        event=trigger.event,
        review=trigger.review,
        due=day,
        anchor_label=anchor_label or f"{label} on {day}",
        parents={trigger.id},
        origin=_origin(trigger),
        trigger_label=label,
    )


def _lapse(rule: Rule, trigger: Fact, day: date | None, counted: Shift | None, anchor_label: str) -> Fact:
    """A marker: the obligation that triggered it lapses if it falls due on or after ``day``.
    Applied once all rules have run (see _settle)."""
    assert day is not None
    return Fact(
        id=fact_id("lapse", trigger.id, rule.qualified_id),
        fact="lapse",
        kind="lapse",
        fields={},
        rule=rule,
        due=day,
        anchor_label=anchor_label,
        shift=counted,
        parents={trigger.id},
        origin=_origin(trigger),
    )
