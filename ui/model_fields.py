"""The model picker of a node that trains a registered estimator, and the chosen model's settings:
each hyperparameter in its own place (`hp<n>`) shared by every node (`slots`). A new model choice
starts from that model's default hyperparameters."""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import actions, forms, resources, slots
from .kernel_api import ParamSpec


def render(node_id: str, param: ParamSpec, f: forms.Field, params: dict, value: Any, slot) -> str:
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
    if slots.gone(node_id):
        return
    d = actions.doc()
    d.set_param(node_id, name, st.session_state[key], default)
    if hyper_name and d.workflow.nodes[node_id].params.get(hyper_name):
        d.set_param(node_id, hyper_name, {}, {})


def _set_hyper(node_id: str, hyper_name: str, name: str, key: str, default: Any, text_spec: ParamSpec | None = None
               ) -> None:
    import json

    if slots.gone(node_id):
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
