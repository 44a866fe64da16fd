"""Evaluation end to end: dates worked out by hand, statuses, escalations, notices, supersession."""

import copy
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from reviewrules import Refusal, Result, evaluate, evaluate_many, load_policy
from reviewrules.output._json import to_json

FIXTURES = Path(__file__).parent / "fixtures"
MECHANICS = FIXTURES / "policies" / "mechanics.yaml"

WORKED_EXAMPLE = {
    "child": {"id": "C-0001"},
    "events": [
        {"type": "became_looked_after", "date": "2025-02-03", "legal_status": "s20"},
        {"type": "review_held", "date": "2025-02-27"},
        {"type": "review_scheduled", "date": "2025-05-19", "review": 2},
    ],
}

# Hand-counted: see docs/calendar.md for the counting conventions and
# tests/scenarios/york/worked-example.yaml for the count itself.
CONTRACT_TABLE = [
    ("review.initial", 1, "2025-03-03"),
    ("post.decisions_record", 1, "2025-03-06"),
    ("post.care_plan_updated", 1, "2025-03-13"),
    ("post.full_record", 1, "2025-03-20"),
    ("post.record_distributed", 1, "2025-03-27"),
    ("review.second", 2, "2025-05-29"),
    ("prep.consult_child", 2, "2025-04-16"),
    ("prep.iro_discussion", 2, "2025-04-25"),
    ("prep.invitations", 2, "2025-05-02"),
    ("prep.reports_to_iro", 2, "2025-05-14"),
]


@pytest.mark.parametrize("kind, review, due", CONTRACT_TABLE)
def test_york_gives_every_date_of_the_contracts_worked_example(kind, review, due):
    result = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01")
    assert result.obligation(kind, review).due == date.fromisoformat(due)


def test_the_result_names_the_policy_version_and_digest():
    result = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01")
    assert (result.policy.id, result.policy.version) == ("york", "v47")
    assert result.policy.digest.startswith("sha256:")
    assert result.to_dict()["policy"] == {"id": "york", "version": "v47", "digest": result.policy.digest}


def test_each_obligation_carries_its_rule_and_quoted_source():
    initial = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01").obligation("review.initial", 1)
    assert initial.rule == "york/initial-review"
    assert initial.source.document == "Children and Young People in Care Reviews"
    assert "within 20 working days of the child becoming Looked After" in initial.source.quote


def test_england_counts_three_calendar_months_where_york_counts_91_days():
    england = evaluate("england", WORKED_EXAMPLE, as_of="2025-04-01")
    assert england.obligation("review.second", 2).due == date(2025, 5, 27)
    assert england.obligation("review.second", 2).rule == "england/second-review"


def test_statuses_against_the_as_of_date():
    case = {
        "child": {"id": "S-1"},
        "events": [
            {"type": "became_looked_after", "date": "2025-01-06"},
            {"type": "review_held", "date": "2025-02-10"},
        ],
    }
    # 20 working days after Mon 6 Jan 2025 is Mon 3 Feb; held 10 Feb, 7 days late.
    late = evaluate("england", case, as_of="2025-03-01").obligation("review.initial", 1)
    assert (late.due, late.status, late.done) == (date(2025, 2, 3), "late", date(2025, 2, 10))
    # Three months after 10 Feb is 10 May: pending on the day, overdue the day after.
    assert evaluate("england", case, as_of="2025-05-10").obligation("review.second", 2).status == "pending"
    assert evaluate("england", case, as_of="2025-05-11").obligation("review.second", 2).status == "overdue"


def test_an_overdue_review_raises_an_escalation_the_day_after_it_falls_due():
    case = {"child": {"id": "S-2"}, "events": [{"type": "became_looked_after", "date": "2025-01-06"}]}
    result = evaluate("york", case, as_of="2025-03-01")
    assert result.obligation("review.initial", 1).status == "overdue"
    (escalation,) = result.escalations
    assert escalation.kind == "escalation.review_overdue"
    assert (escalation.about.kind, escalation.about.review) == ("review.initial", 1)
    assert escalation.raised == date(2025, 2, 4)
    assert escalation.to == "iro_manager"
    assert escalation.rule == "york/review-overdue"


def test_no_escalation_before_a_review_is_overdue():
    case = {"child": {"id": "S-3"}, "events": [{"type": "became_looked_after", "date": "2025-01-06"}]}
    assert evaluate("york", case, as_of="2025-02-03").escalations == ()


def test_preparation_before_the_child_became_looked_after_is_not_applicable():
    result = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01")
    consult = result.obligation("prep.consult_child", 1)
    assert consult.status == "not_applicable"
    assert consult.due == date(2025, 1, 30)  # 20 working days before Thu 27 Feb
    assert any("falls before the child became looked after on 2025-02-03" in n for n in consult.notes)


def test_reviews_due_after_the_child_ceased_to_be_looked_after_are_not_applicable():
    case = {
        "child": {"id": "M-2", "dob": "2022-01-10"},
        "events": [
            {"type": "became_looked_after", "date": "2024-12-16"},
            {"type": "review_held", "date": "2025-01-10"},
            {"type": "ceased_looked_after", "date": "2025-03-31"},
        ],
    }
    result = evaluate(MECHANICS, case, as_of="2025-06-01")
    # 20 working days after Mon 16 Dec 2024, skipping Christmas and New Year, is 16 Jan.
    assert result.obligation("review.initial", 1).due == date(2025, 1, 16)
    second = result.obligation("review.second", 2)
    assert (second.due, second.status) == (date(2025, 4, 10), "not_applicable")
    # The child was under five when review 1 was held: the three-month advice applies, then lapses too.
    advice = result.obligation("advice.under_five_review", 2)
    assert (advice.due, advice.status) == (date(2025, 4, 10), "not_applicable")
    assert result.escalations == ()


MECHANICS_CASE = {
    "child": {"id": "M-1", "dob": "2009-03-15"},
    "events": [
        {"type": "became_looked_after", "date": "2025-02-03"},
        {"type": "review_held", "date": "2025-02-27"},
        {"type": "placement_changed", "date": "2025-04-07"},
        {"type": "significant_event", "date": "2025-04-20", "category": "missing"},
        {"type": "significant_event", "date": "2025-04-21", "category": "complaint"},
        {"type": "review_held", "date": "2025-05-01"},
        {"type": "placement_changed", "date": "2025-05-20"},
        {"type": "task_completed", "date": "2025-05-22", "task": "plan.placement_plan"},
    ],
}


def obligations(result: Result) -> list[tuple]:
    return [(o.kind, o.review, o.due.isoformat(), o.status) for o in result.obligations]


def test_a_placement_change_review_supersedes_the_cycle_and_restarts_it():
    result = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01")
    # Placement change Mon 7 Apr: 20 working days, skipping Good Friday and Easter Monday
    # and the early May bank holiday, is Thu 8 May, before the cycle's 27 May.
    # The second placement change (Tue 20 May) needs review 3 by 18 June, which supersedes
    # the restarted cycle's review.second (1 May + 3 months = 1 Aug).
    assert obligations(result) == [
        ("review.initial", 1, "2025-03-03", "met"),
        ("plan.placement_plan", None, "2025-04-14", "overdue"),
        ("review.placement_change", 2, "2025-05-08", "met"),
        ("review.second", 2, "2025-05-27", "superseded"),
        ("plan.placement_plan", None, "2025-05-28", "met"),
        ("plan.pathway_plan", None, "2025-06-15", "pending"),
        ("review.placement_change", 3, "2025-06-18", "pending"),
        ("review.second", 3, "2025-08-01", "superseded"),
        ("review.subsequent", 3, "2025-11-01", "superseded"),
    ]
    superseded = result.obligations[3]
    assert "superseded by review.placement_change for review 2, due 2025-05-08" in superseded.notes[0]


def test_a_task_completion_counts_only_for_the_placement_it_followed():
    result = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01")
    first, second = [o for o in result.obligations if o.kind == "plan.placement_plan"]
    assert (first.status, first.done) == ("overdue", None)
    assert (second.status, second.done) == ("met", date(2025, 5, 22))


def test_an_escalation_counted_from_the_due_date_of_a_task():
    (escalation,) = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01").escalations
    # 5 working days after Mon 14 Apr, skipping Good Friday and Easter Monday, is Wed 23 Apr.
    assert (escalation.kind, escalation.raised, escalation.to) == ("escalation.task_overdue", date(2025, 4, 23), "practice_manager")
    assert escalation.about.kind == "plan.placement_plan"


def test_an_escalation_is_not_raised_before_its_date():
    result = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-04-22")
    assert result.escalations == ()


def test_only_listed_significant_events_give_a_notice():
    (notice,) = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01").notices
    assert (notice.kind, notice.date, notice.trigger) == ("notice.consider_early_review", date(2025, 4, 20), "significant_event:missing")


def test_a_birthday_anchor_counts_from_the_16th_birthday():
    pathway = evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01").obligation("plan.pathway_plan")
    assert pathway.due == date(2025, 6, 15)  # 16th birthday 15 Mar 2025 + 3 months


def test_a_leap_day_birthday_keeps_29_february_in_a_leap_year():
    case = copy.deepcopy(MECHANICS_CASE)
    case["child"]["dob"] = "2008-02-29"
    pathway = evaluate(MECHANICS, case, as_of="2025-06-01").obligation("plan.pathway_plan")
    # 16th birthday Thu 29 Feb 2024 (a leap year) + 3 months = 29 May 2024, before the
    # child became looked after on 3 Feb 2025, so not applicable.
    assert (pathway.due, pathway.status) == (date(2024, 5, 29), "not_applicable")


def test_a_rule_that_needs_a_date_of_birth_says_so_when_there_is_none():
    case = copy.deepcopy(MECHANICS_CASE)
    del case["child"]["dob"]
    result = evaluate(MECHANICS, case, as_of="2025-06-01")
    assert not [o for o in result.obligations if o.kind == "plan.pathway_plan"]
    assert any("no date of birth is given" in note for note in result.notes)


def test_events_after_the_as_of_date_are_not_considered_and_the_result_says_so():
    result = evaluate("york", WORKED_EXAMPLE, as_of="2025-02-20")
    assert result.obligation("review.initial", 1).status == "pending"
    assert "1 event(s) dated after the as-of date 2025-02-20 were not considered" in result.notes


def test_the_same_inputs_give_byte_identical_output_whatever_the_event_order():
    shuffled = copy.deepcopy(MECHANICS_CASE)
    shuffled["events"] = list(reversed(shuffled["events"]))
    first = to_json(evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01").to_dict())
    second = to_json(evaluate(MECHANICS, MECHANICS_CASE, as_of="2025-06-01").to_dict())
    third = to_json(evaluate(MECHANICS, shuffled, as_of="2025-06-01").to_dict())
    assert first == second == third


def test_results_are_immutable_and_inputs_are_not_mutated():
    case = copy.deepcopy(WORKED_EXAMPLE)
    result = evaluate("york", case, as_of="2025-04-01")
    assert case == WORKED_EXAMPLE
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.child = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.obligations[0].due = date(2030, 1, 1)  # type: ignore[misc]


def test_obligations_are_sorted_by_due_date_then_kind_then_review():
    result = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01")
    keys = [(o.due, o.kind, o.review or 0) for o in result.obligations]
    assert keys == sorted(keys)


def test_the_json_result_has_the_contracts_fields():
    data = json.loads(to_json(evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01").to_dict()))
    assert list(data) == ["child", "policy", "as_of", "periods", "obligations", "escalations", "notices", "warnings", "notes"]
    initial = next(o for o in data["obligations"] if o["kind"] == "review.initial")
    assert initial == {
        "kind": "review.initial",
        "review": 1,
        "period": "2025-02-03",
        "due": "2025-03-03",
        "status": "met",
        "status_by": None,
        "done": "2025-02-27",
        "owner": "iro",
        "rule": "york/initial-review",
        "version": "v47",
        "source": {
            "document": "Children and Young People in Care Reviews",
            "section": "2. Frequency of Looked After Reviews",
            "quote": "An initial Looked After Review should be conducted within 20 working days of the child becoming Looked After",
        },
        "notes": [],
    }


def test_explain_traces_an_obligation_back_to_the_event_with_its_arithmetic():
    second = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01").obligation("review.second", 2)
    texts = [step.text for step in second.trace]
    assert texts[0] == "event became_looked_after on 2025-02-03 (event 1 in the case)"
    assert [step.rule for step in second.trace] == [None, "york/initial-review", "york/second-review"]
    assert second.trace[-1].arithmetic == "2025-02-27 + 91 days = 2025-05-29"
    consult = evaluate("york", WORKED_EXAMPLE, as_of="2025-04-01").obligation("prep.consult_child", 2)
    assert "2025-04-18 Good Friday" in consult.trace[-1].holidays_skipped


def test_evaluate_many_streams_one_result_per_child_in_order():
    cases = []
    for i in range(5):
        case = copy.deepcopy(WORKED_EXAMPLE)
        case["child"]["id"] = f"C-{i}"
        cases.append(case)
    results = evaluate_many(load_policy("york"), iter(cases), as_of="2025-04-01")
    assert not isinstance(results, list)
    assert [r.child for r in results] == [f"C-{i}" for i in range(5)]


def test_as_of_defaults_to_today_in_england():
    from reviewrules._calendar import today

    before = today()
    as_of = evaluate("york", WORKED_EXAMPLE).as_of
    assert as_of in (before, today())  # the run may cross midnight in London


def test_a_bad_as_of_date_is_a_clear_error():
    from reviewrules import ReviewRulesError

    with pytest.raises(ReviewRulesError, match="as-of date impossible date '2025-02-30'"):
        evaluate("york", WORKED_EXAMPLE, as_of="2025-02-30")


def test_two_recommendations_disputed_on_one_day_keep_separate_deadlines():
    case = {
        "child": {"id": "D-2"},
        "events": [
            {"type": "became_looked_after", "date": "2025-01-06"},
            {"type": "review_held", "date": "2025-02-03"},
            {"type": "recommendation_made", "date": "2025-02-03", "id": "R-1", "starred": True, "review": 1},
            {"type": "recommendation_made", "date": "2025-02-03", "id": "R-2", "starred": True, "review": 1},
            {"type": "recommendation_disputed", "date": "2025-03-03", "id": "R-1"},
            {"type": "recommendation_disputed", "date": "2025-03-03", "id": "R-2"},
            {"type": "recommendation_resolved", "date": "2025-03-10", "id": "R-2"},
        ],
    }
    result = evaluate("stoke", case, as_of="2025-04-01")
    # 10 working days after Mon 3 Mar 2025: 4-7 (4), 10-14 (9), Mon 17 Mar (10).
    disputes = sorted((o.due, o.status) for o in result.obligations if o.kind == "recommendation.dispute_agreement")
    assert disputes == [(date(2025, 3, 17), "met"), (date(2025, 3, 17), "overdue")]
    # ...but the strategic manager's five working days run once for the review's starred recommendations.
    assert len([o for o in result.obligations if o.kind == "recommendation.strategic_manager_concerns"]) == 1


def test_a_task_repeating_from_its_last_completion_is_not_met_by_that_completion(tmp_path):
    policy = tmp_path / "repeat.yaml"
    policy.write_text(
        "id: repeat\ntitle: Repeating task\nextends: england\ndocument: {title: Test}\nrules:\n"
        "  - id: pep\n    when: {event: became_looked_after}\n"
        "    emit: {obligation: plan.pep_review, from: event, offset: 6 months after}\n"
        "    owner: social_worker\n    source: {section: '1', quote: six months}\n"
        "  - id: pep-repeat\n    when: {obligation: plan.pep_review}\n"
        "    emit: {obligation: plan.pep_review, review: none, from: done, offset: 6 months after}\n"
        "    owner: social_worker\n    source: {section: '1', quote: six months}\n"
    )
    case = {
        "child": {"id": "R"},
        "events": [
            {"type": "became_looked_after", "date": "2024-01-15"},
            {"type": "task_completed", "date": "2024-06-20", "task": "plan.pep_review"},
        ],
    }
    result = evaluate(policy, case, as_of="2024-11-01")
    first, second = [o for o in result.obligations if o.kind == "plan.pep_review"]
    assert (first.due, first.status, first.done) == (date(2024, 7, 15), "met", date(2024, 6, 20))
    assert (second.due, second.status, second.done) == (date(2024, 12, 20), "pending", None)


def test_evaluate_many_on_two_cores_gives_the_same_results_in_the_same_order(tmp_path):
    import json as _json

    from reviewrules import read_cases
    from reviewrules.case._synthetic import synthetic_cases

    cases = list(synthetic_cases(300, seed=3, as_of=date(2025, 11, 1)))  # two batches of 256
    cases.insert(150, {"child": {"id": "BAD"}, "events": [{"type": "became_looked_after", "date": "2025-02-30"}]})
    cases.append(cases[0])  # read twice: refused the second time
    one = list(evaluate_many("england", cases, "2025-11-01", on_error="report"))
    two = list(evaluate_many("england", cases, "2025-11-01", on_error="report", jobs=2))
    assert [x.to_dict() for x in two] == [x.to_dict() for x in one]
    assert [type(x).__name__ for x in two].count("Refusal") == 1  # mappings are not checked for duplicates
    lines = tmp_path / "cases.jsonl"
    lines.write_text("".join(_json.dumps(c) + "\n" for c in cases))
    from_file = list(evaluate_many("england", read_cases(lines), "2025-11-01", on_error="report", jobs=2))
    refused = [x for x in from_file if isinstance(x, Refusal)]
    assert [r.problems[0].code for r in refused] == ["date", "duplicate-child"]
    assert refused[1].problems[0].line == 302
    assert [x.to_dict() for x in from_file if isinstance(x, Result)] == [x.to_dict() for x in one[:-1] if isinstance(x, Result)]


def test_evaluate_many_refuses_a_number_of_jobs_that_is_not_one_or_more():
    from reviewrules import ReviewRulesError

    with pytest.raises(ReviewRulesError, match="jobs must be a whole number of processes, 1 or more, not 0"):
        list(evaluate_many("york", [], "2025-11-01", jobs=0))
