"""The policy diff as text, JSON or Markdown.

By default a person reads a summary: the rules that differ, and the impact table
(what moves, by kind, the largest move first). ``detail`` adds every rule's quotes
and every date that moves. Nothing is printed about a side that does not differ;
Markdown pastes into an audit report.
"""

from __future__ import annotations

from typing import Any

from ..policy._model import Policy, Rule
from ._diff_report import DateChange, ImpactRow, PolicyDiff
from ._json import to_json

__all__ = ["format_diff", "FORMATS"]

FORMATS = ("text", "json", "md")
_LISTED = 50  # date changes listed in Markdown without --detail


def _name(policy: Policy) -> str:
    name = f"{policy.id} {policy.version}" if policy.version else policy.id
    if "+reading:" in policy.digest:
        name += f" (reading {policy.digest.split('+reading:', 1)[1]})"
    return name


def _what(rule: Rule | None) -> str:
    if rule is None:
        return "-"
    kind = rule.emit.kind or "lapse"
    return f"{kind}: {rule.timescale()}"


def _shown_date(change: DateChange, side: str) -> str:
    due, status = (change.a_due, change.a_status) if side == "a" else (change.b_due, change.b_status)
    return "none" if due is None else f"{due} {status}"


def _days(days: int | None) -> str:
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


def _impact_dict(row: ImpactRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "obligations": row.obligations,
        "children": row.children,
        "earlier": row.earlier,
        "later": row.later,
        "status_only": row.status_only,
        "only_a": row.only_a,
        "only_b": row.only_b,
        "largest_days": row.largest,
        "mean_days": row.mean_days,
        "becomes_overdue": row.becomes_overdue,
        "stops_being_overdue": row.stops_being_overdue,
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
            "corpus": diff.corpus,
            "cases": diff.cases,
            "children_moved": diff.children_moved,
            "impact": [_impact_dict(row) for row in diff.impact()],
            "skipped": [{"case": name, "reason": why} for name, why in diff.skipped],
            "dates": [
                {
                    "case": d.case,
                    "child": d.child,
                    "period": d.period.isoformat() if d.period else None,
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


def _rule_counts(diff: PolicyDiff) -> dict[str, int]:
    return {k: sum(1 for c in diff.rules if c.change == k) for k in ("changed", "added", "removed")}


def _impact_lines(diff: PolicyDiff) -> list[str]:
    rows = diff.impact()
    head = ["kind", "obligations", "children", "earlier", "later", "largest", "mean", "now overdue", "no longer overdue"]
    table = [head] + [
        [
            r.kind,
            str(r.obligations),
            str(r.children),
            str(r.earlier),
            str(r.later),
            _days(r.largest) if r.earlier or r.later else "-",
            "-" if r.mean_days is None else f"{r.mean_days:+.1f}",
            str(r.becomes_overdue),
            str(r.stops_being_overdue),
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]


def _text(diff: PolicyDiff, detail: bool) -> str:
    a, b = _name(diff.a), _name(diff.b)
    lines = [f"{a} | {b}", ""]
    counts = _rule_counts(diff)
    if diff.rules:
        lines.append(
            f"Rules: {counts['changed']} changed, {counts['added']} added in {diff.b.id}, {counts['removed']} only in {diff.a.id}"
        )
        width = max(len(diff.a.id), len(diff.b.id)) + 1
        for change in diff.rules:
            label = {"changed": "changed", "added": "added  ", "removed": "removed"}[change.change]
            extra = f" ({', '.join(change.fields)})" if change.fields else ""
            lines.append(f"  {label} {change.id}{extra}: {_what(change.a)} | {_what(change.b)}")
            if detail:
                for policy, rule in ((diff.a, change.a), (diff.b, change.b)):
                    if rule is not None:
                        lines.append(f"      {(policy.id + ':').ljust(width)} [{rule.qualified_id}] \"{rule.source.quote}\"")
    else:
        lines.append("Rules: no rule differs.")
    lines.append("")
    corpus = f" ({diff.corpus})" if diff.corpus else ""
    if not diff.dates:
        lines.append(f"Dates on {diff.cases} case(s){corpus}: no due date or status differs.")
    else:
        lines.append(
            f"Dates on {diff.cases} case(s){corpus}: {len(diff.dates)} obligation(s) differ, "
            f"for {diff.children_moved} child(ren)"
        )
        lines += _impact_lines(diff)
    if diff.skipped:
        lines.append(f"{len(diff.skipped)} case(s) could not be evaluated" + (":" if detail else " (--detail lists them)"))
        if detail:
            lines += [f"  skipped {name}: {why}" for name, why in diff.skipped]
    if detail and diff.dates:
        lines.append("")
        lines.append("Every obligation that differs, the largest move first:")
        for d in diff.largest_moves():
            review = f" review {d.review}" if d.review is not None else ""
            lines.append(
                f"  {d.case}  {d.child}  {d.kind}{review}: {_shown_date(d, 'a')} | {_shown_date(d, 'b')}  ({_days(d.days)})"
            )
    elif diff.dates:
        lines.append("(--detail lists every obligation that differs)")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _headline(diff: PolicyDiff) -> str:
    rows = diff.impact()
    earlier = sum(r.earlier for r in rows)
    later = sum(r.later for r in rows)
    overdue = sum(r.becomes_overdue for r in rows)
    no_longer = sum(r.stops_being_overdue for r in rows)
    largest = max((r.largest for r in rows), key=abs, default=0)
    if not diff.dates:
        return f"On {diff.cases} case(s), no due date or status differs."
    text = (
        f"On {diff.cases} case(s), {diff.children_moved} child(ren) and {len(diff.dates)} obligation(s) differ: "
        f"{earlier} fall due earlier and {later} later"
    )
    if earlier or later:
        text += f" (the largest move {_days(largest)})"
    text += f"; {overdue} become overdue and {no_longer} stop being overdue."
    return text


def _markdown(diff: PolicyDiff, detail: bool) -> str:
    a, b = diff.a.id, diff.b.id
    lines = [f"## Policy diff: {_cell(_name(diff.a))} and {_cell(_name(diff.b))}", ""]
    lines += [
        f"- {a}: {_cell(diff.a.document.title)}, digest `{diff.a.digest}`",
        f"- {b}: {_cell(diff.b.document.title)}, digest `{diff.b.digest}`",
        "",
        _headline(diff),
        "",
        "### Rules",
        "",
    ]
    if diff.rules:
        lines += [f"| rule | change | {a} | {b} | {a} quote | {b} quote |", "|---|---|---|---|---|---|"]
        for c in diff.rules:
            change = c.change + (f" ({', '.join(c.fields)})" if c.fields else "")
            quote_a = f"\"{_cell(c.a.source.quote)}\"" if c.a else "-"
            quote_b = f"\"{_cell(c.b.source.quote)}\"" if c.b else "-"
            lines.append(f"| {c.id} | {change} | {_cell(_what(c.a))} | {_cell(_what(c.b))} | {quote_a} | {quote_b} |")
    else:
        lines.append("No rule differs.")
    corpus = f" ({_cell(diff.corpus)})" if diff.corpus else ""
    lines += ["", f"### Impact on {diff.cases} case(s){corpus}", ""]
    rows = diff.impact()
    if rows:
        lines += [
            "| obligation | obligations | children | earlier | later | largest move | mean move | become overdue | stop being overdue |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            mean = "-" if r.mean_days is None else f"{r.mean_days:+.1f} days"
            largest = _days(r.largest) if r.earlier or r.later else "-"
            lines.append(
                f"| {r.kind} | {r.obligations} | {r.children} | {r.earlier} | {r.later} | {largest} | {mean} | "
                f"{r.becomes_overdue} | {r.stops_being_overdue} |"
            )
        listed = diff.largest_moves(None if detail else _LISTED)
        lines += ["", f"### The largest moves{'' if detail or len(diff.dates) <= _LISTED else f' (first {_LISTED} of {len(diff.dates)})'}", ""]
        lines += [f"| case | child | obligation | review | {a} | {b} | difference |", "|---|---|---|---|---|---|---|"]
        for d in listed:
            lines.append(
                f"| {_cell(d.case)} | {_cell(d.child)} | {d.kind} | {'' if d.review is None else d.review} | "
                f"{_shown_date(d, 'a')} | {_shown_date(d, 'b')} | {_days(d.days)} |"
            )
    else:
        lines.append("No due date or status differs.")
    if diff.skipped:
        lines += ["", f"{len(diff.skipped)} case(s) could not be evaluated:"]
        lines += [f"- {_cell(name)}: {_cell(why)}" for name, why in diff.skipped]
    return "\n".join(lines) + "\n"


def format_diff(diff: PolicyDiff, fmt: str, detail: bool = False) -> str:
    if fmt == "json":
        return _json(diff) + "\n"
    if fmt == "md":
        return _markdown(diff, detail)
    return _text(diff, detail)
