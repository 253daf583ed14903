"""The app without a browser (streamlit.testing.v1.AppTest): the canvas is simulated by writing
the value the component would send into session state, as the streamlit-flow recipe shows."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.fields import param_key, param_widget

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app.py")


def canvas_args(at: AppTest) -> dict:
    (comp,) = [c for c in at.get("component_instance") if "streamlit_flow" in c.proto.component_name]
    return json.loads(comp.proto.json_args)


def palette_entries(at: AppTest) -> list[dict]:
    """What the palette component was given: every node type with its search words."""
    (comp,) = [c for c in at.get("component_instance") if c.proto.component_name.endswith("palette")]
    return json.loads(comp.proto.json_args)["entries"]


def canvas_reply(at: AppTest, *, edges=None, selected=None, nodes=None) -> None:
    """Simulate the canvas sending its state (all four keys are required)."""
    args = canvas_args(at)
    key = "canvas" + str(at.session_state["canvas_generation"]) if "canvas_generation" in at.session_state \
        else "canvas0"
    at.session_state[key] = {"nodes": args["nodes"] if nodes is None else nodes,
                             "edges": args["edges"] if edges is None else edges,
                             "selectedId": selected, "timestamp": int(time.time() * 1000)}
    at.run()


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def add(at: AppTest, type_id: str, connect: bool = False) -> None:
    """Add a node type as the palette reports it. Unless `connect`, nothing is selected first, so
    the new node is not connected to the node selected before (what the palette does then)."""
    assert type_id in {e["id"] for e in palette_entries(at)}
    if not connect:
        at.session_state["doc"].selected = None
    at.session_state["palette"] = {"add": type_id, "n": time.monotonic_ns()}
    at.run()
    assert not at.exception


def open_section(at: AppTest, key: str) -> None:
    """Open a sidebar section: its content is drawn only while it is open (a lazy expander or popover)."""
    at.session_state[key] = True
    at.run()


def three_connected(at: AppTest) -> None:
    for type_id in ("uipack.points", "uipack.keep_above", "uipack.scatter"):
        add(at, type_id)
    drawn = [{"id": "st-flow-edge_points-keep_above", "source": "points", "target": "keep_above"},
             {"id": "st-flow-edge_keep_above-scatter", "source": "keep_above", "target": "scatter"}]
    canvas_reply(at, edges=drawn)


def run_and_wait(at: AppTest, key: str = "tb_run") -> None:
    at.button(key=key).click().run()
    job = at.session_state["job"]
    if job is not None:             # a fast run may already be folded in by the reruns of the click
        assert job.wait(30)
        at.run()
    assert at.session_state["job"] is None
    assert not at.exception


def test_palette_lists_installed_nodes_by_category(at):
    entries = {e["id"]: e for e in palette_entries(at)}
    assert entries["uipack.points"]["category"] == "UI Test/Sources"
    assert entries["uipack.points"]["top"] == "UI Test"
    assert entries["uipack.points"]["description"].startswith("Make a table of points")


def test_added_nodes_reach_the_canvas_with_their_own_style(at):
    add(at, "uipack.points")
    add(at, "uipack.keep_above")
    nodes = canvas_args(at)["nodes"]
    assert [n["id"] for n in nodes] == ["points", "keep_above"]
    assert nodes[0]["position"] != nodes[1]["position"]
    assert "not run" in nodes[0]["data"]["content"]


def test_a_drawn_connection_is_wired_and_labelled(at):
    three_connected(at)
    doc = at.session_state["doc"]
    assert [(e.source_port, e.target_port) for e in doc.workflow.edges] == [("table", "table")] * 2
    assert [e["label"] for e in canvas_args(at)["edges"]] == ["table → table"] * 2


def draw_figure_into_table(at: AppTest) -> None:
    """Three connected nodes, then the canvas reports a new edge from the chart into the filter."""
    three_connected(at)
    edges = canvas_args(at)["edges"] + [{"id": "st-flow-edge_scatter-keep_above", "source": "scatter",
                                          "target": "keep_above"}]
    canvas_reply(at, edges=edges)


def test_an_incompatible_connection_is_refused_with_a_message(at):
    draw_figure_into_table(at)
    assert any("Connection refused" in w.value for w in at.warning)
    assert len(at.session_state["doc"].workflow.edges) == 2
    assert len(canvas_args(at)["edges"]) == 2
    canvas_reply(at)                                   # the canvas's echo and re-layout rerun twice:
    canvas_reply(at)                                   # the message must still be there to read
    assert any("Connection refused" in w.value for w in at.warning)


def test_a_notice_is_dropped_by_the_first_rerun_after_it_has_been_read(at):
    draw_figure_into_table(at)
    assert any("Connection refused" in w.value for w in at.warning)
    for notice in at.session_state["notices"]:
        notice.first_shown -= 60.0                     # drawn a minute ago
    canvas_reply(at, selected="points")
    assert not any("Connection refused" in w.value for w in at.warning)


def _blocks(node, found=None):
    """Every block of the element tree under `node`, by key."""
    found = {} if found is None else found
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", "") in ("block", "container", "column") or hasattr(child, "children"):
            if getattr(child, "key", None):
                found[child.key] = child
            _blocks(child, found)
    return found


def test_a_notice_appears_beside_the_canvas_not_above_it(at):
    """A notice at the top of the page pushed the canvas down while it showed; it sits at the
    top of the side panel, and the first thing in the main area is still the toolbar."""
    draw_figure_into_table(at)
    blocks = _blocks(at.main)
    assert any("Connection refused" in w.value for w in blocks["side_panel"].warning)
    main_area = next(iter(at.main.children.values()))       # the fragment
    top = next(iter(main_area.children.values()))             # its first block: the toolbar
    assert "toolbar" in {getattr(top, "key", None), *_blocks(top)} and not top.warning


def test_run_updates_statuses_and_shows_outputs(at):
    three_connected(at)
    run_and_wait(at)
    assert "3 computed" in at.markdown[-0].value or any("3 computed" in m.value for m in at.markdown)
    contents = [n["data"]["content"] for n in canvas_args(at)["nodes"]]
    assert all("computed" in c for c in contents) and "30 × 3" in contents[0]
    canvas_reply(at, selected="points")
    assert any("30 rows × 3 columns" in c.value for c in at.caption)
    assert at.get("arrow_data_frame") or at.dataframe


def test_the_table_view_shows_the_column_profile_when_its_expander_is_opened(at):
    three_connected(at)
    run_and_wait(at)
    canvas_reply(at, selected="points")
    assert "profile:points:table" in at.session_state and "_profile" not in at.session_state["memo"]
    open_section(at, "profile:points:table")
    (profile,) = [d.value for d in at.dataframe if "top_values" in d.value.columns]
    assert profile["column"].tolist() == ["x", "y", "group"]
    assert profile.set_index("column").loc["group", "top_values"] == "a (33%), b (33%), c (33%)"
    assert profile["rows_total"].tolist() == [30, 30, 30]


def test_changing_a_parameter_recomputes_only_downstream(at):
    three_connected(at)
    run_and_wait(at)
    canvas_reply(at, selected="keep_above")
    at.number_input(key=param_key(at.number_input, at, "keep_above", "threshold")) \
        .set_value(10.0).run()
    contents = {n["id"]: n["data"]["content"] for n in canvas_args(at)["nodes"]}
    assert "stale" in contents["keep_above"] and "threshold" in contents["keep_above"]
    assert "stale" in contents["scatter"] and "computed" in contents["points"]
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert {n: r.status for n, r in results.items()} == {"points": "cached", "keep_above": "computed",
                                                           "scatter": "computed"}


def test_a_failing_node_shows_its_error_not_an_exception_page(at):
    add(at, "uipack.points")
    add(at, "uipack.broken")
    canvas_reply(at, edges=[{"id": "st-flow-edge_points-broken", "source": "points", "target": "broken"}],
                 selected="broken")
    run_and_wait(at)
    assert not at.exception
    assert any("broken on purpose" in e.value for e in at.error)
    assert any(x.label == "Traceback" for x in at.expander)


def test_undo_and_redo_buttons(at):
    add(at, "uipack.points")
    add(at, "uipack.stats")
    at.button(key="tb_undo").click().run()
    assert [n["id"] for n in canvas_args(at)["nodes"]] == ["points"]
    at.button(key="tb_redo").click().run()
    assert [n["id"] for n in canvas_args(at)["nodes"]] == ["points", "stats"]


def test_save_as_then_open_keeps_the_workflow_and_placeholders(at, app_env):
    three_connected(at)
    open_section(at, "sb_saveas")
    at.sidebar.text_input(key="saveas_name").input("mine").run()
    at.sidebar.button(key="saveas_go").click().run()
    saved = app_env / "workflows" / "mine.json"
    data = json.loads(saved.read_text())
    assert [n["id"] for n in data["nodes"]] == ["points", "keep_above", "scatter"]
    data["nodes"].append({"id": "ghost", "type": "gone.magic", "params": {"power": 3}})
    (app_env / "workflows" / "ghost.json").write_text(json.dumps(data))
    at.run()
    open_section(at, "sb_open")
    at.sidebar.selectbox(key="open_choice").select(app_env / "workflows" / "ghost.json").run()
    at.sidebar.button(key="open_go").click().run()
    assert not at.exception
    assert any("placeholders" in w.value for w in at.warning)
    content = {n["id"]: n["data"]["content"] for n in canvas_args(at)["nodes"]}
    assert "missing" in content["ghost"]
    at.sidebar.button(key="wf_save").click().run()
    again = json.loads((app_env / "workflows" / "ghost.json").read_text())
    assert again["nodes"][-1] == {"id": "ghost", "type": "gone.magic", "params": {"power": 3}}


def test_autosave_is_offered_back_in_a_new_session(at, app_env):
    add(at, "uipack.points")
    assert len(list((app_env / "cache" / "app" / "autosave").glob("*.json"))) == 1   # this document's own file
    fresh = AppTest.from_file(APP, default_timeout=60).run()
    assert fresh.button(key="restore_yes")
    fresh.button(key="restore_yes").click().run()
    assert list(fresh.session_state["doc"].workflow.nodes) == ["points"]
    assert fresh.session_state["doc"].dirty


def test_plugins_page_lists_plugins_and_their_nodes(app_env):
    page = AppTest.from_function(_plugins_page, default_timeout=60).run()
    assert not page.exception
    assert any("uipack" in e.label and "0.3.0" in e.label for e in page.expander)


def test_stop_cancels_a_running_run(at):
    add(at, "testpack.numbers")
    add(at, "testpack.slow")
    add(at, "testpack.slow")
    edges = [{"id": "st-flow-edge_numbers-slow", "source": "numbers", "target": "slow"},
             {"id": "st-flow-edge_slow-slow_2", "source": "slow", "target": "slow_2"}]
    canvas_reply(at, edges=edges, selected="slow")
    at.number_input(key=param_key(at.number_input, at, "slow", "seconds")).set_value(1.5).run()
    at.button(key="tb_run").click().run()
    job = at.session_state["job"]
    assert job is not None and not job.finished
    assert at.button(key="tb_stop").disabled is False
    at.button(key="tb_stop").click().run()
    assert job.wait(30)
    at.run()
    results = at.session_state["runs"].results
    assert results["slow_2"].status == "skipped"


def _plugins_page():
    from dataflow.ui import page_plugins

    page_plugins.render()


IRIS_TYPES = ("samples.dataset", "sklearn.train_test_split", "sklearn.train_classifier", "sklearn.predict",
              "sklearn.evaluate", "plotly.confusion_matrix", "transform.filter")


def _needs_builtin_nodes(registry) -> None:
    missing = [t for t in IRIS_TYPES if t not in registry.nodes]
    if missing:
        pytest.skip(f"built-in node packs not installed: {', '.join(missing)}")


def test_iris_template_runs_and_shows_metrics_model_and_chart(app_env, ui_registry):
    _needs_builtin_nodes(ui_registry)
    from benchmarks.bench_ui import iris_workflow

    (app_env / "workflows" / "iris.json").write_text(json.dumps(iris_workflow()))
    at = AppTest.from_file(APP, default_timeout=60).run()
    open_section(at, "sb_templates")
    at.sidebar.button(key="tpl:iris.json").click().run()
    assert [n["id"] for n in canvas_args(at)["nodes"]][0] == "iris"
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert {r.status for r in results.values()} == {"computed"}, {n: r.error for n, r in results.items()}
    canvas_reply(at, selected="evaluate")
    assert len(at.metric) >= 1
    canvas_reply(at, selected="train")
    assert any("LogisticRegression" in str(j.value) for j in at.json), [j.value for j in at.json] + [m.value for m in at.markdown][-5:]
    canvas_reply(at, selected="confusion")
    assert at.get("plotly_chart")
    canvas_reply(at, selected="split")
    assert len(at.tabs) == 2                                  # train and test outputs


def test_a_formula_error_is_shown_inline_with_the_upstream_columns(at, ui_registry):
    _needs_builtin_nodes(ui_registry)
    add(at, "uipack.points")
    add(at, "transform.filter")
    canvas_reply(at, edges=[{"id": "st-flow-edge_points-filter", "source": "points", "target": "filter"}],
                 selected="filter")
    run_and_wait(at, "tb_run_sel")                            # runs points (filter has no formula yet)
    key = param_key(at.text_input, at, "filter", "formula")
    at.text_input(key=key).input("x >").run()
    assert any("Formula:" in e.value for e in at.error)
    key = param_key(at.text_input, at, "filter", "formula")
    at.text_input(key=key).input("z > 1").run()
    assert any("Formula:" in e.value and "z" in e.value for e in at.error)
    key = param_key(at.text_input, at, "filter", "formula")
    at.text_input(key=key).input("x > 1").run()
    assert not any("Formula:" in e.value for e in at.error)


def test_model_choice_shows_the_chosen_models_own_settings(at, ui_registry):
    if "sklearn.ridge" not in ui_registry.contributions("estimators"):
        pytest.skip("the sklearn pack is not installed")
    add(at, "testpack.numbers")
    add(at, "testpack.fit_model")
    canvas_reply(at, edges=[{"id": "st-flow-edge_numbers-fit_model", "source": "numbers", "target": "fit_model"}],
                 selected="fit_model")
    model_box = param_widget(at.selectbox, at, "fit_model", "model")
    assert "testpack.constant" in model_box.options[0] or model_box.value == "testpack.constant"
    model_box.set_value("sklearn.ridge").run()
    alpha = param_widget(at.number_input, at, "fit_model", "sklearn.ridge:alpha")
    alpha.set_value(2.5).run()
    params = at.session_state["doc"].workflow.nodes["fit_model"].params
    assert params == {"model": "sklearn.ridge", "hyperparameters": {"alpha": 2.5}}
    param_widget(at.selectbox, at, "fit_model", "model").set_value("sklearn.lasso").run()
    assert at.session_state["doc"].workflow.nodes["fit_model"].params == {"model": "sklearn.lasso"}


def test_secret_parameters_are_never_written_to_files(at, app_env):
    add(at, "uipack.vault")
    canvas_reply(at, selected="vault")
    key = param_key(at.text_input, at, "vault", "token")
    at.text_input(key=key).input("s3cr3t-value").run()
    assert at.session_state["doc"].workflow.nodes["vault"].params["token"] == "s3cr3t-value"
    autosaved = next((app_env / "cache" / "app" / "autosave").glob("*.json")).read_text()
    assert "s3cr3t" not in autosaved
    open_section(at, "sb_saveas")
    at.sidebar.text_input(key="saveas_name").input("vault").run()
    at.sidebar.button(key="saveas_go").click().run()
    saved = (app_env / "workflows" / "vault.json").read_text()
    assert "s3cr3t" not in saved and '"vault"' in saved
    assert at.session_state["doc"].workflow.nodes["vault"].params["token"] == "s3cr3t-value"


def test_plugins_page_checks_a_pack_with_a_dry_run_before_installing(app_env):
    from dataflow.sdk.template import create_pack

    folder = create_pack("dry-ui-pack", app_env)
    page = AppTest.from_function(_plugins_page, default_timeout=120).run()
    page.text_input(key="install_spec").set_value(str(folder))
    page.button(key="FormSubmitter:install_form-Check what would change").click().run()
    assert not page.exception and not page.error
    plan = page.session_state["install_plan"]
    assert [(c.name, c.action) for c in plan.changes if c.requested] == [("dry-ui-pack", "new")]
    assert page.button(key="install_go").disabled is False  # nothing refused; not clicked: no real install


NETWORK_PACK = Path(__file__).resolve().parents[2] / "examples" / "network-pack"


def test_a_pack_installed_from_the_plugins_page_runs_after_a_reload_without_a_restart(app_env, ui_registry,
                                                                                        monkeypatch):
    """The new pack's node, file format, port type and estimator all work in the app's next
    session: the engine opened before the install (with the old plugins) is replaced."""
    import shutil
    import sys

    from dataflow.ui import resources

    if "sklearn.train_regressor" not in ui_registry.nodes or "io.read_file" not in ui_registry.nodes:
        pytest.skip("the built-in io, samples and sklearn packs are not installed")
    site = app_env / "site"             # pip installs here, not into the venv (PIP_TARGET), and the
    site.mkdir()                        # folder is on sys.path like site-packages
    monkeypatch.setenv("PIP_TARGET", str(site))
    monkeypatch.setenv("PIP_NO_DEPS", "1")
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    flows = app_env / "workflows"
    shutil.copy(NETWORK_PACK / "example" / "flights.edgelist", flows)
    (flows / "routes.json").write_text(json.dumps({"version": "0.1.0", "meta": {"name": "routes"}, "nodes": [
        {"id": "routes", "type": "io.read_file", "params": {"path": "flights.edgelist"}},
        {"id": "graph", "type": "network.from_edges", "params": {"weight": "weight"}},
        {"id": "degrees", "type": "network.degrees", "params": {}},
        {"id": "load", "type": "samples.dataset", "params": {"name": "diabetes"}},
        {"id": "train", "type": "sklearn.train_regressor", "params": {"target": "target", "model": "network.huber"}},
    ], "edges": [{"source": "routes", "target": "graph"}, {"source": "graph", "target": "degrees"},
                 {"source": "load", "target": "train"}]}))

    page = AppTest.from_function(_plugins_page, default_timeout=120).run()
    before = resources.engine()         # opened with the plugins the app started with
    assert "network.huber" not in before.registry.contributions("estimators")
    page.text_input(key="install_spec").set_value(str(NETWORK_PACK))
    page.button(key="FormSubmitter:install_form-Check what would change").click().run()
    assert [(c.name, c.action) for c in page.session_state["install_plan"].changes] == [
        ("dataflow-network-pack", "new")]
    page.button(key="install_go").click().run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert any("Reload the page" in s.value for s in page.success)

    at = AppTest.from_file(APP, default_timeout=60).run()   # the reloaded page: a new session
    open_section(at, "sb_templates")
    at.sidebar.button(key="tpl:routes.json").click().run()
    run_and_wait(at)
    results = at.session_state["runs"].results
    assert {n: r.status for n, r in results.items()} == dict.fromkeys(
        ["routes", "graph", "degrees", "load", "train"], "computed"), {n: r.error for n, r in results.items()}
    canvas_reply(at, selected="routes")
    formats = param_widget(at.selectbox, at, "routes", "format")
    assert formats.value == "auto" and "edgelist: Edge list (source target weight) · .edgelist" in formats.options
    formats.set_value("edgelist").run()
    assert at.session_state["doc"].workflow.nodes["routes"].params["format"] == "edgelist"


def test_a_node_with_two_table_outputs_shows_both_after_a_run(at):
    """Each output of a split is a tab with its own table view (the views once shared one key: the
    page failed with StreamlitDuplicateElementKey as soon as a split that had run was selected)."""
    add(at, "samples.dataset")
    add(at, "sklearn.train_test_split", connect=True)
    assert len(at.session_state["doc"].workflow.edges) == 1
    run_and_wait(at)
    canvas_reply(at, selected="train_test_split")
    assert not at.exception
    shown = [c.value for c in at.caption if "rows × " in c.value]
    assert len(shown) == 2 and all("columns" in text for text in shown), shown


def test_the_palette_ranks_by_the_shipped_templates_whatever_templates_folder_is_configured(at):
    """The AppTests' templates folder is empty (DATAFLOW_WORKFLOWS_DIR): the ranking still counts the
    project's own templates, so `split` + Enter adds Train/test split (it added Split column when
    the count came from the configured folder only)."""
    entries = {e["id"]: e for e in palette_entries(at)}
    assert entries["sklearn.train_test_split"]["uses"] >= 1
    assert entries["sklearn.train_test_split"]["uses"] > entries["transform.split_column"]["uses"]
