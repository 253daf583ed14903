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


SMALLEST_TEXT_JS = """() => {
  const vp = document.querySelector('.react-flow__viewport');
  const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
  let smallest = Infinity;
  for (const n of document.querySelectorAll('.react-flow__node')) {
    const walker = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const t = walker.currentNode;
      if (!t.textContent.trim()) continue;
      smallest = Math.min(smallest, parseFloat(getComputedStyle(t.parentElement).fontSize) * zoom);
    }
  }
  return smallest;
}"""

EDGES_THROUGH_NODES_JS = """() => {
  // every edge path, sampled along its length, against the boxes of the nodes it does not join,
  // and of its own two nodes away from the handle it uses (8 px, ui/placement.py's HANDLE_ROOM):
  // an edge must not cross the corner of the node it enters (flow coordinates: nodes are
  // translated by their position, paths are drawn in the same space)
  const boxes = {};
  for (const n of document.querySelectorAll('.react-flow__node')) {
    const m = new DOMMatrixReadOnly(getComputedStyle(n).transform);
    boxes[n.dataset.id] = [m.e, m.f, n.offsetWidth, n.offsetHeight];
  }
  const hits = [];
  for (const e of document.querySelectorAll('.react-flow__edge')) {
    const label = e.getAttribute('aria-label') || '';
    const m = label.match(/^Edge from (.+) to (.+)$/);
    const path = e.querySelector('path.react-flow__edge-path');
    if (!m || !path) continue;
    const length = path.getTotalLength();
    for (const [id, [x, y, w, h]] of Object.entries(boxes)) {
      const left = x + (id === m[2] ? 8 : 0), right = x + w - (id === m[1] ? 8 : 0);
      for (let k = 0; k <= 120; k++) {
        const p = path.getPointAtLength(length * k / 120);
        if (p.x > left && p.x < right && p.y > y && p.y < y + h) { hits.push([m[1], m[2], id]); break; }
      }
    }
  }
  return hits;
}"""


OVERLAPPING_NODES_JS = """() => {
  // pairs of nodes whose drawn boxes overlap (flow coordinates, as in EDGES_THROUGH_NODES_JS)
  const boxes = [...document.querySelectorAll('.react-flow__node')].map(n => {
    const m = new DOMMatrixReadOnly(getComputedStyle(n).transform);
    return [n.dataset.id, m.e, m.f, n.offsetWidth, n.offsetHeight];
  });
  const pairs = [];
  for (const [a, ax, ay, aw, ah] of boxes)
    for (const [b, bx, by, bw, bh] of boxes)
      if (a < b && ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah) pairs.push([a, b]);
  return pairs;
}"""


def smallest_text_px(page: Page) -> float:
    """The smallest text on the canvas's nodes as rendered (font size times the canvas's zoom)."""
    return flow(page).locator("body").evaluate(f"b => ({SMALLEST_TEXT_JS})()")


def edges_through_nodes(page: Page) -> list[list[str]]:
    """[source, target, node] for every drawn edge that runs through a node it does not join, or
    through its own source or target away from the handle it uses."""
    return flow(page).locator("body").evaluate(f"b => ({EDGES_THROUGH_NODES_JS})()")


def overlapping_nodes(page: Page) -> list[list[str]]:
    """[a, b] for every two nodes whose drawn boxes overlap on the canvas."""
    return flow(page).locator("body").evaluate(f"b => ({OVERLAPPING_NODES_JS})()")
