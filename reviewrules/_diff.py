"""What differs between two policies (or two versions of one): ``reviewrules diff A B``.

* Structural: rules added, removed and changed (matched by id), with the
  timescales in words side by side and both quotes.
* Behavioural: both policies evaluated over a corpus of cases (the bundled
  scenarios' cases by default), listing every obligation whose due date or status
  differs, and by how many days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from ._errors import CaseError
from ._evaluate import evaluate
from .case._files import cases_from_document
from .case._model import Case
from .engine._result import Obligation, Result
from .output._diff_report import DateChange, PolicyDiff
from .policy._compare import rule_changes
from .policy._model import Policy
from .policy._yaml import load_document

__all__ = ["CorpusCase", "diff_policies", "corpus_from"]


@dataclass(frozen=True)
class CorpusCase:
    name: str
    case: Case
    as_of: date


def _by_key(result: Result) -> dict[tuple[str, int | None], list[Obligation]]:
    out: dict[tuple[str, int | None], list[Obligation]] = {}
    for obligation in result.obligations:
        out.setdefault((obligation.kind, obligation.review), []).append(obligation)
    return out


def _date_changes(name: str, ra: Result, rb: Result) -> list[DateChange]:
    a, b = _by_key(ra), _by_key(rb)
    changes = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[0], k[1] or 0)):
        left, right = a.get(key, []), b.get(key, [])
        for i in range(max(len(left), len(right))):
            oa = left[i] if i < len(left) else None
            ob = right[i] if i < len(right) else None
            a_due, a_status = (oa.due, oa.status) if oa else (None, None)
            b_due, b_status = (ob.due, ob.status) if ob else (None, None)
            if (a_due, a_status) != (b_due, b_status):
                changes.append(DateChange(name, ra.child, key[0], key[1], a_due, b_due, a_status, b_status))
    return changes


def diff_policies(a: Policy, b: Policy, corpus: Iterable[CorpusCase], backend: str = "auto") -> PolicyDiff:
    dates: list[DateChange] = []
    skipped: list[tuple[str, str]] = []
    count = 0
    for item in corpus:
        try:
            ra = evaluate(a, item.case, item.as_of, backend=backend)
            rb = evaluate(b, item.case, item.as_of, backend=backend)
        except CaseError as exc:
            skipped.append((item.name, exc.problems[0].message))
            continue
        count += 1
        dates += _date_changes(item.name, ra, rb)
    dates.sort(key=lambda d: (d.case, d.child, d.a_due or d.b_due or date.min, d.kind, d.review or 0))
    return PolicyDiff(a, b, tuple(rule_changes(a, b)), tuple(dates), count, tuple(skipped))


def corpus_from(paths: Iterable[Path], as_of: date | None) -> Iterator[CorpusCase]:
    """Cases from scenario files (with their own as-of dates) and case files (as of ``as_of``, default today)."""
    for path in paths:
        doc, problems = load_document(path)
        if doc is None:
            raise CaseError(problems)
        data = doc.data
        is_scenario = isinstance(data, dict) and "scenario" in data and isinstance(data.get("case"), dict)
        source = doc.part("case") if is_scenario else doc
        cases, problems = cases_from_document(source)
        if problems:
            raise CaseError(problems)
        day = as_of or (date.fromisoformat(str(data["as_of"])) if is_scenario else date.today())
        for case in cases:
            yield CorpusCase(str(path), case, day)
