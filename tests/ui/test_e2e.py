"""End-to-end: the real app (`python -m dataflow.ui`, behind its secret) in headless Chromium.

One story, as a user would tell it: add three nodes from the palette, connect them, set a
parameter, run, see the statuses turn computed, see a table and a chart, change a parameter
and see only the downstream nodes recompute, save, reload the page, open the saved workflow
and find it intact. Screenshots go to build/screenshots/ (`DATAFLOW_SCREENSHOTS=docs/screenshots`
refreshes the ones the docs show).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.ui.browser import connect, flow, node, settle, shot, wait_idle


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def show_output(page: Page) -> None:
    """Scroll the side panel to the selected node's output (the screenshots show it)."""
    page.locator(".st-key-output").scroll_into_view_if_needed()
    page.wait_for_timeout(300)


def palette(page: Page):
    """The palette component's frame (search box and category tree)."""
    return page.frame_locator('iframe[title="dataflow.ui.palette.palette"]')


def add_from_palette(page: Page, label: str) -> None:
    """Click a node in the palette (the node selected on the canvas, if any, feeds it)."""
    settle(page)
    palette(page).locator("button.node", has=palette(page).locator(".label").get_by_text(label, exact=True)).click()
    wait_idle(page)


def search_palette(page: Page, text: str, expect_button: str) -> None:
    """Type into the palette's search box: it filters as you type, in the browser."""
    settle(page)
    palette(page).get_by_label("Search nodes").fill(text)
    expect(palette(page).locator("button.node").filter(has_text=expect_button).first).to_be_visible()


def select(page: Page, node_id: str) -> None:
    settle(page)
    node(page, node_id).click()
    expect(page.locator(".st-key-props")).to_contain_text(node_id)
    settle(page)


def points_into_keep_above(page: Page, server) -> None:
    """Open the app and add Points, then Keep above (connected from it, and selected)."""
    page.goto(server.url)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("0 nodes", timeout=60_000)
    settle(page)
    search_palette(page, "ui test", expect_button="Points")
    for label in ("Points", "Keep above"):
        add_from_palette(page, label)
    settle(page)


def set_number(page: Page, label: str, value: str) -> None:
    box = page.locator(".st-key-props").get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_idle(page)
    settle(page)


def run_all(page: Page, number: int) -> None:
    settle(page)
    page.locator(".st-key-tb_run button").click()
    expect(page.locator(".st-key-run_summary")).to_contain_text(f"Run {number} ok", timeout=60_000)
    settle(page)


def test_build_run_change_save_and_reopen(page: Page, server):
    page.goto(server.url)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("0 nodes", timeout=60_000)
    settle(page)
    search_palette(page, "ui test", expect_button="Points")
    for label in ("Points", "Keep above", "Scatter"):
        add_from_palette(page, label)
    expect(flow(page).locator(".react-flow__node")).to_have_count(3)
    settle(page)

    # each node added while the one before was selected is connected to it (one port pair fits)
    expect(flow(page).locator(".react-flow__edge")).to_have_count(2)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("2 connections")
    expect(flow(page).locator(".react-flow__edge-text").first).to_contain_text("table → table")

    connect(page, "scatter", "keep_above")             # a figure cannot feed a table input: refused
    expect(page.get_by_text("Connection refused", exact=False)).to_be_visible()
    settle(page)
    expect(flow(page).locator(".react-flow__edge")).to_have_count(2)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("2 connections")

    select(page, "keep_above")
    set_number(page, "Threshold", "5")
    shot(page, "01_built")

    run_all(page, 1)
    expect(page.locator(".st-key-status_summary")).to_contain_text("3 computed")
    for node_id in ("points", "keep_above", "scatter"):
        expect(node(page, node_id)).to_contain_text("computed")
    expect(node(page, "points")).to_contain_text("30 × 3")
    expect(node(page, "keep_above")).to_contain_text("24 × 3")

    select(page, "keep_above")
    expect(page.locator(".st-key-table_info_table")).to_contain_text("24 rows × 3 columns")
    expect(page.locator(".st-key-output [data-testid='stDataFrame']").first).to_be_visible()
    show_output(page)
    shot(page, "02_table_output")
    select(page, "scatter")
    expect(page.locator(".st-key-output [data-testid='stPlotlyChart']")).to_be_visible()
    show_output(page)
    shot(page, "03_chart_output")

    select(page, "keep_above")
    set_number(page, "Threshold", "10")
    expect(node(page, "keep_above")).to_contain_text("stale")
    expect(node(page, "scatter")).to_contain_text("stale")
    expect(node(page, "points")).to_contain_text("computed")
    run_all(page, 2)
    summary = page.locator(".st-key-run_summary")
    expect(summary).to_contain_text("1 cached")
    expect(summary).to_contain_text("2 computed")
    expect(node(page, "keep_above")).to_contain_text("19 × 3")
    shot(page, "04_rerun_downstream_only")

    sidebar(page).get_by_role("button", name="Save as").click()
    name_box = page.get_by_label("File name")
    name_box.fill("e2e_flow")
    page.locator(".st-key-saveas_go button").click()
    expect(page.get_by_text("Saved e2e_flow.json")).to_be_visible()
    saved = server.base / "workflows" / "e2e_flow.json"
    data = json.loads(saved.read_text())
    assert {n["id"]: n["params"] for n in data["nodes"]}["keep_above"] == {"threshold": 10.0}
    assert len(data["edges"]) == 2

    page.reload()
    expect(page.locator(".st-key-canvas_info")).to_contain_text("0 nodes", timeout=60_000)
    settle(page)
    open_menu = sidebar(page).get_by_text("Open", exact=True).first
    open_menu.click()
    page.locator(".st-key-open_go button").click()
    expect(flow(page).locator(".react-flow__node")).to_have_count(3)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("2 connections")
    settle(page)
    expect(node(page, "scatter")).to_contain_text(re.compile("cached|computed"))
    expect(node(page, "keep_above")).to_contain_text("19 × 3")        # shapes are remembered
    select(page, "keep_above")
    expect(page.locator(".st-key-props").get_by_label("Threshold", exact=True)).to_have_value("10.00")
    shot(page, "05_reopened")
    assert json.loads(saved.read_text()) == data
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.errors, page.errors


def test_plugins_page_and_iris_template(page: Page, server):
    from benchmarks.bench_ui import iris_workflow

    page.goto(server.url + "/plugins")
    expect(page.get_by_text("uipack", exact=False).first).to_be_visible(timeout=60_000)
    shot(page, "06_plugins")
    (server.base / "workflows" / "iris.json").write_text(json.dumps(iris_workflow()))
    page.goto(server.url + "/?open=iris")
    if page.get_by_text("No workflow named iris").count():
        pytest.fail(f"?open=iris did not find the iris workflow just written to {server.base / 'workflows'}")
    expect(flow(page).locator(".react-flow__node")).to_have_count(7, timeout=60_000)
    settle(page)
    if "not available" in page.locator(".st-key-status_summary").inner_text():
        pytest.fail("the iris workflow's node types are not available: install the built-in plugins "
                    "(plugins/*; `python dev.py test` installs them, as .ci/run does)")
    settle(page)
    wait_idle(page)
    page.locator(".st-key-tb_layout button").first.click()     # the README's picture: laid out, ports readable
    wait_idle(page)
    settle(page)
    page.wait_for_timeout(1500)                                # the canvas fits the view after its layout pass
    page.locator(".st-key-tb_run button").click()
    expect(page.locator(".st-key-run_summary")).to_contain_text("Run 1", timeout=90_000)
    settle(page)
    select(page, "confusion")
    expect(page.locator(".st-key-output [data-testid='stPlotlyChart']")).to_be_visible()
    show_output(page)
    shot(page, "07_iris_confusion_matrix")
    select(page, "evaluate")
    expect(page.locator(".st-key-output [data-testid='stMetric']").first).to_be_visible()
    show_output(page)
    shot(page, "08_iris_metrics")
    assert not page.locator('[data-testid="stException"]').count()
    with page.expect_download() as caught:                     # the one-file report of this run
        page.locator(".st-key-wf_report").get_by_role("button").click()
    report = Path(caught.value.path()).read_text(encoding="utf-8")
    assert "<svg class='picture'" in report and "<code>confusion</code>" in report and "<code>evaluate</code>" in report
    assert "plotly.js v" in report
