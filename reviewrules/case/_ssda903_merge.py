"""Merging one child's rows across the years loaded, as LIIA merges returns.

mapping.md 3.8 (LIIA ``la-agg.yml``): Episodes are deduplicated on (CHILD, DECOM)
keeping the newest year's row (an episode open at 31 March is repeated in the next
return, its DEC and REC filled in there); Reviews on (CHILD, REVIEW); the Header
row is the newest year's (DOB corrections). Missing and SWEpisodes rows are
deduplicated the same way on their start date.

A row replaced by the newer year's copy of the same record is *merged*, not
reported: that is how a multi-year history is built, not a fault (a review in two
returns is used once, as an episode open at 31 March is). A second row with the same
key inside one return is a fault and is reported and left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from .._errors import Problem
from ._ssda903_store import FILE, POS, Store

__all__ = ["Merged", "merge_child", "dmy"]


def dmy(ordinal: int) -> str:
    """A day as the 903 writes it."""
    return date.fromordinal(ordinal).strftime("%d/%m/%Y")


@dataclass
class Merged:
    """One child's rows after merging: one per key, each list sorted by date."""

    header: tuple | None = None
    episodes: list[tuple] = field(default_factory=list)
    reviews: list[tuple] = field(default_factory=list)
    missing: list[tuple] = field(default_factory=list)
    sw: list[tuple] = field(default_factory=list)
    merged: Counter[str] = field(default_factory=Counter)
    reported: Counter[str] = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)


_KEYS = {"Episodes": "DECOM", "Reviews": "REVIEW", "Missing": "MIS_START", "SWEpisodes": "SW_DECOM"}


def merge_child(store: Store, child: str, year_of: Callable[[int], int]) -> Merged:
    """Merge the child's rows of every mapped table; ``year_of`` gives a file's collection year."""
    out = Merged()
    rows = store.rows
    header = rows["Header"].get(child)
    if header:
        kept = _dedupe(store, child, "Header", header, year_of, out, key=None)
        out.header = kept[0]
    out.episodes = _dedupe(store, child, "Episodes", rows["Episodes"].get(child, ()), year_of, out, key=0)
    out.reviews = _dedupe(store, child, "Reviews", rows["Reviews"].get(child, ()), year_of, out, key=0)
    out.missing = _dedupe(store, child, "Missing", rows["Missing"].get(child, ()), year_of, out, key=0)
    out.sw = _dedupe(store, child, "SWEpisodes", rows["SWEpisodes"].get(child, ()), year_of, out, key=0)
    return out


def _line(pos: int | tuple[int, int]) -> tuple[int, int]:
    return pos if isinstance(pos, tuple) else (pos, 0)


def _dedupe(
    store: Store,
    child: str,
    table: str,
    rows: list[tuple] | tuple[()],
    year_of: Callable[[int], int],
    out: Merged,
    key: int | None,
    across: bool = False,
) -> list[tuple]:
    if not rows:
        return []
    if len(rows) == 1:
        return [rows[0]]

    def order(row: tuple) -> tuple:
        return (row[key] if key is not None else 0, -year_of(row[FILE]), row[FILE], _line(row[POS]))

    kept: list[tuple] = []
    last: tuple | None = None
    for row in sorted(rows, key=order):
        if last is not None and (key is None or row[key] == last[key]):
            same_year = year_of(row[FILE]) == year_of(last[FILE])
            if same_year or across:
                out.reported[table] += 1
                out.warnings.append(_duplicate(store, child, table, row, last, key, same_year))
            else:
                out.merged[table] += 1
            continue
        kept.append(row)
        last = row
    return kept


def _duplicate(store: Store, child: str, table: str, row: tuple, first: tuple, key: int | None, same_year: bool) -> Problem:
    name, line, column = store.where(first[FILE], first[POS], None)
    at = f"{name}:{line}" if line is not None else name
    if key is None:
        what = f"a second {table} row for this child"
        column_name = "CHILD"
    else:
        column_name = _KEYS[table]
        what = f"a second {table} row with {column_name} {dmy(row[key])}"
    where = "in the same return" if same_year else "in an older return"
    kept = "the newest year's row is used" if not same_year else "the first row is used"
    return store.row_problem(
        row[FILE],
        row[POS],
        column_name,
        child,
        f"{what} {where} (kept: {at}); {kept} and this one left out",
        code="duplicate-row",
    )
