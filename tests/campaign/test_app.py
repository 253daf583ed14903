"""The app (the real Streamlit server, driven in Chromium) under faults and load: kill -9 of the
server during a run and during a save, two app processes and two `dataflow run`s on one cache
at once, and a 300-node workflow opened, run and clicked (issue 16).

Each kill trial starts its own server (it is killed), so a trial costs a server start and a page
load: the fast part runs `APP_KILLS` of them, the long part 50."""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from dataflow.kernel import load_workflow
from tests.campaign.figures import LONG, record, tally
from tests.campaign.flows import same_result, sort_chain, write_flow
from tests.helpers import Cli
from tests.ui.browser import CHROMIUM, TRACK_FLOW_JS, node, settle, shared_chromium
from tests.ui.server import StreamlitServer
from tests.ui.test_e2e import select, set_number

APP_KILLS = 50 if LONG else 10  # half during a run, half during a save (the issue asks 10 in CI)
LOAD_NODES = 300


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, as .ci/run does)")
    return shared_chromium()


def _server(folder: Path, cache: Path, log: str) -> StreamlitServer:
    env = {"DATAFLOW_CACHE_DIR": str(cache), "DATAFLOW_WORKFLOWS_DIR": str(folder)}
    return StreamlitServer(env, folder.parent / log).start()


def _open(browser, srv: StreamlitServer, name: str, nodes: int) -> Page:
    """A new tab on `?open=<name>`, once the canvas shows the workflow's `nodes` nodes and is idle."""
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    ctx.add_init_script(TRACK_FLOW_JS)
    ctx.add_cookies(srv.cookies())
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{srv.url}/?open={name}")
    expect(page.locator(".st-key-canvas_info")).to_contain_text(f"{nodes} nodes", timeout=90_000)
    settle(page, timeout=90_000)
    return page


def _kill(srv: StreamlitServer) -> None:
    """kill -9 of the app: its whole process group, no chance to clean up (once)."""
    if srv.proc.poll() is None:
        os.killpg(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
    srv.stop()  # closes the log


def _rows(flow: Path) -> int:
    return load_workflow(flow).nodes["gen"].params["rows"]


class References:
    """A fresh uncached run's results for each version of the workflow (the `gen` node's rows)."""

    def __init__(self, cli: Cli, folder: Path, first: tuple[pd.DataFrame, bytes]):
        self.cli, self.folder, self.known = cli, folder, {60_000: first}

    def __call__(self, rows: int) -> tuple[pd.DataFrame, bytes]:
        if rows not in self.known:
            work = self.folder / f"ref{rows}"
            flow = write_flow(work)
            data = json.loads(flow.read_text())
            data["nodes"][0]["params"]["rows"] = rows
            flow.write_text(json.dumps(data))
            done = self.cli("run", flow, "--no-cache", "--output-dir", work / "out", "--quiet", timeout=300)
            assert done.returncode == 0, done.stderr
            self.known[rows] = (pd.read_parquet(work / "out" / "order.parquet"), (work / "out.csv").read_bytes())
        return self.known[rows]


@pytest.mark.timeout(60 * APP_KILLS + 120)  # a trial takes 10-16 s on 2 busy cores
def test_kill_9_of_the_app_during_runs_and_saves_leaves_a_whole_file_and_the_next_run_matches_a_fresh_one(
        browser, tmp_path, pack_site, reference):
    folder = tmp_path / "workflows"
    flow = write_flow(folder)
    references = References(Cli(pack_site, tmp_path / "unused"), tmp_path, reference)
    rng = random.Random(1616)
    counts = {"run": tally("kill -9 of the app during a run, then dataflow run"),
              "save": tally("kill -9 of the app during a save, then dataflow run")}
    early = {"run": 0, "save": 0}  # kills before the page showed the run's end, or "Saved"
    for trial in range(APP_KILLS):
        moment = "run" if trial % 2 == 0 else "save"
        counts[moment]["tried"] += 1
        cache = tmp_path / f"cache{trial}"  # the app's cache, which the next `dataflow run` reads
        before = flow.read_text()
        srv = _server(folder, cache, f"app{trial}.log")
        page = None
        try:
            page = _open(browser, srv, "flow", len(json.loads(before)["nodes"]))
            rows = _rows(flow)
            if moment == "run":
                page.locator(".st-key-tb_run button").click()
                time.sleep(rng.uniform(0.2, 2.5))  # a whole run takes about 2 s here
                expected_versions = [before]
                done = page.locator(".st-key-run_summary").all_inner_texts()  # shown once the run has ended
            else:
                select(page, "gen")
                set_number(page, "Rows", str(40_000 if rows == 60_000 else 60_000))
                page.locator(".st-key-wf_save button").click()
                time.sleep(rng.uniform(0.0, 0.3))
                expected_versions = [rows, 40_000 if rows == 60_000 else 60_000]
                done = page.get_by_text("Saved flow.json").all_inner_texts()
            early[moment] += not done
            _kill(srv)  # with the tab still open
        finally:
            _kill(srv)
            if page is not None:
                page.context.close()
        try:
            now = _rows(flow)
        except Exception:
            counts[moment]["data lost"] += 1  # a damaged workflow file
            raise
        whole = flow.read_text() == before if moment == "run" else now in expected_versions
        counts[moment]["data lost"] += not whole
        assert whole, flow.read_text()[:500]
        out = tmp_path / f"out{trial}"
        cli = Cli(pack_site, cache)
        done = cli("run", flow, "--output-dir", out, "--quiet", timeout=300)
        crashed = done.returncode != 0 or "Traceback" in done.stderr
        counts[moment]["crashes"] += crashed
        assert not crashed, done.stderr
        right = same_result(folder, out, *references(now))
        counts[moment]["failures"] += not right
        assert right, f"trial {trial} ({moment}): the run after the kill differs from a fresh uncached run"
        # the workflow's saved versions (`dataflow history`) are no leftover; a temporary file among them is
        history = folder / ".dataflow-history"
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".") and p != history]
        leftovers += [p.name for p in history.rglob(".*") if p.is_file()] if history.is_dir() else []
        counts[moment]["data lost"] += bool(leftovers)  # temporary files left in the user's folder
        assert not leftovers
    for moment, what in (("run", "the page showed the run's end"), ("save", "the page said Saved")):
        record(f"kill -9 of the app during a {moment}: kills before {what}",
               f"{early[moment]} of {counts[moment]['tried']}")


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory):
    """Two app processes on one cache folder and one workflows folder."""
    base = tmp_path_factory.mktemp("two-apps")
    folder = base / "workflows"
    write_flow(folder)
    first = _server(folder, base / "cache", "app-a.log")
    try:
        second = _server(folder, base / "cache", "app-b.log")
    except BaseException:
        first.stop()
        raise
    yield base, first, second
    second.stop()
    first.stop()


def _click_run(page: Page) -> None:
    settle(page)
    page.locator(".st-key-tb_run button").click()


def test_two_app_processes_and_two_dataflow_runs_on_one_cache_give_identical_results(
        browser, two_apps, pack_site, reference):
    base, first, second = two_apps
    folder, flow = base / "workflows", base / "workflows" / "flow.json"
    counts = tally("two app processes + two dataflow runs, one cache")
    cli = Cli(pack_site, base / "cache")
    pages = [_open(browser, srv, "flow", 4) for srv in (first, second)]
    for page in pages:
        settle(page)
    outs = [base / f"cli{i}" for i in range(2)]
    for page in pages:
        page.locator(".st-key-tb_run button").click()
    procs = [subprocess.Popen([sys.executable, "-m", "dataflow.cli", "run", str(flow), "--quiet", "--output-dir",
                               str(out)], env=cli.env, stderr=subprocess.PIPE, text=True) for out in outs]
    for page, srv in zip(pages, (first, second), strict=True):
        counts["tried"] += 1
        summary = page.locator(".st-key-run_summary")
        expect(summary).to_contain_text("Run 1", timeout=120_000)
        text = summary.inner_text()
        failed = "Run 1 ok" not in text or page.locator('[data-testid="stException"]').count() > 0 \
            or "Traceback" in srv.log_tail(100_000) or bool(page.errors)
        counts["crashes"] += failed
        assert not failed, (text, srv.log_tail(), page.errors)
        rows, columns = reference[0].shape  # what the app shows on the sorted table's node
        try:
            expect(node(page, "order")).to_contain_text(f"{rows} × {columns}")
        except AssertionError:
            counts["failures"] += 1
            raise
        page.context.close()
    for proc, out in zip(procs, outs, strict=True):
        counts["tried"] += 1
        stderr = proc.communicate(timeout=300)[1]
        crashed = proc.returncode != 0 or "Traceback" in stderr
        counts["crashes"] += crashed
        assert not crashed, stderr
        right = same_result(folder, out, *reference)
        counts["failures"] += not right
        assert right
    # what the four processes stored: a run that reads every node from the cache gives the same
    after = cli("run", flow, "--output-dir", base / "after", "--json", timeout=300)
    statuses = {n["id"]: n["status"] for n in json.loads(after.stdout)["nodes"]} if after.returncode == 0 else {}
    right = after.returncode == 0 and same_result(folder, base / "after", *reference)
    counts["failures"] += not right
    assert right, after.stderr
    assert statuses.get("order") == "cached", statuses


def test_a_300_node_workflow_opens_runs_and_stays_responsive_in_the_app(browser, two_apps):
    from benchmarks.bench_ui import APP_SELECTED_JS, clicks

    base, first, _second = two_apps
    counts = tally(f"load: {LOAD_NODES}-node workflow in the app")
    counts["tried"] += 1
    (base / "workflows" / "big.json").write_text(json.dumps(sort_chain(LOAD_NODES)))
    started = time.perf_counter()
    page = _open(browser, first, "big", LOAD_NODES)
    opened = time.perf_counter() - started
    started = time.perf_counter()
    _click_run(page)
    expect(page.locator(".st-key-run_summary")).to_contain_text("Run 1 ok", timeout=300_000)
    ran = time.perf_counter() - started
    settle(page, timeout=60_000)
    latencies = clicks(page, APP_SELECTED_JS, 6)
    click = statistics.median(latencies)
    record(f"{LOAD_NODES}-node workflow in the app: open (page load to canvas synced)", f"{opened:.1f} s", "< 30 s")
    record(f"{LOAD_NODES}-node workflow in the app: Run all to 'Run 1 ok'", f"{ran:.1f} s", "< 60 s")
    record(f"{LOAD_NODES}-node workflow in the app: click on a node to its properties, after the run (median of 6)",
           f"{click * 1000:.0f} ms (max {max(latencies) * 1000:.0f})", "< 2 s")
    slow = opened > 30 or ran > 60 or click > 2
    counts["hangs"] += slow
    counts["crashes"] += bool(page.errors) or page.locator('[data-testid="stException"]').count() > 0
    page.context.close()
    assert not slow and not page.errors, (opened, ran, latencies, page.errors)
