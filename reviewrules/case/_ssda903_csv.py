"""Reading one 903 CSV file: its encoding, its table (by column set) and its rows.

Excel writes CSVs with a byte-order mark or as UTF-16 (mapping.md 3.7; the fake
``sw_episodes.csv`` starts with a BOM): both are detected. Values are upper-cased
and stripped, as the validator upper-cases every string (format.md 1).
"""

from __future__ import annotations

import codecs
import csv
from operator import itemgetter
from pathlib import Path
from typing import Any

from .._errors import Problem
from ._ssda903_store import SPEC, Store
from ._ssda903_tables import closest_table, recognise

__all__ = ["read_csv", "sniff_encoding"]


def sniff_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes: a BOM, or the zero bytes of UTF-16."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    return "utf-8"


def read_csv(store: Store, path: Path, name: str, group: int) -> str | None:
    """Read one CSV into the store; the table it holds, or None when it is not a 903 table."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        store.problems.append(Problem(f"cannot read the file: {exc.strerror or exc}", file=name, code="unreadable"))
        return None
    if not head.strip():
        store.problems.append(Problem("the file is empty: no header row with the column names", file=name, line=1, code="empty"))
        return None
    encoding = sniff_encoding(head)
    line = 0
    table: str | None = None
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            header: list[str] | None = None
            for header in reader:
                if any(cell.strip() for cell in header):
                    break
            else:
                header = None
            if header is None:
                store.problems.append(Problem("no header row with the column names", file=name, line=1, code="empty"))
                return None
            columns = [cell.replace("\ufeff", "").strip().upper() for cell in header]
            while columns and not columns[-1]:
                columns.pop()  # trailing commas after the last column name
            table = recognise(columns)
            if table is None:
                _unknown(store, name, reader.line_num, columns)
                return None
            line = reader.line_num
            _rows(store, reader, table, name, group, columns)
    except UnicodeDecodeError as exc:
        store.problems.append(
            Problem(
                f"cannot be decoded as {encoding} ({exc.reason}) after line {line}; the rest of the file is not read "
                "(save it as UTF-8)",
                file=name,
                line=line + 1 if line else None,
                code="unreadable",
            )
        )
    except csv.Error as exc:
        store.problems.append(
            Problem(
                f"not a readable CSV ({exc}); the rest of the file is not read", file=name, line=line or None, code="unreadable"
            )
        )
    return table


def _unknown(store: Store, name: str, line: int, columns: list[str]) -> None:
    best, missing, extra = closest_table(columns)
    if len(set(columns)) != len(columns):
        twice = sorted({c for c in columns if columns.count(c) > 1})
        detail = f"column {', '.join(twice)} appears twice"
    else:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("extra " + ", ".join(extra))
        detail = "; ".join(parts)
    store.problems.append(
        Problem(
            f"the columns match no 903 table; closest is {best} ({detail}); "
            f"a 903 CSV has exactly one table's columns (format.md 1): the file is not read",
            file=name,
            line=line,
            code="unknown-table",
        )
    )


def _rows(store: Store, reader: Any, table: str, name: str, group: int, columns: list[str]) -> None:
    positions = {column: i + 1 for i, column in enumerate(columns)}
    file = store.add_file(name, table, group, positions)
    width = len(columns)
    start = reader.line_num + 1
    if table not in SPEC:
        count = 0
        for row in reader:
            if row and any(cell.strip() for cell in row):
                count += 1
        store.not_mapped(table, count)
        store.problems.append(
            Problem(
                f"{table} table ({count} rows) read but not used: no review obligation depends on it (mapping.md 1)",
                file=name,
                code="table-not-mapped",
            )
        )
        return
    child_at = positions["CHILD"] - 1
    picks = [positions[column] - 1 for column, _ in SPEC[table]]
    pick = itemgetter(*picks) if len(picks) > 1 else (lambda row: (row[picks[0]],))
    blank = 0
    first_blank = 0
    fast = store.fast_path(table)
    slow = store.add_row
    for row in reader:
        line = start
        start = reader.line_num + 1
        if not row:
            continue  # an empty line is no row
        if len(row) != width:
            if len(row) > width and not any(cell.strip() for cell in row[width:]):
                row = row[:width]
            else:
                if not any(cell.strip() for cell in row):
                    blank += 1
                    first_blank = first_blank or line
                    continue
                _misshapen(store, table, file, line, row, width, child_at)
                continue
        child = row[child_at].strip().upper()
        if not child:
            if not any(cell.strip() for cell in row):
                blank += 1
                first_blank = first_blank or line
                continue
            store.no_child(table, file, line)
            continue
        values = pick(row)
        if fast is None or not fast(file, line, child, values):
            slow(table, file, line, child, values)
    if blank:
        store.read[table] += blank
        store.reported[table] += blank
        store.problems.append(
            Problem(
                f"{blank} row(s) with every value blank left out (the first on line {first_blank})",
                file=name,
                line=first_blank,
                code="blank-rows",
            )
        )


def _misshapen(store: Store, table: str, file: int, line: int, row: list[str], width: int, child_at: int) -> None:
    store.read[table] += 1
    store.reported[table] += 1
    child = row[child_at].strip().upper() if len(row) > child_at else ""
    message = f"{len(row)} values where the header has {width} columns; the row is left out"
    problem = store.row_problem(file, line, None, child or None, message, code="row-shape")
    if child:
        store.warn(child, problem)
    else:
        store.problems.append(problem)
