"""A two-year SSDA903 return, written here, through `reviewrules caseload` to the contract's CSV.

The return holds what real returns hold: a child who leaves care and comes back (A), a period
open at 31 March repeated in the next year's return (A's second period, B and C), a review
in both returns (A's of 22/03/2024), and 18th birthdays (B, C). Each date below was counted by
hand from regulation 33 (england): the first review within 20 working days, the second within
three months of the first, then every six months.

A, period 1 (Mon 5 Jun 2023 to 15 Jan 2024, REC E4A): 6-9 Jun (4), 12-16 (9), 19-23 (14),
26-30 (19), Mon 3 Jul (20): initial due 3 Jul, held 28 Jun. Second: 28 Jun + 3 months =
28 Sep 2023, never held before the period ended: overdue (missed), escalated on 29 Sep.
A, period 2 (from Mon 4 Mar 2024, open at 31 March, moves on 10 Jul 2024): 5-8 Mar (4),
11-15 (9), 18-22 (14), 25-28 (18; Good Friday 29 Mar and Easter Monday 1 Apr skipped),
2 Apr (19), Wed 3 Apr (20): initial due 3 Apr, held 22 Mar (review 1 again). Second: 22 Mar +
3 months = 22 Jun, held 20 Jun. Third: 20 Jun + 6 months = 20 Dec 2024, not held.
B (born 10 Sep 2006, from Wed 1 Nov 2023): 2-3 Nov (2), 6-10 (7), 13-17 (12), 20-24 (17),
27-29 (20): initial due 29 Nov, held 20 Nov; second 20 Nov + 3 months = 20 Feb 2024, held 15 Feb;
third 15 Aug 2024, before the 18th birthday (10 Sep 2024): overdue, escalated 16 Aug.
C (born 20 May 2006, the same history as B): third due 15 Aug 2024, after the 18th birthday
(20 May 2024): not applicable, and nothing escalated.
"""

import json

import pytest
from in_process import run

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\n"

FILES = {
    "2023-episodes.csv": EPISODES
    + "A,05/06/2023,S,C2,N1,U4,PR1,15/01/2024,E4A,,,,\n"
    + "A,04/03/2024,S,V2,N1,U4,PR1,,,,,,\n"
    + "B,01/11/2023,S,C2,N1,U4,PR1,,,,,,\n"
    + "C,01/11/2023,S,C2,N1,U4,PR1,,,,,,\n",
    "2024-episodes.csv": EPISODES
    + "A,04/03/2024,S,V2,N1,U4,PR1,10/07/2024,X1,CARPL,,,\n"
    + "A,10/07/2024,P,V2,N1,K2,PR1,,,,,,\n"
    + "B,01/11/2023,S,C2,N1,U4,PR1,,,,,,\n"
    + "C,01/11/2023,S,C2,N1,U4,PR1,,,,,,\n",
    "2023-header.csv": HEADER
    + "A,1,01/01/2012,WBRI,A123456789012,,\nB,2,10/09/2006,WBRI,B123456789012,,\nC,2,20/05/2006,WBRI,C123456789012,,\n",
    "2024-header.csv": HEADER
    + "A,1,01/01/2012,WBRI,A123456789012,,\nB,2,10/09/2006,WBRI,B123456789012,,\nC,2,20/05/2006,WBRI,C123456789012,,\n",
    "2023-reviews.csv": REVIEWS
    + "A,01/01/2012,28/06/2023,PN1\nA,01/01/2012,22/03/2024,PN1\n"
    + "B,10/09/2006,20/11/2023,PN1\nB,10/09/2006,15/02/2024,PN1\n"
    + "C,20/05/2006,20/11/2023,PN1\nC,20/05/2006,15/02/2024,PN1\n",
    "2024-reviews.csv": REVIEWS + "A,01/01/2012,22/03/2024,PN1\nA,01/01/2012,20/06/2024,PN1\n",
}

RULE = "responsible_authority,england"
EXPECTED = [
    "child,period,kind,review,due,done,status,owner,rule",
    f"A,2023-06-05,review.initial,1,2023-07-03,2023-06-28,met,{RULE}/initial-review",
    f"A,2023-06-05,review.second,2,2023-09-28,,overdue,{RULE}/second-review",
    f"A,2024-03-04,review.initial,1,2024-04-03,2024-03-22,met,{RULE}/initial-review",
    f"A,2024-03-04,review.second,2,2024-06-22,2024-06-20,met,{RULE}/second-review",
    f"A,2024-03-04,review.subsequent,3,2024-12-20,,overdue,{RULE}/subsequent-review",
    f"B,2023-11-01,review.initial,1,2023-11-29,2023-11-20,met,{RULE}/initial-review",
    f"B,2023-11-01,review.second,2,2024-02-20,2024-02-15,met,{RULE}/second-review",
    f"B,2023-11-01,review.subsequent,3,2024-08-15,,overdue,{RULE}/subsequent-review",
    f"C,2023-11-01,review.initial,1,2023-11-29,2023-11-20,met,{RULE}/initial-review",
    f"C,2023-11-01,review.second,2,2024-02-20,2024-02-15,met,{RULE}/second-review",
    f"C,2023-11-01,review.subsequent,3,2024-08-15,,not_applicable,{RULE}/subsequent-review",
]


@pytest.fixture
def two_years(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_two_year_903_return_gives_the_hand_counted_csv_rows(two_years):
    code, out, err = run("caseload", str(two_years), "--policy", "england", "--as-of", "2025-03-31")
    assert out.splitlines() == EXPECTED
    assert err.splitlines()[-1] == "3 children evaluated, 0 refused"
    # The open episodes and the review repeated in 2024-25 are merged, not warned about.
    assert not [line for line in err.splitlines() if ": warning: " in line]
    assert code == 0


def test_the_escalations_of_the_two_year_return_stay_on_record_per_period(two_years):
    _, out, _ = run("caseload", str(two_years), "-p", "england", "--as-of", "2025-03-31", "-f", "jsonl")
    results = {r["child"]: r for r in map(json.loads, out.splitlines()[1:])}
    escalations = {
        child: [(e["period"], e["about"]["review"], e["raised"], e["resolved"]) for e in r["escalations"]]
        for child, r in results.items()
    }
    assert escalations == {
        "A": [("2023-06-05", 2, "2023-09-29", None), ("2024-03-04", 3, "2024-12-21", None)],
        "B": [("2023-11-01", 3, "2024-08-16", None)],
        "C": [],
    }
    # A's second period is open; it will end at the 18th birthday at the latest.
    assert [(p["end"], p["ended_by"]) for p in results["A"]["periods"]] == [
        ("2024-01-15", "ceased_looked_after"),
        ("2030-01-01", "18th_birthday"),
    ]
    assert results["C"]["periods"] == [{"start": "2023-11-01", "end": "2024-05-20", "ended_by": "18th_birthday"}]


def test_the_summary_of_the_two_year_return_adds_up(two_years):
    _, out, _ = run("caseload", str(two_years), "-p", "england", "--as-of", "2025-03-31", "-f", "summary")
    text = " ".join(out.split())
    assert "children 3 3 evaluated, 0 refused" in text
    assert "periods of care open on the as-of date 1" in text  # A's second; B and C are 18
    assert "reviews overdue now 1 review.subsequent 1" in text
    assert "reviews missed in periods that have ended 2 review.second 1, review.subsequent 1" in text
