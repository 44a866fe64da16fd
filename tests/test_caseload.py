"""`reviewrules caseload`: a caseload in, a table out, every child evaluated or refused (contract section 6).

The dates were counted by hand from regulation 33 (england): A-1 became looked after
Mon 3 Feb 2025, review 1 held 27 Feb (due Mon 3 Mar), review 2 due 27 Feb + 3 months =
Tue 27 May, not held; B-2 became looked after Mon 12 May 2025: 13-16 May (4), 19-23
(9), 27-30 (13; Mon 26 May is a bank holiday), 2-6 Jun (18), 9 (19), Tue 10 Jun (20).
"""

import json

from in_process import run

A = {
    "child": {"id": "A-1"},
    "events": [
        {"type": "became_looked_after", "date": "2025-02-03"},
        {"type": "review_held", "date": "2025-02-27"},
    ],
}
B = {"child": {"id": "B-2"}, "events": [{"type": "became_looked_after", "date": "2025-05-12"}]}
C = {"child": {"id": "C-3"}, "events": [{"type": "became_looked_after", "date": "2025-02-30"}]}
LINES = "\n".join([json.dumps(B), json.dumps(C), "this is not json", json.dumps(A)]) + "\n"


def test_csv_rows_are_the_contracts_columns_sorted_by_child_with_hand_counted_dates():
    code, out, err = run("caseload", "-", "--policy", "england", "--as-of", "2025-06-01", stdin=LINES)
    assert out.splitlines() == [
        "child,period,kind,review,due,done,status,owner,rule",
        "A-1,2025-02-03,review.initial,1,2025-03-03,2025-02-27,met,responsible_authority,england/initial-review",
        "A-1,2025-02-03,review.second,2,2025-05-27,,overdue,responsible_authority,england/second-review",
        "B-2,2025-05-12,review.initial,1,2025-06-10,,pending,responsible_authority,england/initial-review",
    ]
    assert code == 1  # two refused


def test_every_child_in_is_evaluated_or_refused_and_the_last_line_says_so():
    code, _, err = run("caseload", "-", "--policy", "england", "--as-of", "2025-06-01", stdin=LINES)
    lines = err.splitlines()
    assert lines[-1] == "2 children evaluated, 2 refused"
    refused = [line for line in lines if ": refused: " in line]
    assert refused == [
        "<stdin>:2: child C-3, event 1: $.events[0].date: refused: impossible date '2025-02-30' (no such day)",
        "<stdin>:3: refused: not valid JSON: Expecting value: line 1 column 1 (char 0)",
    ]


def test_filters_keep_the_obligations_asked_for():
    _, out, _ = run(
        "caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--kind", "review.", "--status", "overdue", stdin=LINES
    )
    assert [row.split(",")[2:7] for row in out.splitlines()[1:]] == [["review.second", "2", "2025-05-27", "", "overdue"]]
    _, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--due-from", "2025-06-01", stdin=LINES)
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["B-2"]


def test_the_summary_counts_who_is_overdue_and_due_next_and_reviews_held_on_time():
    code, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--format", "summary", stdin=LINES)
    text = " ".join(out.split())
    assert "children 4 2 evaluated, 2 refused" in text
    assert "periods of care open on the as-of date 2" in text
    assert "reviews overdue now 1 review.second 1" in text
    assert "reviews due in the next 28 days 1 review.initial 1" in text
    assert "review.initial 100.0% 1 of 1" in text
    assert "Refusals: date 1, yaml 1" in text
    assert code == 1


def test_json_lines_give_each_rules_source_once_and_compact_results():
    code, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--format", "jsonl", stdin=LINES)
    records = [json.loads(line) for line in out.splitlines()]
    head = records[0]
    assert head["record"] == "run" and head["policy"]["id"] == "england" and head["as_of"] == "2025-06-01"
    assert head["rules"]["england/initial-review"]["source"]["section"] == "reg. 33(1)"
    kinds = [(r["record"], r.get("child")) for r in records[1:]]
    # Sorted by child; the line that was not JSON names no child, and comes first.
    assert kinds == [("refused", None), ("result", "A-1"), ("result", "B-2"), ("refused", "C-3")]
    first = records[2]["obligations"][0]
    assert "source" not in first and first["rule"] == "england/initial-review"
    escalation = records[2]["escalations"][0]
    assert (escalation["raised"], escalation["resolved"], escalation["period"]) == ("2025-05-28", None, "2025-02-03")


def test_sources_puts_the_quote_back_on_every_item():
    _, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "-f", "jsonl", "--sources", stdin=LINES)
    result = json.loads(out.splitlines()[2])
    assert result["obligations"][0]["source"]["quote"].startswith("The responsible authority must first review")


def test_the_json_format_is_one_document_with_results_refusals_and_the_summary():
    _, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "-f", "json", stdin=LINES)
    data = json.loads(out)
    assert [r["child"] for r in data["results"]] == ["A-1", "B-2"]
    assert [r["child"] for r in data["refused"]] == [None, "C-3"]
    assert data["summary"]["children"] == {"in": 4, "evaluated": 2, "refused": 2}


def test_an_output_file_holds_the_same_bytes_as_standard_output_whatever_order_the_children_came_in(tmp_path):
    in_order = "\n".join([json.dumps(A), json.dumps(B)]) + "\n"
    for lines in (LINES, in_order):  # B-2 before A-1: taken back and sorted; A-1 then B-2: written straight through
        _, printed, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", stdin=lines)
        path = tmp_path / "out.csv"
        path.write_text("what the file held before\n" * 1000)
        run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--output", str(path), stdin=lines)
        assert path.read_text(encoding="utf-8") == printed
        assert printed.splitlines()[0].startswith("child,") and [r.split(",")[0] for r in printed.splitlines()[1:]] == ["A-1", "A-1", "B-2"]


def test_input_order_writes_as_read():
    _, out, _ = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--order", "input", stdin=LINES)
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["B-2", "A-1", "A-1"]


def test_a_yaml_caseload_is_read_child_by_child_and_a_bad_child_does_not_stop_it(tmp_path):
    path = tmp_path / "caseload.yaml"
    path.write_text(
        "children:\n"
        "  - child: {id: A-1}\n    events: [{type: became_looked_after, date: 2025-02-03}, {type: review_held, date: 2025-02-27}]\n"
        "  - child: {id: X-9}\n    events: [{type: became_looked_after, date: 2025-02-03, colour: red}]\n"
        "  - child: {id: B-2}\n    events: [{type: became_looked_after, date: 2025-05-12}]\n"
    )
    code, out, err = run("caseload", str(path), "-p", "england", "--as-of", "2025-06-01")
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["A-1", "A-1", "B-2"]
    assert f"{path}:5:60: child X-9, event 1: $.children[1].events[0].colour: refused: unknown field 'colour'" in err
    assert err.splitlines()[-1] == "2 children evaluated, 1 refused"
    assert code == 1


def test_the_same_child_twice_in_a_run_is_refused_the_second_time(tmp_path):
    (tmp_path / "one.jsonl").write_text(json.dumps(A) + "\n")
    (tmp_path / "two.jsonl").write_text(json.dumps(A) + "\n")
    code, _, err = run("caseload", str(tmp_path), "-p", "england", "--as-of", "2025-06-01")
    assert "child id 'A-1' was already read (at " in err and "one.jsonl:1)" in err
    assert err.splitlines()[-1] == "1 children evaluated, 1 refused"


def test_a_warning_is_reported_with_its_child_and_line_and_refuses_nobody():
    case = {**A, "events": A["events"] + [{"type": "task_completed", "date": "2025-03-01", "task": "post.minutes", "review": 1}]}
    code, _, err = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", stdin=json.dumps(case) + "\n")
    assert "<stdin>:1: child A-1, event 3: $.events[2].task: warning: task 'post.minutes' is not an obligation kind" in err
    assert code == 0
    code, _, err = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--strict", stdin=json.dumps(case) + "\n")
    assert err.splitlines()[-1] == "0 children evaluated, 1 refused" and code == 1


def test_nothing_to_read_exits_2_and_a_bad_argument_says_what_is_allowed(tmp_path):
    code, _, err = run("caseload", str(tmp_path / "missing.jsonl"), "-p", "england")
    assert code == 2 and "missing.jsonl: error: no such file" in err and err.splitlines()[-1] == "0 children evaluated, 0 refused"
    code, _, err = run("caseload", "-", "-p", "england", "--status", "late-ish", stdin=LINES)
    assert code == 2 and "--status late-ish: not a status (allowed: pending, overdue, met, late, not_applicable, superseded)" in err


def test_the_output_is_byte_identical_between_runs(tmp_path):
    first = run("caseload", "-", "-p", "york", "--as-of", "2025-06-01", "-f", "jsonl", stdin=LINES)[1]
    second = run("caseload", "-", "-p", "york", "--as-of", "2025-06-01", "-f", "jsonl", stdin=LINES)[1]
    assert first == second and len(first) > 1000


def _synthetic_lines(children: int) -> str:
    from datetime import date

    from reviewrules.case._synthetic import synthetic_cases

    return "".join(json.dumps(c) + "\n" for c in synthetic_cases(children, 5, date(2025, 11, 1)))


def test_worker_processes_write_the_bytes_one_process_writes_for_every_format(tmp_path):
    # More children than two batches (256 each), so that two workers share them.
    path = tmp_path / "many.jsonl"
    path.write_text(_synthetic_lines(600), encoding="utf-8")
    for extra in (["-f", "csv"], ["-f", "csv", "--status", "overdue"], ["-f", "jsonl"], ["-f", "summary"]):
        args = ("caseload", str(path), "-p", "york", "--as-of", "2025-11-01", *extra)
        one, two = run(*args, "--jobs", "1"), run(*args, "--jobs", "2")
        assert one == two and one[0] == 0 and "600 children evaluated, 0 refused" in one[2]
        assert extra[1] == "summary" or one[1].count("\nSYN-") + one[1].count('"child":"SYN-') >= 600


def test_forked_workers_do_not_write_what_the_command_had_not_yet_flushed(tmp_path):
    # Workers are forked from the command (_caseload._context): its header, still in the
    # buffer of a pipe's standard output, must appear once, and the rows once each.
    import subprocess
    import sys

    path = tmp_path / "many.jsonl"
    path.write_text(_synthetic_lines(600), encoding="utf-8")
    argv = [sys.executable, "-m", "reviewrules", "caseload", str(path), "-p", "england", "--as-of", "2025-11-01"]
    two = subprocess.run([*argv, "--jobs", "2"], capture_output=True, text=True, timeout=300)
    one = run("caseload", str(path), "-p", "england", "--as-of", "2025-11-01", "--jobs", "1")[1]
    assert two.returncode == 0 and two.stdout == one
    assert two.stdout.count("child,period,kind,") == 1


def _warned_lines(children: int) -> str:
    """Children each warned once (a task that is no obligation kind), in child order."""
    lines = []
    for n in range(children):
        case = {
            "child": {"id": f"W-{n:02d}"},
            "events": A["events"] + [{"type": "task_completed", "date": "2025-03-01", "task": "post.minutes", "review": 1}],
        }
        lines.append(json.dumps(case) + "\n")
    return "".join(lines)


def _warning_children(err: str) -> list[str]:
    return [line.split("child ")[1].split(",")[0] for line in err.splitlines() if ": warning: " in line]


def test_warnings_to_a_file_are_written_in_blocks_and_every_one_arrives_in_order_before_the_count(monkeypatch):
    from reviewrules.cli import _caseload_command

    stdin = _warned_lines(7)
    whole = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", stdin=stdin)
    monkeypatch.setattr(_caseload_command, "_LINES_HELD", 3)  # 7 lines: blocks of 3, 3 and the 1 left at the end
    blocks = run("caseload", "-", "-p", "england", "--as-of", "2025-06-01", stdin=stdin)
    assert blocks == whole
    assert _warning_children(blocks[2]) == [f"W-{n:02d}" for n in range(7)]
    assert blocks[2].splitlines()[-1] == "7 children evaluated, 0 refused"


def test_warnings_to_a_terminal_are_written_one_line_at_a_time():
    import io

    from reviewrules.cli import main

    class Terminal(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.writes: list[str] = []

        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            self.writes.append(text)
            return super().write(text)

    err = Terminal()
    argv = ["caseload", "-", "-p", "england", "--as-of", "2025-06-01", "--quiet"]  # --quiet: no progress bar
    main(argv, stdout=io.StringIO(), stderr=err, stdin=io.StringIO(_warned_lines(3)))
    warned = [text for text in err.writes if ": warning: " in text]
    assert len(warned) == 3 and all(text.count("\n") == 1 for text in warned)


def test_a_run_on_worker_processes_gives_back_the_collectors_settings(tmp_path):
    import gc

    path = tmp_path / "many.jsonl"
    path.write_text(_synthetic_lines(600), encoding="utf-8")
    before = gc.get_threshold(), gc.get_freeze_count()
    code, _, err = run("caseload", str(path), "-p", "england", "--as-of", "2025-11-01", "--jobs", "2", "-f", "summary")
    assert code == 0 and "600 children evaluated, 0 refused" in err
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
