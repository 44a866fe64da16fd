"""Each rule's written-out ``fire`` (``engine._plan_code``) against ``RulePlan.fire_any``,
the same plan with every choice tested as it fires: the same facts, results and traces."""

from datetime import date
from pathlib import Path

import pytest

from reviewrules import case_from_mapping, load_policy
from reviewrules._evaluate import _evaluate_one, _runner
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.engine._compile import compile_policy
from reviewrules.output._json import to_json

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
POLICIES = ["england", "york", "stoke", "cumbria", "caldecott", "iro-guide"] + [str(FIXTURES / f) for f in ("mechanics.yaml", "versioned.yaml")]
AS_OF = date(2025, 11, 1)


@pytest.fixture(scope="module")
def cases():
    return [case_from_mapping(c) for c in synthetic_cases(150, seed=77, as_of=AS_OF)]


@pytest.mark.parametrize("policy_ref", POLICIES)
def test_written_rules_give_the_same_results_and_traces_as_the_general_plan(policy_ref, cases):
    policy = load_policy(policy_ref)
    written, general = compile_policy(policy), compile_policy(policy, written=False)
    run = _runner("python")
    for case in cases:
        a = _evaluate_one(written, case, AS_OF, run)
        b = _evaluate_one(general, case, AS_OF, run)
        assert to_json(a.to_dict(explain=True)) == to_json(b.to_dict(explain=True)), case.child_id


def test_every_rule_of_every_bundled_policy_is_written_out():
    for policy_ref in POLICIES:
        compiled = compile_policy(load_policy(policy_ref))
        assert all(rule.plan.fire.__name__ == "fire" for rule in compiled.rules), policy_ref
        assert all(not hasattr(rule.plan.fire, "__self__") for rule in compiled.rules), policy_ref


def test_a_rule_written_out_names_its_rule_in_a_traceback():
    plan = compile_policy(load_policy("york")).rules[0].plan
    assert plan.fire.__code__.co_filename == f"<rule {plan.qid}>"


def test_the_general_plan_is_what_fires_when_asked_for():
    compiled = compile_policy(load_policy("york"), written=False)
    assert all(rule.plan.fire == rule.plan.fire_any for rule in compiled.rules)
