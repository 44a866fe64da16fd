"""What one rule firing on one fact produces: the mechanism behind every date.

A rule's conditions are re-tested here, so both backends agree even if an
engine's pattern matching were looser. The date arithmetic follows the
contract's counting conventions (docs/calendar.md), and every obligation gets a
status against the as-of date. Only dates and statuses are worked out here;
what is said about them (labels, arithmetic, reasons) is worked out when a
result is explained (``_collect``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from .._calendar import due_date
from .._vocabulary import EVENT_FIELDS, is_review_kind
from ..policy._model import Anchor, Rule, ordinal
from ._conditions import birthday, conditions_hold, done_date, review_meeting
from ._facts import UNKNOWN_REVIEW, CaseIndex, Fact, Session, describe_fact

__all__ = ["derive", "event_facts", "trigger_matches", "trigger_statuses", "status_words"]

_ONE_DAY = timedelta(days=1)


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
                id=("event", event.index),
                fact="event",
                kind=event.type,
                fields=fields,
                event=event,
                review=review,
                due=event.date,
                label=event.label(),
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
    for cond in trigger.where:
        if not cond.test(fact.fields):
            return False
    return True


def derive(rule: Rule, trigger: Fact, session: Session) -> list[Fact]:
    """The facts one rule produces from one triggering fact (none if it does not apply)."""
    if not trigger_matches(rule, trigger):
        return []
    index = session.index
    emit = rule.emit
    review = _review_number(rule, trigger, index)
    anchor, how = _anchor_date(emit.anchor, rule, trigger, session)
    if emit.anchor is not None and anchor is None:
        return []
    on = anchor or trigger.done or trigger.due
    assert on is not None
    version, version_note = _version(rule, on, session)
    if version is None or not conditions_hold(rule, trigger, on, session):
        return []
    offset = emit.offset
    when = due_date(anchor, offset.amount, offset.unit, offset.direction) if anchor is not None and offset else anchor
    if emit.fact == "notice":
        facts = [_notice(rule, trigger, when or trigger.due, how)]
    elif emit.fact == "lapse":
        facts = [_lapse(rule, trigger, when, how)]
    elif emit.fact == "escalation":
        facts = _escalation(rule, trigger, anchor, how, when, index)
    else:
        assert anchor is not None and when is not None
        facts = [_obligation(rule, trigger, review, anchor, how, when, session)]
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


def _anchor_date(spec: Anchor | None, rule: Rule, trigger: Fact, session: Session) -> tuple[date | None, tuple[Any, ...] | None]:
    """The date an anchor names for this trigger, and how it was found (said by ``anchor_words``)."""
    if spec is None:
        return None, None
    name = spec.name
    if name == "done":
        return trigger.done, ("done", trigger)
    if name == "due":
        return trigger.due, ("due", trigger)
    if name == "event":
        return trigger.due, ("event", trigger)
    if name == "review_date":
        return review_meeting(session.index, trigger.review, trigger)
    if name == "start":
        return session.index.start, ("start", session.index.start)
    if name == "raised":
        return trigger.due, ("raised", trigger)
    if name == "field":
        assert trigger.event is not None and spec.field is not None
        value = trigger.event.get(spec.field)
        if value is None:
            session.note(
                f"rule {rule.qualified_id} counts from the {spec.field} date of {trigger.kind} "
                f"(event {trigger.event.index + 1}), which gives none"
            )
            return None, None
        return value, ("text", f"{trigger.kind} {spec.field} date {value}")
    assert spec.years is not None
    day = birthday(session.index, spec.years)
    if day is None:
        session.note(f"rule {rule.qualified_id} counts from the child's {ordinal(spec.years)} birthday, but no date of birth is given")
        return None, None
    return day, ("text", f"{ordinal(spec.years)} birthday {day}")


def _obligation(
    rule: Rule,
    trigger: Fact,
    review: int | None,
    anchor: date,
    how: tuple[Any, ...] | None,
    due: date,
    session: Session,
) -> Fact:
    index = session.index
    kind = rule.emit.kind
    done = done_date(rule, trigger, review, anchor, index)
    status, reason = _status(due, done, trigger, index, kind, review)
    fields: dict[str, object] = {"status": status}
    if review is not None:
        fields["review"] = review
    owner = rule.owner
    if owner is not None:
        fields["owner"] = owner
    fact = Fact(
        # One per review where it belongs to one; otherwise one per item its event
        # names (a recommendation, by id), so two disputes on one day stay two.
        id=("obligation", kind, review, due, rule.qualified_id, trigger.ref if review is None else None),
        fact="obligation",
        kind=kind,
        fields=fields,
        rule=rule,
        review=review,
        due=due,
        done=done,
        status=status,
        owner=owner,
        anchor=anchor,
        how=how,
        trigger=trigger,
        notes=[reason] if reason is not None else None,
        reason=reason,
    )
    if rule.alternatives:
        fact.alt_starts = _alternative_starts(rule, trigger, session)
    return fact


def _alternative_starts(rule: Rule, trigger: Fact, session: Session) -> tuple[tuple[Any, date], ...]:
    """The date each computable other reading counts from (its dates are said when explained)."""
    found = []
    for alt in rule.alternatives:
        if not alt.computable:
            continue
        start, _ = _anchor_date(alt.anchor or rule.emit.anchor, rule, trigger, session)
        if start is not None and (alt.offset or rule.emit.offset) is not None:
            found.append((alt, start))
    return tuple(found)


def _status(
    due: date, done: date | None, trigger: Fact, index: CaseIndex, kind: str, review: int | None
) -> tuple[str, str | None]:
    """The status on the as-of date, and the reason when it is not applicable (said at once:
    it is a note); the reason for any other status is said when explained (``status_words``)."""
    if trigger.status == "not_applicable":
        return "not_applicable", f"not applicable: {describe_fact(trigger)} is not applicable"
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
        return ("met" if done <= due else "late"), None
    return ("pending" if index.as_of <= due else "overdue"), None


def status_words(fact: Fact, as_of: date) -> str:
    """Why an obligation has its status, in words."""
    if fact.reason is not None:
        return fact.reason
    due, done = fact.due, fact.done
    assert due is not None
    if done is not None:
        if done <= due:
            return f"done {done}, on or before the due date {due}"
        return f"done {done}, {(done - due).days} days after the due date {due}"
    if as_of <= due:
        return f"not done; as of {as_of} it is not yet due ({due})"
    return f"not done; as of {as_of} it is {(as_of - due).days} days past its due date {due}"


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
    rule: Rule, trigger: Fact, anchor: date | None, how: tuple[Any, ...] | None, when: date | None, index: CaseIndex
) -> list[Fact]:
    assert trigger.due is not None
    if when is not None:  # counted from its own date (or on it)
        raised = when
    elif trigger.fact == "obligation":
        # The contract: an escalation is raised the first day the obligation is overdue.
        raised = trigger.due + _ONE_DAY
        anchor, how = trigger.due, ("due", trigger)
    else:  # on the day of the event, or of the escalation it follows
        raised = trigger.due
        anchor, how = trigger.due, ("escalated", trigger)
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
    kind = rule.emit.kind
    return [
        Fact(
            id=("escalation", kind, about[0], about[1], raised, rule.qualified_id, trigger.ref if about[1] is None else None),
            fact="escalation",
            kind=kind,
            fields={"to": rule.emit.to or ""},
            rule=rule,
            review=about[1],
            due=raised,
            to=rule.emit.to,
            anchor=anchor,
            how=how,
            trigger=trigger,
            about=about,
            resolved=resolved,
        )
    ]


def _notice(rule: Rule, trigger: Fact, day: date | None, how: tuple[Any, ...] | None) -> Fact:
    assert day is not None
    label = trigger.trigger_label if trigger.fact == "event" else describe_fact(trigger)
    return Fact(
        id=("notice", rule.emit.kind, trigger.id, rule.qualified_id),
        fact="notice",
        kind=rule.emit.kind,
        fields={},
        rule=rule,
        event=trigger.event,
        review=trigger.review,
        due=day,
        how=how or ("text", f"{label} on {day}"),
        trigger=trigger,
        label=label,
    )


def _lapse(rule: Rule, trigger: Fact, day: date | None, how: tuple[Any, ...] | None) -> Fact:
    """A marker: the obligation that triggered it lapses if it falls due on or after ``day``.
    Applied once all rules have run (see _settle)."""
    assert day is not None
    return Fact(
        id=("lapse", trigger.id, rule.qualified_id),
        fact="lapse",
        kind="lapse",
        fields={},
        rule=rule,
        due=day,
        how=how,
        trigger=trigger,
        label="",
    )
