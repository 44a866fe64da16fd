"""The public API is exactly __all__, the package is grouped by layer, and imports run one way."""

import ast
from pathlib import Path

import reviewrules

PACKAGE = Path(reviewrules.__file__).parent

# Bottom to top: a module may import only from its own layer or the layers below it.
LAYERS = [
    {"_errors", "_vocabulary", "_calendar", "_resources"},
    {"policy"},
    {"case"},
    {"engine"},
    {"output"},
    {"_evaluate", "_diff", "_scenarios", "_caseload"},
    {"cli", "server", "__init__", "__main__"},
]


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _unit(path: Path) -> str:
    """The layer unit a module belongs to: its folder, or its own name at the top."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _layer(unit: str) -> int:
    for number, members in enumerate(LAYERS):
        if unit in members:
            return number
    raise AssertionError(f"{unit} is in no layer: add it to LAYERS in this test")


def _imported_units(path: Path) -> set[str]:
    """The units a module imports from inside the package (relative imports)."""
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PACKAGE)
    here = list(rel.parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
            target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:  # "from . import x" at the top
                found.update(alias.name for alias in node.names)
    return found


def test_public_api_is_exactly_all():
    public = {name for name in dir(reviewrules) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(reviewrules, name)).__name__ == "module"}
    assert public - modules == set(reviewrules.__all__)


def test_every_module_is_internal_or_a_layer_package():
    for path in _modules():
        assert path.name.startswith("_"), path


def test_imports_run_one_way_from_the_cli_down_to_the_calendar_and_vocabulary():
    wrong = []
    for path in _modules():
        unit = _unit(path)
        for imported in _imported_units(path):
            if imported != unit and _layer(imported) > _layer(unit):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert not wrong, wrong


def test_only_the_engine_adapter_imports_durable_rules():
    importers = sorted(
        str(p.relative_to(PACKAGE)) for p in _modules() if "from durable" in p.read_text() or "import durable" in p.read_text()
    )
    assert importers == ["engine/_durable.py"]


def test_no_module_is_near_600_lines():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in _modules()}
    assert max(sizes.values()) < 600, sizes
