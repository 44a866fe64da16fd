"""Cases given in a request, checked as ``reviewrules evaluate`` checks a case file.

A case file may be the body itself (YAML or JSON, read with the same safe loader as
a file: tags outside the core schema, alias bombs and duplicate keys refused), its
problems located by line and column in the body and by path from its top.
In a JSON request,
``case`` holds what a case file holds (one child, or many under ``children``);
``cases`` is a list of children, as a file's ``children``. A case that cannot be
evaluated is refused with every problem, each located in the request body: its
JSON path from the top of the body (``$.case.events[1].date``) and, for a body of
moderate size, its line and column.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .._errors import Problem
from ..case._files import cases_from_document, refused_tags
from ..case._model import Case
from ..policy._yaml import Document, parse_text
from ._bodies import Body
from ._problems import HttpProblem

__all__ = ["request_cases", "file_cases", "refused"]

NAME = "<request>"
# Problems are located by line only in bodies up to this size: the line-aware parser
# is much slower than JSON's, and runs only for a body that is refused.
LOCATE_LIMIT = 1024 * 1024


def request_cases(body: Body, value: Any, member: str) -> tuple[list[Case], bool]:
    """The cases of ``member`` ("case" or "cases"), and whether it lists many children."""
    data = {"children": value} if member == "cases" else value
    cases, problems = cases_from_document(Document(data, NAME, {}, {}))
    if problems:
        raise refused(_located(body, member, value, problems), member)
    many = member == "cases" or (isinstance(data, dict) and "children" in data)
    return cases, many


def file_cases(body: Body) -> tuple[list[Case], bool]:
    """The cases of a case file sent as the body, and whether it lists many children."""
    doc, problems = parse_text(body.text, NAME)
    if doc is None or refused_tags(problems):
        raise refused([replace(p, file=None) for p in problems], "")
    cases, more = cases_from_document(doc)
    problems += more
    if problems:
        raise refused([replace(p, file=None) for p in problems], "")
    return cases, isinstance(doc.data, dict) and "children" in doc.data


def refused(problems: list[Problem], member: str) -> HttpProblem:
    """400: the case cannot be evaluated (``member`` names where it was: case, cases, or "" for the body)."""
    first = problems[0]
    who = f"child {first.child}: " if first.child else ""
    detail = f"{who}{first.message}" + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else "")
    where = f"'{member}'" if member else "the case file"
    return HttpProblem("case-refused", f"{where} cannot be evaluated: {detail}", problems)


def _located(body: Body, member: str, value: Any, problems: list[Problem]) -> list[Problem]:
    """The problems again, from the body read line by line where it can be; paths from the body's top.

    Unlocated, a problem keeps no line: the library takes an event's ``ref`` of the form
    ``name:N`` as where plain data came from (a 903 row), which is not a line of this body.
    """
    located: list[Problem] | None = None
    if len(body.raw) <= LOCATE_LIMIT:
        doc, parse_problems = parse_text(body.text, NAME)
        if doc is not None and not parse_problems and isinstance(doc.data, dict) and doc.data.get(member) == value:
            part = doc.part(member)
            if member == "cases":
                part = Document(
                    {"children": part.data},
                    NAME,
                    {("children",) + p: w for p, w in part.values.items()},
                    {("children",) + p: w for p, w in part.keys.items()},
                )
            _, again = cases_from_document(part)
            if len(again) == len(problems):
                located = again
    if located is None:
        located = [replace(p, line=None, column=None) for p in problems]
    return [_rebased(p, member) for p in located]


def _rebased(problem: Problem, member: str) -> Problem:
    path = tuple(problem.path or ())
    if member == "cases":
        path = ("cases",) + path[1:] if path[:1] == ("children",) else ("cases",) + path
    else:
        path = ("case",) + path
    return replace(problem, file=None, path=path)
