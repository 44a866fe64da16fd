"""The contract's JSON: deterministic, one object per child or ``{"results": [...]}``."""

from __future__ import annotations

import json
from typing import Any, Iterable, TextIO

from ..engine._result import Result

__all__ = ["to_json", "write_json_results"]


def to_json(data: Any) -> str:
    """Deterministic JSON: the same data always gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def write_json_results(results: Iterable[Result], out: TextIO, many: bool, explain: bool = False) -> int:
    """Stream results as JSON: one object, or ``{"results": [...]}`` for many children."""
    count = 0
    if not many:
        for result in results:
            out.write(to_json(result.to_dict(explain)) + "\n")
            count += 1
        return count
    out.write('{\n  "results": [')
    for result in results:
        text = to_json(result.to_dict(explain)).replace("\n", "\n    ")
        out.write(("," if count else "") + "\n    " + text)
        count += 1
    out.write(("\n  " if count else "") + "]\n}\n")
    return count
