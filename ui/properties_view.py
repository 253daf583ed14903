"""The properties panel of the selected node: label, parameter form, connections, problems, help."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dataflow.sdk import check_formula

from . import actions, forms, loop_view, parameters_view, resources, slots, storage
from .canvas import edge_label
from .document import edge_id
from .kernel_api import LOOP, NodeSpec, ParamSpec, TableSchema, format_choices
from .outputs import columns_of
from .ports import compatible_pairs, spec_of

LABEL_KEY = "node_label"


def _gone(node_id: str) -> bool:
    """Whether the node a field's callback is about was removed by an earlier callback of the same
    interaction (a Delete key press that also committed the field the focus left)."""
    return node_id not in actions.doc().workflow.nodes


def _set_param(node_id: str, name: str, key: str, default: Any, convert=None) -> None:
    if _gone(node_id):
        return
    value = st.session_state[key]
    if convert is not None:
        value, problem = convert(value)
        if problem:
            st.session_state[f"err:{key}"] = problem
            return
    st.session_state.pop(f"err:{key}", None)
    actions.doc().set_param(node_id, name, value, default)


def upstream_columns(node_id: str, port: str | None) -> list[str] | None:
    """Column names of the table feeding `port` of the node: from the schema pass as soon as the
    node is connected, else from the cached upstream output; None when unknown."""
    if port is None:
        return None
    d = actions.doc()
    result = actions.analysis()
    edge = next((e for e in d.workflow.edges if e.target == node_id and e.target_port in (port, None)), None)
    if edge is None or not result.runnable(edge.source):
        return None
    if result.runnable(node_id):
        schema = actions.schemas().input_schema(result.graph, node_id, port)
        if isinstance(schema, TableSchema):
            return schema.names
    plan = actions.plans().get(edge.source)
    if plan is None or not plan.cached:
        return None
    graph_node = result.graph.nodes[edge.source]
    source_port = edge.source_port or next((p.name for p in graph_node.spec.outputs if p.type.name == "table"), None)

    def load() -> list[str] | None:
        try:
            entry = resources.engine().load_outputs(result.graph, edge.source)
        except Exception:
            return None
        return columns_of(entry.outputs.get(source_port)) if entry is not None else None
    memo = st.session_state.memo.setdefault("_columns", {})
    key = (plan.key.key, source_port)
    if key not in memo:
        memo[key] = load()
    return memo[key]


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
                      on_change=lambda: _gone(node_id) or d.set_label(node_id, st.session_state[LABEL_KEY]))
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
                _field(node_id, spec, param, node.params, by_param.get(param.name), place)
            _connections(node_id, spec)
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


def _field(node_id: str, spec: NodeSpec, param: ParamSpec, params: dict, problem: str | None, place: int) -> None:
    """The parameter's field with its link button, or, bound to a workflow parameter, where its
    value comes from. `place` is its position in the form: every node's field there shares one
    container and one widget per kind (`slots`)."""
    value = params.get(param.name, param.default)
    source = parameters_view.binding_of(value)
    if source is not None:
        with st.container(key=f"field:{place}"):
            parameters_view.bound_field(node_id, param, forms.field_for(param).label, source, place)
            if problem:
                st.error(problem)
        return
    # the field and its link button side by side: two blocks, not the four of `st.columns`
    with st.container(key=f"field:{place}", horizontal=True, gap="small"):
        with st.container():
            _plain_field(node_id, spec, param, params, problem, place)
        parameters_view.bind_menu(node_id, param, value, place)


def _plain_field(node_id: str, spec: NodeSpec, param: ParamSpec, params: dict, problem: str | None,
                 place: int) -> None:
    f = forms.field_for(param)
    revision = actions.doc().revision
    value = params.get(param.name, param.default)
    default = param.default

    def slot(kind: str, shown: Any) -> str:     # the widget of this kind at this place, showing `shown`
        return slots.field(str(place), kind, node_id, param.name, revision, shown)
    w = f.widget
    inputs = [(p.name, p.type.name) for p in spec.inputs]
    key = ""
    if w == "bool":
        key = slot("checkbox", bool(value))
        st.checkbox(f.label, value=bool(value), key=key, help=f.help or None, on_change=_set_param, args=(node_id, param.name, key, default))
    elif w == "select":
        options = list(f.options) + ([value] if value not in f.options else [])
        key = slot("selectbox", value)
        st.selectbox(f.label, options, index=options.index(value), key=key, help=f.help or None, on_change=_set_param,
                     args=(node_id, param.name, key, default))
    elif w in ("int", "float") and value is not None:
        number = int(value) if w == "int" else float(value)
        key = slot(w, number)
        st.number_input(f.label, value=number, key=key, help=f.help or None, on_change=_set_param, args=(node_id, param.name, key, default),
                        **forms.number_bounds(f, w))
    elif w == "column":
        columns = upstream_columns(node_id, forms.upstream_port(inputs, f))
        if columns:
            options = ([""] if param.nullable or value in ("", None) else []) + columns
            options += [value] if value not in options and value is not None else []
            key = slot("selectbox", value if value is not None else "")
            st.selectbox(f.label, options, index=options.index(value if value is not None else ""), key=key,
                         format_func=lambda c: c if c != "" else "(none)", help=f.help or None, on_change=_set_param,
                         args=(node_id, param.name, key, default, _none_if_empty(param)))
        else:
            key = slot("text", "" if value is None else str(value))
            _text(f, key, value, (node_id, param.name, key, default), param,
                  hint="connect a table whose columns are known, or run the upstream node, to pick from its columns")
    elif w == "columns":
        columns = upstream_columns(node_id, forms.upstream_port(inputs, f))
        current = list(value or [])
        if columns:
            key = slot("multiselect", current)
            st.multiselect(f.label, list(dict.fromkeys(columns + current)), default=current, key=key, help=f.help or None,
                           on_change=_set_param, args=(node_id, param.name, key, default))
        else:
            key = slot("text", ", ".join(current))
            st.text_input(f.label, value=", ".join(current), key=key,
                          help=(f.help + " · " if f.help else "") + "comma-separated; run the "
                          "upstream node to pick from its columns", on_change=_set_param,
                          args=(node_id, param.name, key, default, lambda t: (forms.parse_json_value(param, t))))
    elif w == "formula":
        key = slot("text", "" if value is None else str(value))
        _text(f, key, value, (node_id, param.name, key, default), param)
        columns = upstream_columns(node_id, forms.upstream_port(inputs, f))
        if value:
            st.caption("Columns: " + ", ".join(f"`{c}`" for c in columns) if columns else
                       "Connect a table whose columns are known (or run it) to check column names too.")
            try:
                error = check_formula(value, columns)   # columns None: syntax and limits only
            except Exception as exc:  # a checker bug must not break the form
                error = exc
            if error is not None:
                problem = None  # the schema pass would say the same at this field
                with st.container(key="formula_error"):
                    st.error(f"Formula: {error}")
    elif w == "model":
        key = _model(node_id, param, f, params, value, slot)
    elif w == "format":
        choices = format_choices(resources.registry().sources, f.formats)
        options = list(choices) + ([value] if value not in choices else [])
        key = slot("selectbox", value)
        st.selectbox(f.label, options, index=options.index(value), key=key, help=f.help or None, on_change=_set_param,
                     args=(node_id, param.name, key, default), format_func=lambda c: choices.get(c, f"{c} (not installed)"))
    elif w == "filepath":
        key = slot("text", "" if value is None else str(value))
        _text(f, key, value, (node_id, param.name, key, default), param)
        uploads = sorted(p.name for p in storage.uploads_dir().iterdir() if p.is_file())
        if uploads:
            pick_key = f"pick:{key}"
            choice = st.selectbox("…or an uploaded file", [""] + uploads, key=pick_key)
            if choice and st.session_state.get(f"picked:{key}") != choice:
                st.session_state[f"picked:{key}"] = choice
                actions.doc().set_param(node_id, param.name, str(storage.uploads_dir() / choice), default)
                st.rerun()
    elif w == "secret":
        key = slot("password", value or "")
        st.text_input(f.label, value=value or "", key=key, type="password", help=f.help or None, on_change=_set_param,
                      args=(node_id, param.name, key, default))
    elif w == "json" or value is None:
        text = "" if value is None else forms.show_json(value)
        key = slot("text", text)
        st.text_input(f.label, value=text, key=key, help=(f.help + " · " if f.help else "") + "JSON", on_change=_set_param,
                      args=(node_id, param.name, key, default, lambda t: _json_or_none(param, t)))
    else:
        key = slot("text", "" if value is None else str(value))
        _text(f, key, value, (node_id, param.name, key, default), param)
    error = st.session_state.get(f"err:{key}") or problem
    if error:
        st.error(error)


def _none_if_empty(param: ParamSpec):
    return lambda v: ((None if (v == "" and param.nullable) else v), None)


def _json_or_none(param: ParamSpec, text: str):
    if param.kind in ("list", "dict"):
        return forms.parse_json_value(param, text)
    if not text.strip():
        return (None, None) if param.nullable else (None, "a value is required")
    import json
    try:
        return json.loads(text), None
    except json.JSONDecodeError:
        return (text, None) if param.kind == "str" else (None, f"expected {param.type_name}")


def _text(f: forms.Field, key: str, value: Any, args: tuple, param: ParamSpec, hint: str = "") -> None:
    help_text = " · ".join(t for t in (f.help, hint) if t) or None
    st.text_input(f.label, value="" if value is None else str(value), key=key, help=help_text, on_change=_set_param, args=(*args, _none_if_empty(param)))


def _model(node_id: str, param: ParamSpec, f: forms.Field, params: dict, value: Any, slot) -> str:
    """The model picker (its key returned) and the chosen model's settings, each hyperparameter in
    its own place (`hp<n>`) shared by every node."""
    reg = resources.registry()
    available = {eid: e for eid, e in reg.contributions("estimators").items() if e.kind == f.model_kind}
    options = list(available) + ([value] if value not in available else [])
    key = slot("selectbox", value)
    st.selectbox(f.label, options, index=options.index(value), key=key, help=f.help or None, on_change=on_change_model,
                 args=(node_id, param.name, key, param.default, f.hyperparameters),
                 format_func=lambda e: f"{available[e].label} ({e})" if e in available else f"{e} (not installed)")
    estimator = available.get(value)
    hyper_name = f.hyperparameters or "hyperparameters"
    current = dict(params.get(hyper_name) or {})
    if estimator is None:
        return key
    revision = actions.doc().revision
    with st.expander(f"{estimator.label} settings", expanded=False):
        st.caption(estimator.description)
        for n, hp in enumerate(estimator.params):
            hf = forms.field_for(hp)
            hp_value = current.get(hp.name, hp.default)
            kind = hf.widget if hf.widget in ("bool", "select") or (hf.widget in ("int", "float") and hp_value is not None) \
                else "json"
            shown = (bool(hp_value) if kind == "bool" else hp_value if kind == "select" else
                     (int(hp_value) if kind == "int" else float(hp_value)) if kind in ("int", "float") else
                     "" if hp_value is None else forms.show_json(hp_value))
            hp_key = slots.field(f"hp{n}", kind, node_id, f"{value}:{hp.name}", revision, shown)
            cb_args = (node_id, hyper_name, hp.name, hp_key, hp.default)
            if kind == "bool":
                st.checkbox(hf.label, value=shown, key=hp_key, help=hf.help or None, on_change=_set_hyper, args=cb_args)
            elif kind == "select":
                hp_options = list(hf.options) + ([hp_value] if hp_value not in hf.options else [])
                st.selectbox(hf.label, hp_options, index=hp_options.index(shown), key=hp_key, help=hf.help or None, on_change=_set_hyper, args=cb_args)
            elif kind in ("int", "float"):
                st.number_input(hf.label, value=shown, key=hp_key, help=hf.help or None, on_change=_set_hyper, args=cb_args,
                                **forms.number_bounds(hf, kind))
            else:
                st.text_input(hf.label + " (JSON)", value=shown, key=hp_key, help=hf.help or None, on_change=_set_hyper,
                              args=(*cb_args, hp))
    return key


def on_change_model(node_id: str, name: str, key: str, default: Any, hyper_name: str | None) -> None:
    """A new model choice starts from that model's default hyperparameters."""
    if _gone(node_id):
        return
    d = actions.doc()
    d.set_param(node_id, name, st.session_state[key], default)
    if hyper_name and d.workflow.nodes[node_id].params.get(hyper_name):
        d.set_param(node_id, hyper_name, {}, {})


def _set_hyper(node_id: str, hyper_name: str, name: str, key: str, default: Any, text_spec: ParamSpec | None = None
               ) -> None:
    import json

    if _gone(node_id):
        return
    value = st.session_state[key]
    if text_spec is not None:
        try:
            value = json.loads(value) if str(value).strip() else None
        except json.JSONDecodeError:
            value = value if text_spec.kind == "str" else None
    d = actions.doc()
    current = dict(d.workflow.nodes[node_id].params.get(hyper_name) or {})
    if value == default:
        current.pop(name, None)
    else:
        current[name] = value
    d.set_param(node_id, hyper_name, current, {})


def _connections(node_id: str, spec: NodeSpec) -> None:
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
