"""The two rules engines: identical results, and the durable-rules pitfalls handled."""

import threading
from pathlib import Path

import pytest

from reviewrules import ReviewRulesError, _evaluate, case_from_mapping, evaluate, evaluate_many, load_policy
from reviewrules._resources import policies_dir
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.engine._durable import available as durable_available
from reviewrules.output._json import to_json

needs_durable = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")
MECHANICS = Path(__file__).parent / "fixtures" / "policies" / "mechanics.yaml"
SCENARIO_CASES = Path(__file__).parent / "scenarios"


def corpus(count: int = 300) -> list:
    return [case_from_mapping(c) for c in synthetic_cases(count, seed=2024)]


@needs_durable
@pytest.mark.parametrize("policy_ref", ["england", "york", str(MECHANICS)])
def test_both_backends_give_identical_results_on_a_corpus(policy_ref):
    policy = load_policy(policy_ref)
    cases = corpus()
    durable = [to_json(r.to_dict(explain=True)) for r in evaluate_many(policy, cases, "2025-11-01", backend="durable")]
    python = [to_json(r.to_dict(explain=True)) for r in evaluate_many(policy, cases, "2025-11-01", backend="python")]
    assert len(durable) == len(cases)
    assert durable == python
    # The corpus is not trivial: it produces every status an obligation can have.
    statuses = {o["status"] for text in python for o in __import__("json").loads(text)["obligations"]}
    assert {"met", "late", "pending", "overdue", "not_applicable"} <= statuses


@needs_durable
def test_more_than_1024_children_in_one_process_do_not_exhaust_durable_sessions():
    policy = load_policy("england")
    case = case_from_mapping({"child": {"id": "X"}, "events": [{"type": "became_looked_after", "date": "2025-01-06"}]})
    results = list(evaluate_many(policy, (case for _ in range(1100)), "2025-03-01", backend="durable"))
    assert len(results) == 1100
    assert results[-1].obligation("review.initial", 1).status == "overdue"


@needs_durable
def test_two_versions_of_one_policy_evaluate_side_by_side(tmp_path):
    original = load_policy("york")
    text = (policies_dir() / "york.yaml").read_text()
    changed = tmp_path / "york.yaml"
    changed.write_text(text.replace("version: v47", "version: v48").replace("offset: 91 days after", "offset: 3 months after"))
    newer = load_policy(changed)
    assert (original.id, newer.id) == ("york", "york")
    assert original.digest != newer.digest
    case = {
        "child": {"id": "V"},
        "events": [
            {"type": "became_looked_after", "date": "2025-02-03"},
            {"type": "review_held", "date": "2025-02-27"},
        ],
    }
    for _ in range(2):  # and again, reusing both registered rulesets
        assert evaluate(original, case, "2025-04-01", backend="durable").obligation("review.second").due.isoformat() == "2025-05-29"
        assert evaluate(newer, case, "2025-04-01", backend="durable").obligation("review.second").due.isoformat() == "2025-05-27"


@needs_durable
def test_evaluating_from_several_threads_at_once_gives_the_single_threaded_answer():
    policy = load_policy("york")
    cases = corpus(40)
    expected = [to_json(r.to_dict()) for r in evaluate_many(policy, cases, "2025-11-01", backend="durable")]
    outputs: dict[int, list[str]] = {}

    def work(n: int) -> None:
        outputs[n] = [to_json(r.to_dict()) for r in evaluate_many(policy, cases, "2025-11-01", backend="durable")]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(outputs[n] == expected for n in range(4))


def test_auto_falls_back_to_python_where_durable_rules_cannot_be_imported(monkeypatch):
    monkeypatch.setattr(_evaluate, "durable_available", lambda: False)
    assert _evaluate.default_backend() == "python"
    case = {"child": {"id": "F"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}
    assert evaluate("york", case, "2025-02-10").obligation("review.initial", 1).due.isoformat() == "2025-03-03"
    with pytest.raises(ReviewRulesError, match="durable-rules backend is not available"):
        evaluate("york", case, "2025-02-10", backend="durable")


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(ReviewRulesError, match="unknown backend 'drools'"):
        evaluate("york", {"child": {"id": "F"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}, backend="drools")


def test_a_batch_of_more_children_than_a_durable_ruleset_holds_sessions_in_one_process():
    # durable-rules keeps at most 1,024 sessions a ruleset; each child's are deleted after it.
    policy = load_policy("york")
    cases = list(synthetic_cases(1200, seed=5))
    seen = []
    overdue = 0
    for case, result in zip(cases, evaluate_many(policy, cases, "2025-11-01")):
        seen.append(result.child)
        overdue += sum(1 for e in result.escalations if e.kind == "escalation.review_overdue")
        if len(seen) in (1, 1025, 1200):  # the stream gives what a lone evaluation gives
            alone = evaluate(policy, case, "2025-11-01", backend="python")
            assert to_json(alone.to_dict()) == to_json(result.to_dict())
    assert seen == [c["child"]["id"] for c in cases]
    assert overdue > 0


@needs_durable
def test_both_backends_give_identical_results_on_every_bundled_scenario():
    from reviewrules._resources import bundled_scenarios_dir
    from reviewrules._scenarios import find_scenarios, load_scenario

    cache: dict = {}
    scenarios = [load_scenario(path, cache) for path in find_scenarios([bundled_scenarios_dir()])]
    assert len(scenarios) > 40
    for scenario in scenarios:
        results = [
            to_json(evaluate(scenario.policy, scenario.case, scenario.as_of, backend=b).to_dict(explain=True))
            for b in ("durable", "python")
        ]
        assert results[0] == results[1], scenario.file
