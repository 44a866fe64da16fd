"""Calendars: one all-day event per pending obligation, read back with icalendar; a UID that
stays when the due date moves; DTSTAMP fixed by the as-of date; owners; byte-identical output."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
from in_process import run

import reviewrules
from reviewrules.engine._result import Obligation, PolicyRef, Result
from reviewrules.output._ics import obligation_uids
from reviewrules.policy._model import Source

ROOT = Path(__file__).resolve().parent.parent
YORK = ROOT / "examples" / "york-worked-example.yaml"
AS_OF = "2025-04-01"

MOVED = """\
child: {id: C-0001, dob: 2012-05-01}
events:
  - {type: became_looked_after, date: 2025-02-03, legal_status: s20}
  - {type: review_held, date: 2025-02-27}
  - {type: review_scheduled, date: BOOKED, review: 2}
  - {type: task_completed, date: 2025-03-04, task: post.decisions_record, review: 1}
"""


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def ics(tmp_path: Path, *argv: str) -> bytes:
    target = tmp_path / "out.ics"
    status, out, err = run("ics", *argv, "-o", str(target), cwd=ROOT)
    assert status == 0, err
    assert out == ""
    return target.read_bytes()


def test_each_pending_obligation_is_an_all_day_event_on_its_due_date_with_its_rule_and_quote(tmp_path):
    data = ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF)
    result = reviewrules.evaluate("york", reviewrules.load_cases(YORK)[0], AS_OF)
    pending = [o for o in result.obligations if o.status == "pending"]
    found = events(data)
    assert len(found) == len(pending) == 6
    uids = obligation_uids(result)
    by_uid = {str(e["UID"]): e for e in found}
    assert len(by_uid) == len(found)
    for o in pending:
        event = by_uid[uids[id(o)]]
        assert event.decoded("DTSTART") == o.due and not isinstance(event.decoded("DTSTART"), datetime)
        assert event.decoded("DTEND") == o.due + timedelta(days=1)
        assert event.decoded("DTSTAMP") == datetime(2025, 4, 1, tzinfo=timezone.utc)
        description = str(event["DESCRIPTION"])
        assert f"Rule {o.rule} (policy york v47):" in description
        assert f"\u201c{o.source.quote}\u201d" in description
        assert str(event["SUMMARY"]) == f"C-0001: {o.kind} (review {o.review}) due"
        assert event["CATEGORIES"].cats == [o.owner]
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]).startswith("-//reviewrules//")
    assert str(calendar["X-WR-CALNAME"]) == "Review deadlines: york v47, as of 2025-04-01"


def test_the_file_is_rfc_5545_text_with_crlf_line_ends_and_lines_folded_at_75_octets(tmp_path):
    data = ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the quotes are long: folded


def test_an_obligation_keeps_its_uid_when_its_due_date_moves_so_importing_again_updates_it(tmp_path):
    uids = {}
    for booked in ("2025-05-19", "2025-05-27"):
        path = tmp_path / f"moved-{booked}.yaml"
        path.write_text(MOVED.replace("BOOKED", booked), encoding="utf-8")
        found = events(ics(tmp_path, str(path), "--policy", "york", "--as-of", AS_OF))
        uids[booked] = {str(e["SUMMARY"]): (str(e["UID"]), e.decoded("DTSTART")) for e in found}
    before, after = uids["2025-05-19"], uids["2025-05-27"]
    assert set(before) == set(after)
    invitations = "C-0001: prep.invitations (review 2) due"
    assert before[invitations][1] == date(2025, 5, 2) and after[invitations][1] == date(2025, 5, 12)  # 26 May is a bank holiday
    for summary in before:
        assert before[summary][0] == after[summary][0], summary
    assert len({uid for uid, _ in before.values()}) == len(before)


SOURCE = Source("Doc", "1", "quote")


def _plan(due: str, status: str, done: str | None = None) -> Obligation:
    return Obligation(
        kind="plan.placement_plan",
        review=None,
        due=date.fromisoformat(due),
        status=status,
        done=date.fromisoformat(done) if done else None,
        owner="social_worker",
        rule="x/placement-plan",
        source=SOURCE,
        period=date(2024, 1, 8),
    )


def _result(*obligations: Obligation) -> Result:
    return Result("A", PolicyRef("x", "1", "sha256:0"), date(2024, 6, 1), tuple(obligations), (), ())


def test_obligations_without_a_review_number_are_told_apart_by_their_place_among_their_kind_whatever_their_status():
    first, second = _plan("2024-02-01", "pending"), _plan("2024-05-01", "pending")
    uids = obligation_uids(_result(first, second))
    assert len(set(uids.values())) == 2
    # The first done, the second's date moved: each keeps its UID.
    done, moved = _plan("2024-02-01", "met", "2024-01-30"), _plan("2024-05-20", "pending")
    again = obligation_uids(_result(done, moved))
    assert again[id(done)] == uids[id(first)] and again[id(moved)] == uids[id(second)]
    # Another child, or another period of care, is another obligation.
    other = Result("B", PolicyRef("x", "1", "sha256:0"), date(2024, 6, 1), (first,), (), ())
    assert obligation_uids(other)[id(first)] != uids[id(first)]
    assert all(uid.endswith("@reviewrules") for uid in uids.values())


def test_owner_picks_whose_deadlines_and_an_owner_no_rule_has_is_refused(tmp_path):
    found = events(ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF, "--owner", "social_worker"))
    assert [str(e["SUMMARY"]) for e in found] == [
        "C-0001: prep.consult_child (review 2) due",
        "C-0001: prep.iro_discussion (review 2) due",
        "C-0001: prep.reports_to_iro (review 2) due",
    ]
    both = events(ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF, "--owner", "social_worker", "--owner", "iro"))
    assert len(both) == 4
    status, out, err = run("ics", str(YORK), "--policy", "york", "--owner", "teacher", cwd=ROOT)
    assert status == 2 and out == "" and err.startswith("reviewrules ics: --owner teacher: no rule of york has this owner (owners: ")


def test_overdue_adds_what_is_already_late_on_its_past_due_date(tmp_path):
    found = events(ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF, "--overdue"))
    overdue = [e for e in found if "OVERDUE" in str(e["SUMMARY"])]
    result = reviewrules.evaluate("york", reviewrules.load_cases(YORK)[0], AS_OF)
    assert len(overdue) == sum(o.status == "overdue" for o in result.obligations) == 8
    assert len(found) == 6 + len(overdue)
    assert all(e.decoded("DTSTART") < date(2025, 4, 1) for e in overdue)


def test_a_caseload_gives_one_calendar_deterministic_to_the_byte_ending_with_the_caseload_line(tmp_path):
    demand = "tests/fixtures/903/fake/cs-demand-model"
    status, first, err = run("ics", demand, "--policy", "england", "--as-of", "2022-03-31", cwd=ROOT)
    assert status == 0 and err.splitlines()[-1] == "820 children evaluated, 0 refused"
    status, second, _ = run("ics", demand, "--policy", "england", "--as-of", "2022-03-31", cwd=ROOT)
    assert first == second
    policy = reviewrules.load_policy("england")
    pending = sum(
        o.status == "pending"
        for r in reviewrules.evaluate_many(policy, reviewrules.read_cases(ROOT / demand), "2022-03-31", on_error="report")
        if isinstance(r, Result)
        for o in r.obligations
    )
    found = events(first.encode("utf-8"))
    assert len(found) == pending > 0
    assert [e.decoded("DTSTART") for e in found] == sorted(e.decoded("DTSTART") for e in found)


@pytest.mark.parametrize("stream", ["stdout", "file"])
def test_the_calendar_goes_to_standard_output_or_to_a_file_with_the_same_bytes(tmp_path, stream):
    data = ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF)
    if stream == "stdout":
        status, out, _ = run("ics", str(YORK), "--policy", "york", "--as-of", AS_OF, cwd=ROOT)
        assert status == 0 and out.encode("utf-8") == data
    else:
        assert data == ics(tmp_path, str(YORK), "--policy", "york", "--as-of", AS_OF)
