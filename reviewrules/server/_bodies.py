"""Request bodies: their content type, their size, and the fields each endpoint takes.

A body over the size limit is refused from its Content-Length, or as soon as more
than the limit has arrived; a body of the wrong type is refused before it is read.
JSON is parsed strictly (a key given twice is refused, as the YAML loader refuses
it in a file); what an endpoint does not take is named with what it does.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Iterable

from starlette.requests import Request

from .._errors import Problem, ReviewRulesError
from .._evaluate import BACKENDS, _as_date
from ._limits import Deadline, Limits
from ._problems import HttpProblem

__all__ = ["CASE_FILE_TYPES", "JSON_TYPES", "LINES_TYPES", "YAML_TYPES", "Body", "Query", "read_body", "media_type", "parse_json", "Fields", "as_of", "invalid", "wants_lines"]

JSON_TYPES = ("application/json",)
LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
CASE_FILE_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
YAML_TYPES = CASE_FILE_TYPES + JSON_TYPES


def media_type(value: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (value or "").split(";", 1)[0].strip().lower()


def wants_lines(request: Request) -> bool:
    """Whether the client asked for JSON Lines (``Accept: application/x-ndjson``)."""
    accept = request.headers.get("accept", "")
    return any(media_type(part) in LINES_TYPES for part in accept.split(","))


@dataclass(frozen=True)
class Body:
    raw: bytes
    text: str


async def read_body(request: Request, allowed: tuple[str, ...], limits: Limits, deadline: Deadline) -> Body:
    """The body as UTF-8 text: 415 for another type, 413 over the size limit, 400 if not UTF-8."""
    given = media_type(request.headers.get("content-type"))
    if given not in allowed:
        shown = f"'{given}'" if given else "no Content-Type"
        raise HttpProblem(
            "unsupported-media-type",
            f"{shown}: this endpoint takes {' or '.join(allowed)}",
            headers={"Accept-Post": ", ".join(allowed)},
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limits.max_body_bytes:
        raise _too_large(limits)
    try:
        raw = await asyncio.wait_for(_collect(request, limits), timeout=deadline.left())
    except asyncio.TimeoutError:
        raise deadline.problem() from None
    try:
        return Body(raw, raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        message = f"the body is not UTF-8 text (byte {exc.start})"
        raise HttpProblem("bad-request", message, [Problem(message, code="unreadable")]) from None


async def _collect(request: Request, limits: Limits) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise _too_large(limits)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limits: Limits) -> HttpProblem:
    message = f"the body is over the {limits.max_body_bytes:,}-byte limit; send fewer cases at once"
    return HttpProblem("too-large", message, [Problem(message, code="too-large")])


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def parse_json(text: str) -> Any:
    """Strict JSON: 400 for text that is not JSON, or a key given twice in one object."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        message = f"duplicate key '{exc.key}' in the JSON body; each key may appear once"
        raise HttpProblem("bad-request", message, [Problem(message, code="duplicate-key")]) from None
    except json.JSONDecodeError as exc:
        message = f"the body is not JSON: {exc.msg}"
        problem = Problem(message, line=exc.lineno, column=exc.colno, code="yaml", hint="send the request as JSON")
        raise HttpProblem("bad-request", f"{message} (line {exc.lineno}, column {exc.colno})", [problem]) from None
    except (RecursionError, ValueError) as exc:
        message = f"the body is not JSON this service can read: {type(exc).__name__}"
        raise HttpProblem("bad-request", message, [Problem(message, code="yaml")]) from None


_FIELDS_FIX = "GET /openapi.json (or run 'reviewrules docs service') for the fields and query parameters each endpoint takes"


def invalid(message: str, path: Iterable[str | int] = ()) -> HttpProblem:
    """422: the request does not have the fields (or query parameters) the endpoint takes."""
    problem = Problem(message, path=tuple(path) or None, code="usage", hint=_FIELDS_FIX)
    return HttpProblem("invalid-request", message, [problem])


class Fields:
    """The members of a JSON request body, each checked for its type; 422 naming what is allowed."""

    def __init__(self, data: Any, required: tuple[str, ...], optional: tuple[str, ...]):
        if not isinstance(data, dict):
            raise invalid(f"the body must be a JSON object with {', '.join(required)}")
        allowed = required + optional
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise invalid(f"unknown field '{unknown[0]}' (allowed: {', '.join(allowed)})", (unknown[0],))
        missing = [k for k in required if k not in data]
        if missing:
            raise invalid(f"missing field '{missing[0]}' (required: {', '.join(required)})")
        self.data = data

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name, default)
        if value is not None and (not isinstance(value, str) or not value):
            raise invalid(f"'{name}' must be a non-empty string, not {json.dumps(value)}", (name,))
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise invalid(f"'{name}' must be true or false, not {json.dumps(value)}", (name,))
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise invalid(f"'{name}' must be a JSON object (a case: child and events), not {_kind(value)}", (name,))
        return value

    def items(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if not isinstance(value, list):
            raise invalid(f"'{name}' must be a JSON array of cases, not {_kind(value)}", (name,))
        return value

    def backend(self, default: str) -> str:
        value = self.text("backend", default)
        assert value is not None
        if value not in BACKENDS:
            raise invalid(f"backend '{value}' is not one of {', '.join(BACKENDS)}", ("backend",))
        return value

    def one_of(self, *names: str) -> str:
        given = [n for n in names if n in self.data]
        if len(given) != 1:
            raise invalid(f"give exactly one of {' or '.join(repr(n) for n in names)}")
        return given[0]


class Query:
    """A request's query parameters, each checked; 422 for one the endpoint does not take."""

    def __init__(self, request: Request, allowed: tuple[str, ...]):
        self.params = request.query_params
        unknown = [k for k in self.params.keys() if k not in allowed]
        if unknown:
            shown = ", ".join(allowed) if allowed else "none with this content type"
            raise invalid(f"unknown query parameter '{unknown[0]}' (allowed: {shown})", (unknown[0],))

    def many(self, name: str) -> list[str]:
        return self.params.getlist(name)

    def one(self, name: str, allowed: tuple[str, ...] | None = None, default: str | None = None) -> str | None:
        values = self.params.getlist(name)
        if len(values) > 1:
            raise invalid(f"query parameter '{name}' is given {len(values)} times; give it once", (name,))
        value = values[0] if values else default
        if value is not None and allowed is not None and value not in allowed:
            raise invalid(f"{name}={value}: not one of {', '.join(allowed)}", (name,))
        return value

    def required(self, name: str, what: str) -> str:
        value = self.one(name)
        if not value:
            raise invalid(f"missing query parameter '{name}' ({what})", (name,))
        return value

    def flag(self, name: str) -> bool:
        return self.one(name, ("true", "false", "1", "0"), "false") in ("true", "1")


def as_of(value: str | None, where: str = "as_of") -> Any:
    """The as-of date (today when not given): 422 for anything but an ISO date."""
    try:
        return _as_date(value)
    except ReviewRulesError as exc:
        raise invalid(f"{where}: {exc.problems[0].message}", (where,)) from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")
