"""Dated versions of a policy: each obligation is computed by the version in force when it counts from."""

from datetime import date
from pathlib import Path

import pytest

from reviewrules import evaluate, load_policy

VERSIONED = Path(__file__).parent / "fixtures" / "policies" / "versioned.yaml"


def first_review(became_looked_after: str):
    case = {"child": {"id": "V"}, "events": [{"type": "became_looked_after", "date": became_looked_after}]}
    return evaluate(VERSIONED, case, as_of="2024-04-01").obligation("review.initial", 1)


def test_an_event_before_a_new_version_is_judged_by_the_version_then_in_force():
    # Mon 11 Mar 2024, under v1 (england's 20 working days): 12-15 (4), 18-22 (9), 25-28 (13),
    # [Good Friday 29 Mar], [Easter Monday 1 Apr], 2-5 Apr (17), 8-10 (20): Wed 10 Apr.
    initial = first_review("2024-03-11")
    assert (initial.due, initial.version, initial.rule) == (date(2024, 4, 10), "v1", "england/initial-review")


def test_an_event_after_a_new_version_is_judged_by_it():
    # Mon 18 Mar 2024, under v2: 20 calendar days, Sun 7 Apr.
    initial = first_review("2024-03-18")
    assert (initial.due, initial.version, initial.rule) == (date(2024, 4, 7), "v2", "versioned/initial-review")


def test_an_event_before_the_earliest_version_is_judged_by_the_earliest_with_a_note():
    initial = first_review("2022-06-01")
    assert initial.version == "v1"
    assert any("counted by v1, the earliest version of versioned: 2022-06-01 is before it came into force on 2023-01-01" in n for n in initial.notes)


def test_a_rule_unchanged_across_versions_fires_once_and_names_the_version_in_force():
    case = {
        "child": {"id": "V2"},
        "events": [
            {"type": "became_looked_after", "date": "2024-01-08"},
            {"type": "review_held", "date": "2024-02-01"},
            {"type": "review_held", "date": "2024-04-25"},
        ],
    }
    result = evaluate(VERSIONED, case, as_of="2024-06-01")
    seconds = [o for o in result.obligations if o.kind == "review.second"]
    assert len(seconds) == 1
    assert (seconds[0].due, seconds[0].version) == (date(2024, 5, 1), "v1")  # counted from 1 Feb, under v1
    assert result.obligation("review.subsequent", 3).version == "v2"  # counted from 25 Apr, under v2


def test_the_policy_names_its_latest_version_and_each_version_can_be_taken_alone():
    policy = load_policy(VERSIONED)
    assert policy.version == "v2"
    assert [v.label for v in policy.versions] == ["v1", "v2"]
    v1, v2 = policy.at("v1"), policy.at("v2")
    assert v1.rule("initial-review").timescale() == "20 working days after the date of the event"
    assert v2.rule("initial-review").timescale() == "20 days after the date of the event"
    assert v1.digest != v2.digest
    with pytest.raises(KeyError, match="no version 'v9'"):
        policy.at("v9")


def test_a_policy_without_versions_names_its_document_version():
    result = evaluate("york", {"child": {"id": "Y"}, "events": [{"type": "became_looked_after", "date": "2025-02-03"}]}, "2025-02-10")
    assert result.obligation("review.initial", 1).version == "v47"
