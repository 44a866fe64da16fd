"""Case files: every kind of bad input is refused, naming the child, the event and the field."""

import copy
import json
import re
from pathlib import Path

import pytest

from reviewrules import CaseError, case_from_mapping, evaluate, load_cases

INVALID = Path(__file__).parent / "fixtures" / "cases" / "invalid"
EXPECT = re.compile(r"^# expect: (?P<code>[\w-]+) (?P<line>\d+):(?P<col>\d+)(?: (?P<text>.*))?$")
FIXTURES = sorted(INVALID.glob("*.yaml"))


def expectations(path: Path) -> list[dict]:
    return [m.groupdict() for m in map(EXPECT.match, path.read_text().splitlines()) if m]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_invalid_case_reports_exactly_the_expected_problems(fixture):
    with pytest.raises(CaseError) as caught:
        load_cases(fixture)
    problems = caught.value.problems
    expected = expectations(fixture)
    assert expected, f"{fixture.name} declares no expectations"
    assert len(problems) == len(expected), [p.render() for p in problems]
    for problem, want in zip(problems, expected):
        assert problem.code == want["code"], problem.render()
        assert (problem.line, problem.column) == (int(want["line"]), int(want["col"])), problem.render()
        assert want["text"] in problem.message, problem.render()


def test_a_problem_names_the_child_the_event_and_the_field():
    with pytest.raises(CaseError) as caught:
        load_cases(INVALID / "impossible-date.yaml")
    (problem,) = caught.value.problems
    assert problem.child == "C-3"
    assert problem.event == 1
    assert problem.render().endswith("child C-3, event 2: $.events[1].date: impossible date '2025-02-30' (no such day)")


def test_problems_in_a_caseload_name_each_child():
    with pytest.raises(CaseError) as caught:
        load_cases(INVALID / "many-children.yaml")
    assert [p.child for p in caught.value.problems] == ["B", "C"]


BASE = {
    "child": {"id": "C-100", "dob": "2012-05-01"},
    "events": [
        {"type": "became_looked_after", "date": "2025-02-03"},
        {"type": "review_held", "date": "2025-02-27"},
    ],
}


def test_a_case_can_be_given_as_plain_data_and_is_not_mutated():
    data = copy.deepcopy(BASE)
    case = case_from_mapping(data)
    assert data == BASE
    assert case.child_id == "C-100"
    assert [e.type for e in case.events] == ["became_looked_after", "review_held"]


def test_events_are_sorted_by_date_whatever_their_order_in_the_file():
    data = copy.deepcopy(BASE)
    data["events"].reverse()
    assert [e.type for e in case_from_mapping(data).events] == ["became_looked_after", "review_held"]


def test_a_json_case_file_is_read_like_yaml(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(BASE, indent=2))
    (case,) = load_cases(path)
    assert case.events[1].line == 11  # the line of its opening brace


def test_a_task_the_policy_does_not_know_is_a_warning_naming_the_event_not_a_refusal():
    data = copy.deepcopy(BASE)
    data["events"].append({"type": "task_completed", "date": "2025-03-01", "task": "post.decision_record", "review": 1})
    result = evaluate("york", data, as_of="2025-04-01")
    (warning,) = result.warnings
    assert (warning.code, warning.event) == ("unknown-task", 3)
    assert "task 'post.decision_record' is not an obligation kind of policy york" in warning.message
    assert result.to_dict()["warnings"] == [{"code": "unknown-task", "message": warning.message, "event": 3}]
    assert result.obligation("review.initial", 1).status == "met"


def test_strict_refuses_a_task_the_policy_does_not_know_naming_the_event():
    data = copy.deepcopy(BASE)
    data["events"].append({"type": "task_completed", "date": "2025-03-01", "task": "post.decision_record", "review": 1})
    with pytest.raises(CaseError) as caught:
        evaluate("york", data, as_of="2025-04-01", strict=True)
    (problem,) = caught.value.problems
    assert problem.code == "unknown-task"
    assert (problem.child, problem.event) == ("C-100", 2)


def test_a_task_of_a_review_without_its_review_number_is_refused():
    data = copy.deepcopy(BASE)
    data["events"].append({"type": "task_completed", "date": "2025-03-01", "task": "post.full_record"})
    with pytest.raises(CaseError) as caught:
        evaluate("york", data, as_of="2025-04-01")
    assert "belongs to a review under policy york: add review: N" in caught.value.problems[0].message


def test_a_child_listed_twice_in_one_file_is_refused(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(json.dumps({"children": [BASE, BASE]}))
    with pytest.raises(CaseError) as caught:
        load_cases(path)
    assert caught.value.problems[0].code == "duplicate-child"


def test_a_case_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    from reviewrules.policy._yaml import Limits, load_document

    path = tmp_path / "big.yaml"
    path.write_text(json.dumps(BASE))
    doc, problems = load_document(path, Limits(max_bytes=100, max_nodes=1000, max_depth=10))
    assert doc is None
    assert problems[0].code == "too-large"
    assert "over the 100-byte limit" in problems[0].message


def test_a_yaml_bomb_in_a_case_file_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CaseError) as caught:
        load_cases(path)
    assert "YAML bomb" in caught.value.problems[0].message


def test_a_date_ending_in_a_newline_is_refused_and_the_newline_is_shown_not_written():
    data = copy.deepcopy(BASE)
    data["events"][1]["date"] = "2025-02-27\n"
    with pytest.raises(CaseError) as caught:
        case_from_mapping(data)
    (problem,) = caught.value.problems
    assert problem.path == ("events", 1, "date")
    assert "not '2025-02-27\\n'" in problem.message
    assert "\n" not in problem.render()
