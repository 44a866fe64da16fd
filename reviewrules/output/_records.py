"""What one child of a caseload adds to the run: its output text, its part of the summary,
and its lines for standard error, made wherever the child was evaluated.

``render(options, item, where)`` is the one place a caseload child becomes output, so
that a worker process and this one write the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..case._model import Refusal
from ..engine._result import Result
from ..engine._rows import ChildRows
from ._summary import CaseloadSummary
from ._tables import ChildCsv, ObligationFilter, csv_rows, jsonl_refusal, jsonl_result

__all__ = ["ChildRecord", "Rendering", "render", "refusal_record"]


@dataclass(frozen=True)
class ChildRecord:
    """What one child adds to a caseload run."""

    child: str | None
    where: str | None  # the file (and line) it was read from
    refused: bool
    text: str  # its part of the output
    part: tuple[Any, ...]  # its part of the summary (``CaseloadSummary.part``)
    lines: tuple[str, ...]  # its refusal or warnings, for standard error


@dataclass(frozen=True)
class Rendering:
    """How to write each child: the format, the filters, compact or with sources."""

    fmt: str  # "csv", "jsonl", "json" or "summary"
    as_of: date
    keep: ObligationFilter
    compact: bool = True


_SUMMARIES: dict[date, CaseloadSummary] = {}


def _summary(as_of: date) -> CaseloadSummary:
    found = _SUMMARIES.get(as_of)
    if found is None:
        found = _SUMMARIES[as_of] = CaseloadSummary(as_of)
    return found


# What an evaluated child adds to a run whose output has no summary (csv, jsonl): only the count.
_COUNTED: tuple[Any, ...] = ("evaluated", 0, (), (), 0, None)


def render(options: Rendering, item: Result | ChildRows | ChildCsv | Refusal, where: str | None) -> ChildRecord:
    fmt = options.fmt
    if fmt in ("summary", "json") or isinstance(item, Refusal):  # the json output ends with the summary
        assert not isinstance(item, ChildCsv)  # made only for a CSV
        part = _summary(options.as_of).part(item)
    else:
        part = _COUNTED
    if isinstance(item, Refusal):
        lines = tuple(item.lines("refused"))
        text = jsonl_refusal(item) if fmt in ("jsonl", "json") else ""
        return ChildRecord(item.child, where, True, text, part, lines)
    lines = tuple(warning.render(item.child, where) for warning in item.warnings)
    if isinstance(item, ChildCsv):  # its rows already written (an unfiltered CSV)
        text = item.text
    elif fmt == "csv":
        text = csv_rows(item, options.keep)
    elif fmt in ("jsonl", "json"):
        assert isinstance(item, Result)  # rows are made only for a CSV or a summary
        text = jsonl_result(item, options.keep, options.compact)
        if fmt == "json":  # one element of the results array: without the record key
            text = "{" + text[len('{"record":"result",') :]
    else:
        text = ""
    return ChildRecord(item.child, where, False, text, part, lines)


def refusal_record(options: Rendering, refusal: Refusal, where: str | None) -> ChildRecord:
    """A child refused by the run itself (read twice), written as a worker would."""
    return render(options, refusal, where)
