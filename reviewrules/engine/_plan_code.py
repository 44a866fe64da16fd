"""A rule's plan written out as Python, with every choice the rule fixes made in advance:
the statuses it reacts to, how it finds its anchor, its offset, its version, its kind,
how it is met.

``RulePlan`` can fire any rule by testing those choices each time (``RulePlan.fire_any``).
A caseload fires the same few rules millions of times, so this module writes, for each
rule, the function that rule would run with those tests already taken, and compiles it
once per policy (``written_fire``). It does what ``fire_any`` does, step for step and in
the same order (the common cases of ``_done`` and ``_status`` written out, the rest
called); ``tests/test_plan_code.py`` checks that the two agree on every bundled policy.

``written_fires`` writes the rules that react to one kind of fact as one function: each
rule's block in turn, in the policy's order, giving what each gives in that order. A
firing reads the case and the trigger, never the facts already made, so firing them one
after another and adding what each gave (the python backend's loop) and firing them
together give the same facts in the same order. Blocks share what does not depend on
the rule: the session's index, whether notes are written, and a review's meeting date.

Only numbers, ``None`` and strings from the policy are written into the source, as
``repr`` writes them (always a literal); everything else is passed in by name.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .._calendar import due_date
from ._conditions import conditions_hold, review_meeting
from ._derive import _alternative_starts, _anchor_date, _escalation, _lapse, _notice, _status
from ._facts import Fact, Session

if TYPE_CHECKING:  # a plan makes its function; the function needs nothing else of the plan's module
    from ._plan import RulePlan

__all__ = ["written_fire", "written_fires", "Fire"]

Fire = Callable[[Fact, Session], "list[Fact]"]


def _literal(value: object) -> str:
    assert value is None or isinstance(value, (str, int)), value  # only these are written into the source
    return repr(value)


class _Block:
    """One rule's lines: alone (a function of its own), or one block of several rules' function."""

    def __init__(self, plan: RulePlan, tag: str, fused: bool):
        self.plan = plan
        self.tag = tag  # what this rule's names end in, among the others of a function
        self.fused = fused
        self.indent = "        " if fused else "    "
        self.lines: list[str] = []
        # How the block stops with nothing, and how it gives one fact or a list of them.
        self.nothing = "break" if fused else "return []"

    def add(self, line: str) -> None:
        self.lines.append(self.indent + line)

    def name(self, name: str) -> str:
        return name + self.tag

    def give(self, one: bool) -> None:
        """The block's facts: one, made as ``fact``, or a list, made as ``facts``."""
        if not self.fused:
            self.add("return [fact]" if one else "return facts")
            return
        self.add("out.append(fact)" if one else "out += facts")
        self.add("break")

    def names(self) -> dict[str, Any]:
        plan = self.plan
        return {
            self.name("STATUSES"): plan.statuses,
            self.name("WHERE"): plan.where,
            self.name("RULE"): plan.rule,
            self.name("ANCHOR"): plan.anchor,
            self.name("SINGLE_START"): plan.single_start,
            self.name("version_on"): plan._version,
            # RulePlan._version's look-up, without its call: a miss is a date not yet seen.
            self.name("found_on"): plan.versions_on.get,
            self.name("window"): plan._window,
            self.name("done_by"): plan._done,
            self.name("WHEN"): {},  # the dates this rule's offset gives, by the date counted from
        }


# A rule counts the same offset from the same few thousand dates millions of times in a
# caseload: its own cache, keyed by the date alone, is looked up in a quarter of the time
# due_date's (keyed by all four arguments, and kept in order of use). Bounded, as that is.
_WHEN_LIMIT = 1 << 12


def _counted(cache: dict[date, date], anchor: date, amount: int, unit: str, direction: str) -> date:
    if len(cache) >= _WHEN_LIMIT:
        cache.clear()
    when = cache[anchor] = due_date(anchor, amount, unit, direction)
    return when


_SHARED: dict[str, Any] = {
    "Fact": Fact,
    "new": object.__new__,
    "due_date": due_date,
    "counted": _counted,
    "review_meeting": review_meeting,
    "anchor_date": _anchor_date,
    "alternative_starts": _alternative_starts,
    "conditions_hold": conditions_hold,
    "status_of": _status,
    "escalation": _escalation,
    "notice": _notice,
    "lapse": _lapse,
}


# What every function begins with: the trigger's fields and the period's, read once into
# locals (a function of a review's eleven rules reads each several times, and a local
# costs a fraction of an attribute), and whether the status needs ``_status``'s full
# reasoning on the trigger's or the period's account. A firing never changes its trigger.
_PREAMBLE = (
    "    index, said, readings = session.index, session.fact_notes, session.readings",
    "    t_review = trigger.review; t_status = trigger.status; t_fact = trigger.fact; t_kind = trigger.kind",
    "    t_due = trigger.due; t_done = trigger.done; t_root = trigger.root; t_ref = trigger.ref; t_event = trigger.event",
    "    completions = index.completions; p_start = index.start; p_end = index.end; as_of = index.as_of",
    "    unusual = t_status == 'not_applicable' or index.records_from is not None",
)


def written_fire(plan: RulePlan) -> Fire:
    """The plan's ``fire`` as one function written for it."""
    block = _Block(plan, "", fused=False)
    _write(block)
    lines = ["def fire(trigger, session):", *_PREAMBLE, *block.lines]
    return _compiled(lines, block.names(), f"<rule {plan.qid}>")


def written_fires(plans: Sequence[RulePlan], name: str) -> Fire:
    """The ``fire`` of each plan, in order, as one function: what each gives, in turn, in one list."""
    lines = ["def fire(trigger, session):", *_PREAMBLE, "    meeting = None", "    out = []"]
    names: dict[str, Any] = {}
    for number, plan in enumerate(plans):
        block = _Block(plan, f"_{number}", fused=True)
        _write(block)
        lines += [f"    # {plan.qid}", "    while True:", *block.lines]
        names.update(block.names())
    lines.append("    return out")
    return _compiled(lines, names, f"<rules {name}>")


def _write(block: _Block) -> None:
    plan, add, nothing, name = block.plan, block.add, block.nothing, block.name
    kind = _literal(plan.kind)
    # What the rule reacts to (RulePlan._holds).
    if plan.statuses is not None:
        add(f"if t_status not in {name('STATUSES')}: {nothing}")
    if plan.where:
        add("fields = trigger.match_fields()")
        tests = " or ".join(f"not {name('WHERE')}[{i}].test(fields)" for i in range(len(plan.where)))
        add(f"if {tests}: {nothing}")  # in order, stopping at the first that fails, as _holds does
    # Which review it belongs to (RulePlan._review).
    spec = plan.review_spec
    if spec is None or type(spec) is int:
        add(f"review = {_literal(spec)}")
    elif spec == "same":
        add("review = t_review")
    else:  # next
        add("if t_fact == 'event': review = index.reviews_held_before(t_due) + 1")
        add("else: review = None if t_review is None else t_review + 1")
    # The date counted from, and how it was found; ``on``, the date the version and conditions are taken on.
    anchor = plan.anchor_name
    if anchor is None:
        add("anchor = how = None")
        add("on = t_done or t_due")
        if plan.emits == "obligation":  # the schema gives every obligation an anchor; fire_any asserts it too
            add("raise AssertionError('an obligation needs a date to count from')")
    else:
        if anchor == "done":
            add("anchor = t_done")
            add("how = ('done', trigger)")
        elif anchor in ("due", "event"):
            add("anchor = t_due")
            add(f"how = ({_literal(anchor)}, trigger)")
        elif anchor == "review_date":
            if block.fused:  # the same for every rule of the function: found once, if asked
                add("if meeting is None: meeting = review_meeting(index, t_review, trigger)")
                add("anchor, how = meeting")
            else:
                add("anchor, how = review_meeting(index, t_review, trigger)")
        else:
            add(f"anchor, how = anchor_date({name('ANCHOR')}, {name('RULE')}, trigger, session)")
        add(f"if anchor is None: {nothing}")
        add("on = anchor")
    # The version in force on that date.
    if plan.single_version is not None:  # noted only before it began
        version = _literal(plan.single_version)
        add(f"note = ({name('found_on')}(on) or {name('version_on')}(on))[1] if said and on < {name('SINGLE_START')} else ''")
    elif plan.versioned:
        version = "version"
        add(f"version, note = {name('version_on')}(on)")
        add(f"if version is None: {nothing}")
    else:
        version = _literal(plan.version)
        add("note = ''")
    if plan.conditions:
        add(f"if not conditions_hold({name('RULE')}, trigger, on, session): {nothing}")
    if plan.emits != "obligation":
        _other(block, version)
        return
    _when(block)
    # When it was met (RulePlan._done, with _window's first case written out).
    if plan.met == "review":
        add("done = index.held_date(review)")
    elif plan.met != "task":  # by named events
        add(f"done = {name('done_by')}(trigger, review, anchor, session)")
    else:
        own = plan.own_met_by is None
        # CaseIndex.completion: a task of a review is met by its first completion for that review.
        add("if review is not None:")
        add(f"    dates = completions.get(({kind}, review))")
        add("    done = dates[0] if dates else None")
        add("elif t_fact != 'event' or t_event is None:")
        inclusive = f"t_kind != {kind}" if own else "False"
        add(f"    done = index.completion({kind}, None, anchor, None, {inclusive})")
        add("else:")
        add(f"    start, end, inclusive = {name('window')}(trigger, anchor, session)")
        add(f"    done = index.completion({kind}, None, start, end, inclusive)")
    # Its status (_derive._status, with the common case written out).
    add("if unusual or (p_start is not None and when < p_start):")
    add(f"    status, reason = status_of(when, done, trigger, index, {kind}, review)")
    add("elif p_end is not None and when > p_end and (done is None or done > p_end):")
    add(f"    status, reason = status_of(when, done, trigger, index, {kind}, review)")
    add("elif done is not None:")
    add("    status, reason = ('met' if done <= when else 'late'), None")
    add("else:")
    add("    status, reason = ('pending' if as_of <= when else 'overdue'), None")
    # The obligation (RulePlan._obligation, then what _produce sets on every fact): every
    # slot set here, as Fact.__init__ and then _produce would set it. Calling the class costs
    # more than all the stores (Python 3.11 does not inline a class's __init__).
    qid, owner = _literal(plan.qid), _literal(plan.owner)
    slots = {
        "id": f"('obligation', {kind}, review, when, {qid}, t_ref if review is None else None)",
        "fact": "'obligation'",
        "kind": kind,
        "fields": "None",
        "rule": name("RULE"),
        "event": "None",
        "review": "review",
        "due": "when",
        "done": "done",
        "status": "status",
        "owner": owner,
        "to": "None",
        "anchor": "anchor",
        "how": "how",
        "trigger": "trigger",
        "notes": "[reason] if reason is not None else ()",
        "alt_starts": "()",
        "about": "None",
        "version": version,
        "root": "t_root",
        "ref": "t_ref",
        "status_by": "None",
        "parents": "(trigger.id,)",
        "resolved": "None",
        "label": "None",
        "reason": "reason",
        "_sid": "None",
    }
    assert list(slots) == list(Fact.__slots__), "a slot of Fact is not set by the written rules"
    add("fact = new(Fact)")
    for slot, value in slots.items():
        add(f"fact.{slot} = {value}")
    if plan.alternatives:
        add(f"if readings: fact.alt_starts = alternative_starts({name('RULE')}, trigger, session)")
    add("if note: fact.add_note(note)")
    block.give(one=True)


def _when(block: _Block) -> None:
    """The date it is due, raised or noted on: the offset from the anchor, or the anchor itself."""
    plan = block.plan
    if plan.offset is not None and plan.anchor_name is not None:
        amount, unit, direction = plan.offset
        cache = block.name("WHEN")
        block.add(f"when = {cache}.get(anchor)")
        block.add(f"if when is None: when = counted({cache}, anchor, {_literal(amount)}, {_literal(unit)}, {_literal(direction)})")
    else:
        block.add("when = anchor")


def _other(block: _Block, version: str) -> None:
    """An escalation, notice or lapse marker (the rest of RulePlan._produce)."""
    plan, add, rule = block.plan, block.add, block.name("RULE")
    _when(block)
    if plan.emits == "escalation":
        add(f"facts = escalation({rule}, trigger, anchor, how, when, index)")
    elif plan.emits == "notice":
        add(f"facts = [notice({rule}, trigger, when or t_due, how)]")
    else:
        add(f"facts = [lapse({rule}, trigger, when, how)]")
    add("root, ref = t_root, t_ref")
    add("for fact in facts:")
    add(f"    fact.version = {version}")
    add("    fact.root, fact.ref = root, ref")
    add("    if note: fact.add_note(note)")
    block.give(one=False)


def _compiled(lines: list[str], names: dict[str, Any], filename: str) -> Fire:
    scope = {**_SHARED, **names}
    code = compile("\n".join(lines) + "\n", filename, "exec")
    exec(code, scope)  # noqa: S102 - our own source, with the policy's values only as literals
    fire: Fire = scope["fire"]
    return fire
