"""Compiling a policy for the engines: which rules can fire on which facts.

The compiled form is backend-neutral. Each rule becomes a pattern (fact class,
kinds, and the field tests an engine can do itself) and a plan (``_plan``) that
says what it produces. The durable-rules adapter turns patterns into its own
JSON conditions; the pure-Python backend matches them directly; both fire the
same plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .._vocabulary import OBLIGATION_KINDS
from ..policy._model import Policy, Rule
from ._facts import Fact, Session
from ._plan import RulePlan
from ._plan_code import written_fires

__all__ = ["CompiledRule", "CompiledPolicy", "compile_policy"]


@dataclass(frozen=True)
class CompiledRule:
    number: int
    rule: Rule
    plan: RulePlan

    @property
    def name(self) -> str:
        """A name the engine accepts: r<number>_<rule id>."""
        return f"r{self.number}_{self.rule.id.replace('-', '_')}"


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    rules: tuple[CompiledRule, ...]
    by_fact_kind: dict[tuple[str, str], tuple[CompiledRule, ...]]
    task_kinds: frozenset[str]  # what a task_completed may name under this policy
    review_task_kinds: frozenset[str]  # ...and which of those belong to a review
    # The event types some rule reacts to, and review_held (the review a period's
    # records begin with is explained from its event).
    event_types: frozenset[str]
    # ``by_fact_kind`` as one function a kind of fact, firing its rules in that order and giving
    # what each gives, in turn (``_plan_code.written_fires``): what the python backend calls.
    fires: dict[tuple[str, str], Callable[[Fact, Session], list[Fact]]]

    def candidates(self, fact: str, kind: str) -> tuple[CompiledRule, ...]:
        return self.by_fact_kind.get((fact, kind), ())


def compile_policy(policy: Policy, written: bool = True) -> CompiledPolicy:
    """``written=False`` fires every rule through ``RulePlan.fire_any`` (the check on ``_plan_code``)."""
    rules = tuple(CompiledRule(i, rule, RulePlan(rule, policy, written)) for i, rule in enumerate(policy.rules))
    index: dict[tuple[str, str], list[CompiledRule]] = {}
    for compiled in rules:
        for kind in compiled.rule.when.kinds:
            index.setdefault((compiled.rule.when.fact, kind), []).append(compiled)
    per_review = {r.emit.kind for r in policy.rules if r.emit.fact == "obligation" and r.emit.review is not None}
    return CompiledPolicy(
        policy,
        rules,
        {k: tuple(v) for k, v in index.items()},
        frozenset(OBLIGATION_KINDS) | frozenset(kind for kind, _ in policy.kinds),
        frozenset(per_review),
        frozenset(kind for fact, kind in index if fact == "event") | {"review_held"},
        {key: _fires(policy, key, [c.plan for c in found], written) for key, found in index.items()},
    )


def _fires(policy: Policy, key: tuple[str, str], plans: list[RulePlan], written: bool) -> Callable[[Fact, Session], list[Fact]]:
    """The rules reacting to one kind of fact, fired in turn: written out as one function, or each plan's ``fire_any``."""
    if written:
        return written_fires(plans, f"{policy.id}: {key[0]} {key[1]}")
    fires = tuple(plan.fire for plan in plans)

    def fire(trigger: Fact, session: Session) -> list[Fact]:
        return [fact for one in fires for fact in one(trigger, session)]

    return fire
