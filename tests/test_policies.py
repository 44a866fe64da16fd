"""The bundled policies: they load, and every rule cites its document in the document's own words."""

import re
from pathlib import Path

import pytest

from reviewrules import bundled_policies, load_policy

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "docs" / "sources"
POLICY_IDS = bundled_policies()


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def test_the_statutory_baseline_and_york_are_bundled():
    assert {"england", "york"} <= set(POLICY_IDS)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_bundled_policy_loads_and_every_rule_has_a_citation(policy_id):
    policy = load_policy(policy_id)
    assert policy.rules
    for rule in policy.rules:
        assert rule.source.document and rule.source.section and rule.source.quote, rule.qualified_id


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_quote_appears_word_for_word_in_its_source_document(policy_id):
    policy = load_policy(policy_id)
    if policy.document.file is None:
        pytest.skip(f"{policy_id} quotes legislation, not a bundled source text")
    text = normalise((SOURCES / policy.document.file).read_text(encoding="utf-8"))
    own = [r for r in policy.rules if r.policy == policy_id and r.source.document == policy.document.title]
    assert own
    missing = [r.qualified_id for r in own if normalise(r.source.quote) not in text]
    assert missing == []


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_bundled_policy_files_carry_the_editor_schema_header(policy_id):
    first = (ROOT / "policies" / f"{policy_id}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/policy.schema.json"


def test_england_encodes_regulation_33():
    england = load_policy("england")
    timescales = {r.emit.kind: r.timescale() for r in england.rules if r.emit.fact == "obligation"}
    assert timescales["review.initial"] == "20 working days after the date of the event"
    assert timescales["review.second"].startswith("3 months after")
    assert timescales["review.subsequent"].startswith("6 months after")
    assert all(r.source.section.startswith("reg. 33") for r in england.rules if r.emit.kind.startswith("review."))


def test_york_records_the_other_reading_of_three_months_as_a_note():
    second = load_policy("york").rule("second-review")
    assert second.emit.offset.amount == 91 and second.emit.offset.unit == "days"
    assert second.alternatives[0].offset.unit == "months"


def test_every_rule_of_every_bundled_policy_is_exercised_by_a_bundled_scenario():
    from reviewrules._resources import bundled_scenarios_dir
    from reviewrules._scenarios import find_scenarios, run_scenarios

    report = run_scenarios(find_scenarios([bundled_scenarios_dir()]), backend="python")
    assert report.problems == ()
    assert [o.scenario.file for o in report.outcomes if not o.passed] == []
    assert {p.id for p in report.policies} == set(POLICY_IDS)
    assert report.unexercised() == {}
