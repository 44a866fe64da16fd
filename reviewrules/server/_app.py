"""The application: its routes, its answer to every error, and its log.

Every error is a problem document; an unexpected one is a 500 saying nothing of
its internals. The log has one line per request: method, path (never the query,
which can hold dates), status, how many children, and how long it took; never a
child's id or a date. An unexpected error is logged as its type and where it
happened, without its message (which could quote a case).
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._errors import PolicyError
from ._engine import check_backend
from ._limits import DEFAULT_LIMITS, Limits, Workers
from ._openapi import openapi_document
from ._problems import MEDIA_TYPE, HttpProblem, StreamAborted, problem_body
from ._registry import Registry, load_policy_set
from ._routes_caseload import caseload_endpoint
from ._routes_cases import diff_endpoint, evaluate_endpoint, explain_endpoint
from ._routes_policies import list_policies, policy_card, policy_readings, reload_policies, show_policy, validate_policy
from ._state import Service, service_of, text_response

__all__ = ["create_app", "LOGGER"]

LOGGER = logging.getLogger("reviewrules.server")
_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 413: "too-large", 415: "unsupported-media-type"}


def problem_response(problem: HttpProblem, path: str) -> Response:
    return Response(problem_body(problem, path), problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpProblem)
    return problem_response(exc, request.url.path)


async def _on_http(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, a method the route does not take) as problem documents."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "bad-request")
    detail = f"no endpoint {request.url.path} (GET /openapi.json lists them)" if code == "not-found" else str(exc.detail)
    if code == "method-not-allowed":
        detail = f"{request.method} is not allowed on {request.url.path} (allowed: {(exc.headers or {}).get('Allow', '')})"
    problem = HttpProblem(code, detail, headers=exc.headers)
    problem.status = exc.status_code
    return problem_response(problem, request.url.path)


_PACKAGE = str(Path(__file__).resolve().parent.parent)


def _where(exc: BaseException) -> str:
    """Where an unexpected error happened, without its message: the innermost frame, then
    the frames in this package it came through."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    ours = [f for f in frames[:-1] if f.filename.startswith(_PACKAGE)][-6:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ours + [frames[-1]]))


def _aborted(exc: BaseException) -> StreamAborted | None:
    if isinstance(exc, StreamAborted):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _aborted(inner)
            if found is not None:
                return found
    return None


class Guard:
    """The outermost layer: the log line, and a 500 problem document for anything unexpected.

    The path logged is the request's for an answer that succeeded (it names a policy at
    most), else the endpoint's template (``/v1/policies/{policy}``), or ``-`` for a path
    that is no endpoint: what a client puts in a wrong path is never logged.
    """

    def __init__(self, app: ASGIApp, routes: list[Route]):
        self.app = app
        self.routes = routes

    def _shown_path(self, path: str, status: int | None) -> str:
        for route in self.routes:
            if route.path_regex.match(path):
                return path if status is not None and status < 400 else route.path
        return "-"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        seen: dict[str, Any] = {"status": None}

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        ending = ""
        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - nothing unexpected reaches the server or the client
            aborted = _aborted(exc)
            if aborted is not None:
                ending = f" aborted: {aborted.reason}"
            elif isinstance(exc, (ClientDisconnect, OSError)):
                ending = " aborted: the client went away"
                seen["status"] = seen["status"] or 499
            else:
                LOGGER.error("internal error %s at %s", type(exc).__name__, _where(exc))
                ending = " aborted: internal error"
            if seen["status"] is None:
                problem = HttpProblem("internal", "the service could not answer this request; the error is logged")
                if aborted is not None:
                    problem = HttpProblem("time-limit", aborted.reason)
                await problem_response(problem, scope.get("path", "")).__call__(scope, receive, watched)
                ending = ""
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            children = state.get("children", 0)
            path = self._shown_path(scope.get("path", ""), seen["status"])
            LOGGER.info("%s %s %s children=%d %.1fms%s", scope.get("method"), path, seen["status"], children, elapsed, ending)


async def healthz(request: Request) -> Response:
    return text_response('{"status": "ok", "policies": %d}\n' % len(service_of(request).registry.current.ids()))


def create_app(folder: str | Path | None = None, limits: Limits = DEFAULT_LIMITS, backend: str = "auto") -> Starlette:
    """The service, with the bundled policies and those in ``folder``, loaded and compiled now.

    Raises PolicyError (every problem) if a policy in the folder does not load, and
    ReviewRulesError for a backend this Python cannot run.
    """
    check_backend(backend)
    where = Path(folder) if folder is not None else None
    policies, problems = load_policy_set(where)
    if policies is None:
        raise PolicyError(problems)
    service = Service(Registry(where, policies), limits, Workers(limits.threads), backend)
    document = openapi_document()

    async def openapi(request: Request) -> Response:
        return text_response(document)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.workers.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v1/policies", list_policies, methods=["GET"]),
        Route("/v1/policies/{policy}", show_policy, methods=["GET"]),
        Route("/v1/policies/{policy}/card", policy_card, methods=["GET"]),
        Route("/v1/policies/{policy}/readings", policy_readings, methods=["GET"]),
        Route("/v1/evaluate", evaluate_endpoint, methods=["POST"]),
        Route("/v1/caseload", caseload_endpoint, methods=["POST"]),
        Route("/v1/explain", explain_endpoint, methods=["POST"]),
        Route("/v1/validate", validate_policy, methods=["POST"]),
        Route("/v1/diff", diff_endpoint, methods=["POST"]),
        Route("/v1/reload", reload_policies, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, routes=routes)],  # inside it nothing unexpected escapes to Starlette's error page
        exception_handlers={HttpProblem: _on_problem, HTTPException: _on_http},
        lifespan=lifespan,
    )
    app.state.service = service
    return app
