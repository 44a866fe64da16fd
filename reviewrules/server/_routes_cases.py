"""The case endpoints: evaluate, explain and diff, each answering the JSON the command gives.

``POST /v1/evaluate`` answers what ``reviewrules evaluate CASE --policy P --as-of D``
prints, byte for byte: one result for ``case``, ``{"results": [...]}`` for
``cases`` (or a ``case`` with ``children``); with ``Accept: application/x-ndjson``,
one result per line, streamed as each child is done.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any, Iterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .._diff import CorpusCase, diff_policies
from .._errors import Problem
from .._evaluate import BACKENDS
from ..case._model import Case, Refusal
from ..engine._compile import CompiledPolicy
from ..engine._result import Escalation, Obligation, Result
from ..output._diff_format import format_diff
from ..output._json import to_json, write_json_results
from ._bodies import (
    CASE_FILE_TYPES,
    JSON_TYPES,
    Body,
    Fields,
    Query,
    as_of,
    invalid,
    media_type,
    parse_json,
    read_body,
    wants_lines,
)
from ._cases import file_cases, refused, request_cases
from ._engine import Runner, evaluate_compiled, policy_problems, runner_for
from ._limits import Deadline, check_case_count
from ._problems import HttpProblem
from ._state import JSON, LINES, Service, service_of, text_response
from ._streams import Spool, streamed

__all__ = ["evaluate_endpoint", "explain_endpoint", "diff_endpoint"]


async def _json_body(
    request: Request, service: Service, deadline: Deadline, allowed: tuple[str, ...] = JSON_TYPES
) -> tuple[Body, Any]:
    body = await read_body(request, allowed, service.limits, deadline)
    return body, await service.workers.run(deadline, parse_json, body.text)


def _count(value: Any, member: str) -> int:
    if member == "cases":
        return len(value)
    children = value.get("children") if isinstance(value, dict) else None
    return len(children) if isinstance(children, list) else 1


def _child_prefix(member: str, many_in_case: bool, number: int) -> tuple[str | int, ...]:
    """Where a child sits in the request: in ``cases``, in ``case``, or in the case file that is the body."""
    if member == "cases":
        return ("cases", number)
    head: tuple[str | int, ...] = (member,) if member else ()
    return head + ("children", number) if many_in_case else head


def _refusal_problem(refusal: Refusal, prefix: tuple[str | int, ...]) -> list[Problem]:
    return [replace(p, file=None, path=prefix + tuple(p.path or ())) for p in refusal.problems]


def _results(
    compiled: CompiledPolicy,
    cases: list[Case],
    day: date,
    runner: Runner,
    deadline: Deadline,
    prefixes: list[tuple[str | int, ...]],
    member: str,
) -> Iterator[Result]:
    """Each child's result in order, as ``evaluate_many(..., on_error="raise")`` gives them."""
    for case, prefix in zip(cases, prefixes):
        deadline.check()
        item = evaluate_compiled(compiled, case, day, runner)
        if isinstance(item, Refusal):
            raise refused(_refusal_problem(item, prefix), member)
        yield item


_EVALUATE_QUERY = ("policy", "as_of", "explain", "backend")


async def evaluate_endpoint(request: Request) -> Response:
    """A JSON request (policy, case or cases, as_of...), or a case file as the body with the
    rest in the query (``?policy=york&as_of=2025-04-01``), as ``reviewrules evaluate`` takes them."""
    service = service_of(request)
    deadline = service.deadline()
    if media_type(request.headers.get("content-type")) in CASE_FILE_TYPES:
        query = Query(request, _EVALUATE_QUERY)
        ref = query.required("policy", "a policy id, or id@version")
        day, explain = as_of(query.one("as_of")), query.flag("explain")
        backend = query.one("backend", BACKENDS, service.backend) or "auto"
        body = await read_body(request, CASE_FILE_TYPES, service.limits, deadline)
        policy, compiled = service.registry.current.find(ref)
        runner = runner_for(backend)
        cases, many = await service.workers.run(deadline, file_cases, body)
        check_case_count(service.limits, len(cases))
        member = ""
    else:
        Query(request, ())
        body, data = await _json_body(request, service, deadline, JSON_TYPES + CASE_FILE_TYPES)
        fields = Fields(data, ("policy",), ("case", "cases", "as_of", "explain", "backend"))
        member = fields.one_of("case", "cases")
        value = fields.mapping(member) if member == "case" else fields.items(member)
        check_case_count(service.limits, _count(value, member))
        policy, compiled = service.registry.current.find(fields.text("policy") or "")
        day, explain = as_of(fields.text("as_of")), fields.flag("explain")
        runner = runner_for(fields.backend(service.backend))
        cases, many = await service.workers.run(deadline, request_cases, body, value, member)
    request.state.children = len(cases)
    prefixes = [_child_prefix(member, many, k) for k in range(len(cases))]
    if wants_lines(request):
        await service.workers.run(deadline, _precheck, compiled, cases, prefixes, member)
        results = _results(compiled, cases, day, runner, deadline, prefixes, member)
        lines = (json.dumps(r.to_dict(explain), ensure_ascii=False, separators=(",", ":")) + "\n" for r in results)
        return StreamingResponse(streamed(service.workers, deadline, lines), media_type=LINES)

    def write() -> Spool:
        spool = Spool()
        try:
            write_json_results(_results(compiled, cases, day, runner, deadline, prefixes, member), spool, many, explain=explain)  # type: ignore[arg-type]
        except BaseException:
            spool.close()
            raise
        return spool

    return (await service.workers.run(deadline, write)).response(JSON)


def _precheck(compiled: CompiledPolicy, cases: list[Case], prefixes: list[tuple[str | int, ...]], member: str) -> None:
    """Before a stream starts: every child the policy would refuse, so that a stream is not cut for it."""
    problems: list[Problem] = []
    for case, prefix in zip(cases, prefixes):
        problems += [replace(p, file=None, path=prefix + tuple(p.path or ())) for p in policy_problems(case, compiled)]
    if problems:
        raise refused(problems, member)


def _head(result: Result) -> dict[str, Any]:
    return {"child": result.child, "policy": result.policy.to_dict(), "as_of": result.as_of.isoformat()}


async def explain_endpoint(request: Request) -> Response:
    """How one obligation's (or escalation's) date was reached: ``reviewrules explain --format json``."""
    service = service_of(request)
    deadline = service.deadline()
    body, data = await _json_body(request, service, deadline)
    fields = Fields(data, ("policy", "case", "obligation"), ("child", "as_of", "backend"))
    value = fields.mapping("case")
    check_case_count(service.limits, _count(value, "case"))
    policy, compiled = service.registry.current.find(fields.text("policy") or "")
    spec = fields.text("obligation") or ""
    kind, _, number = spec.partition(":")
    if number and not number.isdigit():
        raise invalid(f"obligation '{spec}': the review after ':' must be a number (KIND[:REVIEW], e.g. review.second:2)", ("obligation",))
    review = int(number) if number else None
    child, day = fields.text("child"), as_of(fields.text("as_of"))
    runner = runner_for(fields.backend(service.backend))
    cases, many = await service.workers.run(deadline, request_cases, body, value, "case")
    numbered = list(enumerate(cases))
    if child is not None:
        numbered = [(k, c) for k, c in numbered if c.child_id == child]
        if not numbered:
            message = f"no child '{child}' in the case"
            raise HttpProblem("child-not-found", message, [Problem(message, path=("child",), code="not-found")])
    elif len(numbered) > 1:
        shown = ", ".join(c.child_id for c in cases[:5])
        raise invalid(f"the case has {len(cases)} children: say which with 'child' ({shown}, ...)", ("child",))
    request.state.children = 1
    number_in_file, case = numbered[0]

    def explain() -> str:
        item = evaluate_compiled(compiled, case, day, runner)
        if isinstance(item, Refusal):
            raise refused(_refusal_problem(item, _child_prefix("case", many, number_in_file)), "case")
        items: list[Obligation | Escalation] = [o for o in item.obligations if o.kind == kind and (review is None or o.review == review)]
        items += [e for e in item.escalations if e.kind == kind and (review is None or e.about.review == review)]
        if not items:
            kinds = sorted({o.kind for o in item.obligations} | {e.kind for e in item.escalations})
            message = f"no {spec} for child {item.child} (kinds in the result: {', '.join(kinds)})"
            raise HttpProblem("obligation-not-found", message, [Problem(message, path=("obligation",), code="not-found")])
        return to_json({**_head(item), "items": [i.to_dict(explain=True) for i in items]}) + "\n"

    return text_response(await service.workers.run(deadline, explain))


async def diff_endpoint(request: Request) -> Response:
    """What differs between two policies: ``reviewrules diff A B --format json``, over the bundled
    scenarios' cases, or over the cases given."""
    service = service_of(request)
    deadline = service.deadline()
    body, data = await _json_body(request, service, deadline)
    fields = Fields(data, ("a", "b"), ("cases", "as_of", "backend"))
    current = service.registry.current
    (a, _), (b, _) = current.find(fields.text("a") or ""), current.find(fields.text("b") or "")
    backend = fields.backend(service.backend)
    runner_for(backend)  # a backend this Python cannot run is refused before any work
    if fields.has("cases"):
        value = fields.items("cases")
        check_case_count(service.limits, len(value))
        day = as_of(fields.text("as_of"))
        cases, _ = await service.workers.run(deadline, request_cases, body, value, "cases")
        corpus = [CorpusCase("request", case, day) for case in cases]
        corpus_name = "request"
    else:
        if fields.has("as_of"):
            raise invalid("'as_of' is given with 'cases' only: the bundled scenarios carry their own", ("as_of",))
        corpus = await service.workers.run(deadline, service.corpus)
        corpus_name = "the bundled scenarios"
    request.state.children = len(corpus)

    def checked() -> Iterator[CorpusCase]:
        for item in corpus:
            deadline.check()
            yield item

    def diff() -> str:
        return format_diff(diff_policies(a, b, checked(), backend=backend, corpus_name=corpus_name), "json")

    return text_response(await service.workers.run(deadline, diff))
