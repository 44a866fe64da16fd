"""The 903 tables: their column sets, how a file is recognised, and strict dates.

A CSV is recognised by its exact set of column names, never by its file name, as
the DfE validator (VAL ``ingress.py::read_csvs_from_text``) and LIIA
(``process.py::match_load_file``) do. Column sets are VAL ``config.py``
(format.md section 1). Dates are ``dd/mm/yyyy`` strings and are read strictly:
four-digit years only (the cscsynth generator writes two-digit ones, mapping.md
3.7), no month-first guessing.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "TABLES",
    "MAPPED_TABLES",
    "recognise",
    "closest_table",
    "parse_903_date",
    "iso",
    "YEAR_RANGE",
]

TABLES: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ),
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    "OC2": (
        "CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
        "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    # Social worker episodes, from 2023-24; deprivation of liberty orders, from 2026-27.
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "DoLo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}  # fmt: skip

# The tables a case is built from (mapping.md 1); the others are read and counted only.
MAPPED_TABLES = ("Header", "Episodes", "Reviews", "Missing", "SWEpisodes")

_BY_COLUMNS = {frozenset(columns): name for name, columns in TABLES.items()}

# A 903 date is a day in a return's lifetime: anything outside these years is a typo.
YEAR_RANGE = (1900, 2100)


def recognise(columns: list[str]) -> str | None:
    """The table whose column set is exactly these columns (upper-cased, stripped), or None."""
    if len(set(columns)) != len(columns):
        return None
    return _BY_COLUMNS.get(frozenset(columns))


def closest_table(columns: list[str]) -> tuple[str, list[str], list[str]]:
    """The table sharing most columns with these, and the columns missing and extra."""
    given = set(columns)

    def score(name: str) -> tuple[float, int]:
        expected = set(TABLES[name])
        return (len(given & expected) / len(given | expected), -len(expected))

    best = max(TABLES, key=score)
    missing = [c for c in TABLES[best] if c not in given]
    extra = [c for c in columns if c not in TABLES[best]]
    return best, missing, extra


_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d+)")
_FORMAT = "dates are dd/mm/yyyy"
# Dates repeat endlessly in a return (every review of a child repeats its DOB):
# parse each distinct string once.
_CACHE: dict[str, tuple[int | None, str | None, str | None]] = {}


def parse_903_date(text: str) -> tuple[int | None, str | None, str | None]:
    """``(ordinal, None, None)`` for a real dd/mm/yyyy date, else ``(None, code, message)``."""
    hit = _CACHE.get(text)
    if hit is not None:
        return hit
    result = _parse(text)
    if len(text) <= 12 and len(_CACHE) < 200_000:
        _CACHE[text] = result
    return result


def _parse(text: str) -> tuple[int | None, str | None, str | None]:
    match = _DATE.fullmatch(text)
    if match is None:
        return None, "bad-date", f"'{text}' is not a date; {_FORMAT} (e.g. 03/02/2025)"
    day, month, year_text = int(match[1]), int(match[2]), match[3]
    if len(year_text) == 2:
        return None, "two-digit-year", f"two-digit year in '{text}'; {_FORMAT} with a four-digit year"
    if len(year_text) != 4:
        return None, "bad-date", f"'{text}' has a {len(year_text)}-digit year; {_FORMAT}"
    year = int(year_text)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None, "bad-date", f"year {year} in '{text}' is out of range ({YEAR_RANGE[0]}-{YEAR_RANGE[1]}); {_FORMAT}"
    try:
        return date(year, month, day).toordinal(), None, None
    except ValueError:
        return None, "bad-date", f"impossible date '{text}' (no such day); {_FORMAT}"


_ISO: dict[int, str] = {}


def iso(ordinal: int) -> str:
    """An ordinal day as an ISO date string."""
    text = _ISO.get(ordinal)
    if text is None:
        text = _ISO[ordinal] = date.fromordinal(ordinal).isoformat()
    return text
