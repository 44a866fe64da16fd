"""Failures the property tests (tests/test_properties.py) found, each as its minimal case.

Each test fails until the library is fixed; the property that found it steps round it
meanwhile (its filter in test_properties.py, marked KNOWN, names the test here).

The table of working days in reviewrules._calendar is shared by the whole process and
grows with the dates asked for; the calendar tests here start from a fresh one, so that
they do not depend on what ran before them.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from reviewrules import CaseError, Refusal, Result, ReviewRulesError, _calendar, case_from_mapping, evaluate, evaluate_many
from reviewrules._calendar import due_date, shift
from reviewrules.cli import main


@pytest.fixture
def fresh_calendar(monkeypatch):
    monkeypatch.setattr(_calendar, "_WORKING_DAYS", _calendar._WorkingDays())


def _start(day: str, **child) -> dict:
    return {"child": {"id": "E", **child}, "events": [{"type": "became_looked_after", "date": day}]}


# --- the order of events -----------------------------------------------------------------


def test_a_recommendation_resolved_the_day_it_is_made_is_not_refused_when_listed_first():
    # Found by test_generated_histories (the events shuffled). Events may come in any order
    # (contract section 1: "evaluation sorts them by date"), and output is the same whatever
    # their order (docs/output.md). Listing the resolution of a recommendation before its
    # making, on the same day, refuses the child (unknown-recommendation) instead.
    made = {"type": "recommendation_made", "date": "2025-02-03", "id": "R1"}
    resolved = {"type": "recommendation_resolved", "date": "2025-02-03", "id": "R1"}
    start = {"type": "became_looked_after", "date": "2025-01-06"}
    in_order = evaluate("england", {"child": {"id": "R"}, "events": [start, made, resolved]}, "2025-03-01")
    listed_first = evaluate("england", {"child": {"id": "R"}, "events": [start, resolved, made]}, "2025-03-01")
    assert listed_first.to_dict() == in_order.to_dict()


# --- the ends of the calendar --------------------------------------------------------------


def test_counting_working_days_back_past_year_1_is_refused_not_a_wrong_date(fresh_calendar):
    # Found by test_due_date_is_shift_end. shift() refuses (there is no working day before
    # 0001-01-01); due_date() indexes its table at -1 and returns a date at the table's far
    # end instead (2156-12-31 here; it depends on what the table covers).
    with pytest.raises((OverflowError, ValueError)):
        shift(date(1, 1, 1), 1, "working_days", "before")
    with pytest.raises((OverflowError, ValueError)):
        due_date(date(1, 1, 1), 1, "working_days", "before")


def test_due_date_counts_working_days_up_to_the_end_of_the_calendar(fresh_calendar):
    # Found by test_due_date_is_shift_end. 5 working days after 9999-12-20 is 9999-12-27
    # (shift() says so); due_date() raises ValueError: its table keeps a year's margin
    # beyond the date and asks for year 10000.
    assert shift(date(9999, 12, 20), 5, "working_days", "after").end == date(9999, 12, 27)
    assert due_date(date(9999, 12, 20), 5, "working_days", "after") == date(9999, 12, 27)


def test_a_date_of_birth_near_year_9999_is_refused_not_a_crash(fresh_calendar):
    # Found by test_generated_histories_at_the_ends_of_the_calendar. The 18th birthday
    # (reviewrules/case/_history.py, birthday(dob, 18)) is past year 9999: ValueError
    # "year 10008 is out of range" from case_from_mapping, not a CaseError.
    try:
        case_from_mapping(_start("9995-01-06", dob="9990-01-01"))
    except CaseError:
        pass


def test_a_child_looked_after_from_late_9999_is_evaluated_or_refused_not_a_crash(fresh_calendar):
    # Found by test_generated_histories_at_the_ends_of_the_calendar. Every bundled policy
    # counts the initial review 20 working days on, which due_date() cannot reach:
    # ValueError "year 10001 is out of range" from evaluate().
    try:
        evaluate("england", _start("9999-12-20"), "9999-12-31", backend="python")
    except ReviewRulesError:
        pass


def test_evaluate_many_report_never_raises_for_a_child_at_the_end_of_the_calendar(fresh_calendar):
    # Found by test_generated_histories_at_the_ends_of_the_calendar. on_error="report"
    # promises "never an exception for bad input" (evaluate_or_refuse); it catches only
    # CaseError and EvaluationError, so the ValueError above escapes.
    cases = [_start("2025-01-06"), _start("9999-12-20"), _start("9995-01-06", dob="9990-01-01")]
    out = list(evaluate_many("england", cases, "2025-11-01", backend="python", on_error="report"))
    assert len(out) == 3 and all(isinstance(item, (Result, Refusal)) for item in out)


def test_a_child_looked_after_from_0001_01_01_is_evaluated_under_cumbria_not_a_crash(fresh_calendar):
    # Found by test_generated_histories_at_the_ends_of_the_calendar. Cumbria's rules (and
    # their other readings, engine/_collect.py _readings) count back from the start:
    # OverflowError "date value out of range" from shift().
    try:
        evaluate("cumbria", _start("0001-01-01"), "0001-01-01", backend="python")
    except ReviewRulesError:
        pass


def test_caseload_reports_a_child_at_the_end_of_the_calendar_and_evaluates_the_others(fresh_calendar):
    # Found by test_cli_caseload_never_crashes_on_junk_json_lines. One child whose 18th
    # birthday is past year 9999 ends the whole run: "internal error: ValueError: year 10008
    # is out of range", exit 3, no rows for the good child and no closing count line.
    lines = [json.dumps(_start("2025-01-06")), json.dumps({**_start("9995-01-06", dob="9990-01-01"), "child": {"id": "F", "dob": "9990-01-01"}})]
    out, err = io.StringIO(), io.StringIO()
    status = main(["caseload", "-", "-p", "england", "--as-of", "2025-11-01"], stdout=out, stderr=err, stdin=io.StringIO("\n".join(lines) + "\n"))
    assert "internal error" not in err.getvalue()
    assert err.getvalue().rstrip("\n").rsplit("\n", 1)[-1] == "1 children evaluated, 1 refused"
    assert status == 1


# --- evaluate_many(on_error="report") reads a mapping differently ------------------------


def test_evaluate_many_report_accepts_the_date_objects_evaluate_accepts():
    # Found by test_evaluate_many_gives_one_result_or_refusal_per_child (python_mappings).
    # evaluate() and evaluate_many(on_error="raise") read a mapping through plain_data, which
    # turns datetime.date values into ISO strings; on_error="report" (evaluate_or_refuse ->
    # case_or_refusal) does not, and refuses the child: "must be a string, not date".
    case = {"child": {"id": "D", "dob": date(2012, 5, 1)}, "events": [{"type": "became_looked_after", "date": date(2025, 1, 6)}]}
    assert isinstance(evaluate("england", case, "2025-03-01"), Result)
    (raised,) = evaluate_many("england", [case], "2025-03-01")
    (reported,) = evaluate_many("england", [case], "2025-03-01", on_error="report")
    assert isinstance(reported, Result), getattr(reported, "problems", None)
    assert reported.to_dict() == raised.to_dict()


def test_evaluate_many_report_refuses_a_key_that_is_not_a_string_without_raising():
    # Found by test_evaluate_many_gives_one_result_or_refusal_per_child (python_mappings).
    # evaluate() refuses it (CaseError: unknown field '1'); on_error="report" raises
    # TypeError from the schema message's spelling suggestion (policy/_schema.py _suggest,
    # difflib on an int).
    case = {"child": {"id": "K"}, "events": [{"type": "became_looked_after", "date": "2025-01-06", 1: 2}]}
    with pytest.raises(CaseError):
        evaluate("england", case, "2025-03-01")
    (item,) = evaluate_many("england", [case], "2025-03-01", on_error="report")
    assert isinstance(item, Refusal)


def test_a_count_near_year_9999_does_not_break_later_counts(fresh_calendar):
    # Found by test_due_date_is_shift_end (which now gives each example a fresh table). Once
    # the shared table of working days has grown to 9999-12-31 (one count from late 9998:
    # a mistyped year in one child's record), it can never grow again: _cover asks for a
    # year's margin past it. Every later count outside the table raises ValueError "year
    # 10000 is out of range", for ordinary dates and other children too.
    assert due_date(date(9998, 12, 1), 1, "working_days", "after") == date(9998, 12, 2)
    assert due_date(date(1980, 1, 7), 5, "working_days", "after") == date(1980, 1, 14)


# --- data nested deeper than Python recurses ----------------------------------------------


def _deep(depth: int) -> list:
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


def test_a_case_nested_thousands_deep_is_refused_not_a_recursion_error():
    # Found by test_junk_is_refused_never_a_crash (deeply_nested_cases). A YAML or JSON file
    # is refused past 64 levels (too-large); plain data is not checked: RecursionError from
    # json.dumps in plain_data (case_from_mapping) and from repr in the schema message
    # (evaluate_many on_error="report").
    case = {"child": {"id": "N"}, "events": _deep(5000)}
    with pytest.raises(CaseError):
        case_from_mapping(case)
    (item,) = evaluate_many("england", [case], "2025-11-01", on_error="report")
    assert isinstance(item, Refusal)


def test_caseload_refuses_a_json_line_nested_too_deep_and_evaluates_the_others():
    # Found by test_cli_caseload_never_crashes_on_junk_json_lines. json.loads of one line
    # nested 100,000 deep (case/_stream.py, _lines) raises RecursionError, which ends the whole
    # run: "internal error: RecursionError", exit 3, no closing count line.
    good = json.dumps(_start("2025-01-06"))
    deep = '{"child": {"id": "D"}, "events": ' + "[" * 100_000 + "]" * 100_000 + "}"
    out, err = io.StringIO(), io.StringIO()
    status = main(["caseload", "-", "-p", "england", "--as-of", "2025-11-01"], stdout=out, stderr=err, stdin=io.StringIO(good + "\n" + deep + "\n"))
    assert "internal error" not in err.getvalue()
    assert err.getvalue().rstrip("\n").rsplit("\n", 1)[-1] == "1 children evaluated, 1 refused"
    assert status == 1


# --- found once the filters above were removed ----------------------------------------------


def test_two_reviews_held_on_one_day_are_refused_for_the_same_problems_however_they_are_listed():
    # Found by test_generated_histories_at_the_ends_of_the_calendar once its filters went.
    # Listed 1 then 2: duplicate-event; listed 2 then 1: duplicate-event and review-number,
    # because the numbers were checked in the order listed within the day.
    start = {"type": "became_looked_after", "date": "2025-02-03"}
    one = {"type": "review_held", "date": "2025-02-27", "review": 1}
    two = {"type": "review_held", "date": "2025-02-27", "review": 2}
    codes = []
    for events in ([start, one, two], [start, two, one]):
        with pytest.raises(CaseError) as caught:
            case_from_mapping({"child": {"id": "T"}, "events": events})
        codes.append(sorted(p.code for p in caught.value.problems))
    assert codes == [["duplicate-event"], ["duplicate-event"]]
