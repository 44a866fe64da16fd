"""The public API is exactly __all__, and everything else lives in _-prefixed modules."""

from pathlib import Path

import reviewrules


def test_public_api_is_exactly_all():
    public = {name for name in dir(reviewrules) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(reviewrules, name)).__name__ == "module"}
    assert public - modules == set(reviewrules.__all__)


def test_every_module_but_the_package_itself_is_internal():
    package = Path(reviewrules.__file__).parent
    names = sorted(p.name for p in package.glob("*.py"))
    assert all(name.startswith("_") for name in names)


def test_only_the_engine_adapter_imports_durable_rules():
    package = Path(reviewrules.__file__).parent
    importers = sorted(p.name for p in package.glob("*.py") if "from durable" in p.read_text() or "import durable" in p.read_text())
    assert importers == ["_engine_durable.py"]


def test_no_module_is_near_600_lines():
    package = Path(reviewrules.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert max(sizes.values()) < 600, sizes
