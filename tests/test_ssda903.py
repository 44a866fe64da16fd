"""The SSDA903 reader: tables, years, merging, periods of care, events, problems.

The hand-made fixtures under fixtures/903/ hold a few rows each; every expected
event below is worked out from those rows (the comments say which). The fake
returns under fixtures/903/fake/ are MIT-licensed copies (no real children).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from reviewrules._errors import HINTS, CaseError
from reviewrules.case._files import case_from_mapping
from reviewrules.case._shape import case_shape_ok
from reviewrules.case._ssda903 import CODES, Child903, read_903
from reviewrules.case._ssda903_tables import TABLES, parse_903_date
from reviewrules.case._synthetic903 import write_903_return

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures" / "903"
FAKE = FIX / "fake"
SCHEMA = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / "case.schema.json").read_text()))
# What case_from_mapping still refuses in a whole care history (being changed on main).
SEVERAL_PERIODS = {"two-starts", "two-ends", "after-end", "before-start"}


def read(*names: str | Path, **options) -> tuple:
    ret = read_903([FIX / n if isinstance(n, str) else n for n in names], **options)
    children = {c.child: c for c in ret.children()}
    return ret, children


def brief(child: Child903) -> list[tuple]:
    """Events without note and ref: (type, date, the other fields)."""
    assert child.case is not None, child.problems
    return [
        (e["type"], e["date"], {k: v for k, v in e.items() if k not in ("type", "date", "note", "ref")})
        for e in child.case["events"]
    ]


def codes(child: Child903) -> Counter:
    return Counter(w.code for w in child.warnings)


def balanced(ret) -> None:
    stats = ret.stats
    for table, count in stats.rows_read.items():
        assert count == stats.rows_used[table] + stats.rows_merged[table] + stats.rows_reported[table], table


# -- reading files


def test_dates_are_read_strictly_as_dd_mm_yyyy():
    assert parse_903_date("29/02/2020")[0] is not None
    assert parse_903_date("1/2/2019")[0] == parse_903_date("01/02/2019")[0]
    assert parse_903_date("29/02/2019")[1:] == ("bad-date", "impossible date '29/02/2019' (no such day); dates are dd/mm/yyyy")
    assert parse_903_date("01/07/19")[1] == "two-digit-year"
    assert parse_903_date("2019-07-01")[1] == "bad-date"
    assert parse_903_date("13/13/2019")[1] == "bad-date"
    assert parse_903_date("01/01/1850")[1] == "bad-date"
    assert "out of range" in parse_903_date("01/01/1850")[2]


def test_a_table_is_recognised_by_its_exact_columns_not_its_file_name(tmp_path):
    shutil.copy(FIX / "moves" / "episodes.csv", tmp_path / "reviews.csv")
    shutil.copy(FIX / "moves" / "header.csv", tmp_path / "anything.csv")
    ret, children = read(tmp_path)
    assert ret.stats.rows_read == {"Episodes": 8, "Header": 1}
    assert children["200001"].case["child"]["dob"] == "2012-06-01"
    ret, _ = read("unknown/reviews_no_code.csv")
    (problem,) = ret.problems
    assert problem.code == "unknown-table"
    assert "closest is Reviews (missing REVIEW_CODE)" in problem.message


def test_a_csv_matching_no_table_is_reported_once_naming_the_closest_table_and_the_columns_missing_and_extra():
    ret, children = read("unknown")
    assert children == {}
    by_file = {p.file: p for p in ret.problems}
    assert by_file["episodes-with-la.csv"].render() == (
        "episodes-with-la.csv:1: the columns match no 903 table; closest is Episodes (extra LA); "
        "a 903 CSV has exactly one table's columns (format.md 1): the file is not read"
    )
    assert "missing CHILD, DOB, REVIEW, REVIEW_CODE; extra NAME, AGE" in by_file["people.csv"].message
    assert by_file["empty.csv"].code == "empty"
    assert [p.code for p in ret.problems].count("unknown-table") == 3
    assert ret.stats.files_read == 1 and ret.stats.files_not_read == 4


def test_tables_that_are_not_mapped_are_counted_and_reported_once_per_file():
    ret, _ = read("unknown/oc3.csv")
    (problem,) = ret.problems
    assert problem.code == "table-not-mapped" and problem.file.endswith("oc3.csv")  # a file given: named as given
    assert "OC3 table (2 rows) read but not used" in problem.message
    assert ret.stats.rows_read == {"OC3": 2} and ret.stats.rows_reported == {"OC3": 2}


def test_a_byte_order_mark_and_utf16_are_read_like_utf8():
    # defects/header.csv starts with a UTF-8 BOM, defects/reviews.csv is UTF-16 with CRLF.
    assert (FIX / "defects" / "header.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert (FIX / "defects" / "reviews.csv").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    ret, children = read("defects")
    assert ret.stats.rows_read["Header"] == 6 and ret.stats.rows_read["Reviews"] == 5
    assert children["500001"].case["events"][1]["ref"] == "reviews.csv:2"


def test_values_are_upper_cased_and_stripped_as_the_validator_does():
    # 500005: RNE 's', LS 'zz', PLACE 'qq' in the file.
    _, children = read("defects")
    child = children["500005"]
    assert brief(child) == [("became_looked_after", "2019-05-01", {})]
    assert child.case["events"][0]["note"] == "903 RNE=S LS=ZZ PLACE=QQ"
    assert [w.render() for w in child.warnings] == [
        "episodes.csv:8:4: child 500005: $.LS: LS 'ZZ' is not a 903 code (format.md 3); legal_status is left out",
        "episodes.csv:8:6: child 500005: $.PLACE: PLACE 'QQ' is not a 903 code (format.md 3); placement_type is left out",
    ]


def test_a_row_with_an_impossible_date_or_a_two_digit_year_is_reported_and_its_child_evaluated_from_its_other_rows():
    _, children = read("defects")
    child = children["500003"]
    rendered = [w.render() for w in child.warnings]
    assert (
        "episodes.csv:5:2: child 500003: $.DECOM: two-digit year in '01/07/19'; dates are dd/mm/yyyy with a "
        "four-digit year; the row is left out"
    ) in rendered
    assert (
        "episodes.csv:6:2: child 500003: $.DECOM: impossible date '30/02/2020' (no such day); dates are dd/mm/yyyy; "
        "the row is left out"
    ) in rendered
    # The first episode (S 01/05/2019, X1 01/07/2019) is still read; nothing follows it, so the period stays open.
    assert brief(child) == [
        ("became_looked_after", "2019-05-01", {"legal_status": "s31", "placement_type": "foster"}),
        ("review_held", "2019-06-01", {}),
    ]
    assert codes(child) == Counter({"two-digit-year": 1, "bad-date": 2, "continuity": 1, "dob-mismatch": 1})


def test_rows_with_no_child_and_blank_rows_belong_to_the_return_not_to_a_child():
    ret, _ = read("defects")
    located = sorted((p.file, p.line, p.code) for p in ret.problems)
    assert located == [
        ("episodes.csv", 11, "no-child-id"),
        ("episodes.csv", 13, "blank-rows"),
        ("header.csv", 5, "no-child-id"),
        ("reviews.csv", 5, "no-child-id"),
    ]
    assert all(p.child is None for p in ret.problems)


def test_every_row_read_is_used_or_reported_on_the_defects_fixture():
    ret, children = read("defects")
    stats = ret.stats
    # Episodes: 12 rows; used 500001, 500002, 500003 (first), 500004, 500005; the other 7 reported.
    # Header: 6 rows, the blank CHILD reported and 500006 (refused) reported. Reviews: 5, 2 used.
    assert stats.rows_read == {"Episodes": 12, "Header": 6, "Reviews": 5}
    assert stats.rows_used == {"Episodes": 5, "Header": 4, "Reviews": 2}
    assert stats.rows_reported == {"Episodes": 7, "Header": 2, "Reviews": 3}
    assert stats.children == 8 and stats.children_refused == 3
    balanced(ret)


def test_a_child_with_no_usable_episode_is_refused_with_a_located_problem_and_the_reason_in_its_warnings():
    _, children = read("defects")
    for child, cause in (("500006", "dec-before-decom"), ("500007", "missing-value"), ("500008", "row-shape")):
        refused = children[child]
        assert refused.case is None
        assert [p.code for p in refused.problems] == ["no-episodes"]
        assert [w.code for w in refused.warnings] == [cause]
    assert children["500006"].problems[0].render().startswith("header.csv:7:1: child 500006: $.CHILD: no usable Episodes row")
    assert children["500008"].warnings[0].render() == (
        "episodes.csv:12: child 500008: 6 values where the header has 13 columns; the row is left out"
    )


def test_a_missing_path_is_reported_and_nothing_else_is_read():
    ret, children = read("no-such-folder")
    assert children == {}
    assert [p.code for p in ret.problems] == ["not-found"]


def test_invalid_options_are_refused_at_once():
    with pytest.raises(ValueError, match="short_breaks"):
        read_903([FIX / "moves"], short_breaks="drop")
    with pytest.raises(ValueError, match="collection_year"):
        read_903([FIX / "moves"], collection_year="2019-21")
    with pytest.raises(ValueError, match="la must be"):
        read_903([FIX / "moves"], la=" ")


# -- collection years and merging


def test_the_collection_year_comes_from_the_file_name_checked_against_the_dates():
    ret, _ = read("two-years")
    assert [(r.start_year, r.source) for r in ret.returns] == [(2019, "name and dates"), (2020, "name and dates")]
    assert ret.records_from == "2019-04-01"
    _, children = read("two-years")
    assert all(c.case["records_from"] == "2019-04-01" for c in children.values())


def test_demand_model_files_named_2017_hold_the_collection_year_2017_to_2018():
    ret, _ = read(FAKE / "cs-demand-model")
    assert [r.start_year for r in ret.returns] == [2017, 2018, 2019, 2020, 2021]
    assert {r.source for r in ret.returns} == {"name and dates"}
    assert ret.records_from == "2017-04-01"


def test_liia_files_named_2020_hold_the_collection_year_2019_to_2020():
    ret, _ = read(FAKE / "liia-tools")
    (return_,) = ret.returns
    assert return_.start_year == 2019 and return_.files == ("SSDA903_2020_episodes.csv", "pipeline_SSDA903_2020_header.csv")
    assert ret.records_from == "2019-04-01"


def test_without_a_year_in_the_names_the_latest_decom_gives_the_year_and_it_can_be_given_explicitly():
    ret, _ = read("moves")  # latest DECOM 20/02/2020: 2019-20
    assert [(r.start_year, r.source) for r in ret.returns] == [(2019, "dates")]
    for given in (2018, "2018", "2018-19"):
        ret, children = read("moves", collection_year=given)
        assert ret.returns[0].source == "option"
        assert children["200001"].case["records_from"] == "2018-04-01"


def test_a_year_in_the_file_name_that_the_dates_contradict_is_reported(tmp_path):
    shutil.copy(FIX / "moves" / "episodes.csv", tmp_path / "2015-episodes.csv")
    ret, _ = read(tmp_path)
    (problem,) = ret.problems
    assert problem.code == "collection-year-mismatch" and problem.file == "2015-episodes.csv"
    assert ret.returns[0].start_year == 2019


def test_an_episode_open_at_31_march_appears_once_after_merging_two_years():
    # 100001's episode from 01/09/2019 is open (blank DEC) in 2019-episodes.csv and closed
    # (15/06/2020, X1, CARPL) in 2020-episodes.csv: one move into it, one move out of it.
    ret, children = read("two-years")
    moves = [e for e in children["100001"].case["events"] if e["type"] == "placement_changed"]
    assert [(m["date"], m["ref"]) for m in moves] == [
        ("2019-09-01", "2020-episodes.csv:2"),
        ("2020-06-15", "2020-episodes.csv:3"),
    ]
    assert ret.stats.rows_merged == {"Episodes": 3, "Header": 3, "Reviews": 1}
    balanced(ret)


def test_two_years_give_each_child_its_whole_history():
    _, children = read("two-years")
    assert brief(children["100001"]) == [
        ("became_looked_after", "2019-05-10", {"legal_status": "s31", "placement_type": "foster"}),
        ("review_held", "2019-06-01", {}),
        ("review_held", "2019-08-25", {}),
        # 10/05/2019 episode ceased X1 with REASON_PLACE_CHANGE CREQB (carer asked, child's behaviour).
        ("placement_ended_unplanned", "2019-09-01", {}),
        ("placement_changed", "2019-09-01", {"planned": False, "placement_type": "foster"}),
        ("review_held", "2020-02-10", {}),
        ("placement_changed", "2020-06-15", {"planned": True, "placement_type": "childrens_home"}),
        ("review_held", "2020-08-05", {}),
        ("ceased_looked_after", "2020-11-30", {}),
    ]
    assert children["100001"].case["events"][-1]["note"] == "903 REC=E4A"
    assert codes(children["100001"]) == Counter({"review-outside-period": 1})


def test_a_review_in_two_returns_is_used_once_the_older_row_merged_into_the_newer():
    ret, children = read("two-years")
    child = children["100001"]
    held = [e for e in child.case["events"] if e["date"] == "2020-02-10"]
    assert [e["ref"] for e in held] == ["2020-reviews.csv:2"]
    assert not [w for w in child.warnings if w.code == "duplicate-row"]
    assert ret.stats.rows_merged["Reviews"] == 1
    balanced(ret)


def _two_years_with_100001s_newest_dob(folder: Path, dob: str) -> None:
    """The two-years fixture's episodes and headers, 100001's 2020 DOB (14/03/2010) written as ``dob``."""
    for name in ("2019-episodes.csv", "2020-episodes.csv", "2019-header.csv"):
        shutil.copy(FIX / "two-years" / name, folder / name)
    text = (FIX / "two-years" / "2020-header.csv").read_text().replace("14/03/2010", dob)
    (folder / "2020-header.csv").write_text(text)


def test_the_newest_years_header_gives_the_date_of_birth(tmp_path):
    _two_years_with_100001s_newest_dob(tmp_path, "15/03/2010")
    _, children = read(tmp_path)
    assert children["100001"].case["child"]["dob"] == "2010-03-15"
    assert codes(children["100001"]) == Counter()


def test_a_blank_date_of_birth_in_the_newest_header_is_warned_where_it_is_and_left_out(tmp_path):
    # 100001's DOB blanked in the 2020 header (line 2, column 3). The newest Header gives the
    # date of birth, so the 2019 header's 14/03/2010 is not used in its place.
    _two_years_with_100001s_newest_dob(tmp_path, " ")
    ret, children = read(tmp_path)
    child = children["100001"]
    assert [w.render() for w in child.warnings if w.code == "missing-value"] == [
        "2020-header.csv:2:3: child 100001: $.DOB: DOB is blank; the date of birth is left out"
    ]
    assert "dob" not in child.case["child"]
    assert children["100002"].case["child"]["dob"] == "2003-03-05"  # the rows around it read as before
    assert ret.stats.rows_read["Header"] == 6
    balanced(ret)


def test_two_episodes_with_the_same_decom_in_one_return_are_reported(tmp_path):
    rows = (FIX / "moves" / "episodes.csv").read_text().splitlines()
    (tmp_path / "episodes.csv").write_text("\n".join(rows + [rows[3]]) + "\n")
    ret, children = read(tmp_path)
    (duplicate,) = [w for w in children["200001"].warnings if w.code == "duplicate-row"]
    assert (duplicate.line, duplicate.path) == (10, ("DECOM",))
    assert "a second Episodes row with DECOM 15/06/2019 in the same return (kept: episodes.csv:4)" in duplicate.message
    assert ret.stats.rows_reported["Episodes"] == 1


# -- periods of care and the events of episodes


def test_a_child_who_re_enters_care_has_two_periods_in_one_case():
    _, children = read("two-years")
    assert brief(children["100002"]) == [
        ("became_looked_after", "2019-07-01", {"legal_status": "s20", "placement_type": "foster"}),
        ("review_held", "2019-07-20", {}),
        ("ceased_looked_after", "2019-10-01", {}),
        ("became_looked_after", "2020-01-20", {"legal_status": "ico", "placement_type": "childrens_home"}),
        ("review_held", "2020-02-10", {}),
        ("review_held", "2020-07-15", {}),
    ]
    # Turns 18 on 05/03/2021, inside the open second period: the engine ends it there, the DOB stays.
    assert children["100002"].case["child"]["dob"] == "2003-03-05"
    assert codes(children["100002"]) == Counter()


def test_moves_map_to_placement_changed_with_planned_from_the_previous_episodes_reason():
    _, children = read("moves")
    assert brief(children["200001"]) == [
        ("became_looked_after", "2019-05-01", {"legal_status": "s31", "placement_type": "foster"}),
        # 03/09/2019: out of the temporary T1 into K2, not back to U4; the reason is the U4 episode's CREQO.
        ("placement_ended_unplanned", "2019-09-03", {}),
        ("placement_changed", "2019-09-03", {"planned": False, "placement_type": "childrens_home"}),
        # 01/12/2019: RNE T, same carer; the K2 episode ended with PLACE (planned).
        ("placement_changed", "2019-12-01", {"planned": True, "placement_type": "childrens_home"}),
        # 05/01/2020 RNE L: legal status only, no event. 20/02/2020 RNE B, no reason given.
        ("placement_changed", "2020-02-20", {"placement_type": "foster"}),
    ]
    events = children["200001"].case["events"]
    assert events[1]["ref"] == "episodes.csv:4" and events[1]["note"] == "903 REASON_PLACE_CHANGE=CREQO"
    assert events[3]["note"].startswith("same carer (RNE T/U); 903 RNE=T PLACE=K2")
    assert codes(children["200001"]) == Counter()


def test_a_temporary_placement_and_the_return_from_it_make_no_event():
    # 10/06/2019 into T2 and 15/06/2019 back to U4; 01/09/2019 into T1.
    _, children = read("moves")
    dates = {e["date"] for e in children["200001"].case["events"]}
    assert not dates & {"2019-06-10", "2019-06-15", "2019-09-01"}


def test_same_carer_moves_can_be_left_out():
    _, children = read("moves", same_carer_moves=False)
    assert [e["date"] for e in children["200001"].case["events"] if e["type"] == "placement_changed"] == [
        "2019-09-03",
        "2020-02-20",
    ]


CONTINUITY = {
    # gap of 4 days after X1: one period
    "400001": ([("became_looked_after", "2019-05-01"), ("placement_changed", "2019-07-05")], {"continuity": 1}),
    # DEC 10/08/2019 after the next DECOM 01/08/2019: cut at 01/08
    "400002": ([("became_looked_after", "2019-05-01"), ("placement_changed", "2019-08-01")], {"overlap": 1}),
    # open episode, then an S: the first period ended the day before
    "400003": (
        [("became_looked_after", "2019-05-01"), ("ceased_looked_after", "2019-09-30"), ("became_looked_after", "2019-10-01")],
        {"overlap": 1, "end-unknown": 1},
    ),
    # E4A, then an episode with RNE P: a new period all the same
    "400004": (
        [("became_looked_after", "2019-05-01"), ("ceased_looked_after", "2019-07-01"), ("became_looked_after", "2019-09-01")],
        {"continuity": 1},
    ),
    # E99 last: end unknown, no ceased_looked_after
    "400005": ([("became_looked_after", "2019-05-01")], {"end-unknown": 1}),
    # E99 on 31/12/2019, then S on 01/02/2020: ended on E99's date
    "400006": (
        [("became_looked_after", "2019-05-01"), ("ceased_looked_after", "2019-12-31"), ("became_looked_after", "2020-02-01")],
        {"end-unknown": 1},
    ),
    # X1 and nothing after it: still open
    "400007": ([("became_looked_after", "2019-05-01")], {"continuity": 1}),
    # blank REC with the next episode the same day: read as X1; REC E13 on the open episode ignored
    "400008": (
        [("became_looked_after", "2019-05-01"), ("placement_changed", "2019-07-01")],
        {"continuity": 1, "rec-on-open-episode": 1},
    ),
    # first episode loaded has RNE P
    "400009": ([("became_looked_after", "2018-02-01")], {"start-unknown": 1}),
    # S the same day as an X1: one period, no move
    "400010": ([("became_looked_after", "2019-05-01")], {"continuity": 1}),
    # S on the day the previous period ended (VAL rule 431): a period cannot start on the last day of
    # the one before, and the child was looked after on both, so one period (as if the end were X1)
    "400011": (
        [("became_looked_after", "2019-05-01"), ("review_held", "2019-06-01")],
        {"continuity": 1},
    ),
}


@pytest.mark.parametrize("child", sorted(CONTINUITY))
def test_broken_continuity_is_repaired_one_way_and_warned(child):
    _, children = read("continuity")
    events, warned = CONTINUITY[child]
    assert [(e["type"], e["date"]) for e in children[child].case["events"]] == events
    assert codes(children[child]) == Counter(warned)


def test_a_first_episode_that_is_not_s_starts_a_period_whose_start_is_unknown():
    _, children = read("continuity")
    (warning,) = children["400009"].warnings
    assert warning.render().startswith(
        "episodes.csv:16:3: child 400009: $.RNE: the child's first episode loaded has RNE P, not S"
    )
    assert children["400009"].case["events"][0]["note"] == "903 RNE=P LS=C2 PLACE=U4; start unknown"


def test_e99_is_an_unknown_end_not_a_ceased_date():
    _, children = read("continuity")
    assert not [e for e in children["400005"].case["events"] if e["type"] == "ceased_looked_after"]
    ceased = [e for e in children["400006"].case["events"] if e["type"] == "ceased_looked_after"]
    assert [e["note"] for e in ceased] == ["903 REC=E99 (end unknown)"]


def test_short_breaks_are_kept_and_flagged():
    _, children = read("short-breaks")
    starts = [e for e in children["300001"].case["events"] if e["type"] == "became_looked_after"]
    assert [(e["date"], e.get("short_breaks")) for e in starts] == [("2019-05-01", True), ("2019-06-01", True)]
    assert brief(children["300002"]) == [
        ("became_looked_after", "2019-04-01", {"legal_status": "s20", "placement_type": "foster", "short_breaks": True})
    ]
    # 300003: a V3 break, then a period under a care order, which is not a short break.
    assert [e.get("short_breaks") for e in children["300003"].case["events"] if e["type"] == "became_looked_after"] == [
        True,
        None,
    ]


def test_short_breaks_can_be_skipped_with_one_warning_per_period():
    ret, children = read("short-breaks", short_breaks="skip")
    assert children["300001"].case is None and children["300002"].case is None
    assert [p.code for p in children["300001"].problems] == ["only-short-breaks"]
    assert codes(children["300001"]) == Counter({"short-breaks-skipped": 2})  # its review goes with the refusal
    assert brief(children["300003"]) == [
        ("became_looked_after", "2019-08-01", {"legal_status": "s31", "placement_type": "foster"}),
        ("review_held", "2019-08-20", {}),
    ]
    assert codes(children["300003"]) == Counter({"short-breaks-skipped": 1, "review-outside-period": 1})
    (outside,) = [w for w in children["300003"].warnings if w.code == "review-outside-period"]
    assert "in a short-break period (01/05/2019) left out with short_breaks='skip'" in outside.message
    assert ret.stats.rows_reported["Episodes"] == 4
    balanced(ret)


# -- reviews, missing, social workers, dates of birth


def test_a_review_outside_every_period_is_reported_and_left_out():
    _, children = read("two-years")
    (outside,) = [w for w in children["100001"].warnings if w.code == "review-outside-period"]
    assert outside.render() == (
        "2020-reviews.csv:4:3: child 100001: $.REVIEW: review held on 15/01/2021 is after the child's last period of care "
        "ended (30/11/2020); left out"
    )
    assert "2021-01-15" not in {e["date"] for e in children["100001"].case["events"]}


def test_reviews_carry_no_number_and_their_review_code_in_the_note():
    _, children = read("two-years")
    held = [e for e in children["100001"].case["events"] if e["type"] == "review_held"]
    assert all("review" not in e for e in held)
    assert [e["note"] for e in held] == [
        "903 REVIEW_CODE=PN1",
        "903 REVIEW_CODE=PN2",
        "903 REVIEW_CODE=PN1",
        "903 REVIEW_CODE=PN3",
    ]


def test_missing_is_a_significant_event_and_away_without_authorisation_only_when_asked():
    _, children = read("missing-sw")
    missing = [e for e in children["600001"].case["events"] if e.get("category") == "missing"]
    assert [(e["date"], e["note"], e["ref"]) for e in missing] == [("2019-06-10", "903 MISSING=M", "missing.csv:2")]
    assert codes(children["600001"])["missing-away"] == 1
    ret, children = read("missing-sw", missing_away=True)
    assert [e["date"] for e in children["600001"].case["events"] if e.get("category") == "missing"] == [
        "2019-06-10",
        "2019-07-01",
    ]
    # 15/02/2020 falls between the periods (ended 01/02/2020, next 01/03/2020); MISSING X is no code.
    assert codes(children["600001"]) == Counter({"event-outside-period": 2, "unknown-code": 1})
    balanced(ret)


def test_a_social_worker_change_is_an_event_only_when_the_worker_changes_inside_a_period():
    # sw_episodes.csv (BOM, CRLF): SW1 first; SW2 01/09/2019; SW2 again 05/10/2019; SW3 10/02/2020
    # between periods; SW4 20/03/2020.
    ret, children = read("missing-sw")
    changes = [e for e in children["600001"].case["events"] if e.get("category") == "social_worker_changed"]
    assert [(e["date"], e["note"]) for e in changes] == [
        ("2019-09-01", "903 SW_REASON=LEFTRL"),
        ("2020-03-20", "903 SW_REASON=TSPROC"),
    ]
    assert ret.stats.rows_used["SWEpisodes"] == 4 and ret.stats.rows_reported["SWEpisodes"] == 1


def test_a_date_of_birth_that_cannot_be_right_is_left_out_and_the_case_kept():
    _, defects = read("defects")
    _, years = read("two-years")
    for child, code, fragment in (
        (defects["500001"], "bad-date", "impossible date '31/02/2010'"),
        (defects["500002"], "dob-dropped", "DOB 01/06/2019 is after the child's first episode began (01/05/2019)"),
        (years["100003"], "dob-dropped", "makes the child 18 on 01/01/2019, on or before a period of care began (10/04/2019)"),
        (defects["500004"], "no-header", "not in the Header table (VAL INT08)"),
    ):
        assert child.case is not None and "dob" not in child.case["child"]
        assert any(w.code == code and fragment in w.message for w in child.warnings), child.warnings


def test_a_reviews_dob_that_differs_from_the_header_is_warned_and_the_header_trusted():
    _, children = read("defects")
    (warning,) = [w for w in children["500003"].warnings if w.code == "dob-mismatch"]
    assert warning.render() == (
        "reviews.csv:3:2: child 500003: $.DOB: Reviews DOB 01/01/2011 differs from the Header DOB 01/01/2010 (VAL INT17); "
        "the Header's is used"
    )
    assert children["500003"].case["child"]["dob"] == "2010-01-01"


def test_an_la_prefixes_every_child_id_and_problem():
    _, children = read("defects", la="E09000002")
    assert "E09000002:500003" in children
    assert children["E09000002:500003"].case["child"]["id"] == "E09000002:500003"
    assert {w.child for w in children["E09000002:500003"].warnings} == {"E09000002:500003"}


# -- the XML form


def test_the_xml_form_gives_the_same_cases_as_the_same_return_in_csv():
    xml_ret, from_xml = read("xml/return.xml")
    csv_ret, from_csv = read("xml/csv")
    assert sorted(from_xml) == sorted(from_csv) == ["700001", "700002"]
    for child in from_xml:
        assert _without_refs(from_xml[child].case) == _without_refs(from_csv[child].case)
        assert [w.code for w in from_xml[child].warnings] == [w.code for w in from_csv[child].warnings]
        assert [p.code for p in from_xml[child].problems] == [p.code for p in from_csv[child].problems]
    assert xml_ret.stats.rows_read == csv_ret.stats.rows_read
    assert xml_ret.stats.rows_used == csv_ret.stats.rows_used
    assert xml_ret.stats.rows_reported == csv_ret.stats.rows_reported


def test_a_folder_holding_one_return_as_xml_and_as_csv_reads_each_row_once_and_reports_its_twin():
    ret, both = read("xml")  # return.xml and csv/: two returns of the same collection year
    _, alone = read("xml/csv")
    assert _without_refs(both["700001"].case) == _without_refs(alone["700001"].case)
    duplicates = [w for w in both["700001"].warnings if w.code == "duplicate-row"]
    # Header, two Episodes rows, the review of 20/05/2019 and the missing row appear twice.
    assert len(duplicates) == 5 and all("in the same return" in w.message for w in duplicates)
    balanced(ret)


def test_xml_rows_are_located_by_the_line_and_column_of_their_element():
    _, children = read("xml/return.xml")
    (bad,) = children["700001"].warnings
    assert (bad.line, bad.column, bad.path) == (16, 9, ("REVIEW",))
    assert children["700001"].case["events"][0]["ref"].endswith("return.xml:30:5")
    (bad,) = children["700002"].warnings
    assert (bad.line, bad.column, bad.code) == (84, 7, "two-digit-year")


def test_an_xml_file_that_declares_entities_is_refused_and_a_broken_one_read_up_to_the_fault():
    ret, children = read("xml-bad")
    by_file = {p.file: p for p in ret.problems}
    assert by_file["entities.xml"].code == "bad-xml" and "document type declaration" in by_file["entities.xml"].message
    assert (by_file["broken.xml"].code, by_file["broken.xml"].line) == ("bad-xml", 9)
    assert by_file["other.xml"].code == "unknown-table" and "<catalogue>" in by_file["other.xml"].message
    assert list(children) == ["800001"]  # the child completed before the fault


def test_the_validators_xml_and_csv_fake_returns_hold_different_children_and_each_reads_like_the_other(tmp_path):
    # fake_903.xml is not the CSVs' return: none of its 253 children is among the CSVs' 2675.
    folder = FAKE / "csc-validator-be-903"
    xml_ret, from_xml = read(folder / "fake_903.xml")
    csv_files = sorted(folder.glob("*.csv"))
    _, from_csv = read(*csv_files)
    assert len(from_xml) == 253 and len(from_csv) == 2676
    assert not set(from_xml) & set(from_csv)
    # Written out as CSVs by an independent reading of the XML, it gives the same cases.
    _xml_to_csv(folder / "fake_903.xml", tmp_path)
    converted_ret, converted = read(tmp_path)
    assert sorted(converted) == sorted(from_xml)
    for child, built in from_xml.items():
        assert _without_refs(built.case) == _without_refs(converted[child].case), child
        assert Counter(w.code for w in built.warnings) == Counter(w.code for w in converted[child].warnings), child
    for table in ("Header", "Episodes", "Reviews", "Missing"):
        assert xml_ret.stats.rows_read[table] == converted_ret.stats.rows_read[table]


def _without_refs(case):
    if case is None:
        return None
    return {**case, "events": [{k: v for k, v in e.items() if k != "ref"} for e in case["events"]]}


def _xml_to_csv(source: Path, folder: Path) -> None:
    tables = {name: [] for name in ("Header", "Episodes", "Reviews", "Missing")}
    for child in ET.parse(source).getroot():
        header = child.find("HEADER")
        leaves = {e.tag: (e.text or "") for e in header if len(e) == 0}
        leaves["CHILD"] = leaves.pop("CHILDID", "")
        tables["Header"].append(leaves)
        for tag, table in (("AREVIEW", "Reviews"), ("AMISSING", "Missing")):
            for record in header.findall(tag):
                tables[table].append(
                    {"CHILD": leaves["CHILD"], "DOB": leaves.get("DOB", ""), **{e.tag: e.text or "" for e in record}}
                )
        for episode in child.findall("EPISODE"):
            row = {("PLACE" if e.tag == "PL" else e.tag): e.text or "" for e in episode}
            tables["Episodes"].append({"CHILD": leaves["CHILD"], **row})
    for table, rows in tables.items():
        with open(folder / f"{table.lower()}.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, TABLES[table], extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)


# -- the fake returns


def test_on_the_defective_validator_return_every_row_read_is_used_or_reported_per_table():
    ret, children = read(*sorted((FAKE / "csc-validator-be-903").glob("*.csv")))
    stats = ret.stats
    assert stats.rows_read["Episodes"] == 5050 and stats.rows_read["Reviews"] == 12582 and stats.rows_read["Header"] == 2675
    for table, count in stats.rows_read.items():
        assert count == stats.rows_used[table] + stats.rows_reported[table], table
        assert stats.rows_merged[table] == 0
    # 552 Header children have no episode at all (refused), and CHILD10 is only in sw_episodes.csv and DoLo.csv.
    refused = [c for c in children.values() if c.case is None]
    assert len(refused) == 553 and {p.code for c in refused for p in c.problems} == {"no-episodes"}
    assert sum(len(c.warnings) for c in children.values() if c.case is not None) > 0
    assert stats.rows_reported["OC2"] == stats.rows_read["OC2"] == 2675


def test_the_demand_models_five_years_merge_with_every_row_accounted_for():
    ret, children = read(FAKE / "cs-demand-model")
    assert len(children) == 820 and not [c for c in children.values() if c.case is None]
    assert ret.stats.rows_merged["Episodes"] == 910
    balanced(ret)


@pytest.mark.parametrize("folder", ["csc-validator-be-903", "cs-demand-model", "liia-tools"])
def test_every_case_from_the_fake_returns_satisfies_the_case_schema_and_the_case_checks(folder):
    ret = read_903([FAKE / folder])
    seen = 0
    for child in ret.children():
        if child.case is None:
            continue
        seen += 1
        errors = list(SCHEMA.iter_errors(child.case))
        assert not errors, (child.child, errors[0].message)
        assert case_shape_ok(child.case)
        try:
            case_from_mapping(child.case)
        except CaseError as exc:
            # Until main accepts whole care histories, only several periods of care are refused.
            assert {p.code for p in exc.problems} <= SEVERAL_PERIODS, (child.child, exc.lines())
        assert not any(e["ref"].startswith("/") for e in child.case["events"])
    assert seen > 0


def test_a_single_period_case_passes_the_case_checks_in_full():
    _, children = read("two-years")
    case = case_from_mapping(children["100001"].case)
    assert case.child_id == "100001" and len(case.events) == 9


def test_the_case_schema_and_shape_check_accept_records_from_and_only_as_a_date():
    case = {"child": {"id": "A"}, "records_from": "2019-04-01", "events": []}
    assert case_shape_ok(case) and not list(SCHEMA.iter_errors(case))
    case["records_from"] = "1 April 2019"
    assert not case_shape_ok(case) and list(SCHEMA.iter_errors(case))


# -- the synthetic returns


def test_a_synthetic_return_reads_back_to_its_known_answers(tmp_path):
    synthetic = write_903_return(tmp_path, children=400, years=4, seed=7, defects=True)
    ret = read_903([tmp_path])
    children = list(ret.children())
    assert [c.child for c in children] == sorted(synthetic.expected)
    for child in children:
        expected = synthetic.expected[child.child]
        got = [
            (e["type"], e["date"], tuple(sorted((k, v) for k, v in e.items() if k not in ("type", "date", "note", "ref"))))
            for e in child.case["events"]
        ]
        assert got == list(expected.events), child.child
        assert tuple(sorted(Counter(w.code for w in child.warnings).items())) == expected.warnings, child.child
        assert child.case["child"].get("dob") == expected.dob, child.child
    assert Counter(p.code for p in ret.problems) == Counter({"no-child-id": synthetic.defects.get("no-child-id", 0)})
    assert ret.stats.rows_read == synthetic.rows
    balanced(ret)


def test_the_synthetic_return_has_the_situations_it_promises(tmp_path):
    synthetic = write_903_return(tmp_path, children=600, years=5, seed=2, defects=True)
    answers = synthetic.expected.values()
    warned = Counter(code for a in answers for code, n in a.warnings for _ in range(n))
    assert warned["start-unknown"] and warned["missing-away"]
    ret = read_903([tmp_path])
    list(ret.children())
    assert ret.stats.rows_merged["Reviews"]  # reviews written into two returns, merged into one
    assert warned["bad-date"] and warned["two-digit-year"] and synthetic.defects["no-child-id"]
    assert any(sum(e[0] == "became_looked_after" for e in a.events) >= 2 for a in answers)  # re-entries
    assert any(dict(e[2]).get("short_breaks") for a in answers for e in a.events)
    assert any(dict(e[2]).get("planned") is False for a in answers for e in a.events)
    text = "".join(p.read_text() for p in sorted(tmp_path.glob("*_episodes.csv")))
    assert re.search(r",P,[A-Z0-9]+,N1,T[0-4],", text)  # temporary placements
    assert ",T,C2," in text or ",T,C1," in text  # same-carer moves
    # An episode open at 31 March: blank DEC in one year, the same DECOM closed in the next.
    first = (tmp_path / "ssda903_2019-20_episodes.csv").read_text().splitlines()[1:]
    later = (tmp_path / "ssda903_2020-21_episodes.csv").read_text()
    open_rows = [r.split(",")[:2] for r in first if r.split(",")[7] == ""]
    assert any(f"{child},{decom}," in later for child, decom in open_rows)
    # An 18th birthday ending a period: ceased on the birthday.
    ended_at_18 = 0
    for answer in answers:
        if answer.dob is None:
            continue
        born = answer.dob
        adult = f"{int(born[:4]) + 18}{born[4:]}"
        ended_at_18 += any(e[0] == "ceased_looked_after" and e[1] == adult for e in answer.events)
    assert ended_at_18


def test_the_synthetic_generator_is_deterministic_for_a_seed(tmp_path):
    def digest(folder: Path) -> str:
        return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()

    write_903_return(tmp_path / "a", children=200, seed=5, defects=True)
    write_903_return(tmp_path / "b", children=200, seed=5, defects=True)
    write_903_return(tmp_path / "c", children=200, seed=6, defects=True)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_children_come_in_sorted_child_order_one_case_at_a_time(tmp_path):
    write_903_return(tmp_path, children=50, years=2, seed=1)
    ret = read_903([tmp_path])
    walk = ret.children()
    first = next(walk)
    assert ret.stats.children == 1  # built on demand
    ids = [first.child] + [c.child for c in walk]
    assert ids == sorted(ids) and len(ids) == 50
    assert ret.stats.children == 50


# -- codes


def test_every_903_code_has_a_fix_and_a_line_in_docs_errors_and_in_docs_ssda903():
    errors = set(re.findall(r'^\| <a id="([a-z0-9-]+)"></a>`\1` \|', (ROOT / "docs" / "errors.md").read_text(), re.M))
    guide = (ROOT / "docs" / "ssda903.md").read_text()
    for code in CODES:
        assert code in HINTS, code
        assert code in errors, code
        assert f"`{code}`" in guide, code


def test_every_code_the_reader_gives_is_one_of_its_listed_codes(tmp_path):
    given: set[str] = set()
    for options in ({}, {"short_breaks": "skip"}):
        for folder in sorted(p for p in FIX.iterdir() if p.is_dir() and p.name != "fake") + sorted(FAKE.iterdir()):
            if not folder.is_dir():
                continue
            ret = read_903([folder], **options)
            for child in ret.children():
                given.update(w.code for w in child.warnings)
                given.update(p.code for p in child.problems)
            given.update(p.code for p in ret.problems)
    # What no fixture folder shows: a year the dates contradict, a year nothing tells, two Episodes
    # tables in one return, a file that is not UTF-8, a path that does not exist.
    (tmp_path / "2015-episodes.csv").write_bytes((FIX / "moves" / "episodes.csv").read_bytes())
    (tmp_path / "2016-header.csv").write_bytes((FIX / "moves" / "header.csv").read_bytes())
    (tmp_path / "more" / "x").mkdir(parents=True)
    (tmp_path / "more" / "x" / "a.csv").write_bytes((FIX / "moves" / "episodes.csv").read_bytes())
    (tmp_path / "more" / "x" / "b.csv").write_bytes((FIX / "moves" / "episodes.csv").read_bytes())
    (tmp_path / "more" / "latin1.csv").write_bytes(
        "CHILD,DOB,REVIEW,REVIEW_CODE\n1,01/01/2010,01/06/2019,PN\xe9\n".encode("latin-1")
    )
    ret = read_903([tmp_path, tmp_path / "nowhere"])
    given.update(p.code for p in ret.problems)
    for child in ret.children():
        given.update(w.code for w in child.warnings)
    assert given == set(CODES), (given - set(CODES), set(CODES) - given)
