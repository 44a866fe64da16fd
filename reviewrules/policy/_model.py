"""The policy model: immutable objects built from a policy file that passed its schema.

Python holds the mechanism; every timescale here comes from YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any, Mapping

from .._calendar import describe_amount

__all__ = [
    "Source",
    "Offset",
    "Condition",
    "Trigger",
    "Anchor",
    "Alternative",
    "Reading",
    "Emission",
    "MetBy",
    "Rule",
    "DocumentInfo",
    "Policy",
    "Version",
    "parse_offset_text",
    "OffsetTextError",
]


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: document, section and a short quote."""

    document: str
    section: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        return {"document": self.document, "section": self.section, "quote": self.quote}


@dataclass(frozen=True)
class Offset:
    amount: int
    unit: str
    direction: str

    def words(self) -> str:
        return f"{describe_amount(self.amount, self.unit)} {self.direction}"


class OffsetTextError(ValueError):
    pass


_UNIT_WORDS = {
    "working day": "working_days",
    "working days": "working_days",
    "day": "days",
    "days": "days",
    "calendar day": "days",
    "calendar days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}
_OFFSET_TEXT = re.compile(r"^\s*(\d+)\s*(.*?)\s*(before|after)?\s*$")


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def parse_offset_text(text: str) -> Offset:
    """Read '20 working days after' (the short form of an offset)."""
    match = _OFFSET_TEXT.match(text)
    if not match:
        raise OffsetTextError(
            f"cannot read offset {text!r}: write a number, a unit and before/after, e.g. '20 working days after'"
        )
    amount_text, unit_text, direction = match.groups()
    amount = int(amount_text)
    if amount < 1:
        raise OffsetTextError(f"offset {text!r} must be at least 1")
    if not unit_text:
        raise OffsetTextError(
            f"offset {text!r} has no unit: say working days, days, weeks or months "
            "(a document's '20 days' is calendar days, '20 working days' is not)"
        )
    unit = _UNIT_WORDS.get(unit_text.lower())
    if unit is None:
        raise OffsetTextError(
            f"offset {text!r}: unknown unit {unit_text!r} (allowed: working days, days, weeks, months)"
        )
    if direction is None:
        raise OffsetTextError(f"offset {text!r} does not say 'before' or 'after'")
    return Offset(amount, unit, direction)


@dataclass(frozen=True)
class Condition:
    """A test on one field of the triggering fact."""

    field: str
    op: str  # "in", "not_in" or "exists"
    values: tuple[Any, ...] = ()

    def test(self, facts: Mapping[str, Any]) -> bool:
        if self.op == "exists":
            return (self.field in facts and facts[self.field] is not None) == bool(self.values[0])
        present = self.field in facts and facts[self.field] is not None
        if self.op == "in":
            return present and _equal_any(facts[self.field], self.values)
        return not present or not _equal_any(facts[self.field], self.values)

    def describe(self) -> str:
        if self.op == "exists":
            return f"{self.field} {'is' if self.values[0] else 'is not'} given"
        shown = [str(v).lower() if isinstance(v, bool) else str(v) for v in self.values]
        if len(shown) == 1:
            return f"{self.field} {'is' if self.op == 'in' else 'is not'} {shown[0]}"
        return f"{self.field} {'in' if self.op == 'in' else 'not in'} [{', '.join(shown)}]"


def _equal_any(value: Any, values: tuple[Any, ...]) -> bool:
    # True == 1 in Python; a boolean field must only match a boolean condition.
    return any(type(value) is type(v) and value == v for v in values)


@dataclass(frozen=True)
class Trigger:
    """What a rule reacts to: one kind of fact, with optional conditions."""

    fact: str  # "event", "obligation" or "escalation"
    kinds: tuple[str, ...]
    where: tuple[Condition, ...] = ()
    status: tuple[str, ...] | None = None
    age_under: int | None = None
    age_at_least: int | None = None
    episode: tuple[Condition, ...] = ()  # tested on the became_looked_after event
    first_review_after_birthday: int | None = None
    placement_type: tuple[str, ...] | None = None

    def describe(self) -> str:
        text = f"{self.fact} {' or '.join(self.kinds)}"
        if self.status:
            text += f" with status {' or '.join(self.status)}"
        for cond in self.where:
            text += f", {cond.describe()}"
        for cond in self.episode:
            text += f", care episode {cond.describe()}"
        if self.age_under is not None:
            text += f", child under {self.age_under}"
        if self.age_at_least is not None:
            text += f", child aged {self.age_at_least} or over"
        if self.first_review_after_birthday is not None:
            text += f", the first review after the {ordinal(self.first_review_after_birthday)} birthday"
        if self.placement_type is not None:
            text += f", placement type {' or '.join(self.placement_type)}"
        return text


@dataclass(frozen=True)
class Anchor:
    """The date an offset counts from."""

    name: str  # event, due, done, review_date, raised, birthday, field
    years: int | None = None  # for birthday
    field: str | None = None  # for field: a date field of the triggering event

    def describe(self) -> str:
        if self.name == "field":
            return f"the event's {self.field} date"
        return {
            "event": "the date of the event",
            "due": "the due date of the obligation that triggered it",
            "done": "the date the triggering review was held or task completed",
            "review_date": "the review meeting (held, else scheduled, else due)",
            "raised": "the date the triggering escalation was raised",
            "start": "the date the child became looked after",
        }.get(self.name, f"the child's {ordinal(self.years or 0)} birthday")


@dataclass(frozen=True)
class Alternative:
    """Another reading of the source text. With an offset or anchor of its own it is
    computed and shown as a note, and can be chosen instead (``--reading RULE=ID``)."""

    id: str
    reading: str
    offset: Offset | None = None
    note: str | None = None
    anchor: Anchor | None = None

    @property
    def computable(self) -> bool:
        return self.offset is not None or self.anchor is not None


@dataclass(frozen=True)
class Reading:
    """Where a rule chose one reading of an ambiguous or conflicting text."""

    taken: str
    why: str
    question: str | None = None
    conflicts: tuple[Source, ...] = ()


@dataclass(frozen=True)
class MetBy:
    """What shows an obligation was met."""

    how: str  # "review", "task" or "event"
    events: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    same: tuple[str, ...] = ()


@dataclass(frozen=True)
class Emission:
    fact: str  # "obligation", "escalation", "notice" or "lapse"
    kind: str  # empty for a lapse
    review: int | str | None = None  # int, "same", "next" or None
    anchor: Anchor | None = None
    offset: Offset | None = None
    to: str | None = None
    supersedes: tuple[str, ...] = ()
    met_by: MetBy | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    policy: str  # id of the policy that defined the rule
    when: Trigger
    emit: Emission
    source: Source
    owner: str | None = None
    title: str | None = None
    notes: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    reading: Reading | None = None
    # The dated versions of the policy this rule belongs to, as (label, from, until):
    # in force from `from` (inclusive) until `until` (exclusive); None is open-ended.
    in_force: tuple[tuple[str, date | None, date | None], ...] = ()
    file: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)
    column: int | None = field(default=None, compare=False)
    path: tuple[str | int, ...] = field(default=(), compare=False)  # where in its file

    def version_on(self, day: date) -> str | None:
        """The label of the version of this rule in force on ``day``; None if none is."""
        for label, start, end in self.in_force:
            if (start is None or start <= day) and (end is None or day < end):
                return label
        return None

    @cached_property  # asked for on every obligation of a caseload; kept in __dict__, not a field
    def qualified_id(self) -> str:
        return f"{self.policy}/{self.id}"

    def timescale(self) -> str:
        """The rule's timescale in words: '20 working days after the date of the event'."""
        anchor, offset = self.emit.anchor, self.emit.offset
        if self.emit.fact == "lapse":
            assert anchor is not None
            when = f"{offset.words()} {anchor.describe()}" if offset is not None else anchor.describe()
            return f"lapses if due on or after {when}"
        if anchor is not None and offset is None:
            return f"on {anchor.describe()}"
        if offset is None or anchor is None:
            if self.emit.fact == "escalation" and self.when.fact == "obligation":
                return "the day after the triggering obligation falls due"
            if self.emit.fact == "escalation" and self.when.fact == "escalation":
                return "on the date the triggering escalation is raised"
            return "on the date of the event" if self.when.fact == "event" else "on the date it counts from"
        return f"{offset.words()} {anchor.describe()}"


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    publisher: str | None = None
    version: str | None = None
    last_updated: str | None = None
    url: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Version:
    """A dated version of a policy's document."""

    label: str
    start: date
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A resolved policy: its own rules plus those it inherits, ready to evaluate."""

    id: str
    title: str
    document: DocumentInfo
    rules: tuple[Rule, ...]
    kinds: tuple[tuple[str, str], ...] = ()
    extends: str | None = None
    lineage: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    versions: tuple[Version, ...] = ()  # oldest first; empty for a policy of one version
    # The citation for the end of a period of care at 18 (inherited from england).
    period_source: Source | None = None
    digest: str = ""
    file: str | None = field(default=None, compare=False)

    @property
    def version(self) -> str | None:
        return self.versions[-1].label if self.versions else self.document.version

    @cached_property  # asked for every period of care a caseload settles; kept in __dict__, not a field
    def settles(self) -> tuple[bool, bool]:
        """Whether some rule supersedes obligations, and whether some makes lapse markers."""
        return any(r.emit.supersedes for r in self.rules), any(r.emit.fact == "lapse" for r in self.rules)

    def at(self, label: str) -> Policy:
        """This policy as it stood in one version: only the rules in force in it."""
        labels = [v.label for v in self.versions]
        if label not in labels:
            raise KeyError(f"{self.id} has no version '{label}' (versions: {', '.join(labels) or 'none'})")
        # Taken alone, the version judges every date (as a policy of one version does).
        rules = tuple(
            replace(r, in_force=((label, None, None),)) for r in self.rules if any(v == label for v, _, _ in r.in_force)
        )
        chosen = next(v for v in self.versions if v.label == label)
        return Policy(
            id=self.id,
            title=self.title,
            document=self.document,
            rules=rules,
            kinds=self.kinds,
            extends=self.extends,
            lineage=self.lineage,
            notes=self.notes + chosen.notes,
            versions=(chosen,),
            period_source=self.period_source,
            digest=f"{self.digest}@{label}",
            file=self.file,
        )

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id or rule.qualified_id == rule_id:
                return rule
        raise KeyError(rule_id)

    def kind_meanings(self) -> dict[str, str]:
        return dict(self.kinds)
