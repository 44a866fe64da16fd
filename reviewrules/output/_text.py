"""Plain-text tables of results, policies and explanations, for people at a terminal."""

from __future__ import annotations

from typing import Any

from ..engine._result import Escalation, Obligation, Result
from ..policy._model import Policy

__all__ = ["result_text", "policies_text", "explain_text"]


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def result_text(result: Result) -> str:
    ref = result.policy
    lines = [f"{result.child}: policy {ref.id} {ref.version or ''}".rstrip() + f", as of {result.as_of}"]
    if result.obligations:
        rows = [["due", "status", "kind", "review", "owner", "done", "rule"]]
        rows += [
            [o.due.isoformat(), o.status, o.kind, _cell(o.review), _cell(o.owner), _cell(o.done), o.rule]
            for o in result.obligations
        ]
        lines.append("Obligations:")
        lines += _table(rows)
    else:
        lines.append("Obligations: none")
    if result.escalations:
        lines.append("Escalations:")
        rows = [["raised", "kind", "about", "review", "to", "rule"]]
        rows += [
            [e.raised.isoformat(), e.kind, e.about.kind, _cell(e.about.review), _cell(e.to), e.rule]
            for e in result.escalations
        ]
        lines += _table(rows)
    if result.notices:
        lines.append("Notices:")
        rows = [["date", "kind", "trigger", "rule"]]
        rows += [[n.date.isoformat(), n.kind, n.trigger, n.rule] for n in result.notices]
        lines += _table(rows)
    for note in result.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


def policies_text(policies: list[Policy]) -> str:
    rows = [["id", "version", "updated", "extends", "rules", "document"]]
    for p in policies:
        rows.append(
            [
                p.id,
                _cell(p.document.version),
                _cell(p.document.last_updated),
                _cell(p.extends),
                str(len(p.rules)),
                p.document.title + (f" ({p.document.publisher})" if p.document.publisher else ""),
            ]
        )
    return "\n".join(_table(rows, indent="")) + "\n"


def explain_text(result: Result, items: list[Obligation | Escalation]) -> str:
    """The chain behind each item: event, each rule with its quote and arithmetic, the status reasoning."""
    ref = result.policy
    out: list[str] = []
    for item in items:
        if isinstance(item, Obligation):
            head = f"{item.kind}" + (f" (review {item.review})" if item.review is not None else "")
            head += f", due {item.due}, {item.status}"
        else:
            head = f"{item.kind} about {item.about.kind}" + (f" (review {item.about.review})" if item.about.review else "")
            head += f", raised {item.raised} to {item.to}"
        out.append(f"{result.child}: {head}; policy {ref.id} {item.version or ref.version or ''}".rstrip() + f", as of {result.as_of}")
        for number, step in enumerate(item.trace, 1):
            if step.rule is None:
                out.append(f"  {number}. {step.text}")
                continue
            out.append(f"  {number}. rule {step.rule}: \"{step.quote}\"")
            if step.arithmetic:
                out.append(f"     {step.arithmetic}")
            out.append(f"     {step.text}")
        for note in item.notes:
            out.append(f"  note: {note}")
        out.append("")
    return "\n".join(out)
