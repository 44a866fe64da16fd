"""One root exception and the structured problems every error carries.

A problem says where (file, line, column, JSON path, rule id, child id, event),
what was wrong and what is allowed, and renders as one line:

    policies/york.yaml:14:5: $.rules[2].offset: must be ...

Loading and validation collect every problem before raising, as jsonschema's
``iter_errors`` does, so a policy officer fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = [
    "Problem",
    "ReviewRulesError",
    "PolicyError",
    "CaseError",
    "EvaluationError",
    "format_path",
]


def format_path(path: Sequence[str | int]) -> str:
    """Render a JSON path the way jsonschema's ``json_path`` does: ``$.rules[2].offset``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}"
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: tuple[str | int, ...] | None = None
    code: str = "invalid"
    rule: str | None = None
    child: str | None = None
    event: int | None = None
    hint: str | None = None

    def render(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            loc = self.file
            if self.line is not None:
                loc += f":{self.line}"
                if self.column is not None:
                    loc += f":{self.column}"
            parts.append(loc)
        if self.child is not None:
            who = f"child {self.child}"
            if self.event is not None:
                who += f", event {self.event + 1}"
            parts.append(who)
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        if self.path is not None:
            parts.append(format_path(self.path))
        text = self.message
        if self.hint:
            text += f" ({self.hint})"
        parts.append(text)
        return ": ".join(parts)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        for name in ("file", "line", "column", "rule", "child", "hint"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.path is not None:
            out["path"] = format_path(self.path)
        if self.event is not None:
            out["event"] = self.event + 1
        return out

    def __str__(self) -> str:
        return self.render()


class ReviewRulesError(Exception):
    """Root of every error this library raises on purpose."""

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.render() for p in self.problems))

    def lines(self) -> list[str]:
        return [p.render() for p in self.problems]


class PolicyError(ReviewRulesError):
    """A policy file is unreadable, fails its schema or its semantic checks."""


class CaseError(ReviewRulesError):
    """A case file is unreadable or describes an impossible history."""


class EvaluationError(ReviewRulesError):
    """Evaluation could not finish (for example, rules that never stop)."""


@dataclass
class ProblemList:
    """Collects problems while checking; raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, error: type[ReviewRulesError]) -> None:
        if self.problems:
            raise error(self.problems)
