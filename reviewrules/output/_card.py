"""The procedure card: one page that lays a policy's rules out along a review cycle.

A policy officer reads it beside the paper procedure to check the YAML encoding:
every rule is one row saying what falls due, whose task it is, when, how the days
are counted (working or calendar), the words of the document it encodes, and the
rule's id and notes. ``render_card(policy, "html")`` gives a self-contained page
(inline CSS, no script, printable on A4 landscape); ``render_card(policy, "md")``
gives Markdown with a pipe table. The same policy always gives the same bytes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .._vocabulary import (
    ESCALATION_KINDS,
    NOTICE_KINDS,
    OBLIGATION_KINDS,
    is_review_kind,
)
from ..policy._model import Policy, Rule
from ..policy._readings import register
from ._readings import reading_anchor

__all__ = ["FORMATS", "STAGES", "CardRow", "card_rows", "render_card"]

FORMATS = ("html", "md")

# The stages of a review cycle, in the order the card lists them.
STAGES: tuple[str, ...] = (
    "before the review",
    "the review",
    "after the review",
    "escalation",
    "notice",
    "other",
)

_UNITS: dict[str, str] = {
    "working_days": "working days (Monday to Friday; bank holidays in England and Wales not counted)",
    "days": "calendar days (weekends and bank holidays count)",
    "weeks": "calendar weeks (7 days each; weekends and bank holidays count)",
    "months": "calendar months (same day of the month, or that month's last day)",
}

HEADERS: tuple[str, ...] = ("Stage", "What", "Who", "When", "Counted how", "Source", "Rule")


@dataclass(frozen=True)
class CardRow:
    """One rule as the card shows it: plain text, not yet escaped."""

    stage: str
    what: str
    who: str
    when: str
    counted: str
    quote: str
    cited: str  # the document and section the quote comes from
    rule_id: str
    notes: tuple[str, ...]
    reading: str | None = None  # the rule's id in the register of readings, when it has an entry


def render_card(policy: Policy, fmt: str) -> str:
    """The procedure card of ``policy`` as "html" or "md"; ValueError for any other format."""
    if fmt == "html":
        return _html(policy, card_rows(policy))
    if fmt == "md":
        return _markdown(policy, card_rows(policy))
    raise ValueError(f"unknown card format {fmt!r}: use one of {', '.join(FORMATS)}")


def card_rows(policy: Policy) -> list[CardRow]:
    """One row per rule, along the cycle: by stage, and within a stage in the policy's order."""
    stages = _stages(policy)
    order = sorted(range(len(policy.rules)), key=lambda k: (STAGES.index(stages[k]), k))
    meanings = policy.kind_meanings()
    return [_row(policy.rules[k], stages[k], meanings) for k in order]


def _stages(policy: Policy) -> list[str]:
    """The stage of each rule of ``policy``, in the policy's order.

    "After the review" is an obligation triggered by a review, or by an obligation
    that itself follows a review (the record of decisions, then the manager's response).
    """
    def basic(rule: Rule) -> str:
        emit = rule.emit
        if emit.fact in ("escalation", "notice"):
            return emit.fact
        if emit.fact != "obligation":
            return "other"
        if is_review_kind(emit.kind):
            return "the review"
        if emit.offset is not None and emit.offset.direction == "before":
            return "before the review"
        anchor = emit.anchor.name if emit.anchor else None
        if emit.offset is None and anchor == "review_date":
            return "before the review"  # due by the meeting itself
        return "other"

    stages = [basic(rule) for rule in policy.rules]
    following = {r.emit.kind for r in policy.rules if r.emit.fact == "obligation" and is_review_kind(r.emit.kind)}
    changed = True
    while changed:
        changed = False
        for k, rule in enumerate(policy.rules):
            follows = rule.when.fact == "obligation" and bool(following.intersection(rule.when.kinds))
            if stages[k] == "other" and rule.emit.fact == "obligation" and follows:
                stages[k] = "after the review"
                following.add(rule.emit.kind)
                changed = True
    return stages


def _meaning(kind: str, meanings: dict[str, str]) -> str | None:
    for table in (meanings, OBLIGATION_KINDS, ESCALATION_KINDS, NOTICE_KINDS):
        if kind in table:
            return table[kind]
    return None


def _what(rule: Rule, meanings: dict[str, str]) -> str:
    emit = rule.emit
    if emit.fact == "lapse":
        return "the triggering obligation lapses: it no longer applies (lapse)"
    words = _meaning(emit.kind, meanings)
    text = f"{words} ({emit.kind})" if words else emit.kind
    if rule.title:
        text = f"{rule.title}: {text}"
    return text


def _who(rule: Rule) -> str:
    if rule.emit.fact == "escalation":
        return f"raised to {rule.emit.to}" if rule.emit.to else "-"
    return rule.owner or "-"


def _counted(rule: Rule) -> str:
    """How the date is counted, plainly: working or calendar days first, then the trigger."""
    emit = rule.emit
    if emit.offset is not None:
        back = "back " if emit.offset.direction == "before" else ""
        how = f"Counted {back}in {_UNITS[emit.offset.unit]}."
    elif emit.fact == "escalation" and emit.anchor is None and rule.when.fact == "obligation":
        how = "No count: the next calendar day after the due date."
    else:
        how = "No count: on that date itself."
    return f"{how} Trigger: {rule.when.describe()}."


def _row(rule: Rule, stage: str, meanings: dict[str, str]) -> CardRow:
    notes = list(rule.notes)
    for alt in rule.alternatives:
        extra = f" ({alt.note})" if alt.note else ""
        if alt.computable:
            counted = []
            if alt.offset is not None:
                counted.append(alt.offset.words())
            if alt.anchor is not None:
                counted.append(alt.anchor.describe())
            notes.append(f"Another reading (computed, shown as a note): {alt.reading}, i.e. {' '.join(counted)}{extra}")
        else:
            notes.append(f"Another reading (not computed): {alt.reading}{extra}")
    if rule.in_force:
        notes.append("In force in version(s): " + ", ".join(label for label, _, _ in rule.in_force))
    src = rule.source
    return CardRow(
        stage=stage,
        what=_what(rule, meanings),
        who=_who(rule),
        when=rule.timescale(),
        counted=_counted(rule),
        quote=src.quote,
        cited=f"{src.document}, {src.section}",
        rule_id=rule.qualified_id,
        notes=tuple(notes),
        reading=rule.id if rule.reading is not None or rule.alternatives else None,
    )


def _metadata(policy: Policy) -> list[tuple[str, str]]:
    doc = policy.document
    pairs = [
        ("Policy id", policy.id),
        ("Document", doc.title),
        ("Publisher", doc.publisher or "-"),
        ("Version", doc.version or "-"),
        ("Last updated", str(doc.last_updated or "-")),
        ("Extends", policy.extends or "nothing (a base policy)"),
    ]
    if len(policy.lineage) > 1:
        pairs.append(("Built on", " \u2192 ".join(policy.lineage)))
    if doc.url:
        pairs.append(("Source", doc.url))
    pairs.append(("Rules", str(len(policy.rules))))
    pairs.append(("Digest", policy.digest or "-"))
    return pairs


def _versions(policy: Policy) -> list[str]:
    return [
        f"{v.label}, in force from {v.start.isoformat()}" + ("".join(f"; {n}" for n in v.notes))
        for v in policy.versions
    ]


_CSS = """
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #111;
  background: #fff; margin: 1.5em; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 .3em; }
h2 { font-size: 12pt; margin: 1em 0 .3em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; margin: .5em 0; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
ul { margin: .2em 0 .6em 1.2em; padding: 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-top: 1em; }
caption { caption-side: top; text-align: left; font-weight: bold; font-size: 12pt; padding: .3em 0; }
th, td { border: 1px solid #777; padding: .3em .4em; vertical-align: top; text-align: left;
  overflow-wrap: break-word; }
thead th { background: #e6e6e6; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
col.stage { width: 8%; } col.what { width: 16%; } col.who { width: 10%; } col.when { width: 14%; }
col.counted { width: 16%; } col.source { width: 20%; } col.rule { width: 16%; }
tr.s-before-the-review td:first-child { border-left: 4px solid #3b6ea5; }
tr.s-the-review td:first-child { border-left: 4px solid #2e7d32; font-weight: bold; }
tr.s-after-the-review td:first-child { border-left: 4px solid #6a1b9a; }
tr.s-escalation td:first-child { border-left: 4px solid #c62828; }
.quote { font-style: italic; }
.cited, .notes { color: #333; font-size: 9pt; }
.rule-id { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
@media print { body { margin: 0; font-size: 8.5pt; } }
"""


def _html(policy: Policy, rows: list[CardRow]) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Procedure card: {e(policy.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(policy.title)}</h1>",
        '<dl class="meta">',
    ]
    out += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _metadata(policy)]
    out.append("</dl>")
    if policy.versions:
        out.append("<h2>Versions</h2>")
        out.append("<ul>" + "".join(f"<li>{e(v)}</li>" for v in _versions(policy)) + "</ul>")
    if policy.notes:
        out.append("<h2>Notes</h2>")
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in policy.notes) + "</ul>")
    out.append("</header>")
    out.append("<main>")
    out.append('<table class="timeline">')
    out.append(f"<caption>{e(_caption(policy, rows))}</caption>")
    out.append("<colgroup>" + "".join(f'<col class="{c}">' for c in _COLS) + "</colgroup>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in HEADERS) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        notes = ""
        if row.notes:
            notes = '<ul class="notes">' + "".join(f"<li>{e(n)}</li>" for n in row.notes) + "</ul>"
        out.append(
            f'<tr class="s-{row.stage.replace(" ", "-")}">'
            f"<td>{e(row.stage)}</td>"
            f"<td>{e(row.what)}</td>"
            f"<td>{e(row.who).replace('_', '_<wbr>')}</td>"
            f"<td>{e(row.when)}</td>"
            f"<td>{e(row.counted)}</td>"
            f'<td><span class="quote">\u201c{e(row.quote)}\u201d</span><br><span class="cited">{e(row.cited)}</span></td>'
            f'<td><span class="rule-id">{e(row.rule_id)}</span>{_reading_link(row)}{notes}</td>'
            "</tr>"
        )
    out += ["</tbody>", "</table>"]
    out += _readings_html(policy)
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _reading_link(row: CardRow) -> str:
    if row.reading is None:
        return ""
    return f' <a class="reading" href="#{reading_anchor(row.reading)}">(reading)</a>'


def _readings_html(policy: Policy) -> list[str]:
    """The register of readings (``reviewrules readings``), each entry where its row links."""
    e = html.escape
    entries = register(policy)
    if not entries:
        return []
    out = [
        '<table class="readings">',
        f"<caption>Readings: {len(entries)} places where the policy chose one reading of its text</caption>",
        '<thead><tr><th scope="col">Rule</th><th scope="col">Reading taken</th>'
        '<th scope="col">Other text</th><th scope="col">Other readings</th></tr></thead>',
        "<tbody>",
    ]
    for entry in entries:
        rule = entry.rule
        against = "".join(
            f'<span class="quote">\u201c{e(c.quote)}\u201d</span> <span class="cited">({e(c.section)})</span><br>'
            for c in entry.conflicts
        ) or "-"
        others = "".join(
            f"<li><code>{e(a.id)}</code>: {e(a.reading)}{'' if a.computable else ' (not computed)'}</li>" for a in entry.alternatives
        )
        out.append(
            f'<tr id="{reading_anchor(rule.id)}"><td><span class="rule-id">{e(rule.qualified_id)}</span></td>'
            f"<td>{e(entry.taken)}" + (f'<br><span class="notes">Why: {e(entry.why)}</span>' if entry.why else "") + "</td>"
            f"<td>{against}</td><td>" + (f'<ul class="notes">{others}</ul>' if others else "-") + "</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    return out


_COLS = ("stage", "what", "who", "when", "counted", "source", "rule")


def _caption(policy: Policy, rows: list[CardRow]) -> str:
    return (
        f"The review cycle of {policy.id}: {len(rows)} rules, before the review, the review, "
        "after it, escalations, then notices and the rest"
    )


_MD_SPECIAL = re.compile(r"([\\|<>*`\[\]])")


def _md(text: str) -> str:
    """Text for one line of Markdown: no line breaks, and no character that changes the markup."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _markdown(policy: Policy, rows: list[CardRow]) -> str:
    out = [f"# {_md(policy.title)}", "", "Procedure card.", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _metadata(policy)]
    if policy.versions:
        out.append("- **Versions:**")
        out += [f"  - {_md(v)}" for v in _versions(policy)]
    if policy.notes:
        out.append("- **Notes:**")
        out += [f"  - {_md(n)}" for n in policy.notes]
    out += ["", f"## {_md(_caption(policy, rows))}", ""]
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("|" + "|".join(" --- " for _ in HEADERS) + "|")
    for row in rows:
        notes = "".join(f" Note: {n}" for n in row.notes)
        rule_cell = f"{row.rule_id} (see Readings)" if row.reading else row.rule_id
        cells = [
            row.stage,
            row.what,
            row.who,
            row.when,
            row.counted,
            f"\u201c{row.quote}\u201d ({row.cited})",
            f"{rule_cell}.{notes}" if notes else rule_cell,
        ]
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    entries = register(policy)
    if entries:
        out += ["", f"## Readings: {len(entries)} places where the policy chose one reading of its text", ""]
        for entry in entries:
            others = "; ".join(f"{a.id}: {a.reading}{'' if a.computable else ' (not computed)'}" for a in entry.alternatives)
            against = "; ".join(f"\u201c{c.quote}\u201d ({c.section})" for c in entry.conflicts)
            text = f"{entry.rule.qualified_id}: {entry.taken}."
            if against:
                text += f" Other text: {against}."
            if others:
                text += f" Other readings: {others}."
            out.append(f"- {_md(text)}")
    return "\n".join(out) + "\n"
