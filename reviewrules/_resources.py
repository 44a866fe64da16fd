"""Where the bundled policies and schemas live, in a checkout or an installed wheel.

In a wheel they are installed inside the package (``reviewrules/policies``,
``reviewrules/schemas``); in a checkout they sit beside the package at the top
of the repository. Both are plain directories, looked up in that order.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "policies_dir",
    "schemas_dir",
    "docs_dir",
    "bundled_scenarios_dir",
    "load_schema",
    "bundled_policy_path",
    "bundled_policy_ids",
]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reviewrules is installed without its {name}/ directory")


def policies_dir() -> Path:
    return _find("policies")


def schemas_dir() -> Path:
    return _find("schemas")


def docs_dir() -> Path:
    """The documentation pages (docs/ in a checkout), shipped in the package for ``reviewrules docs``."""
    return _find("docs")


def bundled_scenarios_dir() -> Path:
    """The scenarios that prove the bundled policies (tests/scenarios in a checkout)."""
    for candidate in (_PACKAGE / "scenarios", _PACKAGE.parent / "tests" / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("reviewrules is installed without its scenarios/ directory")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    with open(schemas_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


def bundled_policy_ids() -> list[str]:
    return sorted(p.stem for p in policies_dir().glob("*.yaml"))


def bundled_policy_path(policy_id: str) -> Path | None:
    path = policies_dir() / f"{policy_id}.yaml"
    return path if path.is_file() else None
