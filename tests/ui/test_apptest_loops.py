"""Loops in the app: a node made to run once per parameter value from its Loop section runs and
collects its rows; the loop example shows its loop on the canvas and in the properties panel."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.fields import open_menu
from tests.ui.test_apptest import APP, canvas_args, canvas_reply, run_and_wait, three_connected
from tests.ui.test_apptest_components import open_template_and_run

ROOT = Path(__file__).resolve().parents[2]


def node_content(at: AppTest, node_id: str) -> str:
    return next(n for n in canvas_args(at)["nodes"] if n["id"] == node_id)["data"]["content"]


def test_a_node_made_a_loop_over_values_runs_once_per_value_and_undo_takes_it_back(app_env, ui_registry):
    at = AppTest.from_file(APP, default_timeout=60).run()
    three_connected(at)                                     # points -> keep_above -> scatter
    canvas_reply(at, selected="keep_above")
    open_menu(at, "loop", "keep_above")
    revision = at.session_state["doc"].revision
    at.selectbox(key=f"loop_over:keep_above@{revision}").set_value("values").run()
    at.multiselect(key=f"loop_params:keep_above@{revision}").set_value(["threshold"]).run()
    at.text_input(key=f"loop_values:threshold:keep_above@{revision}").input("[0.5, 2.5]").run()
    at.button(key=f"loop_apply:keep_above@{revision}").click().run()
    assert not at.exception
    node = at.session_state["doc"].workflow.nodes["keep_above"]
    assert node.extra["loop"] == {"over": "values", "values": {"threshold": [0.5, 2.5]}}
    assert "&#8635;" in node_content(at, "keep_above")  # ↻, escaped
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert results["keep_above"].status == "computed", results["keep_above"].error
    assert results["scatter"].status == "computed", results["scatter"].error
    canvas_reply(at, selected="keep_above")
    table = at.dataframe[0].value
    assert sorted(set(table["threshold"])) == [0.5, 2.5], table   # one block of rows per value, named
    at.session_state["doc"].undo()
    assert "loop" not in at.session_state["doc"].workflow.nodes["keep_above"].extra


def test_the_loop_example_shows_its_loop_and_runs_every_file(app_env, ui_registry):
    at = open_template_and_run(app_env, "monthly_loop", timeout=120)
    results = at.session_state["runs"].results
    assert results["months"].status == "computed", results["months"].error
    assert results["chart"].status == "computed", results["chart"].error
    at.run()
    assert "&#8635;" in node_content(at, "months") and "computed" in node_content(at, "months")
    canvas_reply(at, selected="months")
    assert not at.exception
    # the template's copy names the shipped folder by its full path, as its file parameters
    assert any(e.label.startswith("Loop: files /") and e.label.endswith("/data/monthly/sales-2024-*.csv")
               for e in at.expander), [e.label for e in at.expander]
    assert at.dataframe and "file" in at.dataframe[0].value.columns
