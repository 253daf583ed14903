"""End-to-end, workflow parameters in headless Chromium against the real app: a node parameter
becomes a workflow parameter from its link button, the properties show where its value comes
from, and a new value typed in the sidebar's panel makes the bound node stale, naming the
workflow parameter, until the next run recomputes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.browser import node, settle, shot, wait_idle
from tests.ui.test_e2e import points_into_keep_above, run_all, select, set_number, sidebar


def test_a_parameter_made_a_workflow_parameter_is_set_from_the_panel(page: Page, server):
    points_into_keep_above(page, server)
    select(page, "points")
    set_number(page, "Seed", "919")    # results of its own: the server's cache is shared with other tests
    select(page, "keep_above")
    # the field in its place (every node's form shares the places) that holds the Threshold input
    field = page.locator(".st-key-props [class*='st-key-field-']").filter(has=page.get_by_label("Threshold", exact=True))
    field.get_by_test_id("stPopover").get_by_role("button").click()   # the link button: its menu
    page.get_by_role("button", name="New workflow parameter from threshold").click()
    wait_idle(page)
    settle(page)
    expect(page.locator(".st-key-props")).to_contain_text("from workflow parameter threshold")
    panel = sidebar(page).locator(".st-key-wfp_threshold")
    expect(panel).to_contain_text("Used by keep_above.threshold")
    shot(page, "params_01_bound")

    run_all(page, 1)
    box = panel.get_by_label("Value", exact=True)
    box.fill("20")
    box.press("Enter")
    wait_idle(page)
    settle(page)
    expect(node(page, "keep_above")).to_contain_text("workflow parameter threshold changed")
    expect(node(page, "points")).not_to_contain_text("stale")
    expect(page.locator(".st-key-props")).to_contain_text("20")
    shot(page, "params_02_stale")
    run_all(page, 2)
    expect(node(page, "keep_above")).to_contain_text("9 × 3")   # x > 20 of x = 0..29
    expect(node(page, "points")).to_contain_text("cached")
    assert not page.errors
