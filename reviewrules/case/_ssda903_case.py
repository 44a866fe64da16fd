"""One child's case from their merged 903 rows: periods, reviews, missing, social workers, DOB.

Reviews (format.md 5; mapping.md 3.3): one ``review_held`` per distinct REVIEW date,
without a ``review`` number (the engine numbers them; a return holds only the
reviews of its year), kept only if it lies inside one of the child's periods (start
<= date <= end, end inclusive, an open period runs on). Missing rows with MISSING M
are ``significant_event: missing`` on MIS_START (A only when asked); each social
worker episode after the first, with another SW_ID, is ``social_worker_changed``
on SW_DECOM. The date of birth is the newest Header's, left out when it cannot be
right (mapping.md 3.4).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from .._errors import Problem
from ._ssda903_codes import MISSING_CODES
from ._ssda903_merge import Merged, dmy, merge_child
from ._ssda903_periods import RANK, Period, cut_periods, ref
from ._ssda903_store import FILE, POS, Store
from ._ssda903_tables import iso, parse_903_date

__all__ = ["Options", "Built", "build_child"]

_TABLE_OF = {"episodes": "Episodes", "reviews": "Reviews", "missing": "Missing", "sw": "SWEpisodes"}


@dataclass(frozen=True)
class Options:
    same_carer_moves: bool
    short_breaks: str  # "keep" or "skip"
    missing_away: bool
    records_from: str | None


@dataclass(frozen=True)
class Built:
    """A child's case (or None), warnings and problems, and what became of their rows."""

    case: dict[str, Any] | None
    warnings: tuple[Problem, ...]
    problems: tuple[Problem, ...]
    used: Counter[str]
    merged: Counter[str]
    reported: Counter[str]


def build_child(store: Store, child: str, year_of: Callable[[int], int], options: Options) -> Built:
    merged = merge_child(store, child, year_of)
    builder = _Builder(store, child, merged, options)
    return builder.build()


def eighteenth_birthday(dob: int) -> int:
    """The 18th birthday as the engine counts it (relativedelta: 29 February -> 28 February)."""
    born = date.fromordinal(dob)
    try:
        return born.replace(year=born.year + 18).toordinal()
    except ValueError:
        return date(born.year + 18, 2, 28).toordinal()


class _Builder:
    def __init__(self, store: Store, child: str, merged: Merged, options: Options) -> None:
        self.store = store
        self.child = child
        self.merged = merged
        self.options = options
        self.warnings: list[Problem] = list(store.child_warnings.get(child, ())) + merged.warnings
        self.reported: Counter[str] = Counter(merged.reported)
        self.used: Counter[str] = Counter()

    def warn(self, row: tuple, column: str | None, message: str, *, code: str) -> None:
        self.warnings.append(self.store.row_problem(row[FILE], row[POS], column, self.child, message, code=code))

    def build(self) -> Built:
        merged = self.merged
        periods, more = cut_periods(self.store, self.child, merged.episodes, self.options.same_carer_moves)
        self.warnings.extend(more)
        kept: list[Period] = []
        skipped: list[Period] = []
        for period in periods:
            if period.short_breaks and self.options.short_breaks == "skip":
                skipped.append(period)
                first = period.episodes[0]
                self.warn(
                    first,
                    "LS",
                    f"short-break period ({first[2]}) from {dmy(period.start)} to "
                    f"{dmy(period.end) if period.end is not None else 'open'} left out ({len(period.episodes)} episode(s); "
                    "short_breaks='skip')",
                    code="short-breaks-skipped",
                )
                self.reported["Episodes"] += len(period.episodes)
            else:
                kept.append(period)
                self.used["Episodes"] += len(period.episodes)
        if not kept:
            return self._refused(periods)
        events: list[tuple[int, int, int, dict[str, Any]]] = []
        for number, period in enumerate(kept):
            events.extend((day, number, rank, event) for day, rank, event in period.events)
        place = _Placer(kept, skipped)
        self._reviews(place, events)
        self._missing(place, events)
        self._social_workers(place, events)
        case: dict[str, Any] = {"child": {"id": self.store.display(self.child)}}
        dob = self._dob(merged.episodes, kept)
        if dob is not None:
            case["child"]["dob"] = iso(dob)
        if merged.header is not None:
            self.used["Header"] += 1
        if self.options.records_from is not None:
            case["records_from"] = self.options.records_from
        events.sort(key=lambda item: item[:3])
        case["events"] = [event for _, _, _, event in events]
        return self._done(case, ())

    # -- refusal

    def _refused(self, periods: list[Period]) -> Built:
        merged = self.merged
        for name, table in _TABLE_OF.items():
            if name != "episodes":
                self.reported[table] += len(getattr(merged, name))
        if merged.header is not None:
            self.reported["Header"] += 1
        if not periods:
            message = (
                "no usable Episodes row for this child (none in the files, or every one left out above): "
                "nothing to count deadlines from"
            )
            code = "no-episodes"
        else:
            message = (
                f"every period of care of this child is a short break ({len(periods)} left out with short_breaks='skip'): "
                "nothing to evaluate"
            )
            code = "only-short-breaks"
        row = self._first_row()
        if row is not None:
            problem = self.store.row_problem(row[FILE], row[POS], "CHILD", self.child, message, code=code)
        else:
            where = self.warnings[0] if self.warnings else None
            problem = Problem(
                message,
                file=where.file if where else None,
                line=where.line if where else None,
                child=self.store.display(self.child),
                code=code,
            )
        return self._done(None, (problem,))

    def _first_row(self) -> tuple | None:
        merged = self.merged
        for rows in (merged.episodes, [merged.header] if merged.header else [], merged.reviews, merged.missing, merged.sw):
            if rows:
                return rows[0]
        return None

    def _done(self, case: dict[str, Any] | None, problems: tuple[Problem, ...]) -> Built:
        warnings = sorted(self.warnings, key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.code))
        return Built(case, tuple(warnings), problems, self.used, Counter(self.merged.merged), self.reported)

    # -- rows that become events inside periods

    def _reviews(self, place: "_Placer", events: list) -> None:
        header_dob = self.merged.header[0] if self.merged.header is not None else None
        mismatched: dict[str, list[tuple]] = {}
        for row in self.merged.reviews:
            day, code, dob_text = row[0], row[1], row[2]
            if header_dob is not None and dob_text and parse_903_date(dob_text)[0] != header_dob:
                mismatched.setdefault(dob_text, []).append(row)
            number = place.find(day)
            if number is None:
                self.reported["Reviews"] += 1
                self.warn(row, "REVIEW", f"review held on {dmy(day)} is {place.why(day)}; left out", code="review-outside-period")
                continue
            self.used["Reviews"] += 1
            note = f"903 REVIEW_CODE={code}" if code else "903 REVIEW_CODE blank"
            event = {"type": "review_held", "date": iso(day), "note": note, "ref": ref(self.store, row)}
            events.append((day, number, RANK["review_held"], event))
        for dob_text, rows in mismatched.items():
            assert header_dob is not None  # a DOB is mismatched only against a Header's
            others = f" (and {len(rows) - 1} more Reviews rows)" if len(rows) > 1 else ""
            self.warn(
                rows[0],
                "DOB",
                f"Reviews DOB {dob_text} differs from the Header DOB {dmy(header_dob)}{others} (VAL INT17); the Header's is used",
                code="dob-mismatch",
            )

    def _missing(self, place: "_Placer", events: list) -> None:
        for row in self.merged.missing:
            day, code = row[0], row[1]
            if code == "A" and not self.options.missing_away:
                self.reported["Missing"] += 1
                self.warn(
                    row,
                    "MISSING",
                    "MISSING A (away from placement without authorisation) left out; give missing_away=True to count it as missing",
                    code="missing-away",
                )
                continue
            if code not in MISSING_CODES:
                self.reported["Missing"] += 1
                what = f"MISSING '{code}' is not a 903 code (M or A)" if code else "MISSING is blank"
                self.warn(row, "MISSING", f"{what}; the row is left out", code="unknown-code" if code else "missing-value")
                continue
            number = place.find(day)
            if number is None:
                self.reported["Missing"] += 1
                self.warn(row, "MIS_START", f"missing from {dmy(day)} is {place.why(day)}; left out", code="event-outside-period")
                continue
            self.used["Missing"] += 1
            event = {
                "type": "significant_event",
                "date": iso(day),
                "category": "missing",
                "note": f"903 MISSING={code}",
                "ref": ref(self.store, row),
            }
            events.append((day, number, RANK["significant_event"], event))

    def _social_workers(self, place: "_Placer", events: list) -> None:
        previous_worker: str | None = None
        for i, row in enumerate(self.merged.sw):
            day, worker, reason = row[0], row[1], row[2]
            if i == 0 or (worker and worker == previous_worker):
                # The first worker is no change; nor is a new row for the same worker.
                self.used["SWEpisodes"] += 1
                previous_worker = worker
                continue
            previous_worker = worker
            number = place.find(day)
            if number is None:
                self.reported["SWEpisodes"] += 1
                self.warn(
                    row,
                    "SW_DECOM",
                    f"social worker change on {dmy(day)} is {place.why(day)}; left out",
                    code="event-outside-period",
                )
                continue
            self.used["SWEpisodes"] += 1
            note = f"903 SW_REASON={reason}" if reason else "903 SW_REASON blank"
            event = {
                "type": "significant_event",
                "date": iso(day),
                "category": "social_worker_changed",
                "note": note,
                "ref": ref(self.store, row),
            }
            events.append((day, number, RANK["significant_event"], event))

    # -- date of birth

    def _dob(self, episodes: list[tuple], kept: list[Period]) -> int | None:
        header = self.merged.header
        if header is None:
            first = episodes[0]
            self.warn(
                first,
                "CHILD",
                "the child is not in the Header table (VAL INT08): no date of birth, so age rules cannot apply",
                code="no-header",
            )
            return None
        dob = header[0]
        if dob is None:
            return None  # reported when read (blank, or not a date)
        first = episodes[0][0]
        if dob > first:
            self.warn(
                header, "DOB",
                f"DOB {dmy(dob)} is after the child's first episode began ({dmy(first)}); the date of birth is left out",
                code="dob-dropped",
            )  # fmt: skip
            return None
        adult = eighteenth_birthday(dob)
        for period in kept:
            if period.start >= adult:
                self.warn(
                    header, "DOB",
                    f"DOB {dmy(dob)} makes the child 18 on {dmy(adult)}, on or before a period of care began ({dmy(period.start)}); "
                    "the date of birth is left out",
                    code="dob-dropped",
                )  # fmt: skip
                return None
        return dob


class _Placer:
    """Which kept period holds a day (the earlier one on a day one ends and the next starts)."""

    def __init__(self, kept: list[Period], skipped: list[Period]) -> None:
        self.kept = kept
        self.starts = [p.start for p in kept]
        self.skipped = skipped

    def find(self, day: int) -> int | None:
        i = bisect_right(self.starts, day) - 1
        if i < 0:
            return None
        if i > 0 and self.kept[i - 1].end == day:
            return i - 1
        end = self.kept[i].end
        return i if end is None or day <= end else None

    def why(self, day: int) -> str:
        for period in self.skipped:
            if period.start <= day and (period.end is None or day <= period.end):
                return f"in a short-break period ({dmy(period.start)}) left out with short_breaks='skip'"
        if day < self.starts[0]:
            return f"before the child's first period of care loaded begins ({dmy(self.starts[0])})"
        i = bisect_right(self.starts, day) - 1
        ended = self.kept[i].end
        assert ended is not None
        if i + 1 < len(self.kept):
            return f"between periods of care (one ended {dmy(ended)}, the next began {dmy(self.kept[i + 1].start)})"
        return f"after the child's last period of care ended ({dmy(ended)})"
