"""``reviewrules serve``: the HTTP decision service (docs/service.md), with the ``server`` extra."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .._evaluate import BACKENDS
from ._common import EXIT_OK, UsageError

__all__ = ["add_serve_command"]

_MISSING = "the server extra is not installed: pip install 'reviewrules[server]'"


def add_serve_command(sub: argparse._SubParsersAction) -> None:
    se = sub.add_parser(
        "serve",
        help="answer over HTTP: evaluate, caseload, explain, validate, diff (needs the server extra)",
        description="The HTTP decision service: the JSON of the commands, over HTTP (docs/service.md). "
        "Binds to loopback by default; put a reverse proxy with TLS in front of it to serve a network.",
    )
    se.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    se.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080; 0 takes a free one)")
    se.add_argument("--policies", metavar="DIR", help="a folder of policy files to serve besides the bundled policies")
    se.add_argument("--backend", choices=BACKENDS, default="auto", help="rules engine (default: auto)")
    g = se.add_argument_group("limits (docs/service.md, 'Limits')")
    g.add_argument("--max-body-bytes", type=int, metavar="N", help="largest request body, in bytes (default: 16 MiB)")
    g.add_argument("--max-cases", type=int, metavar="N", help="most children in one request (default: 5000)")
    g.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit for one request (default: 60)")
    g.add_argument("--threads", type=int, metavar="N", help="evaluations running at once (default: 4)")
    se.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(_MISSING) from None
    from ..server import DEFAULT_LIMITS, Limits, serve

    given = {
        "max_body_bytes": args.max_body_bytes,
        "max_cases": args.max_cases,
        "timeout": args.timeout,
        "threads": args.threads,
    }
    try:
        limits = Limits(**{k: v if v is not None else getattr(DEFAULT_LIMITS, k) for k, v in given.items()})
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None
    if args.policies is not None and not Path(args.policies).is_dir():
        raise UsageError(f"--policies {args.policies}: no such folder")
    try:
        serve(args.host, args.port, args.policies, limits, args.backend, err=err)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        pass
    return EXIT_OK
