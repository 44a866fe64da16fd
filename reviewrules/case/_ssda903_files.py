"""Finding 903 files, naming them, grouping them into returns, and each return's year.

A return is one collection year of one LA: one XML file, or the CSV files of one
folder that share a year in their names (the demand model keeps five years in one
folder as ``2017-episodes.csv``, ``2018-episodes.csv``...). A return's collection
year runs 1 April to 31 March (format.md, top). It is taken, in this order, from:

1. ``collection_year=`` given to ``read_903`` (every return gets it);
2. a ``YYYY-YY`` span in the file name (or a folder name): ``2017-18`` is 1 April 2017
   to 31 March 2018;
3. a four-digit year in the name, checked against the dates: the latest DECOM of the
   return's Episodes must fall in the year starting 1 April of that year (the name is
   the year the collection starts, as the demand model's files) or in the year ending
   31 March of it (the name is the year it ends, as the DfE and LIIA name returns);
4. the dates alone: the April-to-March year holding the latest DECOM (every episode
   in a return was open during the year, so no DECOM is later than its 31 March).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

from .._errors import Problem

__all__ = ["Found", "ReturnYear", "find_files", "name_year", "parse_collection_year", "resolve_years", "start_year_of"]


@dataclass(frozen=True)
class Found:
    """One file to read."""

    path: Path  # where to open it
    name: str  # how problems name it: as given, or relative to the folder given
    kind: str  # "csv" or "xml"
    group: tuple[str, ...]  # files with the same group make one return
    year: tuple[int, bool] | None  # (year, exact) from the name; exact: a YYYY-YY span, the start year


@dataclass(frozen=True)
class ReturnYear:
    """One return: its files and the collection year worked out for it."""

    files: tuple[str, ...]
    start_year: int | None  # the year of its 1 April; None when it cannot be told
    source: str  # how the year was found: "option", "name", "name and dates", "dates" or "unknown"


_SPAN = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_]?(\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_SUFFIXES = (".csv", ".xml")


def name_year(text: str) -> tuple[int, bool] | None:
    """A year in a file or folder name: ``(2017, True)`` for ``2017-18``, ``(2017, False)`` for ``2017``."""
    for match in _SPAN.finditer(text):
        first, second = int(match[1]), int(match[2])
        if (first + 1) % 100 == second:
            return first, True
    year = _YEAR.search(text)
    return (int(year[1]), False) if year else None


def parse_collection_year(value: int | str | None) -> int | None:
    """The start year from ``collection_year=``: 2017 or "2017" or "2017-18" mean 1 April 2017 to 31 March 2018."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"(19|20)\d\d", text):
            return int(text)
        found = name_year(text)
        if found is not None and found[1] and len(text) <= 9:
            return found[0]
    raise ValueError(
        f"collection_year must be the year the collection starts, such as 2017 or '2017-18' "
        f"(1 April 2017 to 31 March 2018), not {value!r}"
    )


def start_year_of(ordinal: int) -> int:
    """The year of the 1 April that starts the collection year holding this day."""
    day = date.fromordinal(ordinal)
    return day.year if day.month >= 4 else day.year - 1


def find_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Found], list[Problem]]:
    """Every CSV and XML file under the paths (folders recursively), in a stable order."""
    problems: list[Problem] = []
    picked: list[tuple[Path, str, str, Path | None]] = []  # (file, given, relative name, root)
    seen: set[Path] = set()
    for given in paths:
        shown = os.fspath(given)
        path = Path(given)
        if path.is_dir():
            for file in sorted(_walk(path)):
                real = file.resolve()
                if real not in seen:
                    seen.add(real)
                    picked.append((file, shown, file.relative_to(path).as_posix(), path))
        elif path.is_file():
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                picked.append((path, shown, shown, None))
        else:
            problems.append(Problem(f"no such file or folder: {shown}", file=shown, code="not-found"))
    # Names are relative to the folder given; where two folders hold the same name,
    # the folder as given goes in front so that every name says which file it is.
    clashes = Counter(rel for _, _, rel, root in picked if root is not None)
    found: list[Found] = []
    for file, shown, rel, root in picked:
        name = rel if root is None or clashes[rel] == 1 else f"{shown.rstrip('/')}/{rel}"
        kind = _kind(file)
        year = name_year(file.name)
        if year is None and root is not None:
            for folder in reversed(Path(rel).parent.parts):
                year = name_year(folder)
                if year is not None:
                    break
        parent = str(file.resolve().parent)
        group = ("xml", str(file.resolve())) if kind == "xml" else ("csv", parent, str(year))
        found.append(Found(file, name, kind, group, year))
    return found, problems


def _walk(folder: Path) -> Iterable[Path]:
    for entry in folder.rglob("*"):
        if any(part.startswith(".") for part in entry.relative_to(folder).parts):
            continue  # hidden folders and files (.git, editor backups)
        if entry.is_file() and entry.suffix.lower() in _SUFFIXES:
            yield entry


def _kind(path: Path) -> str:
    if path.suffix.lower() == ".xml":
        return "xml"
    if path.suffix.lower() == ".csv":
        return "csv"
    try:
        with open(path, "rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    except OSError:
        return "csv"
    return "xml" if head.startswith(b"<") else "csv"


def resolve_years(
    groups: dict[tuple[str, ...], tuple[list[str], tuple[int, bool] | None, int | None, bool]],
    explicit: int | None,
) -> tuple[dict[tuple[str, ...], ReturnYear], list[Problem]]:
    """Each return's collection year (module docstring), with a problem where it is doubtful.

    ``groups`` maps a return to (its file names, the year in its names, its latest
    DECOM as an ordinal or None, whether it holds a table a case is built from).
    """
    out: dict[tuple[str, ...], ReturnYear] = {}
    problems: list[Problem] = []
    # How each folder's names count years (offset 0: the start year, 1: the end year),
    # learnt from its returns whose dates tell, for those whose dates do not.
    convention: dict[str, int] = {}
    for key, (files, year, latest, _) in groups.items():
        if year is not None and not year[1] and latest is not None and start_year_of(latest) in (year[0], year[0] - 1):
            convention.setdefault(key[1], year[0] - start_year_of(latest))
    for key, (files, year, latest, has_mapped) in groups.items():
        first = files[0]
        data = start_year_of(latest) if latest is not None else None
        if explicit is not None:
            out[key] = ReturnYear(tuple(files), explicit, "option")
        elif year is not None and year[1]:
            out[key] = ReturnYear(tuple(files), year[0], "name")
        elif year is not None and data is not None and data in (year[0], year[0] - 1):
            out[key] = ReturnYear(tuple(files), data, "name and dates")
        elif year is not None and data is not None:
            assert latest is not None  # data is worked out from it
            chosen = data if data > year[0] else year[0] - 1
            problems.append(
                Problem(
                    f"the file name says {year[0]} but the latest DECOM ({date.fromordinal(latest).strftime('%d/%m/%Y')}) "
                    f"falls in the collection year {_span(data)}; taken as {_span(chosen)}",
                    file=first,
                    code="collection-year-mismatch",
                )
            )
            out[key] = ReturnYear(tuple(files), chosen, "dates" if chosen == data else "name")
        elif year is not None:
            offset = convention.get(key[1])
            chosen = year[0] - (1 if offset is None else offset)
            if offset is None:
                problems.append(
                    Problem(
                        f"no Episodes dates to tell whether {year[0]} in the file name is the year the collection starts "
                        f"or ends; taken as {_span(chosen)} (the DfE's naming); give collection_year to be sure",
                        file=first,
                        code="collection-year-unknown",
                    )
                )
            out[key] = ReturnYear(tuple(files), chosen, "name")
        elif data is not None:
            out[key] = ReturnYear(tuple(files), data, "dates")
        else:
            if has_mapped:
                problems.append(
                    Problem(
                        "cannot tell this return's collection year: no year in its file names and no usable DECOM; "
                        "its rows are read as the oldest year (give collection_year, or put the year in the file names)",
                        file=first,
                        code="collection-year-unknown",
                    )
                )
            out[key] = ReturnYear(tuple(files), None, "unknown")
    return out, problems


def _span(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d} (1 April {start} to 31 March {start + 1})"
