"""Only the tab the user opened drives the app (issue 15, item 3).

Before: the WebSocket accepted an Origin from any other localhost port, any local program or user
connected with no secret, a page on another origin showed the live app in an iframe, and
Streamlit's postMessage allow-list trusted `https://*.streamlit.app` and others. Now the app,
started as a user starts it (`python -m dataflow.ui`), wants this launch's secret (from the link
it printed, then a cookie) and its own origin for the page, the WebSocket and every endpoint with
app data; it forbids framing by other origins and trusts no outside postMessage origin.
"""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import app_env, free_port
from tests.security.probes import page_server, request, websocket
from tests.ui.server import APP, STREAMLIT, StreamlitServer

pytestmark = pytest.mark.security_check("app: WebSocket and HTTP from others refused")
OTHER = 8659  # a port another local program could use for its own page ("another localhost port")


def _cookie(app, value: str | None = None) -> str:
    return f"dataflow-token-{app.port}={value or app.token}"


WEBSOCKETS = {
    # case: (Host, Origin, cookie value: "secret", "wrong" or None, expected status)
    "own origin 127.0.0.1 with the secret": (None, "http://127.0.0.1:{port}", "secret", 101),
    "own origin localhost with the secret": ("localhost:{port}", "http://localhost:{port}", "secret", 101),
    "own origin without the secret (another local user)": (None, "http://127.0.0.1:{port}", None, 403),
    "own origin with a wrong secret": (None, "http://127.0.0.1:{port}", "wrong", 403),
    "a page on another localhost port": (None, "http://127.0.0.1:{other}", "secret", 403),
    "a page on another localhost port (localhost)": ("localhost:{port}", "http://localhost:{other}", "secret", 403),
    "a foreign web site": (None, "http://evil.example", "secret", 403),
    "a sandboxed frame or file page (Origin: null)": (None, "null", "secret", 403),
    "no Origin at all": (None, None, "secret", 403),
    "DNS rebinding (foreign Host and Origin)": ("evil.example:{port}", "http://evil.example:{port}", "secret", 403),
    "https origin on the app's port": (None, "https://127.0.0.1:{port}", "secret", 403),
    "an origin that starts like the app's": (None, "http://127.0.0.1:{port}.evil.example", "secret", 403),
}


@pytest.mark.parametrize("case", list(WEBSOCKETS))
def test_the_websocket_opens_only_for_the_apps_own_origin_with_the_secret(app, case):
    host, origin, cookie, expected = WEBSOCKETS[case]
    fill = {"port": app.port, "other": OTHER}
    headers = {"Origin": origin and origin.format(**fill),
               "Cookie": cookie and _cookie(app, app.token if cookie == "secret" else "x" * 43)}
    assert websocket(app.port, headers, host=host and host.format(**fill)) == expected


ENDPOINTS = [("GET", "/"), ("GET", "/workbench"), ("GET", "/_stcore/host-config"),
             ("GET", "/_stcore/script-health-check"), ("GET", "/favicon.png"),
             ("GET", "/component/streamlit_flow.streamlit_flow/index.html"), ("GET", "/media/x.png"),
             ("PUT", "/_stcore/upload_file/session/file")]
ATTEMPTS = {
    # attempt: (Host, extra headers, send the secret)
    "without the secret": (None, {}, False),
    "with a wrong secret": (None, {"Cookie": "dataflow-token-{port}=" + "x" * 43}, False),
    "with a foreign Host (DNS rebinding)": ("evil.example:{port}", {}, True),
    "from a foreign Origin": (None, {"Origin": "http://evil.example"}, True),
    "from another localhost port's Origin": (None, {"Origin": "http://127.0.0.1:{other}"}, True),
    "from another localhost port's page (Sec-Fetch-Site)": (None, {"Sec-Fetch-Site": "same-site",
                                                                   "Sec-Fetch-Mode": "cors",
                                                                   "Sec-Fetch-Dest": "empty"}, True),
    "framed by another localhost port's page": (None, {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate",
                                                       "Sec-Fetch-Dest": "iframe"}, True),
}


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_requests_without_the_secret_or_from_elsewhere(app, method, path, attempt):
    host, extra, with_secret = ATTEMPTS[attempt]
    fill = {"port": app.port, "other": OTHER}
    headers = {name: value.format(**fill) for name, value in extra.items()}
    if with_secret:
        headers["Cookie"] = _cookie(app)
    status, found, body = request(app.port, path, headers, method=method, host=host and host.format(**fill))
    assert status == 403, (status, body[:200])
    assert found["x-frame-options"] == "SAMEORIGIN"


def test_the_printed_link_sets_a_cookie_for_this_port_and_leaves_the_address_bar(app):
    status, found, _ = request(app.port, f"/?token={app.token}&open=iris", {})
    assert status == 302 and found["location"] == "/?open=iris"
    cookie = found["set-cookie"]
    assert cookie.startswith(f"dataflow-token-{app.port}={app.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert request(app.port, "/?token=" + "x" * 43, {})[0] == 403
    assert request(app.port, f"//evil.example/?token={app.token}", {})[1]["location"] == "/evil.example/"
    status, found, body = request(app.port, "/", {"Cookie": _cookie(app)})
    assert status == 200 and b"<html" in body.lower()
    assert found["content-security-policy"] == "frame-ancestors 'self'"
    # readiness checks stay open (they say "ok" and nothing else), from this machine's names only
    assert request(app.port, "/_stcore/health", {})[2] == b"ok"
    assert request(app.port, "/_stcore/health", {}, host=f"evil.example:{app.port}")[0] == 403


def test_no_outside_origin_may_drive_the_page_with_postmessage(app):
    import json

    status, _, body = request(app.port, "/_stcore/host-config", {"Cookie": _cookie(app)})
    assert status == 200
    assert json.loads(body)["allowedOrigins"] == []  # Streamlit's default trusts https://*.streamlit.app and others


def test_the_user_opens_the_printed_link_and_the_app_works_while_other_tabs_get_nothing(app, chromium):
    from playwright.sync_api import expect

    user = chromium.new_context()
    page = user.new_page()
    page.goto(app.link)
    expect(page.get_by_test_id("stSidebar")).to_be_visible(timeout=60_000)
    expect(page.locator('iframe[title="streamlit_flow.streamlit_flow"]')).to_be_attached(timeout=60_000)
    assert "token" not in page.url
    page.reload()
    expect(page.get_by_test_id("stSidebar")).to_be_visible(timeout=60_000)
    user.close()

    stranger = chromium.new_context()  # another local user's browser, or a tab without the link
    page = stranger.new_page()
    response = page.goto(app.url)
    assert response.status == 403
    assert "open the app with the link" in page.content()
    stranger.close()


FRAMING_PAGE = """<!doctype html><title>a page on another localhost port</title>
<iframe id="victim" src="http://127.0.0.1:{port}/" width="800" height="600"></iframe>
<script>
  window.wsResult = "pending";
  const ws = new WebSocket("ws://127.0.0.1:{port}/_stcore/stream");
  ws.onopen = () => {{ window.wsResult = "open"; }};
  ws.onerror = () => {{ if (window.wsResult === "pending") window.wsResult = "refused"; }};
  ws.onclose = () => {{ if (window.wsResult === "pending") window.wsResult = "refused"; }};
</script>"""


def test_a_page_on_another_localhost_port_can_neither_frame_the_app_nor_open_its_websocket(app, chromium):
    ctx = chromium.new_context()
    ctx.add_cookies(app.cookies())  # the user has the app open: the browser holds its cookie
    page = ctx.new_page()
    with page_server(free_port(), FRAMING_PAGE.format(port=app.port)) as url:
        page.goto(url)
        page.wait_for_function("window.wsResult !== 'pending'", timeout=30_000)
        assert page.evaluate("window.wsResult") == "refused"
        page.wait_for_timeout(3000)  # time enough for the app to render, if it were allowed
        frame = page.frame_locator("#victim")
        assert frame.locator('[data-testid="stApp"]').count() == 0
        framed = [f for f in page.frames if f != page.main_frame]
        assert framed and all("stSidebar" not in _content(f) for f in framed)
    ctx.close()


def _content(frame) -> str:
    try:
        return frame.content()
    except Exception as error:  # noqa: BLE001 - a blocked frame may have no document to read
        return str(error)


def test_a_plain_streamlit_run_of_the_app_shows_nothing_but_how_to_start_it(tmp_path, chromium):
    from playwright.sync_api import expect

    with StreamlitServer(app_env(tmp_path), tmp_path / "plain.log", launcher=[STREAMLIT, "run", str(APP)],
                         port=free_port()) as plain:
        page = chromium.new_page()
        page.goto(plain.url)
        expect(page.get_by_text(re.compile(r"must be started with .*python -m dataflow\.ui"))).to_be_visible(
            timeout=60_000)
        assert page.locator('iframe[title="streamlit_flow.streamlit_flow"]').count() == 0
        assert page.locator(".st-key-palette_category").count() == 0
        page.close()
