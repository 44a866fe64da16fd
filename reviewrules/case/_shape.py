"""A fast check that case data certainly satisfies schemas/case.schema.json.

jsonschema takes tens of milliseconds per child on a long history; a caseload
of thousands is checked here in plain Python instead. This check is never more
lenient than the schema: when it says no, the schema runs and explains what is
wrong; a test keeps the two in step.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .._vocabulary import EVENT_FIELDS, EVENT_REQUIRED, SIGNIFICANT_EVENT_CATEGORIES

__all__ = ["case_shape_ok", "child_shape_ok"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")  # \Z: "$" would also take a trailing newline
_KIND = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_match_date = _DATE.match
_match_kind = _KIND.match

# Strings already matched, as a set look-up costs a fraction of a match and a caseload
# repeats its dates and obligation kinds many times over (twenty years of days are some
# 7,300 dates). Only plain str is remembered (a subclass may define its own equality);
# each set stops growing at _REMEMBERED strings, some five megabytes.
_REMEMBERED = 50_000
_dates_ok: set[str] = set()
_kinds_ok: set[str] = set()


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _review(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _kind(value: Any) -> bool:
    if type(value) is str and value in _kinds_ok:
        return True
    if not isinstance(value, str) or _match_kind(value) is None:
        return False
    if type(value) is str and len(_kinds_ok) < _REMEMBERED:
        _kinds_ok.add(value)
    return True


def _date(value: Any) -> bool:
    if type(value) is str and value in _dates_ok:
        return True
    if not isinstance(value, str) or _match_date(value) is None:
        return False
    if type(value) is str and len(_dates_ok) < _REMEMBERED:
        _dates_ok.add(value)
    return True


def _category(value: Any) -> bool:
    return isinstance(value, str) and value in SIGNIFICANT_EVENT_CATEGORIES


def _never(value: Any) -> bool:
    return False


# The check for each value type of the vocabulary (a type it does not know fails).
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": _string,
    "boolean": _boolean,
    "review": _review,
    "kind": _kind,
    "date": _date,
    "category": _category,
}

# Per event type, worked out once (a caseload checks millions of events): the fields it
# must carry, and the check of each field it may carry.
_EVENTS: dict[str, tuple[tuple[str, ...], dict[str, Callable[[Any], bool]]]] = {
    kind: (EVENT_REQUIRED.get(kind, ()), {name: _CHECKS.get(value, _never) for name, value in fields.items()})
    for kind, fields in EVENT_FIELDS.items()
}


def _events_ok(events: list[Any]) -> bool:
    # One loop over the events, not a call an event (a caseload checks millions), and the
    # commonest values passed without calling their check: an int review number, a
    # remembered obligation kind, a string. Anything else is asked of the check itself.
    specs = _EVENTS
    dates_ok = _dates_ok
    kinds_ok = _kinds_ok
    for event in events:
        if not isinstance(event, dict):
            return False
        kind = event.get("type")
        if not isinstance(kind, str):
            return False
        spec = specs.get(kind)
        if spec is None:
            return False
        date = event.get("date")
        if not (type(date) is str and date in dates_ok) and not _date(date):  # _date's look-up, without the call
            return False
        required, checks = spec
        for name in required:
            if name not in event:
                return False
        if len(event) == 2:  # type and date alone
            continue
        for name, value in event.items():
            if name == "type" or name == "date":
                continue
            check = checks.get(name)
            if check is _review:
                if type(value) is int and value >= 1:
                    continue
            elif check is _kind:
                if type(value) is str and value in kinds_ok:
                    continue
            elif check is _string:
                if type(value) is str:
                    continue
            if check is None or not check(value):
                return False
    return True


def child_shape_ok(data: Any) -> bool:
    """True only if the data certainly satisfies the schema's case of one child (``$defs/case``)."""
    if not isinstance(data, dict) or not {"child", "events"} <= set(data) <= {"child", "events", "records_from"}:
        return False
    if "records_from" in data and not _date(data["records_from"]):
        return False
    child = data["child"]
    if not isinstance(child, dict) or not set(child) <= {"id", "dob"}:
        return False
    if not isinstance(child.get("id"), str) or not child["id"]:
        return False
    if "dob" in child and not _date(child["dob"]):
        return False
    events = data["events"]
    return isinstance(events, list) and _events_ok(events)


def case_shape_ok(data: Any) -> bool:
    """True only if the data certainly satisfies the case schema."""
    if isinstance(data, dict) and set(data) == {"children"}:
        children = data["children"]
        return isinstance(children, list) and all(map(child_shape_ok, children))
    return child_shape_ok(data)
