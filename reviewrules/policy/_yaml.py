"""Safe, line-aware YAML (and JSON) loading.

PyYAML's safe loader builds plain data but forgets where each value came from,
silently keeps the last of two duplicate keys, turns ``2025-02-30`` into a crash
and expands aliases without limit. This loader composes the node graph, then
builds plain data itself so that it can:

* remember the line and column of every value and key, by JSON path;
* refuse duplicate keys, naming both lines;
* keep dates as strings, so impossible dates reach our own checks;
* refuse files over a size limit and alias expansion past a node budget
  ("billion laughs").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .._errors import Problem

__all__ = ["Document", "load_document", "parse_text", "Limits", "DEFAULT_LIMITS"]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_nodes: int
    max_depth: int
    # Values reached a second time through an alias: a few for a shared
    # citation is normal; millions is a "billion laughs" bomb.
    max_alias_values: int = 10_000


# A bundled policy is about 20 KB; a caseload of 5,000 children about 2 MB.
DEFAULT_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_nodes=5_000_000, max_depth=64)
POLICY_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_nodes=200_000, max_depth=32)


_NO_TIMESTAMPS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _PyLoader(yaml.SafeLoader):
    """Safe loader that leaves timestamps as strings (checked later, with a clear error)."""

    yaml_implicit_resolvers = _NO_TIMESTAMPS


if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        """The same, parsed by libyaml: about ten times faster on a large caseload."""

        yaml_implicit_resolvers = _NO_TIMESTAMPS

    _Loader: type = _CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PyLoader


@dataclass(frozen=True)
class Document:
    """Plain data plus where each part of it came from."""

    data: Any
    file: str
    values: dict[Path_, tuple[int, int]]
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


class _TooBig(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.mark = mark


class _Builder:
    def __init__(self, loader: Any, file: str, limits: Limits):
        self.loader = loader
        self.file = file
        self.limits = limits
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.seen: set[int] = set()
        self.aliased = 0

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if id(node) in self.seen:
            self.aliased += 1
            if self.aliased > self.limits.max_alias_values:
                raise _TooBig(
                    f"aliases expand to more than {self.limits.max_alias_values:,} values; "
                    "refusing (a YAML bomb?)",
                    node.start_mark,
                )
        else:
            self.seen.add(id(node))
        if self.count > self.limits.max_nodes:
            raise _TooBig(
                f"more than {self.limits.max_nodes:,} values after expanding aliases; "
                "refusing (a YAML bomb?)",
                node.start_mark,
            )
        if depth > self.limits.max_depth:
            raise _TooBig(f"nested more than {self.limits.max_depth} levels deep; refusing", node.start_mark)
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[str, Any] = {}
            first_seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        self._at(key_node, path, "a key must be a plain name, not a list or mapping")
                    )
                    continue
                key = self.loader.construct_scalar(key_node)
                key = str(key)
                if key in first_seen:
                    self.problems.append(
                        self._at(
                            key_node,
                            path + (key,),
                            f"duplicate key '{key}' (first given on line {first_seen[key]}); "
                            "each key may appear once",
                            code="duplicate-key",
                        )
                    )
                    continue
                first_seen[key] = key_node.start_mark.line + 1
                self.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problems.append(self._at(node, path, f"cannot read this value: {exc}"))
            return None

    def _at(self, node: yaml.Node, path: Path_, message: str, code: str = "yaml") -> Problem:
        return Problem(
            message,
            file=self.file,
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            path=path,
            code=code,
        )


def parse_text(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[Document | None, list[Problem]]:
    """Parse YAML or JSON text. Returns the document (None if unreadable) and problems."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        return None, [
            Problem(
                f"file is larger than the {limits.max_bytes:,}-byte limit; refusing to read it",
                file=file,
                code="too-large",
            )
        ]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem("file is empty", file=file, line=1, column=1, code="empty")]
        builder = _Builder(loader, file, limits)
        data = builder.build(node, (), 0)
    except _TooBig as exc:
        line = exc.mark.line + 1 if exc.mark else None
        column = exc.mark.column + 1 if exc.mark else None
        return None, [Problem(str(exc), file=file, line=line, column=column, code="too-large")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = exc.problem or str(exc)
        return None, [Problem(f"not valid YAML: {what}", file=file, line=line, column=column, code="yaml")]
    except yaml.YAMLError as exc:
        return None, [Problem(f"not valid YAML: {exc}", file=file, code="yaml")]
    finally:
        loader.dispose()
    return Document(data, file, builder.values, builder.keys), builder.problems


def load_document(
    path: str | Path, limits: Limits = DEFAULT_LIMITS, shown: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read and parse a file, refusing it before reading if it is over the size limit.

    ``shown`` is the name problems give the file (default: the path as given).
    """
    p = Path(path)
    shown = str(path) if shown is None else shown
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
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not UTF-8 text (byte {exc.start})", file=shown, code="unreadable")]
    except OSError as exc:
        return None, [Problem(f"cannot read file: {exc.strerror}", file=shown, code="unreadable")]
    return parse_text(text, shown, limits)
