"""What every command shares: exit statuses, usage errors, and reading a policy argument."""

from __future__ import annotations

from pathlib import Path

from ..policy._loading import load_policy
from ..policy._model import Policy

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_PROBLEMS", "EXIT_INTERNAL", "UsageError", "policy_arg", "relative"]

EXIT_OK = 0
EXIT_FAILED = 1  # scenarios failed, rules not exercised, policies differ, or children refused
EXIT_PROBLEMS = 2
EXIT_INTERNAL = 3


class UsageError(Exception):
    """A bad argument: reported as one line, exit status 2."""


def policy_arg(text: str) -> Policy:
    """A policy id or file, optionally POLICY@VERSION for one of its dated versions."""
    name, _, label = text.partition("@")
    policy = load_policy(name)
    if not label:
        return policy
    try:
        return policy.at(label)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None


def relative(path: Path) -> str:
    """A path relative to the working directory when it lies below it, for shorter messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
