"""The properties panel of the selected node: its label, problems, parameter fields
(`param_fields`, a model's settings in `model_fields`), connections (`connections_view`), loop,
help, and the buttons that act on it (swap inputs, expand a component, make one, duplicate,
delete)."""

from __future__ import annotations

import streamlit as st

from . import actions, connections_view, forms, loop_view, param_fields, slots
from .kernel_api import LOOP, NodeSpec
from .ports import spec_of

LABEL_KEY = "node_label"


def render(node_id: str) -> None:
    """Draw the properties of node `node_id`."""
    d = actions.doc()
    node = d.workflow.nodes[node_id]
    spec = spec_of(actions.specs(), node)
    with st.container(key="props"):
        st.markdown(f"**Properties** · `{node_id}`")
        # one Label field for every node (its value set when another node or revision is shown): a
        # new selection updates it instead of mounting a new field in the page; its default is the
        # same value, so a field the page mounts afresh does not report an edit (`slots`)
        if st.session_state.get("_label_of") != (node_id, d.revision) or LABEL_KEY not in st.session_state:
            st.session_state[LABEL_KEY] = node.label or ""
            st.session_state._label_of = (node_id, d.revision)
        st.text_input("Label", value=node.label or "", key=LABEL_KEY, placeholder=spec.label if spec else node.type,
                      on_change=lambda: slots.gone(node_id) or d.set_label(node_id, st.session_state[LABEL_KEY]))
        if spec is None:
            _placeholder(node_id, node.type, node.params)
        else:
            st.caption(f"`{node.type}` v{spec.version} · {spec.category} — {spec.description}")
            problems = actions.analysis().problems.get(node_id, [])
            for problem in problems:
                if problem.param is None:   # an input not connected yet is a step to take, not an error
                    (st.info if problem.code == "missing_input" else st.error)(problem.message)
            _swap_button(node_id, spec)
            # shown at its field, a problem need not say which node and parameter it is about
            by_param = {p.param: p.message.removeprefix(f"node '{node_id}', parameter '{p.param}': ")
                        for p in problems if p.param}
            edited_by_model = model_settings(spec)      # drawn as the model's settings, not as JSON
            for place, param in enumerate(spec.params):
                if param.name in edited_by_model:
                    if by_param.get(param.name):
                        st.error(by_param[param.name])
                    continue
                param_fields.field(node_id, spec, param, node.params, by_param.get(param.name), place)
            connections_view.render(node_id, spec)
            loop_view.render(node_id, actions.specs().get(node.type) or spec)
            if spec.help and (box := st.expander("Help", key=slots.closed("help", node_id), on_change="rerun")).open:
                with box:                                           # drawn once opened
                    st.markdown(spec.help)
        if node.type.startswith("component."):
            _component_buttons(node_id, looped=LOOP in node.extra)
        _make_component_menu()
        # the same two buttons for every node (they act on the node shown): a new selection keeps
        # them mounted in the page instead of drawing new ones with their tooltips
        row = st.container(horizontal=True)
        row.button("Duplicate", icon=":material/content_copy:", key="dup:node", help="Ctrl+D",
                   on_click=d.duplicate_node, args=(node_id,))
        if row.button("Delete node", icon=":material/delete:", key="del:node", help="Delete or Backspace"):
            d.remove_node(node_id)
            st.rerun()


def model_settings(spec: NodeSpec) -> set[str]:
    """Parameters holding a chosen model's hyperparameters: edited in that model's settings only."""
    names = set()
    for param in spec.params:
        f = forms.field_for(param)
        if f.widget == "model":
            names.add(f.hyperparameters or "hyperparameters")
    return names


def swappable_inputs(spec: NodeSpec) -> tuple[str, str] | None:
    """The first two inputs of the same type (a join's left and right), which can swap feeds."""
    for n, first in enumerate(spec.inputs):
        for second in spec.inputs[n + 1:]:
            if first.type.name == second.type.name:
                return first.name, second.name
    return None


def _swap_button(node_id: str, spec: NodeSpec) -> None:
    """One action that exchanges what feeds two same-typed inputs (left and right of a join)."""
    ports = swappable_inputs(spec)
    d = actions.doc()
    if ports is None or not any(e.target == node_id and e.target_port in ports for e in d.workflow.edges):
        return
    st.button(f"Swap {ports[0]} ↔ {ports[1]}", key=f"swap:{node_id}", icon=":material/swap_horiz:",
              help=f"Feed {ports[0]} from what feeds {ports[1]} now, and the other way round",
              on_click=d.swap_inputs, args=(node_id, *ports))


def _component_buttons(node_id: str, looped: bool = False) -> None:
    """Expand a component node into the nodes inside it, or open its file to edit it."""
    row = st.container(horizontal=True)
    row.button("Expand into its nodes", icon=":material/unfold_more:", key=f"expand:{node_id}",
               on_click=actions.expand_component, args=(node_id,), disabled=looped,
               help="A loop runs the component once per item: remove the loop to expand it" if looped else
               "Replace this node by the nodes inside the component (Undo takes it back)")
    path = actions.find_component_file(node_id)
    if path is not None and row.button("Open the component", icon=":material/edit:", key=f"open_comp:{node_id}",
                                       help=f"Edit {path.name}: every workflow using it sees the change"):
        actions.replace_document("open", path)
        st.rerun()


def _make_component_menu() -> None:
    """Make a component of the selected nodes (Ctrl+click selects several), saved in the workspace."""
    count = len(actions.selected_nodes())
    menu = st.popover(f"Make a component of {count} node{'s' if count != 1 else ''}", icon=":material/widgets:",
                      key="make_component", on_change="rerun")
    if menu.open:
        with menu:
            name = st.text_input("Component name", key="component_name", placeholder="clean_orders",
                                 help="Saved as components/<name>.json in your workspace; it joins the palette")
            if st.button("Make component", key="make_component_go", type="primary") and actions.make_component(name):
                st.rerun()


def _placeholder(node_id: str, type_id: str, params: dict) -> None:
    hint = actions.analysis().missing.get(type_id, "its plugin is not installed")
    st.warning(f"Node type `{type_id}` is not available: {hint}. The node keeps its parameters and is saved "
               "unchanged; install the package and reload to use it.")
    st.json(params, expanded=False)
