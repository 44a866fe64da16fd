"""The register of readings: every place a policy chose one reading of an ambiguous or
conflicting text, with both quotes, the reading taken, the others, and why.

A rule is in the register when it records a ``reading`` or ``alternatives``. An
alternative with its own ``offset`` or ``from`` can be computed: it is shown as
a note on every obligation, and ``--reading RULE=ID`` computes with it instead.
A reading whose text conflicts with another (it quotes a conflicting passage)
but records no alternative is a gap to fill.

``with_readings`` gives the policy as it would stand under other readings: the
rules named take their alternative's anchor and offset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from .._errors import PolicyError, Problem
from ._model import Alternative, Policy, Rule, Source

__all__ = ["ReadingEntry", "register", "with_readings", "parse_reading_choice"]


@dataclass(frozen=True)
class ReadingEntry:
    rule: Rule
    question: str | None
    taken: str
    why: str | None
    conflicts: tuple[Source, ...]
    alternatives: tuple[Alternative, ...]

    @property
    def gap(self) -> bool:
        """The text conflicts with another passage, but no other reading is recorded."""
        return bool(self.conflicts) and not self.alternatives


def register(policy: Policy) -> list[ReadingEntry]:
    """Every reading the policy records, in the policy's order."""
    entries = []
    for rule in policy.rules:
        if rule.reading is None and not rule.alternatives:
            continue
        reading = rule.reading
        entries.append(
            ReadingEntry(
                rule=rule,
                question=reading.question if reading else None,
                taken=reading.taken if reading else rule.timescale(),
                why=reading.why if reading else None,
                conflicts=reading.conflicts if reading else (),
                alternatives=rule.alternatives,
            )
        )
    return entries


def parse_reading_choice(text: str) -> tuple[str, str]:
    """``RULE=ALTERNATIVE`` as given on the command line."""
    rule, sep, alternative = text.partition("=")
    if not sep or not rule or not alternative:
        raise PolicyError([Problem(f"--reading {text!r}: write RULE=ALTERNATIVE, e.g. second-review=three-months", code="usage")])
    return rule.strip(), alternative.strip()


def with_readings(policy: Policy, choices: Iterable[tuple[str, str]]) -> Policy:
    """The policy computed under other readings: each named rule counts as its alternative does.

    Raises PolicyError naming each rule or alternative that does not exist or cannot
    be computed, with the ones that can.
    """
    chosen: dict[str, Alternative] = {}
    problems: list[Problem] = []
    by_id = {r.id: r for r in policy.rules} | {r.qualified_id: r for r in policy.rules}
    for rule_id, alt_id in choices:
        rule = by_id.get(rule_id)
        if rule is None:
            known = ", ".join(sorted(e.rule.id for e in register(policy) if any(a.computable for a in e.alternatives)))
            problems.append(
                Problem(f"--reading {rule_id}={alt_id}: {policy.id} has no rule '{rule_id}' (rules with other readings: {known or 'none'})", code="usage")
            )
            continue
        alternative = next((a for a in rule.alternatives if a.id == alt_id), None)
        computable = [a.id for a in rule.alternatives if a.computable]
        if alternative is None or not alternative.computable:
            why = "has no alternative" if alternative is None else "has an alternative that cannot be computed,"
            problems.append(
                Problem(
                    f"--reading {rule_id}={alt_id}: rule {rule.qualified_id} {why} '{alt_id}' "
                    f"(computable: {', '.join(computable) or 'none'})",
                    code="usage",
                    rule=rule.id,
                )
            )
            continue
        if rule.id in chosen:
            problems.append(Problem(f"--reading {rule_id}: give one reading for a rule", code="usage", rule=rule.id))
            continue
        chosen[rule.id] = alternative
    if problems:
        raise PolicyError(problems)
    if not chosen:
        return policy
    rules = []
    for rule in policy.rules:
        alt = chosen.get(rule.id)
        if alt is None:
            rules.append(rule)
            continue
        emit = replace(rule.emit, anchor=alt.anchor or rule.emit.anchor, offset=alt.offset or rule.emit.offset)
        # The policy's own reading becomes the other reading, so its date is still shown.
        own = Alternative("policy-reading", f"the policy's reading, {rule.timescale()}", rule.emit.offset, None, rule.emit.anchor)
        others = tuple(a for a in rule.alternatives if a.id != alt.id)
        rules.append(
            replace(
                rule,
                emit=emit,
                notes=rule.notes + (f"Computed under another reading (what-if): '{alt.reading}' ({alt.id}).",),
                alternatives=(own, *others),
            )
        )
    suffix = ",".join(f"{rule}={alt.id}" for rule, alt in sorted(chosen.items()))
    return replace(policy, rules=tuple(rules), digest=f"{policy.digest}+reading:{suffix}")
