"""``reviewrules caseload``: a whole caseload in, a table out (contract section 6).

Every child read is evaluated or refused, and the run ends with exactly one line
on standard error, ``N children evaluated, M refused``. Refusals and warnings are
written to standard error as they arise, one line each, located. Exit 0 when none
was refused, 1 when some were (or a file could not be read), 2 when nothing could
be read at all.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from functools import partial
from typing import Any, Iterable, TextIO

from .._caseload import Settings, available_cores, records
from .._errors import Problem
from .._evaluate import _as_date
from ..case._model import Refusal
from ..output._ordering import ChildOrderedSink
from ..output._records import ChildRecord, Rendering, render
from ..output._summary import CaseloadSummary
from ..output._tables import ObligationFilter, csv_header, jsonl_header, rules_index
from ..policy._model import Policy
from ._common import UsageError, iso_date, policy_arg
from ._inputs import add_caseload_inputs, finish_run, reader_for

__all__ = ["add_caseload_command"]

FORMATS = ("csv", "jsonl", "json", "summary")


def add_caseload_command(sub: argparse._SubParsersAction) -> None:
    ca = sub.add_parser(
        "caseload",
        help="a whole caseload (SSDA903 returns, case files, JSON Lines) to CSV, JSON Lines or a summary",
        description="Evaluate every child of a caseload and write one row per obligation (csv), one line per "
        "child (jsonl), one JSON document (json) or a short summary for a person (summary). Refusals and "
        "warnings go to standard error; the last line there is 'N children evaluated, M refused'.",
    )
    add_caseload_inputs(ca)
    ca.add_argument("--format", "-f", choices=FORMATS, default="csv", help="what to write (default: csv)")
    ca.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    ca.add_argument("--status", action="append", metavar="STATUS", help="only obligations with this status (repeatable)")
    ca.add_argument("--kind", action="append", metavar="PREFIX", help="only obligation kinds starting with PREFIX, e.g. review. (repeatable)")
    ca.add_argument("--due-from", type=iso_date, metavar="YYYY-MM-DD", help="only obligations due on or after this date")
    ca.add_argument("--due-to", type=iso_date, metavar="YYYY-MM-DD", help="only obligations due on or before this date")
    ca.add_argument("--sources", action="store_true", help="jsonl/json: give each item its quoted source, not once per run")
    ca.add_argument(
        "--order",
        choices=("child", "input"),
        default="child",
        help="child: rows sorted by child, as the contract says (default); input: in the order read, written at once",
    )
    ca.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: the cores available); the output is the same whatever N is",
    )
    ca.add_argument("--quiet", "-q", action="store_true", help="no progress bar (it shows only on a terminal anyway)")
    ca.set_defaults(handler=_caseload)


def _filter(args: argparse.Namespace) -> ObligationFilter:
    from .._vocabulary import STATUSES

    statuses = None
    if args.status:
        bad = [s for s in args.status if s not in STATUSES]
        if bad:
            raise UsageError(f"--status {bad[0]}: not a status (allowed: {', '.join(STATUSES)})")
        statuses = frozenset(args.status)
    due_from, due_to = args.due_from, args.due_to
    return ObligationFilter(statuses, tuple(args.kind) if args.kind else None, due_from, due_to)


class _Errors:
    """Standard error during a run: one line each, kept clear of the progress bar."""

    def __init__(self, err: TextIO, quiet: bool):
        self.err = err
        self.bar: Any = None
        # Lines for a file or pipe are written a few hundred at a time: standard error flushes
        # at every newline, and a 903 run warns for most children (a write to the file each
        # cost the process that also feeds the workers a tenth of its time). On a terminal
        # each line shows as it comes.
        terminal = hasattr(err, "isatty") and err.isatty()
        self.pending: list[str] | None = None if terminal else []
        if not quiet and terminal:
            try:
                from tqdm import tqdm

                self.bar = tqdm(file=err, unit=" children", dynamic_ncols=True, leave=False)
            except ImportError:  # pragma: no cover - tqdm is a dependency
                self.bar = None

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.err)
        elif self.pending is not None:
            self.pending.append(text)
            if len(self.pending) >= _LINES_HELD:
                self.flush()
        else:
            self.err.write(text + "\n")

    def flush(self) -> None:
        if self.pending:
            self.err.write("\n".join(self.pending) + "\n")
            self.pending.clear()

    def tick(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        self.flush()
        if self.bar is not None:
            self.bar.close()


_LINES_HELD = 500


def _caseload(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = policy_arg(args.policy, args.reading, args.stdin)
    keep = _filter(args)
    as_of = _as_date(args.as_of)
    jobs = available_cores() if args.jobs is None else args.jobs
    if jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give 1 or more worker processes")
    reader = reader_for(args)
    rendering = Rendering(args.format, as_of, keep, compact=not args.sources)
    # The compact output never shows other readings' dates: not worked out unless --sources asks.
    # A CSV or a summary needs only each child's rows, not its whole result.
    rows = args.format in ("csv", "summary")
    # An unfiltered CSV needs not even the rows: each child's lines are written as they are sorted.
    csv = args.format == "csv" and not keep.active
    settings = Settings(policy, as_of, args.backend, args.strict, args.sources, partial(render, rendering), rows, csv)
    target = _output_file(args.output) if args.output else out
    errors = _Errors(err, args.quiet)
    summary = CaseloadSummary(as_of, {"id": policy.id, "version": policy.version, "digest": policy.digest})
    seen: dict[str, str | None] = {}

    def once(record: ChildRecord) -> ChildRecord:
        """Each child once in a run: a second child with the same id is refused, naming the first."""
        if record.refused or record.child is None:
            return record
        if record.child in seen:
            first = seen[record.child]
            file, _, line = (record.where or "").rpartition(":")
            problem = Problem(
                f"child id '{record.child}' was already read (at {first}); each child needs one entry in a caseload",
                file=file or record.where,
                line=int(line) if line.isdigit() else None,
                child=record.child,
                code="duplicate-child",
            )
            return render(rendering, Refusal(record.child, (problem,), problem.file, problem.line), record.where)
        seen[record.child] = record.where
        return record

    try:
        written = _write(args.format, records(reader.units(), settings, jobs, once), target, policy, as_of, summary, errors, reader, args)
    finally:
        errors.close()
        if args.output:
            target.close()
    del written
    return finish_run(reader, summary.evaluated, summary.refused, err)


def _output_file(path: str) -> TextIO:
    """The --output file, opened to be read back too where it can be: children that come in
    order are then written straight to it (``output._ordering``)."""
    # A buffer of a megabyte: a national run writes a gigabyte, and a write to the file for
    # each child's few kilobytes cost the calling process more than all else it does.
    try:
        return open(path, "w+", encoding="utf-8", newline="", buffering=_OUTPUT_BUFFER)
    except PermissionError:  # may be written but not read: sorted through temporary files instead
        return open(path, "w", encoding="utf-8", newline="", buffering=_OUTPUT_BUFFER)


_OUTPUT_BUFFER = 1 << 20


def _write(
    fmt: str,
    children: Iterable[ChildRecord],
    out: TextIO,
    policy: Policy,
    as_of: date,
    summary: CaseloadSummary,
    errors: _Errors,
    reader: Any,
    args: argparse.Namespace,
) -> int:
    compact = not args.sources
    order = "input" if args.order == "input" else "presorted" if reader.in_child_order else "sort"
    sink = None
    if fmt != "summary":  # the json results array's elements are joined with commas as they are written
        sink = ChildOrderedSink(_Commas(out) if fmt == "json" else out, order)  # type: ignore[arg-type]
    if fmt == "csv":
        out.write(csv_header())
    elif fmt == "jsonl":
        out.write(jsonl_header(policy, as_of, compact))
    elif fmt == "json":
        head: dict[str, Any] = {"policy": {"id": policy.id, "version": policy.version, "digest": policy.digest}}
        head["as_of"] = as_of.isoformat()
        if compact:
            head["rules"] = rules_index(policy)
        out.write(json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"results":[')
    count = 0
    refusals: list[dict[str, Any]] = []
    for record in children:
        summary.merge(record.part)
        errors.tick()
        for line in record.lines:
            errors.line(line)
        if sink is None:
            continue
        if record.refused and fmt == "json":
            refusals.append(_refusal_dict(record.text))
            continue
        if record.text:
            sink.add(record.child, record.text)
        count += 1
    if sink is not None:
        sink.close()
    for problem in reader.problems:  # read, but belonging to no child: counted in the summary too
        summary.problem(problem.code)
    if fmt == "json":
        tail = {"refused": sorted(refusals, key=lambda r: r["child"] or ""), "summary": summary.to_dict()}
        out.write("]," + json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:] + "\n")
    if fmt == "summary":
        out.write(summary.text())
    return count


def _refusal_dict(text: str) -> dict[str, Any]:
    data = json.loads(text)
    del data["record"]
    return data


class _Commas:
    """Joins the array elements a sink writes (each ends in a newline) with commas."""

    def __init__(self, out: TextIO):
        self.out = out
        self.first = True

    def write(self, text: str) -> None:
        self.out.write(("" if self.first else ",") + text.rstrip("\n"))
        self.first = False
