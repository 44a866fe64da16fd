"""A seeded generator of realistic synthetic caseloads, for benchmarks and tests.

Histories look like real ones: children come into care over several years,
most reviews are held a little before their limit and some late, the next
review is usually booked, most paperwork is done (some late, some never),
placements change, significant events happen, some children leave care.
No real child's data is used or needed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Iterator

__all__ = ["synthetic_cases"]

_TASKS = (
    "post.decisions_record",
    "post.care_plan_updated",
    "post.full_record",
    "post.record_distributed",
    "prep.consult_child",
    "prep.invitations",
)
_CATEGORIES = ("missing", "excluded", "complaint", "safeguarding", "health", "social_worker_changed", "contact_change")


def synthetic_cases(count: int, seed: int = 1, as_of: date = date(2025, 11, 1)) -> Iterator[dict[str, Any]]:
    """``count`` case dicts (one child each), the same for the same seed."""
    rng = random.Random(seed)
    for number in range(count):
        yield _one(rng, number, as_of)


def _one(rng: random.Random, number: int, as_of: date) -> dict[str, Any]:
    start = as_of - timedelta(days=rng.randint(5, 6 * 365))
    dob = start - timedelta(days=rng.randint(30, 17 * 365))
    events: list[dict[str, Any]] = [{"type": "became_looked_after", "date": start.isoformat(), "legal_status": rng.choice(["s20", "s31", "ico"])}]
    end = as_of
    if rng.random() < 0.15:
        end = start + timedelta(days=rng.randint(60, max(61, (as_of - start).days)))
        end = min(end, as_of)
    # Care ends at the 18th birthday at the latest (contract section 1): such a child leaves care that day.
    adult = date(dob.year + 18, dob.month, 28 if (dob.month, dob.day) == (2, 29) else dob.day)
    if adult <= end:
        end = adult
    held = start
    limits = [28, 91, 182]
    review = 0
    while True:
        limit = limits[min(review, 2)]
        gap = int(limit * rng.uniform(0.6, 1.1))  # about one review in eight is late
        day = held + timedelta(days=gap)
        if day >= end:
            if end == as_of and day < as_of + timedelta(days=120) and rng.random() < 0.7:
                events.append({"type": "review_scheduled", "date": day.isoformat(), "review": review + 1})
            break
        review += 1
        held = day
        events.append({"type": "review_held", "date": day.isoformat()})
        for task in _TASKS:
            if task.startswith("prep") and review == 1:
                continue
            if rng.random() < 0.8:
                offset = rng.randint(-20, -3) if task.startswith("prep") else rng.randint(2, 35)
                done = day + timedelta(days=offset)
                if start <= done <= min(as_of, end):
                    events.append({"type": "task_completed", "date": done.isoformat(), "task": task, "review": review})
    last = max(date.fromisoformat(e["date"]) for e in events)
    for _ in range(rng.randint(0, 3)):
        day = start + timedelta(days=rng.randint(1, max(1, (end - start).days)))
        if day <= end:
            events.append({"type": "placement_changed", "date": day.isoformat(), "planned": rng.random() < 0.6})
    for _ in range(rng.randint(0, 3)):
        day = start + timedelta(days=rng.randint(1, max(1, (end - start).days)))
        if day <= end:
            events.append({"type": "significant_event", "date": day.isoformat(), "category": rng.choice(_CATEGORIES)})
    if end < as_of and end >= last:
        events.append({"type": "ceased_looked_after", "date": end.isoformat()})
    # Keep the generator's output valid: no two identical events.
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for event in events:
        unique.setdefault(tuple(sorted(event.items())), event)
    return {"child": {"id": f"SYN-{number:06d}", "dob": dob.isoformat()}, "events": list(unique.values())}
