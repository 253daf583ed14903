"""The app's files, folders, downloads, progress and plugin report, without a browser (AppTest).

Helpers come from test_apptest.py; the canvas is simulated the same way (see its docstring)."""

from __future__ import annotations

import html
import io
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import PACKS, pip_install_target
from tests.ui.fields import has_field, param_key, param_widget
from tests.ui.test_apptest import (
    APP,
    _plugins_page,
    add,
    canvas_args,
    canvas_reply,
    open_section,
    run_and_wait,
    three_connected,
)

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "Evil ![pixel](http://evil.example/p.png) <img src=http://evil.example/q.png> **bold**"


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def set_path(at: AppTest, node_id: str, path: Path | str) -> None:
    at.text_input(key=param_key(at.text_input, at, node_id, "path")).input(str(path)).run()
    assert not at.exception


def read_numbers_node(at: AppTest, path: Path | str) -> None:
    """A `testpack.read_numbers` node, selected, reading `path`."""
    add(at, "testpack.read_numbers")
    canvas_reply(at, selected="read_numbers")
    set_path(at, "read_numbers", path)


def run_result(at: AppTest, node_id: str):
    run_and_wait(at)
    return at.session_state["runs"].results[node_id]


def write_template(folder: Path, name: str, **meta) -> Path:
    """A template file: a `points -> keep_above` pair and a node reading `data/numbers.txt` next to it."""
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "numbers.txt").write_text("4\n5\n6\n")
    data = {"version": "0.1.0",
            "nodes": [{"id": "points", "type": "uipack.points", "params": {"rows": 12}},
                      {"id": "keep_above", "type": "uipack.keep_above", "params": {"threshold": 5.0}},
                      {"id": "read_numbers", "type": "testpack.read_numbers", "params": {"path": "data/numbers.txt"}}],
            "edges": [{"source": "points", "source_port": "table", "target": "keep_above", "target_port": "table"}],
            "meta": {"name": name, "description": "", **meta}}
    path = folder / f"{name.split()[0].lower()}.json"
    path.write_text(json.dumps(data, indent=2))
    return path


# --- templates --------------------------------------------------------------------------

def test_a_template_opens_as_an_untitled_copy_and_the_shipped_file_is_never_written(at, app_env):
    template = write_template(app_env / "workflows", "Starter", description="A small start")
    shipped = template.read_bytes()
    at.run()
    open_section(at, "sb_templates")
    at.sidebar.button(key=f"tpl:{template.name}").click().run()
    doc = at.session_state["doc"]
    assert doc.workflow.path is None and doc.name == "Starter" and doc.dirty
    assert [n["id"] for n in canvas_args(at)["nodes"]] == ["points", "keep_above", "read_numbers"]
    assert at.sidebar.button(key="wf_save").disabled                    # Save needs Save as first
    assert "not saved yet" in [c.value for c in at.sidebar.caption]
    assert at.session_state["doc"].workflow.nodes["read_numbers"].params["path"] == \
        str((app_env / "workflows" / "data" / "numbers.txt").resolve())   # still names the shipped sample data
    assert run_result(at, "read_numbers").status == "computed"           # and may read it
    canvas_reply(at, selected="keep_above")
    at.number_input(key=param_key(at.number_input, at, "keep_above", "threshold")).set_value(8.0).run()
    open_section(at, "sb_saveas")
    at.sidebar.text_input(key="saveas_name").input("my start").run()
    at.sidebar.button(key="saveas_go").click().run()
    assert not at.exception
    assert template.read_bytes() == shipped
    mine = json.loads((app_env / "workflows" / "my_start.json").read_text())
    assert mine["nodes"][1]["params"] == {"threshold": 8.0} and mine["meta"]["name"] == "Starter"
    assert at.session_state["doc"].workflow.path == (app_env / "workflows" / "my_start.json").resolve()
    assert not at.sidebar.button(key="wf_save").disabled
    at.sidebar.button(key="wf_new").click().run()                     # the template's folder was granted
    read_numbers_node(at, app_env / "workflows" / "data" / "numbers.txt")   # for its copy only
    refused = run_result(at, "read_numbers")
    assert refused.status == "failed" and "outside the granted data folders" in refused.error


def test_hostile_workflow_and_template_names_are_shown_as_text(at, app_env):
    template = write_template(app_env / "workflows", HOSTILE, description=f"See {HOSTILE}")
    open_section(at, "sb_templates")
    drawn = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    assert any(html.unescape(t) == f"**{HOSTILE}** · 3 nodes" for t in drawn)    # the name reads as typed
    assert any(html.unescape(t) == f"See {HOSTILE}" for t in drawn)              # and so does the description
    at.sidebar.button(key=f"tpl:{template.name}").click().run()
    assert at.session_state["doc"].name == HOSTILE
    drawn = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    assert any(html.unescape(t) == f"### {HOSTILE} ●" for t in drawn)            # the title, unsaved
    for text in drawn:                                  # ...but no Markdown image, link, HTML tag or bold
        assert not re.search(r"!\[|\]\(|<img|<\w|\*\*bold", text), text
    add(at, "uipack.points")                                       # an edit: the copy is autosaved...
    fresh = AppTest.from_file(APP, default_timeout=60).run()     # ...and offered back in a new session
    (offer,) = [i.value for i in fresh.info if "Restore it?" in i.value]
    assert HOSTILE in html.unescape(offer)
    assert not re.search(r"!\[|\]\(|<img|<\w|\*\*bold", offer), offer


# --- uploads and granted folders --------------------------------------------------------------

def test_an_uploaded_data_file_is_stored_granted_and_read_by_a_node(at, app_env):
    open_section(at, "sb_upload")
    at.sidebar.file_uploader(key="data_upload").set_value(("my numbers.txt", b"1\n2\nx\n3\n", "text/plain")).run()
    at.sidebar.button(key="data_upload_go").click().run()
    stored = app_env / "cache" / "app" / "uploads" / "my_numbers.txt"
    assert stored.read_bytes() == b"1\n2\nx\n3\n"
    assert any(str(stored) in s.value and "granted" in s.value for s in at.success)
    add(at, "testpack.read_numbers")
    canvas_reply(at, selected="read_numbers")
    pick = at.selectbox(key="pick:" + param_key(at.text_input, at, "read_numbers", "path"))
    assert pick.options == ["", "my_numbers.txt"]                  # offered in the node's file parameter
    pick.select("my_numbers.txt").run()
    assert at.session_state["doc"].workflow.nodes["read_numbers"].params["path"] == str(stored)
    result = run_result(at, "read_numbers")
    assert result.status == "computed", result.error
    canvas_reply(at, selected="read_numbers")
    assert {"values": [1, 2, 3]} in [json.loads(j.value) for j in at.json]
    assert any("line 3 is not a number" in w.value for w in at.warning)


def test_granting_a_folder_in_settings_allows_reading_and_removing_it_refuses(at, tmp_path):
    data = tmp_path / "shared data"
    data.mkdir()
    (data / "n.txt").write_text("7\n8\n")
    read_numbers_node(at, data / "n.txt")
    refused = run_result(at, "read_numbers")
    assert refused.status == "failed" and "outside the granted data folders" in refused.error
    open_section(at, "sb_settings")
    at.sidebar.text_input(key="add_dir").input(str(data)).run()
    at.sidebar.button(key="add_dir_go").click().run()
    assert str(data) in [t.value for t in at.sidebar.text]             # listed under Granted data folders
    assert run_result(at, "read_numbers").status == "computed"
    open_section(at, "sb_settings")
    at.sidebar.button(key=f"rmdir:{data}").click().run()
    assert str(data) not in [t.value for t in at.sidebar.text]
    again = run_result(at, "read_numbers")
    assert again.status == "failed" and "outside the granted data folders" in again.error
    assert any("outside the granted data folders" in e.value and "Settings" in e.value for e in at.error)


def test_granting_a_missing_folder_is_refused_with_a_message(at, tmp_path):
    open_section(at, "sb_settings")
    at.sidebar.text_input(key="add_dir").input(str(tmp_path / "nope")).run()
    at.sidebar.button(key="add_dir_go").click().run()
    assert any("is not an existing folder" in e.value for e in at.error)
    assert at.session_state["settings"]["data_dirs"] == []


# --- outputs: downloads, progress, column pickers ---------------------------------------------

@pytest.fixture
def media(monkeypatch):
    """The media file managers AppTest creates (one per run): a deferred download's bytes are
    produced by the latest one, as the browser's click would."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    return made


def download(media, button) -> bytes:
    """What clicking the download button would fetch."""
    url = media[-1].execute_deferred(button.proto.deferred_file_id)
    return media[-1].read_file(url.rsplit("/", 1)[-1]).content


def test_table_and_figure_outputs_offer_valid_downloads(at, media):
    import pandas as pd

    three_connected(at)
    run_and_wait(at)
    canvas_reply(at, selected="keep_above")
    buttons = {b.key: b for b in at.download_button if not b.key.startswith("wf_")}   # the sidebar's: below
    assert set(buttons) == {"dl_csv:keep_above:table", "dl_pq:keep_above:table"}
    assert [b.label for b in buttons.values()] == ["Download CSV", "Download Parquet"]
    from_csv = pd.read_csv(io.BytesIO(download(media, buttons["dl_csv:keep_above:table"])))
    from_parquet = pd.read_parquet(io.BytesIO(download(media, buttons["dl_pq:keep_above:table"])))
    assert list(from_csv.columns) == list(from_parquet.columns) == ["x", "y", "group"]
    assert len(from_csv) == len(from_parquet) == 29                   # x = 1..29 are above 0
    assert from_parquet["x"].tolist() == [float(x) for x in range(1, 30)]
    canvas_reply(at, selected="scatter")
    (button,) = [b for b in at.download_button if not b.key.startswith("wf_")]
    assert button.key.startswith("dl_html:scatter:") and button.label == "Download HTML"
    page = download(media, button).decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>") and "</html>" in page and "plotly" in page.lower()
    assert '"type":"scatter"' in page.replace(" ", "")
    report = download(media, next(b for b in at.download_button if b.key == "wf_report")).decode("utf-8")
    assert "<svg class='picture'" in report and "<code>scatter</code>" in report   # the run's chart
    assert "<td>keep_above</td><td>uipack.keep_above</td><td class='st computed'>computed</td>" in report
    script = download(media, next(b for b in at.download_button if b.key == "wf_script")).decode("utf-8")
    compile(script, "script.py", "exec")                               # the workflow as Python, as `dataflow export`
    assert "def main(" in script and "# 'keep_above' (uipack.keep_above)" in script


def test_progress_shows_how_many_nodes_are_done_while_a_run_is_in_progress(at):
    add(at, "testpack.numbers")
    add(at, "testpack.slow")
    add(at, "testpack.slow")
    canvas_reply(at, edges=[{"id": "st-flow-edge_numbers-slow", "source": "numbers", "target": "slow"},
                            {"id": "st-flow-edge_slow-slow_2", "source": "slow", "target": "slow_2"}],
                 selected="slow")
    at.number_input(key=param_key(at.number_input, at, "slow", "seconds")).set_value(2.0).run()
    at.button(key="tb_run").click().run()
    job = at.session_state["job"]
    assert job is not None and not job.finished
    (bar,) = at.container("run_progress").progress
    assert re.match(r"Running: [01] of 3 done · now: ", bar.text), bar.text
    assert job.wait(30)
    at.run()
    with pytest.raises(KeyError):
        at.container("run_progress")                                  # gone once the run ended
    assert "Run 1 " in at.container("run_summary").caption[0].value


def test_column_pickers_offer_exactly_the_upstream_tables_columns(at):
    three_connected(at)
    canvas_reply(at, selected="keep_above")
    assert not has_field(at.selectbox, at, "keep_above", "column")   # not run: text
    run_and_wait(at, "tb_run_sel")                                    # runs points, then keep_above
    picker = param_widget(at.selectbox, at, "keep_above", "column")
    assert picker.options == ["x", "y", "group"] and picker.value == "x"
    canvas_reply(at, selected="scatter")                              # fed by keep_above's output
    for name in ("x", "y"):
        picker = param_widget(at.selectbox, at, "scatter", name)
        assert picker.options == ["x", "y", "group"] and picker.value == name
    canvas_reply(at, selected="keep_above")
    param_widget(at.selectbox, at, "keep_above", "column").select("y").run()
    assert at.session_state["doc"].workflow.nodes["keep_above"].params["column"] == "y"


# --- plugins ------------------------------------------------------------------------------

@pytest.fixture
def broken_pack(app_env, tmp_path):
    """tests/packs/brokenpack pip-installed into its own folder on sys.path, for one test."""
    import importlib

    import streamlit as st

    target = tmp_path / "brokensite"
    pip_install_target(target, PACKS / "brokenpack")
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    st.cache_resource.clear()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        importlib.invalidate_caches()
        st.cache_resource.clear()


def test_plugins_page_lists_a_plugin_that_failed_to_load_with_its_error(broken_pack):
    page = AppTest.from_function(_plugins_page, default_timeout=60).run()
    assert not page.exception
    assert any("1 plugin(s) failed to load" in e.value for e in page.error)
    (failed,) = [e for e in page.expander if "brokenpack" in e.label]
    assert "dataflow-brokenpack" in failed.label and "0.0.1" in failed.label
    assert any("dataflow_this_module_does_not_exist" in e.value for e in failed.error)
    assert any("uipack" in e.label for e in page.expander)            # the others still load


# --- server configuration -------------------------------------------------------------------

def test_the_shipped_server_config_listens_locally_with_xsrf_on_and_no_telemetry():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_reload_plugins_finds_a_pack_installed_while_the_app_runs(app_env, tmp_path):
    """A pack pip-installed from a terminal after the app started shows after "Reload plugins"."""
    import importlib

    import streamlit as st

    target = tmp_path / "latesite"
    pip_install_target(target, PACKS / "brokenpack")        # any pack will do; this one is easy to spot
    page = AppTest.from_function(_plugins_page, default_timeout=60).run()
    assert not any("failed to load" in e.value for e in page.error)
    sys.path.insert(0, str(target))                          # "installed" while the app runs
    try:
        page.run()
        assert not any("failed to load" in e.value for e in page.error)   # not seen without a reload
        page.button(key="plugins_reload").click().run()
        assert not page.exception
        assert any("1 plugin(s) failed to load" in e.value for e in page.error)
        assert any("Plugins reloaded" in s.value for s in page.success)
    finally:
        sys.path.remove(str(target))
        importlib.invalidate_caches()
        st.cache_resource.clear()


# --- autosave: one file per open document -----------------------------------------------------

def autosaves(app_env: Path) -> dict[str, dict]:
    """The per-document autosave records by id."""
    folder = app_env / "cache" / "app" / "autosave"
    return {f.stem: json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))}


def session() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def named(at: AppTest, name: str, type_id: str) -> None:
    """An unsaved workflow called `name` holding one node of `type_id`."""
    at.session_state["doc"].workflow.meta["name"] = name
    add(at, type_id)


def test_two_tabs_autosave_separately_and_a_new_session_offers_and_restores_both(app_env):
    first, second = session(), session()
    named(first, "First", "uipack.points")
    named(second, "Second", "testpack.numbers")
    add(first, "uipack.keep_above")                                  # both keep editing: nothing overwritten
    saved = autosaves(app_env)
    assert {r["name"]: sorted(n["id"] for n in r["workflow"]["nodes"]) for r in saved.values()} == \
        {"First": ["keep_above", "points"], "Second": ["numbers"]}
    assert set(saved) == {first.session_state["autosave_id"], second.session_state["autosave_id"]}
    assert not (app_env / "cache" / "app" / "autosave.json").exists()

    third = session()
    (header,) = third.container("restore_offer").info
    assert "2 workflows" in header.value and "most recent first" in header.value
    text = " ".join(m.value for m in third.container("restore_offer").markdown)
    assert text.index("First") < text.index("Second")                # First was edited last
    third.button(key="restore_yes").click().run()                    # the most recent: First
    assert third.session_state["doc"].name == "First" and third.session_state["doc"].dirty
    assert sorted(third.session_state["doc"].workflow.nodes) == ["keep_above", "points"]
    mine = third.session_state["autosave_id"]
    assert mine not in (first.session_state["autosave_id"], second.session_state["autosave_id"])
    assert {r["name"] for r in autosaves(app_env).values()} == {"First", "Second"}   # moved to its own id
    assert autosaves(app_env)[mine]["name"] == "First"
    (offer,) = [i.value for i in third.info if "Restore it?" in i.value]             # one left: Second
    assert "Second" in offer
    third.button(key="restore_yes").click().run()
    assert third.session_state["doc"].name == "Second"
    assert list(third.session_state["doc"].workflow.nodes) == ["numbers"]
    with pytest.raises(KeyError):
        third.container("restore_offer")
    names = sorted(r["name"] for r in autosaves(app_env).values())
    assert names == ["First", "Second"]                  # the replaced restored copy stays autosaved too
    first.run()                                          # the first tab, still open, writes its own again
    assert first.session_state["autosave_id"] in autosaves(app_env)


def test_an_older_autosave_can_be_restored_or_discarded_by_its_own_buttons(app_env):
    older, newer = session(), session()
    named(older, "Older", "uipack.points")
    named(newer, "Newer", "testpack.numbers")
    older_id = older.session_state["autosave_id"]
    fresh = session()
    fresh.button(key=f"restore_no:{older_id}").click().run()
    assert set(autosaves(app_env)) == {newer.session_state["autosave_id"]}
    (offer,) = [i.value for i in fresh.info if "Restore it?" in i.value]
    assert "Newer" in offer
    fresh.button(key="restore_no").click().run()
    assert autosaves(app_env) == {}
    with pytest.raises(KeyError):
        fresh.container("restore_offer")


def test_saving_a_document_removes_its_autosave(at, app_env):
    add(at, "uipack.points")
    mine = at.session_state["autosave_id"]
    assert set(autosaves(app_env)) == {mine}
    open_section(at, "sb_saveas")
    at.sidebar.text_input(key="saveas_name").input("kept").run()
    at.sidebar.button(key="saveas_go").click().run()
    assert not at.exception and not at.session_state["doc"].dirty
    assert autosaves(app_env) == {}
    assert not session().info                                         # nothing offered
    add(at, "uipack.keep_above")                                      # edited again: autosaved again
    assert set(autosaves(app_env)) == {mine}


def test_the_previous_versions_single_autosave_is_still_offered_and_removed_once_restored(app_env):
    from dataflow.ui import storage

    storage.write_autosave({"version": "0.1.0", "nodes": [{"id": "points", "type": "uipack.points", "params": {}}],
                            "edges": [], "meta": {"name": "Legacy"}}, None, "Legacy")
    legacy = app_env / "cache" / "app" / "autosave.json"
    assert legacy.exists()
    discarding = session()
    restoring = session()
    (offer,) = [i.value for i in restoring.info if "Restore it?" in i.value]
    assert "Legacy" in offer
    restoring.button(key="restore_yes").click().run()
    assert list(restoring.session_state["doc"].workflow.nodes) == ["points"]
    assert not legacy.exists()
    assert [r["name"] for r in autosaves(app_env).values()] == ["Legacy"]   # now under its own id
    discarding.button(key="restore_no").click().run()                # offered there too: gone already
    assert not discarding.exception and not legacy.exists()


def test_the_autosave_folder_keeps_only_the_most_recent_files(app_env, monkeypatch):
    import os

    from dataflow.ui import storage

    monkeypatch.setattr(storage, "MAX_AUTOSAVES", 3)
    ids = [storage.new_autosave_id() for _ in range(5)]
    for n, doc_id in enumerate(ids):
        storage.write_autosave({"nodes": []}, None, f"wf{n}", doc_id)
        os.utime(storage.autosave_path(doc_id), (1000 + n, 1000 + n))   # distinct, increasing times
    storage.write_autosave({"nodes": []}, None, "wf4", ids[4])
    assert set(autosaves(app_env)) == set(ids[2:])
    assert [r["id"] for r in storage.list_autosaves(exclude=ids[3])] == [ids[4], ids[2]]


def test_sidebar_sections_draw_their_content_only_while_open(at):
    """Open, Templates, Upload, Settings and Save as are drawn on demand (a tenth of the page load)."""
    keys = {w.key for w in at.sidebar.text_input} | {w.key for w in at.sidebar.button}
    assert not keys & {"saveas_name", "saveas_go", "open_go", "add_dir", "add_dir_go"}
    assert not at.sidebar.get("file_uploader")
    for section in ("sb_saveas", "sb_open", "sb_upload", "sb_settings"):
        open_section(at, section)
    keys = {w.key for w in at.sidebar.text_input} | {w.key for w in at.sidebar.button}
    assert {"saveas_name", "saveas_go", "add_dir", "add_dir_go"} <= keys
    assert len(at.sidebar.get("file_uploader")) == 2        # open a workflow file, upload a data file


def test_the_executor_setting_switches_where_nodes_run_and_dask_shows_its_loopback_dashboard(at, tmp_path):
    from dataflow.ui import resources

    (tmp_path / "n.txt").write_text("7\n8\n")
    open_section(at, "sb_settings")
    at.sidebar.text_input(key="add_dir").input(str(tmp_path)).run()
    at.sidebar.button(key="add_dir_go").click().run()
    read_numbers_node(at, tmp_path / "n.txt")
    open_section(at, "sb_settings")
    at.sidebar.selectbox(key="set_executor").select("dask").run()
    at.sidebar.button(key="set_executor_go").click().run()
    assert not at.exception
    try:
        assert at.session_state["settings"]["executor"] == "dask"
        assert resources.engine().executor.id == "dask"
        assert run_result(at, "read_numbers").status == "computed"  # on a local cluster
        open_section(at, "sb_settings")
        assert any(c.value.startswith("Dask dashboard: http://127.0.0.1:") for c in at.sidebar.caption)
    finally:
        open_section(at, "sb_settings")
        at.sidebar.selectbox(key="set_executor").select("threads").run()
        at.sidebar.button(key="set_executor_go").click().run()  # closes the cluster
    assert resources.engine().executor.id == "threads"
    assert at.session_state["settings"] == {**at.session_state["settings"], "executor": "threads", "scheduler": ""}
