"""`reviewrules show --resolved`: the resolved policy as YAML that is itself a valid policy."""

import io
from pathlib import Path

import pytest
from test_policies import POLICY_IDS

from reviewrules import load_policy
from reviewrules.cli import main
from reviewrules.output._resolved import resolved_yaml

VERSIONED = Path(__file__).parent / "fixtures" / "policies" / "versioned.yaml"


def meaning(rule):
    return (rule.id, rule.when, rule.emit, rule.owner, rule.source, rule.notes, rule.alternatives)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_the_resolved_policy_loads_back_with_the_same_rules(policy_id, tmp_path):
    policy = load_policy(policy_id)
    path = tmp_path / f"{policy_id}-resolved.yaml"
    path.write_text(resolved_yaml(policy))
    again = load_policy(path)
    assert again.extends is None
    assert [meaning(r) for r in again.rules] == [meaning(r) for r in policy.rules]


def test_each_rule_says_which_policy_and_line_defined_it():
    text = resolved_yaml(load_policy("york"))
    assert "# england/initial-review" not in text  # york overrides it
    assert "  # york/initial-review, defined in policies/york.yaml:" in text
    caldecott = resolved_yaml(load_policy("caldecott"))
    assert "  # england/review-overdue, defined in policies/england.yaml:" in caldecott


def test_show_prints_one_version_of_a_versioned_policy():
    out = io.StringIO()
    assert main(["show", f"{VERSIONED}@v1", "--resolved"], stdout=out, stderr=io.StringIO()) == 0
    assert "offset: 20 working days after" in out.getvalue()
    out = io.StringIO()
    assert main(["show", str(VERSIONED), "--resolved"], stdout=out, stderr=io.StringIO()) == 0
    assert "offset: 20 days after" in out.getvalue()  # the latest version
    assert "offset: 20 working days after" not in out.getvalue()


def test_show_an_unknown_version_exits_2():
    err = io.StringIO()
    assert main(["show", f"{VERSIONED}@v9", "--resolved"], stdout=io.StringIO(), stderr=err) == 2
    assert "no version 'v9' (versions: v1, v2)" in err.getvalue()
