"""Property-based tests (Hypothesis): what must hold for every input, not only the ones
someone thought of. The strategies are in tests/strategies.py; the profiles in
tests/conftest.py ("ci" by default: a fixed seed, bounded; "long": 10,000 generated
histories per bundled policy). Every failure found is a named test in
tests/test_property_regressions.py, and the properties check every input again once it is
fixed (no input is stepped round).
"""

from __future__ import annotations

import io
import re
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from strategies import (
    BUNDLED,
    as_of_for,
    count,
    days,
    deeply_nested_cases,
    edited_policy_bytes,
    histories,
    jsonl_text,
    junk,
    junk_file_text,
    mutated_policies,
    nearly_valid,
    policies,
    policy_yaml,
    python_mappings,
    truncated_policy_bytes,
)

import reviewrules
from reviewrules import (
    CaseError,
    EvaluationError,
    PolicyError,
    Refusal,
    Result,
    ReviewRulesError,
    _calendar,
    case_from_mapping,
    check_policy_file,
    evaluate,
    evaluate_many,
    load_policy,
)
from reviewrules._calendar import DIRECTIONS, UNITS, due_date, is_working_day, shift
from reviewrules._resources import load_schema
from reviewrules.cli import main
from reviewrules.engine._durable import available as durable_available
from reviewrules.output._json import to_json

POLICY_IDS = reviewrules.bundled_policies()
POLICIES = {pid: load_policy(pid) for pid in POLICY_IDS}
BACKENDS = ["python"] + (["durable"] if durable_available() else [])
AS_OF = "2025-11-01"

# The properties that load policies and run the CLI four times an example cost ten times
# the others: half the profile's examples (15 in ci, 5,000 in long).
half = settings(max_examples=max(1, settings.default.max_examples // 2))


# --------------------------------------------------------------------------- helpers


@contextmanager
def fresh_calendar() -> Iterator[None]:
    """A fresh table of working days for one example, as a new process would have.

    The library's table (``reviewrules._calendar._WORKING_DAYS``) is shared by the process
    and grows to cover every date asked for, rebuilding itself whole each time: dates drawn
    across ten thousand years would move it back and forth. A fresh table per example keeps
    each example's answer its own, and fast.
    """
    saved = _calendar._WORKING_DAYS
    _calendar._WORKING_DAYS = _calendar._WorkingDays()
    try:
        yield
    finally:
        _calendar._WORKING_DAYS = saved


def run(policy: Any, case: Any, as_of: Any, backend: str, explain: bool = True) -> tuple[str, Any, Result | None]:
    """("result", its JSON, the Result) or ("refused", the problem codes, None). Anything
    but the library's own errors propagates: that is the property."""
    try:
        result = evaluate(policy, case, as_of, backend=backend)
    except ReviewRulesError as exc:
        return "refused", sorted({p.code for p in exc.problems}), None
    return "result", to_json(result.to_dict(explain=explain)), result


def cli(argv: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin) if stdin is not None else None)
    return status, out.getvalue(), err.getvalue()


def assert_no_crash(status: int, err: str, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert status in allowed, (status, err)


_ARITHMETIC = re.compile(
    r"^(?P<start>\d{4}-\d{2}-\d{2}) (?P<sign>[+-]) (?P<amount>\d+) (?P<unit>working days?|days?|weeks?|months?) = (?P<due>\d{4}-\d{2}-\d{2})"
)
_UNIT = {"working day": "working_days", "day": "days", "week": "weeks", "month": "months"}


def rule_of(policy: Any, obligation: Any) -> Any:
    """The rule that computed an obligation: by qualified id, and by the version that counted it."""
    found = [r for r in policy.rules if r.qualified_id == obligation.rule]
    if len(found) > 1:
        found = [r for r in found if any(label == obligation.version for label, _, _ in r.in_force)] or found
    assert found, obligation.rule
    return found[0]


def check_due_dates(policy: Any, result: Result) -> None:
    """No due date comes before the date it counts from (or after it, for a 'before' rule);
    a working-day count lands on a working day; the trace's arithmetic is the due date's."""
    for ob in result.obligations:
        rule = rule_of(policy, ob)
        offset = rule.emit.offset
        step = ob.trace[-1]
        assert step.rule == ob.rule, (step, ob)
        if offset is None or rule.emit.anchor is None:  # due on the date counted from itself
            assert step.arithmetic is None, step
            continue
        match = _ARITHMETIC.match(step.arithmetic or "")
        assert match, (ob.kind, step.arithmetic)
        start, counted = date.fromisoformat(match["start"]), date.fromisoformat(match["due"])
        unit = _UNIT[match["unit"].rstrip("s")]
        # The rule's offset is the one counted (it may count from another obligation's date).
        assert (int(match["amount"]), unit, match["sign"]) == (offset.amount, offset.unit, "+" if offset.direction == "after" else "-")
        assert counted == ob.due, (ob.kind, ob.due, step.arithmetic)
        if offset.direction == "after":
            assert start < ob.due, (ob.kind, step.arithmetic)
        else:
            assert ob.due < start, (ob.kind, step.arithmetic)
        assert shift(start, offset.amount, offset.unit, offset.direction).end == ob.due
        if offset.unit == "working_days":
            assert is_working_day(ob.due), (ob.kind, ob.due, step.arithmetic)


_EVENT_NUMBER = re.compile(r"\bevent \d+\b")


def order_free(result: Result) -> str:
    """A result's JSON without what names events by their place in the file (a warning's
    event number, "(event 3)" in a note), which shuffling the events rightly changes."""
    data = result.to_dict()
    data["warnings"] = sorted((w["code"], w["message"]) for w in data["warnings"])
    return _EVENT_NUMBER.sub("event N", to_json(data))


# --------------------------------------------------------------------------- histories


def _history_properties(policy_id: str, case: dict[str, Any], as_of: date, shuffled: list[dict[str, Any]]) -> None:
    policy = POLICIES[policy_id]
    outcomes = {backend: run(policy, case, as_of, backend) for backend in BACKENDS}
    kind, first, result = outcomes["python"]
    note(f"outcome: {kind} {first if kind == 'refused' else ''}")
    # Both backends agree byte for byte (explanations included).
    for backend in BACKENDS[1:]:
        assert outcomes[backend][:2] == (kind, first), backend
    # The same input gives the same bytes.
    assert run(policy, case, as_of, "python")[:2] == (kind, first)
    # children in = evaluated + refused: one Result or Refusal for the case, never an exception.
    many = list(evaluate_many(policy, [case], as_of, backend="python", on_error="report"))
    assert len(many) == 1
    if kind == "result":
        assert isinstance(many[0], Result) and to_json(many[0].to_dict(explain=True)) == first
    else:
        assert isinstance(many[0], Refusal) and sorted({p.code for p in many[0].problems}) == first
    # Whatever the order of the events in the file.
    other = run(policy, {**case, "events": shuffled}, as_of, "python")
    if kind == "result":
        assert other[0] == "result", other[1]
        assert order_free(other[2]) == order_free(result)
    else:
        assert other[:2] == (kind, first)
    if result is not None:
        check_due_dates(policy, result)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
@given(data=st.data())
def test_generated_histories(policy_id, data):
    """Schema-valid histories (several periods of care, every event type, month ends, leap
    days, bank holidays, records_from): evaluated or refused, never a crash; both backends,
    a second run and the events shuffled give the same bytes; every due date counted the
    right way from the date it counts from."""
    case = data.draw(histories(), label="case")
    as_of = data.draw(as_of_for(case), label="as_of")
    shuffled = data.draw(st.permutations(case["events"]), label="shuffled")
    count(f"histories: {policy_id}")
    _history_properties(policy_id, case, as_of, shuffled)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
@given(case=histories(), data=st.data())
def test_statuses_and_escalations_follow_the_contract(policy_id, case, data):
    """Contract section 2: met is done on or before the due date, late after it; pending and
    overdue are not done, as-of on or before / after the due date; nothing is done after the
    as-of date; an escalation is raised by the as-of date and within its period of care."""
    as_of = data.draw(as_of_for(case), label="as_of")
    count(f"statuses: {policy_id}")
    kind, _, result = run(POLICIES[policy_id], case, as_of, "python", explain=False)
    if result is None:
        return
    ends = {p.start: p.end for p in result.periods}
    for ob in result.obligations:
        assert ob.source.section and ob.source.quote, ob  # every date cites its sentence
        assert ob.done is None or ob.done <= as_of, ob
        if ob.status == "met":
            assert ob.done is not None and ob.done <= ob.due, ob
        elif ob.status == "late":
            assert ob.done is not None and ob.done > ob.due, ob
        elif ob.status == "pending":
            assert ob.done is None and as_of <= ob.due, ob
        elif ob.status == "overdue":
            assert ob.done is None and as_of > ob.due, ob
        else:
            assert ob.status in ("not_applicable", "superseded") and ob.notes, ob
    for esc in result.escalations:
        assert esc.raised <= as_of, esc
        end = ends[esc.period]
        assert end is None or esc.raised <= end, (esc, end)


@given(data=st.data())
def test_generated_histories_at_the_ends_of_the_calendar(data):
    """The same properties for histories whose dates may be in year 1 or year 9999."""
    case = data.draw(histories(extreme=True), label="case")
    as_of = data.draw(as_of_for(case), label="as_of")
    shuffled = data.draw(st.permutations(case["events"]), label="shuffled")
    policy_id = data.draw(BUNDLED, label="policy")
    count("histories at the ends of the calendar")
    with fresh_calendar():
        _history_properties(policy_id, case, as_of, shuffled)


@given(case=st.one_of(histories(), histories(extreme=True)))
def test_generated_histories_are_schema_valid(case):
    """The strategy keeps its word: what it calls schema-valid passes schemas/case.schema.json."""
    count("histories checked against the schema")
    jsonschema.validate(case, load_schema("case"))


# --------------------------------------------------------------------------- broken input


@given(case=nearly_valid(), as_of=days().map(date.isoformat))
def test_nearly_valid_cases_are_refused_or_evaluated_never_a_crash(case, as_of):
    """One thing broken: case_from_mapping raises only CaseError; evaluating raises only the
    library's own errors, on every bundled policy; evaluate_many(report) raises nothing."""
    count("nearly valid cases")
    try:
        case_from_mapping(case)
    except CaseError:
        pass
    for policy in POLICIES.values():
        run(policy, case, as_of, "python", explain=False)
        (item,) = evaluate_many(policy, [case], as_of, backend="python", on_error="report")
        assert isinstance(item, (Result, Refusal))


@given(data=st.one_of(junk(), deeply_nested_cases()))
def test_junk_is_refused_never_a_crash(data):
    """Arbitrary JSON-like data (some nested thousands deep): only CaseError from
    case_from_mapping, only the library's errors from evaluate, a Refusal (or Result) from
    evaluate_many(report)."""
    count("junk")
    try:
        case_from_mapping(data)
    except CaseError:
        pass
    for policy_id in ("england", "york"):
        try:
            evaluate(POLICIES[policy_id], data, AS_OF, backend="python")
        except ReviewRulesError:
            pass
        (item,) = evaluate_many(POLICIES[policy_id], [data], AS_OF, backend="python", on_error="report")
        assert isinstance(item, (Result, Refusal))


@given(
    cases=st.lists(st.one_of(histories(max_periods=2), nearly_valid(), junk(), python_mappings()), max_size=6),
    policy_id=BUNDLED,
)
def test_evaluate_many_gives_one_result_or_refusal_per_child(cases, policy_id):
    """children in = evaluated + refused, in the order given, whatever they are (JSON-like
    data, or a Python mapping with date objects); each as evaluate() would judge it alone."""
    count("evaluate_many batches")
    out = list(evaluate_many(POLICIES[policy_id], cases, AS_OF, backend="python", on_error="report"))
    assert len(out) == len(cases)
    assert all(isinstance(item, (Result, Refusal)) for item in out)
    for case, item in zip(cases, out):  # each as it would be alone
        alone = run(POLICIES[policy_id], case, AS_OF, "python", explain=False)
        assert (alone[0] == "result") == isinstance(item, Result)


# --------------------------------------------------------------------------- the calendar


@given(
    day=days(extreme=True),
    amount=st.one_of(st.integers(1, 40), st.integers(1, 5000)),
    unit=st.sampled_from(UNITS),
    direction=st.sampled_from(DIRECTIONS),
)
def test_due_date_is_shift_end(day, amount, unit, direction):
    """The fast table and the explained count agree for any date and amount: the same date,
    or both refuse a date outside the calendar."""
    count("calendar: due_date == shift().end")
    outcomes = []
    for fn in (lambda: due_date(day, amount, unit, direction), lambda: shift(day, amount, unit, direction).end):
        try:
            with fresh_calendar():
                outcomes.append(fn())
        except (OverflowError, ValueError):
            outcomes.append("out of range")
    assert outcomes[0] == outcomes[1]
    if unit == "working_days" and isinstance(outcomes[0], date):
        assert is_working_day(outcomes[0])
        assert (outcomes[0] > day) == (direction == "after")


# --------------------------------------------------------------------------- policies


def _policy_properties(raw: bytes, case: dict[str, Any], as_of: date) -> None:
    """Loading gives a Policy or problems (PolicyError); never a traceback. The CLI says the
    same; a policy that loads evaluates a case on both backends alike."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.yaml"
        path.write_bytes(raw)
        try:
            policy = load_policy(str(path))
        except PolicyError as exc:
            policy = None
            assert exc.problems
        problems = check_policy_file(path)
        assert (policy is None) == bool(problems), [p.render() for p in problems]
        for command in ("validate", "show", "render", "readings"):
            status, _, err = cli([command, str(path)])
            assert_no_crash(status, err, (0, 2))
            assert (status == 0) == (policy is not None), (command, err)
    if policy is None:
        return
    count("policies that load")
    outcomes = set()
    for backend in BACKENDS:
        try:
            result = evaluate(policy, case, as_of, backend=backend)
            outcomes.add(to_json(result.to_dict(explain=True)))
        except (CaseError, EvaluationError) as exc:
            outcomes.add(repr(sorted({p.code for p in exc.problems})))
    assert len(outcomes) == 1, "the backends disagree"


@half
@given(data=policies(), case=histories(max_periods=2), as_of=days())
def test_generated_policies_load_or_give_problems(data, case, as_of):
    count("generated policies")
    _policy_properties(policy_yaml(data).encode("utf-8"), case, as_of)


@half
@given(data=mutated_policies(), case=histories(max_periods=2), as_of=days())
def test_mutated_bundled_policies_load_or_give_problems(data, case, as_of):
    count("mutated policies")
    _policy_properties(policy_yaml(data).encode("utf-8"), case, as_of)


@half
@given(raw=st.one_of(truncated_policy_bytes(), edited_policy_bytes()), case=histories(max_periods=1), as_of=days())
def test_truncated_policy_files_load_or_give_problems(raw, case, as_of):
    """A bundled policy cut at a random byte, or with a hostile line put in."""
    count("truncated policies")
    _policy_properties(raw, case, as_of)


# --------------------------------------------------------------------------- the CLI


@given(
    text=junk_file_text(),
    suffix=st.sampled_from([".yaml", ".json", ".yml", ".txt"]),
    policy_id=BUNDLED,
    options=st.sampled_from([[], ["--format", "text"], ["--explain"], ["--backend", "python"]]),
)
def test_cli_evaluate_never_crashes_on_a_junk_case_file(text, suffix, policy_id, options):
    count("cli evaluate")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case{suffix}"
        path.write_text(text, encoding="utf-8")
        status, _, err = cli(["evaluate", str(path), "-p", policy_id, "--as-of", AS_OF, *options])
        assert_no_crash(status, err)
        status, _, err = cli(["validate", str(path)])  # the same file checked, not evaluated
        assert_no_crash(status, err, (0, 2))


@given(lines=jsonl_text(), policy_id=BUNDLED, fmt=st.sampled_from(["csv", "jsonl", "json", "summary"]))
def test_cli_caseload_never_crashes_on_junk_json_lines(lines, policy_id, fmt):
    text, objects = lines
    count("cli caseload -")
    status, _, err = cli(["caseload", "-", "-p", policy_id, "--as-of", AS_OF, "--format", fmt], stdin=text)
    assert_no_crash(status, err)
    last = err.rstrip("\n").rsplit("\n", 1)[-1]
    match = re.fullmatch(r"(\d+) children evaluated, (\d+) refused", last)
    assert match, err
    # Every JSON object read is a child, evaluated or refused.
    assert int(match[1]) + int(match[2]) >= objects, err
