"""Workflow parameters in the app: the panel that lists, adds, edits and removes them (in the
sidebar), and the control beside a node parameter in the properties panel that binds it to one.

A workflow parameter's value is its declared default: editing it here changes every node
parameter bound to it, and only those nodes (and what follows them) become stale.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import streamlit as st

from . import actions, escape, forms, session, slots
from .kernel_api import (
    BIND,
    PARAM_NAME,
    PARAM_TYPES,
    ParamSpec,
    binding_misfit,
    declared_param,
    is_binding,
)

#: what a new parameter of each type starts from
STARTS = {"int": 0, "float": 0.0, "bool": False, "text": "", "choice": "a", "column": "", "path": ""}


def _spec(name: str, declaration: Any) -> tuple[ParamSpec | None, str]:
    try:
        return declared_param(name, declaration), ""
    except ValueError as exc:
        return None, str(exc)


# --- the panel ---------------------------------------------------------------------------------

def signature() -> str:
    """What the panel shows (declarations and bindings): the main area reruns the page when a change
    there (a node parameter bound, a workflow parameter made) left the sidebar's panel behind."""
    d = actions.doc()
    bound = [(n, p, value.get(BIND)) for n, node in d.workflow.nodes.items() for p, value in node.params.items()
             if is_binding(value)]
    return repr((d.workflow.parameters, bound))


def render() -> None:
    """Every workflow parameter with its value, where it is used and its settings; then "Add"."""
    d = actions.doc()
    problems: dict[str, list[str]] = {}
    for problem in actions.analysis().general:
        if problem.workflow_param:
            problems.setdefault(problem.workflow_param, []).append(problem.message)
    if not d.workflow.parameters:
        st.caption("A workflow parameter sets node parameters in several places at once, and from the command "
                   "line (`dataflow run W --set NAME=VALUE`). Add one here, or use the link button next to a "
                   "node parameter.")
    for name, declaration in list(d.workflow.parameters.items()):
        with st.container(border=True, key=f"wfp_{name}"):
            _parameter(name, declaration, problems.get(name, []))
    _add_form()


def _parameter(name: str, declaration: dict[str, Any], problems: list[str]) -> None:
    d = actions.doc()
    spec, problem = _spec(name, declaration)
    kind = declaration.get("type")
    st.markdown(f"**{escape.text(name)}** · {escape.text(kind)}")
    key = f"wfpv:{name}@{d.revision}"
    if spec is None:
        text = json.dumps(declaration.get("default"))
        st.text_input("Value (JSON)", value=text, key=key, on_change=_set_value, args=(name, key, None))
    else:
        _value_field(name, spec, key)
    used = d.bound_to(name)
    st.caption("Used by " + ", ".join(f"{escape.text(n)}.{escape.text(p)}" for n, p in used) if used else
               "Not used yet: bind a node parameter to it from the node's properties.")
    for message in dict.fromkeys(problems or ([problem] if problem else [])):
        st.error(message)
    row = st.container(horizontal=True)
    with row.popover("Settings", icon=":material/tune:"):
        _settings(name, declaration)
    row.button("Remove", key=f"wfp_rm:{name}", icon=":material/delete:",
               help="Delete it; the node parameters bound to it keep its value",
               on_click=d.remove_workflow_param, args=(name,))


def _value_field(name: str, spec: ParamSpec, key: str) -> None:
    f = forms.field_for(spec)
    value, help_text = spec.default, spec.help or None
    args = (name, key, spec)
    if f.widget == "bool":
        st.checkbox("Value", value=bool(value), key=key, help=help_text, on_change=_set_value, args=args)
    elif f.widget == "select":
        st.selectbox("Value", list(f.options), index=list(f.options).index(value), key=key, help=help_text,
                     on_change=_set_value, args=args)
    elif f.widget in ("int", "float"):
        st.number_input("Value", value=value, key=key, help=help_text, on_change=_set_value, args=args,
                        **forms.number_bounds(f, f.widget))
    else:
        st.text_input("Value", value=str(value), key=key, help=help_text, on_change=_set_value, args=args)


def _set_value(name: str, key: str, spec: ParamSpec | None) -> None:
    d = actions.doc()
    value = st.session_state[key]
    if spec is None:   # a declaration with a problem: its value typed as JSON
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    d.set_workflow_param(name, {**d.workflow.parameters[name], "default": value})


def _settings(name: str, declaration: dict[str, Any]) -> None:
    """Help text, and the bounds or choices that apply to the parameter's type."""
    d = actions.doc()
    rev = d.revision
    st.text_input("Help", value=str(declaration.get("help", "")), key=f"wfps_help:{name}@{rev}",
                  on_change=_set_setting, args=(name, "help", f"wfps_help:{name}@{rev}"))
    if declaration.get("type") in ("int", "float"):
        for setting in ("min", "max"):
            key = f"wfps_{setting}:{name}@{rev}"
            st.text_input("Minimum" if setting == "min" else "Maximum", value=_text(declaration.get(setting)),
                          key=key, placeholder="none", on_change=_set_setting, args=(name, setting, key))
    if declaration.get("type") == "choice":
        key = f"wfps_choices:{name}@{rev}"
        st.text_input("Choices", value=", ".join(map(str, declaration.get("choices") or [])), key=key,
                      help="Comma-separated", on_change=_set_setting, args=(name, "choices", key))


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value)


def _set_setting(name: str, setting: str, key: str) -> None:
    d = actions.doc()
    text = st.session_state[key].strip()
    declaration = dict(d.workflow.parameters[name])
    if setting == "help":
        value: Any = text
    elif setting == "choices":
        value = [c.strip() for c in text.split(",") if c.strip()]
        if value and declaration.get("default") not in value:
            declaration["default"] = value[0]
    else:
        try:
            value = json.loads(text) if text else None
        except json.JSONDecodeError:
            session.notify("error", f"{setting} of {name}: {text!r} is not a number")
            return
    if value in (None, "", []):
        declaration.pop(setting, None)
    else:
        declaration[setting] = value
    d.set_workflow_param(name, declaration)


def _add_form() -> None:
    cols = st.columns([3, 2], vertical_alignment="bottom")
    cols[0].text_input("New parameter", key="wfp_new_name", placeholder="threshold")
    cols[1].selectbox("Type", list(PARAM_TYPES), key="wfp_new_type")
    st.button("Add parameter", key="wfp_add", icon=":material/add:", on_click=_add)


def _add() -> None:
    d = actions.doc()
    name = st.session_state.get("wfp_new_name", "").strip()
    kind = st.session_state.get("wfp_new_type", "float")
    if not PARAM_NAME.fullmatch(name):
        session.notify("error", f"“{escape.text(name, limit=80)}” cannot name a parameter: use a letter or _ then "
                                "letters, digits or _ (no spaces or dots)")
        return
    if name in d.workflow.parameters:
        session.notify("error", f"There is a parameter {name} already")
        return
    declaration: dict[str, Any] = {"type": kind, "default": STARTS[kind]}
    if kind == "choice":
        declaration["choices"] = ["a", "b"]
    d.set_workflow_param(name, declaration)
    st.session_state.wfp_new_name = ""


# --- in the properties panel ------------------------------------------------------------------

def bound_field(node_id: str, param: ParamSpec, label: str, name: str, place: int) -> None:
    """A node parameter bound to workflow parameter `name`: its value, where it comes from, and a
    button that cuts it loose (keeping the value). The button at `place` serves every node."""
    d = actions.doc()
    result = actions.analysis()
    value = result.graph.nodes[node_id].params.get(param.name) if result.runnable(node_id) else \
        (d.workflow.parameters.get(name) or {}).get("default") if isinstance(name, str) else None
    cols = st.columns([6, 1], vertical_alignment="center")
    cols[0].markdown(f"{escape.text(label)}: **{escape.text(json.dumps(value))}**  \n"
                     f":material/link: from workflow parameter **{escape.text(name)}**",
                     help="Change it in the Workflow parameters panel (sidebar), or unbind it here")
    cols[1].button("", icon=":material/link_off:", key=slots.labelled(f"unbind:{place}", node_id, param.name),
                   help="Unbind: the parameter keeps the value as its own", on_click=d.unbind,
                   args=(node_id, param.name))


def bind_menu(node_id: str, param: ParamSpec, value: Any, place: int) -> None:
    """The link button of a node parameter: make it a new workflow parameter, or bind it to a
    fitting one (one click each). The menu at `place` serves every node (closed when another node's
    parameter is shown there)."""
    d = actions.doc()
    if forms.declaration_for(param, value) is None:
        return
    menu = st.popover("", icon=":material/link:", help="Bind to a workflow parameter", key=slots.closed(f"bind_menu:{place}", node_id, param.name),
                      on_change="rerun")
    if not menu.open:
        return           # drawn once opened: a closed menu costs nothing when another node is selected
    fitting = []
    for name, declaration in d.workflow.parameters.items():
        spec, _ = _spec(name, declaration)
        if spec is not None and not binding_misfit(declaration, spec, param):
            fitting.append(name)
    with menu:
        st.button(f"New workflow parameter from {param.name}", key=f"promote:{node_id}:{param.name}",
                  icon=":material/add_link:", on_click=d.promote, args=(node_id, param, value),
                  help="Declare a workflow parameter with this parameter's type, bounds and value, and bind to it")
        for name in fitting:
            st.button(f"Use {name}", key=f"bind:{node_id}:{param.name}:{name}", on_click=d.bind,
                      args=(node_id, param.name, name))


def binding_of(value: Any) -> str | None:
    """The workflow parameter a node parameter's value is bound to, or None."""
    return value.get(BIND) if is_binding(value) else None
