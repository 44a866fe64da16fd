"""Commands about cases: evaluate, explain, diff, test."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .._diff import corpus_from, diff_policies
from .._evaluate import BACKENDS, evaluate, evaluate_many
from .._resources import bundled_scenarios_dir
from .._scenarios import find_scenarios, run_scenarios
from ..engine._result import Escalation, Obligation, Result
from ..output._diff_format import format_diff
from ..output._json import to_json, write_json_results
from ..output._text import explain_text, result_text
from ._common import (
    BACKEND_HELP,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PROBLEMS,
    POLICY_HELP,
    UsageError,
    add_as_of,
    add_reading_option,
    policy_arg,
    relative,
)
from ._inputs import CASES_HELP, read_children

__all__ = ["add_case_commands"]


def add_case_commands(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("evaluate", help="every review, deadline and escalation for the children in a case file")
    ev.add_argument("cases", metavar="CASE", nargs="+", help=CASES_HELP)
    ev.add_argument("--policy", "-p", required=True, help=POLICY_HELP)
    add_as_of(ev)
    ev.add_argument("--format", choices=("json", "text"), default="json", help="json (the contract's result) or text to read (default: json)")
    ev.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    ev.add_argument("--explain", action="store_true", help="include each obligation's derivation in JSON")
    add_reading_option(ev)
    ev.set_defaults(handler=_evaluate)

    ex = sub.add_parser("explain", help="how one obligation's date was reached, rule by rule")
    ex.add_argument("cases", metavar="CASE", nargs="+", help=CASES_HELP)
    ex.add_argument("--policy", "-p", required=True, help=POLICY_HELP)
    ex.add_argument("--obligation", "-o", required=True, metavar="KIND[:REVIEW]", help="the obligation or escalation kind, and its review number, e.g. review.second:2")
    ex.add_argument("--child", help="which child, where the input has many")
    add_as_of(ex)
    ex.add_argument("--format", choices=("text", "json", "html"), default="text", help="text, json, or html with the child's timeline (needs reviewrules[report]) (default: text)")
    ex.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    add_reading_option(ex)
    ex.set_defaults(handler=_explain)

    di = sub.add_parser(
        "diff",
        help="what differs between two policies, or one under another reading, and what it moves (exit 1 if anything does)",
    )
    di.add_argument("a", metavar="A", help="policy id or file, or POLICY@VERSION")
    di.add_argument("b", metavar="B", help="the policy to compare with A (the same one, with --reading, for a what-if)")
    di.add_argument(
        "--cases",
        metavar="PATH",
        action="append",
        help="what to compare on: scenario files, case files, JSON Lines or SSDA903 returns, folders of them, "
        "or - for standard input (repeatable; default: the bundled scenarios)",
    )
    add_as_of(di, "as-of date for the cases (scenarios carry their own)")
    di.add_argument("--format", choices=("text", "json", "md"), default="text", help="text, json, or md to paste into an audit report (default: text)")
    di.add_argument("--detail", action="store_true", help="every rule's quotes and every obligation that differs")
    di.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    add_reading_option(di, "--reading", "B")
    add_reading_option(di, "--reading-a", "A")
    di.set_defaults(handler=_diff)

    te = sub.add_parser("test", help="run YAML scenario tests (default: the bundled ones)")
    te.add_argument("paths", metavar="PATH", nargs="*", help="scenario files or folders of them (read recursively), or - for one on standard input")
    te.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    te.add_argument("--coverage", action="store_true", help="list rules no scenario exercised (and fail if any)")
    te.set_defaults(handler=_test)


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = policy_arg(args.policy, args.reading, args.stdin)
    cases, many, warnings = read_children(args.cases, args.stdin)
    for problem in warnings:
        err.write(problem.render("warning") + "\n")
    results = evaluate_many(policy, cases, args.as_of, backend=args.backend)
    if args.format == "json":
        write_json_results(results, out, many, explain=args.explain)
    else:
        for i, result in enumerate(results):
            out.write(("\n" if i else "") + result_text(result))
    return EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = policy_arg(args.policy, args.reading, args.stdin)
    kind, _, number = args.obligation.partition(":")
    if number and not number.isdigit():
        raise UsageError(f"--obligation {args.obligation}: the review after ':' must be a number")
    review = int(number) if number else None
    cases, _, warnings = read_children(args.cases, args.stdin)
    for problem in warnings:
        err.write(problem.render("warning") + "\n")
    named = " ".join(args.cases)
    if args.child is not None:
        cases = [c for c in cases if c.child_id == args.child]
        if not cases:
            raise UsageError(f"--child {args.child}: no such child in {named}")
    elif len(cases) > 1:
        shown = ", ".join(c.child_id for c in cases[:5]) + (", ..." if len(cases) > 5 else "")
        raise UsageError(f"{named} has {len(cases)} children: say which with --child ({shown})")
    result = evaluate(policy, cases[0], args.as_of, backend=args.backend)
    items: list[Obligation | Escalation] = [
        o for o in result.obligations if o.kind == kind and (review is None or o.review == review)
    ]
    items += [e for e in result.escalations if e.kind == kind and (review is None or e.about.review == review)]
    if not items:
        kinds = sorted({o.kind for o in result.obligations} | {e.kind for e in result.escalations})
        raise UsageError(f"--obligation {args.obligation}: none for child {result.child} (kinds in the result: {', '.join(kinds)})")
    if args.format == "json":
        out.write(to_json({**_result_head(result), "items": [i.to_dict(explain=True) for i in items]}) + "\n")
    elif args.format == "html":  # the chain, then the child's timeline (needs reviewrules[report])
        from ._report_commands import explain_html

        out.write(explain_html(result, items, cases[0]))
    else:
        out.write(explain_text(result, items))
    return EXIT_OK


def _result_head(result: Result) -> dict[str, object]:
    return {"child": result.child, "policy": result.policy.to_dict(), "as_of": result.as_of.isoformat()}


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    a, b = policy_arg(args.a, args.reading_a, args.stdin), policy_arg(args.b, args.reading, args.stdin)
    if args.cases:
        paths = []
        for given in args.cases:
            path = Path(given)
            if given != "-" and not path.exists():
                raise UsageError(f"--cases {given}: no such file or directory")
            paths.append(path)
        root = paths[0] if len(paths) == 1 and paths[0].is_dir() else Path.cwd()
        corpus_name = ", ".join("<stdin>" if given == "-" else given for given in args.cases)
    else:
        root = bundled_scenarios_dir()
        paths = find_scenarios([root])
        corpus_name = "the bundled scenarios"
    corpus = corpus_from(paths, args.as_of, root, stdin=args.stdin)
    diff = diff_policies(a, b, corpus, backend=args.backend, corpus_name=corpus_name)
    out.write(format_diff(diff, args.format, args.detail))
    return EXIT_FAILED if diff.differs else EXIT_OK


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths = args.paths or [relative(bundled_scenarios_dir())]
    text = args.stdin.read() if "-" in paths else None
    report = run_scenarios(find_scenarios(paths), backend=args.backend, stdin_text=text)
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
