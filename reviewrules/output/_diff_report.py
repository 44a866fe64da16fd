"""The policy diff report: what differs between two policies (or one policy under two
readings), rule by rule and date by date, and the impact over a caseload.

The impact says, for each obligation kind, how many obligations and children move,
by how many days, earlier or later, and which become overdue (or stop being), so
that an officer weighing a reading sees what it would change. Its formats are in
``_diff_format``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from ..policy._compare import RuleChange
from ..policy._model import Policy

__all__ = ["DateChange", "ImpactRow", "PolicyDiff"]


@dataclass(frozen=True)
class DateChange:
    case: str  # where the case came from (relative to the corpus)
    child: str
    kind: str
    review: int | None
    a_due: date | None
    b_due: date | None
    a_status: str | None
    b_status: str | None
    period: date | None = None

    @property
    def days(self) -> int | None:
        """How many days later (positive) or earlier B's date is than A's."""
        if self.a_due is None or self.b_due is None:
            return None
        return (self.b_due - self.a_due).days

    @property
    def becomes_overdue(self) -> bool:
        return self.b_status == "overdue" and self.a_status != "overdue"

    @property
    def stops_being_overdue(self) -> bool:
        return self.a_status == "overdue" and self.b_status != "overdue"


@dataclass(frozen=True)
class ImpactRow:
    """What moves for one obligation kind."""

    kind: str
    obligations: int  # that differ in date or status
    children: int
    earlier: int
    later: int
    status_only: int  # same date, another status
    only_a: int  # given by A alone
    only_b: int
    largest: int  # the largest move, in days (signed: negative is earlier)
    total_days: int  # the sum of the moves, in days (signed)
    becomes_overdue: int
    stops_being_overdue: int

    @property
    def mean_days(self) -> float | None:
        moved = self.earlier + self.later
        return round(self.total_days / moved, 1) if moved else None


@dataclass(frozen=True)
class PolicyDiff:
    a: Policy
    b: Policy
    rules: tuple[RuleChange, ...]
    dates: tuple[DateChange, ...]
    cases: int
    # Cases that could not be evaluated, with why.
    skipped: tuple[tuple[str, str], ...] = ()
    corpus: str = ""  # what the cases were (the bundled scenarios, a folder)

    @property
    def differs(self) -> bool:
        return bool(self.rules or self.dates)

    @property
    def children_moved(self) -> int:
        return len({(d.case, d.child) for d in self.dates})

    def impact(self) -> list[ImpactRow]:
        """One row per obligation kind that moves, the largest move first."""
        by_kind: dict[str, list[DateChange]] = defaultdict(list)
        for change in self.dates:
            by_kind[change.kind].append(change)
        rows = []
        for kind, changes in by_kind.items():
            moves = [c.days for c in changes if c.days]
            rows.append(
                ImpactRow(
                    kind=kind,
                    obligations=len(changes),
                    children=len({(c.case, c.child) for c in changes}),
                    earlier=sum(1 for d in moves if d < 0),
                    later=sum(1 for d in moves if d > 0),
                    status_only=sum(1 for c in changes if c.days == 0),
                    only_a=sum(1 for c in changes if c.b_due is None),
                    only_b=sum(1 for c in changes if c.a_due is None),
                    largest=max(moves, key=lambda d: (abs(d), d)) if moves else 0,
                    total_days=sum(moves),
                    becomes_overdue=sum(1 for c in changes if c.becomes_overdue),
                    stops_being_overdue=sum(1 for c in changes if c.stops_being_overdue),
                )
            )
        rows.sort(key=lambda r: (-abs(r.largest), -r.obligations, r.kind))
        return rows

    def largest_moves(self, limit: int | None = None) -> list[DateChange]:
        """The date changes, the largest move first (then case, child and date)."""
        ordered = sorted(
            self.dates,
            key=lambda d: (
                d.days is None,  # one-sided changes last
                -abs(d.days or 0),
                d.case,
                d.child,
                d.a_due or d.b_due or date.min,
                d.kind,
            ),
        )
        return ordered if limit is None else ordered[:limit]
