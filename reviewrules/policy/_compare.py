"""Comparing two policies rule by rule: what was added, removed or changed (matched by id)."""

from __future__ import annotations

from dataclasses import dataclass

from ._model import Policy, Rule

__all__ = ["RuleChange", "rule_changes"]


@dataclass(frozen=True)
class RuleChange:
    id: str
    change: str  # "added", "removed" or "changed"
    a: Rule | None
    b: Rule | None
    fields: tuple[str, ...] = ()


def _changed_fields(a: Rule, b: Rule) -> tuple[str, ...]:
    fields = []
    if (a.emit.anchor, a.emit.offset) != (b.emit.anchor, b.emit.offset):
        fields.append("timescale")
    if (a.emit.fact, a.emit.kind, a.emit.review, a.emit.supersedes, a.emit.met_by, a.emit.to) != (
        b.emit.fact,
        b.emit.kind,
        b.emit.review,
        b.emit.supersedes,
        b.emit.met_by,
        b.emit.to,
    ):
        fields.append("emits")
    if a.when != b.when:
        fields.append("trigger")
    if a.owner != b.owner:
        fields.append("owner")
    if a.source != b.source:
        fields.append("source")
    if (a.notes, a.alternatives) != (b.notes, b.alternatives):
        fields.append("notes")
    return tuple(fields)


def rule_changes(a: Policy, b: Policy) -> list[RuleChange]:
    a_rules = {r.id: r for r in a.rules}
    b_rules = {r.id: r for r in b.rules}
    changes: list[RuleChange] = []
    for rule_id in list(a_rules) + [i for i in b_rules if i not in a_rules]:
        ra, rb = a_rules.get(rule_id), b_rules.get(rule_id)
        if ra is None:
            changes.append(RuleChange(rule_id, "added", None, rb))
        elif rb is None:
            changes.append(RuleChange(rule_id, "removed", ra, None))
        else:
            fields = _changed_fields(ra, rb)
            if fields:
                changes.append(RuleChange(rule_id, "changed", ra, rb, fields))
    return changes
