"""The app uses the schema pass: column pickers offer the upstream columns as soon as a node is
connected, before anything runs, and the workflows `dataflow validate` refuses show the same
problems at the same parameters in the properties panel."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_validate_schemas import BAD
from tests.ui.fields import param_widget
from tests.ui.test_apptest import APP, _needs_builtin_nodes, add, canvas_reply, open_section


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


IRIS_COLUMNS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "target"]


def test_pickers_offer_the_upstream_columns_before_any_run(at, ui_registry):
    _needs_builtin_nodes(ui_registry)
    for type_id in ("samples.dataset", "sklearn.train_test_split", "sklearn.train_classifier"):
        add(at, type_id)
    canvas_reply(at, edges=[
        {"id": "st-flow-edge_dataset-train_test_split", "source": "dataset", "target": "train_test_split"},
        {"id": "st-flow-edge_train_test_split-train_classifier", "source": "train_test_split",
         "target": "train_classifier"}], selected="train_classifier")
    choice = next(b for b in at.button if (b.key or "").startswith("pick_ports:") and b.label.startswith("train"))
    choice.click().run()                                     # the split's train rows feed the training
    canvas_reply(at, selected="train_classifier")
    assert at.session_state["runs"].results == {}            # nothing ran
    target = param_widget(at.selectbox, at, "train_classifier", "target")
    assert [o for o in target.options if o != "(none)"] == IRIS_COLUMNS
    assert any("pick a column of the input table" in e.value for e in at.error)   # at the empty target
    target.select("target").run()
    assert not any("pick a column" in e.value for e in at.error)
    assert at.session_state["doc"].workflow.nodes["train_classifier"].params["target"] == "target"
    features = param_widget(at.multiselect, at, "train_classifier", "features")
    assert set(features.options) == set(IRIS_COLUMNS)


def test_a_picker_follows_an_upstream_change_without_running(at, ui_registry):
    _needs_builtin_nodes(ui_registry)
    for type_id in ("samples.dataset", "transform.select"):
        add(at, type_id)
    canvas_reply(at, edges=[{"id": "st-flow-edge_dataset-select", "source": "dataset", "target": "select"}],
                 selected="dataset")
    name = param_widget(at.selectbox, at, "dataset", "name")
    name.select("diabetes").run()
    canvas_reply(at, selected="select")
    columns = param_widget(at.multiselect, at, "select", "columns")
    assert "bmi" in columns.options and "petal width (cm)" not in columns.options


@pytest.mark.parametrize("name", ["select a column that is not there", "misspelt column, with a suggestion",
                                  "formula multiplying text", "bins of a text column",
                                  "classifier without a target", "predict without the model's features"])
def test_validate_and_the_properties_panel_name_the_same_problem(name, at, app_env, ui_registry):
    _needs_builtin_nodes(ui_registry)
    nodes, edges, node_id, param, words = BAD[name]
    path = app_env / "workflows" / "bad.json"
    path.write_text(json.dumps({"version": "0.1.0", "nodes": nodes, "edges": edges, "meta": {"name": "bad"}}))
    at.run()
    open_section(at, "sb_open")
    at.sidebar.selectbox(key="open_choice").select(path).run()
    at.sidebar.button(key="open_go").click().run()
    assert not at.exception
    canvas_reply(at, selected=node_id)
    shown = [e.value for e in at.error]
    assert any(words in message for message in shown), shown


def test_a_tune_node_with_no_values_to_try_says_so_at_its_grid_field_before_any_run(at, ui_registry):
    _needs_builtin_nodes(ui_registry)
    add(at, "samples.dataset")
    add(at, "sklearn.train_classifier", connect=True)     # the data set selected: connected to it
    add(at, "sklearn.tune", connect=True)                 # the training selected: its model feeds tune
    canvas_reply(at, selected="tune")
    assert at.session_state["runs"].results == {}         # nothing ran
    grid = param_widget(at.text_input, at, "tune", "grid")
    assert grid.value == "{}"
    assert any("give values to try" in e.value for e in at.error), [e.value for e in at.error]
    grid.set_value('{"C": [0.1, 1.0]}').run()
    assert not any("give values to try" in e.value for e in at.error)
