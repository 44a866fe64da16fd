"""What keeps one request from taking the service down: the size of a body, the number of
cases in it, the time it may take, and the threads that do the work.

Evaluation is CPU work, done on a small pool of threads so that the event loop keeps
answering. The time limit is checked between children (a worker never starts
another child after it), and the request's wait is cut at the limit as well.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, TypeVar

from .._errors import Problem
from ._problems import HttpProblem

__all__ = ["Limits", "Deadline", "Workers", "DEFAULT_LIMITS", "check_case_count"]

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """The service's limits; ``reviewrules serve`` sets each with an option (docs/service.md)."""

    max_body_bytes: int = 16 * 1024 * 1024  # about 4,000 children as JSON
    max_cases: int = 5_000  # children in one request
    timeout: float = 60.0  # seconds for one request, body read included
    threads: int = 4  # evaluations running at once

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_cases", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')}: must be at least 1, not {getattr(self, name)}")
        if not self.timeout > 0:
            raise ValueError(f"timeout: must be more than 0 seconds, not {self.timeout}")


DEFAULT_LIMITS = Limits()


def check_case_count(limits: Limits, count: int) -> None:
    """413 for more cases in one request than the limit."""
    if count > limits.max_cases:
        message = f"{count:,} cases in one request, over the limit of {limits.max_cases:,}; send them in smaller batches"
        raise HttpProblem("too-many-cases", message, [Problem(message, code="too-large")])


class Deadline:
    """The moment one request must be answered by."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def problem(self) -> HttpProblem:
        return HttpProblem("time-limit", f"the request took longer than the {self.seconds:g}-second limit; send fewer cases at once")

    def check(self) -> None:
        """Raise the time-limit problem once the deadline has passed (called between children)."""
        if time.monotonic() > self.at:
            raise self.problem()


class Workers:
    """The threads evaluations run on."""

    def __init__(self, threads: int):
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reviewrules")

    async def run(self, deadline: Deadline, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a worker thread, answered by the deadline (the time-limit problem after it)."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, fn, *args)
        try:
            return await asyncio.wait_for(future, timeout=deadline.left())
        except asyncio.TimeoutError:
            raise deadline.problem() from None

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
