"""Case files: one child's history, checked before anything is evaluated.

A case that could only be evaluated wrongly is refused with every problem named
by child, event and field: unknown event types, malformed or impossible dates,
a review before the child became looked after, a missing child id, duplicate
events, a date of birth after the start date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from .._errors import CaseError, Problem
from ..policy._schema import schema_problems
from ..policy._yaml import Document, load_document
from ._shape import case_shape_ok

__all__ = ["Event", "Case", "load_cases", "load_case_file", "case_from_mapping", "cases_from_document", "parse_date"]

# Events that may follow ceased_looked_after: finishing the paperwork of the
# last review, and closing a recommendation.
_AFTER_CEASING = ("task_completed", "recommendation_resolved")


def parse_date(text: Any) -> date:
    """An ISO date; raises ValueError with a readable reason otherwise."""
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise ValueError(f"must be an ISO date such as 2025-02-03, not {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
            raise ValueError(f"impossible date '{text}' (no such day)") from None
        raise ValueError(f"must be an ISO date such as 2025-02-03, not '{text}'") from None


@dataclass(frozen=True)
class Event:
    """One thing that happened (or is booked) in a child's history."""

    type: str
    date: date
    index: int
    fields: tuple[tuple[str, Any], ...] = ()
    line: int | None = field(default=None, compare=False)

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.fields:
            if key == name:
                return value
        return default

    @property
    def review(self) -> int | None:
        return self.get("review")

    def label(self) -> str:
        extra = self.get("category") or self.get("task")
        return f"{self.type}:{extra}" if extra else self.type


@dataclass(frozen=True)
class Case:
    """A child and their events, sorted by date (ties keep the file's order)."""

    child_id: str
    events: tuple[Event, ...]
    dob: date | None = None
    file: str | None = field(default=None, compare=False)

    def of_type(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]


def load_cases(path: str | Path) -> list[Case]:
    """Read a case file (one child, or many under ``children``). Raises CaseError listing every problem."""
    return load_case_file(path)[0]


def load_case_file(path: str | Path) -> tuple[list[Case], bool]:
    """The cases in a file, and whether the file lists many children (``children:``)."""
    doc, problems = load_document(path)
    if doc is None:
        raise CaseError(problems)
    cases, more = cases_from_document(doc)
    problems += more
    if problems:
        raise CaseError(problems)
    return cases, isinstance(doc.data, dict) and "children" in doc.data


def case_from_mapping(data: Mapping[str, Any], name: str = "<case>") -> Case:
    """Build one Case from plain data (as parsed from JSON), checking it fully.

    Problems are located by JSON path (plain data has no line numbers).
    """
    try:
        plain = json.loads(json.dumps(data, default=_iso_dates))
    except (TypeError, ValueError) as exc:
        raise CaseError([Problem(f"case data must be plain JSON-like data: {exc}", file=name, code="case")]) from None
    cases, problems = cases_from_document(Document(plain, name, {}, {}))
    if problems:
        raise CaseError(problems)
    if len(cases) != 1:
        raise CaseError([Problem(f"expected one child, found {len(cases)}", file=name, code="case")])
    return cases[0]


def _iso_dates(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not a string, number, boolean, list or mapping")


def cases_from_document(doc: Document) -> tuple[list[Case], list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        return [], [doc.problem((), "a case file must be a mapping with child and events, or children", code="schema")]
    if "scenario" in data and "case" in data:
        return [], [doc.problem((), "this is a scenario file, not a case file: run it with 'reviewrules test'", code="case")]
    raw_problems = [] if case_shape_ok(data) else schema_problems(doc, "case")
    entries: list[tuple[tuple[str | int, ...], Any]]
    if isinstance(data.get("children"), list):
        entries = [(("children", i), c) for i, c in enumerate(data["children"])]
    else:
        entries = [((), data)]
    cases: list[Case] = []
    problems: list[Problem] = []
    claimed: set[int] = set()
    for prefix, entry in entries:
        child_id = _child_id(entry)
        mine = [
            (i, p) for i, p in enumerate(raw_problems) if (p.path or ())[: len(prefix)] == prefix and i not in claimed
        ]
        claimed.update(i for i, _ in mine)
        problems.extend(_attribute(p, prefix, child_id) for _, p in mine)
        if mine or not isinstance(entry, dict):
            continue
        case, more = _build_case(doc, prefix, entry, child_id)
        problems.extend(more)
        if case is not None:
            cases.append(case)
    problems.extend(p for i, p in enumerate(raw_problems) if i not in claimed)
    if not entries:
        problems.append(doc.problem(("children",), "no children in this file", code="case"))
    seen: dict[str, int] = {}
    for i, case in enumerate(cases):
        if case.child_id in seen:
            problems.append(
                Problem(
                    f"child id '{case.child_id}' appears twice in this file (children {seen[case.child_id] + 1} "
                    f"and {i + 1}); each child needs one entry",
                    file=doc.file,
                    child=case.child_id,
                    code="duplicate-child",
                )
            )
        seen.setdefault(case.child_id, i)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return cases, problems


def _child_id(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("child"), dict):
        value = entry["child"].get("id")
        if isinstance(value, str) and value:
            return value
    return None


def _attribute(problem: Problem, prefix: tuple[str | int, ...], child_id: str | None) -> Problem:
    """Name the child and event a schema problem belongs to."""
    path = problem.path or ()
    rest = path[len(prefix) :]
    event = rest[1] if len(rest) >= 2 and rest[0] == "events" and isinstance(rest[1], int) else None
    return Problem(
        problem.message,
        file=problem.file,
        line=problem.line,
        column=problem.column,
        path=problem.path,
        code=problem.code,
        child=child_id,
        event=event,
    )


def _build_case(
    doc: Document, prefix: tuple[str | int, ...], entry: dict[str, Any], child_id: str | None
) -> tuple[Case | None, list[Problem]]:
    problems: list[Problem] = []
    assert child_id is not None  # the schema requires a non-empty id

    def problem(sub: tuple[str | int, ...], message: str, code: str, event: int | None = None) -> None:
        problems.append(
            Problem(
                message,
                file=doc.file,
                line=doc.where(prefix + sub)[0],
                column=doc.where(prefix + sub)[1],
                path=prefix + sub,
                code=code,
                child=child_id,
                event=event,
            )
        )

    dob: date | None = None
    if "dob" in entry["child"]:
        try:
            dob = parse_date(entry["child"]["dob"])
        except ValueError as exc:
            problem(("child", "dob"), f"date of birth {exc}", "date")
    events: list[Event] = []
    for i, raw in enumerate(entry["events"]):
        try:
            when = parse_date(raw["date"])
        except ValueError as exc:
            problem(("events", i, "date"), str(exc), "date", i)
            continue
        fields: list[tuple[str, Any]] = []
        for key in sorted(raw):
            if key in ("type", "date"):
                continue
            value = raw[key]
            if key == "due":
                try:
                    value = parse_date(value)
                except ValueError as exc:
                    problem(("events", i, "due"), str(exc), "date", i)
                    continue
            fields.append((key, value))
        events.append(Event(raw["type"], when, i, tuple(fields), doc.where(prefix + ("events", i))[0]))
    if problems:
        return None, problems
    events.sort(key=lambda e: (e.date, e.index))
    for message, sub, code, index in _history_problems(events, dob):
        problem(sub, message, code, index)
    if problems:
        return None, problems
    return Case(child_id, tuple(events), dob, doc.file), problems


def _history_problems(
    events: list[Event], dob: date | None
) -> Iterable[tuple[str, tuple[str | int, ...], str, int | None]]:
    """Checks on the history as a whole: one care episode, in a possible order."""
    starts = [e for e in events if e.type == "became_looked_after"]
    if not starts:
        yield (
            "no became_looked_after event: every deadline counts from the date the child became looked after",
            ("events",),
            "no-start",
            None,
        )
        return
    start = starts[0]
    for extra in starts[1:]:
        yield (
            f"a second became_looked_after (the first is event {start.index + 1}, {start.date}); "
            "a case file holds one care episode",
            ("events", extra.index, "type"),
            "two-starts",
            extra.index,
        )
    if dob is not None and dob > start.date:
        yield (
            f"date of birth {dob} is after the child became looked after on {start.date}",
            ("child", "dob"),
            "dob-after-start",
            None,
        )
    ends = [e for e in events if e.type == "ceased_looked_after"]
    for extra in ends[1:]:
        yield ("a second ceased_looked_after; a case file holds one care episode", ("events", extra.index, "type"), "two-ends", extra.index)
    end = ends[0] if ends else None
    seen: dict[tuple[object, ...], Event] = {}
    held_on: dict[date, Event] = {}
    scheduled: dict[int, Event] = {}
    recommendations: dict[str, Event] = {}
    held_count = 0
    for event in events:
        key = (event.type, event.date, event.fields)
        if key in seen:
            yield (
                f"duplicate of event {seen[key].index + 1} ({event.type} on {event.date})",
                ("events", event.index),
                "duplicate-event",
                event.index,
            )
            continue
        seen[key] = event
        if dob is not None and dob <= start.date and event.date < dob:
            yield (f"{event.type} on {event.date} is before the date of birth {dob}", ("events", event.index, "date"), "before-birth", event.index)
        if event.date < start.date:
            what = "review held" if event.type == "review_held" else event.type
            yield (
                f"{what} on {event.date} is before the child became looked after on {start.date}",
                ("events", event.index, "date"),
                "before-start",
                event.index,
            )
        if end is not None and event.date > end.date and event.type not in _AFTER_CEASING:
            yield (
                f"{event.type} on {event.date} is after the child ceased to be looked after on {end.date}; "
                "a case file holds one care episode",
                ("events", event.index, "date"),
                "after-end",
                event.index,
            )
        if event.type == "review_held":
            if event.date in held_on:
                yield (
                    f"two reviews held on {event.date} (events {held_on[event.date].index + 1} and {event.index + 1}); "
                    "record one review_held per review",
                    ("events", event.index, "date"),
                    "duplicate-event",
                    event.index,
                )
                continue
            held_on[event.date] = event
            held_count += 1
            if event.review is not None and event.review != held_count:
                yield (
                    f"says review {event.review} but it is review {held_count} in date order "
                    "(reviews are numbered in the order they are held)",
                    ("events", event.index, "review"),
                    "review-number",
                    event.index,
                )
        if event.type == "review_scheduled":
            number = event.review
            if number is not None and number in scheduled:
                yield (
                    f"review {number} is scheduled twice (events {scheduled[number].index + 1} and {event.index + 1}); "
                    "give only its current booking",
                    ("events", event.index, "review"),
                    "duplicate-event",
                    event.index,
                )
            if number is not None:
                scheduled[number] = event
        if event.type == "recommendation_made":
            rec_id = event.get("id")
            if rec_id in recommendations:
                yield (f"recommendation '{rec_id}' is made twice", ("events", event.index, "id"), "duplicate-event", event.index)
            recommendations[rec_id] = event
        if event.type == "recommendation_resolved":
            rec_id = event.get("id")
            made = recommendations.get(rec_id)
            if made is None:
                yield (
                    f"resolves recommendation '{rec_id}', which no earlier recommendation_made event makes",
                    ("events", event.index, "id"),
                    "unknown-recommendation",
                    event.index,
                )
