"""Immutable results and their JSON form, as fixed by the contract (docs/output.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from ..case._model import CaseWarning
from ..policy._model import Source

__all__ = ["PolicyRef", "TraceStep", "Obligation", "About", "Escalation", "Notice", "PeriodOfCare", "Result"]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True)
class PolicyRef:
    id: str
    version: str | None
    digest: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "digest": self.digest}


@dataclass(frozen=True)
class TraceStep:
    """One link in the chain from a case event to an obligation or escalation."""

    text: str
    rule: str | None = None
    quote: str | None = None
    arithmetic: str | None = None
    holidays_skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.rule is not None:
            out["rule"] = self.rule
        if self.quote is not None:
            out["quote"] = self.quote
        if self.arithmetic is not None:
            out["arithmetic"] = self.arithmetic
        if self.holidays_skipped:
            out["holidays_skipped"] = list(self.holidays_skipped)
        return out


class _Explained:
    """The trace of an obligation or escalation, built on first use: most callers
    never ask, and it is half the cost of evaluating."""

    explainer: Callable[[], tuple[TraceStep, ...]] | tuple[TraceStep, ...] | None
    rule: str
    version: str | None
    source: Source
    notes: tuple[str, ...]
    local_notes: tuple[str, ...]

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        """The chain from the case event through each rule to this item."""
        explainer = self.explainer
        if explainer is None:
            return ()
        return explainer if isinstance(explainer, tuple) else explainer()

    def __getstate__(self) -> dict[str, Any]:
        # Pickled with its trace worked out: what explains it does not cross processes.
        state = dict(self.__dict__)
        state["explainer"] = self.trace
        return state

    def _provenance(self, explain: bool, compact: bool = False) -> dict[str, Any]:
        if compact:  # the rule's source and notes are given once per run, not on every item
            return {"rule": self.rule, "version": self.version, "notes": list(self.local_notes)}
        out: dict[str, Any] = {
            "rule": self.rule,
            "version": self.version,
            "source": self.source.to_dict(),
            "notes": list(self.notes),
        }
        if explain:
            out["trace"] = [step.to_dict() for step in self.trace]
        return out


@dataclass(frozen=True)
class Obligation(_Explained):
    kind: str
    review: int | None
    due: date
    status: str
    done: date | None
    owner: str | None
    rule: str
    source: Source
    notes: tuple[str, ...] = ()
    version: str | None = None  # the policy version that computed it
    status_by: str | None = None  # the rule that superseded it or made it lapse
    period: date | None = None  # the start of the period of care it belongs to
    # The notes of this obligation alone: not the rule's own notes, nor its other readings.
    local_notes: tuple[str, ...] = field(default=(), repr=False)
    explainer: Callable[[], tuple[TraceStep, ...]] | tuple[TraceStep, ...] | None = field(
        default=None, compare=False, repr=False
    )

    def to_dict(self, explain: bool = False, compact: bool = False) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "review": self.review,
            "period": _iso(self.period),
            "due": _iso(self.due),
            "status": self.status,
            "status_by": self.status_by,
            "done": _iso(self.done),
            "owner": self.owner,
            **self._provenance(explain, compact),
        }


@dataclass(frozen=True)
class About:
    kind: str
    review: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "review": self.review}


@dataclass(frozen=True)
class Escalation(_Explained):
    kind: str
    about: About
    raised: date
    to: str | None
    rule: str
    source: Source
    notes: tuple[str, ...] = ()
    version: str | None = None
    period: date | None = None
    resolved: date | None = None  # when what it is about was met; None if never
    local_notes: tuple[str, ...] = field(default=(), repr=False)
    explainer: Callable[[], tuple[TraceStep, ...]] | tuple[TraceStep, ...] | None = field(
        default=None, compare=False, repr=False
    )

    def to_dict(self, explain: bool = False, compact: bool = False) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "about": self.about.to_dict(),
            "period": _iso(self.period),
            "raised": _iso(self.raised),
            "resolved": _iso(self.resolved),
            "to": self.to,
            **self._provenance(explain, compact),
        }


@dataclass(frozen=True)
class Notice:
    kind: str
    date: date
    trigger: str
    rule: str
    source: Source
    notes: tuple[str, ...] = ()
    version: str | None = None
    period: datetime.date | None = None  # in this class body, plain ``date`` is the field above
    local_notes: tuple[str, ...] = field(default=(), repr=False)

    def to_dict(self, explain: bool = False, compact: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "period": _iso(self.period),
            "date": _iso(self.date),
            "trigger": self.trigger,
            "rule": self.rule,
            "version": self.version,
        }
        if compact:
            out["notes"] = list(self.local_notes)
        else:
            out["source"] = self.source.to_dict()
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class PeriodOfCare:
    """A period of care as known on the as-of date: its start and last day.

    ``end`` is the day the child ceased to be looked after, or the 18th birthday
    (which ends the period even while still to come); None when neither is known.
    """

    start: date
    end: date | None
    ended_by: str | None  # "ceased_looked_after", "18th_birthday" or None

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def to_dict(self) -> dict[str, Any]:
        return {"start": _iso(self.start), "end": _iso(self.end), "ended_by": self.ended_by}


@dataclass(frozen=True)
class Result:
    """Everything one policy requires for one child, as of one date."""

    child: str
    policy: PolicyRef
    as_of: date
    obligations: tuple[Obligation, ...]
    escalations: tuple[Escalation, ...]
    notices: tuple[Notice, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[CaseWarning, ...] = ()
    periods: tuple[PeriodOfCare, ...] = ()

    def to_dict(self, explain: bool = False, compact: bool = False) -> dict[str, Any]:
        """The contract's JSON; ``compact`` leaves out each item's source and the rule's
        notes (a caseload gives them once per run, by rule id)."""
        return {
            "child": self.child,
            "policy": self.policy.to_dict(),
            "as_of": _iso(self.as_of),
            "periods": [p.to_dict() for p in self.periods],
            "obligations": [o.to_dict(explain, compact) for o in self.obligations],
            "escalations": [e.to_dict(explain, compact) for e in self.escalations],
            "notices": [n.to_dict(explain, compact) for n in self.notices],
            "warnings": [w.to_dict() for w in self.warnings],
            "notes": list(self.notes),
        }

    def obligation(self, kind: str, review: int | None = None, period: date | str | None = None) -> Obligation:
        """The obligation of this kind (and review, and period of care, given as its start date),
        if there is exactly one that is not superseded."""
        start = date.fromisoformat(period) if isinstance(period, str) else period
        found = [
            o
            for o in self.obligations
            if o.kind == kind
            and (review is None or o.review == review)
            and (start is None or o.period == start)
            and o.status != "superseded"
        ]
        if len(found) != 1:
            where = f" in the period from {start}" if start else ""
            raise KeyError(f"{len(found)} obligations {kind} for review {review}{where}")
        return found[0]
