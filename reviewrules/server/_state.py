"""What every request handler shares: the policies, the limits, the worker threads, and how
answers are written."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .._diff import CorpusCase, corpus_from
from .._resources import bundled_scenarios_dir
from .._scenarios import find_scenarios
from ._limits import Deadline, Limits, Workers
from ._registry import Registry

__all__ = ["Service", "service_of", "text_response", "JSON", "LINES"]

JSON = "application/json"
LINES = "application/x-ndjson"


@dataclass
class Service:
    registry: Registry
    limits: Limits
    workers: Workers
    backend: str = "auto"
    _corpus: list[CorpusCase] | None = field(default=None, repr=False)
    _corpus_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def folder(self) -> Path | None:
        return self.registry.folder

    def deadline(self) -> Deadline:
        return Deadline(self.limits.timeout)

    def corpus(self) -> list[CorpusCase]:
        """The bundled scenarios' cases, each with its own as-of date, named POLICY/FILE as
        ``reviewrules diff`` names them."""
        with self._corpus_lock:
            if self._corpus is None:
                root = bundled_scenarios_dir()
                self._corpus = list(corpus_from(find_scenarios([root]), None, root))
            return self._corpus


def service_of(request: Request) -> Service:
    return request.app.state.service


def text_response(text: str, media_type: str = JSON, status: int = 200, headers: dict[str, Any] | None = None) -> Response:
    return Response(content=text.encode("utf-8"), status_code=status, media_type=media_type, headers=headers)
