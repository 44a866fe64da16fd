"""A resolved policy written back as policy YAML: ``reviewrules show POLICY --resolved``.

The output is itself a valid policy (it extends nothing: every inherited rule is
spelled out), and a comment above each rule says which policy and file line it
came from, so an officer can see exactly what their variant amounts to.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import yaml

from ..policy._model import (
    Alternative,
    Anchor,
    Condition,
    Emission,
    Offset,
    Policy,
    Rule,
    Trigger,
)

__all__ = ["resolved_yaml", "rule_data"]


def _values(cond: Condition) -> Any:
    values = list(cond.values)
    return values[0] if len(values) == 1 else values


def _conditions(conds: tuple[Condition, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cond in conds:
        if cond.op == "exists":
            out[cond.field] = {"exists": bool(cond.values[0])}
        elif cond.op == "not_in":
            out[cond.field] = {"not": _values(cond)}
        else:
            out[cond.field] = _values(cond)
    return out


def _trigger(when: Trigger) -> dict[str, Any]:
    out: dict[str, Any] = {when.fact: when.kinds[0] if len(when.kinds) == 1 else list(when.kinds)}
    if when.status is not None:
        out["status"] = when.status[0] if len(when.status) == 1 else list(when.status)
    if when.where:
        out["where"] = _conditions(when.where)
    if when.episode:
        out["episode"] = _conditions(when.episode)
    child: dict[str, Any] = {}
    for name in ("age_under", "age_at_least", "first_review_after_birthday"):
        if getattr(when, name) is not None:
            child[name] = getattr(when, name)
    if when.placement_type is not None:
        child["placement_type"] = list(when.placement_type)
    if child:
        out["child"] = child
    return out


def _anchor(anchor: Anchor) -> Any:
    if anchor.name == "birthday":
        return {"birthday": anchor.years}
    if anchor.name == "field":
        return {"field": anchor.field}
    return anchor.name


def _offset(offset: Offset) -> str:
    return offset.words()


def _emission(emit: Emission) -> dict[str, Any]:
    out: dict[str, Any] = {"lapses": True} if emit.fact == "lapse" else {emit.fact: emit.kind}
    if emit.fact == "obligation":
        out["review"] = "none" if emit.review is None else emit.review
    if emit.to is not None:
        out["to"] = emit.to
    if emit.anchor is not None:
        out["from"] = _anchor(emit.anchor)
    if emit.offset is not None:
        out["offset"] = _offset(emit.offset)
    if emit.supersedes:
        out["supersedes"] = list(emit.supersedes)
    if emit.met_by is not None:
        met = emit.met_by
        if met.how in ("review", "task"):
            out["met_by"] = met.how
        else:
            spec: dict[str, Any] = {"event": met.events[0] if len(met.events) == 1 else list(met.events)}
            if met.where:
                spec["where"] = _conditions(met.where)
            if met.same:
                spec["same"] = list(met.same)
            out["met_by"] = spec
    return out


def _alternative(alt: Alternative) -> dict[str, Any]:
    out: dict[str, Any] = {"id": alt.id, "reading": alt.reading}
    if alt.anchor is not None:
        out["from"] = _anchor(alt.anchor)
    if alt.offset is not None:
        out["offset"] = _offset(alt.offset)
    if alt.note:
        out["note"] = alt.note
    return out


def rule_data(rule: Rule) -> dict[str, Any]:
    """One rule in the policy file format."""
    out: dict[str, Any] = {"id": rule.id}
    if rule.title:
        out["title"] = rule.title
    out["when"] = _trigger(rule.when)
    out["emit"] = _emission(rule.emit)
    if rule.owner is not None:
        out["owner"] = rule.owner
    out["source"] = rule.source.to_dict()
    if rule.notes:
        out["notes"] = list(rule.notes)
    if rule.reading is not None:
        reading: dict[str, Any] = {}
        if rule.reading.question:
            reading["question"] = rule.reading.question
        reading["taken"] = rule.reading.taken
        reading["why"] = rule.reading.why
        if rule.reading.conflicts:
            reading["conflicts"] = [c.to_dict() for c in rule.reading.conflicts]
        out["reading"] = reading
    if rule.alternatives:
        out["alternatives"] = [_alternative(a) for a in rule.alternatives]
    return out


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def resolved_yaml(policy: Policy) -> str:
    """The fully resolved policy as YAML, each rule annotated with where it came from.

    A policy with dated versions is shown as its latest version (pass
    ``policy.at(label)`` for another), so that the output is itself a valid policy.
    """
    if len(policy.versions) > 1:
        policy = policy.at(policy.versions[-1].label)
    document = {k: v for k, v in asdict(policy.document).items() if v is not None}
    if policy.version is not None:
        document["version"] = policy.version
    head: dict[str, Any] = {"id": policy.id, "title": policy.title, "document": document}
    if policy.notes:
        head["notes"] = list(policy.notes)
    if policy.kinds:
        head["kinds"] = dict(policy.kinds)
    lines = [
        f"# {policy.id}, resolved: {' -> '.join(policy.lineage)}; digest {policy.digest}",
        "# Every inherited rule is spelled out; the comment above each says where it was defined.",
    ]
    if policy.versions:
        lines.append(f"# Version {policy.versions[0].label}, in force from {policy.versions[0].start}.")
    text = "\n".join(lines) + "\n" + _dump(head) + "rules:\n"
    for rule in policy.rules:
        where = f"{rule.file}:{rule.line}" if rule.file else "?"
        comment = f"  # {rule.qualified_id}, defined in {where}"
        body = _dump([rule_data(rule)])
        text += comment + "\n" + "".join("  " + line + "\n" for line in body.splitlines())
    return text
