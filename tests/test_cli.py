"""The command line, run in-process through main(argv)."""

import json
from pathlib import Path

import pytest
from in_process import run

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "york-worked-example.yaml"
INVALID_POLICIES = Path(__file__).parent / "fixtures" / "policies" / "invalid"
INVALID_CASES = Path(__file__).parent / "fixtures" / "cases" / "invalid"


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
    assert err == "reviewrules evaluate: --as-of: impossible date '2025-13-01' (no such day) (see 'reviewrules evaluate --help')\n"


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
    assert err.splitlines()[1].startswith("    fix: run 'reviewrules docs policy-format'")


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
    assert err.startswith("reviewrules explain: --obligation review.third: none for child C-0001 (kinds in the result: ")


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


# One command line (issue: hardening)


def _every_parser():
    import argparse

    from reviewrules.cli._app import _parser

    root = _parser()
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    return [("reviewrules", root)] + sorted(sub.choices.items())


def test_every_command_and_every_argument_has_help_text():
    import argparse

    missing = []
    for name, parser in _every_parser():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_every_command_has_a_one_line_summary_in_the_command_list():
    import argparse

    from reviewrules.cli._app import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    assert set(helps) == set(sub.choices) and all(helps.values())


@pytest.mark.parametrize("option", ["--as-of", "--due-from"])
def test_a_compact_date_on_the_command_line_is_refused_as_it_is_in_a_case_file(option, tmp_path):
    command = "caseload" if option == "--due-from" else "evaluate"
    code, out, err = run(command, str(EXAMPLE), "--policy", "york", "--as-of", "2025-04-01", option, "20250401")
    assert (code, out) == (2, "")
    assert err == (
        f"reviewrules {command}: {option}: must be an ISO date written YYYY-MM-DD, such as 2025-02-03, "
        f"not '20250401' (see 'reviewrules {command} --help')\n"
    )
    case = tmp_path / "compact.yaml"
    case.write_text("child: {id: C-1}\nevents:\n  - {type: became_looked_after, date: '20250401'}\n")
    code, _, err = run("evaluate", str(case), "--policy", "york")
    assert code == 2 and "$.events[0].date" in err and "20250401" in err


def test_the_api_refuses_a_compact_as_of_date_too():
    from reviewrules import ReviewRulesError, evaluate

    with pytest.raises(ReviewRulesError, match="must be an ISO date written YYYY-MM-DD"):
        evaluate("york", {"child": {"id": "C-1"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}, as_of="20250401")


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "missing.yaml", "-p", "york"],
        ["evaluate", str(EXAMPLE), "-p", "nowhere"],
        ["evaluate", str(EXAMPLE), "-p", "york", "--as-of", "01/04/2025"],
        ["evaluate", str(EXAMPLE)],
        ["explain", str(EXAMPLE), "-p", "york", "-o", "review.initial:x"],
        ["validate", str(INVALID_CASES / "two-starts.yaml")],
        ["caseload", str(INVALID_CASES / "two-starts.yaml"), "-p", "york", "--as-of", "2025-04-01"],
        ["show", "york@v1"],
        ["docs", "nowhere"],
        ["frobnicate"],
        [],
    ],
)
def test_every_error_line_begins_with_where_the_problem_is(argv):
    code, _, err = run(*argv)
    assert code in (1, 2)
    lines = [line for line in err.splitlines() if not line.startswith("    fix:")]
    assert lines
    for line in lines:
        if line.endswith(" refused") and line[0].isdigit():  # the caseload's count, as the contract fixes it
            continue
        assert not line.startswith(("reviewrules: error", "error:", "warning:", "refused:")), line
        where = line.split(": ")[0]
        assert where.startswith("reviewrules") or where.endswith(".yaml") or ".yaml:" in where or where == "missing.yaml", line


def test_a_python_tag_in_a_case_is_refused_with_its_line_and_column_and_nothing_else():
    code, out, err = run("evaluate", str(INVALID_CASES / "python-tag.yaml"), "-p", "york")
    assert (code, out) == (2, "")
    assert err == f"{INVALID_CASES / 'python-tag.yaml'}:4:57: $.events[0].note: tags are not allowed (found !!python/str): write the plain value\n"


def test_an_os_system_tag_is_refused_not_dropped(tmp_path):
    case = tmp_path / "apply.yaml"
    case.write_text("child: {id: C-1}\nevents: !!python/object/apply:os.system ['echo hello']\n")
    code, out, err = run("evaluate", str(case), "-p", "york")
    assert (code, out) == (2, "")
    assert err == f"{case}:2:9: $.events: tags are not allowed (found !!python/object/apply:os.system): write the plain value\n"
    assert "unicode string" not in err and "must be an object" not in err


def test_a_child_born_in_1990_who_became_looked_after_in_2025_is_refused_as_an_adult(tmp_path):
    case = tmp_path / "adult.yaml"
    case.write_text("child: {id: C-1990, dob: 1990-01-01}\nevents:\n  - {type: became_looked_after, date: 2025-02-03}\n")
    code, out, err = run("evaluate", str(case), "-p", "york", "--as-of", "2025-04-01")
    assert (code, out) == (2, "")
    assert err.startswith(f"{case}:3:39: child C-1990, event 1: $.events[0].date: became looked after on 2025-02-03, on or after the 18th birthday (2008-01-01)")


def test_show_prints_the_file_as_written_and_resolved_spells_out_the_inheritance():
    code, written, _ = run("show", "caldecott")
    assert code == 0 and written == (ROOT / "policies" / "caldecott.yaml").read_text()
    code, resolved, _ = run("show", "caldecott", "--resolved")
    assert code == 0
    assert "extends: england" in written and "\nextends:" not in resolved
    # caldecott inherits england's overdue escalation: the file does not spell it out; resolved does.
    assert "  # england/review-overdue, defined in policies/england.yaml:" in resolved
    assert "england/review-overdue" not in written


def test_the_default_as_of_date_is_today_in_england_whatever_the_machines_time_zone(tmp_path):
    import os
    import subprocess
    import sys
    from datetime import datetime
    from zoneinfo import ZoneInfo

    env = {**os.environ, "TZ": "Pacific/Kiritimati"}
    before = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "reviewrules", "evaluate", str(EXAMPLE), "-p", "york"],
        env=env, capture_output=True, text=True, check=True,
    )
    after = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    assert json.loads(done.stdout)["as_of"] in (before, after)
