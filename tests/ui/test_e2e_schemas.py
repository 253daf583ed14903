"""End-to-end, columns known before running: in headless Chromium against the real app, a newcomer
adds sample data, a split and a classifier, connects them, and picks the target from a list of the
data set's columns, without anything having run."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.browser import node, open_picker, settle, shot, wait_idle
from tests.ui.test_e2e import add_from_palette, search_palette, select


def test_the_target_is_picked_from_the_columns_before_anything_runs(page: Page, server):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server.url)
    expect(page.locator(".st-key-canvas_info")).to_contain_text("0 nodes", timeout=60_000)
    settle(page)
    for query, label in (("sample", "Sample data set"), ("split", "Train/test split"),
                         ("train classifier", "Train classifier")):
        search_palette(page, query, expect_button=label)
        add_from_palette(page, label)                 # the selected node feeds it when one pair fits
        settle(page)
    page.locator(".st-key-port_chooser").get_by_role("button", name="train → table").click()
    wait_idle(page)
    settle(page)
    expect(node(page, "train_test_split")).to_contain_text("dataset.table → table")
    select(page, "train_classifier")
    props = page.locator(".st-key-props")
    expect(props).to_contain_text("pick a column of the input table")       # said at the field, not after a run
    open_picker(page, "Target")
    shown = page.get_by_role("option").all_inner_texts()
    assert "petal width (cm)" in shown, shown                               # the data set's columns
    page.get_by_role("option", name="target", exact=True).click()
    wait_idle(page)
    settle(page)
    expect(props).not_to_contain_text("pick a column")
    for node_id in ("dataset", "train_test_split", "train_classifier"):
        expect(node(page, node_id)).not_to_contain_text("computed")          # nothing ran
    expect(page.locator(".st-key-run_summary")).to_have_count(0)
    shot(page, "schema_01_target_picked_before_running")
    assert not page.errors, page.errors
