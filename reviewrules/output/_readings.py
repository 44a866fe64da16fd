"""The register of readings as text, JSON or Markdown (Markdown pastes into an audit report)."""

from __future__ import annotations

from typing import Any

from ..policy._model import Alternative, Policy
from ..policy._readings import ReadingEntry, register
from ._json import to_json

__all__ = ["format_readings", "reading_anchor"]


def reading_anchor(rule_id: str) -> str:
    """The HTML id of a rule's entry in the register (the procedure card links to it)."""
    return f"reading-{rule_id}"


def _counted(alt: Alternative) -> str | None:
    if not alt.computable:
        return None
    parts = []
    if alt.offset is not None:
        parts.append(alt.offset.words())
    if alt.anchor is not None:
        parts.append(alt.anchor.describe())
    return " ".join(parts)


def _entry_dict(entry: ReadingEntry) -> dict[str, Any]:
    rule = entry.rule
    return {
        "rule": rule.qualified_id,
        "title": rule.title,
        "question": entry.question,
        "text": rule.source.to_dict(),
        "taken": entry.taken,
        "counted": rule.timescale(),
        "why": entry.why,
        "conflicts": [c.to_dict() for c in entry.conflicts],
        "alternatives": [
            {"id": a.id, "reading": a.reading, "computable": a.computable, "counted": _counted(a), "note": a.note}
            for a in entry.alternatives
        ],
        "gap": entry.gap,
    }


def _text(policy: Policy, entries: list[ReadingEntry]) -> str:
    lines = [f"Readings in {policy.id} {policy.version or ''}".rstrip() + f": {len(entries)}", ""]
    for entry in entries:
        rule = entry.rule
        lines.append(f"{rule.qualified_id}" + (f" ({rule.title})" if rule.title else ""))
        if entry.question:
            lines.append(f"  question: {entry.question}")
        lines.append(f"  text [{rule.source.section}]: \"{rule.source.quote}\"")
        for c in entry.conflicts:
            lines.append(f"  against [{c.section}]: \"{c.quote}\"")
        lines.append(f"  taken: {entry.taken} (counted: {rule.timescale()})")
        if entry.why:
            lines.append(f"  why: {entry.why}")
        for a in entry.alternatives:
            counted = _counted(a)
            how = f"computed: {counted}" if counted else "not computed"
            lines.append(f"  other reading {a.id}: {a.reading} ({how})" + (f"; {a.note}" if a.note else ""))
        if entry.gap:
            lines.append("  GAP: the text conflicts with another passage but no other reading is recorded")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    return "" if text is None else text.replace("|", "\\|").replace("\n", " ")


def _markdown(policy: Policy, entries: list[ReadingEntry]) -> str:
    gaps = sum(1 for e in entries if e.gap)
    lines = [
        f"## Readings in {_cell(policy.document.title)} ({policy.id}{' ' + policy.version if policy.version else ''})",
        "",
        f"{len(entries)} places where the policy chose one reading of its text"
        + (f"; {gaps} with no other reading recorded." if gaps else "."),
        f"Policy digest `{policy.digest}`.",
        "",
        "| rule | the text | conflicts with | reading taken | other readings | why |",
        "|---|---|---|---|---|---|",
    ]
    for entry in entries:
        rule = entry.rule
        text = f"{_cell(rule.source.section)}: \"{_cell(rule.source.quote)}\""
        against = "<br>".join(f"{_cell(c.section)}: \"{_cell(c.quote)}\"" for c in entry.conflicts) or "-"
        others = "<br>".join(
            f"`{a.id}`: {_cell(a.reading)}" + (f" ({_cell(_counted(a))})" if a.computable else " (not computed)")
            for a in entry.alternatives
        ) or ("**none recorded (gap)**" if entry.gap else "-")
        lines.append(
            f"| <a id=\"{reading_anchor(rule.id)}\"></a>`{rule.qualified_id}` | {text} | {against} | "
            f"{_cell(entry.taken)} | {others} | {_cell(entry.why)} |"
        )
    return "\n".join(lines) + "\n"


def format_readings(policy: Policy, fmt: str) -> str:
    entries = register(policy)
    if fmt == "json":
        ref = {"id": policy.id, "version": policy.version, "digest": policy.digest}
        return to_json({"policy": ref, "readings": [_entry_dict(e) for e in entries]}) + "\n"
    if fmt == "md":
        return _markdown(policy, entries)
    return _text(policy, entries)
