"""The policy diff report: what differs between two policies, and its text, JSON and Markdown forms.

Markdown pastes into an audit report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..policy._compare import RuleChange
from ..policy._model import Policy, Rule
from ._json import to_json

__all__ = ["DateChange", "PolicyDiff", "format_diff"]


@dataclass(frozen=True)
class DateChange:
    case: str  # the file the case came from
    child: str
    kind: str
    review: int | None
    a_due: date | None
    b_due: date | None
    a_status: str | None
    b_status: str | None

    @property
    def days(self) -> int | None:
        """How many days later (positive) or earlier B's date is than A's."""
        if self.a_due is None or self.b_due is None:
            return None
        return (self.b_due - self.a_due).days


@dataclass(frozen=True)
class PolicyDiff:
    a: Policy
    b: Policy
    rules: tuple[RuleChange, ...]
    dates: tuple[DateChange, ...]
    cases: int
    # Cases one of the policies cannot evaluate (a task it does not know), with why.
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def differs(self) -> bool:
        return bool(self.rules or self.dates)


def _name(policy: Policy) -> str:
    return f"{policy.id} {policy.version}" if policy.version else policy.id


def _what(rule: Rule | None) -> str:
    if rule is None:
        return "-"
    kind = rule.emit.kind or "lapse"
    return f"{kind}: {rule.timescale()}"


def _shown_date(change: DateChange, side: str) -> str:
    due, status = (change.a_due, change.a_status) if side == "a" else (change.b_due, change.b_status)
    return "none" if due is None else f"{due} {status}"


def _days(change: DateChange) -> str:
    days = change.days
    if days is None:
        return "only in one"
    if days == 0:
        return "same date"
    return f"{days:+d} day{'' if abs(days) == 1 else 's'}"


def _rule_dict(rule: Rule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "rule": rule.qualified_id,
        "emits": rule.emit.kind or "lapse",
        "timescale": rule.timescale(),
        "trigger": rule.when.describe(),
        "owner": rule.owner or rule.emit.to,
        "source": rule.source.to_dict(),
    }


def _json(diff: PolicyDiff) -> str:
    def ref(policy: Policy) -> dict[str, Any]:
        return {"id": policy.id, "version": policy.version, "digest": policy.digest}

    return to_json(
        {
            "a": ref(diff.a),
            "b": ref(diff.b),
            "differs": diff.differs,
            "rules": [
                {"id": c.id, "change": c.change, "fields": list(c.fields), "a": _rule_dict(c.a), "b": _rule_dict(c.b)}
                for c in diff.rules
            ],
            "cases": diff.cases,
            "skipped": [{"case": name, "reason": why} for name, why in diff.skipped],
            "dates": [
                {
                    "case": d.case,
                    "child": d.child,
                    "kind": d.kind,
                    "review": d.review,
                    "a": {"due": d.a_due.isoformat() if d.a_due else None, "status": d.a_status},
                    "b": {"due": d.b_due.isoformat() if d.b_due else None, "status": d.b_status},
                    "days": d.days,
                }
                for d in diff.dates
            ],
        }
    )


def _text(diff: PolicyDiff) -> str:
    a, b = _name(diff.a), _name(diff.b)
    width = max(len(diff.a.id), len(diff.b.id)) + 1
    lines = [f"{a} | {b}", ""]
    counts = {k: sum(1 for c in diff.rules if c.change == k) for k in ("changed", "added", "removed")}
    lines.append(f"Rules: {counts['changed']} changed, {counts['added']} added in {diff.b.id}, {counts['removed']} only in {diff.a.id}")
    for change in diff.rules:
        label = {"changed": "changed", "added": "added  ", "removed": "removed"}[change.change]
        extra = f" ({', '.join(change.fields)})" if change.fields else ""
        lines.append(f"  {label} {change.id}{extra}: {_what(change.a)} | {_what(change.b)}")
        for policy, rule in ((diff.a, change.a), (diff.b, change.b)):
            if rule is not None:
                lines.append(f"      {(policy.id + ':').ljust(width)} [{rule.qualified_id}] \"{rule.source.quote}\"")
    lines.append("")
    lines.append(f"Dates on {diff.cases} case(s): {len(diff.dates)} obligation(s) differ")
    for name, why in diff.skipped:
        lines.append(f"  skipped {name}: {why}")
    for d in diff.dates:
        review = f" review {d.review}" if d.review is not None else ""
        lines.append(
            f"  {d.case}  {d.child}  {d.kind}{review}: {_shown_date(d, 'a')} | {_shown_date(d, 'b')}  ({_days(d)})"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(diff: PolicyDiff) -> str:
    a, b = diff.a.id, diff.b.id
    lines = [f"## Policy diff: {_cell(_name(diff.a))} and {_cell(_name(diff.b))}", ""]
    lines += [
        f"- {a}: {_cell(diff.a.document.title)}, digest `{diff.a.digest}`",
        f"- {b}: {_cell(diff.b.document.title)}, digest `{diff.b.digest}`",
        "",
        "### Rules",
        "",
    ]
    if diff.rules:
        lines += [
            f"| rule | change | {a} | {b} | {a} quote | {b} quote |",
            "|---|---|---|---|---|---|",
        ]
        for c in diff.rules:
            change = c.change + (f" ({', '.join(c.fields)})" if c.fields else "")
            quote_a = f"\"{_cell(c.a.source.quote)}\"" if c.a else "-"
            quote_b = f"\"{_cell(c.b.source.quote)}\"" if c.b else "-"
            lines.append(f"| {c.id} | {change} | {_cell(_what(c.a))} | {_cell(_what(c.b))} | {quote_a} | {quote_b} |")
    else:
        lines.append("No rule differs.")
    lines += ["", f"### Dates on {diff.cases} case(s)", ""]
    for name, why in diff.skipped:
        lines.append(f"- skipped {_cell(name)}: {_cell(why)}")
    if diff.skipped:
        lines.append("")
    if diff.dates:
        lines += [f"| case | child | obligation | review | {a} | {b} | difference |", "|---|---|---|---|---|---|---|"]
        for d in diff.dates:
            lines.append(
                f"| {_cell(d.case)} | {_cell(d.child)} | {d.kind} | {'' if d.review is None else d.review} | "
                f"{_shown_date(d, 'a')} | {_shown_date(d, 'b')} | {_days(d)} |"
            )
    else:
        lines.append("No due date or status differs.")
    return "\n".join(lines) + "\n"


def format_diff(diff: PolicyDiff, fmt: str) -> str:
    if fmt == "json":
        return _json(diff) + "\n"
    if fmt == "md":
        return _markdown(diff)
    return _text(diff)


