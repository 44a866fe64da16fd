"""Building plain data from YAML parser events, remembering where every value came from.

PyYAML's safe loader builds plain data but forgets where each value came from,
silently keeps the last of two duplicate keys, drops or applies tags outside the
core schema, and expands aliases without limit. Building from the parser's event
stream instead (libyaml's where available) lets us:

* remember the line and column of every value and key, by JSON path;
* refuse duplicate keys, naming both lines;
* refuse any tag outside the YAML core schema (``!!python/object/apply``, say);
* keep dates as strings, so impossible dates reach our own checks;
* refuse alias expansion past a budget ("billion laughs"), and deep nesting;
* build one part of a document at a time (one child of a long caseload), so that
  memory does not grow with the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .._errors import Problem

__all__ = ["EventBuilder", "TooBig", "Limits", "make_loader", "CORE_TAGS"]

Path_ = tuple[str | int, ...]

# The YAML core schema's tags, and "!" (the non-specific tag of a quoted scalar).
CORE_TAGS = frozenset(
    {"!"} | {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")}
)


@dataclass(frozen=True)
class Limits:
    """How much a document may hold."""

    max_bytes: int
    max_nodes: int
    max_depth: int
    # Values reached a second time through an alias: a few for a shared
    # citation is normal; millions is a "billion laughs" bomb.
    max_alias_values: int = 10_000


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


def make_loader(stream: Any) -> Any:
    """A safe YAML loader over text or a text stream (read as the parser needs it)."""
    return _Loader(stream)


_MISSING = object()


class TooBig(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.mark = mark


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


class EventBuilder:
    """Plain data from a loader's events, with the position of every value and key."""

    def __init__(self, loader: Any, file: str, limits: Limits):
        self.loader = loader
        self.file = file
        self.limits = limits
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.aliased = 0
        # Anchored values, and how many values each holds (for the alias budget).
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.plain_cache: dict[str, Any] = {}

    def take(self) -> tuple[dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]], list[Problem]]:
        """The positions and problems gathered so far, leaving the builder empty for the next part."""
        values, keys, problems = self.values, self.keys, self.problems
        self.values, self.keys, self.problems = {}, {}, []
        return values, keys, problems

    def _mark(self, path: Path_, mark: yaml.Mark) -> None:
        self.values[path] = (mark.line + 1, mark.column + 1)

    def _problem(self, mark: yaml.Mark, path: Path_, message: str, code: str = "yaml") -> None:
        self.problems.append(
            Problem(message, file=self.file, line=mark.line + 1, column=mark.column + 1, path=path, code=code)
        )

    def _count(self, mark: yaml.Mark, depth: int, extra: int = 1) -> None:
        self.count += extra
        if self.count > self.limits.max_nodes:
            raise TooBig(
                f"more than {self.limits.max_nodes:,} values after expanding aliases; refusing (a YAML bomb?)", mark
            )
        if depth > self.limits.max_depth:
            raise TooBig(f"nested more than {self.limits.max_depth} levels deep; refusing", mark)

    def _tag_ok(self, event: Any, path: Path_) -> bool:
        tag = getattr(event, "tag", None)
        if tag is None or tag in CORE_TAGS:
            return True
        self._problem(
            event.start_mark,
            path,
            f"tags are not allowed (found {_shown_tag(tag)}): write the plain value",
            code="yaml-tag",
        )
        return False

    def value(self, path: Path_, depth: int) -> Any:
        """Build the node that starts at the next event, consuming its events."""
        return self.value_from(self.loader.get_event(), path, depth)

    def value_from(self, event: Any, path: Path_, depth: int) -> Any:
        mark = event.start_mark
        kind = type(event)
        if kind is yaml.ScalarEvent and event.anchor is None:  # the common case, kept short
            self.count += 1
            if self.count > self.limits.max_nodes:
                self._count(mark, depth, 0)
            self.values[path] = (mark.line + 1, mark.column + 1)
            if event.tag is None:
                return self._plain(event, path)
            return self._scalar(event, path) if self._tag_ok(event, path) else None
        if kind is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                self._problem(mark, path, f"unknown alias *{event.anchor}")
                return None
            data, size = self.anchors[event.anchor]
            self.aliased += size
            if self.aliased > self.limits.max_alias_values:
                raise TooBig(
                    f"aliases expand to more than {self.limits.max_alias_values:,} values; refusing (a YAML bomb?)", mark
                )
            self._count(mark, depth, size)
            self.values[path] = (mark.line + 1, mark.column + 1)
            return data
        start = self.count
        self._count(mark, depth)
        self.values[path] = (mark.line + 1, mark.column + 1)
        tag_ok = self._tag_ok(event, path)
        if kind is yaml.ScalarEvent:
            data = self._scalar(event, path) if tag_ok else None
        elif kind is yaml.SequenceStartEvent:
            data = self._sequence(path, depth)
            data = data if tag_ok else None
        elif kind is yaml.MappingStartEvent:
            data = self._mapping(path, depth)
            data = data if tag_ok else None
        else:  # pragma: no cover - the parser only gives these where a value is expected
            raise yaml.YAMLError(f"unexpected {kind.__name__}")
        if event.anchor is not None:
            self.anchors[event.anchor] = (data, self.count - start)
        return data

    def _plain(self, event: Any, path: Path_) -> Any:
        """An untagged scalar: quoted is a string; plain is resolved (true, 12, null...). Plain
        values repeat across a caseload (event types, dates), so their reading is remembered."""
        if not event.implicit[0]:
            return event.value
        value = event.value
        found = self.plain_cache.get(value, _MISSING)
        if found is not _MISSING:
            return found
        data = self._scalar(event, path)
        if len(self.plain_cache) > 50_000:
            self.plain_cache.clear()
        self.plain_cache[value] = data
        return data

    def _scalar(self, event: Any, path: Path_) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0] or tag == "!":  # quoted: a string
                return event.value
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (yaml.YAMLError, ValueError) as exc:
            self._problem(event.start_mark, path, f"cannot read this value: {exc}")
            return None

    def _sequence(self, path: Path_, depth: int) -> list[Any]:
        out: list[Any] = []
        get = self.loader.get_event
        while True:
            event = get()
            if type(event) is yaml.SequenceEndEvent:
                return out
            out.append(self.value_from(event, path + (len(out),), depth + 1))

    def _mapping(self, path: Path_, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        merged: list[dict[str, Any]] = []
        get = self.loader.get_event
        while True:
            key_event = get()
            if type(key_event) is yaml.MappingEndEvent:
                break
            if type(key_event) is not yaml.ScalarEvent:
                self._problem(key_event.start_mark, path, "a key must be a plain name, not a list or mapping")
                self._skip(key_event)
                self.value(path + ("?",), depth + 1)
                continue
            key = str(key_event.value)
            mark = key_event.start_mark
            if key == "<<" and key_event.implicit[0]:  # a merge key: its mappings fill in missing keys
                value = self.value(path, depth + 1)
                merged += [m for m in (value if isinstance(value, list) else [value]) if isinstance(m, dict)]
                continue
            if key in first_seen:
                self._problem(
                    mark,
                    path + (key,),
                    f"duplicate key '{key}' (first given on line {first_seen[key]}); each key may appear once",
                    code="duplicate-key",
                )
                self.value(path + (key,), depth + 1)
                continue
            first_seen[key] = mark.line + 1
            sub = path + (key,)
            self.keys[sub] = (mark.line + 1, mark.column + 1)
            out[key] = self.value_from(get(), sub, depth + 1)
        for extra in merged:
            for key, value in extra.items():
                out.setdefault(key, value)
        return out

    def _skip(self, event: Any) -> None:
        """Consume the rest of a collection whose start event was already taken."""
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            level = 1
            while level:
                nxt = self.loader.get_event()
                if isinstance(nxt, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                    level += 1
                elif isinstance(nxt, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                    level -= 1
