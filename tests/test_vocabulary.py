"""The contract's vocabulary, the JSON Schemas and the fast case check stay in step."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from reviewrules._vocabulary import EVENT_FIELDS, EVENT_REQUIRED, SIGNIFICANT_EVENT_CATEGORIES, STATUSES
from reviewrules.case._shape import case_shape_ok
from reviewrules.case._synthetic import synthetic_cases
from reviewrules.policy._yaml import load_document

ROOT = Path(__file__).parent.parent
CASE_SCHEMA = json.loads((ROOT / "schemas" / "case.schema.json").read_text())
POLICY_SCHEMA = json.loads((ROOT / "schemas" / "policy.schema.json").read_text())


@pytest.mark.parametrize("schema", ["case", "policy", "scenario"])
def test_schemas_are_valid_draft_2020_12(schema):
    Draft202012Validator.check_schema(json.loads((ROOT / "schemas" / f"{schema}.schema.json").read_text()))


def test_the_case_schema_lists_exactly_the_vocabularys_event_types_and_fields():
    event = CASE_SCHEMA["$defs"]["event"]
    assert event["properties"]["type"]["enum"] == list(EVENT_FIELDS)
    for variant in event["allOf"]:
        kind = variant["if"]["properties"]["type"]["const"]
        then = variant["then"]
        assert set(then["properties"]) == {"type", "date", *EVENT_FIELDS[kind]}, kind
        assert then["required"] == ["type", "date", *EVENT_REQUIRED.get(kind, ())]
        if "category" in then["properties"]:
            assert then["properties"]["category"]["enum"] == list(SIGNIFICANT_EVENT_CATEGORIES)


def test_the_policy_schema_allows_every_status_but_superseded_in_conditions():
    assert POLICY_SCHEMA["$defs"]["status"]["enum"] == [s for s in STATUSES if s != "superseded"]


def _case_files():
    fixtures = ROOT / "tests" / "fixtures" / "cases" / "invalid"
    return sorted(fixtures.glob("*.yaml")) + [ROOT / "examples" / "york-worked-example.yaml"]


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.stem)
def test_the_fast_case_check_never_passes_what_the_schema_refuses(path):
    doc, problems = load_document(path)
    assert doc is not None
    schema_ok = not list(Draft202012Validator(CASE_SCHEMA).iter_errors(doc.data))
    if case_shape_ok(doc.data):
        assert schema_ok


def test_the_fast_case_check_accepts_a_valid_synthetic_caseload():
    cases = list(synthetic_cases(200, seed=3))
    validator = Draft202012Validator(CASE_SCHEMA)
    assert not list(validator.iter_errors({"children": cases}))
    assert case_shape_ok({"children": cases})


@pytest.mark.parametrize(
    "mutation",
    [
        lambda c: c["events"][0].update(type="became_looked_afterr"),
        lambda c: c["events"][0].update(date="2025/01/01"),
        lambda c: c["events"][0].update(legal_status=20),
        lambda c: c["events"].append({"type": "review_scheduled", "date": "2025-05-01"}),
        lambda c: c["events"].append({"type": "review_scheduled", "date": "2025-05-01", "review": True}),
        lambda c: c["events"].append({"type": "significant_event", "date": "2025-05-01", "category": "lost"}),
        lambda c: c["child"].update(id=""),
        lambda c: c["child"].update(name="Alice"),
        lambda c: c.update(extra=1),
    ],
)
def test_the_fast_case_check_refuses_what_the_schema_refuses(mutation):
    case = next(synthetic_cases(1, seed=9))
    mutation(case)
    assert list(Draft202012Validator(CASE_SCHEMA).iter_errors(case))
    assert not case_shape_ok(case)
