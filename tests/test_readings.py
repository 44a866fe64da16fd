"""The register of readings and what-if: `reviewrules readings`, `--reading RULE=ALTERNATIVE`,
and `diff` over a caseload under another reading.

Stoke's second review: its policy reads 7.10, "no more than three months after the first
review"; the other reading is 5.2, "within 4 months of the child coming into care". The
dates below were counted by hand:

- K-1 became looked after Mon 6 Jan 2025, review 1 held Mon 27 Jan: 27 Jan + 3 months =
  27 Apr 2025; 6 Jan + 4 months = 6 May 2025 (+9 days). As of 1 May, not held: overdue under
  7.10, pending under 5.2.
- K-2 became looked after Mon 3 Feb 2025, review 1 held Thu 20 Feb: 20 May against 3 Jun
  (+14 days); pending under both as of 1 May.
- K-3 became looked after Tue 1 Oct 2024, review 1 held Thu 10 Oct: 10 Jan 2025 against
  1 Feb 2025 (+22 days); overdue under both.
"""

import json

import pytest
from in_process import run

from reviewrules import PolicyError, evaluate, load_policy
from reviewrules.policy._readings import register, with_readings

CHILDREN = [
    {"child": {"id": "K-1"}, "events": [{"type": "became_looked_after", "date": "2025-01-06"}, {"type": "review_held", "date": "2025-01-27"}]},
    {"child": {"id": "K-2"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}, {"type": "review_held", "date": "2025-02-20"}]},
    {"child": {"id": "K-3"}, "events": [{"type": "became_looked_after", "date": "2024-10-01"}, {"type": "review_held", "date": "2024-10-10"}]},
]


@pytest.fixture
def caseload(tmp_path):
    path = tmp_path / "children.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CHILDREN))
    return path


def test_the_stoke_register_lists_the_four_named_conflicts_with_both_quotes():
    code, out, _ = run("readings", "stoke", "--format", "md")
    assert code == 0
    rows = {line.split("`")[1]: line for line in out.splitlines() if line.startswith("| <a id=")}
    second = rows["stoke/second-review"]
    assert "no more than **three months** after the first review" in second
    assert "within 4 months of the child coming into care" in second and "`four-months-from-care`" in second
    record = rows["stoke/record-distributed"]
    assert "14 calendar days" in record and "fifteen working days" in record
    assert "four weeks (20 working days)" in rows["stoke/initial-review"]
    _, cumbria, _ = run("readings", "cumbria", "--format", "md")
    assert "within 20 days of the child being Looked After" in cumbria and "within 20 working days" in cumbria
    _, york, _ = run("readings", "york", "--format", "md")
    assert "three months (91 days)" in york and "`three-months`" in york


def test_the_register_as_json_names_each_alternative_and_whether_it_can_be_computed():
    _, out, _ = run("readings", "stoke", "--format", "json")
    entries = {e["rule"]: e for e in json.loads(out)["readings"]}
    alternatives = {a["id"]: a for a in entries["stoke/second-review"]["alternatives"]}
    assert alternatives["four-months-from-care"]["computable"] is True
    assert alternatives["four-months-from-care"]["counted"] == "4 months after the date the child became looked after"
    assert all(e["conflicts"] or e["alternatives"] for e in entries.values())


def test_a_reading_recorded_with_a_conflict_and_no_alternative_is_a_gap():
    policy = load_policy("stoke")
    entries = register(policy)
    assert all(entry.gap == (bool(entry.conflicts) and not entry.alternatives) for entry in entries)


def test_evaluate_under_another_reading_gives_the_other_date_and_says_so():
    policy = with_readings(load_policy("stoke"), [("second-review", "four-months-from-care")])
    second = evaluate(policy, CHILDREN[0], as_of="2025-05-01").obligation("review.second", 2)
    assert (second.due.isoformat(), second.status) == ("2025-05-06", "pending")
    assert any("Computed under another reading (what-if)" in n for n in second.notes)
    assert any(n.startswith("Other reading, 'the policy's reading") and "2025-04-27" in n for n in second.notes)
    assert policy.digest.endswith("+reading:second-review=four-months-from-care")


def test_the_command_line_computes_under_another_reading(caseload):
    _, out, _ = run("caseload", str(caseload), "-p", "stoke", "--as-of", "2025-05-01", "--kind", "review.second")
    assert [row.split(",")[4] for row in out.splitlines()[1:]] == ["2025-04-27", "2025-05-20", "2025-01-10"]
    _, out, _ = run(
        "caseload", str(caseload), "-p", "stoke", "--as-of", "2025-05-01", "--kind", "review.second",
        "--reading", "second-review=four-months-from-care",
    )
    assert [row.split(",")[4] for row in out.splitlines()[1:]] == ["2025-05-06", "2025-06-03", "2025-02-01"]


def test_an_unknown_or_uncomputable_reading_is_refused_with_what_is_allowed():
    with pytest.raises(PolicyError) as caught:
        with_readings(load_policy("stoke"), [("second-review", "five-months")])
    assert "has no alternative 'five-months' (computable: four-months-from-care)" in caseload_message(caught)
    code, _, err = run("evaluate", "examples/york-worked-example.yaml", "-p", "york", "--reading", "no-such-rule=x")
    assert code == 2 and "york has no rule 'no-such-rule'" in err
    code, _, err = run("evaluate", "examples/york-worked-example.yaml", "-p", "york", "--reading", "second-review")
    assert code == 2 and "write RULE=ALTERNATIVE" in err


def caseload_message(caught):
    return caught.value.problems[0].message


def test_diff_under_another_reading_counts_what_moves_on_a_caseload(caseload):
    code, out, _ = run(
        "diff", "stoke", "stoke", "--reading", "second-review=four-months-from-care",
        "--cases", str(caseload), "--as-of", "2025-05-01", "--format", "json",
    )
    assert code == 1
    data = json.loads(out)
    assert data["cases"] == 3
    second = next(row for row in data["impact"] if row["kind"] == "review.second")
    assert second == {
        "kind": "review.second",
        "obligations": 3,
        "children": 3,
        "earlier": 0,
        "later": 3,
        "status_only": 0,
        "only_a": 0,
        "only_b": 0,
        "largest_days": 22,
        "mean_days": 15.0,
        "becomes_overdue": 0,
        "stops_being_overdue": 1,
    }
    moved = {(d["child"], d["kind"]): d["days"] for d in data["dates"]}
    assert (moved[("K-1", "review.second")], moved[("K-2", "review.second")], moved[("K-3", "review.second")]) == (9, 14, 22)


def test_the_diff_markdown_summary_is_pasteable_and_sorted_by_the_largest_move(caseload):
    _, out, _ = run(
        "diff", "stoke", "stoke", "--reading", "second-review=four-months-from-care",
        "--cases", str(caseload), "--as-of", "2025-05-01", "--format", "md",
    )
    assert "stoke (reading second-review=four-months-from-care)" in out.splitlines()[0]
    # With review 2 come its preparation (counted back from its due date) and Stoke's Care Planning
    # Meeting (due on it). K-3's consultation, 20 working days before: Tue 10 Dec 2024 (across
    # Christmas and New Year) against Mon 6 Jan 2025, +27 days. Four stop being overdue as of 1 May:
    # K-1's review, its reports and its meeting, and K-2's consultation (17 Apr against 2 May).
    assert (
        "On 3 case(s), 3 child(ren) and 12 obligation(s) differ: 0 fall due earlier and 12 later "
        "(the largest move +27 days); 0 become overdue and 4 stop being overdue." in out
    )
    moves = [line for line in out.splitlines() if line.startswith("| children.jsonl |")]
    days = [int(line.rsplit("|", 2)[1].split()[0]) for line in moves]
    assert days == sorted(days, key=abs, reverse=True)
