"""The sidebar's History section: the open workflow's kept versions (each Save keeps the one it
replaces), what changed from a chosen version to the open workflow, and Restore (undoable)."""

from __future__ import annotations

import datetime
from pathlib import Path

import streamlit as st

from . import actions, session
from .kernel_api import Version, Workflow, WorkflowError, diff_workflows, list_versions, read_version
from .words import plural


def _read_all(path: Path, versions: list[Version]) -> dict[str, Workflow | str]:
    """Each version's workflow by id, or why it cannot be read (a damaged entry)."""
    found: dict[str, Workflow | str] = {}
    for version in versions:
        try:
            found[version.id] = read_version(version, path)
        except WorkflowError as exc:
            found[version.id] = "; ".join(p.message for p in exc.problems)
    return found


def _summaries(versions: list[Version], read: dict[str, Workflow | str]) -> dict[str, str]:
    """What each version changed from the one before it (the oldest: its size)."""
    out = {}
    for n, version in enumerate(versions):
        this, before = read[version.id], read[versions[n + 1].id] if n + 1 < len(versions) else None
        if isinstance(this, str):
            out[version.id] = "damaged"
        elif isinstance(before, Workflow):
            out[version.id] = diff_workflows(before, this).summary()
        else:
            out[version.id] = f"oldest kept ({plural(len(this.nodes), 'node')})" if before is None else "…"
    return out


def _stamp(version: Version) -> str:
    """When a version was saved, short enough for the sidebar's select box ("Dec 07 17:00")."""
    return datetime.datetime.fromtimestamp(version.time).strftime("%b %d %H:%M")


def render() -> None:
    """Draw the History section's content (inside its expander)."""
    d = actions.doc()
    path = d.workflow.path
    if path is None:
        st.caption("Save the workflow to start its history: each Save keeps the version it replaces.")
        return
    try:
        versions = list_versions(path)
    except WorkflowError as exc:
        st.error(str(exc.problems[0]))
        return
    if not versions:
        st.caption("No versions yet: each Save keeps the version it replaces, beside the file in "
                   "`.dataflow-history/`.")
        return
    stamp = (str(path), tuple((v.id, v.time) for v in versions))
    read = session.memo("history_versions", stamp, lambda: _read_all(path, versions))
    summaries = session.memo("history_summaries", stamp, lambda: _summaries(versions, read))
    by_id = {v.id: v for v in versions}
    chosen = st.selectbox(f"{len(versions)} kept, newest first", list(by_id), key="history_choice",
                          format_func=lambda i: f"{_stamp(by_id[i])} · {by_id[i].short} · {summaries[i]}")
    version = by_id.get(chosen) or versions[0]
    workflow = read[version.id]
    st.caption(f"Saved {version.when()}; it changed: {summaries[version.id]}")
    if isinstance(workflow, str):
        st.error(workflow)
        return
    diff = diff_workflows(workflow, d.workflow)
    st.caption(f"From this version to the open workflow: {diff.summary()}")
    if not diff.empty:
        st.code("\n".join(diff.lines()[:60]), language=None, wrap_lines=True)
    st.button("Restore this version", key="history_restore", on_click=actions.restore_version, args=(version.id,),
              disabled=diff.empty, help="The open workflow becomes this version and is saved; the file as it was "
                                        "is kept in the history. Undo brings back what you had.")
