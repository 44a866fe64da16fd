"""The ``reviewrules`` command line. ``main(argv)`` returns the exit status.

Exit 0 on success; 2 with one line per problem on stderr for a bad policy, a
bad case file or bad arguments; never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import traceback
from typing import NoReturn, Sequence, TextIO

from .._errors import ReviewRulesError
from ._case_commands import add_case_commands
from ._caseload_command import add_caseload_command
from ._common import EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, UsageError
from ._docs_command import add_docs_command
from ._policy_commands import add_policy_commands
from ._report_commands import add_report_commands
from ._serve_command import add_serve_command

__all__ = ["main", "run"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        # "argument --as-of: ..." -> "--as-of: ...", the option as the location, as a file is elsewhere
        message = re.sub(r"^argument ([^:]+): ", lambda m: f"{m.group(1).split('/')[0]}: ", message)
        command = self.prog.removeprefix("reviewrules").strip() or None
        raise UsageError(f"{message} (see '{self.prog} --help')", command)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reviewrules",
        description="Statutory review deadlines for looked-after children, from YAML policies.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    add_case_commands(sub)
    add_caseload_command(sub)
    add_policy_commands(sub)
    add_report_commands(sub)
    add_serve_command(sub)
    add_docs_command(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one command; returns the exit status. Streams default to the process's own."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    command: str | None = None
    try:
        parser = _parser()
        with contextlib.redirect_stdout(out):  # --help goes where the caller asked
            args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            # argparse's private attributes, typed loosely: the subparsers action's choices are its commands.
            commands = ", ".join(sorted(parser._subparsers._group_actions[0].choices))  # type: ignore[union-attr, arg-type]
            raise UsageError(f"missing command: {commands} (see 'reviewrules --help')")
        command = args.command
        given = list(sys.argv[1:] if argv is None else argv)
        if given.count("-") > 1:
            raise UsageError("standard input (-) can be read only once: give the other inputs as files")
        args.stdin = stdin if stdin is not None else sys.stdin
        return args.handler(args, out, err)
    except UsageError as exc:
        err.write(exc.render(command) + "\n")
        return EXIT_PROBLEMS
    except ReviewRulesError as exc:
        for problem in exc.problems:  # one style: where first; an argument's command where no file is known
            where = "" if problem.file is not None or command is None else f"reviewrules {command}: "
            err.write(where + problem.render() + "\n")
        return EXIT_PROBLEMS
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line; the traceback on request
        if os.environ.get("REVIEWRULES_DEBUG"):
            traceback.print_exc(file=err)
        prog = f"reviewrules {command}" if command else "reviewrules"
        err.write(f"{prog}: internal error: {type(exc).__name__}: {exc} (set REVIEWRULES_DEBUG=1 for details)\n")
        return EXIT_INTERNAL


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
