"""Only the tab the user opened drives the app: a secret per launch, its own origin, no framing.

`SecretGate` is a plain ASGI middleware put in front of Streamlit's Starlette app by the launcher
(`python -m dataflow.ui`, see `__main__.py`). It holds the promise the way Jupyter's server holds
its token:

- **A secret per launch.** The launcher prints `http://127.0.0.1:PORT/?token=SECRET`. A request
  that carries the secret in `?token=` is answered with a cookie (`dataflow-token-PORT`,
  HttpOnly, SameSite=Strict) and a redirect to the same address without it, so the secret leaves
  the address bar. Every other request (the page, its scripts, the WebSocket `/_stcore/stream`,
  uploads, media, component files, host config) must carry that cookie; only
  `/_stcore/health` ("ok") is open, for readiness checks.
- **Its own origin only.** `Host` must be `127.0.0.1:PORT` or `localhost:PORT` (a DNS-rebinding
  name is refused), a WebSocket's `Origin` must be exactly `http://127.0.0.1:PORT` or
  `http://localhost:PORT`, and an HTTP request from another origin (an `Origin` header, or a
  browser's `Sec-Fetch-Site: cross-site/same-site`, which a page on another localhost port gets)
  is refused unless it is a plain top-level navigation. Cookies are shared by every port of a
  host, so the origin check, not the cookie, is what stops a page on another localhost port.
- **No framing by other origins.** Every response says `Content-Security-Policy:
  frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN` (Streamlit's component iframes are
  same-origin and keep working).

A refused HTTP request gets 403 with a sentence saying what to open; a refused WebSocket is
closed before the handshake completes (the client sees 403). PORT is the port the request came
in on (the ASGI scope's `server`), so the gate needs no configuration besides the secret.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_PARAM = "token"
OPEN_PATHS = frozenset({"/_stcore/health"})
LOCAL_NAMES = ("127.0.0.1", "localhost")
FRAME_HEADERS = [(b"content-security-policy", b"frame-ancestors 'self'"), (b"x-frame-options", b"SAMEORIGIN")]
REFUSED = ("DataFlow refused this request: open the app with the link that `python -m dataflow.ui` "
           "printed when it started (http://127.0.0.1:PORT/?token=...), in a tab of its own.\n")


def new_secret() -> str:
    """A fresh secret for one launch (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def cookie_name(port: int) -> str:
    """The cookie that keeps the secret; one per port, as cookies do not tell ports apart."""
    return f"dataflow-token-{port}"


def own_origins(port: int) -> tuple[str, ...]:
    """The app's own origins, e.g. `("http://127.0.0.1:8501", "http://localhost:8501")`."""
    return tuple(f"http://{name}:{port}" for name in LOCAL_NAMES)


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers, lower-cased names; a repeated header keeps its first value."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        found.setdefault(raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    return found


def _cookie(header: str, name: str) -> str | None:
    """The value of cookie `name` in a `Cookie` header, or None."""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value
    return None


class SecretGate:
    """ASGI middleware: refuse what does not come from this launch's own tab (see module doc)."""

    def __init__(self, app: ASGIApp, secret: str, on_ready: Callable[[], None] | None = None) -> None:
        """`secret`: this launch's secret; `on_ready`: called once the server has started
        (the launcher prints the link there)."""
        if len(secret) < 16:
            raise ValueError("the secret must be at least 16 characters")
        self.app = app
        self.secret = secret
        self.on_ready = on_ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._announce(send))
            return
        port = int(scope["server"][1]) if scope.get("server") else 0
        headers = _headers(scope)
        problem = self.problem(scope, headers, port)
        if scope["type"] == "websocket":
            if problem:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if problem:
            await _respond(send, 403, REFUSED.replace("PORT", str(port)).encode())
            return
        given = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get(TOKEN_PARAM)
        if given is not None and self._is_secret(given):
            await self._login(scope, send, port)
            return
        await self.app(scope, receive, _with_frame_headers(send))

    def problem(self, scope: Scope, headers: dict[str, str], port: int) -> str | None:
        """Why this request is refused, or None when it may reach Streamlit."""
        if headers.get("host", "") not in {f"{name}:{port}" for name in LOCAL_NAMES}:
            return "foreign Host"
        origin = headers.get("origin")
        if scope["type"] == "websocket" and origin not in own_origins(port):
            return "WebSocket from another origin"
        if origin is not None and origin not in own_origins(port):
            return "request from another origin"
        if headers.get("sec-fetch-site") in ("cross-site", "same-site") and not (
                headers.get("sec-fetch-mode") == "navigate" and headers.get("sec-fetch-dest") == "document"):
            return "request from another origin"
        if scope["type"] == "http" and scope.get("path") in OPEN_PATHS:
            return None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        for candidate in (query.get(TOKEN_PARAM) if scope["type"] == "http" else None,
                          _cookie(headers.get("cookie", ""), cookie_name(port))):
            if candidate is not None and self._is_secret(candidate):
                return None
        return "no secret"

    def _is_secret(self, candidate: str) -> bool:
        """Compare in constant time."""
        return hmac.compare_digest(candidate.encode("utf-8", "replace"), self.secret.encode())

    async def _login(self, scope: Scope, send: Send, port: int) -> None:
        """Keep the secret in a cookie and send the browser to the same address without it."""
        rest = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
                if k != TOKEN_PARAM]
        path = "/" + scope.get("path", "/").lstrip("/")  # never `//host`, which a browser reads as another site
        location = path + (f"?{urlencode(rest)}" if rest else "")
        cookie = f"{cookie_name(port)}={self.secret}; Path=/; HttpOnly; SameSite=Strict"
        await _respond(send, 302, b"", [(b"location", location.encode("latin-1")),
                                        (b"set-cookie", cookie.encode("latin-1"))])

    def _announce(self, send: Send) -> Send:
        """Wrap the lifespan's `send` so `on_ready` runs when the server reports start-up complete."""
        async def announcing(message: Message) -> None:
            await send(message)
            if message.get("type") == "lifespan.startup.complete" and self.on_ready is not None:
                self.on_ready()
        return announcing


def _with_frame_headers(send: Send) -> Send:
    """Add the no-framing headers to Streamlit's response."""
    async def sending(message: Message) -> None:
        if message.get("type") == "http.response.start":
            names = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []),
                                  *(h for h in FRAME_HEADERS if h[0] not in names)]
        await send(message)
    return sending


async def _respond(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """A complete HTTP response that also forbids framing and caching."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                            (b"content-length", str(len(body)).encode()), *FRAME_HEADERS, *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
