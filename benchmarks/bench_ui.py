"""The workbench against the bare streamlit-flow component, in headless Chromium (same run).

    python benchmarks/bench_ui.py [--repeats 6] [--clicks 20]

Figures (median and min; the ratio is app / bare of the medians):
- page load -> canvas interactive, 100-node workflow (all nodes measured and Python holding the
  canvas's laid-out state): target <= 1.2x the bare component;
- click on a node -> properties panel shows it (100 nodes): target <= 1.3x the bare click round
  trip (click -> Streamlit rerun -> text updated);
- Run on the iris example with everything cached -> every node shows "cached": target < 0.5 s.

The bare app is the recipe's probe (a grid of N chained nodes, `ManualLayout`, fit_view), written
to a temporary folder and served from there, as the recipe's bench.py does: with Streamlit's
default settings. That is the floor. The same bare app served with the project's
`.streamlit/config.toml` ("bare, app's config") is printed for information: the config turns off
Streamlit's post-run `gc.collect()`, which costs the workbench about 90 ms per rerun (pandas,
scikit-learn and Plotly are loaded) and the bare app a few. Page loads rotate between the apps.
Needs Chromium at /usr/bin/chromium and playwright; never runs `playwright install`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.ui.browser import CHROME_ARGS, CHROMIUM, FLOW_IFRAME, TRACK_FLOW_JS  # noqa: E402
from tests.ui.server import StreamlitServer  # noqa: E402

N = 100
BARE_APP = '''
import streamlit as st
from streamlit_flow import streamlit_flow
from streamlit_flow.elements import StreamlitFlowEdge, StreamlitFlowNode
from streamlit_flow.layouts import ManualLayout
from streamlit_flow.state import StreamlitFlowState
st.set_page_config(page_title="bare", layout="wide")
n = int(st.query_params.get("n", 100))
if st.session_state.get("flow_n") != n:
    cols = 20
    nodes = [StreamlitFlowNode(f"n{i+1}", ((i % cols) * 180, (i // cols) * 100), {"content": f"Node {i+1}"},
             "default", source_position="right", target_position="left", selectable=True, connectable=True,
             style={"width": "140px"}) for i in range(n)]
    edges = [StreamlitFlowEdge(f"n{i}-n{i+1}", f"n{i}", f"n{i+1}") for i in range(1, n)]
    st.session_state.flow_state = StreamlitFlowState(nodes, edges)
    st.session_state.flow_n = n
with st.sidebar:
    st.header("Pipeline")
prev = st.session_state.flow_state
st.session_state.flow_state = streamlit_flow("flow", st.session_state.flow_state, height=450, layout=ManualLayout(),
    fit_view=True, allow_new_edges=True, get_node_on_click=True, get_edge_on_click=True, enable_pane_menu=True,
    enable_node_menu=True, enable_edge_menu=True, hide_watermark=True, min_zoom=0.1)
state = st.session_state.flow_state
with st.container(key="selected"):
    st.write(f"selected_id=`{state.selected_id}`")
with st.container(key="canvas_info"):
    st.text(f"node_count={len(state.nodes)} edge_count={len(state.edges)} ts={state.timestamp};")
'''

VISIBLE_JS = """n => { const ns = document.querySelectorAll('.react-flow__node');
  return ns.length >= n && [...ns].every(e => e.style.visibility === 'visible'); }"""
# both apps print "ts=<timestamp of the canvas value Python holds>;" in .st-key-canvas_info
SYNCED_JS = """(minMsgs) => { const a = document.querySelector('[data-testid=stApp]');
  const c = document.querySelector('.st-key-canvas_info');
  return !!(a && a.getAttribute('data-test-script-state') === 'notRunning' && c && window.__flowMsgs >= minMsgs &&
         window.__flowTs && c.textContent.includes('ts=' + window.__flowTs + ';')); }"""
IDLE_JS = "() => document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state') === 'notRunning'"
BARE_SELECTED_JS = """id => { const s = document.querySelector('.st-key-selected');
  return s && s.innerText.includes('selected_id=' + id); }"""
APP_SELECTED_JS = """id => { const s = document.querySelector('.st-key-props code'); return !!s && s.innerText === id; }"""
VISIBLE_NODES_JS = """() => { const p = document.querySelector('.react-flow__pane').getBoundingClientRect();
  return [...document.querySelectorAll('.react-flow__node')].map(e => [e.dataset.id, e.getBoundingClientRect()])
    .map(([id, r]) => [id, r.x + r.width / 2, r.y + r.height / 2])
    .filter(([id, x, y]) => x > p.left + 60 && x < p.right - 10 && y > p.top + 10 && y < p.bottom - 10); }"""
ALL_STATUS_JS = """([n, word]) => { const ns = document.querySelectorAll('.react-flow__node');
  return ns.length >= n && [...ns].every(e => e.innerText.includes(word)); }"""


def chain_workflow(n: int) -> dict:
    nodes = [{"id": "n1", "type": "uipack.points", "params": {}, "position": {"x": 0, "y": 0}}]
    for i in range(2, n + 1):
        nodes.append({"id": f"n{i}", "type": "uipack.keep_above", "params": {"threshold": float(i % 7)},
                      "position": {"x": ((i - 1) % 20) * 260, "y": ((i - 1) // 20) * 160}})
    edges = [{"source": f"n{i}", "source_port": "table", "target": f"n{i + 1}", "target_port": "table"}
             for i in range(1, n)]
    return {"version": "0.1.0", "nodes": nodes, "edges": edges, "meta": {"name": f"chain{n}"}}


def iris_workflow() -> dict:
    def node(i, t, params, x, y):
        return {"id": i, "type": t, "params": params, "position": {"x": x, "y": y}}

    def edge(s, sp, t, tp):
        return {"source": s, "source_port": sp, "target": t, "target_port": tp}
    return {"version": "0.1.0", "meta": {"name": "Iris"}, "nodes": [
        # where the workbench puts them when the workflow is built node after node (ui/placement.py)
        node("iris", "samples.dataset", {"name": "iris"}, 0, 0),
        node("split", "sklearn.train_test_split", {"stratify": "target"}, 280, 0),
        node("train", "sklearn.train_classifier", {"target": "target"}, 560, 0),
        node("predict", "sklearn.predict", {}, 0, 200),
        node("evaluate", "sklearn.evaluate", {"truth": "target"}, 280, 200),
        node("confusion", "plotly.confusion_matrix", {"truth": "target"}, 0, 400),
        node("scatter", "plotly.scatter", {"x": "petal length (cm)", "y": "petal width (cm)", "color": "target"},
             560, 200)],
        "edges": [edge("iris", "table", "split", "table"), edge("split", "train", "train", "table"),
                  edge("train", "model", "predict", "model"), edge("split", "test", "predict", "table"),
                  edge("predict", "table", "evaluate", "predictions"),
                  edge("predict", "table", "confusion", "predictions"), edge("iris", "table", "scatter", "table")]}


def stats(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "min": min(xs), "n": len(xs)}


# where a click's time goes (information): how long the script run it caused took, as the page saw
# it (Streamlit's "running" to "notRunning"), and how many messages (one per element re-sent) came
RUNS_JS = """() => { window.__runs = []; let t0 = null;
  const watch = () => { const a = document.querySelector('[data-testid=stApp]');
    if (!a) { setTimeout(watch, 50); return; }
    new MutationObserver(() => { const s = a.getAttribute('data-test-script-state');
      if (s === 'running' && t0 === null) t0 = performance.now();
      if (s === 'notRunning' && t0 !== null) { window.__runs.push(performance.now() - t0); t0 = null; } })
    .observe(a, {attributes: true, attributeFilter: ['data-test-script-state']}); };
  watch(); }"""


def load_once(browser, url: str, n: int, cookies: list[dict]) -> tuple[float, object, object]:
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    ctx.add_init_script(TRACK_FLOW_JS)
    ctx.add_init_script(f"({RUNS_JS})()")
    ctx.add_cookies(cookies)  # the app's secret, as after opening the launcher's link
    page = ctx.new_page()
    page.frames_in = [0]      # websocket messages received (counted by Playwright, outside the page)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: page.frames_in.__setitem__(0, page.frames_in[0] + 1)))
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    handle = page.wait_for_selector(FLOW_IFRAME, state="attached", timeout=90_000)
    frame = handle.content_frame()
    frame.wait_for_function(VISIBLE_JS, arg=n, polling="raf", timeout=90_000)
    page.wait_for_function(SYNCED_JS, arg=2, polling="raf", timeout=90_000)
    return time.perf_counter() - t0, ctx, page


NODE_CENTRE_JS = """id => { const e = document.querySelector(`.react-flow__node[data-id="${id}"]`);
  if (!e) return null; const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }"""


def clicks(page, selected_js: str, count: int, runs: list[float] | None = None,
           messages: list[int] | None = None) -> list[float]:
    """Click `count` visible nodes in turn; each time is from the click to `selected_js` holding.

    A click that lands while the canvas redraws (or moves, when a notice above it comes or goes) can
    be lost, so each attempt looks up where the node and the canvas are now, and up to three attempts
    are made (the last through Playwright, which names what covers the node if something does); the
    time counts every attempt, so a lost click still shows in the figures. `runs` gets each
    click's script run time(s) as the page saw them, `messages` the messages each click brought.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    frame = page.wait_for_selector(FLOW_IFRAME).content_frame()
    visible = [nid for nid, _x, _y in frame.evaluate(VISIBLE_NODES_JS)[:4]]
    times = []
    for k in range(count):
        nid = visible[k % len(visible)]
        # what the page saw so far (only a page opened by `load_once` counts runs and messages)
        seen_runs = page.evaluate("window.__runs.length") if runs is not None else 0
        seen_messages = page.frames_in[0] if messages is not None else 0
        t1 = time.perf_counter()
        for attempt in range(3):
            if attempt < 2:
                off = page.locator(FLOW_IFRAME).bounding_box()
                cx, cy = frame.evaluate(NODE_CENTRE_JS, nid)
                page.mouse.click(off["x"] + cx, off["y"] + cy)
            else:  # Playwright's own click says what covers the node, if something does
                page.frame_locator(FLOW_IFRAME).locator(f'.react-flow__node[data-id="{nid}"]').click(timeout=10_000)
            try:
                page.wait_for_function(selected_js, arg=nid, polling="raf", timeout=10_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                page.wait_for_function(IDLE_JS, polling="raf", timeout=30_000)
        times.append(time.perf_counter() - t1)
        page.wait_for_function(IDLE_JS, polling="raf")
        page.wait_for_timeout(150)   # let the canvas settle between clicks
        if runs is not None:
            runs.append(sum(page.evaluate(f"window.__runs.slice({seen_runs})")) / 1000)
        if messages is not None:
            messages.append(page.frames_in[0] - seen_messages)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_ui_"))
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(site), str(ROOT / "tests/ui/uipack")], check=True)
    (work / "workflows").mkdir()
    (work / "workflows" / "chain100.json").write_text(json.dumps(chain_workflow(N)))
    (work / "workflows" / "iris.json").write_text(json.dumps(iris_workflow()))
    (work / "bare.py").write_text(BARE_APP)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "DATAFLOW_CACHE_DIR": str(work / "cache"), "DATAFLOW_WORKFLOWS_DIR": str(work / "workflows")}
    results: dict[str, dict] = {}
    names = ("bare", "app", "bare_cfg")
    with StreamlitServer(env, work / "app.log") as app, \
            StreamlitServer(env, work / "bare.log", app=work / "bare.py", cwd=work) as bare, \
            StreamlitServer(env, work / "bare_cfg.log", app=work / "bare.py") as bare_cfg, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        urls = {"bare": f"{bare.url}/?n={N}", "app": f"{app.url}/?open=chain100", "bare_cfg": f"{bare_cfg.url}/?n={N}"}
        cookies = {"bare": bare.cookies(), "app": app.cookies(), "bare_cfg": bare_cfg.cookies()}
        for name in names:                                  # warm-up (imports, registry, first compile)
            _, ctx, _ = load_once(browser, urls[name], N, cookies[name])
            ctx.close()
        loads: dict[str, list[float]] = {name: [] for name in names}
        rtt: dict[str, list[float]] = {name: [] for name in names}
        script: dict[str, list[float]] = {name: [] for name in names}
        sent: dict[str, list[int]] = {name: [] for name in names}
        for rep in range(args.repeats):
            for name in names[rep % 3:] + names[:rep % 3]:
                seconds, ctx, page = load_once(browser, urls[name], N, cookies[name])
                loads[name].append(seconds)
                js = APP_SELECTED_JS if name == "app" else BARE_SELECTED_JS
                rtt[name] += clicks(page, js, max(1, args.clicks // args.repeats), script[name], sent[name])
                ctx.close()
        for name in names:
            results[f"load_{name}"] = stats(loads[name])
            results[f"click_{name}"] = stats(rtt[name])
            results[f"click_script_{name}"] = stats(script[name])
            results[f"click_messages_{name}"] = stats([float(m) for m in sent[name]])

        # Run on the iris example when everything is cached
        have_iris = subprocess.run([sys.executable, "-c", "from dataflow.kernel import load_registry as l; r=l(); "
                                    "import sys; sys.exit(0 if all(t in r.nodes for t in ['samples.dataset',"
                                    "'sklearn.train_classifier','plotly.confusion_matrix']) else 1)"],
                                   env={**os.environ, **env}, capture_output=True).returncode == 0
        if have_iris:
            ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
            ctx.add_init_script(TRACK_FLOW_JS)
            ctx.add_cookies(cookies["app"])
            page = ctx.new_page()
            page.goto(f"{app.url}/?open=iris")
            page.wait_for_function(SYNCED_JS, arg=2, timeout=90_000)
            page.locator(".st-key-tb_run button").click()
            frame = page.wait_for_selector(FLOW_IFRAME).content_frame()
            frame.wait_for_function(ALL_STATUS_JS, arg=[7, "computed"], timeout=120_000)   # first run fills the cache
            page.wait_for_function(IDLE_JS)
            runs = []
            for k in range(2, 2 + args.repeats):
                page.wait_for_timeout(300)
                page.wait_for_function(SYNCED_JS, arg=1, timeout=30_000)
                t0 = time.perf_counter()
                page.locator(".st-key-tb_run button").click()
                page.wait_for_function(f"() => document.querySelector('.st-key-run_summary')?.innerText"
                                       f".includes('Run {k} ok')", polling="raf", timeout=30_000)
                frame.wait_for_function(ALL_STATUS_JS, arg=[7, "cached"], polling="raf", timeout=30_000)
                runs.append(time.perf_counter() - t0)
                page.wait_for_function(IDLE_JS)
            results["iris_cached_run"] = stats(runs)
            ctx.close()
        browser.close()

    def line(label, subject, floor=None, target=""):
        s = results[subject]
        text = f"{label:<54} {s['median'] * 1000:8.0f} ms (min {s['min'] * 1000:6.0f})"
        if floor:
            f = results[floor]
            text += f"   floor {f['median'] * 1000:6.0f} ms (min {f['min'] * 1000:6.0f})   ratio " \
                    f"{s['median'] / f['median']:.2f}x (min {s['min'] / f['min']:.2f}x)"
        print(text + (f"   target {target}" if target else ""))
    print(f"DataFlow workbench vs bare streamlit-flow (Streamlit defaults, as in the recipe), {N} nodes, "
          f"{args.repeats} page loads each, "
          f"{len(rtt['app'])} clicks each")
    line("page load -> canvas interactive (100 nodes)", "load_app", "load_bare", "<= 1.2x")
    line("click -> properties panel updated (100 nodes)", "click_app", "click_bare", "<= 1.3x")
    line("  information: bare app with the app's config, load", "load_bare_cfg", "load_bare")
    line("  information: bare app with the app's config, click", "click_bare_cfg", "click_bare")
    line("  information: app against that, page load", "load_app", "load_bare_cfg")
    line("  information: app against that, click", "click_app", "click_bare_cfg")
    for name in ("app", "bare_cfg"):
        print(f"  information: {name:<8} per click: script run {results[f'click_script_{name}']['median'] * 1000:5.0f} ms "
              f"(min {results[f'click_script_{name}']['min'] * 1000:4.0f}), "
              f"{results[f'click_messages_{name}']['median']:.0f} messages")
    if "iris_cached_run" in results:
        line("Run on iris, all cached -> all statuses shown", "iris_cached_run", target="< 500 ms")
    else:
        print("iris: skipped (samples / sklearn / plotly plugins not installed)")
    print(json.dumps({k: {kk: round(vv, 4) for kk, vv in v.items()} for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
