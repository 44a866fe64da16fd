"""The command line: ``reviewrules COMMAND ...``; ``main(argv)`` returns the exit status."""

from ._app import main, run

__all__ = ["main", "run"]
