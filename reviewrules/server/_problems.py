"""Problem documents (RFC 9457, ``application/problem+json``): every error the service answers.

Each carries the HTTP status, a stable ``code`` (its ``type`` is
``urn:reviewrules:problem:CODE``), a title, a detail for a person, the request
path, and ``problems``: the same problems the command line prints, each
``Problem.to_dict()`` (code, message, fix, line, column, path, child, event...).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .._errors import Problem, ReviewRulesError
from ..output._json import to_json

__all__ = ["PROBLEM_TYPE", "HttpProblem", "StreamAborted", "from_error", "problem_body", "TITLES"]

PROBLEM_TYPE = "urn:reviewrules:problem:"
MEDIA_TYPE = "application/problem+json"

# code -> (status, title). docs/service.md lists them.
TITLES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request body cannot be read"),
    "case-refused": (400, "The case cannot be evaluated"),
    "policy-refused": (400, "The policy has problems"),
    "not-found": (404, "Not found"),
    "policy-not-found": (404, "No such policy"),
    "obligation-not-found": (404, "No such obligation in the result"),
    "child-not-found": (404, "No such child in the case"),
    "method-not-allowed": (405, "Method not allowed"),
    "too-large": (413, "The request body is over the size limit"),
    "too-many-cases": (413, "The request holds more cases than the limit"),
    "unsupported-media-type": (415, "Unsupported content type"),
    "invalid-request": (422, "The request does not have the fields this endpoint takes"),
    "reload-failed": (422, "The policy folder has problems; the policies in use were kept"),
    "time-limit": (503, "The request took longer than the time limit"),
    "internal": (500, "Internal error"),
}


class HttpProblem(Exception):
    """An answer other than success: raised anywhere in a request, answered as a problem document."""

    def __init__(
        self,
        code: str,
        detail: str,
        problems: Iterable[Problem] = (),
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ):
        status, title = TITLES[code]
        super().__init__(detail)
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.problems = tuple(problems)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class StreamAborted(Exception):
    """A streamed answer had to stop part-way (the time limit, a child that cannot be evaluated):
    the connection is closed without the end of the body, so the client sees it is incomplete."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def from_error(exc: ReviewRulesError, code: str, detail: str | None = None) -> HttpProblem:
    """A library error (CaseError, PolicyError, a usage error) as a problem document, every problem kept."""
    problems = exc.problems
    if detail is None:
        first = problems[0].render() if problems else str(exc)
        detail = first if len(problems) <= 1 else f"{len(problems)} problems; the first: {first}"
    return HttpProblem(code, detail, problems)


def problem_body(problem: HttpProblem, instance: str) -> str:
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE + problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
        "code": problem.code,
        **problem.extra,
        "problems": [p.to_dict() for p in problem.problems],
    }
    return to_json(document) + "\n"
