"""Semantic checks on policies that need more than one rule: the problems a schema cannot see.

* across an ``extends`` chain: overriding a rule that does not exist, or two
  layers defining one id without ``override``, naming both places;
* on the resolved policy: kinds referenced that no rule emits or nobody
  declared, and chains of rules that would never stop.

Checks on single rules live in ``_rule_builder``.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from .._errors import Problem
from .._vocabulary import ESCALATION_KINDS, NOTICE_KINDS, OBLIGATION_KINDS
from ._model import Rule
from ._rule_builder import Layer, did_you_mean
from ._yaml import Document

__all__ = ["Inherited", "merge_layers", "resolved_problems"]


def _where(rule: Rule) -> str:
    return f"{rule.file}:{rule.line}" if rule.file else rule.qualified_id


class Inherited(NamedTuple):
    """What a layer builds on: the parent policy, or the previous version."""

    name: str  # "england", or "version v46"
    file: str | None
    rules: Sequence[Rule]


def merge_layers(base: Inherited | None, layer: Layer) -> tuple[list[Rule], list[Problem]]:
    """Apply one layer on top of what it builds on: override by id, remove, or add."""
    problems: list[Problem] = []
    inherited: dict[str, Rule] = {r.id: r for r in base.rules} if base else {}
    doc = layer.doc
    for rule in layer.rules:
        if rule.id in inherited and rule.id not in layer.overrides:
            problems.append(
                doc.problem(
                    rule.path + ("id",),
                    f"rule '{rule.id}' is already defined by {base.name if base else '?'} at "
                    f"{_where(inherited[rule.id])}; add override: true to replace it, or choose another id",
                    code="override-missing",
                    rule=rule.id,
                )
            )
        elif rule.id in layer.overrides and rule.id not in inherited:
            if base is None:
                message = f"rule '{rule.id}' has override: true but this policy extends nothing"
            else:
                message = (
                    f"rule '{rule.id}' has override: true but {base.name} "
                    f"({base.file}) has no rule '{rule.id}' to override"
                    f"{did_you_mean(rule.id, inherited)}"
                )
            problems.append(doc.problem(rule.path + ("override",), message, code="override-unknown", rule=rule.id))
    removed: set[str] = set()
    for rule_id, i in layer.removes:
        if rule_id not in inherited:
            problems.append(
                doc.problem(
                    layer.prefix + ("remove", i),
                    f"cannot remove '{rule_id}': {base.name if base else 'no parent policy'} has no such rule"
                    f"{did_you_mean(rule_id, inherited)}",
                    code="remove-unknown",
                    rule=rule_id,
                )
            )
        removed.add(rule_id)
    own = {r.id: r for r in layer.rules}
    merged: list[Rule] = []
    for rule in base.rules if base else ():
        if rule.id in removed:
            continue
        merged.append(own.pop(rule.id) if rule.id in own else rule)
    merged.extend(r for r in layer.rules if r.id in own)
    return merged, problems


def _problem_at(rule: Rule, sub: tuple[str | int, ...], message: str, code: str, docs: dict[str, Document]) -> Problem:
    doc = docs.get(rule.file or "")
    if doc is None:
        return Problem(message, file=rule.file, line=rule.line, column=rule.column, code=code, rule=rule.id)
    return doc.problem(rule.path + sub, message, code=code, rule=rule.id)


def resolved_problems(rules: list[Rule], declared: dict[str, str], docs: dict[str, Document]) -> list[Problem]:
    """Checks that need the whole resolved policy: kinds and never-ending chains."""
    problems: list[Problem] = []
    vocabulary = {**OBLIGATION_KINDS, **ESCALATION_KINDS, **NOTICE_KINDS, **declared}
    emitted: dict[str, set[str]] = {"obligation": set(), "escalation": set(), "notice": set(), "lapse": set()}
    for rule in rules:
        emitted[rule.emit.fact].add(rule.emit.kind)
        if rule.emit.fact != "lapse" and rule.emit.kind not in vocabulary:
            problems.append(
                _problem_at(
                    rule,
                    ("emit", rule.emit.fact),
                    f"unknown {rule.emit.fact} kind '{rule.emit.kind}': use a kind from the contract "
                    f"or declare it under kinds:{did_you_mean(rule.emit.kind, vocabulary)}",
                    "unknown-kind",
                    docs,
                )
            )
    for rule in rules:
        if rule.when.fact in ("obligation", "escalation"):
            for kind in rule.when.kinds:
                if kind not in emitted[rule.when.fact]:
                    problems.append(
                        _problem_at(
                            rule,
                            ("when", rule.when.fact),
                            f"unknown {rule.when.fact} kind referenced: no rule in this policy emits '{kind}'"
                            f"{did_you_mean(kind, emitted[rule.when.fact])}",
                            "unknown-kind",
                            docs,
                        )
                    )
        for kind in rule.emit.supersedes:
            if kind not in emitted["obligation"]:
                problems.append(
                    _problem_at(
                        rule,
                        ("emit", "supersedes"),
                        f"supersedes '{kind}', which no rule in this policy emits"
                        f"{did_you_mean(kind, emitted['obligation'])}",
                        "unknown-kind",
                        docs,
                    )
                )
    problems.extend(_cycle_problems(rules, docs))
    return problems


def _cycle_problems(rules: list[Rule], docs: dict[str, Document]) -> list[Problem]:
    """A cycle of rules ends only if one of them counts from a date that happened.

    The review cycle (subsequent review -> subsequent review) ends because each
    step counts from the date the previous review was held (from: done), and a
    case holds finitely many held reviews. A cycle in which every step counts
    from a computed date would produce obligations for ever.
    """
    by_kind: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        for kind in rule.when.kinds:
            by_kind.setdefault((rule.when.fact, kind), []).append(rule)
    edges = {rule.id: [r.id for r in by_kind.get((rule.emit.fact, rule.emit.kind), [])] for rule in rules}
    by_id = {rule.id: rule for rule in rules}
    problems: list[Problem] = []
    for component in _strongly_connected(edges):
        if len(component) == 1 and component[0] not in edges[component[0]]:
            continue
        members = [by_id[i] for i in component]
        if any(r.emit.anchor is not None and r.emit.anchor.name == "done" for r in members):
            continue
        chain = " -> ".join(r.id for r in members) + f" -> {members[0].id}"
        problems.append(
            _problem_at(
                members[0],
                ("when",),
                f"rules form a cycle that never ends ({chain}): each pass counts from a computed date; "
                "make one rule in the cycle count from the date a review was held (from: done)",
                "cycle",
                docs,
            )
        )
    return problems


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in a deterministic order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child_i = work.pop()
            if child_i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = edges[node]
            if child_i < len(children):
                work.append((node, child_i + 1))
                child = children[child_i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component, key=list(edges).index))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result
