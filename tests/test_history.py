"""Whole care histories (contract sections 1 and 2): periods of care, the 18th birthday,
escalations kept as a record, records that begin part-way through a period.

Every date below was counted by hand from regulation 33 (the england policy):
initial review within 20 working days, second within three months of the first,
then every six months; an overdue review is escalated the day after it falls due.
"""

from datetime import date

import pytest

from reviewrules import CaseError, Refusal, Result, case_from_mapping, evaluate, evaluate_many, load_cases

RE_ENTRY = {
    "child": {"id": "H-1", "dob": "2010-01-15"},
    "events": [
        {"type": "became_looked_after", "date": "2024-01-08"},
        {"type": "review_held", "date": "2024-02-01"},
        {"type": "ceased_looked_after", "date": "2024-03-15"},
        {"type": "review_held", "date": "2024-06-01"},
        {"type": "became_looked_after", "date": "2024-09-02"},
        {"type": "review_held", "date": "2024-09-26"},
    ],
}


def _obligations(result: Result) -> list[tuple]:
    return [(o.period, o.kind, o.review, o.due, o.status) for o in result.obligations]


def test_a_child_who_comes_back_into_care_starts_the_review_cycle_again_numbered_from_one():
    result = evaluate("england", RE_ENTRY, as_of="2024-12-31")
    first, second = date(2024, 1, 8), date(2024, 9, 2)
    assert _obligations(result) == [
        # Mon 8 Jan 2024 + 20 working days: 9-12 Jan (4), 15-19 (9), 22-26 (14), 29 Jan-2 Feb (19), Mon 5 Feb (20).
        (first, "review.initial", 1, date(2024, 2, 5), "met"),
        # 1 Feb + 3 months = 1 May 2024, after the period ended on 15 Mar and never held.
        (first, "review.second", 2, date(2024, 5, 1), "not_applicable"),
        # Mon 2 Sep 2024 + 20 working days: 3-6 Sep (4), 9-13 (9), 16-20 (14), 23-27 (19), Mon 30 Sep (20).
        (second, "review.initial", 1, date(2024, 9, 30), "met"),
        # 26 Sep + 3 months = 26 Dec 2024, not held by 31 Dec.
        (second, "review.second", 2, date(2024, 12, 26), "overdue"),
    ]
    (escalation,) = result.escalations
    assert (escalation.period, escalation.about.review, escalation.raised, escalation.resolved) == (
        second,
        2,
        date(2024, 12, 27),
        None,
    )
    ended = result.obligation("review.second", 2, period="2024-01-08")
    assert ended.notes[-1] == "not applicable: the child ceased to be looked after on 2024-03-15, before it fell due"


def test_an_event_between_two_periods_is_a_warning_and_refuses_nothing():
    result = evaluate("england", RE_ENTRY, as_of="2024-12-31")
    (warning,) = result.warnings
    assert (warning.code, warning.event) == ("outside-period", 4)
    assert "review_held on 2024-06-01 is after the period of care ended on 2024-03-15" in warning.message
    data = result.to_dict()
    assert data["warnings"] == [{"code": "outside-period", "message": warning.message, "event": 4}]
    assert {o["period"] for o in data["obligations"]} == {"2024-01-08", "2024-09-02"}
    assert data["escalations"][0]["period"] == "2024-09-02"


def test_strict_makes_an_event_outside_every_period_a_refusal():
    with pytest.raises(CaseError) as caught:
        evaluate("england", RE_ENTRY, as_of="2024-12-31", strict=True)
    (problem,) = caught.value.problems
    assert problem.code == "outside-period" and problem.child == "H-1"


EIGHTEEN = {
    "child": {"id": "H-18", "dob": "2006-05-10"},
    "events": [
        {"type": "became_looked_after", "date": "2023-09-04"},
        {"type": "review_held", "date": "2023-09-28"},
        {"type": "review_held", "date": "2023-12-20"},
        {"type": "review_held", "date": "2024-06-01"},
    ],
}


def test_a_review_due_after_the_18th_birthday_is_not_applicable_and_nothing_is_escalated_for_an_adult():
    result = evaluate("england", EIGHTEEN, as_of="2024-09-01")
    start = date(2023, 9, 4)
    assert _obligations(result) == [
        # Mon 4 Sep 2023 + 20 working days: 5-8 Sep (4), 11-15 (9), 18-22 (14), 25-29 (19), Mon 2 Oct (20).
        (start, "review.initial", 1, date(2023, 10, 2), "met"),
        # 28 Sep + 3 months = 28 Dec 2023; held 20 Dec.
        (start, "review.second", 2, date(2023, 12, 28), "met"),
        # 20 Dec 2023 + 6 months = 20 Jun 2024, after the 18th birthday (10 May 2024).
        (start, "review.subsequent", 3, date(2024, 6, 20), "not_applicable"),
    ]
    note = result.obligations[-1].notes[-1]
    assert "after the period of care ended on the 18th birthday 2024-05-10" in note
    assert "Children Act 1989 s. 105(1)" in note and "a person under the age of eighteen" in note
    assert result.escalations == ()
    (warning,) = result.warnings
    assert warning.code == "outside-period" and "after the period of care ended on 2024-05-10 (the child turned 18)" in warning.message


def test_a_review_due_on_the_18th_birthday_and_missed_stays_overdue_but_is_not_escalated_after_it():
    # 18th birthday Thu 20 Jun 2024 = the subsequent review's due date: that day belongs to the period.
    case = {"child": {"id": "H-19", "dob": "2006-06-20"}, "events": EIGHTEEN["events"][:3]}
    result = evaluate("england", case, as_of="2024-09-01")
    assert result.obligation("review.subsequent", 3).status == "overdue"
    # It would be escalated on 21 Jun, the day after the period ended.
    assert result.escalations == ()


def test_an_escalation_stays_on_record_with_the_date_the_late_review_was_held():
    case = {
        "child": {"id": "H-LATE"},
        "events": [
            {"type": "became_looked_after", "date": "2025-02-03"},
            {"type": "review_held", "date": "2025-03-10"},
        ],
    }
    before = evaluate("england", case, as_of="2025-03-05")
    after = evaluate("england", case, as_of="2025-04-01")
    # Due Mon 3 Mar 2025 (the contract's worked example); overdue from Tue 4 Mar; held Mon 10 Mar.
    assert [(e.raised, e.resolved) for e in before.escalations] == [(date(2025, 3, 4), None)]
    assert [(e.raised, e.resolved) for e in after.escalations] == [(date(2025, 3, 4), date(2025, 3, 10))]
    assert after.to_dict()["escalations"][0]["resolved"] == "2025-03-10"
    assert after.obligation("review.initial", 1).status == "late"


def test_a_review_held_before_the_escalation_would_be_raised_leaves_no_escalation():
    case = {
        "child": {"id": "H-ONTIME"},
        "events": [
            {"type": "became_looked_after", "date": "2025-02-03"},
            {"type": "review_held", "date": "2025-03-03"},
        ],
    }
    assert evaluate("england", case, as_of="2025-04-01").escalations == ()


RECORDS_FROM = {
    "child": {"id": "H-OLD"},
    "records_from": "2024-04-01",
    "events": [
        {"type": "became_looked_after", "date": "2019-06-03"},
        {"type": "review_held", "date": "2024-02-10"},
        {"type": "review_held", "date": "2024-05-15"},
        {"type": "review_held", "date": "2024-11-01"},
    ],
}


def test_a_period_that_began_before_the_records_is_judged_from_the_first_review_on_or_after_them():
    result = evaluate("england", RECORDS_FROM, as_of="2025-06-01")
    start = date(2019, 6, 3)
    assert _obligations(result) == [
        # Mon 3 Jun 2019 + 20 working days = Mon 1 Jul 2019: before the records begin.
        (start, "review.initial", 1, date(2019, 7, 1), "not_applicable"),
        # The review of 15 May 2024 is the first on or after 1 Apr 2024: 15 May + 6 months = 15 Nov 2024.
        (start, "review.subsequent", None, date(2024, 11, 15), "met"),
        # 1 Nov 2024 + 6 months = 1 May 2025, not held by 1 Jun 2025.
        (start, "review.subsequent", None, date(2025, 5, 1), "overdue"),
    ]
    assert "before the records begin" in result.obligations[0].notes[-1]
    (escalation,) = result.escalations
    assert (escalation.about.kind, escalation.about.review, escalation.raised) == ("review.subsequent", None, date(2025, 5, 2))
    assert [(w.code, w.event) for w in result.warnings] == [("history-incomplete", 1), ("before-records", 2)]
    assert result.to_dict()["obligations"][1]["review"] is None


def test_the_review_the_records_begin_with_appears_in_the_trace():
    result = evaluate("england", RECORDS_FROM, as_of="2025-06-01")
    overdue = [o for o in result.obligations if o.status == "overdue"][0]
    texts = [step.text for step in overdue.trace]
    assert texts[0] == "event review_held on 2024-05-15 (event 3 in the case)"
    assert "the first on or after the records begin (2024-04-01)" in texts[1]


def test_a_review_number_in_a_period_whose_early_reviews_are_unknown_is_refused():
    data = {**RECORDS_FROM, "events": RECORDS_FROM["events"] + [{"type": "review_scheduled", "date": "2025-05-20", "review": 9}]}
    with pytest.raises(CaseError) as caught:
        case_from_mapping(data)
    assert [p.code for p in caught.value.problems] == ["review-number"]


def test_evaluate_many_reports_a_bad_child_and_carries_on():
    good = {"child": {"id": "A"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}
    bad = {"child": {"id": "B"}, "events": [{"type": "became_looked_after", "date": "2025-02-30"}]}
    out = list(evaluate_many("england", [good, bad, dict(good, child={"id": "C"})], "2025-04-01", on_error="report"))
    assert [type(item).__name__ for item in out] == ["Result", "Refusal", "Result"]
    refusal = out[1]
    assert isinstance(refusal, Refusal) and refusal.child == "B"
    assert refusal.problems[0].code == "date" and "impossible date '2025-02-30'" in refusal.problems[0].message
    with pytest.raises(CaseError):
        list(evaluate_many("england", [good, bad], "2025-04-01"))


def test_load_cases_can_report_each_bad_child_instead_of_refusing_the_file(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(
        "children:\n"
        "  - child: {id: A}\n    events: [{type: became_looked_after, date: 2025-02-03}]\n"
        "  - child: {id: B}\n    events: [{type: became_looked_after, date: 2025-13-01}]\n"
        "  - child: {id: A}\n    events: [{type: became_looked_after, date: 2025-02-03}]\n"
    )
    items = load_cases(path, on_error="report")
    assert [type(i).__name__ for i in items] == ["Case", "Refusal", "Refusal"]
    assert items[1].problems[0].line == 5
    assert items[2].problems[0].code == "duplicate-child"
