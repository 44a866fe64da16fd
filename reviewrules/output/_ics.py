"""Calendars (RFC 5545): the pending deadlines of one child or a caseload, to import.

Each obligation not yet done becomes an all-day event on its due date whose
description holds the rule and its quoted source. Its UID is built from what
identifies the obligation, not from its date: the child, the period of care, the
kind, the review number and the rule. Where several obligations share all of
these (tasks that belong to no review, such as one placement plan per placement,
and the reviews whose number is unknown before the records begin), the second,
third... in due-date order add ``#2``, ``#3``: the ordinal among all of them, done
or not, so that one being done does not renumber the others. A calendar that
imports the file again updates each event in place when its due date moves,
rather than adding a second one.

``DTSTAMP`` is midnight UTC of the as-of date, so the same inputs give the same
bytes and a later run's events are the newer.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from ..engine._result import Obligation, Result
from ._report_env import require

__all__ = ["CalendarEvent", "obligation_uids", "calendar_events", "render_ics", "UID_DOMAIN"]

UID_DOMAIN = "reviewrules"
_PENDING = ("pending",)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    child: str
    due: date
    summary: str
    description: str
    owner: str | None
    status: str
    kind: str
    review: int | None
    rule: str


def _key(child: str, o: Obligation) -> str:
    review = "-" if o.review is None else str(o.review)
    period = "-" if o.period is None else o.period.isoformat()
    return "\x1f".join((child, period, o.kind, review, o.rule))


def obligation_uids(result: Result) -> dict[int, str]:
    """The UID of each of ``result``'s obligations, keyed by ``id()`` of the obligation."""
    seen: Counter[str] = Counter()
    out: dict[int, str] = {}
    for o in result.obligations:  # in due-date order (docs/output.md, "Ordering")
        key = _key(result.child, o)
        seen[key] += 1
        if seen[key] > 1:
            key += f"\x1f#{seen[key]}"
        out[id(o)] = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@" + UID_DOMAIN
    return out


def _summary(child: str, o: Obligation) -> str:
    review = f" (review {o.review})" if o.review is not None else ""
    late = " - OVERDUE" if o.status == "overdue" else ""
    return f"{child}: {o.kind}{review} due{late}"


def _description(result: Result, o: Obligation) -> str:
    src = o.source
    ref = result.policy
    lines = [
        f"Child {result.child}" + (f", period of care from {o.period.isoformat()}" if o.period else ""),
        f"{o.kind}" + (f" (review {o.review})" if o.review is not None else "") + f" due {o.due.isoformat()}, {o.status}; owner {o.owner or '-'}",
        f"Rule {o.rule} (policy {ref.id} {o.version or ref.version or ''}".rstrip() + "):",
        f"\u201c{src.quote}\u201d",
        f"{src.document}" + (f", {src.section}" if src.section else ""),
    ]
    lines += [f"Note: {n}" for n in o.local_notes]
    lines.append(f"As of {result.as_of.isoformat()} (reviewrules)")
    return "\n".join(lines)


def calendar_events(
    results: Iterable[Result],
    *,
    owners: Iterable[str] | None = None,
    statuses: Iterable[str] = _PENDING,
) -> list[CalendarEvent]:
    """The events for the obligations of these statuses (pending by default) and owners, by date."""
    keep_owners = frozenset(owners) if owners else None
    keep = frozenset(statuses)
    events: list[CalendarEvent] = []
    for result in results:
        uids = obligation_uids(result)
        for o in result.obligations:
            if o.status not in keep or (keep_owners is not None and o.owner not in keep_owners):
                continue
            events.append(
                CalendarEvent(
                    uid=uids[id(o)],
                    child=result.child,
                    due=o.due,
                    summary=_summary(result.child, o),
                    description=_description(result, o),
                    owner=o.owner,
                    status=o.status,
                    kind=o.kind,
                    review=o.review,
                    rule=o.rule,
                )
            )
    events.sort(key=lambda e: (e.due, e.child, e.kind, -1 if e.review is None else e.review, e.uid))
    return events


def render_ics(events: Iterable[CalendarEvent], *, as_of: date, name: str, version: str = "") -> bytes:
    """The calendar as RFC 5545 bytes (CRLF line ends, folded lines)."""
    require("icalendar")
    import icalendar

    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//reviewrules//reviewrules {version}//EN".replace("  ", " "))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for e in events:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", e.due)
        if e.due < date.max:  # without DTEND an all-day event lasts its one day (RFC 5545 3.6.1)
            event.add("dtend", e.due + timedelta(days=1))
        event.add("summary", e.summary)
        event.add("description", e.description)
        event.add("transp", "TRANSPARENT")
        if e.owner:
            event.add("categories", [e.owner])
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
