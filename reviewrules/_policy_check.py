"""Semantic checks on policies, after the schema: the problems a schema cannot see.

* per file: duplicate rule ids, offsets without a unit, unknown event types and
  fields, anchors that do not fit the trigger, obligations with no owner;
* across an ``extends`` chain: overriding a rule that does not exist, or two
  layers defining one id without ``override``, naming both places;
* on the resolved policy: kinds referenced that no rule emits or nobody
  declared, and chains of rules that would never stop.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable

from ._errors import Problem
from ._policy import (
    Alternative,
    Anchor,
    Condition,
    Emission,
    Offset,
    OffsetTextError,
    Policy,
    Rule,
    Source,
    Trigger,
    parse_offset_text,
)
from ._vocabulary import (
    ESCALATION_KINDS,
    EVENT_FIELDS,
    NOTICE_KINDS,
    OBLIGATION_KINDS,
    SIGNIFICANT_EVENT_CATEGORIES,
)
from ._yaml import Document

__all__ = ["build_rules", "merge_layers", "resolved_problems", "Layer"]

# Fields of obligation and escalation facts that a rule may test with `where`.
_OBLIGATION_FIELDS = ("review", "owner")
_ESCALATION_FIELDS = ("to",)
_ANCHORS_BY_FACT = {
    "event": ("event", "birthday"),
    "obligation": ("due", "done", "review_date", "birthday"),
    "escalation": ("raised", "birthday"),
}


def _did_you_mean(word: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


class _RuleBuilder:
    """Builds one Rule from schema-valid data, collecting every semantic problem."""

    def __init__(self, doc: Document, policy_id: str, default_document: str, index: int):
        self.doc = doc
        self.policy_id = policy_id
        self.default_document = default_document
        self.base: tuple[str | int, ...] = ("rules", index)
        self.problems: list[Problem] = []
        self.rule_id: str | None = None

    def problem(self, sub: tuple[str | int, ...], message: str, code: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(self.base + sub, message, key=key, code=code, rule=self.rule_id))

    def offset(self, raw: Any, sub: tuple[str | int, ...]) -> Offset | None:
        if isinstance(raw, str):
            try:
                return parse_offset_text(raw)
            except OffsetTextError as exc:
                self.problem(sub, str(exc), "offset")
                return None
        if "unit" not in raw:
            self.problem(
                sub,
                f"offset of {raw['amount']} has no unit: add unit: working_days, days, weeks or months "
                "(a document's '20 days' is calendar days, '20 working days' is not)",
                "offset-unit",
            )
            return None
        return Offset(raw["amount"], raw["unit"], raw["direction"])

    def trigger(self, raw: dict[str, Any]) -> Trigger | None:
        facts = [name for name in ("event", "obligation", "escalation") if name in raw]
        if len(facts) != 1:
            self.problem(("when",), "must name exactly one of event, obligation or escalation", "when")
            return None
        fact = facts[0]
        kinds = _as_tuple(raw[fact])
        ok = True
        if fact == "event":
            for kind in kinds:
                if kind not in EVENT_FIELDS:
                    self.problem(
                        ("when", "event"),
                        f"unknown event type '{kind}'{_did_you_mean(kind, EVENT_FIELDS)} "
                        f"(allowed: {', '.join(EVENT_FIELDS)})",
                        "unknown-event",
                    )
                    ok = False
        if "status" in raw and fact == "event":
            self.problem(("when", "status"), "status applies to obligations, not events", "when")
            ok = False
        conditions: list[Condition] = []
        for name, cond in (raw.get("where") or {}).items():
            allowed = self._fields_for(fact, kinds)
            if name not in allowed:
                self.problem(
                    ("when", "where", name),
                    f"'{name}' is not a field of {fact} {' / '.join(kinds)}{_did_you_mean(name, allowed)} "
                    f"(fields: {', '.join(sorted(allowed)) or 'none'})",
                    "unknown-field",
                    key=True,
                )
                ok = False
                continue
            if isinstance(cond, dict) and "exists" in cond:
                conditions.append(Condition(name, "exists", (cond["exists"],)))
                continue
            negate = isinstance(cond, dict)
            values = _as_tuple(cond["not"] if negate else cond)
            if name == "category":
                for value in values:
                    if value not in SIGNIFICANT_EVENT_CATEGORIES:
                        self.problem(
                            ("when", "where", name),
                            f"unknown category '{value}'{_did_you_mean(str(value), SIGNIFICANT_EVENT_CATEGORIES)} "
                            f"(allowed: {', '.join(SIGNIFICANT_EVENT_CATEGORIES)})",
                            "unknown-category",
                        )
                        ok = False
            conditions.append(Condition(name, "not_in" if negate else "in", values))
        child = raw.get("child") or {}
        if not ok:
            return None
        return Trigger(
            fact=fact,
            kinds=kinds,
            where=tuple(conditions),
            status=_as_tuple(raw["status"]) if "status" in raw else None,
            age_under=child.get("age_under"),
            age_at_least=child.get("age_at_least"),
        )

    @staticmethod
    def _fields_for(fact: str, kinds: tuple[str, ...]) -> set[str]:
        if fact == "obligation":
            return set(_OBLIGATION_FIELDS)
        if fact == "escalation":
            return set(_ESCALATION_FIELDS)
        fields: set[str] | None = None
        for kind in kinds:
            own = set(EVENT_FIELDS.get(kind, {})) - {"note", "ref"}
            fields = own if fields is None else fields & own
        return fields or set()

    def emission(self, raw: dict[str, Any], trigger: Trigger | None) -> Emission | None:
        fact = next(name for name in ("obligation", "escalation", "notice") if name in raw)
        kind = raw[fact]
        anchor: Anchor | None = None
        offset: Offset | None = None
        ok = True
        if "from" in raw:
            spec = raw["from"]
            anchor = Anchor("birthday", spec["birthday"]) if isinstance(spec, dict) else Anchor(spec)
            if trigger is not None and anchor.name not in _ANCHORS_BY_FACT[trigger.fact]:
                allowed = ", ".join(_ANCHORS_BY_FACT[trigger.fact]).replace("birthday", "{birthday: N}")
                self.problem(
                    ("emit", "from"),
                    f"cannot count from '{anchor.name}' when the rule reacts to an {trigger.fact} "
                    f"(allowed: {allowed})",
                    "anchor",
                )
                ok = False
        if "offset" in raw:
            offset = self.offset(raw["offset"], ("emit", "offset"))
            ok = ok and offset is not None
        if (anchor is None) != (offset is None) and ok:
            self.problem(("emit",), "give both from and offset, or neither", "offset")
            ok = False
        review: int | str | None = None
        if fact == "obligation":
            review = raw.get("review", "same" if trigger is not None and trigger.fact != "event" else None)
            if review == "none":
                review = None
            if trigger is not None and trigger.fact == "event" and review == "same":
                if not all("review" in EVENT_FIELDS.get(k, {}) for k in trigger.kinds):
                    self.problem(
                        ("emit", "review"),
                        "review: same needs an event that names a review; use a number, next or none",
                        "review-number",
                    )
                    ok = False
        if fact == "escalation" and trigger is not None and trigger.fact == "event":
            self.problem(
                ("when",),
                "an escalation is about an obligation: react to an obligation (with status: overdue) "
                "or to another escalation",
                "escalation-trigger",
            )
            ok = False
        if fact == "notice" and trigger is not None and trigger.fact != "event":
            self.problem(("when",), "a notice reacts to an event", "notice-trigger")
            ok = False
        if not ok:
            return None
        return Emission(
            fact=fact,
            kind=kind,
            review=review,
            anchor=anchor,
            offset=offset,
            to=raw.get("to"),
            supersedes=tuple(raw.get("supersedes", ())),
        )

    def build(self, raw: dict[str, Any]) -> Rule | None:
        self.rule_id = raw["id"]
        trigger = self.trigger(raw["when"])
        emission = self.emission(raw["emit"], trigger)
        if emission is not None and emission.fact == "obligation" and "owner" not in raw:
            self.problem((), "missing owner: say whose task this is (e.g. social_worker, iro)", "owner")
        alternatives: list[Alternative] = []
        for i, alt in enumerate(raw.get("alternatives", [])):
            offset = self.offset(alt["offset"], ("alternatives", i, "offset"))
            if offset is not None:
                alternatives.append(Alternative(alt["reading"], offset, alt.get("note")))
        if self.problems or trigger is None or emission is None:
            return None
        src = raw["source"]
        line, column = self.doc.where(self.base)
        return Rule(
            id=raw["id"],
            policy=self.policy_id,
            when=trigger,
            emit=emission,
            source=Source(src.get("document", self.default_document), src["section"], src["quote"]),
            owner=raw.get("owner"),
            title=raw.get("title"),
            notes=tuple(raw.get("notes", ())),
            alternatives=tuple(alternatives),
            file=self.doc.file,
            line=line,
            column=column,
        )


class Layer:
    """One policy file's own contribution before inheritance is applied."""

    def __init__(self, doc: Document, rules: list[Rule], overrides: set[str], removes: list[tuple[str, int]]):
        self.doc = doc
        self.rules = rules
        self.overrides = overrides
        self.removes = removes


def build_rules(doc: Document, bad_paths: set[tuple[str | int, ...]]) -> tuple[Layer, list[Problem]]:
    """Build the rules of one file, skipping any the schema already rejected."""
    data = doc.data
    problems: list[Problem] = []
    rules: list[Rule] = []
    overrides: set[str] = set()
    first_line: dict[str, int | None] = {}
    policy_id = data.get("id", "?")
    default_document = (data.get("document") or {}).get("title", policy_id)
    raw_rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    for index, raw in enumerate(raw_rules):
        if any(p[:2] == ("rules", index) for p in bad_paths) or not isinstance(raw, dict):
            continue
        rule_id = raw["id"]
        if rule_id in first_line:
            problems.append(
                doc.problem(
                    ("rules", index, "id"),
                    f"duplicate rule id '{rule_id}' (first defined on line {first_line[rule_id]}); "
                    "give each rule its own id",
                    code="duplicate-rule",
                    rule=rule_id,
                )
            )
            continue
        first_line[rule_id] = doc.where(("rules", index))[0]
        builder = _RuleBuilder(doc, policy_id, default_document, index)
        rule = builder.build(raw)
        problems.extend(builder.problems)
        if rule is not None:
            rules.append(rule)
            if raw.get("override"):
                overrides.add(rule.id)
    removes = [(rule_id, i) for i, rule_id in enumerate(data.get("remove", []) or [])]
    return Layer(doc, rules, overrides, removes), problems


def _where(rule: Rule) -> str:
    return f"{rule.file}:{rule.line}" if rule.file else rule.qualified_id


def merge_layers(parent: Policy | None, layer: Layer) -> tuple[list[Rule], list[Problem]]:
    """Apply one layer on top of its parent: override by id, remove, or add."""
    problems: list[Problem] = []
    inherited: dict[str, Rule] = {r.id: r for r in parent.rules} if parent else {}
    doc = layer.doc
    for rule in layer.rules:
        index = _rule_index(doc, rule.id)
        if rule.id in inherited and rule.id not in layer.overrides:
            problems.append(
                doc.problem(
                    ("rules", index, "id"),
                    f"rule '{rule.id}' is already defined by {parent.id if parent else '?'} at "
                    f"{_where(inherited[rule.id])}; add override: true to replace it, or choose another id",
                    code="override-missing",
                    rule=rule.id,
                )
            )
        elif rule.id in layer.overrides and rule.id not in inherited:
            if parent is None:
                message = f"rule '{rule.id}' has override: true but this policy extends nothing"
            else:
                message = (
                    f"rule '{rule.id}' has override: true but {parent.id} "
                    f"({parent.file}) has no rule '{rule.id}' to override"
                    f"{_did_you_mean(rule.id, inherited)}"
                )
            problems.append(doc.problem(("rules", index, "override"), message, code="override-unknown", rule=rule.id))
    removed: set[str] = set()
    for rule_id, i in layer.removes:
        if rule_id not in inherited:
            problems.append(
                doc.problem(
                    ("remove", i),
                    f"cannot remove '{rule_id}': {parent.id if parent else 'no parent policy'} has no such rule"
                    f"{_did_you_mean(rule_id, inherited)}",
                    code="remove-unknown",
                    rule=rule_id,
                )
            )
        removed.add(rule_id)
    own = {r.id: r for r in layer.rules}
    merged: list[Rule] = []
    for rule in parent.rules if parent else ():
        if rule.id in removed:
            continue
        merged.append(own.pop(rule.id) if rule.id in own else rule)
    merged.extend(r for r in layer.rules if r.id in own)
    return merged, problems


def _rule_index(doc: Document, rule_id: str) -> int:
    for index, raw in enumerate(doc.data.get("rules", []) or []):
        if isinstance(raw, dict) and raw.get("id") == rule_id:
            return index
    return 0


def _problem_at(rule: Rule, sub: tuple[str | int, ...], message: str, code: str, docs: dict[str, Document]) -> Problem:
    doc = docs.get(rule.file or "")
    if doc is None:
        return Problem(message, file=rule.file, line=rule.line, column=rule.column, code=code, rule=rule.id)
    return doc.problem(("rules", _rule_index(doc, rule.id)) + sub, message, code=code, rule=rule.id)


def resolved_problems(rules: list[Rule], declared: dict[str, str], docs: dict[str, Document]) -> list[Problem]:
    """Checks that need the whole resolved policy: kinds and never-ending chains."""
    problems: list[Problem] = []
    vocabulary = {**OBLIGATION_KINDS, **ESCALATION_KINDS, **NOTICE_KINDS, **declared}
    emitted: dict[str, set[str]] = {"obligation": set(), "escalation": set(), "notice": set()}
    for rule in rules:
        emitted[rule.emit.fact].add(rule.emit.kind)
        if rule.emit.kind not in vocabulary:
            problems.append(
                _problem_at(
                    rule,
                    ("emit", rule.emit.fact),
                    f"unknown {rule.emit.fact} kind '{rule.emit.kind}': use a kind from the contract "
                    f"or declare it under kinds:{_did_you_mean(rule.emit.kind, vocabulary)}",
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
                            f"{_did_you_mean(kind, emitted[rule.when.fact])}",
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
                        f"{_did_you_mean(kind, emitted['obligation'])}",
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
