"""``python -m reviewrules``: the same as the ``reviewrules`` command."""

from .cli import run

run()
