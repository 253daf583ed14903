"""A web page on another origin cannot make the app reach the internet (issue 15, item 2).

Streamlit's WebSocket origin check looked up this machine's addresses for any foreign Origin: a UDP
connect to 8.8.8.8, then DNS and HTTP to checkip.amazonaws.com. The server here runs with an audit
hook (Python's `sys.addaudithook`, installed by a `sitecustomize` on its path) that records and
*blocks* every socket connect, sendto and name lookup that is not for this machine, so the test
itself never reaches the network, and proves what the server tried.
"""

from __future__ import annotations

import socket
import time

from tests.ui.server import APP, LAUNCHER, STREAMLIT, StreamlitServer

AUDIT = '''
import os, sys

LOG = os.environ["DATAFLOW_NET_LOG"]
LOCAL = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", ""}


def _hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    host = host.decode() if isinstance(host, bytes) else str(host or "")
    if host in LOCAL:
        return
    with open(LOG, "a") as log:
        log.write(f"{event} {host}\\n")
    raise OSError(f"blocked by the test: {event} {host}")


sys.addaudithook(_hook)
'''


def _foreign_websocket(port: int) -> int:
    """The HTTP status of a WebSocket upgrade to the app from a page on http://evil.example."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n\r\n".encode())
        return int(conn.recv(1024).split()[1])


def _attempts(tmp_path, name: str, launcher: list[str]) -> tuple[int, str]:
    """(status of the foreign WebSocket, the outbound attempts the server made) for one server."""
    site = tmp_path / "audit"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / f"{name}.net"
    log.touch()
    env = {"PYTHONPATH": str(site), "DATAFLOW_NET_LOG": str(log), "DATAFLOW_CACHE_DIR": str(tmp_path / "cache")}
    with StreamlitServer(env, tmp_path / f"{name}.log", launcher=launcher) as server:
        status = _foreign_websocket(server.port)
        time.sleep(1)
    return status, log.read_text()


def test_a_foreign_origin_websocket_is_refused_without_any_outbound_attempt(tmp_path):
    # the measurement works: a plain `streamlit run`, before any page load, still looks itself up
    status, attempts = _attempts(tmp_path, "plain", [STREAMLIT, "run", str(APP)])
    assert status == 403 and "8.8.8.8" in attempts, attempts
    # DataFlow's launcher: refused, and not one attempt
    status, attempts = _attempts(tmp_path, "launcher", LAUNCHER)
    assert status == 403
    assert attempts == ""
