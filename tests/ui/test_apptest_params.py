"""Workflow parameters in the app: one panel lists, adds, edits and removes them; a node parameter
is bound to one from its properties and then shows where its value comes from."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dataflow.kernel import load_workflow
from tests.ui.fields import menu_key, open_menu
from tests.ui.test_apptest import APP, canvas_reply, open_section, run_and_wait, three_connected


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def select(at, node_id: str) -> None:
    canvas_reply(at, selected=node_id)


def open_bind_menu(at, node_id: str, param: str) -> None:
    """Open a parameter's link menu (its buttons are drawn only while it is open)."""
    open_menu(at, "bind_menu:", node_id, param)


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_a_node_parameter_becomes_a_workflow_parameter_in_one_click_and_shows_its_source(at):
    three_connected(at)
    select(at, "keep_above")
    open_bind_menu(at, "keep_above", "threshold")
    at.button(key="promote:keep_above:threshold").click().run()
    assert not at.exception
    doc = at.session_state["doc"]
    assert doc.workflow.parameters == {"threshold": {"type": "float", "default": 0.0, "min": -1e9, "max": 1e9,
                                                     "help": "Keep rows above this"}}
    assert doc.workflow.nodes["keep_above"].params["threshold"] == {"$param": "threshold"}
    assert "from workflow parameter **threshold**" in markdown_text(at)
    assert "Used by keep&#95;above.threshold" in markdown_text(at)   # the panel, open now it has one
    doc.undo()                                  # one undo step takes both back
    assert doc.workflow.parameters == {} and "threshold" not in doc.workflow.nodes["keep_above"].params


def test_a_closed_link_menu_connections_panel_or_log_draws_nothing_until_it_is_opened(at):
    """Selecting a node draws its form, not the contents of closed menus: a click on the canvas
    costs the page only what it shows."""
    three_connected(at)
    select(at, "keep_above")
    keys = [b.key or "" for b in at.button]
    assert not [k for k in keys if k.startswith(("promote:", "rmedge:"))]
    open_bind_menu(at, "keep_above", "threshold")
    open_menu(at, "connections", "keep_above")
    keys = [b.key or "" for b in at.button]
    assert "promote:keep_above:threshold" in keys and "promote:keep_above:column" not in keys
    assert [k for k in keys if k.startswith("rmedge:")]
    run_and_wait(at)                                   # a node's run log, too, waits in its closed panel
    assert at.session_state["runs"].log.get("keep_above")
    assert not at.get("code")
    at.session_state["log:keep_above"] = True
    at.run()
    assert at.get("code")


def test_each_parameter_field_and_its_link_button_share_one_row_not_columns(at):
    """A field with its link button is one horizontal container (two blocks to draw when a node is
    selected), not `st.columns` (four)."""
    three_connected(at)
    before = len(at.columns)
    select(at, "keep_above")
    assert [b for b in at.get("popover")]                       # the link buttons are there
    assert len(at.columns) == before                            # and no column block came with them


def test_a_new_value_in_the_panel_makes_only_the_bound_node_and_its_downstream_stale(at):
    three_connected(at)
    select(at, "keep_above")
    open_bind_menu(at, "keep_above", "threshold")
    at.button(key="promote:keep_above:threshold").click().run()
    run_and_wait(at)
    assert {r.status for r in at.session_state["runs"].results.values()} == {"computed"}
    doc = at.session_state["doc"]
    (field,) = [n for n in at.number_input if n.key.startswith("wfpv:threshold@")]
    field.set_value(10.0).run()
    assert not at.exception
    assert doc.workflow.parameters["threshold"]["default"] == 10.0
    plans = at.session_state["memo"]["plans"][1]   # what the canvas shows
    assert plans["points"].cached and not plans["keep_above"].cached and not plans["scatter"].cached
    assert plans["keep_above"].reason == "workflow parameter threshold changed"
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert results["keep_above"].status == "computed" and results["points"].status == "cached"


def test_binding_to_an_existing_parameter_and_unbinding_keeps_the_value(at):
    three_connected(at)
    open_section(at, "sb_params")
    at.text_input(key="wfp_new_name").input("limit")
    at.selectbox(key="wfp_new_type").select("float")
    at.button(key="wfp_add").click().run()
    doc = at.session_state["doc"]
    assert doc.workflow.parameters == {"limit": {"type": "float", "default": 0.0}}
    (field,) = [n for n in at.number_input if n.key.startswith("wfpv:limit@")]
    field.set_value(12.5).run()
    select(at, "keep_above")
    open_bind_menu(at, "keep_above", "column")
    open_bind_menu(at, "keep_above", "threshold")
    assert [b for b in at.button if b.key == "promote:keep_above:column"]           # the column's menu is open
    assert not [b for b in at.button if b.key == "bind:keep_above:column:limit"]   # a float cannot name a column
    at.button(key="bind:keep_above:threshold:limit").click().run()
    assert doc.workflow.nodes["keep_above"].params["threshold"] == {"$param": "limit"}
    assert "12.5" in markdown_text(at)
    at.button(key=menu_key(at, "unbind:", "keep_above", "threshold")).click().run()
    assert doc.workflow.nodes["keep_above"].params["threshold"] == 12.5


def test_removing_a_parameter_leaves_its_value_in_the_nodes_and_saving_round_trips(at, app_env):
    three_connected(at)
    select(at, "keep_above")
    open_bind_menu(at, "keep_above", "threshold")
    at.button(key="promote:keep_above:threshold").click().run()
    open_bind_menu(at, "keep_above", "column")
    at.button(key="promote:keep_above:column").click().run()
    doc = at.session_state["doc"]
    assert doc.workflow.parameters["column"] == {"type": "column", "default": "x", "help": "Column to compare"}
    open_section(at, "sb_saveas")
    at.text_input(key="saveas_name").input("bound").run()
    at.button(key="saveas_go").click().run()
    saved = json.loads((app_env / "workflows" / "bound.json").read_text())
    assert set(saved["parameters"]) == {"threshold", "column"}
    assert load_workflow(app_env / "workflows" / "bound.json").parameters == doc.workflow.parameters
    at.button(key="wfp_rm:column").click().run()
    assert "column" not in doc.workflow.parameters and doc.workflow.nodes["keep_above"].params["column"] == "x"


def test_a_bad_declaration_is_shown_in_the_panel_and_keeps_only_its_nodes_from_running(at, app_env):
    three_connected(at)
    select(at, "keep_above")
    open_bind_menu(at, "keep_above", "threshold")
    at.button(key="promote:keep_above:threshold").click().run()
    doc = at.session_state["doc"]
    doc.set_workflow_param("threshold", {"type": "float", "default": 5e9, "max": 1e9})
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("workflow parameter 'threshold': the default: 5000000000.0 is above the maximum" in e for e in errors)
    result = at.session_state["memo"]["analysis"][1]   # the valid part still compiles: the source can run
    assert result.runnable("points") and not result.runnable("keep_above")
    assert result.problems["keep_above"][0].param == "threshold"


def test_settings_set_bounds_and_choices_and_a_bad_number_is_refused_with_a_message(at):
    open_section(at, "sb_params")
    for name, kind in (("cut", "float"), ("colour", "choice")):
        at.text_input(key="wfp_new_name").input(name)
        at.selectbox(key="wfp_new_type").select(kind)
        at.button(key="wfp_add").click().run()
    doc = at.session_state["doc"]
    (high,) = [t for t in at.text_input if t.key.startswith("wfps_max:cut@")]
    high.input("1").run()
    assert doc.workflow.parameters["cut"] == {"type": "float", "default": 0.0, "max": 1}
    (low,) = [t for t in at.text_input if t.key.startswith("wfps_min:cut@")]
    low.input("lots").run()
    assert any("min of cut: 'lots' is not a number" in w.value for w in at.error)
    (choices,) = [t for t in at.text_input if t.key.startswith("wfps_choices:colour@")]
    choices.input("red, green").run()
    assert doc.workflow.parameters["colour"] == {"type": "choice", "default": "red", "choices": ["red", "green"]}
    assert not at.exception
