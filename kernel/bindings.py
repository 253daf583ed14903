"""Workflow parameters: a declaration read into a `ParamSpec`, the values of one compile, and the
node parameters bound to them.

    "parameters": {"threshold": {"type": "float", "default": 0.5, "min": 0, "max": 1}}
    "params": {"min_value": {"$param": "threshold"}}

`compile_workflow` resolves bindings to values, so a compiled graph and its cache keys hold plain
values; a binding's problems name the node, the parameter and the workflow parameter.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import Problem, Speller
from .params import INT_MAX, INT_MIN, check_value, coerce_value
from .spec import Bounds, ParamSpec
from .workflow import Workflow, is_number, short_repr

#: a workflow parameter's type -> the kind of node parameter it feeds ("choice": its choices' kind)
PARAM_TYPES = {"int": "int", "float": "float", "bool": "bool", "text": "str", "choice": "", "column": "str",
               "path": "str"}
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
BIND = "$param"  # {"$param": "NAME"}: a node parameter bound to workflow parameter NAME
_DECLARATION_KEYS = ("type", "default", "min", "max", "step", "choices", "help", "label")
MAX_CHOICES, MAX_TEXT = 1000, 2000


def is_binding(value: Any) -> bool:
    """True for a node parameter value bound to a workflow parameter (`{"$param": NAME}`)."""
    return type(value) is dict and BIND in value


def declared_param(name: str, declaration: Any) -> ParamSpec:
    """The `ParamSpec` of workflow parameter `name` as declared; ValueError saying what is wrong."""
    if not isinstance(name, str) or not PARAM_NAME.fullmatch(name):
        raise ValueError("a name is a letter or _ then letters, digits or _ (at most 64; no dot: "
                         "`--set NAME=VALUE` sets it)")
    if not isinstance(declaration, dict):
        raise ValueError('a declaration is an object such as {"type": "float", "default": 0.5}')
    unknown = sorted(set(declaration) - set(_DECLARATION_KEYS))
    if unknown:
        raise ValueError(f"unknown key {short_repr(unknown[0])}; a declaration holds {', '.join(_DECLARATION_KEYS)}")
    kind = declaration.get("type")
    if not isinstance(kind, str) or kind not in PARAM_TYPES:
        raise ValueError(f"'type' must be one of {', '.join(PARAM_TYPES)}, not {short_repr(kind)}")
    if "default" not in declaration:
        raise ValueError("it needs a 'default' value")
    texts = {key: declaration.get(key, "") for key in ("help", "label")}
    if any(not isinstance(t, str) or len(t) > MAX_TEXT for t in texts.values()):
        raise ValueError(f"'help' and 'label' are text of at most {MAX_TEXT} characters")
    numbers = {key: declaration[key] for key in ("min", "max", "step") if key in declaration}
    if numbers and kind not in ("int", "float"):
        raise ValueError(f"'{next(iter(numbers))}' applies to int and float parameters only")
    if any(not is_number(v) or (type(v) is int and not INT_MIN <= v <= INT_MAX) for v in numbers.values()):
        raise ValueError("'min', 'max' and 'step' are numbers")
    if numbers.get("min", -math.inf) > numbers.get("max", math.inf) or numbers.get("step", 1) <= 0:
        raise ValueError("'min' must not exceed 'max', and 'step' must be above 0")
    choices = declaration.get("choices")
    if (choices is not None) != (kind == "choice"):
        raise ValueError("a choice parameter lists its 'choices', and only a choice parameter has them")
    if choices is not None:
        if not isinstance(choices, list) or not 0 < len(choices) <= MAX_CHOICES or len(set(map(repr, choices))) < len(choices):
            raise ValueError(f"'choices' is a list of 1 to {MAX_CHOICES} different values")
        if all(isinstance(c, str) and len(c) <= MAX_TEXT for c in choices):
            value_kind = "str"
        elif all(is_number(c) and INT_MIN <= c <= INT_MAX for c in choices):
            value_kind = "float" if any(isinstance(c, float) for c in choices) else "int"
        else:
            raise ValueError("'choices' are all text or all numbers")
    bounds = Bounds(numbers.get("min"), numbers.get("max")) if {"min", "max"} & numbers.keys() else None
    spec = ParamSpec(name, PARAM_TYPES[kind] or value_kind, declaration["default"], choices=tuple(choices or ()) or None,
                     bounds=bounds, step=numbers.get("step"), help=texts["help"], label=texts["label"])
    problem = check_value(spec, spec.default)
    if problem:
        raise ValueError(f"the default: {problem[:300]}")
    return dataclasses.replace(spec, default=coerce_value(spec, spec.default))


def binding_misfit(declaration: dict[str, Any], source: ParamSpec, param: ParamSpec) -> str:
    """Why node parameter `param` cannot take its value from the workflow parameter declared as
    `declaration` (`source` its spec), or "" when it can (an int may feed a float)."""
    if param.kind not in (source.kind, "float" if source.kind == "int" else ""):
        return f"a {declaration['type']} value does not fit"
    outside = [c for c in source.choices or () if param.choices is not None and c not in param.choices]
    return f"its choice {outside[0]!r} is not one of the node's: {', '.join(map(repr, param.choices))}" \
        if outside else ""


def workflow_param_values(workflow: Workflow, given: Mapping[str, Any], problems: list[Problem],
                          spell: Speller) -> dict[str, tuple[ParamSpec, Any]]:
    """Each validly declared workflow parameter's spec and value (the one `given`, else its
    default); a problem for each bad declaration, unknown name and invalid value."""
    values = {}
    for name, declaration in workflow.parameters.items():
        try:
            spec = declared_param(name, declaration)
        except ValueError as exc:
            problems.append(Problem("bad_workflow_param", f"workflow parameter {short_repr(name)}: {exc}",
                                    workflow_param=name))
            continue
        values[name] = (spec, spec.default)
    for name, value in given.items():
        if name not in workflow.parameters:
            declared = ", ".join(workflow.parameters) or "none"
            problems.append(Problem("unknown_workflow_param", f"the workflow has no parameter {short_repr(name)}"
                                    f"{spell(name[:200], workflow.parameters, 'workflow parameters')}; declared: {declared[:500]}",
                                    workflow_param=name))
        elif name in values:
            spec = values[name][0]
            problem = check_value(spec, value)
            if problem:
                problems.append(Problem("bad_param", f"workflow parameter '{name}' ({spec.type_name}): "
                                        f"{problem[:300]}", workflow_param=name))
            else:
                values[name] = (spec, coerce_value(spec, value))
    return values


def bind_param(node_id: str, param: ParamSpec, value: dict, workflow: Workflow,
          values: dict[str, tuple[ParamSpec, Any]], problems: list[Problem], spell: Speller) -> str | None:
    """The workflow parameter a bound node parameter (`{"$param": NAME}`) takes its value from, once
    it is known to fit; None after a problem."""
    where, name = f"node '{node_id}', parameter '{param.name}' ({param.type_name})", value[BIND]
    if len(value) != 1 or not isinstance(name, str):
        problems.append(Problem("bad_binding", f'{where}: a binding is written {{"{BIND}": "NAME"}}, NAME a '
                                "workflow parameter's name", node=node_id, param=param.name))
        return None
    if name not in workflow.parameters:
        problems.append(Problem("unknown_workflow_param", f"{where} is bound to workflow parameter {short_repr(name)}, "
                                f"which is not declared{spell(name[:200], workflow.parameters, 'workflow parameters')}",
                                node=node_id, param=param.name, workflow_param=name))
        return None
    if name not in values:
        return None  # its declaration's problem is reported
    misfit = binding_misfit(workflow.parameters[name], values[name][0], param)
    if misfit:
        problems.append(Problem("binding_type", f"{where} is bound to workflow parameter '{name}' "
                                f"({workflow.parameters[name]['type']}): {misfit}", node=node_id, param=param.name,
                                workflow_param=name))
        return None
    return name
