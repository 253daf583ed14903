"""Raw HTTP and WebSocket requests with exactly the headers an attacker chooses (urllib and
browsers fill in Host and Origin themselves), and a page served from another localhost port."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def request(port: int, path: str, headers: dict[str, str | None], method: str = "GET",
            host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-cased response headers, body) of one HTTP/1.1 request to 127.0.0.1:port.
    `host` defaults to `127.0.0.1:port`; a header given as None is left out."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items() if value is not None]
    if method in ("PUT", "POST"):
        lines.append("Content-Length: 0")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), value.strip())
    return int(status_line.split()[1]), found, body


def websocket(port: int, headers: dict[str, str | None], host: str | None = None) -> int:
    """The HTTP status of a WebSocket upgrade to Streamlit's `/_stcore/stream` (101 = accepted)."""
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    lines += [f"{name}: {value}" for name, value in headers.items() if value is not None]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        return int(conn.recv(1024).split()[1])


@contextmanager
def page_server(port: int, html: str) -> Iterator[str]:
    """Serve `html` at http://127.0.0.1:port/ (a page on another localhost port); yields its URL."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()
