"""What the commands that read a caseload share: their input options, the reader, and how a
run ends (the contract's last line on standard error, and the exit status)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import TextIO

from .._errors import CaseError, Problem
from .._evaluate import BACKENDS
from ..case._files import load_case_file, load_case_text
from ..case._model import Case, Refusal
from ..case._stream import CASE_SUFFIXES, CaseReader, is_json_line, read_cases
from ._common import BACKEND_HELP, EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, POLICY_HELP, add_as_of, add_reading_option

__all__ = ["CASES_HELP", "LOST", "PATHS_HELP", "add_caseload_inputs", "reader_for", "finish_run", "read_children"]

CASES_HELP = (
    "a case file (YAML or JSON: one child, or many under children:), a JSON Lines file, an SSDA903 return, "
    "a folder of any of these (read recursively), or - for standard input (a case document or JSON Lines)"
)

# A file that could not be read at all loses its children: the run is not clean.
LOST = ("not-found", "unreadable", "yaml", "too-large", "empty", "case", "schema")

PATHS_HELP = (
    "an SSDA903 folder or file (CSV or XML), a case file (YAML/JSON), a JSON Lines file (.jsonl), "
    "a folder of any of these, or - for JSON Lines on standard input"
)


def add_caseload_inputs(parser: argparse.ArgumentParser, paths_help: str = PATHS_HELP) -> None:
    """PATH..., the policy (with --reading), the as-of date, the backend, --strict and the 903 options."""
    parser.add_argument("paths", metavar="PATH", nargs="+", help=paths_help)
    parser.add_argument("--policy", "-p", required=True, help=POLICY_HELP)
    add_as_of(parser)
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    parser.add_argument("--strict", action="store_true", help="refuse a child with any warning (data read but not used)")
    add_reading_option(parser)
    g = parser.add_argument_group("SSDA903 returns (docs/ssda903.md)")
    g.add_argument("--la", metavar="CODE", help="prefix each CHILD with CODE: (to merge several authorities' returns)")
    g.add_argument(
        "--short-breaks", choices=("keep", "skip"), default="keep", help="periods of short breaks only (V3/V4): keep (default) or skip"
    )
    g.add_argument(
        "--no-same-carer-moves", action="store_true", help="a new placement with the same carer (RNE T/U) is not a placement change"
    )
    g.add_argument("--missing-away", action="store_true", help="count 'away without authorisation' (MISSING = A) as missing")


def reader_for(args: argparse.Namespace) -> CaseReader:
    return read_cases(
        args.paths,
        stdin=args.stdin,
        la=args.la,
        same_carer_moves=not args.no_same_carer_moves,
        short_breaks=args.short_breaks,
        missing_away=args.missing_away,
    )


def finish_run(reader: CaseReader, evaluated: int, refused: int, err: TextIO) -> int:
    """What belongs to no child, then exactly ``N children evaluated, M refused``; the exit
    status is 0 when none was refused, 1 when some were (or a file was lost), 2 when nothing
    could be read at all (contract section 6)."""
    for problem in reader.problems:
        err.write(problem.render("warning" if problem.code not in LOST else "error") + "\n")
    err.write(f"{evaluated} children evaluated, {refused} refused\n")
    if evaluated + refused == 0:
        return EXIT_PROBLEMS
    lost = any(p.code in LOST for p in reader.problems)
    return EXIT_FAILED if refused or lost else EXIT_OK


def read_children(paths: list[str], stdin: TextIO) -> tuple[list[Case], bool, list[Problem]]:
    """The children for ``evaluate`` and ``explain``, from files, folders or ``-``: the cases,
    whether to answer as for many children (more than one input, a folder, ``children:``,
    JSON Lines or a 903 return), and the warnings that refused nobody. A child refused or a
    file lost raises CaseError naming every problem: these commands answer for every child
    given or for none."""
    if len(paths) == 1:
        only = paths[0]
        if only == "-":
            text = stdin.read()
            if not (text.strip() and is_json_line(next(line for line in text.splitlines() if line.strip()))):
                if not text.strip():
                    raise CaseError([Problem("nothing on standard input", file="<stdin>", code="empty")])
                cases, many = load_case_text(text, "<stdin>")
                return cases, many, []
            stdin = io.StringIO(text)
        elif Path(only).is_file() and Path(only).suffix.lower() in CASE_SUFFIXES:
            cases, many = load_case_file(only)
            return cases, many, []
    reader = read_cases(paths, stdin=stdin)
    cases = []
    refused: list[Problem] = []
    for item in reader:
        if isinstance(item, Refusal):
            refused += item.problems
        else:
            cases.append(item)
    lost = [p for p in reader.problems if p.code in LOST]
    if refused or lost or not (cases or reader.problems):
        raise CaseError(lost + refused or [Problem("no children in the input given", file=", ".join(paths), code="case")])
    if not cases:
        raise CaseError(reader.problems)
    return cases, True, [p for p in reader.problems if p.code not in LOST]
