"""What every command shares: exit statuses, usage errors, and reading a policy argument."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..policy._loading import load_policy
from ..policy._model import Policy
from ..policy._readings import parse_reading_choice, with_readings

__all__ = [
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_PROBLEMS",
    "EXIT_INTERNAL",
    "UsageError",
    "add_reading_option",
    "policy_arg",
    "relative",
]

EXIT_OK = 0
EXIT_FAILED = 1  # scenarios failed, rules not exercised, policies differ, or children refused
EXIT_PROBLEMS = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


def policy_arg(text: str, readings: list[str] | None = None) -> Policy:
    """A policy id or file, optionally POLICY@VERSION for one of its dated versions, computed
    under other readings (``RULE=ALTERNATIVE`` each, as ``--reading`` gives them)."""
    name, _, label = text.partition("@")
    policy = load_policy(name)
    if label:
        try:
            policy = policy.at(label)
        except KeyError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
    if readings:
        policy = with_readings(policy, [parse_reading_choice(choice) for choice in readings])
    return policy


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
