"""A caseload evaluated on every core: children built, evaluated and written in worker
processes, in the order they were read.

What one child gives is a ``ChildRecord``: the text it adds to the output (CSV rows,
a JSON line), what it adds to the summary, and the lines it puts on standard error
(its refusal or warnings). ``records`` yields them in input order whatever ``jobs``
is, so that the bytes written are the same with one process or several. Each
worker compiles the policy once; children travel to it as what was read of them
(a JSON line, a 903 child's rows), so that parsing, building, evaluating and
formatting all happen there, and only text comes back.

A run small enough to fit one batch is done in this process: starting workers costs
more than it saves.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any, Callable, Iterable, Iterator

from ._evaluate import _runner, csv_or_refuse, evaluate_or_refuse, rows_or_refuse
from .case._model import Case, Refusal
from .case._stream import Unit, build_unit
from .engine._compile import CompiledPolicy, compile_policy
from .engine._result import Result
from .engine._rows import ChildRows
from .output._records import ChildRecord
from .output._tables import ChildCsv
from .policy._model import Policy

__all__ = ["Settings", "records", "available_cores", "BATCH"]

# Children sent to a worker at a time: enough to make the round trip worth it.
BATCH = 256


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to evaluate and write a child, sent once to each."""

    policy: Policy
    as_of: date
    backend: str
    strict: bool
    readings: bool
    # A module-level function (it is pickled): a ChildRecord for the command, the item itself for evaluate_many.
    render: Callable[[Any, str | None], Any]  # given a Result, ChildRows, ChildCsv or a Refusal
    # Only the rows a CSV or summary writes (``engine._rows``), not each child's whole result.
    rows: bool = False
    # Only the CSV text each child adds (an unfiltered CSV: ``output._tables.child_csv``), not even its rows.
    csv: bool = False


class _Worker:
    """A policy compiled once, and the settings it evaluates with."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.compiled: CompiledPolicy = compile_policy(settings.policy)
        self.runner = _runner(settings.backend)

    def one(self, item: Case | Refusal) -> ChildRecord:
        s = self.settings
        file, line = (item.file, item.line) if isinstance(item, (Case, Refusal)) else (None, None)  # else a mapping
        where = f"{file}:{line}" if file and line else file
        result: Result | ChildRows | ChildCsv | Refusal
        if s.csv:
            result = csv_or_refuse(self.compiled, item, s.as_of, self.runner, s.strict)
        elif s.rows:
            result = rows_or_refuse(self.compiled, item, s.as_of, self.runner, s.strict)
        else:
            result = evaluate_or_refuse(self.compiled, item, s.as_of, self.runner, s.strict, s.readings)
        return s.render(result, where)

    def batch(self, units: list[Unit]) -> list[ChildRecord]:
        """Each child built, evaluated and written."""
        return [self.one(build_unit(unit)) for unit in units]


_WORKER: _Worker | None = None

# A caseload makes millions of short-lived objects and almost no reference cycles, so the
# collector's default (a pass every 700 allocations, and full passes over every object the
# policy and the interpreter hold) costs about a sixth of the run for nothing. What is
# alive when a run starts is set aside (gc.freeze) and passes come less often; cycles are
# still collected, so memory stays flat.
_GC_THRESHOLD = (50_000, 20, 100)


@contextmanager
def collecting_less() -> Iterator[None]:
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _context() -> BaseContext:
    """How workers are started: forked where that is safe, else spawned.

    A spawned worker starts a fresh interpreter and imports the library again, about half
    a second of each core before its first child; a forked one starts with what this
    process has imported. Forking is safe only while this process runs one thread (a lock
    another thread holds would be copied held), so a caller with threads of its own (the
    HTTP service) gets spawned workers. The executor forks every worker before it starts
    any thread of its own. The output is the same either way."""
    if "fork" in get_all_start_methods() and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def _start(settings: Settings) -> None:
    global _WORKER
    _WORKER = _Worker(settings)
    gc.freeze()  # a worker process lives for one run
    gc.set_threshold(*_GC_THRESHOLD)


def _work(units: list[Unit]) -> list[ChildRecord]:
    assert _WORKER is not None
    return _WORKER.batch(units)


def records(
    units: Iterable[Unit],
    settings: Settings,
    jobs: int,
    once: Callable[[ChildRecord], ChildRecord] | None = None,
) -> Iterator[Any]:
    """One record per child read, in the order read; ``jobs`` worker processes (1: this one).

    ``once`` sees every record in order (the caller's check that no child is read twice).
    """
    # Reading is done here whatever ``jobs`` is, and a 903 return is read whole before its
    # first child (all of its rows alive at once): the collector runs less here too.
    with collecting_less():
        yield from _records(units, settings, jobs, once or (lambda r: r))


def _records(units: Iterable[Unit], settings: Settings, jobs: int, check: Callable[[ChildRecord], ChildRecord]) -> Iterator[Any]:
    batches = _batches(units)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if jobs <= 1 or second is None:
        worker = _Worker(settings)
        for batch in [first] + ([second] if second is not None else []):
            yield from map(check, worker.batch(batch))
        for batch in batches:
            yield from map(check, worker.batch(batch))
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_start, initargs=(settings,)) as pool:
        pending: deque[Future[list[ChildRecord]]] = deque()
        queued = iter([first, second])

        def feed() -> bool:
            batch = next(queued, None)
            if batch is None:
                batch = next(batches, None)
            if batch is None:
                return False
            pending.append(pool.submit(_work, batch))
            return True

        # At most a few batches in flight per worker: memory stays bounded whatever the input.
        for _ in range(2 * jobs + 1):
            if not feed():
                break
        while pending:
            done = pending.popleft().result()
            feed()
            for record in done:
                yield check(record)


def _batches(units: Iterable[Unit]) -> Iterator[list[Unit]]:
    batch: list[Unit] = []
    for unit in units:
        batch.append(unit)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
