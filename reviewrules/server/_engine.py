"""What the service takes from the library's evaluation internals, in one place.

The service compiles each policy once, at start or reload, and evaluates each
child against the compiled policy, as ``evaluate_many`` does inside; these are
the three pieces of ``reviewrules/_evaluate.py`` it needs for that.
"""

from __future__ import annotations

from datetime import date

from .._errors import Problem, ReviewRulesError
from .._evaluate import Runner, _policy_warnings, _runner, evaluate_or_refuse
from ..case._model import Case, Refusal
from ..engine._compile import CompiledPolicy
from ..engine._result import Result
from ._bodies import invalid

__all__ = ["Runner", "check_backend", "runner_for", "evaluate_compiled", "policy_problems"]


def check_backend(backend: str) -> None:
    """ReviewRulesError for a backend this Python cannot run (checked when the server starts)."""
    _runner(backend)


def runner_for(backend: str) -> Runner:
    """The engine backend's runner: 422 for a backend this Python cannot run."""
    try:
        return _runner(backend)
    except ReviewRulesError as exc:
        raise invalid(exc.problems[0].message, ("backend",)) from None


def evaluate_compiled(compiled: CompiledPolicy, case: Case, as_of: date, runner: Runner, strict: bool = False) -> Result | Refusal:
    """One child's result, or why it cannot be evaluated (never an exception for bad input)."""
    return evaluate_or_refuse(compiled, case, as_of, runner, strict)


def policy_problems(case: Case, compiled: CompiledPolicy) -> list[Problem]:
    """What refuses this child under this policy before any rule runs (a review's task without
    its review number): checked for every child before a stream starts."""
    return _policy_warnings(case, compiled)[1]
