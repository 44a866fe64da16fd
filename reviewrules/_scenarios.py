"""YAML scenario tests: a case, an as-of date and the dates a person worked out by hand.

A scenario file::

    scenario: initial review skips Easter
    policy: york                 # bundled id, or a path relative to this file
    as_of: 2025-04-01
    case: {child: {id: T-1}, events: [...]}
    expect:
      obligations:
        - {kind: review.initial, review: 1, due: 2025-03-03, status: met}
      escalations:
        - {kind: escalation.review_overdue, about: review.second, raised: 2025-06-02}
      notices:
        - {kind: notice.consider_early_review, date: 2025-03-10, trigger: "significant_event:missing"}
      absent:
        - {kind: review.subsequent}

Each expected item must match exactly one result item on the fields it gives
(``note`` matches a substring of any note). A rule counts as exercised when an
expected item matched something it produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from ._errors import CaseError, Problem, ReviewRulesError
from ._evaluate import evaluate
from .case._files import cases_from_document
from .case._model import Case
from .engine._result import Result
from .policy._loading import load_policy, locate_policy
from .policy._model import Policy, Rule
from .policy._schema import schema_problems
from .policy._yaml import Document, load_document, parse_text

__all__ = ["Scenario", "ScenarioOutcome", "ScenarioReport", "load_scenario", "run_scenario", "run_scenarios", "find_scenarios"]

_ITEM_KEYS = {
    "obligations": {"kind", "review", "period", "due", "status", "status_by", "done", "owner", "rule", "version", "note"},
    "escalations": {"kind", "about", "review", "period", "raised", "resolved", "to", "rule", "version", "note"},
    "notices": {"kind", "period", "date", "trigger", "rule", "version", "note"},
}


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    policy: Policy
    as_of: date
    case: Case
    expect: dict[str, list[dict[str, Any]]]
    absent: tuple[dict[str, Any], ...]
    doc: Document


@dataclass(frozen=True)
class ScenarioOutcome:
    scenario: Scenario
    failures: tuple[str, ...]
    exercised: frozenset[str]
    result: Result | None

    @property
    def passed(self) -> bool:
        return not self.failures


def find_scenarios(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".yaml", ".yml")))
        else:
            found.append(path)
    return found


def load_scenario(path: str | Path, policy_cache: dict[str, Policy] | None = None, text: str | None = None) -> Scenario:
    """One scenario file (or its ``text``, as from standard input: its policy is then found
    from the working directory)."""
    doc, problems = load_document(path) if text is None else parse_text(text, str(path))
    if doc is None:
        raise ReviewRulesError(problems)
    problems = schema_problems(doc, "scenario")
    if problems:
        raise ReviewRulesError(problems)
    data = doc.data
    base = Path(path).parent if text is None else Path.cwd()
    policy_ref = data["policy"]
    located = str(locate_policy(policy_ref, beside=base))
    cache = policy_cache if policy_cache is not None else {}
    if located not in cache:
        cache[located] = load_policy(located)
    cases, case_problems = cases_from_document(doc.part("case"))
    if case_problems:
        raise CaseError([_rebase(p) for p in case_problems])
    expect = data.get("expect", {})
    return Scenario(
        name=data["scenario"],
        file=doc.file,
        policy=cache[located],
        as_of=date.fromisoformat(data["as_of"]),
        case=cases[0],
        expect={k: list(expect.get(k, [])) for k in _ITEM_KEYS},
        absent=tuple(expect.get("absent", [])),
        doc=doc,
    )


def _rebase(problem: Problem) -> Problem:
    path = ("case",) + tuple(problem.path or ())
    return Problem(problem.message, problem.file, problem.line, problem.column, path, problem.code, child=problem.child, event=problem.event)


def _item_view(section: str, item: Any) -> dict[str, Any]:
    data = item.to_dict()
    if section == "escalations":
        about = data.pop("about")
        data["about"] = about["kind"]
        data["review"] = about["review"]
    return data


def _matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    for key, want in expected.items():
        if key == "note":
            if not any(str(want) in note for note in actual.get("notes", [])):
                return False
            continue
        have = actual.get(key)
        if want is None or have is None:
            if want is not have:
                return False
        elif str(have) != str(want):
            return False
    return True


def _describe(expected: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in expected.items()) + "}"


def run_scenario(scenario: Scenario, backend: str = "auto") -> ScenarioOutcome:
    try:
        result = evaluate(scenario.policy, scenario.case, scenario.as_of, backend=backend)
    except ReviewRulesError as exc:
        return ScenarioOutcome(scenario, tuple(exc.lines()), frozenset(), None)
    failures: list[str] = []
    exercised: set[str] = set()
    sections = {
        "obligations": result.obligations,
        "escalations": result.escalations,
        "notices": result.notices,
    }
    for section, expected_items in scenario.expect.items():
        actual = [_item_view(section, item) for item in sections[section]]
        for i, expected in enumerate(expected_items):
            line = scenario.doc.where(("expect", section, i))[0]
            unknown = set(expected) - _ITEM_KEYS[section]
            if unknown:
                failures.append(f"{scenario.file}:{line}: unknown field(s) {', '.join(sorted(unknown))} in expected {section}")
                continue
            hits = [a for a in actual if _matches(expected, a)]
            if len(hits) == 1:
                exercised.add(hits[0]["rule"])
                if hits[0].get("status_by"):  # the rule that superseded it, or made it lapse
                    exercised.add(hits[0]["status_by"])
                continue
            if not hits:
                near = [a for a in actual if a.get("kind") == expected.get("kind")]
                shown = "; ".join(_describe({k: a.get(k) for k in expected if k != "note"}) for a in near[:4]) or "none"
                failures.append(
                    f"{scenario.file}:{line}: expected {section[:-1]} {_describe(expected)} not found "
                    f"(same kind in result: {shown})"
                )
            else:
                failures.append(
                    f"{scenario.file}:{line}: expected {section[:-1]} {_describe(expected)} matches "
                    f"{len(hits)} items; add fields (review, due, rule) to say which"
                )
    everything = [(s, _item_view(s, item)) for s, items in sections.items() for item in items]
    for i, unwanted in enumerate(scenario.absent):
        line = scenario.doc.where(("expect", "absent", i))[0]
        hits = [a for _, a in everything if _matches(unwanted, a)]
        if hits:
            failures.append(f"{scenario.file}:{line}: expected no item like {_describe(unwanted)}, found {len(hits)}")
    return ScenarioOutcome(scenario, tuple(failures), frozenset(exercised), result)


@dataclass(frozen=True)
class ScenarioReport:
    outcomes: tuple[ScenarioOutcome, ...]
    problems: tuple[str, ...]  # scenario files that could not be read
    policies: tuple[Policy, ...]

    def unexercised(self) -> dict[str, list[Rule]]:
        """Per policy tested, the rules no passing scenario's expectations matched."""
        exercised: dict[str, set[str]] = {}
        for outcome in self.outcomes:
            exercised.setdefault(outcome.scenario.policy.digest, set()).update(outcome.exercised)
        gaps: dict[str, list[Rule]] = {}
        for policy in self.policies:
            seen = exercised.get(policy.digest, set())
            missing = [rule for rule in policy.rules if rule.qualified_id not in seen]
            if missing:
                gaps[policy.id] = missing
        return gaps


def run_scenarios(paths: Iterable[Path], backend: str = "auto", stdin_text: str | None = None) -> ScenarioReport:
    """Run scenario files; a path ``-`` is the scenario in ``stdin_text``."""
    cache: dict[str, Policy] = {}
    outcomes: list[ScenarioOutcome] = []
    problems: list[str] = []
    for path in paths:
        try:
            if str(path) == "-":
                scenario = load_scenario("<stdin>", cache, text=stdin_text or "")
            else:
                scenario = load_scenario(path, cache)
        except ReviewRulesError as exc:
            problems.extend(exc.lines())
            continue
        outcomes.append(run_scenario(scenario, backend))
    policies = {p.digest: p for p in cache.values()}
    return ScenarioReport(tuple(outcomes), tuple(problems), tuple(policies.values()))
