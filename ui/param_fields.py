"""A node's parameter fields in the properties panel: one field per parameter, drawn by its
widget kind (checkbox, select box, number, column picker, formula, file path, secret, JSON), each
beside its link menu (`parameters_view`), with its problem under it. Every node's field at one
place in the form shares one widget per kind (`slots`); a field's callback writes the value into
the document (undoable), or keeps the problem at the field when the text cannot be read."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dataflow.sdk import check_formula

from . import actions, forms, model_fields, parameters_view, resources, slots, storage
from .kernel_api import NodeSpec, ParamSpec, TableSchema, format_choices
from .outputs import columns_of


def _set_param(node_id: str, name: str, key: str, default: Any, convert=None) -> None:
    if slots.gone(node_id):
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


def field(node_id: str, spec: NodeSpec, param: ParamSpec, params: dict, problem: str | None, place: int) -> None:
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
        key = model_fields.render(node_id, param, f, params, value, slot)
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
