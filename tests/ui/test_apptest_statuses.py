"""Smaller things a newcomer meets, without a browser: a node just added is "not connected", not
"invalid"; a stale node still shows its last output, marked stale; a new Untitled workflow does
not inherit the stale reasons of an earlier one."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.fields import has_field, param_key
from tests.ui.test_apptest import APP, add, canvas_args, canvas_reply, run_and_wait, three_connected


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def contents(at: AppTest) -> dict[str, str]:
    return {n["id"]: n["data"]["content"] for n in canvas_args(at)["nodes"]}


def set_threshold(at: AppTest, value: float) -> None:
    canvas_reply(at, selected="keep_above")
    key = param_key(at.number_input, at, "keep_above", "threshold")
    at.number_input(key=key).set_value(value).run()


def test_a_node_just_added_is_not_connected_yet_and_neutral(at):
    add(at, "uipack.keep_above")
    shown = contents(at)["keep_above"]
    assert "◌ not connected" in shown and "invalid" not in shown and "required input" not in shown
    (node,) = canvas_args(at)["nodes"]
    assert node["style"]["background"] == "#ffffff"
    assert any("◌ 1 not connected" in m.value for m in at.markdown)
    canvas_reply(at, selected="keep_above")
    assert any("is not connected" in i.value for i in at.info)            # a step to take, not an error
    assert not any("is not connected" in e.value for e in at.error)


def test_a_stale_node_shows_its_last_output_marked_stale(at):
    three_connected(at)
    run_and_wait(at)
    set_threshold(at, 10.0)
    assert "stale" in contents(at)["keep_above"]
    assert any("output of the last run" in w.value for w in at.warning)
    assert any("29 rows × 3 columns" in c.value for c in at.caption)     # the last run's table, still shown


def test_a_new_untitled_workflow_does_not_inherit_stale_reasons_from_an_earlier_one(at):
    three_connected(at)
    run_and_wait(at)
    at.sidebar.button(key="wf_new").click().run()
    at.sidebar.button(key="unsaved_discard").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == []
    three_connected(at)
    set_threshold(at, 10.0)
    shown = contents(at)["keep_above"]
    assert "stale" not in shown and "threshold changed" not in shown and "not run" in shown


def test_a_models_hyperparameters_have_one_editor_its_settings(at):
    add(at, "testpack.numbers")
    add(at, "testpack.fit_model")
    canvas_reply(at, edges=[{"id": "st-flow-edge_numbers-fit_model", "source": "numbers", "target": "fit_model"}],
                 selected="fit_model")
    assert has_field(at.selectbox, at, "fit_model", "model")
    assert any(e.label.endswith("settings") for e in at.expander)
    assert not has_field(at.text_input, at, "fit_model", "hyperparameters")   # no raw JSON box


def test_the_canvas_offers_no_edit_dialog_that_would_be_reverted(at):
    add(at, "uipack.points")
    (comp,) = [c for c in at.get("component_instance") if "streamlit_flow" in c.proto.component_name]
    args = json.loads(comp.proto.json_args)
    assert args["enableNodeMenu"] is False and args["enableEdgeMenu"] is False


def test_counts_read_as_words_one_node_many_nodes(at, app_env):
    (app_env / "workflows" / "solo.json").write_text(json.dumps(
        {"version": "0.1.0", "nodes": [{"id": "p", "type": "uipack.points"}], "edges": [], "meta": {"name": "Solo"}}))
    at.session_state["sb_templates"] = True
    at.run()
    drawn = [m.value for m in at.sidebar.markdown]
    assert "**Solo** · 1 node" in drawn
