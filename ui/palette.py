"""The node palette in the sidebar, and what adding a node from it does.

The palette is a small Streamlit component of our own (`palette_component/index.html`, plain
HTML and JavaScript served by Streamlit itself: no build step, nothing fetched from elsewhere). It
gets the node types with their search words (`catalogue.py`) once, filters them as the user types
and shows the category tree, all in the browser; Streamlit's text input would report only on Enter
or when it loses the focus. Choosing a node (Enter adds the first hit, a click adds any) sends
`{"add": type id, "n": a fresh number}`, which `receive` applies at the start of the next run.

Adding a node while another is selected connects the two as a double-click in KNIME's node
repository does: at once when exactly one (output, input) pair fits, through the port chooser when
several do; one undo takes back the node and its connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from . import actions, catalogue, resources, session, storage
from .canvas import PendingConnection

KEY = "palette"
_component = components.declare_component("palette", path=str(Path(__file__).parent / "palette_component"))


def _entries() -> list[dict[str, Any]]:
    """The palette's entries as the component takes them (built once per registry), ranked among
    equal matches by how many shipped templates use each type: the project's own `workflows/`,
    whatever templates folder `DATAFLOW_WORKFLOWS_DIR` names, so the ranking is the same for everyone."""
    reg, specs = resources.registry(), actions.specs()

    def build() -> list[dict[str, Any]]:
        shipped = storage.list_workflows(storage.ROOT / "workflows")
        used = catalogue.uses(storage.describe_workflow(p)["types"] for p in shipped)
        return [e.to_dict() for e in catalogue.entries(specs.values(), reg.contributions("estimators"), used)]
    return session.memo("palette_entries", (id(reg), tuple(specs)), build)


def render() -> None:
    """Draw the palette (search box and category tree)."""
    st.markdown("#### Nodes")
    _component(entries=_entries(), key=KEY, default=None)


def receive() -> None:
    """Add the node the palette last reported (once per report)."""
    value = st.session_state.get(KEY)
    if not isinstance(value, dict) or value.get("n") is None or value.get("n") == st.session_state.get("_palette_n"):
        return
    st.session_state._palette_n = value["n"]
    add(str(value.get("add") or ""))


def add(type_id: str) -> str | None:
    """Add a node of `type_id` next to the selected node and connect it from there when one port
    pair fits (when several do, the port chooser asks). Returns the new node's id."""
    specs = actions.specs()
    spec = specs.get(type_id)
    if spec is None:
        return None
    d = actions.doc()
    source = d.selected if d.selected in d.workflow.nodes else None
    node_id = d.add_node(spec, near=source)
    if source is None:
        return node_id
    pairs, _ = d.connection_choices(source, node_id, dict(specs))
    if len(pairs) == 1:
        d.add_edge(source, pairs[0][0], node_id, pairs[0][1], amend=True)
    elif len(pairs) > 1:
        st.session_state.sync.pending = PendingConnection(source, node_id, tuple(pairs), d.revision)
    return node_id
