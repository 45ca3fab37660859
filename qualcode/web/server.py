"""Running the review app with uvicorn on 127.0.0.1 (blocking, or in a thread)."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, ProjectError

__all__ = ["LOOPBACK_HOSTS", "WebServer", "serve", "start"]

#: The only addresses the app may listen on.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _bind(host: str, port: int) -> socket.socket:
    if host not in LOOPBACK_HOSTS:
        raise InputError(f"the review app only listens on 127.0.0.1 (not {host!r}): it shows "
                         "your transcripts to whoever can reach it")
    if not 0 <= port <= 65535:
        raise InputError(f"port must be between 0 and 65535, not {port}")
    family = socket.AF_INET6 if host == "::1" else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1" if host == "localhost" else host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket, token: str) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def _server(project_path: str | Path, coder: str, token: str) -> object:
    import uvicorn

    from .app import create_app

    app = create_app(project_path, coder=coder, token=token)
    config = uvicorn.Config(app, log_level="warning", access_log=False, log_config=None,
                            lifespan="off", server_header=False)
    return uvicorn.Server(config)


class WebServer:
    """The app served from a background thread (for tests and notebooks)."""

    def __init__(self, project_path: str | Path, *, coder: str, host: str = "127.0.0.1",
                 port: int = 0, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self._server = _server(project_path, coder, self.token)
        self._sock = _bind(host, port)
        self.url = _url(self._sock, self.token)
        self.base_url = self.url.split("/?", 1)[0]
        self._thread = threading.Thread(target=self._server.run,  # type: ignore[attr-defined]
                                        kwargs={"sockets": [self._sock]},
                                        name="qualcode-web", daemon=True)

    def start(self, timeout: float = 15.0) -> WebServer:
        """Start serving; returns once the server accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not getattr(self._server, "started", False):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ProjectError("the review app did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and close the socket."""
        self._server.should_exit = True  # type: ignore[attr-defined]
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(project_path: str | Path, *, coder: str, host: str = "127.0.0.1", port: int = 0,
          token: str | None = None) -> WebServer:
    """Serve in a background thread; use the result's ``url`` and ``stop()``."""
    return WebServer(project_path, coder=coder, host=host, port=port, token=token).start()


def serve(project_path: str | Path, *, coder: str, host: str = "127.0.0.1", port: int = 0,
          token: str | None = None, open_browser: bool = True,
          on_ready: Callable[[str], None] | None = None) -> str:
    """Serve the review app until interrupted (Ctrl+C); returns its URL.

    ``port=0`` picks a free port; ``token`` defaults to a fresh random one.
    Once the socket listens, ``on_ready(url)`` is called (the CLI prints the
    URL there) and, with ``open_browser``, the URL is opened in a browser.
    """
    token = token or secrets.token_urlsafe(32)
    server = _server(project_path, coder, token)
    sock = _bind(host, port)
    url = _url(sock, token)
    try:
        if on_ready is not None:
            on_ready(url)
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])  # type: ignore[attr-defined]
    finally:
        sock.close()
    return url
