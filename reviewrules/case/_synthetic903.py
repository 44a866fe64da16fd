"""A seeded generator of multi-year SSDA903 returns (CSV) with known answers.

Each child gets a true care history (periods of care, episodes, reviews, missing
episodes), which is then written as the DfE would collect it, one return per
collection year (1 April to 31 March): every episode open at any time in the year
with its original DECOM (an episode open at 31 March repeated in the next year's
file, blank DEC/REC in the earlier one), the reviews and missing episodes of the
year, a Header row for every child with episodes in the year. Histories have
re-entries into care, periods that began before the first year written, 18th
birthdays ending a period, placement moves planned and unplanned, same-carer moves,
temporary placements (T0-T4 and back), short breaks (V3), a review written into two
returns, and, if asked, rows that cannot be read (impossible dates, two-digit years,
blank CHILD).

The answers are what a correct import of the rows written must give (docs/ssda903.md),
worked out from the true history, not by the importer's code: each child's events
(type, date and mapped fields), date of birth and warning codes. No real child's data.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["Synthetic903", "ExpectedChild", "write_903_return"]

_HEADER = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
_EPISODES = (
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
)  # fmt: skip
_REVIEWS = ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")
_MISSING = ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")

# Weighted choices for a realistic mix (not the DfE's national figures).
_LEGAL = (("C2", 45), ("C1", 20), ("V2", 25), ("E1", 6), ("J1", 2), ("L2", 2))
_LEGAL_MAP = {"C1": "ico", "C2": "s31", "V2": "s20", "V3": "s20", "E1": "placement_order", "J1": "remand", "L2": "epo"}
_PLACES = (("U4", 30), ("U6", 15), ("U1", 10), ("U3", 8), ("K2", 15), ("R1", 4), ("P1", 6), ("H5", 6), ("S1", 3), ("Z1", 3))
_PLACE_MAP = {
    "U1": "foster", "U3": "foster", "U4": "foster", "U6": "foster", "K2": "childrens_home", "R1": "residential_other",
    "P1": "placed_with_parents", "H5": "supported_accommodation", "S1": "residential_other", "Z1": "other",
    "T0": "temporary", "T1": "temporary", "T2": "temporary", "T3": "temporary", "T4": "temporary",
}  # fmt: skip
_PROVIDER = {"P1": "PR0", "U1": "PR1", "U3": "PR1", "U4": "PR1", "U6": "PR4", "K2": "PR4"}
_ENDS = (("E4A", 30), ("E13", 10), ("E41", 8), ("E45", 6), ("E8", 8), ("E11", 6), ("E3", 4), ("E4B", 6))
_NO_RETURN = {"E11", "E12", "E2"}  # adopted or died: no later period
_PLANNED = ("CARPL", "PLACE", "CLOSE")
_UNPLANNED = ("CREQB", "CREQO", "CHILD", "LAREQ", "ALLEG")
_ETHNIC = ("WBRI", "WOTH", "MWBC", "AIND", "BAFR", "BCRB", "CHNE", "OOTH", "REFU", "NOBT")


@dataclass(frozen=True)
class ExpectedChild:
    """What reading the written rows must give for one child."""

    dob: str | None
    events: tuple[tuple[Any, ...], ...]  # (type, ISO date, ((field, value), ...)) in date order; no note/ref
    warnings: tuple[tuple[str, int], ...]  # (code, count), sorted


@dataclass(frozen=True)
class Synthetic903:
    """A written return: where, how much, and the known answers."""

    folder: Path
    children: int
    years: tuple[int, ...]  # each collection year's start
    rows: dict[str, int]  # rows written per table, all years
    defects: dict[str, int]  # bad rows written, by the code that must report them
    expected: dict[str, ExpectedChild] | None  # by CHILD, when asked for


@dataclass
class _Episode:
    decom: int
    rne: str
    ls: str
    place: str
    urn: str
    dec: int | None = None
    rec: str = ""
    reason: str = ""
    temporary: bool = False


@dataclass
class _Period:
    episodes: list[_Episode] = field(default_factory=list)
    reviews: list[int] = field(default_factory=list)
    missing: list[tuple[str, int, int]] = field(default_factory=list)
    short_break: bool = False


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in table)
    pick = rng.random() * total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


class _Writer:
    """Opens one CSV per (year, table) and writes rows as children are generated."""

    def __init__(self, folder: Path, years: list[int], with_missing: bool) -> None:
        self.handles = []
        self.writers: dict[tuple[int, str], Any] = {}
        self.rows: Counter[str] = Counter()
        tables = [("Header", _HEADER), ("Episodes", _EPISODES), ("Reviews", _REVIEWS)]
        if with_missing:
            tables.append(("Missing", _MISSING))
        for year in years:
            for table, columns in tables:
                name = f"ssda903_{year}-{(year + 1) % 100:02d}_{table.lower()}.csv"
                handle = open(folder / name, "w", newline="", encoding="utf-8")
                self.handles.append(handle)
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(columns)
                self.writers[(year, table)] = writer

    def write(self, year: int, table: str, row: list[str]) -> None:
        writer = self.writers.get((year, table))
        if writer is not None:
            writer.writerow(row)
            self.rows[table] += 1

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def write_903_return(
    folder: str | Path,
    children: int = 1000,
    years: int = 5,
    seed: int = 1,
    defects: bool = False,
    first_year: int = 2019,
    missing: bool = True,
    expect: bool = True,
) -> Synthetic903:
    """Write ``years`` returns (from ``first_year``-``first_year + 1``) for ``children`` children into ``folder``.

    The same arguments always write the same files. ``expect=False`` skips the known
    answers (for benchmarks of 100,000 children and more).
    """
    if children < 1 or years < 1:
        raise ValueError("children and years must be at least 1")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    starts = [first_year + i for i in range(years)]
    window = (date(first_year, 4, 1).toordinal(), date(first_year + years, 3, 31).toordinal())
    gen = _Generator(random.Random(seed), window, starts, defects)
    writer = _Writer(out, starts, missing)
    expected: dict[str, ExpectedChild] | None = {} if expect else None
    try:
        for number in range(children):
            child = str(100000 + number)
            history = gen.history()
            answer = gen.write(writer, child, history, missing, expect)
            if expected is not None and answer is not None:
                expected[child] = answer
    finally:
        writer.close()
    return Synthetic903(out, children, tuple(starts), dict(writer.rows), dict(gen.defects), expected)


class _Generator:
    def __init__(self, rng: random.Random, window: tuple[int, int], years: list[int], defects: bool) -> None:
        self.rng = rng
        self.window = window
        self.years = years
        self.with_defects = defects
        self.defects: Counter[str] = Counter()
        self._dmy: dict[int, str] = {}
        self._year_bounds = [(date(y, 4, 1).toordinal(), date(y + 1, 3, 31).toordinal()) for y in years]

    def dmy(self, day: int) -> str:
        text = self._dmy.get(day)
        if text is None:
            text = self._dmy[day] = date.fromordinal(day).strftime("%d/%m/%Y")
        return text

    # -- the true history

    def history(self) -> tuple[int, list[_Period]]:
        """A child's history that reaches into the years written (others are drawn again)."""
        while True:
            dob, periods = self._history()
            if any(e.dec is None or e.dec >= self.window[0] for p in periods for e in p.episodes):
                return dob, periods

    def _history(self) -> tuple[int, list[_Period]]:
        rng = self.rng
        w0, w1 = self.window
        first = rng.randint(w0 - 3 * 365, w1 - 40)
        dob = first - rng.randint(60, int(17.3 * 365))
        adult = _eighteenth(dob)
        periods: list[_Period] = []
        short_breaks = rng.random() < 0.05
        start = first
        while start < min(w1, adult - 30):
            if short_breaks:
                period = self._short_break(start)
            else:
                period = self._period(start, adult)
            periods.append(period)
            last = period.episodes[-1]
            if last.dec is None or last.rec in _NO_RETURN or last.dec >= adult - 30:
                break
            if short_breaks:
                start = last.dec + rng.randint(14, 90)
            elif rng.random() < 0.3:
                start = last.dec + rng.randint(10, 400)
            else:
                break
        return dob, periods

    def _short_break(self, start: int) -> _Period:
        # A V3 break: its own period, S to E4A, at most 17 days (VAL rule 365).
        place = "U4"
        episode = _Episode(start, "S", "V3", place, "SC" + str(self.rng.randint(100000, 999999)))
        episode.dec = start + self.rng.randint(1, 17)
        episode.rec = "E4A"
        return _Period([episode], short_break=True)

    def _period(self, start: int, adult: int) -> _Period:
        rng = self.rng
        w0, w1 = self.window
        length = rng.randint(40, 2200)
        end = start + length
        ends_at_18 = end >= adult
        if ends_at_18:
            end = adult
        place = _weighted(rng, _PLACES)
        episodes = [_Episode(start, "S", _weighted(rng, _LEGAL), place, self._urn(place))]
        day = start
        while True:
            day += rng.randint(30, 420)
            if day >= end - 10:
                break
            prev = episodes[-1]
            kind = rng.random()
            # Keep temporary stays clear of 1 April of the first year written, so that a
            # history starting before it never opens in a temporary placement.
            if kind < 0.12 and not (w0 - 12 <= day <= w0 + 12):
                back = day + rng.randint(1, 7)
                if back >= end - 10:
                    break
                temp_place = rng.choice(("T0", "T1", "T2", "T3", "T4"))
                self._cease(prev, day, "")
                episodes.append(_Episode(day, "P", prev.ls, temp_place, "", temporary=True))
                self._cease(episodes[-1], back, "")
                episodes.append(_Episode(back, "P", prev.ls, prev.place, prev.urn))
                day = back
            elif kind < 0.55:
                place = _weighted(rng, _PLACES)
                reason = rng.choice(_PLANNED + _UNPLANNED + ("OTHER",))
                self._cease(prev, day, reason)
                episodes.append(_Episode(day, "P", prev.ls, place, self._urn(place)))
            elif kind < 0.75:
                self._cease(prev, day, "")
                legal = _weighted(rng, _LEGAL)
                episodes.append(_Episode(day, "L", legal if legal != prev.ls else "C2", prev.place, prev.urn))
            elif kind < 0.9:
                # Same carer, new placement record (the carer moved house).
                self._cease(prev, day, "PLACE")
                episodes.append(_Episode(day, "T", prev.ls, prev.place, self._urn(prev.place)))
            else:
                place = _weighted(rng, _PLACES)
                reason = rng.choice(_PLANNED + _UNPLANNED)
                self._cease(prev, day, reason)
                episodes.append(_Episode(day, "B", "C2" if prev.ls != "C2" else "E1", place, self._urn(place)))
        last = episodes[-1]
        if end <= w1 + 400 or ends_at_18:
            last.dec = end
            last.rec = rng.choice(("E17", "E5", "E8")) if ends_at_18 else _weighted(rng, _ENDS)
        period = _Period(episodes)
        closed = last.dec if last.dec is not None else w1 + 400
        review = start + rng.randint(10, 28)
        gaps = [rng.randint(70, 100)] + [rng.randint(150, 190) for _ in range(20)]
        for gap in gaps:
            if review > closed:
                break
            period.reviews.append(review)
            review += gap
        if rng.random() < 0.15 and closed - start > 20:
            days = sorted({rng.randint(start + 1, closed - 1) for _ in range(rng.randint(1, 3))})
            for went in days:
                period.missing.append(("M" if rng.random() < 0.7 else "A", went, min(went + rng.randint(1, 5), closed)))
        return period

    def _urn(self, place: str) -> str:
        if place in ("P1", "U1", "U3", "U4", "U6"):
            return ""
        return "SC" + str(self.rng.randint(100000, 999999))

    @staticmethod
    def _cease(episode: _Episode, day: int, reason: str) -> None:
        episode.dec = day
        episode.rec = "X1"
        episode.reason = reason

    # -- the returns, and the answers

    def write(
        self, writer: _Writer, child: str, history: tuple[int, list[_Period]], with_missing: bool, expect: bool
    ) -> ExpectedChild | None:
        dob, periods = history
        rng = self.rng
        dob_text = self.dmy(dob)
        sex = rng.choice(("1", "2"))
        ethnic = rng.choice(_ETHNIC)
        upn = "A" + str(rng.randint(10**11, 10**12 - 1))
        warnings: Counter[str] = Counter()
        bad_dob = self.with_defects and rng.random() < 0.01
        years_present: list[int] = []
        for year, (y0, y1) in zip(self.years, self._year_bounds):
            rows = []
            for period in periods:
                for episode in period.episodes:
                    if episode.decom <= y1 and (episode.dec is None or episode.dec >= y0):
                        rows.append(self._episode_row(child, episode, y1))
            if not rows:
                continue
            years_present.append(year)
            for row in rows:
                writer.write(year, "Episodes", row)
            for period in periods:
                for day in period.reviews:
                    if y0 <= day <= y1:
                        writer.write(year, "Reviews", [child, dob_text, self.dmy(day), self._participation(dob, day)])
                if with_missing:
                    for code, went, back in period.missing:
                        if y0 <= went <= y1:
                            writer.write(year, "Missing", [child, dob_text, code, self.dmy(went), self.dmy(back)])
        for i, year in enumerate(years_present):
            newest = i == len(years_present) - 1
            shown = dob_text
            if bad_dob and newest:
                shown = f"31/02/{date.fromordinal(dob).year}"
                self.defects["bad-date"] += 1
                warnings["bad-date"] += 1
            writer.write(year, "Header", [child, sex if year < 2024 else {"1": "M", "2": "F"}[sex], shown, ethnic, upn, "", ""])
        warnings.update(self._duplicate_review(writer, child, dob, periods))
        if self.with_defects and years_present:
            warnings.update(self._bad_rows(writer, child, dob_text, years_present))
        if not expect:
            return None
        events, more = self._expected(periods, with_missing)
        warnings.update(more)
        return ExpectedChild(
            None if bad_dob else date.fromordinal(dob).isoformat(), tuple(events), tuple(sorted(warnings.items()))
        )

    def _episode_row(self, child: str, episode: _Episode, year_end: int) -> list[str]:
        open_here = episode.dec is None or episode.dec > year_end
        return [
            child,
            self.dmy(episode.decom),
            episode.rne,
            episode.ls,
            "N1",
            episode.place,
            _PROVIDER.get(episode.place, "PR4") if not episode.temporary else "",
            "" if open_here else self.dmy(episode.dec),  # type: ignore[arg-type]
            "" if open_here else episode.rec,
            "" if open_here else episode.reason,
            "AB1 2CD",
            "EF3 4GH",
            episode.urn,
        ]

    def _participation(self, dob: int, day: int) -> str:
        if day < _birthday(dob, 4):
            return "PN0"  # under 4 at the review (VAL rules 440, 441)
        return "PN" + str(self.rng.randint(1, 7))

    def _duplicate_review(self, writer: _Writer, child: str, dob: int, periods: list[_Period]) -> Counter[str]:
        """Now and then a review is written again into the next year's return: merged into one
        review, as a real multi-year return repeats them (no warning)."""
        if self.rng.random() >= 0.05:
            return Counter()
        for year, (y0, y1), after in zip(self.years, self._year_bounds, self.years[1:]):
            for period in periods:
                for day in period.reviews:
                    if y0 <= day <= y1:
                        writer.write(after, "Reviews", [child, self.dmy(dob), self.dmy(day), self._participation(dob, day)])
                        return Counter()
        return Counter()

    def _bad_rows(self, writer: _Writer, child: str, dob_text: str, years: list[int]) -> Counter[str]:
        rng = self.rng
        warnings: Counter[str] = Counter()
        year = rng.choice(years)
        roll = rng.random()
        if roll < 0.02:
            writer.write(year, "Reviews", [child, dob_text, f"31/02/{year + 1}", "PN1"])
            self.defects["bad-date"] += 1
            warnings["bad-date"] += 1
        elif roll < 0.04:
            writer.write(year, "Reviews", [child, dob_text, f"15/06/{(year + 1) % 100:02d}", "PN1"])
            self.defects["two-digit-year"] += 1
            warnings["two-digit-year"] += 1
        elif roll < 0.05:
            writer.write(year, "Episodes", [child, f"31/04/{year}", "P", "C2", "N1", "U4", "PR1", "", "", "", "", "", ""])
            self.defects["bad-date"] += 1
            warnings["bad-date"] += 1
        elif roll < 0.06:
            writer.write(year, "Reviews", ["", dob_text, f"01/06/{year}", "PN1"])
            self.defects["no-child-id"] += 1  # reported in ret.problems, not as this child's warning
        return warnings

    def _expected(self, periods: list[_Period], with_missing: bool) -> tuple[list[tuple[Any, ...]], Counter[str]]:
        """The events and warnings a correct import gives from the rows written (docs/ssda903.md)."""
        w0, w1 = self.window
        events: list[tuple[int, int, tuple[Any, ...]]] = []
        warnings: Counter[str] = Counter()
        seen_any = False
        for number, period in enumerate(periods):
            visible = [e for e in period.episodes if e.decom <= w1 and (e.dec is None or e.dec >= w0)]
            if not visible:
                continue
            first = visible[0]
            fields: list[tuple[str, Any]] = [("legal_status", _LEGAL_MAP[first.ls]), ("placement_type", _PLACE_MAP[first.place])]
            if period.short_break:
                fields.append(("short_breaks", True))
            if first.rne != "S":
                assert not seen_any
                warnings["start-unknown"] += 1
            seen_any = True
            events.append((first.decom, number, ("became_looked_after", first.decom, tuple(sorted(fields)))))
            base: _Episode | None = None
            for prev, episode in zip(visible, visible[1:]):
                if episode.temporary:
                    base = prev
                    continue
                if base is not None:
                    base = None
                    continue  # back from a temporary placement to the same one
                if episode.rne in ("P", "B", "T"):
                    moved: list[tuple[str, Any]] = [("placement_type", _PLACE_MAP[episode.place])]
                    if prev.reason in _PLANNED:
                        moved.append(("planned", True))
                    elif prev.reason in _UNPLANNED:
                        moved.append(("planned", False))
                        events.append((episode.decom, number, ("placement_ended_unplanned", episode.decom, ())))
                    events.append((episode.decom, number, ("placement_changed", episode.decom, tuple(sorted(moved)))))
            last = visible[-1]
            if last.dec is not None and last.dec <= w1:
                events.append((last.dec, number, ("ceased_looked_after", last.dec, ())))
            for day in period.reviews:
                if w0 <= day <= w1:
                    events.append((day, number, ("review_held", day, ())))
            if with_missing:
                for code, went, _ in period.missing:
                    if not w0 <= went <= w1:
                        continue
                    if code == "A":
                        warnings["missing-away"] += 1
                    else:
                        events.append((went, number, ("significant_event", went, (("category", "missing"),))))
        # The same-day order of docs/ssda903.md, written out rather than taken from the
        # importer (_ssda903_periods.RANK): these answers are checked against its output.
        rank = {
            "became_looked_after": 0,
            "placement_ended_unplanned": 1,
            "placement_changed": 2,
            "significant_event": 3,
            "review_held": 4,
            "ceased_looked_after": 5,
        }
        events.sort(key=lambda item: (item[0], item[1], rank[item[2][0]]))
        return [(kind, date.fromordinal(day).isoformat(), extra) for _, _, (kind, day, extra) in events], warnings


def _birthday(dob: int, years: int) -> int:
    born = date.fromordinal(dob)
    try:
        return born.replace(year=born.year + years).toordinal()
    except ValueError:
        return date(born.year + years, 2, 28).toordinal()


def _eighteenth(dob: int) -> int:
    return _birthday(dob, 18)
