"""Writing a caseload's records in child order without holding the caseload in memory.

The contract sorts caseload output by child. An SSDA903 return is read in child
order, so its records are written as each child finishes (``order="presorted"``,
which raises rather than write a wrongly ordered file if that promise is broken).
Other inputs may come in any order (``order="sort"``): their records are held in
sorted runs of a few thousand children, spilled to temporary files, and merged
when the run ends (memory stays bounded; the output appears at the end).
``order="input"`` writes each record as it comes.

Most files a caseload is read from are already in child order (a system's export
sorted by id), so under ``order="sort"`` a file that can be read back (opened
``w+``) is written straight through while the records keep coming in order, with
the length of each noted in a small temporary index. The first record out of order
turns what was written into the first sorted run (copied out, and the file cut back
to where the records began), and the run goes on by sorted runs as above. Either way
the bytes written are those of a stable sort by child.
"""

from __future__ import annotations

import heapq
import os
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
        # Written straight through while the records come in order (see the module's note):
        # where they begin in ``out`` (taken at the first, after any header), and an index of
        # each one's key and length.
        self._through = order == "sort" and _can_read_back(out)
        self._start = 0
        self._index: IO[str] | None = None

    def add(self, child: str | None, text: str) -> None:
        key = child or ""
        if self.in_order:
            if self.order == "presorted" and self._last is not None and key < self._last:
                raise OutOfOrder(f"child '{key}' came after '{self._last}'")
            self._last = key
            self.out.write(text)
            return
        if self._through:
            if self._index is None:  # the first record
                self.out.flush()
                self._start = self.out.tell()
                self._index = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
            if self._last is None or key >= self._last:
                self._last = key
                self._index.write(f"{len(key)} {len(text)}\n{key}")
                self.out.write(text)
                self._count += 1
                return
            self._take_back()
        self._run.append((key, self._count, text))
        self._count += 1
        if len(self._run) >= self.run_size:
            self._spill()

    def _take_back(self) -> None:
        """What was written straight through becomes the first sorted run, and ``out`` is cut back."""
        index, out = self._index, self.out
        assert index is not None
        self._through = False
        out.flush()
        # Read back through the same file descriptor (``out`` is repositioned after).
        fd = out.fileno()
        os.lseek(fd, self._start, os.SEEK_SET)
        index.seek(0)
        run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        with open(fd, encoding="utf-8", newline="", closefd=False) as written:
            number = 0
            while head := index.readline():
                key_length, text_length = (int(part) for part in head.split())
                _write_record(run, index.read(key_length), number, written.read(text_length))
                number += 1
        index.close()
        self._index = None
        run.seek(0)
        self._spilled.append(run)
        out.seek(self._start)
        out.truncate()

    def _spill(self) -> None:
        self._run.sort()
        handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        for key, number, text in self._run:
            _write_record(handle, key, number, text)
        handle.seek(0)
        self._spilled.append(handle)
        self._run = []

    def close(self) -> None:
        if self.in_order:
            return
        if self._through:  # every record came in order: all of it is written already
            if self._index is not None:
                self._index.close()
                self._index = None
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


def _can_read_back(out: TextIO) -> bool:
    """Whether ``out`` is a file this process can read what it wrote from, and cut back."""
    try:
        return out.seekable() and out.readable() and isinstance(out.fileno(), int)
    except (AttributeError, OSError, ValueError):
        return False


def _write_record(handle: IO[str], key: str, number: int, text: str) -> None:
    """One record of a sorted run: a head line (the key's and the text's lengths, the arrival
    number), then key and text (read back by ``_read``)."""
    handle.write(f"{len(key)} {len(text)} {number}\n{key}{text}")


def _read(handle: IO[str]) -> Iterator[tuple[str, int, str]]:
    while True:
        head = handle.readline()
        if not head:
            return
        key_length, text_length, number = (int(part) for part in head.split())
        key = handle.read(key_length)
        yield key, number, handle.read(text_length)
