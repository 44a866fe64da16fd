"""Commands about policies: validate, policies, show, render."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TextIO

from .._errors import Problem
from .._resources import bundled_policy_ids
from ..case._files import cases_from_document
from ..output._card import render_card
from ..output._json import to_json
from ..output._readings import format_readings
from ..output._resolved import resolved_yaml
from ..output._text import policies_text
from ..policy._loading import check_policy_file, load_policy
from ..policy._yaml import load_document
from ._common import EXIT_OK, EXIT_PROBLEMS, policy_arg

__all__ = ["add_policy_commands"]


def add_policy_commands(sub: argparse._SubParsersAction) -> None:
    va = sub.add_parser("validate", help="check policy and case files, reporting every problem")
    va.add_argument("files", metavar="FILE", nargs="+")
    va.add_argument("--format", choices=("text", "json"), default="text")
    va.set_defaults(handler=_validate)

    po = sub.add_parser("policies", help="list the bundled policies with their source and version")
    po.add_argument("--format", choices=("text", "json"), default="text")
    po.set_defaults(handler=_policies)

    sh = sub.add_parser("show", help="print a policy; --resolved spells out everything it inherits")
    sh.add_argument("policy", metavar="POLICY", help="bundled id or file; POLICY@VERSION for one dated version")
    sh.add_argument("--resolved", action="store_true", help="the fully resolved policy as YAML (the default)")
    sh.set_defaults(handler=_show)

    rd = sub.add_parser("readings", help="the register of readings: where the policy chose one reading of its text, and the others")
    rd.add_argument("policy", metavar="POLICY", help="bundled id or file, or POLICY@VERSION")
    rd.add_argument("--format", choices=("text", "json", "md"), default="text", help="md pastes into an audit report")
    rd.set_defaults(handler=_readings)

    re_ = sub.add_parser("render", help="a one-page procedure card: the review cycle as a table")
    re_.add_argument("policy", metavar="POLICY", help="bundled id or file, or POLICY@VERSION")
    re_.add_argument("--format", choices=("html", "md"), default="html")
    re_.set_defaults(handler=_render)


def _kind_of_file(path: str) -> tuple[str, list[Problem]]:
    doc, problems = load_document(path)
    if doc is None:
        return "unreadable", problems
    data = doc.data
    if isinstance(data, dict) and ("rules" in data or "extends" in data or "document" in data):
        return "policy", problems
    if isinstance(data, dict) and ("child" in data or "children" in data or "events" in data):
        return "case", problems
    return "unknown", problems + [
        doc.problem((), "neither a policy (id, document, rules) nor a case file (child and events, or children)", code="unknown-file")
    ]


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    reports = []
    all_problems: list[Problem] = []
    for path in args.files:
        kind, problems = _kind_of_file(path)
        if kind == "policy":
            problems = check_policy_file(path)
        elif kind == "case":
            doc, _ = load_document(path)
            assert doc is not None
            problems += cases_from_document(doc)[1]
        reports.append({"file": path, "kind": kind, "ok": not problems, "problems": [p.to_dict() for p in problems]})
        all_problems += problems
    if args.format == "json":
        out.write(to_json({"files": reports}) + "\n")
    else:
        for report in reports:
            if report["ok"]:
                out.write(f"{report['file']}: ok ({report['kind']})\n")
        for problem in all_problems:
            err.write(f"{problem.render()} [{problem.code}]\n")
            if problem.fix:
                err.write(f"    fix: {problem.fix}\n")
    return EXIT_PROBLEMS if all_problems else EXIT_OK


def _policies(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policies = [load_policy(pid) for pid in bundled_policy_ids()]
    if args.format == "json":
        rows = [
            {
                "id": p.id,
                "title": p.title,
                "extends": p.extends,
                "document": {k: v for k, v in asdict(p.document).items() if v is not None},
                "rules": len(p.rules),
                "digest": p.digest,
            }
            for p in policies
        ]
        out.write(json.dumps({"policies": rows}, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(policies_text(policies))
    return EXIT_OK


def _show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(resolved_yaml(policy_arg(args.policy)))
    return EXIT_OK


def _readings(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(format_readings(policy_arg(args.policy), args.format))
    return EXIT_OK


def _render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(render_card(policy_arg(args.policy), args.format))
    return EXIT_OK
