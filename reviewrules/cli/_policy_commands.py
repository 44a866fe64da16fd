"""Commands about policies: validate, policies, show, render."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from .._errors import Problem
from .._resources import bundled_policy_ids
from ..case._files import cases_from_document
from ..case._stream import CASE_SUFFIXES
from ..output._card import render_card
from ..output._json import to_json
from ..output._readings import format_readings
from ..output._resolved import resolved_yaml
from ..output._text import policies_text
from ..policy._loading import check_policy_file, check_policy_text, load_policy, load_policy_text, locate_policy
from ..policy._yaml import Document, load_document, parse_text
from ._common import EXIT_OK, EXIT_PROBLEMS, POLICY_HELP, UsageError, policy_arg

__all__ = ["add_policy_commands"]


def add_policy_commands(sub: argparse._SubParsersAction) -> None:
    va = sub.add_parser("validate", help="check policy and case files, reporting every problem")
    va.add_argument(
        "files",
        metavar="FILE",
        nargs="+",
        help="policy or case files (YAML or JSON), folders of them (read recursively), or - for one on standard input",
    )
    va.add_argument("--format", choices=("text", "json"), default="text", help="text, or json with every problem as data (default: text)")
    va.set_defaults(handler=_validate)

    po = sub.add_parser("policies", help="list the bundled policies with their source and version")
    po.add_argument("--format", choices=("text", "json"), default="text", help="text or json (default: text)")
    po.set_defaults(handler=_policies)

    sh = sub.add_parser("show", help="print a policy as written; --resolved spells out everything it inherits")
    sh.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    sh.add_argument(
        "--resolved",
        action="store_true",
        help="the policy resolved, as YAML that is itself a policy: every rule it inherits, overrides applied, "
        "each rule's origin in a comment (needed for POLICY@VERSION)",
    )
    sh.set_defaults(handler=_show)

    rd = sub.add_parser("readings", help="the register of readings: where the policy chose one reading of its text, and the others")
    rd.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    rd.add_argument("--format", choices=("text", "json", "md"), default="text", help="text, json, or md to paste into an audit report (default: text)")
    rd.set_defaults(handler=_readings)

    re_ = sub.add_parser("render", help="a one-page procedure card: the review cycle as a table")
    re_.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    re_.add_argument("--format", choices=("html", "md"), default="html", help="html (a page to print) or md (default: html)")
    re_.set_defaults(handler=_render)


def _files(paths: list[str]) -> tuple[list[str], list[Problem]]:
    """The files named, with each folder's YAML and JSON files (recursively, in name order)."""
    found: list[str] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if raw != "-" and path.is_dir():
            inside = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CASE_SUFFIXES)
            if not inside:
                problems.append(Problem("no policy or case files (.yaml, .yml, .json) in this folder", file=raw, code="not-found"))
            found += inside
        else:
            found.append(raw)
    return found, problems


def _kind_of(doc: Document) -> str:
    data = doc.data
    if isinstance(data, dict) and ("rules" in data or "extends" in data or "document" in data):
        return "policy"
    if isinstance(data, dict) and ("child" in data or "children" in data or "events" in data):
        return "case"
    return "unknown"


def _check(path: str, stdin: TextIO) -> tuple[str, list[Problem]]:
    """What the file is (policy, case, unknown or unreadable) and every problem in it."""
    text = stdin.read() if path == "-" else None
    name = "<stdin>" if path == "-" else path
    doc, problems = load_document(path) if text is None else parse_text(text, name)
    if doc is None:
        return "unreadable", problems
    kind = _kind_of(doc)
    if kind == "policy":
        return kind, check_policy_file(path) if text is None else check_policy_text(text, name, beside=Path.cwd())
    if kind == "case":
        return kind, problems + cases_from_document(doc)[1]
    return kind, problems + [
        doc.problem((), "neither a policy (id, document, rules) nor a case file (child and events, or children)", code="unknown-file")
    ]


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths, all_problems = _files(args.files)
    reports = [{"file": p.file, "kind": "folder", "ok": False, "problems": [p.to_dict()]} for p in all_problems]
    for path in paths:
        kind, problems = _check(path, args.stdin)
        name = "<stdin>" if path == "-" else path
        reports.append({"file": name, "kind": kind, "ok": not problems, "problems": [p.to_dict() for p in problems]})
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
    name, _, label = args.policy.partition("@")
    if label and not args.resolved:
        raise UsageError(f"{args.policy}: one dated version is a resolved view of the file: add --resolved")
    if args.resolved:
        out.write(resolved_yaml(policy_arg(args.policy, stdin=args.stdin)))
        return EXIT_OK
    if name == "-":
        text = args.stdin.read()
        load_policy_text(text, "<stdin>", beside=Path.cwd())  # every problem, before printing it
    else:
        path = locate_policy(name)
        if path.is_dir():
            policy_arg(name)  # says a policy is one file, naming what the folder holds
        load_policy(path)
        text = path.read_text(encoding="utf-8")
    out.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _readings(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(format_readings(policy_arg(args.policy, stdin=args.stdin), args.format))
    return EXIT_OK


def _render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(render_card(policy_arg(args.policy, stdin=args.stdin), args.format))
    return EXIT_OK
