"""Evaluating a policy for a child: check the case against the policy, then for each
period of care chain the rules, settle the results, and collect them into one result.

Each period of care is evaluated on its own (its reviews numbered from 1, its
cycle started afresh, contract section 1) and every item it gives carries the
period's start date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from ._calendar import today
from ._errors import CaseError, EvaluationError, Problem, ReviewRulesError
from .case._files import case_from_mapping, case_or_refusal, plain_data
from .case._model import Case, CaseWarning, Refusal, parse_date
from .engine._collect import collect
from .engine._compile import CompiledPolicy, compile_policy
from .engine._derive import event_facts
from .engine._durable import available as durable_available
from .engine._durable import run_durable, unavailable_reason
from .engine._facts import CaseIndex, Fact, Session
from .engine._python import run_python
from .engine._result import Result
from .engine._rows import ChildRows, child_rows
from .engine._settle import settle
from .output._tables import ChildCsv, child_csv
from .policy._loading import load_policy
from .policy._model import Policy

__all__ = ["evaluate", "evaluate_many", "BACKENDS", "default_backend"]

BACKENDS = ("auto", "durable", "python")
Runner = Callable[[CompiledPolicy, Session, list[Fact]], None]


def default_backend() -> str:
    return "durable" if durable_available() else "python"


def _runner(backend: str) -> Runner:
    if backend not in BACKENDS:
        raise ReviewRulesError([Problem(f"unknown backend '{backend}' (allowed: {', '.join(BACKENDS)})", code="usage")])
    if backend == "auto":
        backend = default_backend()
    if backend == "durable":
        if not durable_available():
            raise ReviewRulesError(
                [
                    Problem(
                        f"the durable-rules backend is not available on this Python ({unavailable_reason()}); "
                        "use backend='python'",
                        code="backend",
                    )
                ]
            )
        return run_durable
    return run_python


def _as_policy(policy: Policy | str | Path) -> Policy:
    return policy if isinstance(policy, Policy) else load_policy(policy)


def _as_case(case: Case | Mapping[str, object]) -> Case:
    return case if isinstance(case, Case) else case_from_mapping(case)


def _as_date(as_of: date | str | None) -> date:
    if as_of is None:
        return today()
    try:
        return parse_date(as_of)
    except ValueError as exc:
        raise ReviewRulesError([Problem(f"as-of date {exc}", code="usage")]) from None


def evaluate(
    policy: Policy | str | Path,
    case: Case | Mapping[str, object],
    as_of: date | str | None = None,
    *,
    backend: str = "auto",
    strict: bool = False,
    readings: bool = True,
) -> Result:
    """Every obligation, escalation and notice the policy requires for one child, as of a date.

    ``as_of`` defaults to today. ``backend`` is "auto" (durable-rules where it
    imports, else pure Python), "durable" or "python"; all give the same result.
    ``strict=True`` refuses a case with warnings (data read but not used) instead
    of evaluating it. ``readings=False`` leaves out of each obligation's notes what
    the other readings of its rule's text would give. Raises CaseError for a case
    that cannot be evaluated.
    """
    resolved = _as_policy(policy)
    return _evaluate_one(compile_policy(resolved), _as_case(case), _as_date(as_of), _runner(backend), strict, readings)


def evaluate_many(
    policy: Policy | str | Path,
    cases: Iterable[Case | Refusal | Mapping[str, object]],
    as_of: date | str | None = None,
    *,
    backend: str = "auto",
    on_error: str = "raise",
    strict: bool = False,
    readings: bool = True,
    jobs: int = 1,
) -> Iterator[Any]:
    """Evaluate many children, yielding each result as it is ready (constant memory).

    ``jobs`` above 1 evaluates in that many worker processes, each compiling the policy
    once; results come back in the order the children were given, the same as with one.
    Cases given from ``read_cases`` are parsed in the workers too.

    ``readings`` and ``strict`` are as for ``evaluate``. With ``on_error="raise"`` (the default) the first child that cannot be
    evaluated raises CaseError. With ``on_error="report"`` that child is yielded as
    a ``Refusal`` (its problems, located) and evaluation carries on, so that every
    child in is either a ``Result`` or a ``Refusal`` out. A ``Refusal`` given in
    (from ``load_cases(..., on_error="report")``) passes through.
    """
    if on_error not in ("raise", "report"):
        raise ReviewRulesError([Problem(f"on_error must be 'raise' or 'report', not {on_error!r}", code="usage")])
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ReviewRulesError([Problem(f"jobs must be a whole number of processes, 1 or more, not {jobs!r}", code="usage")])
    resolved = _as_policy(policy)
    day = _as_date(as_of)
    runner = _runner(backend)
    if jobs > 1:
        yield from _on_cores(resolved, cases, day, backend, on_error, strict, readings, jobs)
        return
    compiled = compile_policy(resolved)
    for case in cases:
        if on_error == "raise":
            if isinstance(case, Refusal):
                raise CaseError(case.problems)
            yield _evaluate_one(compiled, _as_case(case), day, runner, strict, readings)
            continue
        yield evaluate_or_refuse(compiled, case, day, runner, strict, readings)


def _on_cores(
    policy: Policy,
    cases: Iterable[Any],
    as_of: date,
    backend: str,
    on_error: str,
    strict: bool,
    readings: bool,
    jobs: int,
) -> Iterator[Any]:
    """``evaluate_many`` in worker processes, in the order given (``_caseload.records``)."""
    from ._caseload import Settings, records  # it evaluates with this module: imported when used
    from .case._stream import CaseReader

    units: Iterable[Any]
    if isinstance(cases, CaseReader):
        read, units = True, cases.units()
    else:
        read, units = False, (("built", case) for case in cases)
    settings = Settings(policy, as_of, backend, strict, readings, _with_where)
    seen: dict[str, str | None] = {}
    item: Result | Refusal
    where: str | None
    for item, where in records(units, settings, jobs):
        if read and isinstance(item, Result) and item.child in seen:  # each child once, as read_cases gives them
            file, _, line = (where or "").rpartition(":")
            item = Refusal(
                item.child,
                (
                    Problem(
                        f"child id '{item.child}' was already read (at {seen[item.child]}); each child needs one entry in a caseload",
                        file=file or where,
                        line=int(line) if line.isdigit() else None,
                        child=item.child,
                        code="duplicate-child",
                    ),
                ),
                file or where,
                int(line) if line.isdigit() else None,
            )
        elif isinstance(item, Result):
            seen[item.child] = where
        if on_error == "raise" and isinstance(item, Refusal):
            raise CaseError(item.problems)
        yield item


def _with_where(item: Result | Refusal, where: str | None) -> tuple[Result | Refusal, str | None]:
    """What a worker sends back for ``evaluate_many``: the result itself, and where it was read."""
    return item, where


def evaluate_or_refuse(
    compiled: CompiledPolicy,
    case: Case | Refusal | Mapping[str, object],
    as_of: date,
    runner: Runner,
    strict: bool,
    readings: bool = True,
) -> Result | Refusal:
    """One child's result, or why it cannot be evaluated: never an exception for bad input."""
    return _or_refusal(case, lambda built: _evaluate_one(compiled, built, as_of, runner, strict, readings))


def rows_or_refuse(
    compiled: CompiledPolicy, case: Case | Refusal | Mapping[str, object], as_of: date, runner: Runner, strict: bool
) -> ChildRows | Refusal:
    """``evaluate_or_refuse`` for a caseload's CSV or summary: only the child's rows."""
    return _or_refusal(case, lambda built: _rows_of_one(compiled, built, as_of, runner, strict))


def csv_or_refuse(
    compiled: CompiledPolicy, case: Case | Refusal | Mapping[str, object], as_of: date, runner: Runner, strict: bool
) -> ChildCsv | Refusal:
    """``rows_or_refuse`` for an unfiltered CSV: the child's CSV rows, written as they are sorted."""
    return _or_refusal(case, lambda built: _csv_of_one(compiled, built, as_of, runner, strict))


_Out = TypeVar("_Out")


def _or_refusal(case: Case | Refusal | Mapping[str, object], evaluate: Callable[[Case], _Out]) -> _Out | Refusal:
    if isinstance(case, Refusal):
        return case
    if not isinstance(case, Case):
        try:  # as evaluate() reads a mapping: dates given as date objects are dates
            item = case_or_refusal(plain_data(case, "<case>"), "<case>")
        except CaseError as exc:
            return Refusal(_child_id_of(case), exc.problems, "<case>")
        if isinstance(item, Refusal):
            return item
        case = item
    try:
        return evaluate(case)
    except CaseError as exc:
        return Refusal(case.child_id, exc.problems, case.file, case.line)
    except EvaluationError as exc:  # located at the child, as a case's problems are
        problems = tuple(replace(p, child=p.child or case.child_id, file=p.file or case.file, line=p.line or case.line) for p in exc.problems)
        return Refusal(case.child_id, problems, case.file, case.line)


def _child_id_of(data: object) -> str | None:
    child = data.get("child") if isinstance(data, Mapping) else None
    found = child.get("id") if isinstance(child, Mapping) else None
    return found if isinstance(found, str) else None


def _policy_warnings(case: Case, compiled: CompiledPolicy) -> tuple[list[CaseWarning], list[Problem]]:
    """Tasks the policy does not know (a warning: case systems record more tasks than any
    one policy names), and tasks of a review that do not say which review (a problem)."""
    policy, known, per_review = compiled.policy, compiled.task_kinds, compiled.review_task_kinds
    warnings: list[CaseWarning] = []
    problems: list[Problem] = []
    for event in case.of_type("task_completed"):
        task = event.task
        if task in known and (task not in per_review or event.review is not None):
            continue  # the common case, with nothing to say
        where = dict(file=case.file, line=event.line, child=case.child_id, event=event.index, path=("events", event.index, "task"))
        if task not in known:
            message = f"task '{task}' is not an obligation kind of policy {policy.id}; it is not used"
            problem = Problem(message, code="unknown-task", **where)  # type: ignore[arg-type]
            warnings.append(CaseWarning("unknown-task", message, event.index + 1, problem))
        elif task in per_review and event.review is None:
            problems.append(
                Problem(
                    f"task '{task}' belongs to a review under policy {policy.id}: add review: N",
                    code="task-review",
                    **where,  # type: ignore[arg-type]
                )
            )
    return warnings, problems


def _strict_problems(case: Case, warnings: list[CaseWarning]) -> list[Problem]:
    """With strict=True, every warning refuses the child."""
    return [
        w.problem
        or Problem(w.message, file=case.file, child=case.child_id, event=None if w.event is None else w.event - 1, code=w.code)
        for w in warnings
    ]


def _evaluate_one(
    compiled: CompiledPolicy, case: Case, as_of: date, runner: Runner, strict: bool = False, readings: bool = True
) -> Result:
    sessions, warnings, notes = _settled(compiled, case, as_of, runner, strict)
    return collect(case, compiled.policy, as_of, sessions, warnings, notes, readings)


def _rows_of_one(compiled: CompiledPolicy, case: Case, as_of: date, runner: Runner, strict: bool = False) -> ChildRows:
    """What a caseload's CSV and summary need of one child, without its ``Result``."""
    sessions, warnings, _ = _settled(compiled, case, as_of, runner, strict, readings=False, fact_notes=False)
    return child_rows(case, sessions, warnings)


def _csv_of_one(compiled: CompiledPolicy, case: Case, as_of: date, runner: Runner, strict: bool = False) -> ChildCsv:
    """What an unfiltered CSV needs of one child: its rows, written."""
    sessions, warnings, _ = _settled(compiled, case, as_of, runner, strict, readings=False, fact_notes=False)
    return child_csv(case, sessions, warnings)


def _settled(
    compiled: CompiledPolicy,
    case: Case,
    as_of: date,
    runner: Runner,
    strict: bool,
    readings: bool = True,
    fact_notes: bool = True,
) -> tuple[list[Session], tuple[CaseWarning, ...], tuple[str, ...]]:
    """The case checked against the policy, and the settled session of each period of care
    begun by the as-of date, with the child's warnings and notes (``readings=False``: where
    neither notes nor other readings are said, which are then not worked out; ``fact_notes=False``:
    where no fact's notes are said, only its rows)."""
    policy = compiled.policy
    extra, problems = _policy_warnings(case, compiled)
    warnings = sorted([*case.warnings, *extra], key=lambda w: (w.event or 0, w.code))
    if strict:
        problems += _strict_problems(case, warnings)
    if problems:
        raise CaseError(problems)
    notes: list[str] = []
    later = sum(1 for e in case.events if e.date > as_of and e.type != "review_scheduled")
    if later:
        notes.append(f"{later} event(s) dated after the as-of date {as_of} were not considered")
    sessions = []
    for period in case.periods:
        if period.start > as_of:
            continue
        index = CaseIndex(case, period, as_of, policy.period_source)
        session = Session(policy, index, readings, fact_notes)
        runner(compiled, session, event_facts(index, compiled.event_types) + _records_begin(index))
        settle(session)
        sessions.append(session)
    if not sessions:
        notes.append(f"as of {as_of} the child had not yet become looked after")
    return sessions, tuple(warnings), tuple(notes)


def _records_begin(index: CaseIndex) -> list[Fact]:
    """In a period that began before the records begin, the first review held on or after
    that date is taken as a subsequent review of unknown number, and the cycle continues
    from it (contract section 1, records_from): a held review the rules react to."""
    if index.complete or not index.held_events:
        return []
    first = index.held_events[0]
    number = index.first_review
    reason = (
        f"review held on {first.date} (event {first.index + 1} in the case), the first on or after the records begin "
        f"({index.records_from}): counted as a subsequent review whose number is unknown"
    )
    seed = Fact(
        id=("records-begin", first.index),
        fact="obligation",
        kind="review.subsequent",
        fields={"status": "met", "review": number},
        event=first,
        review=number,
        due=first.date,
        done=first.date,
        status="met",
        root=first,
        label=f"review held {first.date}",
        reason=reason,
    )
    seed.parents = {("event", first.index)}
    return [seed]
