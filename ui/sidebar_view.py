"""The sidebar: workflow menu (new, open, templates, save, save as, upload, the file's history in
`history_view.py`), palette (`palette.py`), settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from . import actions, escape, history_view, palette, parameters_view, resources, session, storage
from .words import plural


def render() -> None:
    """Draw the sidebar."""
    with st.sidebar:
        _workflow_menu()
        _parameters()
        palette.render()
        _settings()


# --- workflow menu -----------------------------------------------------------------------

def _workflow_menu() -> None:
    d = actions.doc()
    st.session_state.shown_dirty = d.dirty      # the main area reruns the page when this goes stale
    marker = " ●" if d.dirty else ""
    with st.container(key="wf_title"):
        # names and paths come from files: escaped, so Markdown or HTML in them is shown, never rendered
        st.markdown(f"### {escape.text(d.name)}{marker}", help="● = unsaved changes (autosaved in the app folder)")
        st.caption(escape.text(d.workflow.path, limit=500) if d.workflow.path else "not saved yet")
    cols = st.columns([1, 1, 1.4])
    cols[0].button("New", key="wf_new", on_click=actions.replace_document, args=("new",), width="stretch")
    cols[1].button("Save", key="wf_save", on_click=actions.save, disabled=d.workflow.path is None,
                   width="stretch")
    save_as = cols[2].popover("Save as", width="stretch", key="sb_saveas", on_change="rerun")
    if save_as.open:
        with save_as:
            _save_as_form()
    _unsaved_prompt()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", d.name).strip("._") or "workflow"
    st.download_button("Report (HTML)", actions.report_maker(), file_name=f"{stem}-report.html",
                       mime="text/html", on_click="ignore", key="wf_report", icon=":material/description:",
                       width="stretch",
                       help="One file to share: the workflow's picture, each node's status and the outputs of its "
                            "charts, metrics and final tables, from the last run (as `dataflow report`)")
    st.download_button("Python script", actions.script_maker(), file_name=f"{stem}.py", mime="text/x-python",
                       on_click="ignore", key="wf_script", icon=":material/code:", width="stretch",
                       help="The workflow as one plain Python script with pandas, scikit-learn and Plotly "
                            "(as `dataflow export`); run it from the workflow's folder")
    _lazy_expander("Open", "sb_open", _open_form)
    _lazy_expander("Templates", "sb_templates", _templates)
    _lazy_expander("Upload a data file", "sb_upload", _upload_form)
    _lazy_expander("History", "sb_history", history_view.render)


def _unsaved_prompt() -> None:
    """Ask before New, Open or a template replaces a workflow with unsaved changes."""
    pending = st.session_state.get("confirm_replace")
    if pending is None:
        return
    d = actions.doc()
    with st.container(key="unsaved_prompt", border=True):
        st.warning(f"“{escape.text(d.name)}” has unsaved changes. Save them before you "
                   f"{escape.text(actions.replace_label(*pending))}?", icon=":material/warning:")
        name = ""
        if d.workflow.path is None:
            name = st.text_input("Save as", value=d.name, key="unsaved_name",
                                 help=f"A file name in {storage.workspace_dir()}")
        row = st.container(horizontal=True)
        row.button("Save", key="unsaved_save", type="primary", on_click=actions.confirm_replace,
                   args=("save", name))
        row.button("Discard", key="unsaved_discard", on_click=actions.confirm_replace, args=("discard",),
                   help="Drop the changes (their autosave is offered again in your next session)")
        row.button("Cancel", key="unsaved_cancel", on_click=actions.confirm_replace, args=("cancel",))


def _lazy_expander(label: str, key: str, draw: Callable[[], None]) -> None:
    """An expander whose content is drawn only while it is open. Streamlit draws a collapsed
    expander's content too, and the sidebar's (file uploaders, lists, forms) cost about a tenth of
    the page load; opening one costs a rerun instead."""
    box = st.expander(label, key=key, on_change="rerun")
    if box.open:
        with box:
            draw()


def _save_as_form() -> None:
    d = actions.doc()
    folders = [storage.workspace_dir(), *(Path(p) for p in st.session_state.settings["data_dirs"])]
    folder = st.selectbox("Folder", folders, key="saveas_folder", format_func=str)
    name = st.text_input("File name", value=(d.workflow.path.stem if d.workflow.path else d.name),
                         key="saveas_name")
    if st.button("Save", key="saveas_go", type="primary") and actions.save_as(Path(folder), name):
        st.rerun()


def _open_form() -> None:
    files = storage.list_workflows(storage.workspace_dir())
    if files:
        choice = st.selectbox("Workflow", files, format_func=lambda p: p.name, key="open_choice")
        if st.button("Open", key="open_go"):
            actions.replace_document("open", Path(choice))
            st.rerun()
    else:
        st.caption(f"No workflow files in {storage.workspace_dir()} yet (your workspace; templates are under "
                   "Templates)")
    uploaded = st.file_uploader("…or open a workflow file", type=["json"], key="open_upload")
    if uploaded is not None and st.button("Open uploaded file", key="open_upload_go"):
        actions.replace_document("upload", (uploaded.name, uploaded.getvalue()))
        st.rerun()


def _templates() -> None:
    for path in storage.list_workflows():
        info = storage.describe_workflow(path)
        st.markdown(f"**{escape.text(info['name'])}** · {plural(info['nodes'], 'node')}")
        if info["description"]:
            st.caption(escape.text(info["description"], limit=600))
        if st.button("Use this template", key=f"tpl:{path.name}", help="Start an untitled copy"):
            actions.replace_document("template", path)
            st.rerun()


def _upload_form() -> None:
    data = st.file_uploader("CSV, Parquet, Excel, JSON…", type=[e.lstrip(".") for e in storage.UPLOAD_EXTENSIONS],
                            key="data_upload")
    if data is not None:    # a callback: its notice is drawn by the rerun it causes
        st.button("Store in the upload folder", key="data_upload_go", on_click=actions.store_data_upload,
                  args=(data,))


def _parameters() -> None:
    """The workflow parameters panel: open from the start when the workflow has parameters."""
    st.session_state.shown_params = parameters_view.signature()   # see page_workbench.main_area
    count = len(actions.doc().workflow.parameters)
    box = st.expander(f"Workflow parameters ({count})" if count else "Workflow parameters", key="sb_params",
                      on_change="rerun", expanded=bool(count))
    if box.open:
        with box:
            parameters_view.render()


# --- settings ----------------------------------------------------------------------------

def _settings() -> None:
    _lazy_expander("Settings", "sb_settings", _settings_form)


def _settings_form() -> None:
    settings = st.session_state.settings
    st.markdown("**Granted data folders**")
    st.caption("File parameters may name files in these folders only (and in the workflow's folder).")
    st.text(f"uploads: {storage.uploads_dir()}")
    for folder in settings["data_dirs"]:
        cols = st.columns([4, 1])
        cols[0].text(folder)
        if cols[1].button("", icon=":material/close:", key=f"rmdir:{folder}", help="Remove this folder"):
            storage.remove_data_dir(settings, folder)
            actions.apply_settings()
            st.rerun()
    new = st.text_input("Add a folder", key="add_dir", placeholder="/home/me/data")
    if st.button("Grant", key="add_dir_go"):
        problem = storage.add_data_dir(settings, new)
        if problem:
            session.notify("error", problem)
        else:
            actions.apply_settings()
        st.rerun()
    _executor_form(settings)
    st.caption(f"App folder: {storage.app_dir()}")


def _executor_form(settings: dict) -> None:
    """Where nodes run: a registered executor, and for `dask` the scheduler (empty: a local cluster)."""
    st.markdown("**Executor**")
    options = sorted(resources.registry().executors)
    current = settings["executor"] if settings["executor"] in options else "threads"
    choice = st.selectbox("Run nodes with", options, index=options.index(current) if current in options else 0,
                          key="set_executor", help="dask: a cluster on this machine (127.0.0.1), or the "
                          "scheduler below; see docs/dask.md for what a remote scheduler exposes")
    scheduler = settings["scheduler"]
    if choice == "dask":
        scheduler = st.text_input("Dask scheduler", value=scheduler, key="set_scheduler",
                                  placeholder="empty: a local cluster; or tcp://HOST:8786").strip()
    if (choice, scheduler) != (settings["executor"], settings["scheduler"]) and st.button("Apply", key="set_executor_go"):
        settings["executor"], settings["scheduler"] = choice, scheduler if choice == "dask" else ""
        storage.save_settings(settings)
        resources.switch_executor()
        actions.apply_settings()
        st.rerun()
    link = getattr(resources.engine().executor, "dashboard_link", None)
    if link:
        st.caption(f"Dask dashboard: {link}")
