"""What the caseload report shows, gathered one child at a time in constant memory.

The headline figures are ``CaseloadSummary``'s (the same object the ``caseload``
command fills for ``--format summary``): this module does not count them again.
It adds what the summary does not keep:

* ``MonthlyReviews``: reviews held in each calendar month of a window ending with
  the as-of month, by review kind, on time (``met``: held on or before the due
  date) or late (``late``: held after it). The window is the ``months`` calendar
  months up to and including the as-of month, and only reviews held on or before
  the as-of date count. A review obligation is one whose kind starts with
  ``review.``, as in the summary.
* the problems that belong to no child (a table read but not used, a file that
  could not be read), counted by code from the reader.

``report_data`` puts both beside the summary's figures, each warning, refusal and
problem code with its hint (``HINTS``), ready for the template.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from dateutil.relativedelta import relativedelta

from .._calendar import months_back
from .._errors import HINTS, Problem
from ..case._model import Refusal
from ..engine._result import Result
from ._summary import DUE_SOON_DAYS, CaseloadSummary

__all__ = [
    "DEFAULT_MONTHS",
    "MONTHS_RANGE",
    "Figure",
    "Issue",
    "MonthRow",
    "MonthlyReviews",
    "ReportData",
    "count_problems",
    "report_data",
]

DEFAULT_MONTHS = 24
MONTHS_RANGE = (12, 24)


@dataclass(frozen=True)
class MonthRow:
    """Reviews of one kind held in one calendar month."""

    month: str  # YYYY-MM
    kind: str
    on_time: int
    late: int

    @property
    def held(self) -> int:
        return self.on_time + self.late


class MonthlyReviews:
    """Reviews held by calendar month and kind, on time or late, added one result at a time."""

    def __init__(self, as_of: date, months: int = DEFAULT_MONTHS):
        low, high = MONTHS_RANGE
        if not low <= months <= high:
            raise ValueError(f"months must be from {low} to {high}, not {months}")
        self.as_of = as_of
        self.months = months
        self.first = months_back(date(as_of.year, as_of.month, 1), months - 1)
        self.counts: Counter[tuple[str, str, str]] = Counter()  # (month, kind, status)

    def month_labels(self) -> list[str]:
        return [(self.first + relativedelta(months=k)).strftime("%Y-%m") for k in range(self.months)]

    def add(self, item: Result | Refusal) -> None:
        if isinstance(item, Refusal):
            return
        for o in item.obligations:
            if not o.kind.startswith("review.") or o.status not in ("met", "late") or o.done is None:
                continue
            if self.first <= o.done <= self.as_of:
                self.counts[(o.done.strftime("%Y-%m"), o.kind, o.status)] += 1

    def kinds(self) -> list[str]:
        return sorted({kind for _, kind, _ in self.counts})

    def rows(self) -> list[MonthRow]:
        """One row per month and kind seen in the window, months in order, every month present."""
        kinds = self.kinds()
        return [
            MonthRow(month, kind, self.counts[(month, kind, "met")], self.counts[(month, kind, "late")])
            for month in self.month_labels()
            for kind in kinds
        ]

    def totals(self) -> list[MonthRow]:
        """All review kinds together, one row per month."""
        out = []
        for month in self.month_labels():
            met = sum(n for (m, _, s), n in self.counts.items() if m == month and s == "met")
            late = sum(n for (m, _, s), n in self.counts.items() if m == month and s == "late")
            out.append(MonthRow(month, "all", met, late))
        return out


@dataclass(frozen=True)
class Figure:
    """One headline figure, worded as the caseload summary words it."""

    key: str
    label: str
    value: int | str  # a count, or a share as the summary prints it ("34.6%")
    detail: str = ""


@dataclass(frozen=True)
class Issue:
    """A warning, refusal or problem code, how often it arose, and how to fix it."""

    group: str  # "warning", "refusal" or "problem"
    code: str
    count: int
    hint: str


@dataclass(frozen=True)
class ReportData:
    """Everything the report page shows."""

    summary: dict[str, Any]
    figures: tuple[Figure, ...]
    on_time: tuple[tuple[str, int, int, str], ...]  # kind, on time, held, share as the summary prints it
    monthly: tuple[MonthRow, ...]
    monthly_totals: tuple[MonthRow, ...]
    months: int
    first_month: date
    issues: tuple[Issue, ...]
    inputs: tuple[str, ...]
    files_read: int
    reviewrules_version: str
    policy_title: str

    @property
    def as_of(self) -> str:
        return self.summary["as_of"]


def count_problems(problems: Iterable[Problem]) -> dict[str, int]:
    """The problems that belong to no child, counted by code."""
    return dict(sorted(Counter(p.code for p in problems).items()))


def _split(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{kind} {n:,}" for kind, n in counts.items() if kind != "total")


def _figures(d: dict[str, Any]) -> tuple[Figure, ...]:
    children = d["children"]
    return (
        Figure("children", "children", children["in"], f"{children['evaluated']:,} evaluated, {children['refused']:,} refused"),
        Figure("children_in_care", "children looked after on the as-of date", d["children_in_care"]),
        Figure("periods_open", "periods of care open on the as-of date", d["periods_open"]),
        Figure("reviews_overdue_now", "reviews overdue now", d["reviews_overdue_now"]["total"], _split(d["reviews_overdue_now"])),
        Figure("children_overdue_now", "children with a review overdue now", d["children_overdue_now"]),
        Figure(
            "reviews_due_next_28_days",
            f"reviews due in the next {DUE_SOON_DAYS} days",
            d["reviews_due_next_28_days"]["total"],
            _split(d["reviews_due_next_28_days"]),
        ),
        Figure(
            "reviews_missed_in_ended_periods",
            "reviews missed in periods that have ended",
            d["reviews_missed_in_ended_periods"]["total"],
            _split(d["reviews_missed_in_ended_periods"]),
        ),
        Figure("escalations_open", "escalations open", d["escalations_open"]),
        _held_on_time(d),
    )


def _held_on_time(d: dict[str, Any]) -> Figure:
    row = d["reviews_held_last_12_months"]["all"]
    share = "-" if row["share"] is None else f"{row['share'] * 100:.1f}%"
    detail = f"{row['on_time']:,} of {row['held']:,} reviews held in the 12 months to {d['as_of']}"
    return Figure("reviews_held_on_time", "reviews held on time in the last 12 months", share, detail)


def _on_time(d: dict[str, Any]) -> tuple[tuple[str, int, int, str], ...]:
    rows = []
    for kind, row in d["reviews_held_last_12_months"].items():
        share = "-" if row["share"] is None else f"{row['share'] * 100:.1f}%"
        rows.append((kind, row["on_time"], row["held"], share))
    return tuple(rows)


def _issues(d: dict[str, Any], problems: Mapping[str, int]) -> tuple[Issue, ...]:
    out: list[Issue] = []
    for group, counts in (("warning", d["warnings"]), ("refusal", d["refusals"]), ("problem", problems)):
        for code, count in counts.items():
            out.append(Issue(group, code, count, HINTS.get(code, HINTS["invalid"])))
    return tuple(out)


def report_data(
    summary: CaseloadSummary,
    monthly: MonthlyReviews,
    *,
    problems: Mapping[str, int],
    inputs: Iterable[str],
    files_read: int,
    reviewrules_version: str,
    policy_title: str,
    longest: int = 20,
) -> ReportData:
    """The page's content: the summary's figures as they are, and what this module counted."""
    d = summary.to_dict(longest=longest)
    return ReportData(
        summary=d,
        figures=_figures(d),
        on_time=_on_time(d),
        monthly=tuple(monthly.rows()),
        monthly_totals=tuple(monthly.totals()),
        months=monthly.months,
        first_month=monthly.first,
        issues=_issues(d, problems),
        inputs=tuple(inputs),
        files_read=files_read,
        reviewrules_version=reviewrules_version,
        policy_title=policy_title,
    )
