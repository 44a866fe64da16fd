"""JSON Schema validation, reported as located problems a person can act on.

jsonschema's own messages ("'x' is not one of [...]") are rewritten to say what
is allowed, and each problem carries the file, line and column of the value.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .._errors import Problem
from .._resources import load_schema
from ._yaml import Document

__all__ = ["schema_problems"]


@lru_cache(maxsize=None)
def _validator(name: str, definition: str | None = None) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    if definition is not None:  # one part of the schema: {"$defs": ..., "$ref": "#/$defs/<definition>"}
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema)


def _suggest(word: object, allowed: Iterable[str]) -> str:
    # A key need not be a string in data given from Python ({1: 2}): compare its spelling.
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _closest_alternative(error: ValidationError, root: dict[str, Any]) -> ValidationError | None:
    """Among a oneOf's failed alternatives, the one the author evidently meant.

    An alternative whose required keys the instance has (emit: {obligation: ...}
    means the obligation form) wins; then the one whose errors lie deepest.
    """
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    keys = set(error.instance) if isinstance(error.instance, dict) else set()

    def score(item: tuple[int, list[ValidationError]]) -> tuple[int, int, int]:
        index, errors = item
        branch = error.schema[error.validator][index]
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        if ref.startswith("#/$defs/"):
            branch = root["$defs"].get(ref.split("/")[-1], {})
        required = branch.get("required", []) if isinstance(branch, dict) else []
        present = len(keys & set(required[:1]))
        return (present, max(len(e.absolute_path) for e in errors), -len(errors))

    if not branches:
        return None
    _, errors = max(branches.items(), key=score)
    deepest = max(errors, key=lambda e: len(e.absolute_path))
    return deepest


def _describe(error: ValidationError, root: dict[str, Any]) -> tuple[str, tuple[str | int, ...], bool]:
    """A readable message, the path it belongs at, and whether to point at the key."""
    path = tuple(error.absolute_path)
    validator = error.validator
    if validator in ("oneOf", "anyOf") and error.context:
        closest = _closest_alternative(error, root)
        if closest is not None and (len(closest.absolute_path) > len(path) or closest.validator != "type"):
            return _describe(closest, root)
        description = error.schema.get("description")
        if description:
            return f"does not match any allowed form: {description}", path, False
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required field '{missing}'", path, False
    if validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
        if extras:
            extra = extras[0]
            return (
                f"unknown field '{extra}'{_suggest(extra, allowed)} (allowed: {', '.join(allowed)})",
                path + (extra,),
                True,
            )
    if validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        return (
            f"'{error.instance}' is not allowed{_suggest(str(error.instance), allowed)} "
            f"(allowed: {', '.join(allowed)})",
            path,
            False,
        )
    if validator == "const":
        return f"must be '{error.validator_value}'", path, False
    if validator == "pattern":
        hint = {
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "an ISO date such as 2025-02-03",
            "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "lower-case words joined by hyphens, such as initial-review",
            "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$": "a kind such as review.initial or prep.invitations",
            "^[a-z][a-z0-9_]*$": "lower-case words joined by underscores, such as social_worker",
        }.get(error.validator_value, f"text matching {error.validator_value}")
        return f"{error.instance!r} is not valid here: expected {hint}", path, False
    if validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(expected)
        article = "an" if str(expected)[:1] in "aeiou" else "a"
        return f"must be {article} {expected}, not {type(error.instance).__name__} {error.instance!r}", path, False
    if validator == "minimum":
        return f"must be at least {error.validator_value}, not {error.instance!r}", path, False
    if validator in ("minLength", "minItems", "minProperties"):
        return "must not be empty", path, False
    if validator == "oneOf":
        return "does not match any of the allowed forms (run 'reviewrules docs policy-format')", path, False
    return error.message, path, False


_WHOLE = object()


def schema_problems(
    document: Document,
    schema_name: str,
    *,
    definition: str | None = None,
    at: tuple[str | int, ...] = (),
    value: Any = _WHOLE,
) -> list[Problem]:
    """Every schema problem in the document, in file order.

    With ``definition``, the value at path ``at`` is checked against that one
    definition of the schema (a case of a file of many, say), so that every problem
    in it is reported rather than one "matches no allowed form". ``value`` is that
    value, where the document holds only part of the data (one child read from a stream).
    """
    problems: list[Problem] = []
    seen: set[tuple[object, ...]] = set()
    validator = _validator(schema_name, definition)
    if value is _WHOLE:
        value = document.data
        for part in at:
            value = value[part]
    root = load_schema(schema_name)
    for error in validator.iter_errors(value):
        message, path, at_key = _describe(error, root)
        path = tuple(at) + path
        key = (path, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(document.problem(path, message, key=at_key, code="schema"))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.message))
    return problems
