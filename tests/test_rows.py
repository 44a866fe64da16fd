"""A caseload child's rows made straight from its facts (``engine._rows``) are its result's:
the same obligations in the same order, the same CSV, the same part of the summary."""

from datetime import date

import pytest

from reviewrules import case_from_mapping, load_policy
from reviewrules._evaluate import _csv_of_one, _evaluate_one, _rows_of_one, _runner
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.engine._compile import compile_policy
from reviewrules.engine._rows import ChildRows, open_escalation_periods, result_rows
from reviewrules.output._summary import CaseloadSummary
from reviewrules.output._tables import ChildCsv, ObligationFilter, csv_rows

AS_OF = date(2025, 11, 1)


@pytest.fixture(scope="module")
def cases():
    return [case_from_mapping(c) for c in synthetic_cases(200, seed=31, as_of=AS_OF)]


@pytest.mark.parametrize("policy_id", ["york", "stoke", "cumbria", "caldecott", "iro-guide", "england"])
def test_rows_from_facts_are_the_results_rows_csv_and_summary(policy_id, cases):
    compiled = compile_policy(load_policy(policy_id))
    run = _runner("python")
    summary = CaseloadSummary(AS_OF)
    late = filtered = 0
    late_reviews = ObligationFilter(frozenset({"late"}), ("review.",), None, None)
    for case in cases:
        result = _evaluate_one(compiled, case, AS_OF, run, readings=False)
        rows = _rows_of_one(compiled, case, AS_OF, run)
        assert isinstance(rows, ChildRows)
        assert rows.obligations == result_rows(result)
        assert rows.open_escalations == open_escalation_periods(result)
        assert rows.periods == result.periods and rows.warnings == result.warnings
        assert csv_rows(rows) == csv_rows(result)
        written = _csv_of_one(compiled, case, AS_OF, run)
        assert isinstance(written, ChildCsv) and written.child == case.child_id and written.warnings == result.warnings
        assert written.text == csv_rows(result)
        assert csv_rows(rows, late_reviews) == csv_rows(result, late_reviews)
        assert summary.part(rows) == summary.part(result)
        late += sum(1 for o in result.obligations if o.status == "late")
        filtered += csv_rows(rows, late_reviews).count("\n")
    assert 0 < filtered <= late  # the corpus exercises the filter


def test_a_row_shows_a_review_of_unknown_number_as_empty():
    # A period begun before the records begin: its reviews' numbers are not known (records_from).
    case = case_from_mapping(
        {
            "child": {"id": "R1"},
            "records_from": "2024-04-01",
            "events": [
                {"type": "became_looked_after", "date": "2023-01-09"},
                {"type": "review_held", "date": "2024-05-02"},
            ],
        }
    )
    compiled = compile_policy(load_policy("england"))
    rows = _rows_of_one(compiled, case, AS_OF, _runner("python"))
    subsequent = [row for row in rows.obligations if row[1] == "review.subsequent"]
    assert subsequent and all(row[2] is None for row in subsequent)
    assert subsequent[0][0] == date(2024, 11, 2)  # six months after 2 May 2024 (england: 6 months)


def test_the_csv_written_as_rows_are_sorted_is_the_results_csv_over_two_periods_and_a_quoted_id():
    # Two periods of care, the second begun the day after the first ended: each period's
    # rows under its own start date, and a child id with a comma quoted as csv quotes it.
    case = case_from_mapping(
        {
            "child": {"id": "Q,1"},  # a child id the CSV quotes
            "events": [
                {"type": "became_looked_after", "date": "2024-01-08"},
                {"type": "review_held", "date": "2024-01-26"},
                {"type": "ceased_looked_after", "date": "2024-03-01"},
                {"type": "became_looked_after", "date": "2024-03-02"},
                {"type": "review_held", "date": "2024-03-20"},
            ],
        }
    )
    compiled = compile_policy(load_policy("york"))
    run = _runner("python")
    result = _evaluate_one(compiled, case, AS_OF, run, readings=False)
    written = _csv_of_one(compiled, case, AS_OF, run)
    assert written.text == csv_rows(result)
    assert written.text.startswith('"Q,1",2024-01-08,') and '"Q,1",2024-03-02,' in written.text
