"""Running the service with uvicorn on one address (loopback by default)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import TextIO

import uvicorn

from ._app import LOGGER, create_app
from ._limits import DEFAULT_LIMITS, Limits

__all__ = ["serve", "listen"]


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0 takes a free one); OSError if it cannot be had."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _log_to(err: TextIO) -> None:
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    folder: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    backend: str = "auto",
    err: TextIO | None = None,
) -> None:
    """Load the policies, bind, say where on ``err``, and answer until stopped (Ctrl-C or SIGTERM).

    Raises PolicyError if a policy in ``folder`` does not load, OSError if the address cannot be had.
    """
    import sys

    err = err or sys.stderr
    app = create_app(folder, limits, backend)
    sock = listen(host, port)
    _log_to(err)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    count = len(app.state.service.registry.current.ids())
    err.write(f"reviewrules serve: {count} policies; listening on http://{shown}:{bound[1]} (Ctrl-C to stop)\n")
    err.flush()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", server_header=False, timeout_keep_alive=5)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
