"""The caseload summary a person reads: how many children, who is overdue, who is due next,
how many reviews were held on time in the last twelve months.

``CaseloadSummary`` is filled one result (or refusal) at a time, so a caseload of
any size is summarised in constant memory; ``to_dict`` gives the figures (the
report draws from the same), ``text`` a short table.

Definitions (docs/caseload.md):

* a period of care is *open* on the as-of date when it has begun and its last day
  (ceased_looked_after, or the 18th birthday) is not before it;
* *overdue now*: review obligations not held and past their due date, in periods
  open on the as-of date (a review missed in a period that has since ended is
  counted apart, as *missed in a period that has ended*);
* *due in the next 28 days*: review obligations not held and due from the as-of
  date to 28 days after it, inclusive;
* *held on time in the last 12 months*: reviews held from 12 months before the
  as-of date (exclusive) to the as-of date (inclusive), on or before their due
  date, out of all reviews held then.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from .._calendar import months_back, window_end
from ..case._model import Refusal
from ..engine._result import Result
from ..engine._rows import ChildRows, open_escalation_periods, result_rows

__all__ = ["CaseloadSummary", "DUE_SOON_DAYS"]

DUE_SOON_DAYS = 28
_MONTHS_BACK = 12


class CaseloadSummary:
    """Counts over a caseload, added to one child at a time."""

    def __init__(self, as_of: date, policy: dict[str, Any] | None = None):
        self.as_of = as_of
        self.policy = policy
        self.since = months_back(as_of, _MONTHS_BACK)
        self.soon = window_end(as_of, DUE_SOON_DAYS)
        self.evaluated = 0
        self.refused = 0
        self.children_in_care = 0
        self.periods_open = 0
        self.overdue_now: Counter[str] = Counter()
        self.overdue_children = 0
        self.due_soon: Counter[str] = Counter()
        self.missed_in_ended: Counter[str] = Counter()
        self.held_on_time: Counter[str] = Counter()
        self.held_late: Counter[str] = Counter()
        self.escalations_open = 0
        self.warnings: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.problems: Counter[str] = Counter()  # read, but belonging to no child
        self.by_owner_overdue: Counter[str] = Counter()
        self.by_owner_due_soon: Counter[str] = Counter()
        # Longest overdue review per child: (days, child, kind), the longest kept.
        self.longest: list[tuple[int, str, str, str]] = []

    def add(self, item: Result | ChildRows | Refusal) -> None:
        self.merge(self.part(item))

    def part(self, item: Result | ChildRows | Refusal) -> tuple[Any, ...]:
        """What one child adds to the counts, as plain data (made where the child was
        evaluated, perhaps in a worker process, and merged here)."""
        if isinstance(item, Refusal):
            return ("refused", item.problems[0].code if item.problems else "invalid")
        as_of, soon, since = self.as_of, self.soon, self.since
        open_starts = {p.start for p in item.periods if p.open_on(as_of)}
        counts: list[tuple[str, str, str]] = []  # (counter, key)
        worst: tuple[int, str, str, str] | None = None
        for due, kind, _, _, status, period, done, owner in result_rows(item):
            if not kind.startswith("review."):
                continue
            if status == "overdue":
                if period in open_starts:
                    counts.append(("overdue_now", kind, owner or "-"))
                    days = (as_of - due).days
                    if worst is None or days > worst[0]:
                        worst = (days, item.child, kind, due.isoformat())
                else:
                    counts.append(("missed_in_ended", kind, ""))
            elif status == "pending" and due <= soon:
                counts.append(("due_soon", kind, owner or "-"))
            elif status in ("met", "late") and done is not None and since < done <= as_of:
                counts.append(("held_on_time" if status == "met" else "held_late", kind, ""))
        escalations = sum(1 for period in open_escalation_periods(item) if period in open_starts)
        return ("evaluated", len(open_starts), tuple(w.code for w in item.warnings), tuple(counts), escalations, worst)

    def merge(self, part: tuple[Any, ...]) -> None:
        if part[0] == "refused":
            self.refused += 1
            self.refusals[part[1]] += 1
            return
        _, periods_open, warnings, counts, escalations, worst = part
        self.evaluated += 1
        self.periods_open += periods_open
        if periods_open:
            self.children_in_care += 1
        for code in warnings:
            self.warnings[code] += 1
        overdue = False
        for counter, kind, owner in counts:
            getattr(self, counter)[kind] += 1
            if counter == "overdue_now":
                self.by_owner_overdue[owner] += 1
                overdue = True
            elif counter == "due_soon":
                self.by_owner_due_soon[owner] += 1
        self.overdue_children += overdue
        self.escalations_open += escalations
        if worst is not None:
            self.longest.append(worst)
            if len(self.longest) > 200:  # keep the longest only
                self.longest.sort(key=lambda w: (-w[0], w[1]))
                del self.longest[100:]

    def problem(self, code: str) -> None:
        self.problems[code] += 1

    def on_time(self) -> dict[str, Any]:
        kinds = sorted(set(self.held_on_time) | set(self.held_late))
        rows: dict[str, Any] = {}
        for kind in kinds + ["all"]:
            met = sum(self.held_on_time.values()) if kind == "all" else self.held_on_time[kind]
            late = sum(self.held_late.values()) if kind == "all" else self.held_late[kind]
            held = met + late
            rows[kind] = {"held": held, "on_time": met, "share": round(met / held, 4) if held else None}
        return rows

    def to_dict(self, longest: int = 20) -> dict[str, Any]:
        ranked = sorted(self.longest, key=lambda w: (-w[0], w[1]))[:longest]
        return {
            "policy": self.policy,
            "as_of": self.as_of.isoformat(),
            "children": {"in": self.evaluated + self.refused, "evaluated": self.evaluated, "refused": self.refused},
            "children_in_care": self.children_in_care,
            "periods_open": self.periods_open,
            "reviews_overdue_now": {"total": sum(self.overdue_now.values()), **dict(sorted(self.overdue_now.items()))},
            "children_overdue_now": self.overdue_children,
            "reviews_due_next_28_days": {"total": sum(self.due_soon.values()), **dict(sorted(self.due_soon.items()))},
            "reviews_missed_in_ended_periods": {
                "total": sum(self.missed_in_ended.values()),
                **dict(sorted(self.missed_in_ended.items())),
            },
            "reviews_held_last_12_months": self.on_time(),
            "escalations_open": self.escalations_open,
            "overdue_by_owner": dict(sorted(self.by_owner_overdue.items())),
            "due_soon_by_owner": dict(sorted(self.by_owner_due_soon.items())),
            "longest_overdue": [{"child": c, "kind": k, "due": d, "days": n} for n, c, k, d in ranked],
            "warnings": dict(sorted(self.warnings.items())),
            "refusals": dict(sorted(self.refusals.items())),
            "problems": dict(sorted(self.problems.items())),
        }

    def text(self) -> str:
        d = self.to_dict(longest=10)
        children = d["children"]
        lines = []
        if self.policy:
            lines.append(f"Policy {self.policy['id']} {self.policy.get('version') or ''}".rstrip() + f", as of {d['as_of']}")
        rows = [
            ("children", children["in"], f"{children['evaluated']} evaluated, {children['refused']} refused"),
            ("children looked after on the as-of date", d["children_in_care"], ""),
            ("periods of care open on the as-of date", d["periods_open"], ""),
            ("reviews overdue now", d["reviews_overdue_now"]["total"], _split(d["reviews_overdue_now"])),
            ("children with a review overdue now", d["children_overdue_now"], ""),
            (f"reviews due in the next {DUE_SOON_DAYS} days", d["reviews_due_next_28_days"]["total"], _split(d["reviews_due_next_28_days"])),
            (
                "reviews missed in periods that have ended",
                d["reviews_missed_in_ended_periods"]["total"],
                _split(d["reviews_missed_in_ended_periods"]),
            ),
            ("escalations open", d["escalations_open"], ""),
        ]
        width = max(len(r[0]) for r in rows)
        lines += [f"  {name.ljust(width)}  {value:>8,}  {extra}".rstrip() for name, value, extra in rows]
        lines.append(f"Reviews held in the 12 months to {d['as_of']}, on time:")
        for kind, row in d["reviews_held_last_12_months"].items():
            share = "-" if row["share"] is None else f"{row['share'] * 100:.1f}%"
            lines.append(f"  {kind.ljust(width)}  {share:>8}  {row['on_time']:,} of {row['held']:,}")
        for title, key in (("Warnings", "warnings"), ("Refusals", "refusals"), ("Read but not used", "problems")):
            if d[key]:
                lines.append(f"{title}: " + ", ".join(f"{code} {n:,}" for code, n in d[key].items()))
        return "\n".join(lines) + "\n"


def _split(counts: dict[str, Any]) -> str:
    parts = [f"{kind} {n:,}" for kind, n in counts.items() if kind != "total"]
    return ", ".join(parts)
