"""Reading a caseload child by child, from anything a performance team holds.

Each path is a case file (YAML or JSON: one child, or many under ``children``),
a JSON Lines file (``.jsonl``: one case a line), a folder of them (read
recursively, in name order), or an SSDA903 return (CSV files or XML, in folders
or given one by one; every 903 file of a run is read together, so that several
years merge). ``-`` reads JSON Lines from standard input (contract section 6).

Every child read comes out as a ``Case`` or a ``Refusal``: nothing is lost. What
belongs to no child (a file that cannot be read, a 903 table left out) is in
``problems``.
"""

from __future__ import annotations

import codecs
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from .._errors import Problem
from ..policy._yaml import DEFAULT_LIMITS, Document, iter_parts, open_checked
from ._files import case_entry, case_or_refusal
from ._model import Case, CaseWarning, Refusal
from ._ssda903 import build_slice, read_903

__all__ = ["CaseReader", "Unit", "build_unit", "read_cases", "load_903", "CASE_SUFFIXES", "LINES_SUFFIXES", "SSDA903_SUFFIXES", "is_json_line"]

CASE_SUFFIXES = (".yaml", ".yml", ".json")
LINES_SUFFIXES = (".jsonl", ".ndjson")
SSDA903_SUFFIXES = (".csv", ".xml")


class CaseReader:
    """The children in some files, read one at a time (iterate once)."""

    def __init__(
        self,
        paths: Iterable[str | Path],
        *,
        stdin: TextIO | None = None,
        ssda903: dict[str, Any] | None = None,
    ):
        self.paths = [str(p) for p in paths]
        self.stdin = stdin
        self.ssda903 = dict(ssda903 or {})
        self.problems: list[Problem] = []
        self.files = 0
        self._seen: dict[str, str] = {}

    @property
    def in_child_order(self) -> bool:
        """Whether the children come out sorted by id (an SSDA903 return alone does)."""
        sources = self._sources()
        return bool(sources) and all(kind == "903" for kind, _ in sources)

    def _sources(self) -> list[tuple[str, Any]]:
        """What to read, in order: ('lines', '-'), ('case', path), ('lines', path), ('903', [paths])."""
        sources: list[tuple[str, Any]] = []
        ssda: list[str] = []
        for raw in self.paths:
            if raw == "-":
                sources.append(("lines", "-"))
                continue
            path = Path(raw)
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file())
                cases = [p for p in found if p.suffix.lower() in CASE_SUFFIXES + LINES_SUFFIXES]
                in_903 = [p for p in found if p.suffix.lower() in SSDA903_SUFFIXES]
                if not cases and not in_903:
                    self.problems.append(
                        Problem(
                            "no case files (.yaml, .yml, .json, .jsonl) or SSDA903 files (.csv, .xml) in this folder",
                            file=raw,
                            code="not-found",
                        )
                    )
                for p in cases:
                    sources.append(("lines" if p.suffix.lower() in LINES_SUFFIXES else "case", str(p)))
                if in_903:
                    if not ssda:
                        sources.append(("903", ssda))
                    ssda.extend(str(p) for p in in_903)
                continue
            suffix = path.suffix.lower()
            if suffix in SSDA903_SUFFIXES:
                if not ssda:
                    sources.append(("903", ssda))
                ssda.append(raw)
            elif suffix in LINES_SUFFIXES:
                sources.append(("lines", raw))
            else:
                sources.append(("case", raw))
        return sources

    def __iter__(self) -> Iterator[Case | Refusal]:
        for unit in self.units():
            yield self.once(build_unit(unit))

    def units(self) -> Iterator[Unit]:
        """What there is to read, one child at a time, before the child is built (``build_unit``,
        in this process or a worker's): a JSON line, a 903 child's rows, or a case already read."""
        for kind, where in self._sources():
            if kind == "lines":
                yield from self._lines(where, self.stdin or sys.stdin) if where == "-" else self._lines(where)
            elif kind == "case":
                yield from (("built", item) for item in self._case_file(where))
            else:
                yield from self._ssda903(where)

    def once(self, item: Case | Refusal) -> Case | Refusal:
        """Each child once in a run: a second child with the same id is refused, naming the first."""
        if not isinstance(item, Case):
            return item
        where = f"{item.file}:{item.line}" if item.line else str(item.file)
        if item.child_id in self._seen:
            return Refusal(
                item.child_id,
                (
                    Problem(
                        f"child id '{item.child_id}' was already read (at {self._seen[item.child_id]}); "
                        "each child needs one entry in a caseload",
                        file=item.file,
                        line=item.line,
                        child=item.child_id,
                        code="duplicate-child",
                    ),
                ),
                item.file,
                item.line,
            )
        self._seen[item.child_id] = where
        return item

    def _lines(self, where: str, stream: Iterable[str] | None = None) -> Iterator[Unit]:
        """JSON Lines: one case a line; a line that is not JSON is a refusal of the child it held."""
        if stream is not None:
            handle: Any = stream
            name = "<stdin>"
        else:
            handle, problems = open_checked(where, _NO_LIMIT, where, buffering=_LINES_BUFFER)
            name = where
            if handle is None:
                self.problems += problems
                return
        self.files += 1
        number = 0
        try:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield ("line", name, number, line)
        except UnicodeDecodeError:
            # The decoder's own offset counts from the block it was decoding, not the file's start.
            rest = f"lines from {number + 1} on were not read"
            found = None if stream is not None else _first_bad_byte(where)
            if found is None:
                problem = Problem(f"not UTF-8 text after line {number}; {rest}", file=name, code="unreadable")
            else:
                offset, at_line = found
                problem = Problem(f"not UTF-8 text at byte {offset:,} (line {at_line}); {rest}", file=name, line=at_line, code="unreadable")
            self.problems.append(problem)
        finally:
            if stream is None:
                handle.close()

    def _case_file(self, where: str) -> Iterator[Case | Refusal]:
        """A YAML or JSON case file, one child at a time (a file of many children is never held whole)."""
        handle, problems = open_checked(where, _NO_LIMIT, where)
        if handle is None:
            self.problems += problems
            return
        with handle:
            yield from self._case_stream(handle, where)

    def _case_stream(self, handle: Any, where: str) -> Iterator[Case | Refusal]:
        self.files += 1
        pending: list[Problem] = []
        count = 0
        for kind, part in iter_parts(handle, where, DEFAULT_LIMITS):
            if kind == "problem":
                pending.append(part)
                continue
            if kind == "child":
                yield _child(part, ("children", count), pending)
                count += 1
                pending = []
                continue
            yield from self._rest(part, pending, where)
            pending = []
        self.problems += pending

    def _rest(self, doc: Document, pending: list[Problem], where: str) -> Iterator[Case | Refusal]:
        """The top of a case file: one child, or what lies beside ``children``."""
        data = doc.data
        if isinstance(data, dict) and "children" in data and isinstance(data["children"], int):
            extra = sorted(set(data) - {"children"})
            if extra:
                self.problems.append(
                    doc.problem(
                        (extra[0],),
                        f"unknown field '{extra[0]}' beside children (a file of many children has only children:)",
                        key=True,
                        code="schema",
                    )
                )
            if data["children"] == 0:
                self.problems.append(doc.problem(("children",), "no children in this file", code="case"))
            self.problems += pending
            return
        if isinstance(data, dict) and "scenario" in data and "case" in data:
            self.problems.append(
                doc.problem((), "this is a scenario file, not a case file: run it with 'reviewrules test'", code="case")
            )
            return
        if not isinstance(data, dict) or not ({"child", "events"} & set(data)):
            self.problems.append(
                doc.problem((), "a case file must be a mapping with child and events, or children", code="schema")
            )
            return
        yield _child(doc, (), pending)

    def _ssda903(self, paths: list[str]) -> Iterator[Unit]:
        found = read_903(paths, **self.ssda903)
        context = (found.context(), _return_name(paths))
        for part in found.slices():
            yield ("903", context, part)
        self.files += found.stats.files_read
        self.problems += found.problems


def is_json_line(line: str) -> bool:
    """Whether a line is a whole JSON object: the first line of JSON Lines, not of a YAML or
    pretty-printed JSON document."""
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


_NO_LIMIT = replace(DEFAULT_LIMITS, max_bytes=1 << 62)  # read a stream of any length, one child at a time
# JSON Lines read a megabyte at a time (128 of the text layer's chunks: the same text, in
# the same chunks, with a read of the file for every 128 of them).
_LINES_BUFFER = 1 << 20


Unit = tuple  # ("line", file, line number, text) | ("903", (context, name), ChildSlice) | ("built", Case | Refusal)


def build_unit(unit: Unit) -> Case | Refusal:
    """One child from what was read of it: its case, or why it cannot be evaluated."""
    kind = unit[0]
    if kind == "built":
        return unit[1]
    if kind == "line":
        _, name, number, text = unit
        try:
            data = json.loads(text)
        except ValueError as exc:
            return Refusal(None, (Problem(f"not valid JSON: {exc}", file=name, line=number, code="yaml"),), name, number)
        except RecursionError:  # json.loads recurses once a level: refused as a case file nested too deep is
            limit = DEFAULT_LIMITS.max_depth
            problem = Problem(f"nested more than {limit} levels deep: a case is a few levels of mappings and lists", file=name, line=number, code="too-large")
            return Refusal(None, (problem,), name, number)
        return case_or_refusal(data, name, number)
    (context, name), part = unit[1], unit[2]
    child = build_slice(context, part)
    if child.case is None:
        return Refusal(child.child, tuple(child.problems), child.problems[0].file if child.problems else None)
    item = case_or_refusal(child.case, name)
    if isinstance(item, Refusal):
        return item
    extra = tuple(CaseWarning(p.code, p.message, None, p) for p in child.warnings)
    return replace(item, warnings=extra + item.warnings)


def _first_bad_byte(path: str) -> tuple[int, int] | None:
    """Where a file stops being UTF-8: the offset of its first byte that is not, and its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                pending = len(decoder.getstate()[0])  # a character's first bytes, from the chunk before
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    at = exc.start - pending  # in this chunk (negative: begun in the one before)
                    return offset + at, line + chunk[: max(at, 0)].count(b"\n")
                offset += len(chunk)
                line += chunk.count(b"\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # the file ends inside a character
        return offset - len(decoder.getstate()[0]) + exc.start, line
    except OSError:
        return None
    return None


def _return_name(paths: list[str]) -> str:
    """How a 903 child's case names where it came from: the file, or the return's folder."""
    if len(paths) == 1:
        return paths[0]
    folders = {str(Path(p).parent) for p in paths}
    return f"{folders.pop()} (SSDA903)" if len(folders) == 1 else "SSDA903 returns"


def _child(doc: Document, prefix: tuple[str | int, ...], problems: list[Problem]) -> Case | Refusal:
    """One child read from a stream (at ``prefix`` in its file): refused with its parse problems,
    else checked as a case."""
    child = doc.data.get("child", {}).get("id") if isinstance(doc.data, dict) and isinstance(doc.data.get("child"), dict) else None
    child = child if isinstance(child, str) else None
    if problems:
        line = doc.where(prefix)[0]
        return Refusal(child, tuple(replace(p, child=child) for p in problems), doc.file, line)
    return case_entry(doc, prefix, doc.data)


def read_cases(
    paths: Iterable[str | Path] | str | Path,
    *,
    stdin: TextIO | None = None,
    la: str | None = None,
    same_carer_moves: bool = True,
    short_breaks: str = "keep",
    missing_away: bool = False,
) -> CaseReader:
    """Every child in some case files, JSON Lines files or SSDA903 returns, one at a time.

    Iterate the reader for a ``Case`` or a ``Refusal`` per child; afterwards its
    ``problems`` lists what belonged to no child. The keyword arguments are the
    SSDA903 import's options (docs/ssda903.md).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    options = {"la": la, "same_carer_moves": same_carer_moves, "short_breaks": short_breaks, "missing_away": missing_away}
    return CaseReader(paths, stdin=stdin, ssda903=options)


def load_903(
    paths: Iterable[str | Path] | str | Path,
    *,
    la: str | None = None,
    same_carer_moves: bool = True,
    short_breaks: str = "keep",
    missing_away: bool = False,
) -> CaseReader:
    """The children of one or more years of SSDA903 returns (CSV folders or files, or XML),
    merged and cut into periods of care, one ``Case`` or ``Refusal`` at a time, in child order.

    Only SSDA903 files are read (``.csv`` and ``.xml``, in the folders given); what belongs
    to no child is in the reader's ``problems`` once iterated. See docs/ssda903.md.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    chosen: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            chosen += [str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SSDA903_SUFFIXES]
        else:
            chosen.append(str(path))
    options = {"la": la, "same_carer_moves": same_carer_moves, "short_breaks": short_breaks, "missing_away": missing_away}
    return CaseReader(chosen, ssda903=options)
