"""The HTTP decision service: ``reviewrules serve`` (docs/service.md).

Needs the ``server`` extra (``pip install 'reviewrules[server]'``): Starlette and uvicorn.
``create_app()`` gives the ASGI application, for running under another ASGI server.
"""

from ._app import create_app
from ._limits import DEFAULT_LIMITS, Limits
from ._run import serve

__all__ = ["create_app", "serve", "Limits", "DEFAULT_LIMITS"]
