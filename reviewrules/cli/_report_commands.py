"""Commands for people rather than programs: ``report`` (a caseload as one HTML page),
``render-case`` (one child's timeline) and ``ics`` (deadlines for a calendar).

They need the report extra (``pip install 'reviewrules[report]'``); without it each
says so in one line and exits 2. ``report`` and ``ics`` read whatever ``caseload``
reads and end, as it does, with ``N children evaluated, M refused`` on standard
error; the exit status is also as ``caseload``'s (docs/report.md).
"""

from __future__ import annotations

import argparse
import shlex
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from .._evaluate import BACKENDS, _as_date, evaluate, evaluate_many
from ..case._model import Case, Refusal
from ..case._stream import CaseReader, read_cases
from ..engine._result import Result
from ..output._report_data import DEFAULT_MONTHS, MONTHS_RANGE, MonthlyReviews, count_problems, report_data
from ..output._report_env import MissingExtra, require
from ..output._summary import CaseloadSummary
from ..policy._model import Policy
from ._common import BACKEND_HELP, EXIT_OK, POLICY_HELP, UsageError, add_as_of, policy_arg
from ._inputs import LOST as _LOST
from ._inputs import add_caseload_inputs, finish_run, reader_for

__all__ = ["add_report_commands", "explain_html", "version"]



def version() -> str:
    try:
        return metadata.version("reviewrules")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def missing_extra(exc: MissingExtra) -> UsageError:
    return UsageError(str(exc))


def _inputs(parser: argparse.ArgumentParser, what: str) -> None:
    add_caseload_inputs(parser, what)
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


def add_report_commands(sub: argparse._SubParsersAction) -> None:
    paths = (
        "an SSDA903 folder or file, a case file (YAML/JSON), a JSON Lines file, a folder of any of these, "
        "or - for JSON Lines on standard input"
    )
    re_ = sub.add_parser(
        "report",
        help="a caseload as one HTML page: figures, charts, who needs attention (needs reviewrules[report])",
        description="Evaluate a caseload and write one self-contained HTML page: the caseload summary's figures, "
        "reviews held on time by month, what is overdue and due soon by kind and owner, the longest overdue, "
        "every warning and refusal with how to fix it, and how to reproduce it.",
    )
    _inputs(re_, paths)
    low, high = MONTHS_RANGE
    re_.add_argument("--months", type=int, default=DEFAULT_MONTHS, metavar="N", help=f"months in the monthly chart, {low} to {high} (default: {DEFAULT_MONTHS})")
    re_.add_argument("--errors-doc", metavar="URL", default="docs/errors.md", help="where docs/errors.md is, for the links from each code (default: docs/errors.md)")
    re_.set_defaults(handler=_report)

    rc = sub.add_parser(
        "render-case",
        help="one child's timeline as an HTML page: periods, reviews, tasks, escalations (needs reviewrules[report])",
        description="Draw one child's periods of care, reviews held and due, preparation and record windows, "
        "escalations and notices on a time axis; each mark links to its rule and quoted source in the tables below.",
    )
    rc.add_argument("case", metavar="CASE", help="a case file, JSON Lines file or SSDA903 return (with --child for one of many)")
    rc.add_argument("--policy", "-p", required=True, help=POLICY_HELP)
    add_as_of(rc)
    rc.add_argument("--child", help="which child, where the input has many")
    rc.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    rc.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    rc.set_defaults(handler=_render_case)

    ic = sub.add_parser(
        "ics",
        help="pending deadlines as an iCalendar file to import (needs reviewrules[report])",
        description="Write one all-day event per obligation not yet done, on its due date, with the rule and its "
        "quote; each keeps its UID when its due date moves, so importing again updates it.",
    )
    _inputs(ic, paths)
    ic.add_argument("--owner", action="append", metavar="ROLE", help="only obligations of this owner, e.g. iro or social_worker (repeatable)")
    ic.add_argument("--overdue", action="store_true", help="also obligations already overdue (on their past due date)")
    ic.set_defaults(handler=_ics)


def _reader(args: argparse.Namespace) -> CaseReader:
    return reader_for(args)


def _evaluated(args: argparse.Namespace, policy: Policy, reader: CaseReader, err: TextIO, counts: list[int]) -> Iterator[Result | Refusal]:
    """Every child, evaluated or refused; refusals reported on standard error as they arise."""
    for item in evaluate_many(policy, reader, _as_date(args.as_of), backend=args.backend, on_error="report", strict=args.strict):
        if isinstance(item, Refusal):
            counts[1] += 1
            for line in item.lines("refused"):
                err.write(line + "\n")
        else:
            counts[0] += 1
        yield item


def _finish(reader: CaseReader, counts: list[int], err: TextIO) -> int:
    return finish_run(reader, counts[0], counts[1], err)


def _write(args: argparse.Namespace, out: TextIO, data: str | bytes) -> None:
    if args.output:
        mode = "wb" if isinstance(data, bytes) else "w"
        text_options: dict[str, Any] = {} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": ""}
        with open(args.output, mode, **text_options) as handle:
            handle.write(data)
    elif isinstance(data, bytes):
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            buffer.write(data)
            buffer.flush()
        else:  # an in-memory stream (tests): the text, line ends kept
            out.write(data.decode("utf-8"))
    else:
        out.write(data)


def _command(args: argparse.Namespace, name: str, extra: Iterable[str] = ()) -> str:
    words = ["reviewrules", name, *args.paths, "--policy", args.policy, "--as-of", _as_date(args.as_of).isoformat()]
    if args.la:
        words += ["--la", args.la]
    if args.short_breaks != "keep":
        words += ["--short-breaks", args.short_breaks]
    if args.no_same_carer_moves:
        words.append("--no-same-carer-moves")
    if args.missing_away:
        words.append("--missing-away")
    if args.strict:
        words.append("--strict")
    return shlex.join([*words, *extra])


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    low, high = MONTHS_RANGE
    if not low <= args.months <= high:
        raise UsageError(f"--months {args.months}: give {low} to {high} months")
    try:
        require("jinja2", "vl_convert")
        from ..output._report import render_report
    except MissingExtra as exc:
        raise missing_extra(exc) from None
    policy = policy_arg(args.policy, args.reading, args.stdin)
    as_of = _as_date(args.as_of)
    reader = _reader(args)
    summary = CaseloadSummary(as_of, {"id": policy.id, "version": policy.version, "digest": policy.digest})
    monthly = MonthlyReviews(as_of, args.months)
    counts = [0, 0]
    for item in _evaluated(args, policy, reader, err, counts):
        summary.add(item)
        monthly.add(item)
    data = report_data(
        summary,
        monthly,
        problems=count_problems(reader.problems),
        inputs=args.paths,
        files_read=reader.files,
        reviewrules_version=version(),
        policy_title=policy.title,
    )
    extra = [] if args.months == DEFAULT_MONTHS else ["--months", str(args.months)]
    _write(args, out, render_report(data, command=_command(args, "report", extra), errors_doc=args.errors_doc))
    return _finish(reader, counts, err)


def _ics(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        require("icalendar")
        from ..output._ics import calendar_events, render_ics
    except MissingExtra as exc:
        raise missing_extra(exc) from None
    policy = policy_arg(args.policy, args.reading, args.stdin)
    if args.owner:
        owners = sorted({r.owner for r in policy.rules if r.owner})
        unknown = [o for o in args.owner if o not in owners]
        if unknown:
            raise UsageError(f"--owner {unknown[0]}: no rule of {policy.id} has this owner (owners: {', '.join(owners)})")
    as_of = _as_date(args.as_of)
    reader = _reader(args)
    counts = [0, 0]
    results = (r for r in _evaluated(args, policy, reader, err, counts) if isinstance(r, Result))
    statuses = ("pending", "overdue") if args.overdue else ("pending",)
    events = calendar_events(results, owners=args.owner, statuses=statuses)
    name = f"Review deadlines: {policy.id} {policy.version or ''}".rstrip() + f", as of {as_of.isoformat()}"
    _write(args, out, render_ics(events, as_of=as_of, name=name, version=version()))
    return _finish(reader, counts, err)


def _one_child(args: argparse.Namespace) -> Case:
    """The child asked for, from anything read_cases reads; a usage error naming a few ids otherwise."""
    if args.case != "-" and not Path(args.case).exists():
        raise UsageError(f"{args.case}: no such file or directory")
    reader = read_cases([args.case], stdin=args.stdin)
    found: list[Any] = []
    for item in reader:
        child = item.child_id if isinstance(item, Case) else item.child
        if args.child is None or child == args.child:
            found.append(item)
            if args.child is not None:
                break
        if args.child is None and len(found) > 1:
            break
    problems = [p for p in reader.problems if p.code in _LOST]
    if problems and not found:
        raise UsageError("; ".join(p.render() for p in problems))
    if not found:
        raise UsageError(f"no child '{args.child}' in {args.case}" if args.child else f"no child in {args.case}")
    if len(found) > 1:
        ids = [getattr(i, "child_id", None) or getattr(i, "child", None) or "?" for i in found]
        raise UsageError(f"{args.case} has more than one child: say which with --child ({', '.join(ids)}, ...)")
    item = found[0]
    if isinstance(item, Refusal):
        raise UsageError("; ".join(item.lines()))
    return item


def _render_case(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        require("jinja2")
        from ..output._timeline import render_case_page
    except MissingExtra as exc:
        raise missing_extra(exc) from None
    policy = policy_arg(args.policy, stdin=args.stdin)
    case = _one_child(args)
    result = evaluate(policy, case, args.as_of, backend=args.backend)
    _write(args, out, render_case_page(result, case, version=version()))
    return EXIT_OK


def explain_html(result: Result, items: list[Any], case: Case) -> str:
    """``explain --format html``: the chain behind each item, then the child's timeline."""
    try:
        require("jinja2")
        from ..output._timeline import render_explain_page
    except MissingExtra as exc:
        raise missing_extra(exc) from None
    return render_explain_page(result, items, case, version=version())
