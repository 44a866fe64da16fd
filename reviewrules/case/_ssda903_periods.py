"""Cutting a child's merged episodes into periods of care, and the events they make.

format.md 4 and mapping.md 0/3: a period starts at an episode with RNE = S and
runs through episodes that follow on the same day after REC = X1, until the first
episode whose REC is not X1 (the period ends on its DEC), or stays open (blank DEC).
Broken continuity is repaired the way LIIA's episode repair does, and warned:

* an episode that overlaps the next (VAL rule 501), or is open while a later one
  starts, is taken to end on the next one's DECOM;
* after X1, a gap before the next episode is bridged (one period), unless the next
  episode is an S, which starts a new period after the gap;
* after any other REC, the next episode starts a new period even if its RNE is not
  S (VAL rule 432 says it should be); a child's first episode that is not S starts a
  period too, whose real start is before the years loaded (``start-unknown``);
* E99 (LIIA's closure at 31 March) is an unknown end: no ``ceased_looked_after`` for
  a last period; before a later period, it ends on E99's date;
* an X1 with no episode after it leaves the period open; a blank REC on a closed
  episode (VAL rule 148) is read as X1 when the next episode follows the same day,
  else as an end.

Temporary placements T0-T4 (mapping.md 3.5; VAL rules 380-383) are not moves: the
move into one and the return to the same placement make no event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import Problem
from ._ssda903_codes import (
    LEGAL_STATUS,
    NEUTRAL_REASONS,
    PLACEMENT_TYPE,
    PLANNED_REASONS,
    REC_CODES,
    REC_CONTINUES,
    REC_END_UNKNOWN,
    RNE_CODES,
    RNE_PLACEMENT_MOVE,
    RNE_SAME_CARER,
    RNE_START,
    SHORT_BREAK_LS,
    TEMPORARY_PLACEMENTS,
    UNPLANNED_REASONS,
)
from ._ssda903_merge import dmy
from ._ssda903_store import FILE, POS, Store
from ._ssda903_tables import iso

__all__ = ["Period", "cut_periods", "ref", "RANK"]

# Episode row layout (SPEC["Episodes"] in _ssda903_store).
DECOM, RNE, LS, PLACE, DEC, REC, REASON, URN = range(8)

# Order of events on one day within a period: the start first, the end last.
RANK = {
    "became_looked_after": 0,
    "placement_ended_unplanned": 1,
    "placement_changed": 2,
    "significant_event": 3,
    "review_held": 4,
    "ceased_looked_after": 5,
}


@dataclass
class Period:
    """One period of care: its episodes, its start and end days, and its events."""

    start: int
    episodes: list[tuple] = field(default_factory=list)
    end: int | None = None  # the last day, or None while open (or when the end is unknown)
    events: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # (day, rank, event)
    short_breaks: bool = False
    in_temporary: bool = False
    base: tuple | None = None  # the placement before a temporary one


def ref(store: Store, row: tuple) -> str:
    """Where an event came from: ``file:line`` (``file:line:column`` in XML)."""
    pos = row[POS]
    name = store.files[row[FILE]].name
    return f"{name}:{pos[0]}:{pos[1]}" if isinstance(pos, tuple) else f"{name}:{pos}"


class _Cutter:
    def __init__(self, store: Store, child: str, same_carer_moves: bool) -> None:
        self.store = store
        self.child = child
        self.same_carer_moves = same_carer_moves
        self.warnings: list[Problem] = []
        self.periods: list[Period] = []

    def warn(self, row: tuple, column: str | None, message: str, *, code: str) -> None:
        self.warnings.append(self.store.row_problem(row[FILE], row[POS], column, self.child, message, code=code))

    def run(self, episodes: list[tuple]) -> None:
        current: Period | None = None
        prev: tuple | None = None
        for episode in episodes:
            if current is not None and prev is not None:
                end, rec = self._effective_end(prev, episode)
                if self._continues(prev, end, rec, episode):
                    self._within(current, prev, episode)
                    prev = episode
                    continue
                self._close(current, prev, end, rec, episode)
                current = None
            current = self._open(episode)
            prev = episode
        if current is not None and prev is not None:
            self._close_last(current, prev)

    # -- deciding where periods start and end

    def _effective_end(self, prev: tuple, nxt: tuple) -> tuple[int, str | None]:
        """Prev's end as the next episode allows it; REC None means an unknown end."""
        if prev[DEC] is None:
            self.warn(
                prev,
                "DEC",
                f"episode from {dmy(prev[DECOM])} is open (blank DEC) but a later episode starts on {dmy(nxt[DECOM])}; "
                "taken to end that day",
                code="overlap",
            )
            return nxt[DECOM], (REC_CONTINUES if nxt[RNE] != RNE_START else None)
        if prev[DEC] > nxt[DECOM]:
            self.warn(
                prev,
                "DEC",
                f"episode from {dmy(prev[DECOM])} to {dmy(prev[DEC])} overlaps the next, which starts on {dmy(nxt[DECOM])} "
                "(VAL rule 501); taken to end that day",
                code="overlap",
            )
            return nxt[DECOM], prev[REC]
        return prev[DEC], prev[REC]

    def _continues(self, prev: tuple, end: int, rec: str | None, nxt: tuple) -> bool:
        same_day = nxt[DECOM] == end
        if rec == REC_CONTINUES:
            if same_day:
                if nxt[RNE] == RNE_START:
                    self.warn(
                        nxt,
                        "RNE",
                        f"RNE is S but the previous episode ended X1 on the same day ({dmy(end)}); taken as the same period",
                        code="continuity",
                    )
                return True
            if nxt[RNE] == RNE_START:
                self.warn(
                    prev,
                    "REC",
                    f"REC is X1 on {dmy(end)} but the next episode starts (RNE S) {nxt[DECOM] - end} days later; "
                    "the period is taken to end on DEC",
                    code="continuity",
                )
                return False
            self.warn(
                nxt,
                "DECOM",
                f"starts {nxt[DECOM] - end} days after the previous episode ended X1 on {dmy(end)} "
                "(DEC and the next DECOM should be the same day); taken as one period",
                code="continuity",
            )
            return True
        if same_day and rec not in (None, "", REC_END_UNKNOWN):
            # A period of care ends on its last day; a new one cannot start that day (VAL rules 431,
            # 432). The child was looked after on both: taken as one period, as an X1 would have made it.
            self.warn(
                nxt,
                "DECOM",
                f"an episode (RNE {nxt[RNE] or 'blank'}) starts on {dmy(end)}, the day the previous period ended "
                f"(REC {rec}; VAL rules 431, 432): taken as one period of care",
                code="continuity",
            )
            return True
        if rec == "":
            if same_day and nxt[RNE] != RNE_START:
                self.warn(
                    prev,
                    "REC",
                    "REC is blank on an episode with a DEC (VAL rule 148); taken as X1, since the next episode starts that day",
                    code="continuity",
                )
                return True
            return False
        return False

    def _open(self, episode: tuple) -> Period:
        if episode[RNE] != RNE_START:
            if not self.periods:
                self.warn(
                    episode,
                    "RNE",
                    f"the child's first episode loaded has RNE {episode[RNE] or '(blank)'}, not S: the period of care began "
                    f"before it; it is taken to start on its DECOM {dmy(episode[DECOM])} (load earlier years to see the start)",
                    code="start-unknown",
                )
            else:
                self.warn(
                    episode,
                    "RNE",
                    f"follows the end of a period of care but has RNE {episode[RNE] or '(blank)'}, not S (VAL rule 432); "
                    "taken as the start of a new period",
                    code="continuity",
                )
        period = Period(episode[DECOM], [episode])
        fields: dict[str, Any] = {}
        legal = self._legal_status(episode)
        if legal is not None:
            fields["legal_status"] = legal
        placement = self._placement_type(episode)
        if placement is not None:
            fields["placement_type"] = placement
        note = f"903 RNE={episode[RNE] or '-'} LS={episode[LS] or '-'} PLACE={episode[PLACE] or '-'}"
        if episode[RNE] != RNE_START:
            note += "; start unknown" if not self.periods else "; RNE is not S"
        self._event(period, episode[DECOM], "became_looked_after", fields, note, episode)
        if episode[PLACE] in TEMPORARY_PLACEMENTS:
            period.in_temporary = True
        self.periods.append(period)
        return period

    def _close(self, period: Period, prev: tuple, end: int, rec: str | None, nxt: tuple) -> None:
        """End a period because the next episode starts another."""
        if rec is None or rec == REC_END_UNKNOWN:
            # Unknown end: the period certainly ended before the next began.
            day = prev[DEC] if rec == REC_END_UNKNOWN and prev[DEC] is not None and prev[DEC] < nxt[DECOM] else nxt[DECOM] - 1
            day = max(day, prev[DECOM])
            self.warn(
                prev,
                "REC",
                f"the end of this period is unknown ({'REC E99, LIIA closed it' if rec else 'open episode'}); a later period "
                f"starts on {dmy(nxt[DECOM])}, so it is taken to end on {dmy(day)}",
                code="end-unknown",
            )
            note = "903 REC=E99 (end unknown)" if rec else "903 end unknown (open episode)"
            self._end(period, day, note, prev)
            return
        if rec == "":
            self.warn(
                prev,
                "REC",
                f"REC is blank on an episode with a DEC (VAL rule 148); the period is taken to end on {dmy(end)}",
                code="continuity",
            )
        elif rec != REC_CONTINUES and rec not in REC_CODES:
            self._unknown_rec(prev)
        self._end(period, end, f"903 REC={rec or 'blank'}", prev)

    def _close_last(self, period: Period, last: tuple) -> None:
        rec = last[REC]
        if last[DEC] is None:
            if rec:
                self.warn(
                    last,
                    "REC",
                    f"REC {rec} on an open episode (blank DEC; VAL rule 148): ignored, the episode is open",
                    code="rec-on-open-episode",
                )
            return
        if rec == REC_CONTINUES:
            self.warn(
                last,
                "REC",
                f"REC is X1 (a new episode starts the same day) but no episode starts on {dmy(last[DEC])}; the period is taken as still open",
                code="continuity",
            )
            return
        if rec == REC_END_UNKNOWN:
            self.warn(
                last,
                "REC",
                f"REC E99 is LIIA's closure of an episode a later return omits, not a real end; {dmy(last[DEC])} is not used "
                "and the period is taken as still open",
                code="end-unknown",
            )
            return
        if rec == "":
            self.warn(
                last,
                "REC",
                f"REC is blank on an episode with a DEC (VAL rule 148); the period is taken to end on {dmy(last[DEC])}",
                code="continuity",
            )
        elif rec not in REC_CODES:
            self._unknown_rec(last)
        self._end(period, last[DEC], f"903 REC={rec or 'blank'}", last)

    def _unknown_rec(self, row: tuple) -> None:
        self.warn(
            row,
            "REC",
            f"REC '{row[REC]}' is not a 903 code; taken as ending the period (every code but X1 does)",
            code="unknown-code",
        )

    def _end(self, period: Period, day: int, note: str, row: tuple) -> None:
        period.end = day
        self._event(period, day, "ceased_looked_after", {}, note, row)

    # -- events inside a period

    def _within(self, period: Period, prev: tuple, episode: tuple) -> None:
        period.episodes.append(episode)
        rne = episode[RNE]
        if rne not in RNE_CODES:
            self._unknown(episode, "RNE", "no event is made for this episode")
        if episode[PLACE] in TEMPORARY_PLACEMENTS:
            if not period.in_temporary:
                period.in_temporary = True
                period.base = prev
            return  # the move into a temporary placement is not a move
        if period.in_temporary:
            period.in_temporary = False
            base, period.base = period.base, None
            if (
                base is not None
                and episode[PLACE] == base[PLACE]
                and (episode[URN] == base[URN] or not episode[URN] or not base[URN])
            ):
                return  # back to the placement before the temporary one
            reason_row = prev if prev[REASON] or base is None else base
        else:
            reason_row = prev
        if rne in RNE_PLACEMENT_MOVE:
            self._move(period, episode, reason_row, "")
        elif rne in RNE_SAME_CARER and self.same_carer_moves:
            self._move(period, episode, reason_row, "same carer (RNE T/U); ")

    def _move(self, period: Period, episode: tuple, reason_row: tuple, prefix: str) -> None:
        fields: dict[str, Any] = {}
        reason = reason_row[REASON]
        if reason in PLANNED_REASONS:
            fields["planned"] = True
        elif reason in UNPLANNED_REASONS:
            fields["planned"] = False
        elif reason and reason not in NEUTRAL_REASONS:
            self._unknown(reason_row, "REASON_PLACE_CHANGE", "'planned' is left out")
        placement = self._placement_type(episode)
        if placement is not None:
            fields["placement_type"] = placement
        note = f"{prefix}903 RNE={episode[RNE]} PLACE={episode[PLACE] or '-'}"
        if reason:
            note += f" REASON_PLACE_CHANGE={reason} (previous episode)"
        if reason in UNPLANNED_REASONS:
            self._event(period, episode[DECOM], "placement_ended_unplanned", {}, f"903 REASON_PLACE_CHANGE={reason}", reason_row)
        self._event(period, episode[DECOM], "placement_changed", fields, note, episode)

    def _legal_status(self, episode: tuple) -> str | None:
        code = episode[LS]
        if code in LEGAL_STATUS:
            return LEGAL_STATUS[code]
        self._unknown(episode, "LS", "legal_status is left out")
        return None

    def _placement_type(self, episode: tuple) -> str | None:
        code = episode[PLACE]
        if code in PLACEMENT_TYPE:
            return PLACEMENT_TYPE[code]
        self._unknown(episode, "PLACE", "placement_type is left out")
        return None

    def _unknown(self, row: tuple, column: str, consequence: str) -> None:
        index = {"RNE": RNE, "LS": LS, "PLACE": PLACE, "REASON_PLACE_CHANGE": REASON}[column]
        value = row[index]
        if value:
            self.warn(row, column, f"{column} '{value}' is not a 903 code (format.md 3); {consequence}", code="unknown-code")
        else:
            self.warn(row, column, f"{column} is blank; {consequence}", code="missing-value")

    def _event(self, period: Period, day: int, kind: str, fields: dict[str, Any], note: str, row: tuple) -> None:
        event = {"type": kind, "date": iso(day), **fields, "note": note, "ref": ref(self.store, row)}
        period.events.append((day, RANK[kind], event))


def cut_periods(store: Store, child: str, episodes: list[tuple], same_carer_moves: bool) -> tuple[list[Period], list[Problem]]:
    """The child's periods of care, in date order, and the warnings about their episodes."""
    cutter = _Cutter(store, child, same_carer_moves)
    cutter.run(episodes)
    for period in cutter.periods:
        period.short_breaks = all(e[LS] in SHORT_BREAK_LS for e in period.episodes)
        if period.short_breaks:
            day, rank, start = period.events[0]
            flagged = {k: v for k, v in start.items() if k not in ("note", "ref")}
            flagged.update(short_breaks=True, note=start["note"], ref=start["ref"])
            period.events[0] = (day, rank, flagged)
    return cutter.periods, cutter.warnings
