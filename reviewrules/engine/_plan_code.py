"""A rule's plan written out as one Python function, with every choice the rule fixes made
in advance: the statuses it reacts to, how it finds its anchor, its offset, its version,
its kind, how it is met.

``RulePlan`` can fire any rule by testing those choices each time (``RulePlan.fire_any``).
A caseload fires the same few rules millions of times, so this module writes, for each
rule, the function that rule would run with those tests already taken, and compiles it
once per policy. It does what ``fire_any`` does, step for step and in the same order
(the common cases of ``_done`` and ``_status`` written out, the rest called);
``tests/test_plan_code.py`` checks that the two agree on every bundled policy.

Only numbers, ``None`` and strings from the policy are written into the source, as
``repr`` writes them (always a literal); everything else is passed in by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .._calendar import due_date
from ._conditions import conditions_hold, review_meeting
from ._derive import _alternative_starts, _anchor_date, _escalation, _lapse, _notice, _status
from ._facts import Fact, Session

if TYPE_CHECKING:  # a plan makes its function; the function needs nothing else of the plan's module
    from ._plan import RulePlan

__all__ = ["written_fire"]

Fire = Callable[[Fact, Session], "list[Fact]"]


def _literal(value: object) -> str:
    assert value is None or isinstance(value, (str, int)), value  # only these are written into the source
    return repr(value)


def written_fire(plan: RulePlan) -> Fire:
    """The plan's ``fire`` as one function written for it."""
    kind = _literal(plan.kind)
    lines = ["def fire(trigger, session):"]
    add = lines.append
    # What the rule reacts to (RulePlan._holds).
    if plan.statuses is not None:
        add("    if trigger.status not in STATUSES: return []")
    if plan.where:
        add("    fields = trigger.match_fields()")
        add("    for cond in WHERE:")
        add("        if not cond.test(fields): return []")
    add("    index = session.index")
    # Which review it belongs to (RulePlan._review).
    spec = plan.review_spec
    if spec is None or type(spec) is int:
        add(f"    review = {_literal(spec)}")
    elif spec == "same":
        add("    review = trigger.review")
    else:  # next
        add("    if trigger.fact == 'event': review = index.reviews_held_before(trigger.due) + 1")
        add("    else: review = None if trigger.review is None else trigger.review + 1")
    # The date counted from, and how it was found; ``on``, the date the version and conditions are taken on.
    name = plan.anchor_name
    if name is None:
        add("    anchor = how = None")
        add("    on = trigger.done or trigger.due")
        if plan.emits == "obligation":  # the schema gives every obligation an anchor; fire_any asserts it too
            add("    raise AssertionError('an obligation needs a date to count from')")
    else:
        if name == "done":
            add("    anchor = trigger.done")
            add("    how = ('done', trigger)")
        elif name in ("due", "event"):
            add("    anchor = trigger.due")
            add(f"    how = ({_literal(name)}, trigger)")
        elif name == "review_date":
            add("    anchor, how = review_meeting(index, trigger.review, trigger)")
        else:
            add("    anchor, how = anchor_date(ANCHOR, RULE, trigger, session)")
        add("    if anchor is None: return []")
        add("    on = anchor")
    # The version in force on that date.
    if plan.single_version is not None:  # noted only before it began
        version = _literal(plan.single_version)
        add("    note = (found_on(on) or version_on(on))[1] if on < SINGLE_START else ''")
    elif plan.versioned:
        version = "version"
        add("    version, note = version_on(on)")
        add("    if version is None: return []")
    else:
        version = _literal(plan.version)
        add("    note = ''")
    if plan.conditions:
        add("    if not conditions_hold(RULE, trigger, on, session): return []")
    if plan.emits != "obligation":
        _other(plan, lines, version)
        return _compiled(plan, lines)
    _when(plan, lines)
    # When it was met (RulePlan._done, with _window's first case written out).
    if plan.met == "review":
        add("    done = index.held_date(review)")
    elif plan.met != "task":  # by named events
        add("    done = done_by(trigger, review, anchor, session)")
    else:
        own = plan.own_met_by is None
        # CaseIndex.completion: a task of a review is met by its first completion for that review.
        add("    if review is not None:")
        add(f"        dates = index.completions.get(({kind}, review))")
        add("        done = dates[0] if dates else None")
        add("    elif trigger.fact != 'event' or trigger.event is None:")
        inclusive = f"trigger.kind != {kind}" if own else "False"
        add(f"        done = index.completion({kind}, None, anchor, None, {inclusive})")
        add("    else:")
        add("        start, end, inclusive = window(trigger, anchor, session)")
        add(f"        done = index.completion({kind}, None, start, end, inclusive)")
    # Its status (_derive._status, with the common case written out).
    add("    if trigger.status == 'not_applicable' or index.records_from is not None or (index.start is not None and when < index.start):")
    add(f"        status, reason = status_of(when, done, trigger, index, {kind}, review)")
    add("    else:")
    add("        end = index.end")
    add("        if end is not None and when > end and (done is None or done > end):")
    add(f"            status, reason = status_of(when, done, trigger, index, {kind}, review)")
    add("        elif done is not None:")
    add("            status, reason = ('met' if done <= when else 'late'), None")
    add("        else:")
    add("            status, reason = ('pending' if index.as_of <= when else 'overdue'), None")
    # The obligation (RulePlan._obligation, then what _produce sets on every fact).
    qid, owner = _literal(plan.qid), _literal(plan.owner)
    add(
        f"    fact = Fact(('obligation', {kind}, review, when, {qid}, trigger.ref if review is None else None), "
        f"'obligation', {kind}, None, RULE, None, review, when, done, status, {owner}, None, anchor, how, trigger, "
        "[reason] if reason is not None else None, reason=reason)"
    )
    if plan.alternatives:
        add("    if session.readings: fact.alt_starts = alternative_starts(RULE, trigger, session)")
    add(f"    fact.version = {version}")
    add("    fact.root = trigger.root")
    add("    fact.ref = trigger.ref")
    add("    if note: fact.notes.append(note)")
    add("    return [fact]")
    return _compiled(plan, lines)


def _when(plan: RulePlan, lines: list[str]) -> None:
    """The date it is due, raised or noted on: the offset from the anchor, or the anchor itself."""
    if plan.offset is not None and plan.anchor_name is not None:
        amount, unit, direction = plan.offset
        lines.append(f"    when = due_date(anchor, {_literal(amount)}, {_literal(unit)}, {_literal(direction)})")
    else:
        lines.append("    when = anchor")


def _other(plan: RulePlan, lines: list[str], version: str) -> None:
    """An escalation, notice or lapse marker (the rest of RulePlan._produce)."""
    add = lines.append
    _when(plan, lines)
    if plan.emits == "escalation":
        add("    facts = escalation(RULE, trigger, anchor, how, when, index)")
    elif plan.emits == "notice":
        add("    facts = [notice(RULE, trigger, when or trigger.due, how)]")
    else:
        add("    facts = [lapse(RULE, trigger, when, how)]")
    add("    root, ref = trigger.root, trigger.ref")
    add("    for fact in facts:")
    add(f"        fact.version = {version}")
    add("        fact.root, fact.ref = root, ref")
    add("        if note: fact.notes.append(note)")
    add("    return facts")


def _compiled(plan: RulePlan, lines: list[str]) -> Fire:
    names: dict[str, Any] = {
        "STATUSES": plan.statuses,
        "WHERE": plan.where,
        "RULE": plan.rule,
        "ANCHOR": plan.anchor,
        "SINGLE_START": plan.single_start,
        "Fact": Fact,
        "due_date": due_date,
        "review_meeting": review_meeting,
        "anchor_date": _anchor_date,
        "alternative_starts": _alternative_starts,
        "conditions_hold": conditions_hold,
        "status_of": _status,
        "escalation": _escalation,
        "notice": _notice,
        "lapse": _lapse,
        "version_on": plan._version,
        # RulePlan._version's look-up, without its call: a miss is a date not yet seen.
        "found_on": plan.versions_on.get,
        "window": plan._window,
        "done_by": plan._done,
    }
    code = compile("\n".join(lines) + "\n", f"<rule {plan.qid}>", "exec")
    exec(code, names)  # noqa: S102 - our own source, with the policy's values only as literals
    fire: Fire = names["fire"]
    return fire
