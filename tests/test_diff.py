"""`reviewrules diff`: what differs between two policies, in rules and in dates."""

import json
from pathlib import Path

from in_process import run

from reviewrules import load_policy
from reviewrules._diff import diff_policies
from reviewrules.output._diff_format import format_diff

VERSIONED = Path(__file__).parent / "fixtures" / "policies" / "versioned.yaml"


def test_york_and_cumbria_differ_in_working_and_calendar_days_for_the_first_review():
    code, out, _ = run("diff", "york", "cumbria")
    assert code == 1
    line = next(l for l in out.splitlines() if l.strip().startswith("changed initial-review"))
    assert line.endswith(
        "review.initial: 20 working days after the date of the event | review.initial: 20 days after the date of the event"
    )
    assert "[cumbria/initial-review]" not in out  # the quotes are behind --detail
    _, detail, _ = run("diff", "york", "cumbria", "--detail")
    assert '[cumbria/initial-review] "An Initial Looked After Review should be conducted within 20 days' in detail


def test_the_summary_names_cases_relative_to_the_corpus_and_lists_each_date_only_with_detail():
    _, out, _ = run("diff", "york", "cumbria")
    assert "site-packages" not in out and "/tests/scenarios/" not in out
    assert "(--detail lists every obligation that differs)" in out
    impact = next(l for l in out.splitlines() if l.strip().startswith("review.initial"))
    assert impact.split()[0] == "review.initial"
    _, detail, _ = run("diff", "york", "cumbria", "--detail")
    listed = [l for l in detail.splitlines() if "york/worked-example.yaml  C-0001  review.initial review 1" in l]
    assert listed == ["  york/worked-example.yaml  C-0001  review.initial review 1: 2025-03-03 met | 2025-02-23 late  (-8 days)"]


def test_the_diff_shows_which_bundled_dates_the_difference_moves():
    code, out, _ = run("diff", "york", "cumbria", "--format", "json")
    data = json.loads(out)
    moved = [d for d in data["dates"] if d["kind"] == "review.initial" and d["case"].endswith("york/worked-example.yaml")]
    # Became looked after Mon 3 Feb 2025: 20 working days is 3 Mar, 20 days is Sun 23 Feb.
    assert moved == [
        {
            "case": moved[0]["case"],
            "child": "C-0001",
            "period": "2025-02-03",
            "kind": "review.initial",
            "review": 1,
            "a": {"due": "2025-03-03", "status": "met"},
            "b": {"due": "2025-02-23", "status": "late"},
            "days": -8,
        }
    ]


def test_identical_policies_exit_0():
    code, out, _ = run("diff", "york", "york")
    assert code == 0
    assert out.splitlines()[2:] == [
        "Rules: no rule differs.",
        "",
        f"Dates on {out.split('Dates on ')[1].split()[0]} case(s) (the bundled scenarios): no due date or status differs.",
    ]
    assert "skipped" not in out


def test_two_versions_of_one_policy_can_be_compared(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("child: {id: V}\nevents:\n  - {type: became_looked_after, date: 2024-03-18}\n")
    code, out, _ = run(
        "diff", f"{VERSIONED}@v1", f"{VERSIONED}@v2", "--cases", str(tmp_path), "--as-of", "2024-04-01", "--detail"
    )
    assert code == 1
    # Mon 18 Mar 2024: 19-22 (4), 25-28 (8), [Good Friday 29 Mar, Easter Monday 1 Apr], 2-5 Apr (12),
    # 8-12 (17), 15-17 (20): Wed 17 Apr; 20 calendar days is Sun 7 Apr.
    assert "Rules: 1 changed" in out
    assert "review.initial review 1: 2024-04-17 pending | 2024-04-07 pending  (-10 days)" in out


def test_markdown_output_is_a_pasteable_table():
    code, out, _ = run("diff", "york", "cumbria", "--format", "md")
    assert out.startswith("## Policy diff: york v47 and cumbria January 2018")
    header = next(l for l in out.splitlines() if l.startswith("| rule |"))
    assert header == "| rule | change | york | cumbria | york quote | cumbria quote |"
    rows = [l for l in out.splitlines() if l.startswith("| initial-review |")]
    assert len(rows) == 1 and "20 working days" in rows[0] and "20 days after" in rows[0]


def test_a_case_one_policy_cannot_evaluate_is_skipped_and_said():
    diff = diff_policies(load_policy("caldecott"), load_policy("york"), [], backend="python")
    assert diff.cases == 0
    text = format_diff(diff, "text")
    assert "Dates on 0 case(s): no due date or status differs." in text


def test_a_missing_cases_directory_is_an_error_not_an_empty_comparison():
    code, _, err = run("diff", "york", "cumbria", "--cases", "no/such/dir")
    assert code == 2
    assert "--cases no/such/dir: no such file or directory" in err
