"""Settling results once every rule has run: supersession and lapses.

Both need the whole picture, so they cannot happen while rules fire:

* an obligation whose rule ``supersedes`` other kinds marks the later-due
  obligations of those kinds for the same review ``superseded`` (a change of
  placement restarting the review cycle);
* a ``lapses`` rule makes the obligation it reacted to ``not_applicable`` if it
  is not done and falls due on or after the lapse date (no IRO-chaired reviews
  from the 18th birthday).

What was derived only from superseded or lapsed facts follows them: obligations
take the same status, escalations and notices are dropped.
"""

from __future__ import annotations

from datetime import date

from ._facts import Fact, Session, fact_id

__all__ = ["settle"]


def settle(session: Session) -> None:
    superseded = _supersede(session)
    lapsed = _lapse(session)
    if not superseded and not lapsed:
        return
    dead = superseded | lapsed
    # Derivation order differs between backends, so repeat until nothing changes
    # rather than trust one pass to visit parents first.
    changed = True
    while changed:
        changed = False
        for fact in session.facts.values():
            if fact.id in dead or fact.fact in ("event", "lapse") or not fact.parents or not dead.issuperset(fact.parents):
                continue
            dead.add(fact.id)
            changed = True
            fact.status_by = min(session.facts[p].status_by or "" for p in fact.parents) or None
            if not superseded.isdisjoint(fact.parents):
                superseded.add(fact.id)
                fact.status = "superseded"
                if fact.fact == "obligation":
                    fact.add_note("superseded: it was derived only from superseded obligations")
            else:
                lapsed.add(fact.id)
                fact.status = "not_applicable"
                if fact.fact == "obligation":
                    fact.add_note("not applicable: it was derived only from obligations that lapsed")


def _in_order(session: Session, fact: str) -> list[Fact]:
    """Facts of one sort in a fixed order, so that notes read the same on every backend."""
    return sorted(
        (f for f in session.facts.values() if f.fact == fact),
        key=lambda f: (f.due or date.min, f.kind, f.review or 0, f.sid),
    )


def _supersede(session: Session) -> set[tuple[object, ...]]:
    superseded: set[tuple[object, ...]] = set()
    if not session.policy.settles[0]:  # no rule supersedes anything
        return superseded
    obligations = _in_order(session, "obligation")
    for winner in obligations:
        if winner.rule is None or not winner.rule.emit.supersedes or winner.status == "not_applicable":
            continue
        for other in obligations:
            if (
                other.rule is not None  # a review the records begin with was held: it stands
                and other.kind in winner.rule.emit.supersedes
                and other.review == winner.review
                and other.id != winner.id
                and other.due is not None
                and winner.due is not None
                and other.due > winner.due
            ):
                superseded.add(other.id)
                other.status = "superseded"
                other.status_by = winner.rule.qualified_id
                other.add_note(
                    f"superseded by {winner.kind} for review {winner.review}, due {winner.due} ({winner.rule.qualified_id})"
                )
    return superseded


def _lapse(session: Session) -> set[tuple[object, ...]]:
    lapsed: set[tuple[object, ...]] = set()
    if not session.policy.settles[1]:
        return lapsed  # no rule makes a lapse marker: nothing to look for among the facts
    for marker in _in_order(session, "lapse"):
        assert marker.rule is not None and marker.due is not None
        for target_id in sorted(marker.parents, key=lambda key: fact_id(*key)):
            target = session.facts[target_id]
            if target.done is not None or target.due is None or target.due < marker.due:
                continue
            if target.status in ("superseded", "not_applicable"):
                continue
            target.status = "not_applicable"
            target.status_by = marker.rule.qualified_id
            target.add_note(
                f"not applicable: it falls due on or after {marker.anchor_label or marker.due} "
                f"({marker.rule.qualified_id}: \"{marker.rule.source.quote}\")"
            )
            lapsed.add(target_id)
    return lapsed
