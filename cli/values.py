"""`--set` and `--params`: the values that `dataflow run` and `dataflow validate` give parameters.

`--set NODE.PARAM=VALUE` sets one node's parameter; `--set NAME=VALUE` (a name without a dot)
sets a workflow parameter; the text is read for the parameter's declared type, as the app's form
reads it. `--params FILE.json` sets workflow parameters from a JSON object (`{"threshold": 0.7}`),
read strictly; `--set` wins over it. The kernel checks every value against its declaration.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dataflow.kernel import Problem, Workflow, WorkflowError, declared_param
from dataflow.kernel.files import parse_json_strict, read_regular_file
from dataflow.kernel.spec import ParamSpec

from . import FALSE_WORDS, TRUE_WORDS


def _usage(message: str, name: str | None = None) -> WorkflowError:
    return WorkflowError([Problem("usage", message, workflow_param=name)])


def given_values(args: argparse.Namespace, workflow: Workflow) -> tuple[dict[tuple[str, str], str], dict[str, Any]]:
    """(node parameter overrides as text by (node, parameter), workflow parameter values by name)
    from `--params` and `--set`; WorkflowError for a malformed option or file."""
    params: dict[str, Any] = _read_params(args.params) if args.params else {}
    overrides: dict[tuple[str, str], str] = {}
    problems = []
    for text in args.set:
        target, sep, value = text.partition("=")
        node_id, dot, name = target.rpartition(".")
        if not sep or not name or (dot and not node_id):
            raise _usage(f"--set {text!r}: write NAME=VALUE for a workflow parameter or NODE.PARAM=VALUE, "
                         "e.g. --set threshold=0.7 or --set load.rows=100")
        if dot:
            overrides[(node_id, name)] = value
            continue
        try:
            spec = declared_param(name, workflow.parameters[name])
        except (KeyError, ValueError):
            params[name] = value  # not declared, or badly: compiling names the problem
            continue
        try:
            params[name] = parse_text_value(spec, value)
        except ValueError as exc:
            problems.append(Problem("bad_param", f"--set {name}: {exc}", workflow_param=name))
    if problems:
        raise WorkflowError(problems)
    return overrides, params


def _read_params(path: str) -> dict[str, Any]:
    """The JSON object of a `--params` file, parsed strictly (no NaN, no duplicate keys)."""
    data = parse_json_strict(read_regular_file(Path(path), "parameter file"), path)
    if not isinstance(data, dict):
        raise _usage(f"--params {path}: the file must hold a JSON object of workflow parameter values, such as "
                     '{"threshold": 0.7}')
    return data


def parse_text_value(spec: ParamSpec, text: str) -> Any:
    """Read a value typed on the command line (`--set node.param=VALUE`) for `spec`.

    Text parameters take the text as it is; booleans accept true/false/yes/no/1/0; numbers,
    lists and dicts are read as JSON (`[\"a\", \"b\"]`), and a bare comma list also works for lists.
    Raises ValueError with a message when the text cannot be read.
    """
    stripped = text.strip()
    if spec.nullable and stripped in ("null", "None", ""):
        return None
    if spec.kind == "str":
        return text
    if spec.kind == "bool":
        low = stripped.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        if spec.kind == "list" and spec.item_kind == "str":
            return [part.strip() for part in stripped.split(",") if part.strip()]
        raise ValueError(f"cannot read {text!r} as {spec.type_name}") from None
