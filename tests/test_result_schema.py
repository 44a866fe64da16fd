"""schemas/result.schema.json describes exactly what Result.to_dict() gives."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from reviewrules import evaluate
from reviewrules._scenarios import find_scenarios, load_scenario
from reviewrules._vocabulary import STATUSES
from reviewrules.engine._durable import available as durable_available

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "result.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
BACKENDS = ["python"] + (["durable"] if durable_available() else [])
SCENARIOS = find_scenarios([ROOT / "tests" / "scenarios"])
_POLICIES: dict = {}


def _errors(data):
    return [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def test_the_result_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)


def test_the_result_schema_lists_exactly_the_vocabularys_statuses():
    assert SCHEMA["$defs"]["status"]["enum"] == list(STATUSES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_bundled_scenarios_result_validates_against_the_result_schema(backend):
    assert len(SCENARIOS) > 40
    for path in SCENARIOS:
        scenario = load_scenario(path, _POLICIES)
        result = evaluate(scenario.policy, scenario.case, scenario.as_of, backend=backend)
        assert _errors(result.to_dict()) == [], path.name
        assert _errors(result.to_dict(explain=True)) == [], path.name


def test_the_result_schema_refuses_a_result_with_a_status_outside_the_vocabulary_or_a_field_missing():
    scenario = load_scenario(ROOT / "tests" / "scenarios" / "york" / "worked-example.yaml", _POLICIES)
    data = evaluate(scenario.policy, scenario.case, scenario.as_of).to_dict()
    data["obligations"][0]["status"] = "done"
    del data["escalations"]
    errors = _errors(data)
    assert any("'done' is not one of" in e for e in errors)
    assert any("'escalations' is a required property" in e for e in errors)
