"""A workflow that uses a component, opened in the app: it runs, and the component's node shows
the state of the nodes inside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.fields import has_field
from tests.ui.test_apptest import (
    APP,
    add,
    canvas_args,
    canvas_reply,
    open_section,
    run_and_wait,
    three_connected,
)

ROOT = Path(__file__).resolve().parents[2]


def open_template_and_run(app_env: Path, name: str, timeout: float = 60) -> AppTest:
    """The app with the example `name` (and the components and data beside it) in its templates,
    that template opened from the sidebar and run."""
    target = app_env / "workflows"
    shutil.copy(ROOT / "workflows" / f"{name}.json", target)
    for folder in ("components", "data"):
        shutil.copytree(ROOT / "workflows" / folder, target / folder, dirs_exist_ok=True)
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    open_section(at, "sb_templates")
    at.sidebar.button(key=f"tpl:{name}.json").click().run()
    run_and_wait(at)
    return at


def test_a_template_using_a_component_runs_and_its_node_shows_the_nodes_inside(app_env, ui_registry):
    at = open_template_and_run(app_env, "cleaning_component")
    results = at.session_state["runs"].results
    assert results["clean_january/revenue"].status == "computed"
    assert results["chart"].status == "computed", {n: r.error for n, r in results.items()}
    at.run()
    content = next(n for n in canvas_args(at)["nodes"] if n["id"] == "clean_january")["data"]["content"]
    assert "computed" in content and "missing" not in content, content
    canvas_reply(at, selected="clean_january")
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert any("`component.clean_orders` v1 · Components" in c.value for c in at.caption)
    assert any("from workflow parameter **keep**" in m.value for m in at.markdown)  # its parameter, bound
    assert any("its output comes from `clean_january/revenue`" in c.value for c in at.caption)
    assert at.dataframe, "the component's output table is shown"


def test_a_component_in_the_workspace_is_in_the_palette_and_runs_when_added(app_env, ui_registry):
    target = app_env / "workflows"
    shutil.copytree(ROOT / "workflows" / "components", target / "components", dirs_exist_ok=True)
    at = AppTest.from_file(APP, default_timeout=60).run()
    add(at, "component.clean_orders")                        # fails unless the palette lists it
    node = next(n for n in canvas_args(at)["nodes"] if "component.clean" in n["data"]["content"])
    assert "Clean orders" in node["data"]["content"] and "not connected" in node["data"]["content"]
    canvas_reply(at, selected=node["id"])
    assert has_field(at.text_input, at, node['id'], "keep"), "its parameter has a field"


def test_a_selected_node_becomes_a_component_that_runs_and_expands_back(app_env, ui_registry):
    at = AppTest.from_file(APP, default_timeout=60).run()
    three_connected(at)                                     # points -> keep_above -> scatter
    canvas_reply(at, selected="keep_above")
    open_section(at, "make_component")
    at.text_input(key="component_name").input("keeper").run()
    at.button(key="make_component_go").click().run()
    assert not at.exception
    saved = app_env / "workflows" / "components" / "keeper.json"   # the workspace's components (DATAFLOW_WORKFLOWS_DIR here)
    document = json.loads(saved.read_text())
    assert [p["name"] for p in document["component"]["inputs"]] == ["table"]
    assert [n["type"] for n in document["nodes"]] == ["uipack.keep_above"]
    workflow = at.session_state["doc"].workflow
    assert sorted((e.source, e.target) for e in workflow.edges) == [("keeper", "scatter"), ("points", "keeper")]
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert results["keeper/keep_above"].status == "computed" and results["scatter"].status == "computed"
    canvas_reply(at, selected="keeper")
    at.button(key="expand:keeper").click().run()
    workflow = at.session_state["doc"].workflow
    assert "keeper" not in workflow.nodes and "keeper_keep_above" in workflow.nodes
    assert sorted((e.source, e.target) for e in workflow.edges) == [("keeper_keep_above", "scatter"),
                                                                    ("points", "keeper_keep_above")]
    at.session_state["doc"].undo()                          # one step back: the component node again
    assert "keeper" in at.session_state["doc"].workflow.nodes
