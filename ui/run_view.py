"""The run panel under the toolbar, and a running node's progress in its output panel.

While a run is in progress the panel is a fragment that redraws itself every `REFRESH_SECONDS`:
the elapsed clock, how many nodes are done, what each running node last reported
(`dataflow.sdk.progress`), and once Stop was pressed a "Stopping…" notice that stays until the
run has really ended (it is drawn from the job's state, not a timed notice). Redrawing only this
fragment keeps the canvas still; the page itself reruns when a node's status changes
(page_workbench._poll). When the run has ended, the fragment reruns the page, which folds the
result in and shows the run's summary instead.
"""

from __future__ import annotations

import streamlit as st

from .runner import RunJob, Snapshot

REFRESH_SECONDS = 0.5


def panel() -> None:
    """The run's progress while one runs, else the last run's summary."""
    job: RunJob | None = st.session_state.job
    if job is not None and not job.finished:
        st.fragment(_live, run_every=REFRESH_SECONDS)()
    elif st.session_state.runs.last_summary:
        with st.container(key="run_summary"):
            st.caption(st.session_state.runs.last_summary)


def _live() -> None:
    job: RunJob | None = st.session_state.job
    if job is None:
        return
    snap = job.snapshot()
    if snap.finished:
        st.rerun(scope="app")   # fold the result in (actions.finish_run) and show the summary
    with st.container(key="run_progress"):
        if snap.stopping:
            st.warning(f"Stopping… the run ends within 2 s · {snap.elapsed:.1f} s", icon="⏹")
        where = ", ".join(snap.running) or "…"
        st.progress(snap.done / snap.total if snap.total else 0.0,
                    text=f"Running: {snap.done} of {snap.total or '?'} done · now: {where} · {snap.elapsed:.1f} s")
        for node_id in snap.running:
            if node_id in snap.progress:
                st.caption(progress_text(node_id, snap))


def progress_text(node_id: str, snap: Snapshot) -> str:
    """'train: 30% · fit 3 of 10' from the node's last report (Markdown-escaped)."""
    fraction, message = snap.progress.get(node_id, (None, ""))
    parts = [f"{fraction:.0%}" if fraction is not None else "", _plain(message)]
    return f"`{node_id}`: " + " · ".join(p for p in parts if p)


def node_progress(node_id: str) -> None:
    """In the output panel of a running node: its progress, redrawn every `REFRESH_SECONDS`."""
    st.fragment(_node_live, run_every=REFRESH_SECONDS)(node_id)


def _node_live(node_id: str) -> None:
    job: RunJob | None = st.session_state.job
    if job is None or job.finished:
        return
    snap = job.snapshot()
    fraction, message = snap.progress.get(node_id, (None, ""))
    with st.container(key="node_progress"):
        if node_id not in snap.running:
            st.caption("Queued: waits for its inputs.")
        elif fraction is None and not message:
            st.caption(f"Running · {snap.elapsed:.1f} s into the run")
        else:
            st.progress(fraction or 0.0, text=_plain(message) or "Running")


def _plain(text: str) -> str:
    """Text from a node, shown as text: Markdown and HTML characters escaped."""
    out = []
    for char in str(text)[:120]:
        out.append("\\" + char if char in "\\`*_{}[]()<>#+-.!|~$:" else char)
    return "".join(out)
