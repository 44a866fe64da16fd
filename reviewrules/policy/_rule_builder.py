"""Building one policy file's rules from schema-valid data, with the checks a schema cannot do.

Duplicate rule ids, offsets without a unit, unknown event types and fields,
anchors that do not fit the trigger, obligations with no owner, met_by that
compares fields the events do not share: every problem is collected.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

from .._errors import Problem
from .._vocabulary import (
    EVENT_DERIVED_FIELDS,
    EVENT_FIELDS,
    SIGNIFICANT_EVENT_CATEGORIES,
)
from ._model import (
    Alternative,
    Anchor,
    Condition,
    Emission,
    MetBy,
    Offset,
    OffsetTextError,
    Reading,
    Rule,
    Source,
    Trigger,
    parse_offset_text,
)
from ._yaml import Document

__all__ = ["build_rules", "Layer", "did_you_mean", "default_alternative_id"]

_OBLIGATION_FIELDS = ("review", "owner")
_ESCALATION_FIELDS = ("to",)
_ANCHORS_BY_FACT = {
    "event": ("event", "start", "birthday", "field"),
    "obligation": ("due", "done", "review_date", "start", "birthday"),
    "escalation": ("raised", "start", "birthday"),
}


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


class _RuleBuilder:
    """Builds one Rule from schema-valid data, collecting every semantic problem."""

    def __init__(self, doc: Document, policy_id: str, default_document: str, base: tuple[str | int, ...]):
        self.doc = doc
        self.policy_id = policy_id
        self.default_document = default_document
        self.base = base
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

    def event_types(self, kinds: tuple[str, ...], sub: tuple[str | int, ...]) -> bool:
        ok = True
        for kind in kinds:
            if kind not in EVENT_FIELDS:
                self.problem(
                    sub,
                    f"unknown event type '{kind}'{did_you_mean(kind, EVENT_FIELDS)} (allowed: {', '.join(EVENT_FIELDS)})",
                    "unknown-event",
                )
                ok = False
        return ok

    def conditions(
        self, raw: dict[str, Any] | None, allowed: set[str], what: str, sub: tuple[str | int, ...]
    ) -> tuple[Condition, ...] | None:
        """Field conditions ({field: value | [values] | {not: ...} | {exists: bool}}), or None if any is wrong."""
        conditions: list[Condition] = []
        ok = True
        for name, cond in (raw or {}).items():
            if name not in allowed:
                self.problem(
                    sub + (name,),
                    f"'{name}' is not a field of {what}{did_you_mean(name, allowed)} "
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
                            sub + (name,),
                            f"unknown category '{value}'{did_you_mean(str(value), SIGNIFICANT_EVENT_CATEGORIES)} "
                            f"(allowed: {', '.join(SIGNIFICANT_EVENT_CATEGORIES)})",
                            "unknown-category",
                        )
                        ok = False
            conditions.append(Condition(name, "not_in" if negate else "in", values))
        return tuple(conditions) if ok else None

    def trigger(self, raw: dict[str, Any]) -> Trigger | None:
        facts = [name for name in ("event", "obligation", "escalation") if name in raw]
        if len(facts) != 1:
            self.problem(("when",), "must name exactly one of event, obligation or escalation", "when")
            return None
        fact = facts[0]
        kinds = _as_tuple(raw[fact])
        ok = fact != "event" or self.event_types(kinds, ("when", "event"))
        if "status" in raw and fact == "event":
            self.problem(("when", "status"), "status applies to obligations, not events", "when")
            ok = False
        where = self.conditions(
            raw.get("where"), self._fields_for(fact, kinds) if ok else set(), f"{fact} {' / '.join(kinds)}", ("when", "where")
        )
        episode_fields = set(EVENT_FIELDS["became_looked_after"]) - {"note", "ref"}
        episode = self.conditions(raw.get("episode"), episode_fields, "the became_looked_after event", ("when", "episode"))
        child = raw.get("child") or {}
        if "first_review_after_birthday" in child and fact != "obligation":
            self.problem(
                ("when", "child", "first_review_after_birthday"),
                "first_review_after_birthday applies to a review obligation",
                "when",
            )
            ok = False
        if not ok or where is None or episode is None:
            return None
        placement = child.get("placement_type")
        return Trigger(
            fact=fact,
            kinds=kinds,
            where=where,
            status=_as_tuple(raw["status"]) if "status" in raw else None,
            age_under=child.get("age_under"),
            age_at_least=child.get("age_at_least"),
            episode=episode,
            first_review_after_birthday=child.get("first_review_after_birthday"),
            placement_type=None if placement is None else _as_tuple(placement),
        )

    @staticmethod
    def _fields_for(fact: str, kinds: tuple[str, ...]) -> set[str]:
        if fact == "obligation":
            return set(_OBLIGATION_FIELDS)
        if fact == "escalation":
            return set(_ESCALATION_FIELDS)
        return _common_event_fields(kinds) | set(EVENT_DERIVED_FIELDS)

    def anchor(self, spec: Any, trigger: Trigger | None, sub: tuple[str | int, ...] = ("emit", "from")) -> Anchor | None:
        if isinstance(spec, dict) and "birthday" in spec:
            anchor = Anchor("birthday", years=spec["birthday"])
        elif isinstance(spec, dict):
            anchor = Anchor("field", field=spec["field"])
        else:
            anchor = Anchor(spec)
        if trigger is None:
            return anchor
        if anchor.name not in _ANCHORS_BY_FACT[trigger.fact]:
            allowed = ", ".join(_ANCHORS_BY_FACT[trigger.fact]).replace("birthday", "{birthday: N}").replace(
                "field", "{field: NAME}"
            )
            self.problem(
                sub,
                f"cannot count from '{anchor.name}' when the rule reacts to an {trigger.fact} (allowed: {allowed})",
                "anchor",
            )
            return None
        if anchor.name == "field":
            dated = {
                name for name, kind in EVENT_FIELDS.get(trigger.kinds[0], {}).items() if kind == "date"
            }
            for kind in trigger.kinds[1:]:
                dated &= {name for name, k in EVENT_FIELDS.get(kind, {}).items() if k == "date"}
            if anchor.field not in dated:
                self.problem(
                    sub + ("field",),
                    f"'{anchor.field}' is not a date field of {' / '.join(trigger.kinds)} "
                    f"(date fields: {', '.join(sorted(dated)) or 'none'})",
                    "anchor",
                )
                return None
        return anchor

    def met_by(self, raw: Any, trigger: Trigger | None) -> tuple[bool, MetBy | None]:
        """Whether met_by is right, and what it says (None if not given)."""
        if raw is None:
            return True, None
        if isinstance(raw, str):
            return True, MetBy(raw)
        events = _as_tuple(raw["event"])
        if not self.event_types(events, ("emit", "met_by", "event")):
            return False, None
        where = self.conditions(
            raw.get("where"), _common_event_fields(events), f"event {' / '.join(events)}", ("emit", "met_by", "where")
        )
        same = tuple(raw.get("same", ()))
        if same and (trigger is None or trigger.fact != "event"):
            self.problem(("emit", "met_by", "same"), "same: compares with the triggering event; react to an event", "met-by")
            return False, None
        shared = _common_event_fields(events) & (_common_event_fields(trigger.kinds) if trigger else set())
        for name in same:
            if name not in shared:
                self.problem(
                    ("emit", "met_by", "same"),
                    f"'{name}' is not a field of both the triggering event and {' / '.join(events)}",
                    "met-by",
                )
                return False, None
        if where is None:
            return False, None
        return True, MetBy("event", events, where, same)

    def emission(self, raw: dict[str, Any], trigger: Trigger | None) -> Emission | None:
        key = next(name for name in ("obligation", "escalation", "notice", "lapses") if name in raw)
        fact = "lapse" if key == "lapses" else key
        kind = raw.get(fact, "") if fact != "lapse" else ""
        ok = True
        anchor = self.anchor(raw["from"], trigger) if "from" in raw else None
        ok = ok and ("from" not in raw or anchor is not None)
        offset: Offset | None = None
        if "offset" in raw:
            offset = self.offset(raw["offset"], ("emit", "offset"))
            ok = ok and offset is not None
            if anchor is None and ok:
                self.problem(("emit",), "an offset needs a date to count from: add from:", "offset")
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
                        "review-spec",
                    )
                    ok = False
        if fact == "notice" and trigger is not None and trigger.fact == "escalation":
            self.problem(("when",), "a notice reacts to an event or an obligation", "notice-trigger")
            ok = False
        if fact == "lapse" and trigger is not None and trigger.fact != "obligation":
            self.problem(("when",), "a lapse applies to obligations: react to an obligation", "lapse-trigger")
            ok = False
        met_by_ok, met_by = self.met_by(raw.get("met_by"), trigger)
        ok = ok and met_by_ok
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
            met_by=met_by,
        )

    def alternatives(self, raw: list[Any], trigger: Trigger | None, emission: Emission | None) -> list[Alternative]:
        """Other readings of the rule's text; one with an offset or from: can be computed."""
        found: list[Alternative] = []
        seen: dict[str, int] = {}
        for i, alt in enumerate(raw):
            sub = ("alternatives", i)
            offset = self.offset(alt["offset"], sub + ("offset",)) if "offset" in alt else None
            anchor = self.anchor(alt["from"], trigger, sub + ("from",)) if "from" in alt else None
            if ("offset" in alt and offset is None) or ("from" in alt and anchor is None):
                continue
            if (offset is not None or anchor is not None) and emission is not None:
                if emission.offset is None and offset is None or emission.anchor is None and anchor is None:
                    self.problem(sub, "an alternative with from: or offset: needs a rule that counts an offset from a date", "offset")
                    continue
            alt_id = alt.get("id") or default_alternative_id(alt["reading"])
            if alt_id in seen:
                self.problem(sub + ("id",), f"two alternatives are named '{alt_id}' (the first is alternative {seen[alt_id] + 1}); give each its own id", "duplicate-rule")
                continue
            seen[alt_id] = i
            found.append(Alternative(alt_id, alt["reading"], offset, alt.get("note"), anchor))
        return found

    def reading(self, raw: dict[str, Any] | None, source: dict[str, Any]) -> Reading | None:
        if raw is None:
            return None
        document = source.get("document", self.default_document)
        conflicts = tuple(Source(c.get("document", document), c["section"], c["quote"]) for c in raw.get("conflicts", []))
        return Reading(raw["taken"], raw["why"], raw.get("question"), conflicts)

    def build(self, raw: dict[str, Any]) -> Rule | None:
        self.rule_id = raw["id"]
        trigger = self.trigger(raw["when"])
        emission = self.emission(raw["emit"], trigger)
        if emission is not None and emission.fact == "obligation" and "owner" not in raw:
            self.problem((), "missing owner: say whose task this is (e.g. social_worker, iro)", "owner")
        alternatives = self.alternatives(raw.get("alternatives", []), trigger, emission)
        reading = self.reading(raw.get("reading"), raw["source"])
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
            reading=reading,
            file=self.doc.file,
            line=line,
            column=column,
            path=self.base,
        )


def default_alternative_id(text: str) -> str:
    """A reading's default id: its words in lower case, joined by hyphens."""
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60].strip("-")
    # An id starts with a letter (the schema's name pattern).
    return slug if slug[:1].isalpha() else f"reading-{slug}".rstrip("-")


def _common_event_fields(kinds: tuple[str, ...]) -> set[str]:
    """Fields every one of these event types has (besides note and ref)."""
    fields: set[str] | None = None
    for kind in kinds:
        own = set(EVENT_FIELDS.get(kind, {})) - {"note", "ref"}
        fields = own if fields is None else fields & own
    return fields or set()


class Layer:
    """One set of changes before inheritance is applied: a file's top-level rules,
    or one of its dated versions (``prefix`` says where in the file)."""

    def __init__(
        self,
        doc: Document,
        rules: list[Rule],
        overrides: set[str],
        removes: list[tuple[str, int]],
        prefix: tuple[str | int, ...] = (),
    ):
        self.doc = doc
        self.rules = rules
        self.overrides = overrides
        self.removes = removes
        self.prefix = prefix


def build_rules(
    doc: Document, bad_paths: set[tuple[str | int, ...]], prefix: tuple[str | int, ...] = ()
) -> tuple[Layer, list[Problem]]:
    """Build the rules at ``prefix`` (the top level, or a version), skipping any the schema rejected."""
    data = doc.data
    where: Any = data
    for part in prefix:
        where = where[part]
    problems: list[Problem] = []
    rules: list[Rule] = []
    overrides: set[str] = set()
    first_line: dict[str, int | None] = {}
    policy_id = data.get("id", "?")
    default_document = (data.get("document") or {}).get("title", policy_id)
    raw_rules = where.get("rules") if isinstance(where.get("rules"), list) else []
    for index, raw in enumerate(raw_rules):
        base = prefix + ("rules", index)
        if any(p[: len(base)] == base for p in bad_paths) or not isinstance(raw, dict):
            continue
        rule_id = raw["id"]
        if rule_id in first_line:
            problems.append(
                doc.problem(
                    base + ("id",),
                    f"duplicate rule id '{rule_id}' (first defined on line {first_line[rule_id]}); "
                    "give each rule its own id",
                    code="duplicate-rule",
                    rule=rule_id,
                )
            )
            continue
        first_line[rule_id] = doc.where(base)[0]
        builder = _RuleBuilder(doc, policy_id, default_document, base)
        rule = builder.build(raw)
        problems.extend(builder.problems)
        if rule is not None:
            rules.append(rule)
            if raw.get("override"):
                overrides.add(rule.id)
    removes = [(rule_id, i) for i, rule_id in enumerate(where.get("remove", []) or [])]
    return Layer(doc, rules, overrides, removes, prefix), problems


