"""What the report, the timeline and the calendar need from the ``report`` extra.

Jinja2 (the pages), vl-convert-python (the report's charts) and icalendar (the
calendar) are installed with ``pip install 'reviewrules[report]'``. Each renderer
asks for what it uses through ``require``, which raises ``MissingExtra`` naming the
extra when a package is absent, so the command says so in one line.

``environment()`` is the one Jinja2 environment of the package's templates
(``reviewrules/output/templates/``): autoescaped, undefined names an error, and
the same template and values always give the same bytes.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

__all__ = ["EXTRA", "INSTALL", "MissingExtra", "require", "environment", "thousands"]

EXTRA = "report"
INSTALL = "pip install 'reviewrules[report]'"

# Import name -> the distribution pip installs it from.
_DISTRIBUTIONS = {"jinja2": "Jinja2", "vl_convert": "vl-convert-python", "icalendar": "icalendar"}


class MissingExtra(ImportError):
    """A package of the report extra is not installed."""

    def __init__(self, module: str):
        self.module = module
        package = _DISTRIBUTIONS.get(module, module)
        super().__init__(f"this needs the report extra ({package} is not installed): {INSTALL}")


def require(*modules: str) -> None:
    """Import each module, or raise MissingExtra for the first that is absent."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingExtra(name) from None


def thousands(value: Any) -> str:
    """A count as the caseload summary prints it: 7,561."""
    return f"{value:,}" if isinstance(value, int) else str(value)


@lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment of the bundled templates."""
    require("jinja2")
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reviewrules.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = thousands
    return env
