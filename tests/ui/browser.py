"""Playwright helpers for the app: Chromium flags, the canvas sync wait, canvas gestures."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

from playwright.sync_api import Browser, FrameLocator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
# Screenshots land in build/screenshots/ (ignored by git), so a test run leaves the working tree clean;
# DATAFLOW_SCREENSHOTS=docs/screenshots refreshes the ones the docs show.
SHOTS = ROOT / os.environ.get("DATAFLOW_SCREENSHOTS", "build/screenshots")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FLOW_IFRAME = 'iframe[title="streamlit_flow.streamlit_flow"]'
_running: list = []  # [playwright, browser] once started


def shared_chromium() -> Browser:
    """The one headless Chromium of this test process, started on first use and closed at exit.
    Playwright's sync API runs one instance per thread, so every fixture that needs a browser
    (the app's e2e tests, the security suite) shares this one and opens its own contexts."""
    if not _running:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _running.extend([playwright, playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                args=CHROME_ARGS)])
        atexit.register(_stop_chromium)
    return _running[1]


def _stop_chromium() -> None:
    playwright, browser = _running
    browser.close()
    playwright.stop()

# Records, in the main page, the timestamp of the last value the canvas sent to Streamlit.
TRACK_FLOW_JS = """
if (window === window.top) {
  window.__flowTs = null; window.__flowMsgs = 0;
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (d && d.isStreamlitMessage && d.type === 'streamlit:setComponentValue' && d.value && d.value.timestamp) {
      window.__flowTs = d.value.timestamp; window.__flowMsgs += 1;
    }
  });
}"""
# Synced = Streamlit idle AND Python has applied the canvas's latest value (the app prints a hidden "ts=<ts>;").
SYNCED_JS = """(minMsgs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const c = document.querySelector('.st-key-canvas_info');
  if (!(app && app.getAttribute('data-test-script-state') === 'notRunning' && c)) return false;
  if (minMsgs === 0 && window.__flowMsgs === 0) return c.textContent.includes('ts=None;');
  return !!(window.__flowMsgs >= minMsgs && window.__flowTs && c.textContent.includes('ts=' + window.__flowTs + ';'));
}"""


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning",
                                                                    timeout=timeout)


def flow_msgs(page: Page) -> int:
    return page.evaluate("window.__flowMsgs")


def wait_synced(page: Page, min_msgs: int = 1, timeout: float = 30_000) -> None:
    """Wait until the canvas has sent >= min_msgs values and Python has applied the last one, and
    Streamlit is idle. Do this before any Python-side change and before using coordinates."""
    page.wait_for_function(SYNCED_JS, arg=min_msgs, timeout=timeout)
    wait_idle(page, timeout)
    page.wait_for_function(SYNCED_JS, arg=min_msgs, timeout=timeout)


def settle(page: Page, timeout: float = 30_000) -> None:
    """Wait until Python and the canvas agree and stay so (pushes cost an echo and a layout pass)."""
    for _ in range(4):
        before = flow_msgs(page)
        wait_synced(page, min(before, 1), timeout)
        page.wait_for_timeout(250)
        if flow_msgs(page) == before:
            wait_synced(page, min(before, 1), timeout)
            return
    wait_synced(page, min(flow_msgs(page), 1), timeout)


def flow(page: Page) -> FrameLocator:
    return page.frame_locator(FLOW_IFRAME)


def node(page: Page, node_id: str):
    return flow(page).locator(f'.react-flow__node[data-id="{node_id}"]')


def drag(page: Page, src, dst, steps: int = 12) -> None:
    """Mouse drag between two locators (page coordinates work across the iframe)."""
    a, b = src.bounding_box(), dst.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=steps)
    page.mouse.up()


def connect(page: Page, source: str, target: str) -> None:
    f = flow(page)
    drag(page, f.locator(f'.react-flow__handle.source[data-nodeid="{source}"]'),
         f.locator(f'.react-flow__handle.target[data-nodeid="{target}"]'))


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_picker(page: Page, label: str) -> None:
    """Open a column picker of the properties panel: a click that lands while the page is still
    redrawing may be undone by the redraw, so wait and click again until its options show."""
    for _ in range(4):
        settle(page)
        page.locator(".st-key-props").get_by_role("combobox", name=label).click()
        try:
            expect(page.get_by_role("option").first).to_be_visible(timeout=3_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    raise AssertionError(f"the {label} picker did not open")
