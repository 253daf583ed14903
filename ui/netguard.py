"""Keep Streamlit from reaching the internet when a foreign web page knocks.

Streamlit's WebSocket origin check (`streamlit.web.server.server_util.is_url_from_allowed_origins`)
compares a foreign `Origin` with this machine's addresses, which it looks up on demand:
`net_util.get_internal_ip()` connects a UDP socket to 8.8.8.8 and `net_util.get_external_ip()`
resolves and fetches http(s)://checkip.amazonaws.com. Any page the user visits could trigger both
by opening a WebSocket to the app. No configuration option skips them, but both functions return
their module-level cache when it is set, so setting it to 127.0.0.1 first means they never touch
the network, and a foreign origin is compared with loopback names only (and refused, 403).

This pokes two private globals of streamlit.net_util (checked: streamlit 1.67); if a Streamlit
upgrade renames them, `keep_streamlit_local` raises rather than silently doing nothing, and
tests/ui/test_no_outbound.py fails.

It must run in the server process before the first connection: `python -m dataflow.ui` calls it
before starting Streamlit. `ui/app.py` calls it too, which protects a plain `streamlit run
ui/app.py` from its first page load on (not before).
"""

from __future__ import annotations

LOOPBACK = "127.0.0.1"


def keep_streamlit_local() -> None:
    """Pre-set Streamlit's cached internal and external IP to 127.0.0.1, so no lookup ever runs."""
    from streamlit import net_util

    for name in ("_internal_ip", "_external_ip"):
        if not hasattr(net_util, name):
            raise RuntimeError(f"streamlit.net_util.{name} is gone: update dataflow.ui.netguard for this Streamlit")
        setattr(net_util, name, LOOPBACK)
