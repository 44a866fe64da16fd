"""One command line: every command that takes files takes folders (recursively, YAML and JSON)
and ``-`` for standard input, and reads the same inputs the same way."""

import json
import shutil
from pathlib import Path

import pytest
from in_process import run

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "york-worked-example.yaml"
YORK = ROOT / "policies" / "york.yaml"
SCENARIO = ROOT / "tests" / "scenarios" / "york"
INVALID_CASES = Path(__file__).parent / "fixtures" / "cases" / "invalid"


def child(child_id: str, start: str = "2025-02-03") -> dict:
    return {"child": {"id": child_id, "dob": "2012-05-01"}, "events": [{"type": "became_looked_after", "date": start}]}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of case files two deep, in YAML and JSON, with a file that is neither."""
    (tmp_path / "north" / "deep").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "north" / "c-0001.yaml")
    (tmp_path / "north" / "deep" / "c-0002.json").write_text(json.dumps(child("C-0002", "2025-03-03")))
    (tmp_path / "notes.txt").write_text("not read: neither YAML nor JSON")
    return tmp_path


# validate


def test_validate_reads_a_folder_recursively_and_says_what_each_file_is(folder):
    shutil.copy(YORK, folder / "north" / "deep" / "york-copy.yaml")
    (folder / "north" / "deep" / "york-copy.yaml").write_text(YORK.read_text().replace("id: york", "id: york-copy", 1))
    code, out, err = run("validate", str(folder))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{folder / 'north' / 'c-0001.yaml'}: ok (case)",
        f"{folder / 'north' / 'deep' / 'c-0002.json'}: ok (case)",
        f"{folder / 'north' / 'deep' / 'york-copy.yaml'}: ok (policy)",
    ]


def test_validate_reports_every_bad_file_in_a_folder_with_its_line(tmp_path):
    for name in ("impossible-date.yaml", "two-starts.yaml"):
        shutil.copy(INVALID_CASES / name, tmp_path / name)
    code, out, err = run("validate", str(tmp_path))
    assert code == 2 and out == ""
    located = [line for line in err.splitlines() if not line.startswith("    fix:")]
    assert [line.split(": ")[0] for line in located] == [f"{tmp_path / 'impossible-date.yaml'}:5:31", f"{tmp_path / 'two-starts.yaml'}:5:12"]


def test_validate_refuses_a_folder_with_nothing_to_check(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    code, _, err = run("validate", str(tmp_path))
    assert code == 2
    assert err.startswith(f"{tmp_path}: no policy or case files (.yaml, .yml, .json) in this folder [not-found]")


def test_validate_reads_a_case_or_a_policy_on_standard_input():
    assert run("validate", "-", stdin=EXAMPLE.read_text()) == (0, "<stdin>: ok (case)\n", "")
    assert run("validate", "-", stdin=YORK.read_text()) == (0, "<stdin>: ok (policy)\n", "")


def test_validate_locates_a_problem_on_standard_input_by_line():
    text = EXAMPLE.read_text().replace("date: 2025-02-27", "date: 2025-02-30")
    code, _, err = run("validate", "-", stdin=text)
    assert code == 2
    assert err.startswith("<stdin>:8:31: child C-0001, event 2: $.events[1].date: impossible date '2025-02-30' (no such day) [date]")


# evaluate and explain


def test_evaluate_reads_a_folder_and_answers_for_every_child_in_it(folder):
    code, out, err = run("evaluate", str(folder), "-p", "york", "--as-of", "2025-04-01")
    assert (code, err) == (0, "")
    results = json.loads(out)["results"]
    assert [r["child"] for r in results] == ["C-0001", "C-0002"]
    initial = [next(o for o in r["obligations"] if o["kind"] == "review.initial") for r in results]
    # York: the initial review within 20 working days of becoming looked after.
    # 2025-03-03 (Mon) + 20 working days: 4..7 (4), 10..14 (9), 17..21 (14), 24..28 (19), 31 (20).
    assert [o["due"] for o in initial] == ["2025-03-03", "2025-03-31"]


def test_evaluate_reads_one_case_document_on_standard_input_as_it_reads_the_file():
    from_file = run("evaluate", str(EXAMPLE), "-p", "york", "--as-of", "2025-04-01")
    from_stdin = run("evaluate", "-", "-p", "york", "--as-of", "2025-04-01", stdin=EXAMPLE.read_text())
    assert from_file[0] == 0
    assert from_stdin == from_file


def test_evaluate_reads_json_lines_on_standard_input_as_many_children():
    lines = "".join(json.dumps(child(c)) + "\n" for c in ("A-1", "A-2"))
    code, out, err = run("evaluate", "-", "-p", "york", "--as-of", "2025-04-01", stdin=lines)
    assert (code, err) == (0, "")
    assert [r["child"] for r in json.loads(out)["results"]] == ["A-1", "A-2"]


def test_evaluate_refuses_everything_when_one_child_in_a_folder_is_bad_naming_the_problem(folder):
    shutil.copy(INVALID_CASES / "impossible-date.yaml", folder / "bad.yaml")
    code, out, err = run("evaluate", str(folder), "-p", "york", "--as-of", "2025-04-01")
    assert (code, out) == (2, "")
    assert err == (
        f"{folder / 'bad.yaml'}:5:31: child C-3, event 2: $.events[1].date: impossible date '2025-02-30' (no such day)\n"
    )


def test_evaluate_says_so_when_standard_input_is_empty():
    assert run("evaluate", "-", "-p", "york", stdin="\n") == (2, "", "<stdin>: nothing on standard input\n")


def test_explain_picks_a_child_from_a_folder(folder):
    code, out, err = run("explain", str(folder), "-p", "york", "--as-of", "2025-04-01", "-o", "review.initial", "--child", "C-0002")
    assert (code, err) == (0, "")
    assert "2025-03-31" in out


def test_a_policy_can_be_given_on_standard_input():
    from_id = run("evaluate", str(EXAMPLE), "-p", "york", "--as-of", "2025-04-01")
    from_stdin = run("evaluate", str(EXAMPLE), "-p", "-", "--as-of", "2025-04-01", stdin=YORK.read_text())
    assert from_stdin[0] == 0
    # The same dates from the same rules; only where the policy came from is named differently.
    dates = [(o["kind"], o["due"], o["status"]) for o in json.loads(from_id[1])["obligations"]]
    assert [(o["kind"], o["due"], o["status"]) for o in json.loads(from_stdin[1])["obligations"]] == dates


def test_standard_input_can_be_read_only_once():
    code, _, err = run("evaluate", "-", "-p", "-", stdin=EXAMPLE.read_text())
    assert code == 2
    assert err == "reviewrules evaluate: standard input (-) can be read only once: give the other inputs as files\n"


def test_a_policy_argument_that_is_a_folder_says_a_policy_is_one_file(tmp_path):
    shutil.copy(YORK, tmp_path / "york.yaml")
    code, _, err = run("show", str(tmp_path))
    assert code == 2
    assert err == f"reviewrules show: {tmp_path}: a policy is one file, and this is a folder (it holds york.yaml)\n"


# test and diff


def test_test_runs_a_scenario_on_standard_input_with_its_policy_found_by_id():
    scenario = sorted(SCENARIO.glob("*.yaml"))[0]
    code, out, _ = run("test", "-", stdin=scenario.read_text())
    assert code == 0
    assert out.splitlines()[0].startswith("PASS <stdin>: ")
    assert out.splitlines()[-1] == "1 scenarios: 1 passed, 0 failed"


def test_diff_compares_on_cases_given_on_standard_input():
    import yaml

    line = json.dumps(yaml.safe_load(EXAMPLE.read_text()), default=str) + "\n"  # JSON Lines, as caseload reads -
    code, out, _ = run("diff", "york", "cumbria", "--cases", "-", "--as-of", "2025-04-01", "--format", "json", stdin=line)
    assert code == 1
    data = json.loads(out)
    assert (data["corpus"], data["cases"]) == ("<stdin>", 1)
    assert {d["case"] for d in data["dates"]} == {"<stdin>"}


def _padded_line(child_id, width=1000):
    line = json.dumps({"child": {"id": child_id}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]})
    return (line + " " * (width - 1 - len(line)) + "\n").encode()


def test_a_json_lines_file_that_stops_being_utf8_says_the_byte_and_line_and_what_was_not_read(tmp_path):
    # Twenty lines of 1,000 bytes; a byte that is not UTF-8 at 14,010, in line 15. The file is
    # decoded 8,192 bytes at a time, so lines 1-8 are read and line 9 on are not.
    data = b"".join(_padded_line(f"C-{n:02d}") for n in range(1, 21))
    path = tmp_path / "caseload.jsonl"
    path.write_bytes(data[:14010] + b"\xff" + data[14011:])
    code, out, err = run("caseload", str(path), "-p", "england", "--as-of", "2025-06-01", "--jobs", "1")
    assert f"{path}:15: error: not UTF-8 text at byte 14,010 (line 15); lines from 9 on were not read" in err
    assert err.strip().splitlines()[-1] == "8 children evaluated, 0 refused"
    assert code == 1


def test_the_first_byte_that_is_not_utf8_is_found_across_the_blocks_the_file_is_read_in(tmp_path):
    from reviewrules.case._stream import _first_bad_byte

    block = 1 << 20
    path = tmp_path / "x.jsonl"
    # An é (2 bytes) across the first block's end is good; the bad byte comes after it, on line 3.
    data = b"a\n" + b"b" * (block - 3) + "é".encode() + b"\nc\xffd\n"
    path.write_bytes(data)
    assert _first_bad_byte(str(path)) == (data.index(b"\xff"), 3)
    # A character begun at the first block's end and broken in the next: found where it begins.
    data = b"a" * (block - 1) + b"\xc3" + b"x\n"
    path.write_bytes(data)
    assert _first_bad_byte(str(path)) == (block - 1, 1)
    # A file that ends inside a character.
    path.write_bytes(b"ok\n\xe2\x82")
    assert _first_bad_byte(str(path)) == (3, 2)
    path.write_bytes(b"all good\n")
    assert _first_bad_byte(str(path)) is None
