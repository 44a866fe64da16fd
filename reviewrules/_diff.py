"""What differs between two policies, two versions of one, or one policy under two
readings: ``reviewrules diff A B``.

* Structural: rules added, removed and changed (matched by id), with the
  timescales in words side by side and both quotes.
* Behavioural: both evaluated over a corpus of cases (the bundled scenarios' cases
  by default, or anything ``caseload`` reads), every obligation whose due date or
  status differs, and the impact: how many children and obligations move, by how
  many days, which become overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from ._calendar import today
from ._evaluate import _runner, evaluate_or_refuse
from .case._files import cases_from_document
from .case._model import Case, Refusal
from .case._stream import read_cases
from .engine._compile import compile_policy
from .engine._result import Obligation, Result
from .output._diff_report import DateChange, PolicyDiff
from .policy._compare import rule_changes
from .policy._model import Policy
from .policy._yaml import load_document

__all__ = ["CorpusCase", "diff_policies", "corpus_from"]


@dataclass(frozen=True)
class CorpusCase:
    name: str
    case: Case | Refusal
    as_of: date


def _by_key(result: Result) -> dict[tuple[date | None, str, int | None], list[Obligation]]:
    out: dict[tuple[date | None, str, int | None], list[Obligation]] = {}
    for obligation in result.obligations:
        out.setdefault((obligation.period, obligation.kind, obligation.review), []).append(obligation)
    return out


def _date_changes(name: str, ra: Result, rb: Result) -> list[DateChange]:
    """Obligations paired by period, kind and review (in due-date order where several share them)."""
    a, b = _by_key(ra), _by_key(rb)
    changes = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[0] or date.min, k[1], k[2] or 0)):
        left, right = a.get(key, []), b.get(key, [])
        for i in range(max(len(left), len(right))):
            oa = left[i] if i < len(left) else None
            ob = right[i] if i < len(right) else None
            a_due, a_status = (oa.due, oa.status) if oa else (None, None)
            b_due, b_status = (ob.due, ob.status) if ob else (None, None)
            if (a_due, a_status) != (b_due, b_status):
                changes.append(DateChange(name, ra.child, key[1], key[2], a_due, b_due, a_status, b_status, key[0]))
    return changes


def diff_policies(
    a: Policy, b: Policy, corpus: Iterable[CorpusCase], backend: str = "auto", corpus_name: str = ""
) -> PolicyDiff:
    compiled_a, compiled_b = compile_policy(a), compile_policy(b)
    runner = _runner(backend)
    dates: list[DateChange] = []
    skipped: list[tuple[str, str]] = []
    count = 0
    for item in corpus:
        ra = evaluate_or_refuse(compiled_a, item.case, item.as_of, runner, False, False)
        rb = evaluate_or_refuse(compiled_b, item.case, item.as_of, runner, False, False)
        refusal = next((r for r in (ra, rb) if isinstance(r, Refusal)), None)
        if refusal is not None:
            skipped.append((item.name, refusal.problems[0].message if refusal.problems else "cannot be evaluated"))
            continue
        assert isinstance(ra, Result) and isinstance(rb, Result)
        count += 1
        dates += _date_changes(item.name, ra, rb)
    dates.sort(key=lambda d: (d.case, d.child, d.period or date.min, d.a_due or d.b_due or date.min, d.kind, d.review or 0))
    return PolicyDiff(a, b, tuple(rule_changes(a, b)), tuple(dates), count, tuple(skipped), corpus_name)


def _is_scenario(path: Path) -> bool:
    if path.suffix.lower() not in (".yaml", ".yml"):
        return False
    with open(path, encoding="utf-8", errors="replace") as handle:
        head = handle.read(4096)
    return head.startswith("scenario:") or "\nscenario:" in head


def corpus_from(
    paths: Iterable[Path], as_of: date | None, root: Path | None = None, stdin: TextIO | None = None
) -> Iterator[CorpusCase]:
    """The cases to compare on: scenario files (each with its own as-of date) and anything
    ``caseload`` reads (case files, JSON Lines, SSDA903 returns), as of ``as_of`` (default
    today). Names are relative to ``root`` where they lie below it."""
    day = as_of or today()
    others: list[str] = []
    for path in paths:
        if str(path) == "-":  # standard input: case documents or JSON Lines, as caseload reads it
            others.append("-")
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in found:
            if _is_scenario(file):
                yield from _scenario_cases(file, as_of, root)
            elif path.is_dir():
                others.append(str(file))
        if not path.is_dir() and not _is_scenario(path):
            others.append(str(path))
    if others:
        for item in read_cases(others, stdin=stdin):
            yield CorpusCase(_relative(item.file, root), item, day)


def _scenario_cases(path: Path, as_of: date | None, root: Path | None) -> Iterator[CorpusCase]:
    doc, problems = load_document(path)
    name = _relative(str(path), root)
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("case"), dict):
        yield CorpusCase(name, Refusal(None, tuple(problems), str(path)), as_of or today())
        return
    cases, problems = cases_from_document(doc.part("case"))
    day = as_of or date.fromisoformat(str(doc.data["as_of"]))
    if problems:
        yield CorpusCase(name, Refusal(None, tuple(problems), str(path)), day)
        return
    for case in cases:
        yield CorpusCase(name, case, day)


def _relative(where: str | None, root: Path | None) -> str:
    """A file's name relative to the corpus; a return's folder (not a file) by its own name."""
    if where is None:
        return "?"
    path = Path(where.removesuffix(" (SSDA903)"))
    if root is None:
        return where
    try:
        shown = str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return where
    if shown == ".":
        shown = path.name
    return f"{shown} (SSDA903)" if where.endswith(" (SSDA903)") else shown
