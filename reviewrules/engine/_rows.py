"""One child's obligations as plain rows, made straight from the settled facts: what a
caseload's CSV and summary need, without building a ``Result`` (a national caseload has
about ten million obligations, and most of a result is never written there).

A row holds exactly what an ``Obligation`` of the result would show in those columns,
and rows come in the result's order (``_collect``), so that the CSV written from rows
and from a result is the same, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Tuple

from ..case._model import Case, CaseWarning
from ._collect import period_of_care
from ._facts import UNKNOWN_REVIEW, Session
from ._result import Obligation, PeriodOfCare, Result

__all__ = ["Row", "ChildRows", "child_rows", "result_rows", "open_escalation_periods"]

# (due, kind, review, rule, status, period, done, owner): review as results show it (None
# where it cannot be known), period the start of the obligation's period of care.
Row = Tuple[date, str, "int | None", str, str, "date | None", "date | None", "str | None"]


@dataclass(frozen=True)
class ChildRows:
    """What a caseload's CSV and summary need of one child's result."""

    child: str
    periods: tuple[PeriodOfCare, ...]
    obligations: tuple[Row, ...]  # in the result's order
    open_escalations: tuple[date | None, ...]  # the period of each escalation not resolved
    warnings: tuple[CaseWarning, ...]


def child_rows(case: Case, sessions: list[Session], warnings: tuple[CaseWarning, ...]) -> ChildRows:
    """The rows of one child from the settled session of each period of care."""
    # Each row after its place in the result's order (``_collect._obligation_order``) and its
    # number as made: sorted as the place alone sorts them, stably, and the row never compared.
    keyed: list[tuple[object, ...]] = []
    escalations: list[date | None] = []
    append = keyed.append
    made = 0
    for session in sessions:
        period = session.index.start
        placed = period or date.min
        for fact in session.facts.values():
            rule = fact.rule
            if rule is None:  # an event, or the review the records begin with
                continue
            kind = fact.fact
            if kind == "obligation":
                review = fact.review
                if review is not None and review >= UNKNOWN_REVIEW:
                    review = None
                due, what, rule_id, status = fact.due, fact.kind, rule.qualified_id, fact.status
                assert due is not None and status is not None
                append((due, what, review or 0, rule_id, status, placed, made, (due, what, review, rule_id, status, period, fact.done, fact.owner)))
                made += 1
            elif kind == "escalation" and fact.resolved is None and fact.status not in ("superseded", "not_applicable"):
                escalations.append(period)
    keyed.sort()
    return ChildRows(
        case.child_id,
        tuple(period_of_care(s.index) for s in sessions if s.index.start),
        tuple([item[7] for item in keyed]),  # type: ignore[misc]  # the row, after its place and number
        tuple(escalations),
        warnings,
    )


def _obligation_row(o: Obligation) -> Row:
    return (o.due, o.kind, o.review, o.rule, o.status, o.period, o.done, o.owner)


def result_rows(item: Result | ChildRows) -> tuple[Row, ...]:
    """A child's obligations as rows, from a result or from rows already made."""
    if isinstance(item, ChildRows):
        return item.obligations
    return tuple(_obligation_row(o) for o in item.obligations)


def open_escalation_periods(item: Result | ChildRows) -> tuple[date | None, ...]:
    """The period of each escalation of a child's that is not resolved."""
    if isinstance(item, ChildRows):
        return item.open_escalations
    return tuple(e.period for e in item.escalations if e.resolved is None)
