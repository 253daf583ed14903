"""The main area: the toolbar (run all, run to selected, stop, undo, redo, auto-layout, status
summary) with the run's progress, the canvas, and the notices and port chooser beside it."""

from __future__ import annotations

import streamlit as st
from streamlit_flow import streamlit_flow
from streamlit_flow.elements import StreamlitFlowEdge, StreamlitFlowNode
from streamlit_flow.layouts import ManualLayout
from streamlit_flow.state import StreamlitFlowState

from . import actions, escape, keyboard, run_view, session
from .canvas import desired_graph
from .status import ICONS, NodeView, summary
from .words import plural

CANVAS_HEIGHT = 680
QUICK_RUN_SECONDS = 0.25   # a run that ends within this is shown without polling
_LAYOUT = ManualLayout()


def notices() -> None:
    """Draw the pending notices (each stays for a few seconds of reruns, see session.notices_to_show)."""
    for n in session.notices_to_show():
        getattr(st, n.kind if n.kind in ("info", "success", "warning", "error") else "info")(n.message)


def _run(targets: list[str] | None) -> None:
    """Button callback: start a run. A quick one (everything cached) is folded in at once, so the
    rerun that follows shows it; a longer one asks for a full rerun, which starts the polling."""
    actions.start_run(targets)
    job = st.session_state.job
    if job is None:
        return
    if job.wait(QUICK_RUN_SECONDS):
        actions.finish_run()
    else:
        st.session_state.need_full_rerun = True   # AppTest ignores st.rerun in callbacks
        st.rerun()      # from a callback: a full-app rerun, which starts the polling fragment


def _layout() -> None:
    """Button callback: auto-layout by the nodes' sizes as drawn (measured in the page as the
    button was pressed), shown on a fresh canvas so that the view fits the result."""
    d = actions.doc()
    d.heights.update({n: h for n, h in keyboard.measured_heights().items() if n in d.workflow.nodes})
    d.auto_layout()
    session.new_canvas()


def toolbar(views: dict[str, NodeView]) -> None:
    """Buttons and the status summary."""
    d = actions.doc()
    job = st.session_state.job
    running = job is not None and not job.finished
    bar = st.container(horizontal=True, key="toolbar")
    bar.button("Run all", key="tb_run", type="primary", disabled=running, icon=":material/play_arrow:",
               on_click=_run, args=(None,))
    bar.button("Run to selected", key="tb_run_sel", disabled=running or not d.selected,
               icon=":material/step_into:", help="Run the selected node and what it needs",
               on_click=_run, args=([d.selected],))
    bar.button("Stop", key="tb_stop", disabled=not running, icon=":material/stop:", on_click=actions.stop_run)
    bar.button("Undo", key="tb_undo", on_click=d.undo, disabled=not d.undo_stack or running, icon=":material/undo:")
    bar.button("Redo", key="tb_redo", on_click=d.redo, disabled=not d.redo_stack or running, icon=":material/redo:")
    bar.button("Layout", key="tb_layout", on_click=_layout, disabled=not d.workflow.nodes,
               icon=":material/account_tree:", help="Arrange the nodes left to right by dependency")
    counts = summary(views)
    text = " · ".join(f"{ICONS[s]} {n} {s}" for s, n in counts.items()) or "empty workflow"
    with bar.container(key="status_summary"):
        st.markdown(f"<div style='padding-top:6px'>{text}</div>", unsafe_allow_html=True)
    run_view.panel()


def _pick_ports(source_port: str | None, target_port: str | None) -> None:
    """Chooser callback: make the pending connection with the chosen ports (None: cancel it)."""
    sync = st.session_state.sync
    pending, sync.pending = sync.pending, None
    if pending is None or source_port is None or target_port is None:
        return
    d = actions.doc()
    made, why = d.add_edge(pending.source, source_port, pending.target, target_port,
                           amend=pending.added_at == d.revision)
    if made is None:
        session.notify("warning", f"Connection refused: {why}")


def port_chooser() -> None:
    """When a drawn connection fits several (output, input) pairs, ask which one, beside the canvas
    (at the top of the side panel), before the edge exists: one button per pair, none preselected, and Cancel."""
    pending = st.session_state.sync.pending
    d = actions.doc()
    if pending is None or pending.source not in d.workflow.nodes or pending.target not in d.workflow.nodes:
        return
    with st.container(key="port_chooser", border=True):
        st.markdown(f"**Connect {escape.text(pending.source)} → {escape.text(pending.target)}**: "
                    "which output feeds which input? Nothing is connected until you choose.")
        row = st.container(horizontal=True)
        for n, (out, inp) in enumerate(pending.pairs):
            row.button(f"{out} → {inp}", key=f"pick_ports:{n}", on_click=_pick_ports, args=(out, inp))
        row.button("Cancel", key="pick_ports:cancel", icon=":material/close:", on_click=_pick_ports,
                   args=(None, None))


def receive() -> None:
    """Apply what the canvas reported since the last run to the workflow (once per value)."""
    sync = st.session_state.sync
    value = st.session_state.get(session.canvas_key())
    for message in sync.receive(actions.doc(), value, actions.specs()):
        session.notify("warning", message)


def canvas(views: dict[str, NodeView]) -> None:
    """Draw the canvas, pushing only when it shows something other than the workflow."""
    d = actions.doc()
    sync = st.session_state.sync
    signature = (d.revision, tuple(views.items()), sync.pending)
    nodes, edges = session.memo("desired", signature,
                                lambda: desired_graph(d, actions.specs(), views, sync.pending))
    args = sync.args_for(nodes, edges)
    if st.session_state.get("_flow_args_src") is not args:
        st.session_state._flow_args_src = args
        st.session_state._flow_state = StreamlitFlowState(
            [StreamlitFlowNode.from_dict(n) for n in args["nodes"]],
            [StreamlitFlowEdge.from_dict(e) for e in args["edges"]], None, args["timestamp"])
    streamlit_flow(session.canvas_key(), st.session_state._flow_state, height=CANVAS_HEIGHT, fit_view=True,
                   show_controls=True, allow_new_edges=True, get_node_on_click=True, get_edge_on_click=True,
                   # no node or edge menu: their "Edit" dialogs edit raw HTML and handle sides, which
                   # the next push silently reverts; delete from the properties panel or the keyboard
                   enable_node_menu=False, enable_edge_menu=False, hide_watermark=True, min_zoom=0.1,
                   layout=_LAYOUT)
    with st.container(key="canvas_info"):
        # the hidden `ts=` is what the browser tests wait for (Python has applied the canvas's last value)
        st.caption(f"{plural(len(d.workflow.nodes), 'node')} · {plural(len(d.workflow.edges), 'connection')} · "
                   f"selected: {d.selected or 'none'}<span class='flow-ts' style='display:none'> "
                   f"ts={sync.last_ts};</span>", unsafe_allow_html=True)

