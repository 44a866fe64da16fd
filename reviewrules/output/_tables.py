"""Caseload output: one CSV row per obligation, or one compact JSON line per child.

The CSV's columns and order are fixed by the contract (section 6). The JSON Lines
form leaves out each item's quoted source and the rule's own notes, which come
once per run in the first line; ``--sources`` (``compact=False``) puts them back.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..case._model import Case, CaseWarning, Refusal
from ..engine._facts import UNKNOWN_REVIEW, Session
from ..engine._result import Obligation, Result
from ..engine._rows import ChildRows, Row, result_rows
from ..policy._model import Policy

__all__ = ["CSV_COLUMNS", "ObligationFilter", "ChildCsv", "child_csv", "csv_header", "csv_rows", "jsonl_header", "jsonl_result", "jsonl_refusal", "rules_index"]

CSV_COLUMNS = ("child", "period", "kind", "review", "due", "done", "status", "owner", "rule")


@dataclass(frozen=True)
class ObligationFilter:
    """Which obligations a caseload run writes: by status, kind prefix and due date (inclusive)."""

    statuses: frozenset[str] | None = None
    kinds: tuple[str, ...] | None = None  # prefixes: "review." matches every review
    due_from: date | None = None
    due_to: date | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.statuses, self.kinds, self.due_from, self.due_to))

    def keep(self, obligation: Obligation) -> bool:
        return self._keeps(obligation.due, obligation.kind, obligation.status)

    def keep_row(self, row: Row) -> bool:
        return self._keeps(row[0], row[1], row[4])

    def _keeps(self, due: date, kind: str, status: str) -> bool:
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.kinds is not None and not kind.startswith(self.kinds):
            return False
        if self.due_from is not None and due < self.due_from:
            return False
        if self.due_to is not None and due > self.due_to:
            return False
        return True


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


_NEEDS_QUOTES = re.compile('[,"\r\n]')


def _quoted(text: str) -> str:
    """A CSV field as the csv module writes it (quoted only when it must be)."""
    if _NEEDS_QUOTES.search(text) or text[:1] == " " or text[-1:] == " ":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow((text,))
        return buffer.getvalue()
    return text


# Dates as the CSV writes them, worked out once each: a caseload writes the same few thousand
# dates millions of times. Cleared if it ever grows past what any caseload's dates need.
_ISO: dict[date, str] = {}
_ISO_LIMIT = 1 << 16


def _iso(day: date) -> str:
    text = _ISO.get(day)
    if text is None:
        if len(_ISO) >= _ISO_LIMIT:
            _ISO.clear()
        text = _ISO[day] = day.isoformat()
    return text


def csv_rows(result: Result | ChildRows, keep: ObligationFilter | None = None) -> str:
    """The CSV rows of one child's obligations, in the result's order.

    Kinds, statuses, owners, rule ids and dates never need quoting (the schema's
    patterns); the child id is quoted as the csv module would, where it must be.
    """
    child = _quoted(result.child)
    rows = result_rows(result)
    if keep is not None and keep.active:
        rows = tuple(row for row in rows if keep.keep_row(row))
    out: list[str] = []
    append = out.append
    dates = _ISO
    heads: dict[date | None, str] = {}  # the child and period columns, once per period
    for due, kind, review, rule, status, period, done, owner in rows:
        head = heads.get(period)
        if head is None:
            head = heads[period] = f"{child},{_iso(period) if period else ''},"
        due_text = dates.get(due) or _iso(due)
        done_text = (dates.get(done) or _iso(done)) if done else ""
        append(f"{head}{kind},{'' if review is None else review},{due_text},{done_text},{status},{owner or ''},{rule}\n")
    return "".join(out)


@dataclass(frozen=True)
class ChildCsv:
    """A child's CSV rows, written as they were sorted: what an unfiltered CSV needs of a child."""

    child: str
    text: str
    warnings: tuple[CaseWarning, ...]


def child_csv(case: Case, sessions: list[Session], warnings: tuple[CaseWarning, ...]) -> ChildCsv:
    """``csv_rows(child_rows(case, sessions, warnings))``, in one pass over the settled facts.

    Each obligation's line is written at once, after the key ``engine._rows.child_rows``
    sorts its rows by (the result's order, then the number as made), so the lines come in
    the same order and read the same; a national CSV then never holds its rows as tuples
    (``tests/test_rows.py`` checks the two ways agree).
    """
    child = _quoted(case.child_id)
    keyed: list[tuple[object, ...]] = []
    append = keyed.append
    dates = _ISO
    made = 0
    for session in sessions:
        period = session.index.start
        placed = period or date.min
        head = f"{child},{_iso(period) if period else ''},"
        for fact in session.facts.values():
            rule = fact.rule
            if rule is None or fact.fact != "obligation":  # an event, the review the records begin with, or no obligation
                continue
            review = fact.review
            if review is not None and review >= UNKNOWN_REVIEW:
                review = None
            due, kind, rule_id, status, done = fact.due, fact.kind, rule.qualified_id, fact.status, fact.done
            assert due is not None and status is not None
            due_text = dates.get(due) or _iso(due)
            done_text = (dates.get(done) or _iso(done)) if done else ""
            line = f"{head}{kind},{'' if review is None else review},{due_text},{done_text},{status},{fact.owner or ''},{rule_id}\n"
            append((due, kind, review or 0, rule_id, status, placed, made, line))
            made += 1
    keyed.sort()
    return ChildCsv(case.child_id, "".join([item[7] for item in keyed]), warnings)  # type: ignore[misc]


def rules_index(policy: Policy) -> dict[str, Any]:
    """Each rule's source and notes, by qualified id: given once per run instead of on every item."""
    out: dict[str, Any] = {}
    for rule in policy.rules:
        entry: dict[str, Any] = {"source": rule.source.to_dict(), "notes": list(rule.notes)}
        if rule.alternatives:
            entry["alternatives"] = [a.id for a in rule.alternatives]
        out[rule.qualified_id] = entry
    return out


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def jsonl_header(policy: Policy, as_of: date, compact: bool = True) -> str:
    """The first line of a caseload's JSON Lines: the policy, the as-of date and, when compact, the rules."""
    head: dict[str, Any] = {
        "record": "run",
        "policy": {"id": policy.id, "version": policy.version, "digest": policy.digest},
        "as_of": as_of.isoformat(),
    }
    if compact:
        head["rules"] = rules_index(policy)
    return _dumps(head) + "\n"


def jsonl_result(result: Result, keep: ObligationFilter | None = None, compact: bool = True) -> str:
    """One child's result on one line; compact leaves out what the run's first line gives once."""
    data = result.to_dict(compact=compact)
    if compact:
        del data["policy"], data["as_of"]
    if keep is not None and keep.active:
        data["obligations"] = [o.to_dict(compact=compact) for o in result.obligations if keep.keep(o)]
    return _dumps({"record": "result", **data}) + "\n"


def jsonl_refusal(refusal: Refusal) -> str:
    return _dumps({"record": "refused", **refusal.to_dict()}) + "\n"

