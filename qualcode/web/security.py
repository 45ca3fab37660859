"""Access control for the local review app (pure ASGI middleware).

* **Host check** (DNS rebinding): the ``Host`` header must name a loopback
  address (``127.0.0.1``, ``localhost`` or ``[::1]``).
* **Token**: the app prints ``http://127.0.0.1:PORT/?token=...`` once. A GET
  with the right ``?token=`` gets an HttpOnly, SameSite=Strict cookie and is
  redirected to the same URL without the token (so it does not linger in
  the history or a Referer). Every other request needs that cookie (or an
  ``Authorization: Bearer <token>`` header, for scripts); otherwise 403.
* **CSRF**: requests that change something (anything but GET/HEAD) also
  need the header ``X-Qualcode-Request: 1`` — a cross-site page cannot send
  a custom header without a CORS preflight, which this app never grants —
  and, when the browser sends ``Origin`` / ``Sec-Fetch-Site``, a same-origin
  value.
* Every response gets a Content-Security-Policy that allows only this
  origin (no CDN), ``no-store`` caching and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

__all__ = ["CSRF_HEADER", "TokenGuard", "cookie_name"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_HEADER = "x-qualcode-request"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")
SAFE_METHODS = ("GET", "HEAD")


def cookie_name(token: str) -> str:
    """A cookie name unique to this token: cookies ignore ports, servers must not clash."""
    return "qualcode_" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class TokenGuard:
    """Refuse requests without the token, from other hosts, or cross-site writes."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        if not token or len(token) < 16:
            raise ValueError("the access token must have at least 16 characters")
        self.app = app
        self.token = token
        self.cookie = cookie_name(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if _hostname(host) not in LOOPBACK:
            await _plain(send, 403, "forbidden: this app only answers on 127.0.0.1")
            return
        method = scope.get("method", "GET")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given and method in SAFE_METHODS:
            if not secrets.compare_digest(given[0].encode(), self.token.encode()):
                await _plain(send, 403, "forbidden: wrong token")
                return
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            raw = scope.get("raw_path") or scope.get("path", "/").encode("utf-8")
            location = raw.decode("latin-1") + (f"?{rest}" if rest else "")
            await _redirect(send, location, self._set_cookie())
            return
        if not self._authorised(headers):
            await _plain(send, 403, "forbidden: open the link with the token that "
                                    "'qualcode serve' printed")
            return
        if method not in SAFE_METHODS:
            problem = self._csrf_problem(headers, host)
            if problem:
                await _plain(send, 403, f"forbidden: {problem}")
                return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"SAMEORIGIN"),
                         (b"cache-control", b"no-store")]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in extra if k not in names)]
            await send(message)

        await self.app(scope, receive, send_secure)

    def _set_cookie(self) -> str:
        return f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def _authorised(self, headers: dict[str, str]) -> bool:
        token = self.token.encode()
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and secrets.compare_digest(
                auth[7:].strip().encode(), token):
            return True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.cookie and secrets.compare_digest(value.encode(), token):
                return True
        return False

    @staticmethod
    def _csrf_problem(headers: dict[str, str], host: str) -> str | None:
        if headers.get(CSRF_HEADER) != "1":
            return f"missing {CSRF_HEADER} header"
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return "cross-origin request"
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return "cross-site request"
        return None


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str, cookie: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", quote(location, safe="/?&=%:;,+@!$'()*~-._").encode()),
                            (b"set-cookie", cookie.encode("latin-1")),
                            (b"referrer-policy", b"no-referrer"),
                            (b"cache-control", b"no-store"),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
