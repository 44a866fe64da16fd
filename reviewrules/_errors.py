"""One root exception and the structured problems every error carries.

A problem says where (file, line, column, JSON path, rule id, child id, event),
what was wrong and what is allowed, and renders as one line:

    policies/york.yaml:14:5: $.rules[2].offset: must be ...

Loading and validation collect every problem before raising, as jsonschema's
``iter_errors`` does, so a policy officer fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = [
    "HINTS",
    "Problem",
    "ReviewRulesError",
    "PolicyError",
    "CaseError",
    "EvaluationError",
    "CalendarRangeError",
    "format_path",
]


# How to fix each kind of problem: one stable code each, listed in docs/errors.md
# ('reviewrules docs errors'). A hint names only what an installed user can open.
HINTS: dict[str, str] = {
    # Reading files
    "not-found": "check the path, or run 'reviewrules policies' for the bundled ids",
    "unreadable": "save the file as UTF-8 text",
    "empty": "the file has nothing in it",
    "too-large": "split the file; and do not use aliases that expand to thousands of values",
    "yaml": "check the indentation and the brackets and quotes near this line",
    "duplicate-key": "keep one of the two keys",
    "yaml-tag": "remove the tag (the '!!...' word) and write the plain value: only plain YAML is read",
    "unknown-file": "a policy has id, document and rules; a case file has child and events, or children",
    # Policies
    "schema": "run 'reviewrules docs policy-format' (a policy) or 'reviewrules docs case-format' (a case) for the fields and values allowed here",
    "duplicate-rule": "rename one of the rules, or merge them",
    "duplicate-policy": "each policy the server answers with needs its own id: rename one (its id:)",
    "offset": "write a number, a unit and before/after, e.g. '10 working days before'",
    "offset-unit": "add the unit the document uses: '20 working days after' or '20 days after'",
    "unknown-event": "use an event type listed in 'reviewrules docs case-format'",
    "unknown-field": "use a field the event or obligation has ('reviewrules docs policy-format', under 'when')",
    "unknown-category": "use a significant_event category listed in 'reviewrules docs case-format'",
    "unknown-kind": "fix the spelling, or declare the kind under kinds: with its meaning",
    "when": "name exactly one of event, obligation or escalation, and only the conditions that fit it",
    "anchor": "count from a date the trigger has: event or {birthday: N} for events; due, done or review_date for obligations",
    "review-spec": "give a review number, next or none",
    "owner": "add owner: with the role whose task it is",
    "notice-trigger": "make the notice react to an event or an obligation",
    "lapse-trigger": "make the lapse react to the obligations it ends",
    "met-by": "compare only fields both events have (same: [id])",
    "cycle": "make one rule in the loop count from the date a review was held (from: done)",
    "override-missing": "add override: true to replace the inherited rule, or give the rule a new id",
    "override-unknown": "remove override: true, or correct the id (reviewrules show PARENT lists the inherited ids)",
    "remove-unknown": "correct the id (reviewrules show PARENT lists the inherited ids)",
    "extends": "give a bundled id (reviewrules policies) or a path relative to this file, and fix the parent first",
    "version-order": "list versions oldest first, each from a later date, the last matching document.version",
    # Cases
    "date": "write a real date as YYYY-MM-DD",
    "case": "give one child as {child, events}, or many under children:",
    "no-start": "add the became_looked_after event the deadlines count from",
    "two-starts": "add the ceased_looked_after that ended the earlier period of care, on a day before the new start",
    "two-ends": "keep one ceased_looked_after per period of care; a new period starts with became_looked_after",
    "adult": "correct the date of birth or the start date: a child is looked after only before the 18th birthday",
    "outside-period": "correct the date, or add the became_looked_after / ceased_looked_after that puts it in a period",
    "before-records": "nothing to fix: the review is before records_from, so the cycle is counted from the next one",
    "history-incomplete": "load earlier years (or set records_from earlier) to judge the period's first reviews",
    "dob-after-start": "correct the date of birth or the start date",
    "before-birth": "correct the date of birth or the event's date",
    "duplicate-event": "remove the repeated event (one per thing that happened)",
    "review-number": "number reviews in the order they were held, or leave review: out",
    "unknown-recommendation": "record the recommendation_made event with this id first",
    "duplicate-child": "merge the two entries for this child",
    "unknown-task": "use an obligation kind of the policy (reviewrules show POLICY lists them)",
    "task-review": "add review: N to say which review the task belongs to",
    # Evaluation and arguments
    "calendar-range": "correct the date the count starts from: it is at the very end or start of the calendar",
    "runaway": "check for rules that keep triggering each other (reviewrules validate)",
    "usage": "run 'reviewrules --help', or 'reviewrules COMMAND --help'",
    "backend": "use backend 'python' (or 'auto') on this Python",
    "invalid": "see the message",
    # SSDA903 returns
    "bad-xml": "save the return as the DfE's XML (root EXPSSDA903, no DOCTYPE), or give its CSV tables instead",
    "unknown-table": "give the file exactly one 903 table's columns ('reviewrules docs ssda903' lists them), or leave it out",
    "table-not-mapped": "nothing to do: this table does not affect review deadlines",
    "duplicate-table": "keep one file per table in each return (or give each year its own folder or year in the name)",
    "collection-year-unknown": "put the year in the file names (e.g. 2019-20_episodes.csv) or give collection_year",
    "collection-year-mismatch": "check the file's year, or give collection_year",
    "no-child-id": "fill in CHILD, or delete the row",
    "blank-rows": "delete the empty rows (nothing is lost)",
    "row-shape": "give the row one value per column (quote values that contain commas)",
    "bad-date": "write a real date as dd/mm/yyyy",
    "two-digit-year": "write the year with four digits: dd/mm/yyyy",
    "missing-value": "fill in the value; the 903 requires it",
    "dec-before-decom": "correct DEC or DECOM: an episode ends on or after the day it starts",
    "unknown-code": "use a code from the 903 code lists ('reviewrules docs ssda903')",
    "duplicate-row": "keep one row for this record (the newest return's is used)",
    "start-unknown": "load the earlier years' returns back to the child's RNE S episode",
    "end-unknown": "give the episode its real DEC and REC",
    "continuity": "make each episode start on the day the previous one ended, with REC X1 inside a period and RNE S after one",
    "overlap": "correct the DEC, or the next episode's DECOM: episodes must not overlap",
    "rec-on-open-episode": "leave REC blank while DEC is blank",
    "short-breaks-skipped": "nothing to do (short_breaks='keep' evaluates them)",
    "review-outside-period": "correct the review date, or load the returns that hold the period it belongs to",
    "event-outside-period": "correct the date, or load the returns that hold the period it belongs to",
    "missing-away": "nothing to do (missing_away=True counts these too)",
    "no-header": "add the child's Header row, with their DOB",
    "dob-dropped": "correct the date of birth in the Header table",
    "dob-mismatch": "make Reviews.DOB the Header's DOB",
    "no-episodes": "give the child's Episodes rows (or remove the child from the other tables)",
    "only-short-breaks": "nothing to do (short_breaks='keep' evaluates them)",
}


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

    def render(self, severity: str | None = None) -> str:
        """``file:line:col: child C, event N: rule R: $.path: message``, with what is known;
        ``severity`` ("warning", "refused") goes after the location, before the message."""
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
        parts.append(f"{severity}: {text}" if severity else text)
        return ": ".join(parts)

    @property
    def fix(self) -> str | None:
        """How to fix it: the problem's own hint, else the one for its code."""
        return self.hint or HINTS.get(self.code)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fix:
            out["fix"] = self.fix
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


class CalendarRangeError(EvaluationError, OverflowError):
    """A count passed the first or last day of the calendar (0001-01-01, 9999-12-31): there
    is no such date to give. An OverflowError too, as date arithmetic's own error is."""
