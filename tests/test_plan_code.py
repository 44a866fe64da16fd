"""Each rule's written-out ``fire`` (``engine._plan_code``) against ``RulePlan.fire_any``,
the same plan with every choice tested as it fires: the same facts, results and traces."""

from datetime import date
from pathlib import Path

import pytest

from reviewrules import case_from_mapping, load_policy
from reviewrules._evaluate import _evaluate_one, _runner
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.engine._compile import compile_policy
from reviewrules.engine._derive import event_facts
from reviewrules.engine._facts import CaseIndex, Fact, Session
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


def _said(fact):
    """What a fact is and says, comparable across two firings (``how`` names the trigger it came from)."""
    how = fact.how if fact.how is None else tuple(part.id if hasattr(part, "id") else part for part in fact.how)
    return (fact.id, fact.fact, fact.kind, fact.review, fact.due, fact.done, fact.status, fact.owner, fact.anchor, how,
            fact.trigger.id if fact.trigger else None, list(fact.notes), fact.version, fact.reason, fact.alt_starts, fact.parents)


def _fired_facts(policy, compiled, cases):
    """(child id, session, fact) for every fact the rules reach in each period of ``cases`` begun by AS_OF."""
    run = _runner("python")
    for case in cases:
        for period in case.periods:
            if period.start > AS_OF:
                continue
            session = Session(policy, CaseIndex(case, period, AS_OF, policy.period_source))
            run(compiled, session, event_facts(session.index, compiled.event_types))
            for fact in list(session.facts.values()):
                yield case.child_id, session, fact


@pytest.mark.parametrize("policy_ref", POLICIES)
def test_the_rules_of_one_kind_of_fact_fired_as_one_give_what_each_gives_in_turn(policy_ref, cases):
    policy = load_policy(policy_ref)
    compiled = compile_policy(policy)
    checked = 0
    for child, session, trigger in _fired_facts(policy, compiled, cases[:60]):
        key = (trigger.fact, trigger.kind)
        if key not in compiled.fires:
            continue
        together = compiled.fires[key](trigger, session)
        in_turn = [fact for rule in compiled.by_fact_kind[key] for fact in rule.plan.fire(trigger, session)]
        assert [_said(f) for f in together] == [_said(f) for f in in_turn], (child, key)
        checked += 1
    assert checked > 100


def test_the_rules_of_one_kind_of_fact_written_as_one_name_that_kind_in_a_traceback():
    compiled = compile_policy(load_policy("york"))
    fire = compiled.fires[("obligation", "review.subsequent")]
    assert fire.__code__.co_filename == "<rules york: obligation review.subsequent>"


@pytest.mark.parametrize("policy_ref", ["york", "stoke", str(FIXTURES / "versioned.yaml")])
def test_an_obligation_made_by_a_written_rule_has_every_slot_as_the_general_plan_sets_it(policy_ref, cases):
    # The written rules set each slot of the fact themselves, without Fact.__init__.
    policy = load_policy(policy_ref)
    written, general = compile_policy(policy), compile_policy(policy, written=False)
    compared = 0
    for child, session, trigger in _fired_facts(policy, written, cases[:40]):
        key = (trigger.fact, trigger.kind)
        for mine, theirs in zip(written.by_fact_kind.get(key, ()), general.by_fact_kind.get(key, ())):
            for a, b in zip(mine.plan.fire(trigger, session), theirs.plan.fire(trigger, session), strict=True):
                if a.fact != "obligation":
                    continue
                assert {slot: getattr(a, slot) for slot in Fact.__slots__} == {slot: getattr(b, slot) for slot in Fact.__slots__}, (
                    child,
                    mine.rule.qualified_id,
                )
                compared += 1
    assert compared > 300


def test_a_rules_cache_of_due_dates_stays_bounded_and_gives_what_due_date_gives():
    from datetime import timedelta

    from reviewrules._calendar import due_date
    from reviewrules.engine._plan_code import _WHEN_LIMIT, _counted

    cache: dict = {}
    start = date(1990, 1, 1)
    for n in range(_WHEN_LIMIT + 10):
        day = start + timedelta(days=n)
        assert _counted(cache, day, 20, "working_days", "before") == due_date(day, 20, "working_days", "before")
        assert len(cache) <= _WHEN_LIMIT
    assert cache[day] == due_date(day, 20, "working_days", "before")
