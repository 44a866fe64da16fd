"""Collects the YAML scenarios under tests/scenarios/ as pytest items, once per engine backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewrules._scenarios import load_scenario, run_scenario
from reviewrules.engine._durable import available as durable_available

SCENARIOS = Path(__file__).parent / "scenarios"
BACKENDS = ["python"] + (["durable"] if durable_available() else [])
_POLICIES: dict = {}


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and SCENARIOS in file_path.parents:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        for backend in BACKENDS:
            yield ScenarioItem.from_parent(self, name=backend, backend=backend)


class ScenarioItem(pytest.Item):
    def __init__(self, *, backend: str, **kwargs):
        super().__init__(**kwargs)
        self.backend = backend

    def runtest(self):
        scenario = load_scenario(self.path, _POLICIES)
        outcome = run_scenario(scenario, self.backend)
        if not outcome.passed:
            raise ScenarioFailure(outcome.failures)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailure):
            return "\n".join(excinfo.value.failures)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"scenario {self.path.name} [{self.backend}]"


class ScenarioFailure(Exception):
    def __init__(self, failures):
        super().__init__("\n".join(failures))
        self.failures = failures
