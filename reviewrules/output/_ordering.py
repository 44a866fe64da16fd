"""Writing a caseload's records in child order without holding the caseload in memory.

The contract sorts caseload output by child. An SSDA903 return is read in child
order, so its records are written as each child finishes (``order="presorted"``,
which raises rather than write a wrongly ordered file if that promise is broken).
Other inputs may come in any order (``order="sort"``): their records are held in
sorted runs of a few thousand children, spilled to temporary files, and merged
when the run ends (memory stays bounded; the output appears at the end).
``order="input"`` writes each record as it comes.
"""

from __future__ import annotations

import heapq
import tempfile
from typing import IO, Iterator, TextIO

__all__ = ["ChildOrderedSink", "OutOfOrder"]


class OutOfOrder(Exception):
    """Records promised in child order arrived out of it."""


class ChildOrderedSink:
    """Records (one child's text each) written to ``out`` sorted by child id.

    Ties (two records for one child: not expected) keep their arrival order.
    """

    def __init__(self, out: TextIO, order: str, run_size: int = 2000):
        if order not in ("sort", "presorted", "input"):
            raise ValueError(f"order must be sort, presorted or input, not {order!r}")
        self.out = out
        self.order = order
        self.in_order = order != "sort"
        self.run_size = run_size
        self._last: str | None = None
        self._run: list[tuple[str, int, str]] = []
        self._spilled: list[IO[str]] = []
        self._count = 0

    def add(self, child: str | None, text: str) -> None:
        key = child or ""
        if self.in_order:
            if self.order == "presorted" and self._last is not None and key < self._last:
                raise OutOfOrder(f"child '{key}' came after '{self._last}'")
            self._last = key
            self.out.write(text)
            return
        self._run.append((key, self._count, text))
        self._count += 1
        if len(self._run) >= self.run_size:
            self._spill()

    def _spill(self) -> None:
        self._run.sort()
        handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        for key, number, text in self._run:
            # A head line (the key's and the text's lengths, the arrival number), then key and text.
            handle.write(f"{len(key)} {len(text)} {number}\n{key}{text}")
        handle.seek(0)
        self._spilled.append(handle)
        self._run = []

    def close(self) -> None:
        if self.in_order:
            return
        if not self._spilled:
            self._run.sort()
            for _, _, text in self._run:
                self.out.write(text)
            self._run = []
            return
        if self._run:
            self._spill()
        try:
            for _, _, text in heapq.merge(*(_read(h) for h in self._spilled)):
                self.out.write(text)
        finally:
            for handle in self._spilled:
                handle.close()
            self._spilled = []


def _read(handle: IO[str]) -> Iterator[tuple[str, int, str]]:
    while True:
        head = handle.readline()
        if not head:
            return
        key_length, text_length, number = (int(part) for part in head.split())
        key = handle.read(key_length)
        yield key, number, handle.read(text_length)
