"""What the properties form shows for each parameter, and how typed text becomes a value.

`field_for` turns a `ParamSpec` into a `Field` (which widget, its options and bounds); the
view draws it. Values typed as text (lists, mappings) are parsed here and checked, so a
mistake is shown under the field before anything runs; `compile_workflow` has the last word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dataflow.sdk import Formula

from .kernel_api import Column, FilePath, FormatChoice, ParamSpec, Secret


@dataclass(frozen=True, slots=True)
class Field:
    """One form field: `widget` is bool, select, int, float, text, formula, column, columns,
    filepath, secret, model, format or json."""

    widget: str
    label: str
    help: str
    options: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    step: float | None = None
    port: str | None = None          # column pickers: the input port whose table gives the columns
    extensions: tuple[str, ...] = ()
    model_kind: str | None = None
    hyperparameters: str | None = None
    formats: FormatChoice | None = None  # format pickers: which installed formats to offer


def humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


def field_for(param: ParamSpec) -> Field:
    """The field that edits `param`."""
    label = param.label or humanize(param.name)
    help_text = param.help or ""
    bounds = param.bounds
    low, high = (bounds.min, bounds.max) if bounds else (None, None)
    widget = param.widget
    common = {"label": label, "help": help_text}
    described = widget.to_dict() if widget is not None else {}
    if described.get("kind") == "modelchoice":  # the sklearn plugin's ModelChoice, read through its JSON
        return Field("model", **common, model_kind=described.get("model_kind"),
                     hyperparameters=described.get("hyperparameters"))
    if isinstance(widget, FormatChoice):
        return Field("format", **common, formats=widget)
    if isinstance(widget, Column):
        return Field("columns" if param.kind == "list" else "column", **common, port=widget.port)
    if isinstance(widget, Formula):
        return Field("formula", **common)
    if isinstance(widget, FilePath):
        return Field("filepath", **common, extensions=tuple(widget.extensions))
    if isinstance(widget, Secret):
        return Field("secret", **common)
    if param.choices is not None:
        return Field("select", **common, options=tuple(param.choices))
    if param.kind == "bool":
        return Field("bool", **common)
    if param.kind in ("int", "float"):
        return Field(param.kind, **common, min=low, max=high, step=param.step)
    if param.kind == "str":
        return Field("text", **common)
    return Field("json", **common)


def declaration_for(param: ParamSpec, value: Any) -> dict[str, Any] | None:
    """A workflow parameter declaration that fits `param` (its kind, bounds, choices, help), with
    `value` as its default; None for a parameter no workflow parameter can feed (a list, a
    mapping, a secret: a workflow parameter's value is written into the file)."""
    if param.kind not in ("bool", "int", "float", "str") or isinstance(param.widget, Secret):
        return None
    if value is None:   # an optional parameter left empty: start from a value of its kind
        value = {"bool": False, "int": 0, "float": 0.0, "str": ""}[param.kind]
        if param.bounds is not None and param.bounds.min is not None and param.kind != "str":
            value = param.bounds.min
        if param.choices:
            value = param.choices[0]
    kind = ("choice" if param.choices is not None else "column" if isinstance(param.widget, Column)
            else "path" if isinstance(param.widget, FilePath) else {"str": "text"}.get(param.kind, param.kind))
    declaration: dict[str, Any] = {"type": kind, "default": value}
    if param.choices is not None:
        declaration["choices"] = list(param.choices)
    if param.bounds is not None:
        declaration.update({k: v for k, v in (("min", param.bounds.min), ("max", param.bounds.max)) if v is not None})
    if param.step:
        declaration["step"] = param.step
    if param.help:
        declaration["help"] = param.help
    return declaration


def parse_json_value(param: ParamSpec, text: str) -> tuple[Any, str | None]:
    """Read a list/mapping typed as JSON (a bare comma list works for lists of text).
    Returns (value, None) or (None, the problem)."""
    stripped = text.strip()
    if not stripped:
        return ([] if param.kind == "list" else {} if param.kind == "dict" else None), None
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if param.kind == "list" and param.item_kind == "str":
            return [p.strip() for p in stripped.split(",") if p.strip()], None
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    expected = {"list": list, "dict": dict}.get(param.kind)
    if expected is not None and not isinstance(value, expected):
        return None, f"expected a {'list' if expected is list else 'mapping'}, such as {_example(param)}"
    return value, None


def _example(param: ParamSpec) -> str:
    return '["a", "b"]' if param.kind == "list" else '{"key": 1}'


def show_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def number_bounds(field: Field, kind: str) -> dict[str, Any]:
    """Keyword arguments for `st.number_input` (min, max, step) of the right numeric type."""
    cast = int if kind == "int" else float
    kwargs: dict[str, Any] = {}
    if field.min is not None:
        kwargs["min_value"] = cast(field.min)
    if field.max is not None:
        kwargs["max_value"] = cast(field.max)
    kwargs["step"] = cast(field.step) if field.step else (1 if kind == "int" else None)
    if kwargs["step"] is None:
        del kwargs["step"]
    return kwargs


def upstream_port(spec_inputs: list[tuple[str, str]], field: Field) -> str | None:
    """The input port whose table gives a column picker its columns: the declared one, else the
    first table input. `spec_inputs` holds (port name, port type name)."""
    if field.port:
        return field.port
    return next((name for name, kind in spec_inputs if kind == "table"), None)
