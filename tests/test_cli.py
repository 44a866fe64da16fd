"""The command line, run in-process through main(argv)."""

import io
import json
from pathlib import Path

import pytest

from reviewrules.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "york-worked-example.yaml"
INVALID_POLICIES = Path(__file__).parent / "fixtures" / "policies" / "invalid"
INVALID_CASES = Path(__file__).parent / "fixtures" / "cases" / "invalid"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_evaluate_prints_the_contracts_json_for_one_child():
    code, out, err = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["child"] == "C-0001"
    assert data["as_of"] == "2025-04-01"
    second = next(o for o in data["obligations"] if o["kind"] == "review.second")
    assert (second["review"], second["due"], second["status"]) == (2, "2025-05-29", "pending")


def test_evaluate_is_byte_identical_on_every_run():
    first = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")
    second = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")
    assert first == second


def test_evaluate_prints_a_text_table():
    code, out, _ = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "--format", "text")
    assert code == 0
    assert out.splitlines()[0] == "C-0001: policy york v47, as of 2025-04-01"
    row = next(line for line in out.splitlines() if "review.second" in line)
    assert row.split()[:4] == ["2025-05-29", "pending", "review.second", "2"]


def test_evaluate_wraps_many_children_in_results(tmp_path):
    case = {"child": {"id": "A"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}
    other = {"child": {"id": "B"}, "events": [{"type": "became_looked_after", "date": "2025-03-03"}]}
    path = tmp_path / "caseload.json"
    path.write_text(json.dumps({"children": [case, other]}))
    code, out, _ = run("evaluate", str(path), "--policy", "england", "--as-of", "2025-04-01")
    assert code == 0
    data = json.loads(out)
    assert [r["child"] for r in data["results"]] == ["A", "B"]
    # 20 working days after Mon 3 March 2025 is Mon 31 March.
    assert data["results"][1]["obligations"][0]["due"] == "2025-03-31"


def test_evaluate_with_explain_includes_the_arithmetic():
    code, out, _ = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "--explain")
    second = next(o for o in json.loads(out)["obligations"] if o["kind"] == "review.second")
    assert second["trace"][-1]["arithmetic"] == "2025-02-27 + 91 days = 2025-05-29"


def test_evaluate_with_either_backend_prints_the_same_bytes():
    from reviewrules.engine._durable import available

    if not available():
        pytest.skip("durable-rules does not import on this Python")
    a = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "--backend", "durable")
    b = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "--backend", "python")
    assert a == b


def test_a_bad_case_file_exits_2_with_one_line_per_problem_and_no_traceback():
    code, out, err = run("evaluate", str(INVALID_CASES / "many-children.yaml"), "--policy", "york")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 2
    assert "child B, event 1: $.children[1].events[0].date: impossible date '2025-04-31'" in lines[0]
    assert "Traceback" not in err


def test_a_bad_policy_exits_2_naming_file_line_and_column():
    code, _, err = run("evaluate", str(EXAMPLE), "--policy", str(INVALID_POLICIES / "offset-no-unit.yaml"))
    assert code == 2
    assert err.startswith(f"{INVALID_POLICIES / 'offset-no-unit.yaml'}:11:15: ")


def test_an_unknown_policy_id_exits_2():
    code, _, err = run("evaluate", str(EXAMPLE), "--policy", "narnia")
    assert code == 2
    assert "no bundled policy 'narnia'" in err


def test_a_missing_case_file_exits_2():
    code, _, err = run("evaluate", "no-such-case.yaml", "--policy", "york")
    assert (code, err.strip()) == (2, "no-such-case.yaml: no such file")


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "missing command"),
        (["evaluate", "case.yaml"], "the following arguments are required: --policy"),
        (["evaluate", "case.yaml", "--policy", "york", "--format", "xml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_exit_2_with_a_single_line(argv, message):
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert message in err


def test_a_bad_as_of_date_exits_2():
    code, _, err = run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-13-01")
    assert code == 2
    assert "as-of date" in err


def test_validate_accepts_good_files_and_says_what_they_are():
    code, out, err = run("validate", str(ROOT / "policies" / "york.yaml"), str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{ROOT / 'policies' / 'york.yaml'}: ok (policy)", f"{EXAMPLE}: ok (case)"]


def test_validate_reports_every_problem_in_every_file():
    code, _, err = run(
        "validate", str(INVALID_POLICIES / "many-problems.yaml"), str(INVALID_CASES / "impossible-date.yaml")
    )
    assert code == 2
    problems = [line for line in err.splitlines() if not line.startswith("    fix: ")]
    assert len(problems) == 4
    assert problems[0].endswith("[schema]")
    assert err.splitlines()[1].startswith("    fix: see docs/policy-format.md")


def test_validate_json_gives_codes_and_locations():
    code, out, _ = run("validate", "--format", "json", str(INVALID_POLICIES / "duplicate-rule-id.yaml"))
    assert code == 2
    (report,) = json.loads(out)["files"]
    assert report["kind"] == "policy" and report["ok"] is False
    assert report["problems"][0] == {
        "code": "duplicate-rule",
        "fix": "rename one of the rules, or merge them",
        "message": "duplicate rule id 'initial-review' (first defined on line 6); give each rule its own id",
        "file": str(INVALID_POLICIES / "duplicate-rule-id.yaml"),
        "line": 12,
        "column": 9,
        "rule": "initial-review",
        "path": "$.rules[1].id",
    }


def test_validate_refuses_a_yaml_bomb():
    code, _, err = run("validate", str(INVALID_POLICIES / "yaml-bomb.yaml"))
    assert code == 2
    assert "YAML bomb" in err


def test_policies_lists_the_bundled_policies_with_source_and_version():
    code, out, _ = run("policies")
    assert code == 0
    york = next(line for line in out.splitlines() if line.startswith("york "))
    assert "v47" in york and "2024-03-15" in york and "City of York Council" in york
    code, out, _ = run("policies", "--format", "json")
    ids = [p["id"] for p in json.loads(out)["policies"]]
    assert "england" in ids and "york" in ids


def test_help_exits_0():
    code, out, _ = run("--help")
    assert code == 0
    assert "evaluate" in out


def test_python_dash_m_runs_the_same_command():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "reviewrules", "evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0
    assert done.stdout == run("evaluate", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01")[1]


def test_every_error_code_in_the_code_has_a_fix_and_a_line_in_docs_errors():
    import ast
    import re

    from reviewrules._errors import HINTS

    used = set()
    for path in (ROOT / "reviewrules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    used.add(keyword.value.value)
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "problem" and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
                used.add(node.args[2].value)
    assert len(used) > 30
    assert used <= set(HINTS), used - set(HINTS)
    text = (ROOT / "docs" / "errors.md").read_text()
    documented = set(re.findall(r'^\| <a id="([a-z0-9-]+)"></a>`\1` \|', text, re.M))
    assert documented == set(HINTS)


def test_explain_prints_the_chain_with_quotes_and_arithmetic():
    code, out, _ = run(
        "explain", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "--obligation", "prep.invitations:2"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "C-0001: prep.invitations (review 2), due 2025-05-02, pending; policy york v47, as of 2025-04-01"
    assert "  1. event became_looked_after on 2025-02-03 (event 1 in the case)" in lines
    assert '  4. rule york/invitations: "These should be sent at least 10 working days before the meeting."' in lines
    assert "     2025-05-19 - 10 working days = 2025-05-02 (bank holidays skipped: 2025-05-05 May Day)" in lines


def test_explain_json_gives_the_trace():
    code, out, _ = run(
        "explain", str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", "-o", "review.second", "--format", "json"
    )
    data = json.loads(out)
    (item,) = data["items"]
    assert item["trace"][-1]["arithmetic"] == "2025-02-27 + 91 days = 2025-05-29"
    assert data["policy"]["id"] == "york"


def test_explain_an_escalation():
    case = {"child": {"id": "X"}, "events": [{"type": "became_looked_after", "date": "2025-01-06"}]}
    path = Path(__file__).parent / "fixtures" / "cases" / "overdue.json"
    path.write_text(json.dumps(case))
    try:
        code, out, _ = run("explain", str(path), "-p", "york", "--as-of", "2025-03-01", "-o", "escalation.review_overdue")
    finally:
        path.unlink()
    assert code == 0
    assert "escalation.review_overdue about review.initial (review 1), raised 2025-02-04 to iro_manager" in out


def test_explain_something_that_is_not_there_lists_what_is():
    code, _, err = run("explain", str(EXAMPLE), "-p", "york", "--as-of", "2025-04-01", "-o", "review.third")
    assert code == 2
    assert "no review.third for child C-0001 (kinds in the result: " in err


def test_render_writes_the_procedure_card():
    code, out, _ = run("render", "york", "--format", "md")
    assert code == 0
    assert "20 working days after the date of the event" in out
    code, out, _ = run("render", "york")
    assert out.lstrip().lower().startswith("<!doctype html>")
    assert "<table" in out


def test_the_test_command_runs_scenarios_and_reports_coverage(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "scenario: first review\npolicy: england\nas_of: 2025-02-10\n"
        "case: {child: {id: T}, events: [{type: became_looked_after, date: 2025-02-03}]}\n"
        "expect:\n  obligations:\n    - {kind: review.initial, review: 1, due: 2025-03-03, status: pending}\n"
    )
    code, out, _ = run("test", str(tmp_path))
    assert code == 0
    assert out.splitlines()[-1] == "1 scenarios: 1 passed, 0 failed"
    code, out, _ = run("test", str(tmp_path), "--coverage")
    assert code == 1  # england's other rules were not exercised
    assert "  england: england/second-review (policies/england.yaml:" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("2025-03-03", "2025-03-04"))
    code, out, _ = run("test", str(bad))
    assert code == 1
    assert "expected obligation {kind: review.initial, review: 1, due: 2025-03-04, status: pending} not found" in out


def test_the_bundled_scenarios_pass_with_full_coverage_from_the_command_line():
    code, out, _ = run("test", "--coverage", "--backend", "python")
    assert code == 0
    assert out.splitlines()[-1] == "Every rule of every policy tested was exercised by a scenario."


def test_evaluating_a_scenario_file_says_what_it_is():
    scenario = Path(__file__).parent / "scenarios" / "york" / "worked-example.yaml"
    code, _, err = run("evaluate", str(scenario), "--policy", "york")
    assert code == 2
    assert "this is a scenario file, not a case file: run it with 'reviewrules test'" in err
