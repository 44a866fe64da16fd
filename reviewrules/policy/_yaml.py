"""Safe, line-aware YAML (and JSON) loading: whole documents, or a caseload child by child.

The data is built from the parser's events (``_yaml_events``), so that every value
keeps its line and column, duplicate keys and tags outside the core schema are
refused, dates stay strings, and aliases cannot expand without limit. A file of
many children (``children: [...]``) can be read one child at a time, so memory
does not grow with the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from .._errors import Problem
from ._yaml_events import EventBuilder, Limits, TooBig, make_loader

__all__ = [
    "Document",
    "load_document",
    "parse_text",
    "iter_parts",
    "Limits",
    "DEFAULT_LIMITS",
    "POLICY_LIMITS",
    "open_checked",
]

Path_ = tuple[str | int, ...]

# A bundled policy is about 20 KB; a caseload of 5,000 children about 2 MB.
DEFAULT_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_nodes=5_000_000, max_depth=64)
POLICY_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_nodes=200_000, max_depth=32)


@dataclass(frozen=True)
class Document:
    """Plain data plus where each part of it came from."""

    data: Any
    file: str
    # (line, column) of each value; the column is None for plain data located by its line only.
    values: Mapping[Path_, tuple[int, int | None]]
    keys: dict[Path_, tuple[int, int]]

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """Line and column for a path, falling back to its nearest located parent."""
        probe = tuple(path)
        while True:
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (None, None)
            probe = probe[:-1]

    def key_where(self, path: Path_) -> tuple[int | None, int | None]:
        if tuple(path) in self.keys:
            return self.keys[tuple(path)]
        return self.where(path)

    def part(self, key: str) -> Document:
        """The value under one top-level key as a document of its own, keeping its lines."""
        values = {p[1:]: w for p, w in self.values.items() if p[:1] == (key,)}
        keys = {p[1:]: w for p, w in self.keys.items() if p[:1] == (key,)}
        return Document(self.data[key], self.file, values, keys)

    def problem(self, path: Path_, message: str, *, key: bool = False, **extra: Any) -> Problem:
        line, column = self.key_where(path) if key else self.where(path)
        return Problem(message, file=self.file, line=line, column=column, path=tuple(path), **extra)


def _mark_problem(file: str, exc: Exception) -> Problem:
    """A parser error or a refusal as a located problem, in our words."""
    if isinstance(exc, TooBig):
        mark = exc.mark
        return Problem(
            str(exc), file=file, line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None, code="too-large"
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "cannot parse"
        if exc.context and exc.problem:
            what = f"{exc.problem} ({exc.context})"
        return Problem(
            f"not valid YAML: {what}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            code="yaml",
        )
    return Problem(f"not valid YAML: {exc}", file=file, code="yaml")


def _parse(stream: Any, file: str, limits: Limits) -> tuple[Document | None, list[Problem]]:
    loader = make_loader(stream)
    builder = EventBuilder(loader, file, limits)
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None, [Problem("file is empty", file=file, line=1, column=1, code="empty")]
        loader.get_event()  # document start
        data = builder.value((), 0)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.peek_event()
            mark = event.start_mark
            return None, [
                Problem(
                    "more than one YAML document in the file (a '---' line); give one",
                    file=file,
                    line=mark.line + 1,
                    column=mark.column + 1,
                    code="yaml",
                )
            ]
    except (TooBig, yaml.YAMLError) as exc:
        return None, [_mark_problem(file, exc)]
    finally:
        loader.dispose()
    values, keys, problems = builder.take()
    return Document(data, file, values, keys), problems


def parse_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Document | None, list[Problem]]:
    """Parse YAML or JSON text. Returns the document (None if unreadable) and problems."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        return None, [
            Problem(f"file is larger than the {limits.max_bytes:,}-byte limit; refusing to read it", file=file, code="too-large")
        ]
    return _parse(text, file, limits)


def open_checked(path: str | Path, limits: Limits, shown: str, buffering: int = -1) -> tuple[Any, list[Problem]]:
    """An open text file, or the problems that stop it being read (missing, a directory, too big).

    ``buffering``: as ``open`` takes it; a multiple of 8,192 bytes (the text layer's chunk)
    reads the same text in the same chunks, with fewer reads of the file."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        return None, [Problem("no such file", file=shown, code="not-found")]
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror}", file=shown, code="unreadable")]
    if p.is_dir():
        return None, [Problem("is a directory, not a file", file=shown, code="unreadable")]
    if size > limits.max_bytes:
        return None, [
            Problem(
                f"file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit; refusing to read it",
                file=shown,
                code="too-large",
            )
        ]
    try:
        return open(p, encoding="utf-8", buffering=buffering), []
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror}", file=shown, code="unreadable")]


def load_document(
    path: str | Path, limits: Limits = DEFAULT_LIMITS, shown: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read and parse a file, refusing it before reading if it is over the size limit.

    ``shown`` is the name problems give the file (default: the path as given).
    """
    shown = str(path) if shown is None else shown
    handle, problems = open_checked(path, limits, shown)
    if handle is None:
        return None, problems
    try:
        with handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text (byte {exc.start})", file=shown, code="unreadable")]
    return _parse(text, shown, limits)


def iter_parts(stream: Any, file: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[str, Any]]:
    """A YAML or JSON document read part by part, for a caseload too long to hold at once.

    Yields ``("child", Document)`` for each item of a top-level ``children`` list, as
    soon as it is read, its paths starting ``("children", i)``; ``("rest", Document)``
    once, at the end, with every other top-level key (``children`` then holds the
    number of children read); and ``("problem", Problem)`` for what cannot be read
    (after which nothing more is read). The size limit is not applied: parts are
    bounded one at a time.
    """
    if isinstance(stream, str):
        stream = io.StringIO(stream)
    loader = make_loader(stream)
    builder = EventBuilder(loader, file, limits)
    try:
        loader.get_event()
        if loader.check_event(yaml.StreamEndEvent):
            yield "problem", Problem("file is empty", file=file, line=1, column=1, code="empty")
            return
        loader.get_event()
        if not loader.check_event(yaml.MappingStartEvent):
            data = builder.value((), 0)
            values, keys, problems = builder.take()
            for problem in problems:
                yield "problem", problem
            yield "rest", Document(data, file, values, keys)
            return
        start = loader.get_event()
        top: dict[str, Any] = {}
        rest_values: dict[Path_, tuple[int, int]] = {(): (start.start_mark.line + 1, start.start_mark.column + 1)}
        rest_keys: dict[Path_, tuple[int, int]] = {}
        rest_problems: list[Problem] = []
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.get_event()
            key = str(getattr(key_event, "value", "?"))
            rest_keys[(key,)] = (key_event.start_mark.line + 1, key_event.start_mark.column + 1)
            if key == "children" and key in top:
                rest_problems.append(
                    Problem("duplicate key 'children'; each key may appear once", file=file,
                            line=key_event.start_mark.line + 1, column=key_event.start_mark.column + 1,
                            path=("children",), code="duplicate-key")
                )
            if key == "children" and loader.check_event(yaml.SequenceStartEvent):
                seq = loader.get_event()
                rest_values[("children",)] = (seq.start_mark.line + 1, seq.start_mark.column + 1)
                count = 0
                while not loader.check_event(yaml.SequenceEndEvent):
                    builder.count = 0  # the node budget is per child
                    item = builder.value(("children", count), 1)
                    values, keys, problems = builder.take()
                    for problem in problems:
                        yield "problem", problem
                    yield "child", Document(item, file, values, keys)
                    count += 1
                loader.get_event()
                top["children"] = count
                continue
            if key in top:
                rest_problems.append(
                    Problem(f"duplicate key '{key}'; each key may appear once", file=file,
                            line=key_event.start_mark.line + 1, column=key_event.start_mark.column + 1,
                            path=(key,), code="duplicate-key")
                )
            top[key] = builder.value((key,), 1)
            values, keys, problems = builder.take()
            rest_values.update(values)
            rest_keys.update(keys)
            rest_problems += problems
        for problem in rest_problems:
            yield "problem", problem
        yield "rest", Document(top, file, rest_values, rest_keys)
    except (TooBig, yaml.YAMLError) as exc:
        yield "problem", _mark_problem(file, exc)
    except UnicodeDecodeError as exc:
        yield "problem", Problem(f"not UTF-8 text (byte {exc.start})", file=file, code="unreadable")
    finally:
        loader.dispose()
