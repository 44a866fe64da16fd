"""The 903 code lists that decide periods of care and events, and how each maps.

Sources are those of /shared/903/format.md (section numbers below are that file's):
the DfE's own texts as reproduced in the Standard Safeguarding Dataset (SSD), the
validator's rules (VAL, csc-validator-be-903) and LIIA's schemas. The mapped values
follow mapping.md section 1. Unknown codes are never fatal: they do not decide a
review date, so the importer leaves the value out and warns.
"""

from __future__ import annotations

__all__ = [
    "RNE_CODES",
    "RNE_START",
    "RNE_PLACEMENT_MOVE",
    "RNE_SAME_CARER",
    "REC_CONTINUES",
    "REC_END_UNKNOWN",
    "REC_CODES",
    "LEGAL_STATUS",
    "SHORT_BREAK_LS",
    "PLACEMENT_TYPE",
    "TEMPORARY_PLACEMENTS",
    "PLANNED_REASONS",
    "UNPLANNED_REASONS",
    "NEUTRAL_REASONS",
    "REVIEW_CODES",
    "MISSING_CODES",
]

# RNE, reason for new episode (format.md 3.1; SSD; LIIA list S L P T B U).
RNE_START = "S"  # started to be looked after: starts a period of care
RNE_PLACEMENT_MOVE = frozenset({"P", "B"})  # change of placement and carer(s) (B: with legal status)
RNE_SAME_CARER = frozenset({"T", "U"})  # change of placement, same carer(s) (U: with legal status)
RNE_CODES = frozenset({"S", "L"}) | RNE_PLACEMENT_MOVE | RNE_SAME_CARER

# REC, reason episode ceased (format.md 3.3). X1 is the only code that does not end
# the period of care; every other code ends it.
REC_CONTINUES = "X1"
# E99 is not a DfE code: LIIA's episode repair (fix_episodes.py) writes it on an open
# episode it closes at 31 March because a later return omits it. Its date is not a
# real ceased date (mapping.md 3.2).
REC_END_UNKNOWN = "E99"
REC_CODES = frozenset(
    {
        "X1",
        "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
        "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8",
        # Legacy codes still met in old or processed data (format.md 3.3).
        "E1", "E43", "E44",
        REC_END_UNKNOWN,
    }
)  # fmt: skip

# LS, legal status (format.md 3.2) -> legal_status (mapping.md 1; free strings, the
# repository's own cases use s20, s31, ico).
LEGAL_STATUS: dict[str, str] = {
    "C1": "ico",
    "C2": "s31",
    "V2": "s20",
    "V3": "s20",
    "V4": "s20",
    "E1": "placement_order",
    "D1": "freeing_order",
    "L1": "police_protection",
    "L2": "epo",
    "L3": "cao",
    "J1": "remand",
    "J2": "pace",
    "J3": "yro",
}
# V3: agreed series of short-term breaks, individual episodes recorded; V4: the same,
# agreements recorded (format.md 3.2). Such periods carry short_breaks: true.
SHORT_BREAK_LS = frozenset({"V3", "V4"})

# T0-T4: temporary moves (hospital, holiday, carer's holiday, <= 7 days other); a period
# cannot start (VAL rule 380) or end (381) in one, and the child returns to the previous
# placement with RNE P (383). Not a real move (mapping.md 3.5).
TEMPORARY_PLACEMENTS = frozenset({"T0", "T1", "T2", "T3", "T4"})

# PLACE, placement type (format.md 3.4) -> placement_type (mapping.md 1).
PLACEMENT_TYPE: dict[str, str] = {
    **{f"U{n}": "foster" for n in range(1, 7)},
    **{f"A{n}": "placed_for_adoption" for n in range(3, 7)},
    "K1": "secure_childrens_home",
    "K2": "childrens_home",
    "K3": "supported_accommodation",  # from 28 October 2023 (VAL lac2023_24; PATCH)
    "H5": "supported_accommodation",
    "P1": "placed_with_parents",
    "P2": "independent_living",
    "P3": "residential_other",
    "R1": "residential_other",
    "R2": "residential_other",
    "R3": "residential_other",
    "R5": "residential_other",
    "S1": "residential_other",
    "Z1": "other",
    **{f"Z1{n}": "other" for n in range(1, 5)},  # Z11-Z14, from 2025-26 (VAL lac2025_26 rule 146)
    **{code: "temporary" for code in TEMPORARY_PLACEMENTS},
}

# REASON_PLACE_CHANGE (format.md 3.5), recorded on the episode that ends. mapping.md 1:
# these say the move was planned...
PLANNED_REASONS = frozenset({"CARPL", "PLACE", "CLOSE"})
# ...these that it was not (the placement ended on an unplanned basis)...
UNPLANNED_REASONS = frozenset({"CREQB", "CREQO", "CHILD", "LAREQ", "ALLEG", "STAND", "APPRR", "CUSTOD"})
# ...and these say neither. LIIAF is LIIA's repair code, not the DfE's.
NEUTRAL_REASONS = frozenset({"OTHER", "LIIAF"})

# REVIEW_CODE, participation in the review (format.md 3.6): kept in the note only.
REVIEW_CODES = frozenset(f"PN{n}" for n in range(8))

# MISSING (format.md 3.7): M missing, A away from placement without authorisation.
MISSING_CODES = frozenset({"M", "A"})
