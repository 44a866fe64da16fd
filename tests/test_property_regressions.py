"""Failures the property tests (tests/test_properties.py) found, each as its minimal case.

Each test fails until the library is fixed; the property that found it steps round it
meanwhile (its filter in test_properties.py names the test here).
"""

from __future__ import annotations

from reviewrules import evaluate


def test_a_recommendation_resolved_the_day_it_is_made_is_not_refused_when_listed_first():
    # Events may come in any order (contract section 1: "evaluation sorts them by date"), and
    # output is the same whatever their order (docs/output.md). Listing the resolution of a
    # recommendation before its making, on the same day, refuses the child instead.
    made = {"type": "recommendation_made", "date": "2025-02-03", "id": "R1"}
    resolved = {"type": "recommendation_resolved", "date": "2025-02-03", "id": "R1"}
    start = {"type": "became_looked_after", "date": "2025-01-06"}
    in_order = evaluate("england", {"child": {"id": "R"}, "events": [start, made, resolved]}, "2025-03-01")
    listed_first = evaluate("england", {"child": {"id": "R"}, "events": [start, resolved, made]}, "2025-03-01")
    assert listed_first.to_dict() == in_order.to_dict()
