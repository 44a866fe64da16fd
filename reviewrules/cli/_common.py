"""What every command shares: exit statuses, usage errors, and reading a policy argument."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from ..case._model import parse_date
from ..policy._loading import load_policy, load_policy_text
from ..policy._model import Policy
from ..policy._readings import parse_reading_choice, with_readings

__all__ = [
    "BACKEND_HELP",
    "POLICY_HELP",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_PROBLEMS",
    "EXIT_INTERNAL",
    "UsageError",
    "iso_date",
    "add_as_of",
    "add_reading_option",
    "policy_arg",
    "relative",
]

POLICY_HELP = "bundled policy id (york), a policy file, POLICY@VERSION for one dated version, or - for standard input"
BACKEND_HELP = "rules engine: auto (durable-rules where it imports, else python), durable or python; all give the same result"

EXIT_OK = 0
EXIT_FAILED = 1  # scenarios failed, rules not exercised, policies differ, or children refused
EXIT_PROBLEMS = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A bad argument: reported as one line, ``reviewrules COMMAND: --option: what is wrong``,
    exit status 2. ``command`` is filled in by ``main`` where the raiser does not know it."""

    def __init__(self, message: str, command: str | None = None):
        super().__init__(message)
        self.message = message
        self.command = command

    def render(self, command: str | None = None) -> str:
        prog = " ".join(w for w in ("reviewrules", self.command or command) if w)
        return f"{prog}: {self.message}"


def iso_date(text: str) -> date:
    """An argparse type: a date written YYYY-MM-DD, as in case files (and nothing else)."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def policy_arg(text: str, readings: list[str] | None = None, stdin: TextIO | None = None) -> Policy:
    """A policy id or file, or ``-`` for one on standard input, optionally POLICY@VERSION for
    one of its dated versions, computed under other readings (``RULE=ALTERNATIVE`` each, as
    ``--reading`` gives them)."""
    name, _, label = text.partition("@")
    if name == "-":
        if stdin is None:
            raise UsageError("- (standard input) cannot be read here")
        policy = load_policy_text(stdin.read(), "<stdin>", beside=Path.cwd())
    elif Path(name).is_dir():
        found = sorted(p.name for p in Path(name).glob("*.y*ml"))
        listed = f" (it holds {', '.join(found[:5])}{', ...' if len(found) > 5 else ''})" if found else ""
        raise UsageError(f"{name}: a policy is one file, and this is a folder{listed}")
    else:
        policy = load_policy(name)
    if label:
        try:
            policy = policy.at(label)
        except KeyError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
    if readings:
        policy = with_readings(policy, [parse_reading_choice(choice) for choice in readings])
    return policy


def add_as_of(parser: Any, what: str = "evaluate as of this date") -> None:
    parser.add_argument(
        "--as-of",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help=f"{what} (default: today in Europe/London)",
    )


def add_reading_option(parser: Any, name: str = "--reading", what: str = "the policy") -> None:
    parser.add_argument(
        name,
        action="append",
        metavar="RULE=ALTERNATIVE",
        help=f"compute {what} under another reading of a rule's text (repeatable; 'reviewrules readings POLICY' lists them)",
    )


def relative(path: Path) -> str:
    """A path relative to the working directory when it lies below it, for shorter messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
