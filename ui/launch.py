"""Put the secret gate (gate.py) in front of Streamlit's server, and print the link with the secret.

Streamlit (1.67) serves on Starlette/uvicorn: `UvicornServer.start` builds its ASGI app with
`starlette_server.create_starlette_app(runtime)` and then binds the socket. `install_gate` wraps
that one factory before the server starts, so every request, the first one included, passes the
gate; nothing of Streamlit is copied or forked. If a Streamlit upgrade renames the factory,
`install_gate` raises rather than serving an ungated app (tests/security/ fail too).

`gate_installed()` tells `ui/app.py` whether this process serves through the gate: a plain
`streamlit run ui/app.py` does not, and the app then shows only how to start it safely.
"""

from __future__ import annotations

from dataflow.ui.gate import SecretGate

_installed: list[SecretGate] = []


def gate_installed() -> bool:
    """True when this process's server was started by `install_gate` (the launcher)."""
    return bool(_installed)


def app_link(port: int, secret: str) -> str:
    """The link the user opens: `http://127.0.0.1:PORT/?token=SECRET`."""
    return f"http://127.0.0.1:{port}/?token={secret}"


def _print_link(secret: str) -> None:
    """Print the link once the server has started (its port is final by then)."""
    from streamlit import config

    port = int(config.get_option("server.port"))
    print(f"\n  DataFlow is running. Open it with this launch's secret (other tabs and programs are refused):\n"
          f"  {app_link(port, secret)}\n", flush=True)


def install_gate(secret: str) -> None:
    """Make Streamlit's server build its app behind `SecretGate(secret)`. Call before it starts."""
    from streamlit.web.server.starlette import starlette_server

    build = getattr(starlette_server, "create_starlette_app", None)
    if build is None or not callable(build):
        raise RuntimeError("streamlit.web.server.starlette.starlette_server.create_starlette_app is gone: "
                           "update dataflow.ui.launch for this Streamlit")

    def gated(runtime: object) -> SecretGate:
        gate = SecretGate(build(runtime), secret, on_ready=lambda: _print_link(secret))
        _installed.append(gate)
        return gate

    starlette_server.create_starlette_app = gated
