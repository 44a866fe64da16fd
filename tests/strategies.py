"""Hypothesis strategies for reviewrules: generated histories, policies and junk.

Cases
    ``histories()``       schema-valid cases: several periods of care, every event type of
                          the vocabulary with its fields, dates across month ends, leap days
                          and bank holidays, an optional date of birth (29 February too),
                          ``records_from``, review numbers, tasks and recommendations.
                          Most are evaluated; some are refused (two reviews on a day, a
                          review number out of order): both are what the properties expect.
    ``nearly_valid()``    a history with one thing broken (a value of another type, a key
                          renamed or dropped, an impossible date, ...).
    ``junk()``            arbitrary JSON-like data, sometimes shaped like a case.

Policies
    ``policies()``        random schema-valid policy mappings: every rule shape the schema
                          allows, ``extends: england``, versions, readings, alternatives.
    ``mutated_policies()`` a bundled policy with one change (a value of another type, a key
                          renamed, a rule duplicated, a key dropped).
    ``truncated_policy_bytes()`` a bundled policy's file cut at a random byte.

``EXTREME`` dates (year 1, year 9999) are drawn only where a strategy is asked for them:
the library's table of working days grows to cover every date it has seen.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import yaml
from hypothesis import strategies as st

import reviewrules
from reviewrules._calendar import UNITS, bank_holiday_name
from reviewrules._resources import policies_dir
from reviewrules._vocabulary import (
    ESCALATION_KINDS,
    EVENT_FIELDS,
    EVENT_REQUIRED,
    EVENT_TYPES,
    NOTICE_KINDS,
    OBLIGATION_KINDS,
    SIGNIFICANT_EVENT_CATEGORIES,
    STATUSES,
)

# How many examples each property ran (printed at the end of a run by tests/conftest.py).
COUNTS: Counter[str] = Counter()


def count(name: str) -> None:
    COUNTS[name] += 1


# --------------------------------------------------------------------------- dates

REALISTIC_MIN = date(1995, 1, 1)
REALISTIC_MAX = date(2035, 12, 31)


def _interesting_days() -> list[date]:
    """Days where counting goes wrong if it can: bank holidays and their neighbours,
    month ends, leap days, the turn of the year."""
    days: set[date] = set()
    for year in range(2010, 2031):
        day = date(year, 1, 1)
        while day.year == year:
            if bank_holiday_name(day) is not None:
                days.update(day + timedelta(days=k) for k in range(-3, 4))
            day += timedelta(days=1)
        for month in range(1, 13):
            first = date(year, month, 1)
            days.update((first, first - timedelta(days=1), first - timedelta(days=2)))
        if year % 4 == 0:
            days.update((date(year, 2, 28), date(year, 2, 29), date(year, 3, 1)))
    return sorted(days)


INTERESTING_DAYS = _interesting_days()
EXTREME_DAYS = [
    date.min,
    date(1, 1, 2),
    date(1, 1, 31),
    date(1, 2, 28),
    date(4, 2, 29),
    date(1752, 9, 14),
    date(1900, 2, 28),
    date(2000, 2, 29),
    date(9980, 6, 1),
    date(9999, 1, 1),
    date(9999, 11, 30),
    date(9999, 12, 24),
    date.max,
]


def days(extreme: bool = False) -> st.SearchStrategy[date]:
    """A date: mostly between 1995 and 2035, often a day where counting is tricky;
    with ``extreme``, sometimes the first or last days a date can be."""
    choices = [st.dates(REALISTIC_MIN, REALISTIC_MAX), st.sampled_from(INTERESTING_DAYS)]
    if extreme:
        choices += [st.sampled_from(EXTREME_DAYS), st.dates()]
    return st.one_of(*choices)


def leap_day_births() -> st.SearchStrategy[date]:
    return st.sampled_from([date(y, 2, 29) for y in range(1980, 2032, 4)])


# --------------------------------------------------------------------------- vocabulary


@lru_cache(maxsize=None)
def bundled_obligation_kinds() -> tuple[str, ...]:
    """Every obligation kind of the vocabulary and of the bundled policies."""
    kinds = set(OBLIGATION_KINDS)
    for pid in reviewrules.bundled_policies():
        policy = reviewrules.load_policy(pid)
        kinds.update(r.emit.kind for r in policy.rules if r.emit.fact == "obligation")
        kinds.update(k for k, _ in policy.kinds)
    return tuple(sorted(kinds))


LEGAL_STATUSES = ("s20", "s31", "ico", "epo", "po", "V2", "V3", "V4", "C2", "J1")
PLACEMENT_TYPES = ("foster", "residential", "kinship", "secure", "placed_with_parents", "adoption", "other")
STAGES = ("practice_manager", "service_manager", "head_of_service", "director", "cafcass")
SHORT_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _field_value(event_type: str, name: str, kind: str) -> st.SearchStrategy[Any]:
    if kind == "boolean":
        return st.booleans()
    if kind == "review":
        return st.integers(1, 8)
    if kind == "kind":
        return st.sampled_from(bundled_obligation_kinds())
    if kind == "date":
        return days().map(date.isoformat)
    if kind == "category":
        return st.sampled_from(sorted(SIGNIFICANT_EVENT_CATEGORIES))
    if name == "legal_status":
        return st.one_of(st.sampled_from(LEGAL_STATUSES), SHORT_TEXT)
    if name == "placement_type":
        return st.one_of(st.sampled_from(PLACEMENT_TYPES), SHORT_TEXT)
    if name == "stage":
        return st.one_of(st.sampled_from(STAGES), SHORT_TEXT)
    if name == "id":
        return st.sampled_from(["R1", "R2", "R3", "rec-a", ""])
    return SHORT_TEXT  # note, ref


def event_of(event_type: str, on: date, **fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """One schema-valid event of a type on a day: its required fields, and any of the others."""
    fields = EVENT_FIELDS[event_type]
    required = set(EVENT_REQUIRED.get(event_type, ()))
    optional = sorted(set(fields) - required - set(fixed))
    return st.fixed_dictionaries(
        {"type": st.just(event_type), "date": st.just(on.isoformat())}
        | {name: _field_value(event_type, name, fields[name]) for name in sorted(required - set(fixed))}
        | {name: st.just(value) for name, value in fixed.items()},
        optional={name: _field_value(event_type, name, fields[name]) for name in optional},
    )


# --------------------------------------------------------------------------- histories


def _clamp(day: date, low: date = date.min, high: date = date.max) -> date:
    return max(low, min(high, day))


def _plus(day: date, n: int) -> date:
    try:
        return day + timedelta(days=n)
    except OverflowError:
        return date.max if n > 0 else date.min


@st.composite
def histories(draw: st.DrawFn, extreme: bool = False, max_periods: int = 3, child_id: str | None = None) -> dict[str, Any]:
    """A schema-valid case: one to ``max_periods`` periods of care, each with reviews
    held at realistic (and unrealistic) gaps, bookings, paperwork, placements,
    significant events, recommendations and disputes, and now and then any event at all."""
    start = draw(days(extreme))
    events: list[dict[str, Any]] = []
    periods = draw(st.integers(1, max_periods))
    cursor = start
    dob = None
    if draw(st.booleans()):
        if draw(st.integers(0, 9)) == 0:
            dob = draw(leap_day_births())
        else:
            dob = _plus(start, -draw(st.integers(0, 18 * 366)))
    for number in range(periods):
        events.append(draw(event_of("became_looked_after", cursor)))
        length = draw(st.integers(0, 1200))
        end = _plus(cursor, length)
        held = cursor
        review = 0
        # Reviews: gaps around the usual limits (20 working days, 3 and 6 months), some late.
        for _ in range(draw(st.integers(0, 6))):
            gap = draw(st.one_of(st.integers(1, 40), st.integers(60, 200), st.sampled_from([28, 29, 30, 31, 91, 92, 182, 183, 184])))
            day = _plus(held, gap)
            if day > end:
                break
            review += 1
            held = day
            numbered = {"review": review} if draw(st.integers(0, 3)) == 0 else {}
            events.append(draw(event_of("review_held", day, **numbered)))
            for task in draw(st.lists(st.sampled_from(bundled_obligation_kinds()), max_size=3, unique=True)):
                offset = draw(st.integers(-25, 40))
                extra = {"review": review} if draw(st.integers(0, 4)) else {}
                events.append(draw(event_of("task_completed", _plus(day, offset), task=task, **extra)))
            if draw(st.integers(0, 3)) == 0:
                rid = f"P{number}R{review}"
                made = draw(event_of("recommendation_made", day, id=rid))
                events.append(made)
                if draw(st.booleans()):
                    events.append(draw(event_of("recommendation_resolved", _plus(day, draw(st.integers(0, 120))), id=rid)))
                if draw(st.integers(0, 3)) == 0:
                    events.append(draw(event_of("recommendation_disputed", _plus(day, draw(st.integers(0, 30))), id=rid)))
                    if draw(st.booleans()):
                        events.append(draw(event_of("dispute_escalated", _plus(day, draw(st.integers(0, 60))), id=rid)))
            if draw(st.integers(0, 5)) == 0:
                events.append(draw(event_of("review_adjourned", _plus(day, -draw(st.integers(0, 10))))))
        if draw(st.booleans()):
            events.append(draw(event_of("review_scheduled", _plus(held, draw(st.integers(1, 200))), review=review + 1)))
        # Anything else that happens during the period, on any day of it (or just after).
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(
                st.sampled_from(
                    ["placement_changed", "placement_ended_unplanned", "significant_event", "review_meetings_reduced", "task_completed"]
                )
            )
            events.append(draw(event_of(kind, _plus(cursor, draw(st.integers(0, max(0, length) + 30))))))
        # Rarely: any event type at all, anywhere near the period.
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(EVENT_TYPES))
            events.append(draw(event_of(kind, _plus(cursor, draw(st.integers(-60, length + 60))))))
        last = number == periods - 1
        if not last or draw(st.booleans()):
            events.append(draw(event_of("ceased_looked_after", end)))
            cursor = _plus(end, draw(st.integers(1, 500)))
            if cursor == end:  # at the end of time: no room for another period
                break
    case: dict[str, Any] = {
        "child": {"id": child_id or draw(st.sampled_from(["C-0001", "C-0002", "Ω-3", "x"]))},
        "events": events,
    }
    if dob is not None:
        case["child"]["dob"] = dob.isoformat()
    if draw(st.integers(0, 4)) == 0:
        case["records_from"] = _plus(start, draw(st.integers(-400, 900))).isoformat()
    return case


def as_of_for(case: dict[str, Any]) -> st.SearchStrategy[date]:
    """An as-of date near the case's history: before it, during it, or long after."""
    dates = [date.fromisoformat(e["date"]) for e in case["events"]]
    low, high = min(dates), max(dates)
    return st.one_of(
        st.dates(_clamp(_plus(low, -30)), _clamp(_plus(high, 400))),
        st.sampled_from([low, high, _plus(high, 1)]),
    )


# --------------------------------------------------------------------------- broken cases

OTHER_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.just([]),
    st.just({}),
    st.just(["2025-01-01"]),
    st.just({"date": "2025-01-01"}),
)
BAD_DATES = st.sampled_from(
    ["2025-02-30", "2023-02-29", "2025-13-01", "2025-00-10", "0000-01-01", "2025-1-1", "25-01-01", "2025/01/01", "", "2025-01-01T00:00",
     "２０２５-01-01", "9999-12-32", "2025-04-31"]
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside plain data."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, prefix + (i,))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def broken(draw: st.DrawFn, data: Any, dates: st.SearchStrategy[str] = BAD_DATES) -> Any:
    """``data`` with one thing changed: a value of another type, a key renamed or dropped,
    an impossible date, an item duplicated, an unknown key added."""
    data = copy.deepcopy(data)
    paths = [p for p in _paths(data) if p]
    if not paths:
        return draw(OTHER_TYPES)
    path = draw(st.sampled_from(paths))
    parent, last = _get(data, path[:-1]), path[-1]
    how = draw(st.sampled_from(["type", "rename", "drop", "date", "duplicate", "add"]))
    if how == "type":
        parent[last] = draw(OTHER_TYPES)
    elif how == "date":
        parent[last] = draw(dates)
    elif how == "rename" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["typo", last + "s", last.upper(), "", "type", "date", "review", "id"]))] = parent.pop(last)
    elif how == "drop":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif how == "add" and isinstance(_get(data, path), dict):
        _get(data, path)[draw(st.sampled_from(["extra", "note", "review", "due", "records_from", "dob"]))] = draw(
            st.one_of(OTHER_TYPES, BAD_DATES)
        )
    else:
        parent[last] = draw(OTHER_TYPES)
    return data


def nearly_valid(extreme: bool = False) -> st.SearchStrategy[Any]:
    """A generated history with exactly one thing broken."""
    return histories(extreme=extreme, max_periods=2).flatmap(broken)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    BAD_DATES,
    days(extreme=True).map(date.isoformat),
    st.sampled_from(EVENT_TYPES + ("child", "events", "children", "type", "date", "id")),
)


def json_like() -> st.SearchStrategy[Any]:
    return st.recursive(
        JSON_SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8) | st.sampled_from(["child", "events", "type", "date", "id", "review"]), inner, max_size=4)),
        max_leaves=20,
    )


@st.composite
def _case_shaped_junk(draw: st.DrawFn) -> Any:
    events = draw(st.lists(st.one_of(json_like(), st.dictionaries(st.sampled_from(["type", "date", "review", "task", "id", "category"]), JSON_SCALARS)), max_size=5))
    case = {"child": draw(st.one_of(json_like(), st.fixed_dictionaries({"id": JSON_SCALARS}, optional={"dob": JSON_SCALARS}))), "events": events}
    if draw(st.booleans()):
        case["records_from"] = draw(JSON_SCALARS)
    return case if draw(st.integers(0, 3)) else {"children": [case, draw(json_like())]}


def junk() -> st.SearchStrategy[Any]:
    """Arbitrary JSON-like data, some of it shaped like a case."""
    return st.one_of(json_like(), _case_shaped_junk())


# --------------------------------------------------------------------------- policies

NAMES = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}\Z")
ROLES = st.sampled_from(["iro", "social_worker", "iro_manager", "business_support", "responsible_authority"])
OBLIGATIONS = st.sampled_from(sorted(OBLIGATION_KINDS))
ESCALATIONS = st.sampled_from(sorted(ESCALATION_KINDS))
NOTICES = st.sampled_from(sorted(NOTICE_KINDS))
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)
ISO = days().map(date.isoformat)


def offsets() -> st.SearchStrategy[Any]:
    amount = st.integers(1, 400)
    unit_words = {"working_days": "working days", "days": "days", "weeks": "weeks", "months": "months"}
    text = st.builds(lambda n, u, d: f"{n} {unit_words[u]} {d}", amount, st.sampled_from(UNITS), st.sampled_from(["before", "after"]))
    odd = st.sampled_from(["1 working day after", "2 calendar days before", "1 month after", "20 days", "3 weeks", "0 days after", "x", "20 fortnights after"])
    obj = st.fixed_dictionaries({"amount": amount, "direction": st.sampled_from(["before", "after"])}, optional={"unit": st.sampled_from(UNITS)})
    return st.one_of(text, obj, odd)


def valid_offsets() -> st.SearchStrategy[Any]:
    """Offsets that load: text or a mapping, with a unit and a direction."""
    amount = st.integers(1, 400)
    unit_words = {"working_days": "working days", "days": "days", "weeks": "weeks", "months": "months"}
    text = st.builds(lambda n, u, d: f"{n} {unit_words[u]} {d}", amount, st.sampled_from(UNITS), st.sampled_from(["before", "after"]))
    obj = st.fixed_dictionaries({"amount": amount, "unit": st.sampled_from(UNITS), "direction": st.sampled_from(["before", "after"])})
    return st.one_of(text, obj)


def anchors() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["event", "due", "done", "review_date", "raised", "start"]),
        st.fixed_dictionaries({"birthday": st.integers(1, 25)}),
        st.fixed_dictionaries({"field": st.sampled_from(["due", "date", "review", "x"])}),
    )


SCALARS = st.one_of(st.text(max_size=8), st.integers(-2, 10), st.booleans(), st.sampled_from(sorted(SIGNIFICANT_EVENT_CATEGORIES)))
CONDITIONS = st.one_of(
    SCALARS,
    st.lists(SCALARS, min_size=1, max_size=3),
    st.fixed_dictionaries({"not": st.one_of(SCALARS, st.lists(SCALARS, min_size=1, max_size=3))}),
    st.fixed_dictionaries({"exists": st.booleans()}),
)
FIELD_NAMES = st.sampled_from(["category", "review", "owner", "to", "starred", "planned", "out_of_area", "legal_status", "short_breaks",
                               "occurrence", "task", "stage", "meeting", "id", "nope"])


def one_or_more(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


def whens(kinds: st.SearchStrategy[str] = OBLIGATIONS) -> st.SearchStrategy[dict[str, Any]]:
    trigger = st.one_of(
        st.fixed_dictionaries({"event": one_or_more(st.sampled_from(EVENT_TYPES + ("not_an_event",)))}),
        st.fixed_dictionaries({"obligation": one_or_more(kinds)}),
        st.fixed_dictionaries({"escalation": one_or_more(ESCALATIONS)}),
    )
    child = st.fixed_dictionaries(
        {},
        optional={
            "age_under": st.integers(1, 20),
            "age_at_least": st.integers(1, 20),
            "first_review_after_birthday": st.integers(1, 25),
            "placement_type": one_or_more(st.sampled_from(PLACEMENT_TYPES)),
        },
    )
    extra = st.fixed_dictionaries(
        {},
        optional={
            "status": one_or_more(st.sampled_from([s for s in STATUSES if s != "superseded"])),
            "where": st.dictionaries(FIELD_NAMES, CONDITIONS, max_size=2),
            "child": child,
            "episode": st.dictionaries(st.sampled_from(["short_breaks", "legal_status", "placement_type", "nope"]), CONDITIONS, max_size=2),
        },
    )
    return st.builds(lambda a, b: {**a, **b}, trigger, extra)


def met_bys() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["review", "task"]),
        st.fixed_dictionaries(
            {"event": one_or_more(st.sampled_from(EVENT_TYPES))},
            optional={"where": st.dictionaries(FIELD_NAMES, CONDITIONS, max_size=2), "same": st.lists(FIELD_NAMES, min_size=1, max_size=2)},
        ),
    )


def emits(kinds: st.SearchStrategy[str] = OBLIGATIONS) -> st.SearchStrategy[dict[str, Any]]:
    obligation = st.fixed_dictionaries(
        {"obligation": kinds, "from": anchors()},
        optional={
            "review": st.one_of(st.integers(1, 5), st.sampled_from(["same", "next", "none"])),
            "offset": offsets(),
            "supersedes": st.lists(kinds, min_size=1, max_size=2),
            "met_by": met_bys(),
        },
    )
    escalation = st.fixed_dictionaries({"escalation": ESCALATIONS, "to": ROLES}, optional={"from": anchors(), "offset": offsets()})
    notice = st.fixed_dictionaries({"notice": NOTICES}, optional={"from": anchors()})
    lapse = st.fixed_dictionaries({"lapses": st.just(True), "from": anchors()}, optional={"offset": offsets()})
    return st.one_of(obligation, obligation, escalation, notice, lapse)


SOURCES = st.fixed_dictionaries({"section": TEXT, "quote": TEXT}, optional={"document": TEXT})


def rules(kinds: st.SearchStrategy[str] = OBLIGATIONS, ids: st.SearchStrategy[str] = NAMES) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids, "when": whens(kinds), "emit": emits(kinds), "source": SOURCES},
        optional={
            "owner": ROLES,
            "override": st.booleans(),
            "title": TEXT,
            "notes": st.lists(TEXT, max_size=2),
            "alternatives": st.lists(
                st.fixed_dictionaries(
                    {"reading": TEXT}, optional={"id": NAMES, "from": anchors(), "offset": offsets(), "note": TEXT}
                ),
                max_size=2,
            ),
            "reading": st.fixed_dictionaries(
                {"taken": TEXT, "why": TEXT},
                optional={"question": TEXT, "conflicts": st.lists(SOURCES.map(lambda s: {k: v for k, v in s.items()}), max_size=2)},
            ),
        },
    )


@st.composite
def chained_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rules that fit together, so that a good share of generated policies load: a start
    event gives a first obligation, each later one counts from the one before (from: done,
    so that a loop is allowed), with an escalation, a notice and a lapse now and then."""
    kinds = draw(st.lists(OBLIGATIONS, min_size=1, max_size=5, unique=True))
    out = []
    source = {"section": "s. 1", "quote": "generated"}
    first_offset = draw(st.one_of(valid_offsets(), valid_offsets(), offsets()))
    out.append({"id": "first", "when": {"event": draw(st.sampled_from(["became_looked_after", "placement_changed", "significant_event"]))},
                "emit": {"obligation": kinds[0], "review": draw(st.sampled_from([1, "none", "next"])), "from": "event", "offset": first_offset},
                "owner": "iro", "source": source})
    for i, kind in enumerate(kinds[1:], 1):
        out.append({"id": f"step-{i}", "when": {"obligation": kinds[i - 1]},
                    "emit": {"obligation": kind, "review": draw(st.sampled_from(["same", "next"])),
                             "from": draw(st.sampled_from(["done", "due", "review_date"])), "offset": draw(st.one_of(valid_offsets(), valid_offsets(), offsets()))},
                    "owner": draw(ROLES), "source": source})
    if draw(st.booleans()):
        out.append({"id": "late", "when": {"obligation": draw(st.sampled_from(kinds)), "status": "overdue"},
                    "emit": {"escalation": draw(ESCALATIONS), "to": "iro_manager"}, "source": source})
    if draw(st.booleans()):
        out.append({"id": "notice", "when": {"event": "significant_event", "where": {"category": draw(st.sampled_from(sorted(SIGNIFICANT_EVENT_CATEGORIES)))}},
                    "emit": {"notice": "notice.consider_early_review"}, "source": source})
    if draw(st.booleans()):
        out.append({"id": "lapse", "when": {"obligation": draw(st.sampled_from(kinds))},
                    "emit": {"lapses": True, "from": {"birthday": draw(st.integers(1, 25))}}, "source": source})
    if draw(st.booleans()):  # loop back, counting from the date it was done
        out.append({"id": "again", "when": {"obligation": kinds[-1]},
                    "emit": {"obligation": kinds[0], "review": "next", "from": "done", "offset": draw(valid_offsets())}, "owner": "iro", "source": source})
    return out


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A schema-valid policy mapping: random rules, or rules that fit together; maybe
    extending england, maybe with dated versions."""
    policy: dict[str, Any] = {
        "id": draw(NAMES),
        "title": draw(TEXT),
        "document": draw(st.fixed_dictionaries({"title": TEXT}, optional={"publisher": TEXT, "version": st.sampled_from(["v1", "v2"]), "last_updated": ISO, "url": TEXT, "file": TEXT})),
    }
    coherent = draw(st.booleans())
    policy["rules"] = draw(chained_rules()) if coherent else draw(st.lists(rules(), max_size=4))
    if draw(st.booleans()):
        policy["extends"] = draw(st.sampled_from(["england", "england", "york", "./nowhere.yaml", "no-such-policy"]))
    if draw(st.integers(0, 3)) == 0:
        policy["remove"] = draw(st.lists(st.sampled_from(["review-overdue", "second-review", "first", "nope"]), max_size=2))
    if draw(st.integers(0, 3)) == 0:
        policy["notes"] = draw(st.lists(TEXT, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        policy["kinds"] = draw(st.dictionaries(st.from_regex(r"\A[a-z]{1,6}\.[a-z_]{1,8}\Z"), TEXT, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        policy["period_of_care"] = {"source": draw(SOURCES)}
    if draw(st.integers(0, 2)) == 0:
        starts = sorted(draw(st.lists(ISO, min_size=1, max_size=3, unique=True)))
        labels = [f"v{i + 1}" for i in range(len(starts))]
        if draw(st.integers(0, 4)) == 0:
            starts.reverse()
        versions = []
        for label, start in zip(labels, starts):
            version: dict[str, Any] = {"version": label, "from": start}
            if draw(st.booleans()):
                version["rules"] = [
                    {**r, "override": True} if coherent and r["id"] in {x["id"] for x in policy["rules"]} else r
                    for r in (draw(st.lists(st.sampled_from(policy["rules"]), max_size=1, unique_by=lambda r: r["id"])) if policy["rules"] else [])
                ]
            if draw(st.integers(0, 3)) == 0:
                version["notes"] = [draw(TEXT)]
            versions.append(version)
        policy["versions"] = versions
        policy["document"]["version"] = labels[-1] if draw(st.integers(0, 5)) else "v9"
    return policy


@lru_cache(maxsize=None)
def bundled_policy_text(policy_id: str) -> str:
    return (policies_dir() / f"{policy_id}.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _bundled_policy_data(policy_id: str) -> Any:
    return yaml.safe_load(bundled_policy_text(policy_id))


BUNDLED = st.sampled_from(reviewrules.bundled_policies())


@st.composite
def mutated_policies(draw: st.DrawFn) -> Any:
    """A bundled policy with one change: a value of another type, a key renamed or dropped,
    an impossible date, a rule duplicated (same id), an unknown key added."""
    data = copy.deepcopy(_bundled_policy_data(draw(BUNDLED)))
    if draw(st.integers(0, 4)) == 0 and data.get("rules"):
        rules_list = data["rules"]
        k = draw(st.integers(0, len(rules_list) - 1))
        rules_list.insert(k, copy.deepcopy(rules_list[k]))  # a rule duplicated
        return data
    return draw(broken(data, dates=st.one_of(BAD_DATES, st.sampled_from(["not a date", "20 days", "next"]))))


@st.composite
def truncated_policy_bytes(draw: st.DrawFn) -> bytes:
    """A bundled policy's file cut at a random byte (sometimes inside a character)."""
    raw = bundled_policy_text(draw(BUNDLED)).encode("utf-8")
    return raw[: draw(st.integers(0, len(raw)))]


def policy_yaml(data: Any) -> str:
    """Policy data as YAML text (dates become plain dates, as in the bundled files)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# --------------------------------------------------------------------------- files of junk

@st.composite
def junk_file_text(draw: st.DrawFn) -> str:
    """What a person might give the CLI as a case file: junk data as JSON or YAML, a case
    with one thing broken, a valid case, or text that is no format at all."""
    what = draw(st.sampled_from(["json", "yaml", "broken", "valid", "text", "tagged"]))
    if what == "json":
        return json.dumps(draw(junk()))
    if what == "yaml":
        return yaml.safe_dump(draw(junk()), allow_unicode=True)
    if what == "broken":
        return yaml.safe_dump(draw(nearly_valid()), allow_unicode=True)
    if what == "valid":
        return json.dumps(draw(histories(max_periods=2)))
    if what == "tagged":
        return "child: !!python/object/apply:os.system ['true']\nevents: []\n"
    return draw(st.text(max_size=200))


@st.composite
def jsonl_text(draw: st.DrawFn) -> tuple[str, int]:
    """JSON Lines for ``caseload -``: valid cases, broken ones and junk, one a line; and
    how many lines hold a JSON object (each is a child, evaluated or refused)."""
    lines = []
    objects = 0
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["valid", "broken", "junk", "text", "deep"]))
        if kind == "deep":  # JSON text nested far deeper than Python recurses
            depth = draw(st.sampled_from([10, 500, 5000, 100_000]))
            lines.append('{"child": {"id": "D"}, "events": ' + "[" * depth + "]" * depth + "}")
            objects += 1
            continue
        if kind == "valid":
            item: Any = draw(histories(max_periods=2, child_id=f"J-{i}"))
        elif kind == "broken":
            item = draw(nearly_valid())
        elif kind == "junk":
            item = draw(junk())
        else:
            lines.append(draw(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=40)))
            continue
        lines.append(json.dumps(item, ensure_ascii=draw(st.booleans())))
        objects += isinstance(item, dict)
    return "\n".join(lines) + ("\n" if lines and draw(st.booleans()) else ""), objects


# --------------------------------------------------------------------------- Python values

def _with_date_objects(data: Any, flags: list[bool]) -> Any:
    """ISO date strings turned into ``datetime.date`` objects, where the flags say."""
    if isinstance(data, dict):
        return {k: _with_date_objects(v, flags) for k, v in data.items()}
    if isinstance(data, list):
        return [_with_date_objects(v, flags) for v in data]
    if isinstance(data, str) and len(data) == 10 and flags and flags.pop():
        try:
            return date.fromisoformat(data)
        except ValueError:
            return data
    return data


@st.composite
def python_mappings(draw: st.DrawFn) -> Any:
    """What a Python caller may pass evaluate() or evaluate_many(): a history with some of
    its dates as ``datetime.date`` objects, or one with a key that is not a string."""
    case = draw(histories(max_periods=2))
    if draw(st.booleans()):
        return _with_date_objects(case, draw(st.lists(st.booleans(), min_size=1, max_size=40)))
    target = draw(st.sampled_from(["top", "child", "event"]))
    key = draw(st.one_of(st.integers(-2, 3), st.none(), st.booleans(), st.just(1.5)))
    value = draw(JSON_SCALARS)
    if target == "top":
        case[key] = value
    elif target == "child":
        case["child"][key] = value
    else:
        draw(st.sampled_from(case["events"]))[key] = value
    return case


# --------------------------------------------------------------------------- deep nesting

def nested(depth: int, leaf: Any = None, mapping: bool = False) -> Any:
    """A list (or mapping) nested ``depth`` levels deep."""
    out = leaf
    for _ in range(depth):
        out = {"a": out} if mapping else [out]
    return out


def depth_of(data: Any) -> int:
    """How deeply nested data is (iteratively: the data may be deeper than Python recurses)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


@st.composite
def deeply_nested_cases(draw: st.DrawFn) -> Any:
    """A case whose events, or one event's note, are lists or mappings nested up to
    thousands of levels deep (a YAML file is refused past 64 levels; plain data has no limit)."""
    depth = draw(st.one_of(st.integers(1, 60), st.integers(60, 3000)))
    inner = nested(depth, draw(JSON_SCALARS), mapping=draw(st.booleans()))
    case = draw(histories(max_periods=1))
    if draw(st.booleans()):
        case["events"] = inner if isinstance(inner, list) else [inner]
    else:
        case["events"][0]["note"] = inner
    return case


HOSTILE_LINES = [
    "id: again",  # a key given twice
    "x: !!python/object/apply:os.system ['true']",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "\t- tabbed",
    "---",
    "rules: []",
    "   offset: 20 working days after",
    "      - {id: x, when: {event: became_looked_after}}",
    "\ufeffid: bom",
    "%YAML 1.1",
]


@st.composite
def edited_policy_bytes(draw: st.DrawFn) -> bytes:
    """A bundled policy's file with one hostile line put in at a random line: a duplicate
    key, a Python tag, an alias bomb, a tab, a second document, a stray indentation."""
    lines = bundled_policy_text(draw(BUNDLED)).split("\n")
    at = draw(st.integers(0, len(lines)))
    lines.insert(at, draw(st.sampled_from(HOSTILE_LINES)))
    return "\n".join(lines).encode("utf-8")
