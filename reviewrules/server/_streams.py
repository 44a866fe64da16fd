"""Writing answers that may be large: spooled to a temporary file (memory stays bounded)
and sent in chunks, or streamed as they are computed.

A spooled answer is computed whole within the time limit, so a failure is still a
clean problem document. A streamed answer (JSON Lines) starts at once; if it has to
stop part-way the connection is closed before the end of the body, so the client
sees that it is incomplete.
"""

from __future__ import annotations

import tempfile
from typing import AsyncIterator, Iterator

from starlette.responses import Response, StreamingResponse

from ._limits import Deadline, Workers
from ._problems import HttpProblem, StreamAborted

__all__ = ["Spool", "streamed", "CHUNK"]

CHUNK = 64 * 1024
_IN_MEMORY = 8 * 1024 * 1024  # a spool moves to a temporary file past this
_WHOLE = 1024 * 1024  # an answer up to this size is sent in one piece


class Spool:
    """A text sink for an answer (``write(str)``, as the library's writers take)."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)

    def write(self, text: str) -> int:
        self._file.write(text.encode("utf-8"))
        return len(text)

    def response(self, media_type: str, headers: dict[str, str] | None = None) -> Response:
        size = self._file.tell()
        self._file.seek(0)
        if size <= _WHOLE:
            content = self._file.read()
            self._file.close()
            return Response(content=content, media_type=media_type, headers=headers)
        return StreamingResponse(self._chunks(), media_type=media_type, headers={**(headers or {}), "content-length": str(size)})

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            while True:
                chunk = self._file.read(CHUNK)
                if not chunk:
                    return
                yield chunk
        finally:
            self._file.close()

    def close(self) -> None:
        self._file.close()


def streamed(workers: Workers, deadline: Deadline, texts: Iterator[str]) -> AsyncIterator[bytes]:
    """``texts`` computed on the worker threads a batch at a time and sent as each batch is ready."""

    def batch() -> tuple[str, bool]:
        out: list[str] = []
        size = 0
        for text in texts:
            out.append(text)
            size += len(text)
            if size >= CHUNK:
                return "".join(out), False
        return "".join(out), True

    async def chunks() -> AsyncIterator[bytes]:
        done = False
        while not done:
            try:
                text, done = await workers.run(deadline, batch)
            except HttpProblem as exc:
                raise StreamAborted(exc.detail) from None
            if text:
                yield text.encode("utf-8")

    return chunks()
