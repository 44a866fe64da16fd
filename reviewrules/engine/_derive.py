"""The mechanism behind every date: the facts of a case's events, the date an anchor
names, an obligation's status, and the escalations, notices and lapse markers a
rule makes. ``_plan`` fires rules with these.

The date arithmetic follows the contract's counting conventions (docs/calendar.md),
and every obligation gets a status against the as-of date. Only dates and statuses
are worked out here; what is said about them (labels, arithmetic, reasons) is worked
out when a result is explained (``_collect``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .._vocabulary import EVENT_FIELDS, is_review_kind
from ..policy._model import Anchor, Rule, ordinal
from ._conditions import birthday, review_meeting
from ._facts import UNKNOWN_REVIEW, CaseIndex, Fact, Session, describe_fact

__all__ = ["event_facts", "trigger_statuses", "status_words"]

_ONE_DAY = timedelta(days=1)


def event_facts(index: CaseIndex, wanted: frozenset[str] | None = None) -> list[Fact]:
    """The facts of a period's events; with ``wanted``, only of those event types (the ones
    some rule reacts to: a fact nothing reacts to changes nothing, and is never explained)."""
    facts = []
    seen: dict[tuple[str, object], int] = {}
    for event in index.events:
        kind = event.type
        if wanted is not None and kind not in wanted:
            continue
        fields: dict[str, Any] = {k: v for k, v in event.fields if isinstance(v, (str, int, bool)) and k != "note"}
        fields["date"] = event.date.isoformat()
        # Count events of a type per review: the one named, or, for an event that can
        # name one but does not, the review in progress (the next to be held).
        # The event's review and id, from the fields just made where they are (as they are,
        # where the schema is met), else from the event.
        review = fields["review"] if "review" in fields else event.review
        if review is None and "review" in EVENT_FIELDS[kind]:
            review = index.reviews_held_before(event.date) + 1
        key = (kind, review)
        fields["occurrence"] = seen[key] = seen.get(key, 0) + 1
        # Its label (event.label()) is worked out if it is ever said (Fact.trigger_label).
        ref = fields["id"] if "id" in fields else event.get("id")
        # Its arguments in order (id, fact, kind, fields, rule, event, review, due, then None up to
        # root and ref): a keyword costs the call more than what it does.
        facts.append(Fact(("event", event.index), "event", kind, fields, None, event, review, event.date, None, None, None, None, None, None, None, None, None, event, ref))
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
