"""Helpers for node authors' own test suites: run a node in isolation, check a declaration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dataflow.kernel.context import PLUGINS, Reporter
from dataflow.kernel.errors import NodeDefinitionError
from dataflow.kernel.executor import call_node
from dataflow.kernel.params import check_value, coerce_value
from dataflow.kernel.plugins import run_registry
from dataflow.kernel.registry import Registry
from dataflow.kernel.serializer import check_output

from .declare import spec_of

__all__ = ["NodeOutputs", "check_node", "check_schema", "run_node", "using_plugins"]


@contextmanager
def using_plugins(registry: Registry) -> Iterator[Registry]:
    """Run nodes with `registry` instead of the installed plugins: what `run_node` and
    `check_node` pass to the node (its `connectors()`, `estimators()`, port types), e.g. a
    registry with a test pack's format:

        with using_plugins(load_registry(extra=[("linespack", plugin)])):
            run_node(read_file, path="values.txt", format="lines")
    """
    token = PLUGINS.set(registry)
    try:
        yield registry
    finally:
        PLUGINS.reset(token)


class NodeOutputs(dict):
    """A node's outputs by port name, plus `.warnings`: what the node passed to `warn(...)`, and
    `.progress`: every `(fraction, message)` it passed to `progress(...)`, none left out."""

    warnings: list[str]
    progress: list[tuple[float | None, str]]


def run_node(fn: Any, inputs: dict[str, Any] | None = None, **params: Any) -> NodeOutputs:
    """Run a node on given inputs (by port name) and parameters; return its outputs by port name.

    Parameters are validated as the engine would, so a test catches an out-of-bounds value, and
    each output is checked against its port type with the check the engine applies to every
    computed output (a `TypeError` naming the port, with the message a workflow run shows).
    The node's warnings are on `.warnings`, its progress reports on `.progress`:

        out = run_node(top_rows, {"table": df}, n=3)
        assert len(out["table"]) == 3 and out.warnings == [] and out.progress == []
    """
    spec = _spec(fn)
    inputs = dict(inputs or {})
    unknown = [name for name in inputs if spec.input(name) is None]
    if unknown:
        raise ValueError(f"{spec.name} has no input {unknown[0]!r}; inputs: {[p.name for p in spec.inputs]}")
    missing = [p.name for p in spec.inputs if not p.optional and p.name not in inputs]
    if missing:
        raise ValueError(f"{spec.name}: required input {missing[0]!r} not given")
    values = _param_values(spec, params)
    reports: list[tuple[float | None, str]] = []
    registry = run_registry()
    outcome = call_node(spec, inputs, values, None, Reporter(lambda f, m: reports.append((f, m)), interval=0.0),
                        registry)
    serializers = registry.serializers
    for port in spec.outputs:
        serializer = serializers.get(port.type.name)
        if serializer is not None:  # a type nobody registered a serializer for is not checked by the engine either
            check_output(serializer, port.name, outcome.outputs[port.name])
    outputs = NodeOutputs(outcome.outputs)
    outputs.warnings = outcome.warnings
    outputs.progress = reports
    return outputs


def _param_values(spec: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter's value, defaults filled in, checked and coerced as the engine does."""
    params = dict(params)
    values = {}
    for param in spec.params:
        value = params.pop(param.name, param.default)
        problem = check_value(param, value)
        if problem:
            raise ValueError(f"{spec.name}, parameter {param.name!r}: {problem}")
        values[param.name] = coerce_value(param, value)
    if params:
        raise ValueError(f"{spec.name} has no parameter {next(iter(params))!r}")
    return values


def check_schema(fn: Any, inputs: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    """Check a node's declared schema (`@node(schema=...)`) against what it really returns.

    Runs the node on the sample `inputs` with `params`, computes the declared schema from the
    inputs' schemas and the same parameters, and raises AssertionError listing every difference
    (names and order must match; a declared kind may be broader, see `schema_differences`).
    Returns the declared schemas by output name. In a pack's tests:

        check_schema(top_rows, {"table": sales}, n=3)
    """
    from .schemas import schema_differences, schema_of

    spec = _spec(fn)
    if spec.schema is None:
        raise AssertionError(f"{spec.name} declares no schema (@node(schema=...))")
    inputs = dict(inputs or {})
    outputs = run_node(fn, inputs, **params)
    values = _param_values(spec, params)
    args = [schema_of(inputs[p.name]) if p.type.name == "table" and p.name in inputs else None for p in spec.inputs]
    declared = spec.schema(*args, **values)
    declared = declared if spec.multi_output else {spec.outputs[0].name: declared}
    problems = []
    for port in spec.outputs:
        said = (declared or {}).get(port.name)
        if port.type.name != "table" or said is None:
            continue
        problems += [f"output '{port.name}': {p}" for p in schema_differences(said, schema_of(outputs[port.name]))]
    if problems:
        raise AssertionError(f"{spec.name}: the declared schema does not match the output:\n  " + "\n  ".join(problems))
    return dict(declared or {})


def check_node(fn: Any) -> list[str]:
    """Check a node's declaration beyond what `@node` enforces; return the problems (empty = fine).

    Put `assert check_node(my_node) == []` in a pack's tests. It checks that the function is
    decorated, has a description and outputs, that every parameter has help text, that defaults
    sit inside bounds and choices, and that column pickers point at an existing table input.
    """
    try:
        spec = _spec(fn)
    except (TypeError, NodeDefinitionError) as exc:
        return [str(exc)]
    problems = []
    if not spec.description:
        problems.append(f"{spec.name}: no description (first docstring line)")
    if not spec.outputs:
        problems.append(f"{spec.name}: no outputs; a node users see on the canvas should produce something")
    for param in spec.params:
        if not param.help:
            problems.append(f"{spec.name}: parameter {param.name!r} has no Help(...) text")
        problem = check_value(param, param.default)
        if problem:
            problems.append(f"{spec.name}: default of {param.name!r}: {problem}")
        widget = param.widget
        port = getattr(widget, "port", None)
        if type(widget).__name__ == "Column":
            tables = [p for p in spec.inputs if p.type.name == "table"]
            if not tables:
                problems.append(f"{spec.name}: parameter {param.name!r} picks a column but there is no table input")
            elif port is not None and port not in [p.name for p in tables]:
                problems.append(f"{spec.name}: parameter {param.name!r} picks a column of {port!r}, "
                                "which is not a table input")
    return problems


def _spec(fn: Any):
    spec = spec_of(fn)
    if spec is None:
        raise TypeError(f"{fn!r} is not decorated with @node")
    return spec
