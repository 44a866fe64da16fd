"""``POST /v1/caseload``: JSON Lines of cases in, CSV or JSON Lines out, as
``reviewrules caseload - --format csv|jsonl`` writes them (contract section 6).

A bad child is reported, not fatal: it is left out of the CSV, and is a
``{"record": "refused", ...}`` line in JSON Lines. The answer's headers count the
children (``Reviewrules-Children-Evaluated``, ``Reviewrules-Children-Refused``).
With ``order=child`` (the default, as the command) the rows come sorted by child,
so the whole caseload is evaluated (spooled to a temporary file past a few MB)
before the first byte is sent; ``order=input`` streams each child as it is done.
"""

from __future__ import annotations

import io
from typing import Iterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .._evaluate import BACKENDS
from .._vocabulary import STATUSES
from ..case._model import Refusal
from ..case._stream import read_cases
from ..engine._result import Result
from ..output._ordering import ChildOrderedSink
from ..output._tables import ObligationFilter, csv_header, csv_rows, jsonl_header, jsonl_refusal, jsonl_result
from ._bodies import LINES_TYPES, Query, as_of, invalid, read_body
from ._engine import evaluate_compiled, runner_for
from ._limits import check_case_count
from ._problems import HttpProblem
from ._state import LINES, service_of
from ._streams import Spool, streamed

__all__ = ["caseload_endpoint", "CASELOAD_PARAMETERS"]

CASELOAD_PARAMETERS = ("policy", "as_of", "format", "status", "kind", "due_from", "due_to", "strict", "sources", "order", "backend")
_MEDIA = {"csv": "text/csv", "jsonl": LINES}
_REPEATABLE = ("status", "kind")


def _filter(query: Query) -> ObligationFilter:
    statuses = query.many("status")
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise invalid(f"status={bad[0]}: not a status (allowed: {', '.join(STATUSES)})", ("status",))
    due_from, due_to = query.one("due_from"), query.one("due_to")
    return ObligationFilter(
        frozenset(statuses) if statuses else None,
        tuple(query.many("kind")) or None,
        as_of(due_from, "due_from") if due_from else None,
        as_of(due_to, "due_to") if due_to else None,
    )


async def caseload_endpoint(request: Request) -> Response:
    service = service_of(request)
    deadline = service.deadline()
    query = Query(request, CASELOAD_PARAMETERS)
    ref = query.required("policy", "a policy id, or id@version")
    fmt = query.one("format", tuple(_MEDIA), "csv") or "csv"
    keep, day = _filter(query), as_of(query.one("as_of"))
    strict, compact = query.flag("strict"), not query.flag("sources")
    order = query.one("order", ("child", "input"), "child")
    runner = runner_for(query.one("backend", BACKENDS, service.backend) or "auto")
    policy, compiled = service.registry.current.find(ref)
    body = await read_body(request, LINES_TYPES, service.limits, deadline)
    count = sum(1 for line in body.text.split("\n") if line.strip())
    if count == 0:
        raise HttpProblem("bad-request", "the body holds no cases: send one case a line (JSON Lines)")
    check_case_count(service.limits, count)
    request.state.children = count
    reader = read_cases(["-"], stdin=io.StringIO(body.text))
    tally = {"evaluated": 0, "refused": 0}

    def records() -> Iterator[tuple[str | None, str]]:
        """(child, text) per child read, as the command writes it."""
        for item in reader:
            deadline.check()
            done: Result | Refusal = item if isinstance(item, Refusal) else evaluate_compiled(compiled, item, day, runner, strict)
            if isinstance(done, Refusal):
                tally["refused"] += 1
                if fmt == "jsonl":
                    yield done.child, jsonl_refusal(done)
                continue
            tally["evaluated"] += 1
            yield done.child, csv_rows(done, keep) if fmt == "csv" else jsonl_result(done, keep, compact)

    header = csv_header() if fmt == "csv" else jsonl_header(policy, day, compact)
    if order == "input":

        def texts() -> Iterator[str]:
            yield header
            for _, text in records():
                yield text

        return StreamingResponse(streamed(service.workers, deadline, texts()), media_type=_MEDIA[fmt])

    def write() -> Spool:
        spool = Spool()
        try:
            spool.write(header)
            sink = ChildOrderedSink(spool, "sort")  # type: ignore[arg-type]
            for child, text in records():
                sink.add(child, text)
            sink.close()
        except BaseException:
            spool.close()
            raise
        return spool

    spool = await service.workers.run(deadline, write)
    counts = {"Reviewrules-Children-Evaluated": str(tally["evaluated"]), "Reviewrules-Children-Refused": str(tally["refused"])}
    return spool.response(_MEDIA[fmt], counts)
