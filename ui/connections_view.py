"""The Connections section of the properties panel: what feeds each input of the node, each
connection in and out with a port chooser when several (output, input) pairs fit, and a button
that removes it. Drawn only while the section is open."""

from __future__ import annotations

import streamlit as st

from . import actions, slots
from .canvas import edge_label
from .document import edge_id
from .kernel_api import NodeSpec
from .ports import compatible_pairs, spec_of


def render(node_id: str, spec: NodeSpec) -> None:
    """The node's Connections section (closed by default, and then nothing inside it is drawn)."""
    d = actions.doc()
    specs = actions.specs()
    incoming = [e for e in d.workflow.edges if e.target == node_id]
    outgoing = [e for e in d.workflow.edges if e.source == node_id]
    if not (incoming or outgoing or spec.inputs):
        return
    box = st.expander(f"Connections ({len(incoming)} in, {len(outgoing)} out)", key=slots.closed("connections", node_id),
                      on_change="rerun")
    if not box.open:
        return           # drawn once opened: a closed panel costs nothing when another node is selected
    with box:
        for port in spec.inputs:
            fed = [e for e in incoming if e.target_port == port.name]
            state = ", ".join(f"{e.source}.{e.source_port or '?'}" for e in fed) or (
                "optional, not connected" if port.optional else "**not connected**")
            st.markdown(f"input `{port.name}` ({port.type.name}): {state}")
        for edge in incoming + outgoing:
            eid = edge_id(edge)
            other = edge.source if edge.target == node_id else edge.target
            source = d.workflow.nodes.get(edge.source)
            target = d.workflow.nodes.get(edge.target)
            s_spec, t_spec = spec_of(specs, source), spec_of(specs, target)
            cols = st.columns([3, 1])
            arrow = "from" if edge.target == node_id else "to"
            pairs = compatible_pairs(s_spec, t_spec) if s_spec and t_spec else []
            label = edge_label(d.workflow, edge, specs)
            if len(pairs) > 1:
                current = (edge.source_port, edge.target_port)
                options = pairs + ([current] if current not in pairs else [])
                pick_key = f"ports:{eid}@{d.revision}"
                cols[0].selectbox(f"{arrow} {other}", options, index=options.index(current), key=pick_key, format_func=lambda p: f"{p[0]} → {p[1]}",
                                  on_change=_reassign, args=(eid, pick_key))
            else:
                cols[0].markdown(f"{arrow} `{other}`: {label}")
            cols[1].button("", icon=":material/link_off:", key=f"rmedge:{eid}", help="Remove this connection", on_click=d.remove_edge, args=(eid,))


def _reassign(eid: str, key: str) -> None:
    source_port, target_port = st.session_state[key]
    made, why = actions.doc().reassign_edge(eid, source_port, target_port)
    if made is None:
        from . import session
        session.notify("warning", why)
