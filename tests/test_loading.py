"""Policy loading and validation: one invalid fixture per error, each declaring its expected problems.

A fixture's leading comments say what must be reported, in order:
    # expect: <code> <line>:<column> <text the message contains>
"""

import re
from pathlib import Path

import pytest

from reviewrules import PolicyError, check_policy_file, load_policy

INVALID = Path(__file__).parent / "fixtures" / "policies" / "invalid"
EXPECT = re.compile(r"^# expect: (?P<code>[\w-]+)(?: (?P<line>\d+):(?P<col>\d+))?(?: (?P<text>.*))?$")


def expectations(path: Path) -> list[dict]:
    found = []
    for line in path.read_text().splitlines():
        match = EXPECT.match(line)
        if match:
            found.append(match.groupdict())
    return found


FIXTURES = sorted(p for p in INVALID.glob("*.yaml") if expectations(p))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_invalid_policy_reports_exactly_the_expected_problems(fixture):
    problems = check_policy_file(fixture)
    expected = expectations(fixture)
    assert len(problems) == len(expected), [p.render() for p in problems]
    for problem, want in zip(problems, expected):
        assert problem.code == want["code"], problem.render()
        assert problem.file == str(fixture)
        if want["line"]:
            assert (problem.line, problem.column) == (int(want["line"]), int(want["col"])), problem.render()
        if want["text"]:
            assert want["text"] in problem.message, problem.render()


def test_every_invalid_fixture_declares_its_expected_problems():
    undeclared = [p.name for p in INVALID.glob("*.yaml") if not expectations(p) and p.name != "empty.yaml"]
    assert undeclared == []


def test_an_empty_policy_file_is_refused_at_line_one():
    (problem,) = check_policy_file(INVALID / "empty.yaml")
    assert (problem.code, problem.line) == ("empty", 1)


def test_policies_that_extend_each_other_in_a_loop_are_refused():
    problems = check_policy_file(INVALID / "loop" / "a.yaml")
    assert any("extend each other in a loop (a.yaml -> b.yaml -> a.yaml)" in p.message for p in problems)


def test_a_policy_over_the_size_limit_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("id: big\n# " + "x" * (3 * 1024 * 1024) + "\n")
    (problem,) = check_policy_file(big)
    assert problem.code == "too-large"
    assert "limit" in problem.message


def test_missing_policy_file_names_the_file(tmp_path):
    (problem,) = check_policy_file(tmp_path / "nowhere.yaml")
    assert problem.code == "not-found"
    assert problem.file.endswith("nowhere.yaml")


def test_unknown_bundled_policy_lists_the_bundled_ones():
    with pytest.raises(PolicyError) as caught:
        load_policy("atlantis")
    assert "no bundled policy 'atlantis'" in str(caught.value)
    assert "york" in str(caught.value)


def test_problem_renders_as_file_line_column_path_message():
    problems = check_policy_file(INVALID / "offset-no-unit.yaml")
    assert problems[0].render().startswith(
        f"{INVALID / 'offset-no-unit.yaml'}:11:15: rule initial-review: $.rules[0].emit.offset: offset of 20 has no unit"
    )


def test_bundled_policy_errors_name_the_file_as_policies_slash_id():
    policy = load_policy("york")
    assert policy.file == "policies/york.yaml"
    assert policy.rule("initial-review").file == "policies/york.yaml"
    assert policy.rule("review-overdue").policy == "york"


def test_a_child_policy_inherits_rules_it_does_not_override():
    policy = load_policy("york")
    england = load_policy("england")
    assert policy.extends == "england"
    assert policy.lineage == ("england", "york")
    assert {r.id for r in england.rules} <= {r.id for r in policy.rules}


def test_a_policy_can_remove_an_inherited_rule(tmp_path):
    child = tmp_path / "quiet.yaml"
    child.write_text(
        "id: quiet\ntitle: No escalation\nextends: england\ndocument: {title: Test}\nremove: [review-overdue]\nrules: []\n"
    )
    policy = load_policy(child)
    assert "review-overdue" not in {r.id for r in policy.rules}
    assert len(policy.rules) == len(load_policy("england").rules) - 1


def test_a_policy_extends_a_sibling_file_before_a_bundled_one(tmp_path):
    (tmp_path / "england.yaml").write_text(
        "id: england\ntitle: Local copy\ndocument: {title: Local}\nrules: []\n"
    )
    child = tmp_path / "variant.yaml"
    child.write_text("id: variant\ntitle: V\nextends: england\ndocument: {title: V}\nrules: []\n")
    assert load_policy(child).rules == ()


def test_digest_changes_with_meaning_not_layout(tmp_path):
    original = (Path(__file__).parent.parent / "policies" / "england.yaml").read_text()
    relaid = tmp_path / "england.yaml"
    relaid.write_text("# a comment that changes nothing\n" + original.replace("\n\n", "\n"))
    changed = tmp_path / "changed.yaml"
    changed.write_text(original.replace("20 working days after", "20 days after"))
    base = load_policy("england").digest
    assert load_policy(relaid).digest == base
    assert load_policy(changed).digest != base
