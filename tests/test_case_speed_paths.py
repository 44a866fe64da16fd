"""The shorter ways a case is built (reviewrules/case) give what the plain ways give.

Each fast path is compared here with the plain code it stands in for, written out as it
was: sorting events (``sort_events``, ``_care_order``), building an event's fields once its
shape is known, making an Event without its ``__init__``, the shape check's shortcuts for
common values, and finding duplicate events by their day first.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random
import re
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import histories, junk, nearly_valid

from reviewrules._vocabulary import EVENT_FIELDS, EVENT_REQUIRED, SIGNIFICANT_EVENT_CATEGORIES
from reviewrules.case import _files, _history, _shape
from reviewrules.case._files import case_or_refusal
from reviewrules.case._model import Event, event_order, sort_events
from reviewrules.policy._yaml import Document

TYPES = [
    "became_looked_after",
    "ceased_looked_after",
    "review_held",
    "recommendation_made",
    "recommendation_resolved",
    "task_completed",
]


def _random_events(rng: random.Random, count: int) -> list[Event]:
    """Events in listing order on few days (so days are shared), with review numbers of every kind."""
    start = date(2024, 1, 1)
    events = []
    for i in range(count):
        kind = rng.choice(TYPES)
        fields: tuple[tuple[str, Any], ...] = ()
        if kind == "review_held" and rng.random() < 0.7:
            fields = (("review", rng.choice([1, 2, 3, 0, -1, True, 10**20, "2", None])),)
        events.append(Event(kind, start + timedelta(days=rng.randrange(4)), i, fields, None))
    return events


def test_sort_events_orders_as_event_order_does():
    rng = random.Random(20)
    for _ in range(3000):
        events = _random_events(rng, rng.randrange(0, 12))
        expected = sorted(events, key=event_order)
        got = list(events)
        sort_events(got)
        assert [e.index for e in got] == [e.index for e in expected]


def test_sort_events_orders_as_event_order_does_when_the_list_is_not_in_the_order_of_index():
    rng = random.Random(22)
    for _ in range(3000):
        events = _random_events(rng, rng.randrange(0, 12))
        rng.shuffle(events)
        expected = sorted(events, key=event_order)
        got = list(events)
        sort_events(got)
        assert [e.index for e in got] == [e.index for e in expected]


def test_sort_events_keeps_the_list_order_where_event_order_ties():
    day = date(2024, 5, 1)
    events = [Event("task_completed", day, 0), Event("task_completed", day, 0), Event("review_held", day, 0)]
    marked = [id(e) for e in events]
    expected = [id(e) for e in sorted(events, key=event_order)]
    sort_events(events)
    assert [id(e) for e in events] == expected and expected == marked


def test_care_order_is_the_order_of_periods_of_care():
    rng = random.Random(21)
    for _ in range(3000):
        events = sorted(_random_events(rng, rng.randrange(0, 12)), key=event_order)
        ranked = [i for i, e in enumerate(events) if e.type in _history._RANKS]
        got = _history._care_order(events, ranked)
        assert [e.index for e in got] == [e.index for e in sorted(events, key=_history._order)]


def _plain_fields(raw: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """An event's fields as the plain build makes them (for an event with no due date)."""
    return tuple((key, raw[key]) for key in sorted(raw) if key not in ("type", "date"))


def _plain_build(data: dict[str, Any], name: str, line: int) -> Any:
    """The case built without the shortcuts that the shape check allows."""
    doc = Document(data, name, {(): (line, None)}, {})
    return _files._build_case(doc, (), data, _files._child_id(data), False)


def _shuffled_keys(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for event in data["events"]:
        if rng.random() < 0.3:
            items = list(event.items())
            rng.shuffle(items)
            event.clear()
            event.update(items)
    return data


@given(histories(), st.randoms(use_true_random=False))
def test_a_case_of_the_schemas_shape_is_built_as_the_plain_build_builds_it(data, rng):
    data = _shuffled_keys(data, rng)  # the shortcut for type and date first, and the way round it
    assert _shape.case_shape_ok(data)
    fast = case_or_refusal(data, "f.jsonl", 7)
    plain = _plain_build(data, "f.jsonl", 7)
    assert repr(fast) == repr(plain) and fast == plain


def test_fields_of_every_size_and_order_are_the_plain_fields():
    rng = random.Random(22)
    names = ["review", "meeting", "note", "ref"]
    for _ in range(500):
        extra = rng.sample(names, rng.randrange(0, len(names) + 1))
        values = {"review": 1, "meeting": True, "note": "x", "ref": "r.csv:2"}
        items = [("type", "review_held"), ("date", "2024-02-01")] + [(n, values[n]) for n in extra]
        if rng.random() < 0.5:
            rng.shuffle(items)
        raw = dict(items)
        data = {"child": {"id": "F"}, "events": [{"type": "became_looked_after", "date": "2024-01-01"}, raw]}
        case = case_or_refusal(data, "f", 1)
        assert case.events[1].fields == _plain_fields(raw)


def test_an_event_made_without_init_is_the_event_init_makes():
    # The build sets exactly these attributes: a field added to Event must be set there too.
    assert [f.name for f in dataclasses.fields(Event)] == ["type", "date", "index", "fields", "line", "review", "task"]
    data = {
        "child": {"id": "E"},
        "events": [
            {"type": "became_looked_after", "date": "2024-01-01", "legal_status": "s20"},
            {"type": "task_completed", "date": "2024-01-20", "task": "prep.consult_child", "review": 1},
        ],
    }
    made = case_or_refusal(data, "e.jsonl", 3).events
    plain = (
        Event("became_looked_after", date(2024, 1, 1), 0, (("legal_status", "s20"),), 3),
        Event("task_completed", date(2024, 1, 20), 1, (("review", 1), ("task", "prep.consult_child")), 3),
    )
    assert made == plain and repr(made) == repr(plain) and hash(made) == hash(plain)
    for one, other in zip(made, plain):
        assert list(vars(one).items()) == list(vars(other).items())
        assert pickle.dumps(one) == pickle.dumps(other)
    assert (made[0].review, made[0].task) == (None, None) and (made[1].review, made[1].task) == (1, "prep.consult_child")


# The shape check as it was written before it was made faster: a dispatch on the vocabulary's
# value types, value by value, and a regular expression for every date and obligation kind.
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _value_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "review":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if kind == "kind":
        return isinstance(value, str) and _KIND.match(value) is not None
    if kind == "date":
        return isinstance(value, str) and _DATE.match(value) is not None
    if kind == "category":
        return isinstance(value, str) and value in SIGNIFICANT_EVENT_CATEGORIES
    return False


def _event_ok(event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in EVENT_FIELDS:
        return False
    fields = EVENT_FIELDS[kind]
    if not _value_ok("date", event.get("date")):
        return False
    if any(name not in event for name in EVENT_REQUIRED.get(kind, ())):
        return False
    return all(name in ("type", "date") or (name in fields and _value_ok(fields[name], value)) for name, value in event.items())


def _one_case_ok(data: Any) -> bool:
    if not isinstance(data, dict) or not {"child", "events"} <= set(data) <= {"child", "events", "records_from"}:
        return False
    if "records_from" in data and not _value_ok("date", data["records_from"]):
        return False
    child = data["child"]
    if not isinstance(child, dict) or not set(child) <= {"id", "dob"}:
        return False
    if not isinstance(child.get("id"), str) or not child["id"]:
        return False
    if "dob" in child and not _value_ok("date", child["dob"]):
        return False
    return isinstance(data["events"], list) and all(_event_ok(e) for e in data["events"])


def _plain_shape_ok(data: Any) -> bool:
    if isinstance(data, dict) and set(data) == {"children"}:
        return isinstance(data["children"], list) and all(_one_case_ok(c) for c in data["children"])
    return _one_case_ok(data)


class _Text(str):
    """A string that is not a plain str: the shape check does not remember it."""


ODD_VALUES = [
    1,
    0,
    -2,
    True,
    False,
    2.0,
    10**30,
    "x",
    "",
    "post.full_record",
    "Post.full",
    "2025-01-01",
    "2025-01-01\n",
    "2025-1-01",
    "２０２５-01-01",
    "missing",
    None,
    [],
    {},
    _Text("post.full_record"),
    _Text("2025-02-30"),
    _Text("x"),
]


@given(st.one_of(histories(), nearly_valid(), junk()), st.randoms(use_true_random=False))
def test_the_shape_check_answers_as_the_plain_check(data, rng):
    assert _shape.case_shape_ok(data) == _plain_shape_ok(data)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        for event in data["events"]:
            if isinstance(event, dict) and len(event) > 2:
                event[rng.choice(sorted(map(str, event)))] = rng.choice(ODD_VALUES)
        assert _shape.case_shape_ok(data) == _plain_shape_ok(data)


def test_values_the_shape_check_passes_without_asking_their_check():
    base = {"child": {"id": "V"}, "events": [{"type": "became_looked_after", "date": "2024-01-01"}]}
    for field, kind in (
        ("review", "task_completed"),
        ("task", "task_completed"),
        ("note", "review_held"),
        ("category", "significant_event"),
    ):
        for value in ODD_VALUES:
            event = {"type": kind, "date": "2024-02-01", "task": "post.full_record", "category": "missing"}
            event = {k: v for k, v in event.items() if k in ("type", "date") or k in EVENT_FIELDS[kind]}
            event[field] = value
            data = copy.deepcopy(base)
            data["events"].append(event)
            assert _shape.case_shape_ok(data) == _plain_shape_ok(data), (field, value)
            assert _shape.case_shape_ok(data) == _plain_shape_ok(data), (field, value)  # now remembered


def _plain_duplicates(periods: Any) -> list[tuple[int, int]]:
    """(event, the event it repeats) as every event keyed by type, day and fields finds them."""
    seen: dict[tuple[object, ...], Event] = {}
    found = []
    for period in periods:
        for event in period.events:
            key = (event.type, event.date, event.fields)
            if key in seen:
                found.append((event.index, seen[key].index))
                continue
            seen[key] = event
    return found


def test_duplicates_found_by_their_day_first_are_the_duplicates():
    rng = random.Random(23)
    day = date(2024, 3, 1)
    for _ in range(2000):
        events = [{"type": "became_looked_after", "date": day.isoformat()}]
        for _ in range(rng.randrange(1, 9)):
            kind = rng.choice(["placement_changed", "review_meetings_reduced", "significant_event"])
            event: dict[str, Any] = {"type": kind, "date": (day + timedelta(days=rng.randrange(1, 3))).isoformat()}
            if kind == "significant_event":
                event["category"] = rng.choice(["missing", "excluded"])
            elif kind == "placement_changed" and rng.random() < 0.5:
                event["planned"] = rng.random() < 0.5
            events.append(event)
        case = case_or_refusal({"child": {"id": "D"}, "events": events}, "d", 1)
        if hasattr(case, "periods"):
            assert _plain_duplicates(case.periods) == []
            continue
        found = [(p.event, int(m.group(1)) - 1) for p in case.problems if (m := re.match(r"duplicate of event (\d+)", p.message))]
        rebuilt = _plain_build({"child": {"id": "D"}, "events": events}, "d", 1)
        assert found and repr(rebuilt) == repr(case)
        # Built again with the duplicates' own rule, keyed by every field from the first event.
        periods = _history.cut_periods(sorted(_events_of(events), key=event_order), None, None)[0]
        assert found == _plain_duplicates(periods)


def _events_of(raws: list[dict[str, Any]]) -> list[Event]:
    return [Event(r["type"], date.fromisoformat(r["date"]), i, _plain_fields(r)) for i, r in enumerate(raws)]
