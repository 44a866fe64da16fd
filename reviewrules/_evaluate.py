"""Evaluating a policy for a child: check the case, chain the rules, settle the results.

After forward chaining, two things need the whole picture and so happen here:
an obligation declared to supersede others for the same review marks the later
ones ``superseded`` (and what was derived only from them), and the facts are
turned into sorted, immutable results.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from ._errors import CaseError, Problem, ReviewRulesError
from .case._files import Case, case_from_mapping, parse_date
from .engine._compile import CompiledPolicy, compile_policy
from .engine._derive import event_facts
from .engine._durable import available as durable_available
from .engine._durable import run_durable, unavailable_reason
from .engine._facts import CaseIndex, Fact, Session
from .engine._python import run_python
from .engine._result import (
    About,
    Escalation,
    Notice,
    Obligation,
    PolicyRef,
    Result,
    TraceStep,
)
from .engine._settle import settle
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
        return date.today()
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
) -> Result:
    """Every obligation, escalation and notice the policy requires for one child, as of a date.

    ``as_of`` defaults to today. ``backend`` is "auto" (durable-rules where it
    imports, else pure Python), "durable" or "python"; all give the same result.
    """
    resolved = _as_policy(policy)
    return _evaluate_one(compile_policy(resolved), _as_case(case), _as_date(as_of), _runner(backend))


def evaluate_many(
    policy: Policy | str | Path,
    cases: Iterable[Case | Mapping[str, object]],
    as_of: date | str | None = None,
    *,
    backend: str = "auto",
) -> Iterator[Result]:
    """Evaluate many children, yielding each result as it is ready (constant memory)."""
    resolved = _as_policy(policy)
    compiled = compile_policy(resolved)
    day = _as_date(as_of)
    runner = _runner(backend)
    for case in cases:
        yield _evaluate_one(compiled, _as_case(case), day, runner)


def _check_against_policy(case: Case, compiled: CompiledPolicy) -> None:
    """Task names must be kinds the policy knows; tasks of a review must say which review."""
    policy, known, per_review = compiled.policy, compiled.task_kinds, compiled.review_task_kinds
    problems = []
    for event in case.of_type("task_completed"):
        task = event.get("task")
        where = dict(file=case.file, line=event.line, child=case.child_id, event=event.index, path=("events", event.index, "task"))
        if task not in known:
            problems.append(
                Problem(f"task '{task}' is not an obligation kind of policy {policy.id}", code="unknown-task", **where)  # type: ignore[arg-type]
            )
        elif task in per_review and event.review is None:
            problems.append(
                Problem(
                    f"task '{task}' belongs to a review under policy {policy.id}: add review: N",
                    code="task-review",
                    **where,  # type: ignore[arg-type]
                )
            )
    if problems:
        raise CaseError(problems)


def _evaluate_one(compiled: CompiledPolicy, case: Case, as_of: date, runner: Runner) -> Result:
    policy = compiled.policy
    _check_against_policy(case, compiled)
    index = CaseIndex(case, as_of)
    session = Session(policy, index)
    if index.ignored:
        session.note(
            f"{len(index.ignored)} event(s) dated after the as-of date {as_of} were not considered"
        )
    if index.start is None:
        session.note(f"as of {as_of} the child had not yet become looked after")
    runner(compiled, session, event_facts(index))
    settle(session)
    return _result(case, policy, as_of, session)


def _first_parent(fact: Fact, session: Session) -> Fact | None:
    parents = [session.facts[p] for p in fact.parents if p in session.facts]
    if not parents:
        return None
    live = [p for p in parents if p.status != "superseded"] or parents
    # By content, never by derivation order, so both backends explain alike.
    return min(live, key=lambda p: (p.due or date.min, p.kind, p.id))


def _explainer(fact: Fact, session: Session) -> Callable[[], tuple[TraceStep, ...]]:
    cache: list[tuple[TraceStep, ...]] = []

    def explain() -> tuple[TraceStep, ...]:
        if not cache:
            cache.append(_trace(fact, session))
        return cache[0]

    return explain


def _trace(fact: Fact, session: Session) -> tuple[TraceStep, ...]:
    chain: list[Fact] = []
    current: Fact | None = fact
    while current is not None and len(chain) < 1000:
        chain.append(current)
        current = _first_parent(current, session)
    steps = []
    for item in reversed(chain):
        if item.fact == "event":
            assert item.event is not None
            steps.append(TraceStep(f"event {item.event.label()} on {item.event.date} (event {item.event.index + 1} in the case)"))
            continue
        rule = item.rule
        assert rule is not None
        arithmetic = item.shift.arithmetic() if item.shift is not None else None
        skipped = tuple(f"{d.isoformat()} {name}" for d, name in item.shift.holidays_skipped) if item.shift else ()
        if item.fact == "obligation":
            what = f"{item.kind}" + (f" (review {item.review})" if item.review is not None else "")
            text = f"{what}: counted from {item.anchor_label}; due {item.due}; {item.status_reason}"
            if item.status == "superseded":
                text += "; superseded"
        elif item.fact == "escalation":
            counted = arithmetic or f"{item.anchor} + 1 day = {item.due}"
            text = f"{item.kind} raised {item.due} to {item.to}: the first day after {item.anchor_label} ({counted})"
        else:
            text = f"{item.kind}: {item.anchor_label}"
        steps.append(TraceStep(text, rule.qualified_id, rule.source.quote, arithmetic, skipped))
    return tuple(steps)


def _result(case: Case, policy: Policy, as_of: date, session: Session) -> Result:
    obligations: list[Obligation] = []
    escalations: list[Escalation] = []
    notices: list[Notice] = []
    for fact in session.facts.values():
        rule = fact.rule
        if rule is None:
            continue
        if fact.fact == "obligation":
            assert fact.due is not None and fact.status is not None
            obligations.append(
                Obligation(
                    kind=fact.kind,
                    review=fact.review,
                    due=fact.due,
                    status=fact.status,
                    done=fact.done,
                    owner=fact.owner,
                    rule=rule.qualified_id,
                    source=rule.source,
                    notes=tuple(fact.notes),
                    version=fact.version,
                    status_by=fact.status_by,
                    explainer=_explainer(fact, session),
                )
            )
        elif fact.fact == "escalation":
            if fact.status in ("superseded", "not_applicable"):
                continue
            assert fact.about is not None and fact.due is not None
            escalations.append(
                Escalation(
                    kind=fact.kind,
                    about=About(*fact.about),
                    raised=fact.due,
                    to=fact.to,
                    rule=rule.qualified_id,
                    source=rule.source,
                    notes=tuple(fact.notes),
                    version=fact.version,
                    explainer=_explainer(fact, session),
                )
            )
        elif fact.fact == "notice":
            if fact.status in ("superseded", "not_applicable"):
                continue
            assert fact.due is not None
            notices.append(
                Notice(fact.kind, fact.due, fact.trigger_label, rule.qualified_id, rule.source, tuple(fact.notes), fact.version)
            )
    obligations.sort(key=lambda o: (o.due, o.kind, o.review or 0, o.rule, o.status))
    escalations.sort(key=lambda e: (e.raised, e.kind, e.about.kind, e.about.review or 0, e.rule))
    notices.sort(key=lambda n: (n.date, n.kind, n.trigger, n.rule))
    return Result(
        child=case.child_id,
        policy=PolicyRef(policy.id, policy.version, policy.digest),
        as_of=as_of,
        obligations=tuple(obligations),
        escalations=tuple(escalations),
        notices=tuple(notices),
        notes=tuple(session.notes),
    )
