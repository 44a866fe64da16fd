"""What the commands that read a caseload share: their input options, the reader, and how a
run ends (the contract's last line on standard error, and the exit status)."""

from __future__ import annotations

import argparse
from typing import TextIO

from .._evaluate import BACKENDS
from ..case._stream import CaseReader, read_cases
from ._common import EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, add_reading_option

__all__ = ["LOST", "PATHS_HELP", "add_caseload_inputs", "reader_for", "finish_run"]

# A file that could not be read at all loses its children: the run is not clean.
LOST = ("not-found", "unreadable", "yaml", "too-large", "empty", "case", "schema")

PATHS_HELP = (
    "an SSDA903 folder or file (CSV or XML), a case file (YAML/JSON), a JSON Lines file (.jsonl), "
    "a folder of any of these, or - for JSON Lines on standard input"
)


def add_caseload_inputs(parser: argparse.ArgumentParser, paths_help: str = PATHS_HELP) -> None:
    """PATH..., the policy (with --reading), the as-of date, the backend, --strict and the 903 options."""
    parser.add_argument("paths", metavar="PATH", nargs="+", help=paths_help)
    parser.add_argument("--policy", "-p", required=True, help="bundled policy id (york), a policy file, or POLICY@VERSION")
    parser.add_argument("--as-of", help="evaluate as of this date, YYYY-MM-DD (default: today in Europe/London)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="rules engine (default: auto)")
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
        err.write(f"{'warning' if problem.code not in LOST else 'error'}: {problem.render()}\n")
    err.write(f"{evaluated} children evaluated, {refused} refused\n")
    if evaluated + refused == 0:
        return EXIT_PROBLEMS
    lost = any(p.code in LOST for p in reader.problems)
    return EXIT_FAILED if refused or lost else EXIT_OK
