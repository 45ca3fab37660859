"""``qualcode serve``: review and code transcripts in the browser.

A local web app (Starlette + uvicorn, Jinja2 pages, a little vanilla JS, no
CDN) bound to 127.0.0.1 and guarded by a random token (see
:mod:`qualcode.web.security`): a document list with coding progress, a
transcript view with coloured, overlapping code highlights where a coder
applies codes to selected text and accepts, rejects or adjusts auto codings
(keys ``j``/``k``/``a``/``r``/``s``/``u``), a code view of excerpts, the
co-occurrence network and code × attribute matrix, and the agreement
report. How review actions are stored is described in
:mod:`qualcode.web.reviews`.

>>> import qualcode.web as web
>>> callable(web.create_app) and callable(web.serve)
True

The web dependencies (starlette, uvicorn, jinja2) are imported only when an
app is created, so :mod:`qualcode.web.reviews` works without them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .reviews import (
    Action,
    ActionError,
    actions,
    apply_code,
    rejected_keys,
    remove_coding,
    review_auto,
    undo_last,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .server import WebServer

__all__ = [
    "Action",
    "ActionError",
    "actions",
    "apply_code",
    "create_app",
    "rejected_keys",
    "remove_coding",
    "review_auto",
    "serve",
    "start",
    "undo_last",
]


def _require() -> None:
    """Raise a clear error if the web extra is not installed."""
    import importlib.util

    missing = [m for m in ("starlette", "uvicorn", "jinja2")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"the review app needs {', '.join(missing)}: "
                         "pip install 'qualcode[web]'")


def create_app(project_path: str | Path, *, coder: str, token: str) -> Starlette:
    """The ASGI app for ``project_path`` as ``coder`` (see :func:`qualcode.web.app.create_app`)."""
    _require()
    from .app import create_app as _create

    return _create(project_path, coder=coder, token=token)


def serve(project_path: str | Path, *, coder: str, host: str = "127.0.0.1", port: int = 0,
          token: str | None = None, open_browser: bool = True,
          on_ready: Callable[[str], None] | None = None) -> str:
    """Serve until Ctrl+C and return the URL; ``on_ready(url)`` is called once the
    socket listens (see :func:`qualcode.web.server.serve`). Prints nothing."""
    _require()
    from .server import serve as _serve

    return _serve(project_path, coder=coder, host=host, port=port, token=token,
                  open_browser=open_browser, on_ready=on_ready)


def start(project_path: str | Path, *, coder: str, host: str = "127.0.0.1", port: int = 0,
          token: str | None = None) -> WebServer:
    """Serve from a background thread (see :func:`qualcode.web.server.start`)."""
    _require()
    from .server import start as _start

    return _start(project_path, coder=coder, host=host, port=port, token=token)
