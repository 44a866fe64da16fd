"""Where the 903 rows read are kept until each child's case is built.

A return of 110,000 children holds millions of rows, so a row is a tuple of the few
values a case needs (dates as day ordinals, codes as shared strings), with where it
came from (file number and line), grouped by table and child. A value that cannot be
read is reported here, at once, located by file, line and column; its row is left
out (except a bad date of birth, which only loses the DOB).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from .._errors import Problem
from ._ssda903_tables import parse_903_date

__all__ = ["SourceFile", "Store", "SPEC", "FILE", "POS", "Pos"]

# A row's position: its line in a CSV; (line, column) of its element in XML.
Pos = int | tuple[int, int]

# What each mapped table keeps of a row, in this order, before (file number, position).
# kinds: date (required), optdate (may be blank), dob (a bad one loses only the DOB),
# code (upper-cased, stripped), raw (kept as text).
SPEC: dict[str, tuple[tuple[str, str], ...]] = {
    "Header": (("DOB", "dob"),),
    "Episodes": (
        ("DECOM", "date"),
        ("RNE", "code"),
        ("LS", "code"),
        ("PLACE", "code"),
        ("DEC", "optdate"),
        ("REC", "code"),
        ("REASON_PLACE_CHANGE", "code"),
        ("URN", "code"),
    ),
    "Reviews": (("REVIEW", "date"), ("REVIEW_CODE", "code"), ("DOB", "raw")),
    "Missing": (("MIS_START", "date"), ("MISSING", "code")),
    "SWEpisodes": (("SW_DECOM", "date"), ("SW_ID", "code"), ("SW_REASON", "code")),
}
FILE = -2  # index of the file number in a stored row
POS = -1  # index of the position


@dataclass(frozen=True)
class SourceFile:
    """A file (or, for XML, one table of a file) rows were read from."""

    name: str
    table: str
    group: int  # which return
    columns: Mapping[str, int] | None  # CSV: column name -> 1-based column number


class Store:
    """Rows by table and child, the problems found reading them, and the counts."""

    def __init__(self, la: str | None) -> None:
        self.la = la
        self.files: list[SourceFile] = []
        self.rows: dict[str, dict[str, list[tuple]]] = {table: {} for table in SPEC}
        self.child_warnings: dict[str, list[Problem]] = {}
        self.problems: list[Problem] = []
        self.read: Counter[str] = Counter()
        self.reported: Counter[str] = Counter()
        self.latest_decom: dict[int, int] = {}  # group -> latest DECOM read
        self._codes: dict[str, str] = _Shared()
        self._good: dict[str, int] = {}  # raw date text -> ordinal, for the dates that parse
        self._fast = {"Header": self._header, "Episodes": self._episode, "Reviews": self._review}

    def display(self, child: str) -> str:
        """The id a case and its problems carry: prefixed with the LA when one is given."""
        return f"{self.la}:{child}" if self.la else child

    def add_file(self, name: str, table: str, group: int, columns: Mapping[str, int] | None) -> int:
        self.files.append(SourceFile(name, table, group, columns))
        return len(self.files) - 1

    def where(self, file: int, pos: Pos, column: str | None) -> tuple[str, int | None, int | None]:
        """(file name, line, column) of a value: its CSV column, or its row's XML element."""
        source = self.files[file]
        if isinstance(pos, tuple):
            return source.name, pos[0], pos[1]
        number = source.columns.get(column) if source.columns is not None and column else None
        return source.name, pos, number

    def row_problem(self, file: int, pos: Pos, column: str | None, child: str | None, message: str, *, code: str) -> Problem:
        name, line, number = self.where(file, pos, column)
        return Problem(
            message,
            file=name,
            line=line,
            column=number,
            path=(column,) if column else None,
            code=code,
            child=None if child is None else self.display(child),
        )

    def warn(self, child: str, problem: Problem) -> None:
        self.child_warnings.setdefault(child, []).append(problem)

    def fast_path(self, table: str) -> Callable[[int, Pos, str, Sequence[str]], bool] | None:
        """A shorter way than ``add_row`` for a table's rows that read cleanly: it stores the
        row and says True, or stores nothing and says False (``add_row`` then reports it)."""
        return self._fast.get(table)

    def _date(self, text: str) -> int | None | bool:
        """A date for the fast path: its ordinal, None when blank, False when it needs reporting."""
        value = text.strip()
        if not value:
            return None
        ordinal = parse_903_date(value)[0]
        if ordinal is None:
            return False
        self._good[text] = ordinal
        return ordinal

    def _header(self, file: int, pos: Pos, child: str, values: Sequence[str]) -> bool:
        dob = self._good.get(values[0])
        if dob is None:
            dob = self._date(values[0])
            if not dob:  # blank, or not a date: add_row warns
                return False
        self.read["Header"] += 1
        rows = self.rows["Header"].get(child)
        if rows is None:
            self.rows["Header"][child] = [(dob, file, pos)]
        else:
            rows.append((dob, file, pos))
        return True

    def _episode(self, file: int, pos: Pos, child: str, values: Sequence[str]) -> bool:
        decom_text, rne, ls, place, dec_text, rec, reason, urn = values
        good = self._good
        decom = good.get(decom_text)
        if decom is None:
            decom = self._date(decom_text)
            if not decom:
                return False
        dec = None
        if dec_text:
            dec = good.get(dec_text)
            if dec is None:
                dec = self._date(dec_text)
                if dec is False:
                    return False
        if dec is not None and dec < decom:  # type: ignore[operator]
            return False
        c = self._codes
        row = (
            decom, c[rne.strip().upper()], c[ls.strip().upper()], c[place.strip().upper()], dec,
            c[rec.strip().upper()], c[reason.strip().upper()], c[urn.strip().upper()], file, pos,
        )  # fmt: skip
        self.read["Episodes"] += 1
        rows = self.rows["Episodes"].get(child)
        if rows is None:
            self.rows["Episodes"][child] = [row]
        else:
            rows.append(row)
        group = self.files[file].group
        if decom > self.latest_decom.get(group, 0):  # type: ignore[operator]
            self.latest_decom[group] = decom  # type: ignore[assignment]
        return True

    def _review(self, file: int, pos: Pos, child: str, values: Sequence[str]) -> bool:
        review_text, code, dob = values
        review = self._good.get(review_text)
        if review is None:
            review = self._date(review_text)
            if not review:
                return False
        c = self._codes
        row = (review, c[code.strip().upper()], c[dob.strip().upper()], file, pos)
        self.read["Reviews"] += 1
        rows = self.rows["Reviews"].get(child)
        if rows is None:
            self.rows["Reviews"][child] = [row]
        else:
            rows.append(row)
        return True

    def add_row(
        self,
        table: str,
        file: int,
        pos: Pos,
        child: str,
        values: Sequence[str],
        leaf: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """One row of a mapped table: ``values`` as in SPEC, raw (not yet stripped)."""
        self.read[table] += 1
        out: list[Any] = []  # a row's values: codes (str) and ordinals (int, or None when blank)
        bad: list[Problem] = []
        codes = self._codes
        for (column, kind), raw in zip(SPEC[table], values):
            value = raw.strip().upper()
            if kind in ("code", "raw"):
                out.append(codes[value])
            elif not value:
                if kind == "dob":
                    self.warn(
                        child,
                        self._value_problem(
                            file, pos, column, child, leaf, "DOB is blank; the date of birth is left out", "missing-value"
                        ),
                    )
                if kind == "date":
                    bad.append(
                        self._value_problem(file, pos, column, child, leaf, f"{column} is blank; it is required", "missing-value")
                    )
                out.append(None)
            else:
                ordinal, code, message = parse_903_date(value)
                if ordinal is None and kind == "dob":
                    assert code is not None  # parse_903_date gives a code with every date it refuses
                    # The row still names the child; only the date of birth is lost.
                    self.warn(
                        child,
                        self._value_problem(file, pos, column, child, leaf, f"{message}; the date of birth is left out", code),
                    )
                elif ordinal is None:
                    assert code is not None  # as above
                    bad.append(self._value_problem(file, pos, column, child, leaf, f"{message}; the row is left out", code))
                out.append(ordinal)
        if table == "Episodes" and not bad and out[4] is not None and out[4] < out[0]:
            bad.append(
                self._value_problem(
                    file, pos, "DEC", child, leaf,
                    f"DEC {values[4].strip()} is before DECOM {values[0].strip()}; the row is left out",
                    "dec-before-decom",
                )
            )  # fmt: skip
        if bad:
            self.reported[table] += 1
            for problem in bad:
                self.warn(child, problem)
            return
        if table == "Episodes":
            group = self.files[file].group
            if out[0] > self.latest_decom.get(group, 0):
                self.latest_decom[group] = out[0]
        out.append(file)
        out.append(pos)
        self.rows[table].setdefault(child, []).append(tuple(out))

    def _value_problem(
        self, file: int, pos: Pos, column: str, child: str, leaf: Mapping[str, tuple[int, int]] | None, message: str, code: str
    ) -> Problem:
        # In XML the value's own element is located exactly; in CSV its column is.
        if leaf is not None and column in leaf:
            pos = leaf[column]
        return self.row_problem(file, pos, column, child, message, code=code)

    def no_child(self, table: str, file: int, pos: Pos, leaf: Mapping[str, tuple[int, int]] | None = None) -> None:
        """A row with a blank CHILD: it belongs to nobody, so it is reported on its own."""
        self.read[table] += 1
        self.reported[table] += 1
        if leaf is not None and "CHILD" in leaf:
            pos = leaf["CHILD"]
        self.problems.append(
            self.row_problem(file, pos, "CHILD", None, f"{table} row with a blank CHILD; the row is left out", code="no-child-id")
        )

    def not_mapped(self, table: str, count: int) -> None:
        """Rows of a table no case is built from: read, and reported by one line for the file."""
        self.read[table] += count
        self.reported[table] += count


class _Shared(dict):
    """Codes and dates repeat millions of times: keep one string object for each."""

    def __missing__(self, key: str) -> str:
        self[key] = key
        return key
