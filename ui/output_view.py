"""The output panel of the selected node: its error, warnings and outputs (tables, charts,
metrics, models, anything a plugin has a viewer for), with downloads, and its run log."""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import actions, outputs, resources, run_view
from .kernel_api import CacheEntry
from .status import NodeView


def _entry(node_id: str, stale: bool = False) -> CacheEntry | None:
    """The node's cached outputs as it stands now; for a `stale` node, those of its last run (its
    old cache key), when still in the cache."""
    result = actions.analysis()
    plan = actions.plans().get(node_id)
    if plan is None or result.graph is None:
        return None
    engine = resources.engine()
    last = st.session_state.runs.results.get(node_id)
    if plan.cached:
        key, load = plan.key.key, lambda: engine.load_outputs(result.graph, node_id)
    elif stale and last is not None and last.key and last.status in ("computed", "cached"):
        key, load = last.key, lambda: engine.cache.get(last.key, result.graph.nodes[node_id].spec.cache)
    else:
        return None
    memo = st.session_state.memo.setdefault("_outputs", {})
    if memo.get("key") != key:     # keep one node's outputs: previews stay cheap on reruns
        try:
            entry = load()
        except Exception as exc:
            st.error(f"Could not read this node's cached output: {exc}")
            return None
        memo.clear()
        memo.update(key=key, entry=entry)
    return memo.get("entry")


def shown_node(node_id: str) -> str:
    """The node whose outputs the panel shows for `node_id`: itself, or for a component node the last
    node inside it whose output leaves the component (or goes nowhere)."""
    graph = actions.analysis().graph
    if graph is None or node_id in graph.nodes:
        return node_id
    prefix = f"{node_id}/"
    leaving = [n for n in graph.order if n.startswith(prefix)
               and not any(c.startswith(prefix) for c, _, _ in graph.consumers.get(n, ()))]
    return leaving[-1] if leaving else node_id


def render(node_id: str, view: NodeView) -> None:
    """Draw the output of node `node_id` (whose status is `view`); a component node's is that of the
    node inside it that gives its output."""
    with st.container(key="output"):
        st.markdown(f"**Output** · `{node_id}` · {view.status}")
        inner = shown_node(node_id)
        if inner != node_id:
            st.caption(f"A component: its output comes from `{inner}`, the node inside it that gives it.")
            node_id = inner
        result = st.session_state.runs.results.get(node_id)
        if view.status == "failed" and result is not None:
            st.error(result.error or "the node failed")
            if result.traceback:
                with st.expander("Traceback"):
                    st.code(result.traceback, language="text")
        elif view.status in ("invalid", "missing", "skipped", "stale") and view.detail:
            st.info(view.detail)
        elif view.status in ("running", "queued"):
            run_view.node_progress(node_id)
        entry = _entry(node_id, stale=view.status == "stale")
        if entry is None:
            if view.status in ("not run", "stale"):
                st.caption("Run the workflow (or run up to this node) to see its output.")
        else:
            if view.status == "stale":
                with st.container(key="stale_output"):
                    st.warning("Stale: this is the output of the last run, before the change above. "
                               "Run again to update it.", icon=":material/history:")
            _outputs(node_id, entry)
        log = st.session_state.runs.log.get(node_id)
        if log:
            box = st.expander("Log", key=f"log:{node_id}", on_change="rerun")   # drawn once opened
            if box.open:
                with box, st.container(key="node_log"):
                    st.code("\n".join(log[-20:]), language="text")


def _outputs(node_id: str, entry: CacheEntry) -> None:
    """Warnings, then each output port (tabs when there are several)."""
    for warning in entry.warnings:
        st.warning(warning)
    viewers = resources.viewers()
    items = list(entry.outputs.items())
    boxes = st.tabs([f"{name} ({entry.port_types.get(name, '?')})" for name, _ in items]) if len(items) > 1 \
        else [st.container()]
    for (name, value), box in zip(items, boxes, strict=True):
        with box:
            _show(node_id, name, entry.port_types.get(name, ""), value, viewers)


def _show(node_id: str, port: str, port_type: str, value: Any, viewers: dict) -> None:
    viewer = viewers.get(port_type)
    if viewer is not None:
        try:
            viewer(value, st.container())
            return
        except Exception as exc:  # a plugin's viewer must not break the page
            st.warning(f"The plugin viewer for '{port_type}' failed ({exc}); showing the built-in view.")
    if outputs.is_table(value):
        _table(node_id, port, value)
    elif outputs.is_figure(value):
        st.plotly_chart(value, width="stretch", key=f"fig:{node_id}:{port}")
        st.download_button("Download HTML", lambda: outputs.figure_html(value), file_name=f"{node_id}_{port}.html",
                           mime="text/html", on_click="ignore", key=f"dl_html:{node_id}:{port}")
    elif port_type == "metrics" and isinstance(value, dict):
        _metrics(value)
    elif port_type == "model":
        summary = outputs.model_summary(value)
        cols = st.columns(2)
        cols[0].metric("Model", summary["type"].rsplit(".", 1)[-1])
        if isinstance(summary.get("training score"), float):
            cols[1].metric("Training score", f"{summary['training score']:.4g}")
        st.json(summary, expanded=1)
    elif port_type == "series" and hasattr(value, "to_frame"):
        _table(node_id, port, value.to_frame())
    elif port_type == "array" and hasattr(value, "shape"):
        st.caption(f"array of shape {tuple(value.shape)}, dtype {getattr(value, 'dtype', '?')}")
        st.dataframe(value[: outputs.PREVIEW_ROWS] if value.ndim else [value.item()])
    elif isinstance(value, (dict, list)):
        st.json(value, expanded=2)
    else:
        st.code(repr(value)[:5000])


def _table(node_id: str, port: str, table: Any) -> None:
    info = outputs.table_summary(table)
    shown = min(info["rows"], outputs.PREVIEW_ROWS)
    with st.container(key=f"table_info_{port}"):  # one per output: a split shows two tables
        st.caption(f"{info['rows']:,} rows × {info['columns']} columns"
                   + (f" · showing the first {shown}" if shown < info["rows"] else ""))
    st.dataframe(outputs.preview(table), width="stretch", height=260, key=f"tbl:{node_id}:{port}")
    with st.expander("Columns and statistics"):
        st.dataframe({"column": list(info["dtypes"]), "dtype": list(info["dtypes"].values())}, hide_index=True)
        stats = outputs.statistics(table)
        if stats is not None:
            st.dataframe(stats, width="stretch")
    box = st.expander("Profile", key=f"profile:{node_id}:{port}", on_change="rerun")
    if box.open:  # drawn only while open: a profile reads every row of the table
        with box:
            _profile(table)
    cols = st.columns(2)
    cols[0].download_button("Download CSV", lambda: outputs.csv_bytes(table), file_name=f"{node_id}_{port}.csv",
                            mime="text/csv", on_click="ignore", key=f"dl_csv:{node_id}:{port}")
    cols[1].download_button("Download Parquet", lambda: outputs.parquet_bytes(table),
                            file_name=f"{node_id}_{port}.parquet", mime="application/octet-stream",
                            on_click="ignore", key=f"dl_pq:{node_id}:{port}")


def _profile(table: Any) -> None:
    """The column profile of the table shown (kept for that table object while the panel shows it)."""
    memo = st.session_state.memo.setdefault("_profile", {})
    if memo.get("table") is not table:
        try:
            found = outputs.profile(table, resources.registry())
        except Exception as exc:  # a plugin's node must not break the page
            st.warning(f"Could not profile this table: {exc}")
            return
        memo.clear()
        memo.update(table=table, found=found)
    if memo["found"] is None:
        st.caption(f"Install dataflow-transform for a column profile ({outputs.PROFILE_NODE}).")
        return
    profile, notes = memo["found"]
    for note in notes:
        st.caption(note)
    st.dataframe(profile, hide_index=True, width="stretch")


def _metrics(metrics: dict) -> None:
    scalars = [(k, v) for k, v in outputs.metric_items(metrics) if isinstance(v, (int, float))]
    others = {k: v for k, v in metrics.items() if not isinstance(v, (int, float))}
    for start in range(0, len(scalars), 4):
        cols = st.columns(4)
        for col, (name, value) in zip(cols, scalars[start:start + 4], strict=False):
            col.metric(name, f"{value:.4g}" if isinstance(value, float) else value)
    if others:
        st.json(others, expanded=1)
