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


# --- a real browser, for the pages' tests (test_card.py, test_report.py) ---------------------
#
# Playwright drives Debian's Chromium (apt-get install -y chromium); it downloads no browser.
# Without either, the browser tests are skipped and say why.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install playwright (no 'playwright install')")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class ScenarioFailure(Exception):
    def __init__(self, failures):
        super().__init__("\n".join(failures))
        self.failures = failures


# --- Hypothesis profiles (tests/test_properties.py; docs/testing.md) -------------------
#
# "ci" (the default): a fixed seed (derandomize) and a bounded number of examples, so the
# whole property file runs in well under a minute and the same examples every time.
# "long": `pytest tests/test_properties.py --hypothesis-profile=long` runs 10,000 generated
# histories per bundled policy (and more of everything else); the count is printed at the end.
# "dev": random examples, a few more than ci, for trying a change.
import os as _os

from hypothesis import HealthCheck as _HealthCheck
from hypothesis import settings as _settings

# Generated histories are large by design (a child's whole history, several periods of
# care): Hypothesis's data_too_large / too_slow checks would otherwise stop a run that is
# working as intended. Nothing else is suppressed.
_LARGE = [_HealthCheck.data_too_large, _HealthCheck.too_slow]
_settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=30, print_blob=True, suppress_health_check=_LARGE)
_settings.register_profile("dev", deadline=None, max_examples=100, print_blob=True, suppress_health_check=_LARGE)
_settings.register_profile("long", deadline=None, max_examples=10_000, print_blob=True, suppress_health_check=_LARGE)
_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter):
    """How many generated examples each property ran, by property and policy (counted in
    tests/strategies.py): the long profile's proof that it ran 10,000 histories per policy."""
    import sys

    counts = getattr(sys.modules.get("strategies"), "COUNTS", None)
    if not counts:
        return
    profile = _settings.get_current_profile_name()
    terminalreporter.write_sep("-", f"generated examples run (hypothesis profile '{profile}')")
    for name, count in sorted(counts.items()):
        terminalreporter.write_line(f"{count:>8,}  {name}")
