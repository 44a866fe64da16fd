"""The ``reviewrules`` command line. ``main(argv)`` returns the exit status.

Exit 0 on success; 2 with one line per problem on stderr for a bad policy, a
bad case file or bad arguments; never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn, Sequence, TextIO

from ._case import cases_from_document, load_case_file
from ._errors import Problem, ReviewRulesError
from ._card import render_card
from ._diff import corpus_from, diff_policies
from ._diff_format import format_diff
from ._evaluate import BACKENDS, _as_date, evaluate, evaluate_many
from ._policy import Policy
from ._result import Escalation, Obligation, Result
from ._show import resolved_yaml
from ._loading import check_policy_file, load_policy
from ._render import explain_text, policies_text, result_text, to_json, write_json_results
from ._resources import bundled_policy_ids, bundled_scenarios_dir
from ._scenarios import find_scenarios, run_scenarios
from ._yaml import load_document

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1  # scenarios failed, or rules not exercised
EXIT_PROBLEMS = 2
EXIT_INTERNAL = 3


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reviewrules",
        description="Statutory review deadlines for looked-after children, from YAML policies.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ev = sub.add_parser("evaluate", help="every review, deadline and escalation for the children in a case file")
    ev.add_argument("case", metavar="CASE", help="case file (YAML or JSON): one child, or many under 'children'")
    ev.add_argument("--policy", "-p", required=True, help="bundled policy id (york) or a policy file")
    ev.add_argument("--as-of", help="evaluate as of this ISO date (default: today)")
    ev.add_argument("--format", choices=("json", "text"), default="json")
    ev.add_argument("--backend", choices=BACKENDS, default="auto", help="rules engine (default: auto)")
    ev.add_argument("--explain", action="store_true", help="include each obligation's derivation in JSON")

    va = sub.add_parser("validate", help="check policy and case files, reporting every problem")
    va.add_argument("files", metavar="FILE", nargs="+")
    va.add_argument("--format", choices=("text", "json"), default="text")

    po = sub.add_parser("policies", help="list the bundled policies with their source and version")
    po.add_argument("--format", choices=("text", "json"), default="text")

    sh = sub.add_parser("show", help="print a policy; --resolved spells out everything it inherits")
    sh.add_argument("policy", metavar="POLICY", help="bundled id or file; POLICY@VERSION for one dated version")
    sh.add_argument("--resolved", action="store_true", help="the fully resolved policy as YAML (the default)")

    ex = sub.add_parser("explain", help="how one obligation's date was reached, rule by rule")
    ex.add_argument("case", metavar="CASE")
    ex.add_argument("--policy", "-p", required=True)
    ex.add_argument("--obligation", "-o", required=True, metavar="KIND[:REVIEW]", help="e.g. review.second:2")
    ex.add_argument("--child", help="which child, in a file of many")
    ex.add_argument("--as-of")
    ex.add_argument("--format", choices=("text", "json"), default="text")
    ex.add_argument("--backend", choices=BACKENDS, default="auto")

    di = sub.add_parser("diff", help="what differs between two policies (exit 1 if anything does)")
    di.add_argument("a", metavar="A", help="policy id or file, or POLICY@VERSION")
    di.add_argument("b", metavar="B")
    di.add_argument("--cases", metavar="DIR", help="case or scenario files to compare on (default: the bundled scenarios)")
    di.add_argument("--as-of", help="as-of date for case files (scenarios carry their own)")
    di.add_argument("--format", choices=("text", "json", "md"), default="text")
    di.add_argument("--backend", choices=BACKENDS, default="auto")

    re_ = sub.add_parser("render", help="a one-page procedure card: the review cycle as a table")
    re_.add_argument("policy", metavar="POLICY", help="bundled id or file, or POLICY@VERSION")
    re_.add_argument("--format", choices=("html", "md"), default="html")

    te = sub.add_parser("test", help="run YAML scenario tests (default: the bundled ones)")
    te.add_argument("paths", metavar="PATH", nargs="*", help="scenario files or directories")
    te.add_argument("--backend", choices=BACKENDS, default="auto")
    te.add_argument("--coverage", action="store_true", help="list rules no scenario exercised (and fail if any)")
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        with contextlib.redirect_stdout(out):  # --help goes where the caller asked
            args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            raise _UsageError(f"missing command: {', '.join(_COMMANDS)} (see 'reviewrules --help')")
        return _COMMANDS[args.command](args, out, err)
    except _UsageError as exc:
        err.write(f"reviewrules: error: {exc}\n")
        return EXIT_PROBLEMS
    except ReviewRulesError as exc:
        for line in exc.lines():
            err.write(line + "\n")
        return EXIT_PROBLEMS
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line; the traceback on request
        if os.environ.get("REVIEWRULES_DEBUG"):
            traceback.print_exc(file=err)
        err.write(f"reviewrules: internal error: {type(exc).__name__}: {exc} (set REVIEWRULES_DEBUG=1 for details)\n")
        return EXIT_INTERNAL


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = load_policy(args.policy)
    cases, many = load_case_file(args.case)
    results = evaluate_many(policy, cases, args.as_of, backend=args.backend)
    if args.format == "json":
        write_json_results(results, out, many, explain=args.explain)
    else:
        for i, result in enumerate(results):
            out.write(("\n" if i else "") + result_text(result))
    return EXIT_OK


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


def _relative(path: Path) -> str:
    """A path relative to the working directory when it lies below it, for shorter messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths = args.paths or [_relative(bundled_scenarios_dir())]
    report = run_scenarios(find_scenarios(paths), backend=args.backend)
    for outcome in report.outcomes:
        out.write(f"{'PASS' if outcome.passed else 'FAIL'} {outcome.scenario.file}: {outcome.scenario.name}\n")
        for failure in outcome.failures:
            out.write(f"  {failure}\n")
    for problem in report.problems:
        err.write(problem + "\n")
    passed = sum(1 for o in report.outcomes if o.passed)
    out.write(f"{len(report.outcomes)} scenarios: {passed} passed, {len(report.outcomes) - passed} failed\n")
    gaps = report.unexercised() if args.coverage else {}
    if args.coverage:
        if gaps:
            out.write("Rules no scenario exercised:\n")
            for policy_id, rules in gaps.items():
                for rule in rules:
                    out.write(f"  {policy_id}: {rule.qualified_id} ({rule.file}:{rule.line})\n")
        else:
            out.write("Every rule of every policy tested was exercised by a scenario.\n")
    if report.problems:
        return EXIT_PROBLEMS
    return EXIT_FAILED if passed < len(report.outcomes) or gaps else EXIT_OK


def _policy_arg(text: str) -> Policy:
    """A policy id or file, optionally POLICY@VERSION for one of its dated versions."""
    name, _, label = text.partition("@")
    policy = load_policy(name)
    if not label:
        return policy
    try:
        return policy.at(label)
    except KeyError as exc:
        raise _UsageError(str(exc).strip("'\"")) from None


def _show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(resolved_yaml(_policy_arg(args.policy)))
    return EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = _policy_arg(args.policy)
    kind, _, number = args.obligation.partition(":")
    if number and not number.isdigit():
        raise _UsageError(f"--obligation {args.obligation!r}: the review after ':' must be a number")
    review = int(number) if number else None
    cases, _ = load_case_file(args.case)
    if args.child is not None:
        cases = [c for c in cases if c.child_id == args.child]
        if not cases:
            raise _UsageError(f"no child '{args.child}' in {args.case}")
    elif len(cases) > 1:
        raise _UsageError(f"{args.case} has {len(cases)} children: say which with --child ({', '.join(c.child_id for c in cases[:5])}, ...)")
    result = evaluate(policy, cases[0], args.as_of, backend=args.backend)
    items: list[Obligation | Escalation] = [
        o for o in result.obligations if o.kind == kind and (review is None or o.review == review)
    ]
    items += [e for e in result.escalations if e.kind == kind and (review is None or e.about.review == review)]
    if not items:
        kinds = sorted({o.kind for o in result.obligations} | {e.kind for e in result.escalations})
        raise _UsageError(f"no {args.obligation} for child {result.child} (kinds in the result: {', '.join(kinds)})")
    if args.format == "json":
        out.write(to_json({**_result_head(result), "items": [i.to_dict(explain=True) for i in items]}) + "\n")
    else:
        out.write(explain_text(result, items))
    return EXIT_OK


def _result_head(result: Result) -> dict[str, object]:
    return {"child": result.child, "policy": result.policy.to_dict(), "as_of": result.as_of.isoformat()}


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    a, b = _policy_arg(args.a), _policy_arg(args.b)
    if args.cases:
        root = Path(args.cases)
        if not root.exists():
            raise _UsageError(f"--cases {args.cases}: no such file or directory")
        found = root.rglob("*") if root.is_dir() else [root]
        paths = sorted(p for p in found if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    else:
        paths = find_scenarios([_relative(bundled_scenarios_dir())])
    as_of = _as_date(args.as_of) if args.as_of else None
    diff = diff_policies(a, b, corpus_from(paths, as_of), backend=args.backend)
    out.write(format_diff(diff, args.format))
    return EXIT_FAILED if diff.differs else EXIT_OK


def _render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(render_card(_policy_arg(args.policy), args.format))
    return EXIT_OK


_COMMANDS = {
    "evaluate": _evaluate,
    "validate": _validate,
    "policies": _policies,
    "show": _show,
    "explain": _explain,
    "diff": _diff,
    "render": _render,
    "test": _test,
}


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
