"""Reading SSDA903 returns as a caseload: one case per child, cut into periods of care.

    ret = read_903(["returns/2023", "returns/2024"], la="E08000025")
    for child in ret.children():          # sorted by CHILD, one case built at a time
        if child.case is None: ...        # refused: child.problems says why
    ret.problems                          # what belongs to no child (files, rows with no CHILD)
    ret.stats                             # files and rows read, used, merged, reported

Every row read is used, merged into the newer year's copy of the same record, or
reported (a warning of its child, or a line of ``ret.problems``): ``rows_read ==
rows_used + rows_merged + rows_reported`` for every table once ``children()`` has
run to the end. docs/ssda903.md describes every choice and every problem code.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .._errors import Problem
from ._ssda903_case import Options, build_child
from ._ssda903_csv import read_csv
from ._ssda903_files import ReturnYear, find_files, parse_collection_year, resolve_years
from ._ssda903_store import Store
from ._ssda903_tables import MAPPED_TABLES
from ._ssda903_xml import read_xml

__all__ = ["read_903", "Child903", "Return903", "Stats903", "ChildSlice", "ChildContext", "build_slice", "CODES"]

# Every problem and warning code the 903 reader gives (docs/ssda903.md, docs/errors.md).
CODES = (
    "not-found",
    "unreadable",
    "empty",
    "bad-xml",
    "unknown-table",
    "table-not-mapped",
    "duplicate-table",
    "collection-year-unknown",
    "collection-year-mismatch",
    "no-child-id",
    "blank-rows",
    "row-shape",
    "bad-date",
    "two-digit-year",
    "missing-value",
    "dec-before-decom",
    "unknown-code",
    "duplicate-row",
    "start-unknown",
    "end-unknown",
    "continuity",
    "overlap",
    "rec-on-open-episode",
    "short-breaks-skipped",
    "review-outside-period",
    "event-outside-period",
    "missing-away",
    "no-header",
    "dob-dropped",
    "dob-mismatch",
    "no-episodes",
    "only-short-breaks",
)


@dataclass(frozen=True)
class Child903:
    """One child of a 903 caseload: their case, or why there is none."""

    child: str  # the CHILD id, prefixed "LA:" when an LA is given
    case: dict[str, Any] | None  # the contract's case format (plain JSON data), or None when refused
    warnings: tuple[Problem, ...]  # rows or values of this child left out or changed
    problems: tuple[Problem, ...]  # why the child cannot be evaluated (empty when case is not None)


@dataclass(frozen=True)
class Stats903:
    """What was read and what became of it. Row counts are by table name (Header, Episodes...)."""

    files_read: int  # files holding a 903 table
    files_not_read: int  # files found that are not 903 tables or could not be read at all
    rows_read: dict[str, int]
    rows_used: dict[str, int]  # rows a case was built from
    rows_merged: dict[str, int]  # older years' copies of a record a newer year repeats
    rows_reported: dict[str, int]  # rows left out, each named by a warning or problem
    children: int  # children yielded so far
    children_refused: int


class Return903:
    """The 903 files read: their children (built on demand), problems and counts."""

    def __init__(self, store: Store, returns: dict[int, ReturnYear], options: Options, files_read: int, files_not_read: int):
        self._store = store
        self._returns = returns
        self._options = options
        self._files_read = files_read
        self._files_not_read = files_not_read
        self.problems: list[Problem] = store.problems
        self._used: Counter[str] = Counter()
        self._merged: Counter[str] = Counter()
        self._reported: Counter[str] = Counter()
        self._children = 0
        self._refused = 0

    @property
    def returns(self) -> tuple[ReturnYear, ...]:
        """Each return found (its files) with its collection year and how it was told."""
        return tuple(self._returns[i] for i in sorted(self._returns))

    @property
    def records_from(self) -> str | None:
        """1 April of the earliest collection year loaded (contract section 1), or None."""
        return self._options.records_from

    def children(self) -> Iterator[Child903]:
        """Every child, sorted by CHILD; each case is built when it is reached."""
        store = self._store
        self._used, self._merged, self._reported = Counter(), Counter(), Counter()
        self._children = self._refused = 0
        context = self.context()
        for child in self._ids():
            built = build_child(store, child, context.year_of, self._options)
            self._count(built)
            yield Child903(store.display(child), built.case, built.warnings, built.problems)

    @property
    def stats(self) -> Stats903:
        store = self._store
        tables = sorted(store.read)
        reported = store.reported + self._reported
        return Stats903(
            files_read=self._files_read,
            files_not_read=self._files_not_read,
            rows_read={t: store.read[t] for t in tables},
            rows_used={t: self._used[t] for t in tables},
            rows_merged={t: self._merged[t] for t in tables},
            rows_reported={t: reported[t] for t in tables},
            children=self._children,
            children_refused=self._refused,
        )

    def _ids(self) -> list[str]:
        store = self._store
        ids: set[str] = set(store.child_warnings)
        for table in MAPPED_TABLES:
            ids.update(store.rows[table])
        return sorted(ids)

    def _count(self, built: Any) -> None:
        self._used.update(built.used)
        self._merged.update(built.merged)
        self._reported.update(built.reported)
        self._children += 1
        self._refused += built.case is None

    def context(self) -> ChildContext:
        """What building any one child needs besides its own rows (small; sent once to each worker)."""
        store = self._store
        year = {i: (r.start_year if r.start_year is not None else -1) for i, r in self._returns.items()}
        return ChildContext(store.la, list(store.files), year, self._options)

    def slices(self) -> Iterator[ChildSlice]:
        """Every child's own rows, sorted by CHILD, to be built elsewhere (``build_slice``):
        a worker process builds and evaluates while this one reads on."""
        store = self._store
        for child in self._ids():
            rows = {table: by_child[child] for table, by_child in store.rows.items() if child in by_child}
            yield ChildSlice(child, rows, list(store.child_warnings.get(child, ())))


@dataclass(frozen=True)
class ChildSlice:
    """One child's rows of every table, and the warnings found reading them."""

    child: str
    rows: dict[str, list[tuple]]
    warnings: list[Problem]


@dataclass(frozen=True)
class ChildContext:
    la: str | None
    files: list[Any]
    years: dict[int, int]  # return group -> the year its collection starts
    options: Options

    def year_of(self, file: int) -> int:
        return self.years[self.files[file].group]


def build_slice(context: ChildContext, part: ChildSlice) -> Child903:
    """``Return903.children`` for one child's slice: its case built from its own rows."""
    store = Store(context.la)
    store.files = context.files
    for table, rows in part.rows.items():
        store.rows[table] = {part.child: rows}
    if part.warnings:
        store.child_warnings[part.child] = part.warnings
    built = build_child(store, part.child, context.year_of, context.options)
    return Child903(store.display(part.child), built.case, built.warnings, built.problems)

def read_903(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    la: str | None = None,
    same_carer_moves: bool = True,
    short_breaks: str = "keep",
    missing_away: bool = False,
    collection_year: int | str | None = None,
) -> Return903:
    """Read 903 returns (folders, read recursively, and CSV or XML files) as a caseload.

    ``la`` prefixes every child id (``"LA:CHILD"``) so that LAs can be merged.
    ``same_carer_moves``: RNE T/U (new placement, same carer) is a placement change.
    ``short_breaks``: "keep" V3/V4 periods (flagged ``short_breaks: true``) or "skip" them.
    ``missing_away``: MISSING A (away without authorisation) counts as missing too.
    ``collection_year``: the year every return's collection starts (2017 or "2017-18"),
    instead of working it out from the file names and dates.
    """
    if short_breaks not in ("keep", "skip"):
        raise ValueError(f"short_breaks must be 'keep' or 'skip', not {short_breaks!r}")
    if la is not None and (not isinstance(la, str) or not la.strip()):
        raise ValueError(f"la must be a non-empty string (an LA code), not {la!r}")
    explicit = parse_collection_year(collection_year)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    store = Store(la.strip() if la else None)
    found, problems = find_files(paths)
    store.problems.extend(problems)
    groups: dict[tuple[str, ...], int] = {}
    files_read = files_not_read = 0
    tables_by_group: dict[int, list[tuple[str, str]]] = {}
    for item in found:
        group = groups.setdefault(item.group, len(groups))
        if item.kind == "xml":
            ok = read_xml(store, item.path, item.name, group)
            files_read += ok
            files_not_read += not ok
            continue
        table = read_csv(store, item.path, item.name, group)
        if table is None:
            files_not_read += 1
            continue
        files_read += 1
        tables_by_group.setdefault(group, []).append((table, item.name))
    for group, tables in tables_by_group.items():
        _duplicate_tables(store, tables)
    # A return is the files of a group that hold a 903 table.
    year_in_name = {item.group: item.year for item in found}
    by_index = {index: key for key, index in groups.items()}
    names: dict[int, list[str]] = {}
    for source in store.files:
        listed = names.setdefault(source.group, [])
        if source.name not in listed:
            listed.append(source.name)
    mapped_groups = {f.group for f in store.files if f.table in MAPPED_TABLES}
    episode_groups = {f.group for f in store.files if f.table == "Episodes"}
    info = {
        by_index[index]: (listed, year_in_name[by_index[index]], store.latest_decom.get(index), index in mapped_groups)
        for index, listed in names.items()
    }
    years, problems = resolve_years(info, explicit)
    store.problems.extend(problems)
    returns = {groups[key]: value for key, value in years.items()}
    starts = [y for y in (returns[g].start_year for g in episode_groups) if y is not None]
    records_from = f"{min(starts)}-04-01" if starts else None
    options = Options(same_carer_moves, short_breaks, missing_away, records_from)
    if not found and not store.problems:
        store.problems.append(Problem("no CSV or XML file found in the paths given", code="not-found"))
    return Return903(store, returns, options, files_read, files_not_read)


def _duplicate_tables(store: Store, tables: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for table, name in tables:
        if table in MAPPED_TABLES and table in seen:
            store.problems.append(
                Problem(
                    f"a second {table} table in the same return (the first is {seen[table]}); both are read, "
                    "and rows they share are reported as duplicates",
                    file=name,
                    code="duplicate-table",
                )
            )
        seen.setdefault(table, name)
