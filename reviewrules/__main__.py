"""``python -m reviewrules``: the same as the ``reviewrules`` command."""

from ._cli import run

run()
