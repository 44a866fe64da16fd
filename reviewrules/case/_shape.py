"""A fast check that case data certainly satisfies schemas/case.schema.json.

jsonschema takes tens of milliseconds per child on a long history; a caseload
of thousands is checked here in plain Python instead. This check is never more
lenient than the schema: when it says no, the schema runs and explains what is
wrong; a test keeps the two in step.
"""

from __future__ import annotations

import re
from typing import Any

from .._vocabulary import EVENT_FIELDS, EVENT_REQUIRED, SIGNIFICANT_EVENT_CATEGORIES

__all__ = ["case_shape_ok"]

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
    date = event.get("date")
    if not isinstance(date, str) or _DATE.match(date) is None:
        return False
    for name in EVENT_REQUIRED.get(kind, ()):
        if name not in event:
            return False
    for name, value in event.items():
        if name in ("type", "date"):
            continue
        expected = fields.get(name)
        if expected is None or not _value_ok(expected, value):
            return False
    return True


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
    events = data["events"]
    return isinstance(events, list) and all(_event_ok(e) for e in events)


def case_shape_ok(data: Any) -> bool:
    """True only if the data certainly satisfies the case schema."""
    if isinstance(data, dict) and set(data) == {"children"}:
        children = data["children"]
        return isinstance(children, list) and all(_one_case_ok(c) for c in children)
    return _one_case_ok(data)
