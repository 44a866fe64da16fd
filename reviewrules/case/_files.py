"""Case files: children's histories, checked before anything is evaluated.

A case that could only be evaluated wrongly is refused with every problem named
by child, event and field: unknown event types or fields, malformed or impossible
dates, a missing child id, duplicate events, a date of birth after the start
date, a second start while the child is looked after (see ``_history``). What is
read but cannot be used (an event outside every period of care) is a warning on
the case instead.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .._errors import CaseError, Problem
from ..policy._schema import schema_problems
from ..policy._yaml import DEFAULT_LIMITS, Document, load_document, parse_text
from ._history import cut_periods
from ._model import Case, Event, Refusal, parse_date, sort_events
from ._shape import child_shape_ok

__all__ = [
    "load_cases",
    "load_case_file",
    "load_case_text",
    "case_from_mapping",
    "case_entry",
    "case_or_refusal",
    "refused_tags",
    "cases_from_document",
    "entries_from_document",
    "plain_data",
]


def load_cases(path: str | Path, *, on_error: str = "raise") -> list[Any]:
    """Read a case file (one child, or many under ``children``).

    ``on_error="raise"`` (the default) raises CaseError listing every problem in the
    file; ``"report"`` returns a ``Refusal`` in place of each child that cannot be
    evaluated, and the cases of the others (a file that cannot be read at all still
    raises).
    """
    if on_error not in ("raise", "report"):
        raise ValueError(f"on_error must be 'raise' or 'report', not {on_error!r}")
    if on_error == "raise":
        return load_case_file(path)[0]
    doc, problems = load_document(path)
    if doc is None or refused_tags(problems):
        raise CaseError(problems)
    items, file_problems = entries_from_document(doc)
    if file_problems:
        raise CaseError(problems + file_problems)
    return items


def load_case_file(path: str | Path) -> tuple[list[Case], bool]:
    """The cases in a file, and whether the file lists many children (``children:``)."""
    return _cases_of(*load_document(path))


def load_case_text(text: str, name: str = "<stdin>") -> tuple[list[Case], bool]:
    """``load_case_file`` for a case document given as text (standard input), named ``name``."""
    return _cases_of(*parse_text(text, name))


def _cases_of(doc: Document | None, problems: list[Problem]) -> tuple[list[Case], bool]:
    if doc is None or refused_tags(problems):
        raise CaseError(problems)
    cases, more = cases_from_document(doc)
    problems += more
    if problems:
        raise CaseError(problems)
    return cases, isinstance(doc.data, dict) and "children" in doc.data


def refused_tags(problems: list[Problem]) -> bool:
    """A refused tag leaves a hole in the data: report the tag alone, not what follows from the hole."""
    return any(p.code == "yaml-tag" for p in problems)


def case_from_mapping(data: Mapping[str, Any], name: str = "<case>") -> Case:
    """Build one Case from plain data (as parsed from JSON), checking it fully.

    Problems are located by JSON path (plain data has no line numbers).
    """
    item = case_or_refusal(plain_data(data, name), name)
    if isinstance(item, Refusal):
        raise CaseError(item.problems)
    return item


def plain_data(data: Any, name: str) -> Any:
    """Case data as JSON would give it: dates as ISO strings; CaseError for anything else."""
    deep = too_deep(data, name)
    if deep is not None:
        raise CaseError([deep])
    try:
        return json.loads(json.dumps(data, default=_iso_dates))
    except (TypeError, ValueError) as exc:
        raise CaseError([Problem(f"case data must be plain JSON-like data: {exc}", file=name, code="case")]) from None


def too_deep(data: Any, name: str, line: int | None = None, limit: int = DEFAULT_LIMITS.max_depth) -> Problem | None:
    """A problem when lists and mappings nest deeper than a case file may (as its YAML is
    refused past the same depth): checked without recursion, before anything recurses."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return Problem(f"nested more than {limit} levels deep: a case is a few levels of mappings and lists", file=name, line=line, code="too-large")
        inside: Any = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else None
        if inside is None and not isinstance(value, _SCALARS) and isinstance(value, Mapping):
            inside = value.values()
        if inside is not None:
            stack.extend((v, depth + 1) for v in inside if not isinstance(v, _SCALARS))
    return None


_SCALARS = (str, int, float, type(None), date)


def case_or_refusal(data: Any, name: str, line: int | None = None) -> Case | Refusal:
    """One child from plain data (a line of JSON Lines, a 903 child): the case, or why not.

    ``line`` is where the data came from in ``name`` (a JSON Lines line number).
    """
    values: dict[tuple[str | int, ...], tuple[int, int | None]] = {(): (line, None)} if line is not None else {}
    items, problems = entries_from_document(Document(data, name, values, {}))
    if problems:
        child = _child_id(data)
        return Refusal(child, tuple(_at_line(p, line) for p in problems), name, line)
    if len(items) != 1:
        return Refusal(None, (Problem(f"expected one child, found {len(items)}", file=name, line=line, code="case"),), name, line)
    item = items[0]
    if isinstance(item, Refusal):
        return Refusal(item.child, tuple(_at_line(p, line) for p in item.problems), name, line)
    return item


def _at_line(problem: Problem, line: int | None) -> Problem:
    """A problem in plain data read from one line of a file sits on that line."""
    if line is None or problem.line is not None:
        return problem
    return replace(problem, line=line, column=None)


def _iso_dates(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not a string, number, boolean, list or mapping")


def cases_from_document(doc: Document) -> tuple[list[Case], list[Problem]]:
    """Every case in a document, and every problem in it (problems of all children together)."""
    items, problems = entries_from_document(doc)
    cases = [item for item in items if isinstance(item, Case)]
    for item in items:
        if isinstance(item, Refusal):
            problems.extend(item.problems)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return cases, problems


def entries_from_document(doc: Document) -> tuple[list[Case | Refusal], list[Problem]]:
    """Each child of a document as a case or a refusal, and the problems that belong to no child."""
    data = doc.data
    if not isinstance(data, dict):
        return [], [doc.problem((), "a case file must be a mapping with child and events, or children", code="schema")]
    if "scenario" in data and "case" in data:
        return [], [doc.problem((), "this is a scenario file, not a case file: run it with 'reviewrules test'", code="case")]
    if "children" in data:
        extra = sorted(set(data) - {"children"})
        if extra:
            return [], [
                doc.problem(
                    (extra[0],),
                    f"unknown field '{extra[0]}' beside children (a file of many children has only children:)",
                    key=True,
                    code="schema",
                )
            ]
        if not isinstance(data["children"], list):
            return [], [doc.problem(("children",), "children must be a list of {child, events}", code="schema")]
        if not data["children"]:
            return [], [doc.problem(("children",), "no children in this file", code="case")]
        entries: list[tuple[tuple[str | int, ...], Any]] = [(("children", i), c) for i, c in enumerate(data["children"])]
    else:
        entries = [((), data)]
    items: list[Case | Refusal] = []
    seen: dict[str, int] = {}
    for number, (prefix, entry) in enumerate(entries):
        item = case_entry(doc, prefix, entry)
        if isinstance(item, Case):
            if item.child_id in seen:
                item = Refusal(
                    item.child_id,
                    (
                        Problem(
                            f"child id '{item.child_id}' appears twice in this file (children {seen[item.child_id] + 1} "
                            f"and {number + 1}); each child needs one entry",
                            file=doc.file,
                            line=doc.where(prefix)[0],
                            child=item.child_id,
                            code="duplicate-child",
                        ),
                    ),
                    doc.file,
                    doc.where(prefix)[0],
                )
            else:
                seen[item.child_id] = number
        items.append(item)
    return items, []


def case_entry(doc: Document, prefix: tuple[str | int, ...], entry: Any) -> Case | Refusal:
    """One child's entry (at ``prefix`` in ``doc``): every schema problem in it, else the case built and checked."""
    child_id = _child_id(entry)
    # One child, as the schema's definition below: a list of children inside it is not one.
    shaped = child_shape_ok(entry)
    if not shaped:
        deep = too_deep(entry, doc.file, doc.where(prefix)[0])
        if deep is not None:  # before the schema's checks, which recurse a level at a time
            return Refusal(child_id, (replace(deep, child=child_id),), doc.file, doc.where(prefix)[0])
        problems = [
            _attribute(p, prefix, child_id) for p in schema_problems(doc, "case", definition="case", at=prefix, value=entry)
        ]
        if problems:
            return Refusal(child_id, tuple(problems), doc.file, doc.where(prefix)[0])
    return _build_case(doc, prefix, entry, child_id, shaped)


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
    return replace(problem, child=child_id, event=event)


def _ref_location(ref: Any, file: str, line: int | None, column: int | None) -> tuple[str, int | None, int | None]:
    """Where a ref of the form ``file.csv:line`` or ``file.xml:line:column`` points (as the 903
    importer writes them); any other ref is an id in the caller's own system, not a place."""
    if not isinstance(ref, str) or not any(f"{suffix}:" in ref.lower() for suffix in (".csv", ".xml")):
        return file, line, column
    parts = ref.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    head, _, tail = ref.rpartition(":")
    if head and tail.isdigit():
        return head, int(tail), None
    return file, line, column


def _build_case(
    doc: Document, prefix: tuple[str | int, ...], entry: dict[str, Any], child_id: str | None, shaped: bool = False
) -> Case | Refusal:
    """The case of an entry the schema accepts; ``shaped`` when ``child_shape_ok`` passed it,
    which lets each event be built by a shorter way to the same result."""
    problems: list[Problem] = []
    assert child_id is not None  # the schema requires a non-empty id

    def problem(sub: tuple[str | int, ...], message: str, code: str, event: int | None = None) -> None:
        line, column = doc.where(prefix + sub)
        file = doc.file
        if not doc.keys and event is not None:  # plain data: an event read from a file says where (a 903 row)
            file, line, column = _ref_location(entry["events"][event].get("ref"), file, line, column)
        problems.append(
            Problem(message, file=file, line=line, column=column, path=prefix + sub, code=code, child=child_id, event=event)
        )

    dob: date | None = None
    if "dob" in entry["child"]:
        try:
            dob = parse_date(entry["child"]["dob"])
        except ValueError as exc:
            problem(("child", "dob"), f"date of birth {exc}", "date")
    records_from: date | None = None
    if "records_from" in entry:
        try:
            records_from = parse_date(entry["records_from"])
        except ValueError as exc:
            problem(("records_from",), f"records_from {exc}", "date")
    events: list[Event] = []
    line = doc.where(prefix)[0]
    located = bool(doc.keys)  # plain data (JSON Lines, a 903 child) has one line for the whole case
    fromiso = date.fromisoformat
    new = object.__new__
    set_attr = object.__setattr__
    fields: tuple[tuple[str, Any], ...] | None
    for i, raw in enumerate(entry["events"]):
        try:
            when = fromiso(raw["date"])
        except (ValueError, TypeError):
            try:
                when = parse_date(raw["date"])
            except ValueError as exc:
                problem(("events", i, "date"), str(exc), "date", i)
                continue
        fields = None
        if shaped and "due" not in raw:
            # Every key is a field name of the vocabulary (a string), type and date among
            # them, and no value needs reading: the fields are the other keys' pairs in name
            # order, as sorted(raw) gives them. Spelt out for what most events are, one or
            # two fields after type and date (as JSON is usually written).
            size = len(raw)
            if size == 2:
                fields = ()
            elif size == 3:
                first, second, name = raw
                if first == "type" and second == "date":
                    fields = ((name, raw[name]),)
            elif size == 4:
                first, second, name, other = raw
                if first == "type" and second == "date":
                    one, two = (name, raw[name]), (other, raw[other])
                    fields = (one, two) if name < other else (two, one)
            if fields is None:
                pairs = [item for item in raw.items() if item[0] != "type" and item[0] != "date"]
                pairs.sort()
                fields = tuple(pairs)
        else:
            listed: list[tuple[str, Any]] = []
            for key in sorted(raw):
                if key == "type" or key == "date":
                    continue
                value = raw[key]
                if key == "due":
                    try:
                        value = parse_date(value)
                    except ValueError as exc:
                        problem(("events", i, "due"), str(exc), "date", i)
                        continue
                listed.append((key, value))
            fields = tuple(listed)
        # Made without calling the frozen dataclass's __init__ (a caseload makes millions of
        # events): the attributes __init__ and __post_init__ set, in their order and given in
        # one mapping, so the same object (review and task from the same values as its fields).
        event = new(Event)
        set_attr(
            event,
            "__dict__",
            {
                "type": raw["type"],
                "date": when,
                "index": i,
                "fields": fields,
                "line": doc.where(prefix + ("events", i))[0] if located else line,
                "review": raw.get("review"),
                "task": raw.get("task"),
            },
        )
        events.append(event)
    if problems:
        return Refusal(child_id, tuple(problems), doc.file, line)
    sort_events(events)
    periods, warnings, history = cut_periods(events, dob, records_from)
    for found in history:
        problem(found.sub, found.message, found.code, found.event)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return Refusal(child_id, tuple(problems), doc.file, line)
    return Case(child_id, tuple(events), dob, doc.file, records_from, periods, warnings, line)
