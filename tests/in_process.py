"""The command line run in-process through ``main(argv)``, as the tests call it."""

from __future__ import annotations

import io
import os
from pathlib import Path

from reviewrules.cli import main

__all__ = ["run"]


def run(*argv: str, stdin: str = "", cwd: Path | None = None) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``reviewrules ARGV``.

    ``stdin`` is what the command reads for ``-``; ``cwd`` the folder it runs in (relative
    paths in its arguments and output are taken from there)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        status = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    finally:
        os.chdir(here)
    return status, out.getvalue(), err.getvalue()
