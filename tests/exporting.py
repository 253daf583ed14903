"""Run an exporter's code as the exported script would, next to the node itself, on the same inputs.

`exported(fn, exporter, inputs, **params)` builds the `NodeCode` the script builder gives (parameters
validated and defaults filled in as for a run, their literals as `repr`), executes the returned
imports and lines in a namespace holding copies of the inputs, and returns the outputs by port, or
None when the exporter falls back. `same_as_node` asserts the two agree: tables exactly, metrics to
1e-9, figures as their JSON. `plain_script(name)` opens a plain script of `benchmarks/plain/` (the
floors of bench_export.py) as a module.
"""

from __future__ import annotations

import copy
import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from dataflow.sdk import NodeCode, run_node, spec_of
from dataflow.sdk.testing import _param_values

PLAIN = Path(__file__).resolve().parents[1] / "benchmarks" / "plain"


def plain_script(name: str) -> ModuleType:
    """`benchmarks/plain/<name>.py` as a module: its functions, its work only when `main()` is called."""
    spec = importlib.util.spec_from_file_location(f"plain_{name}", PLAIN / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def node_code(fn: Any, inputs: dict[str, Any], params: dict[str, Any], sources: dict[str, str] | None = None,
              plain: frozenset[str] = frozenset(), source_params: dict[str, dict] | None = None) -> NodeCode:
    """What the script builder gives the exporter; `sources` (port -> the feeding node's type),
    `source_params` (port -> its parameters, defaults filled in) and `plain` (ports fed a plain
    stand-in, as a plain training block's model) as the graph would."""
    spec = spec_of(fn)
    values = _param_values(spec, params)
    return NodeCode(node_id="n", type_id=spec.type_id, params=values,
                    literals={name: repr(value) for name, value in values.items()},
                    inputs={port: f"in_{port}" for port in inputs},
                    outputs={p.name: f"out_{p.name}" for p in spec.outputs},
                    context={"folder": None, "sources": dict(sources or {}),
                             "source_params": dict(source_params or {})}, plain_inputs=plain)


def exported(fn: Any, exporter: Any, inputs: dict[str, Any] | None = None, *, sources: dict[str, str] | None = None,
             plain: frozenset[str] = frozenset(), source_params: dict[str, dict] | None = None,
             **params: Any) -> dict[str, Any] | None:
    inputs = dict(inputs or {})
    code = node_code(fn, inputs, params, sources, plain, source_params)
    made = exporter(code)
    if made is None:
        return None
    namespace: dict[str, Any] = {f"in_{port}": copy.deepcopy(value) for port, value in inputs.items()}
    exec(compile("\n".join([*made.imports, *made.lines]), "<exported>", "exec"), namespace)  # noqa: S102 - the test
    return {port: namespace[name] for port, name in code.outputs.items()}


def same_as_node(fn: Any, exporter: Any, inputs: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    """Assert that the exporter's code gives what the node gives; return the node's outputs."""
    got = exported(fn, exporter, inputs, **params)
    assert got is not None, f"{spec_of(fn).name} fell back for {params}"
    expected = run_node(fn, {k: copy.deepcopy(v) for k, v in (inputs or {}).items()}, **params)
    assert got.keys() == expected.keys()
    for port, value in expected.items():
        same(got[port], value, port)
    return expected


def same(got: Any, expected: Any, where: str = "") -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys(), where
        for key, value in expected.items():
            same(got[key], value, f"{where}.{key}")
    elif isinstance(expected, float):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(got) and math.isnan(expected)), where
    elif hasattr(expected, "to_plotly_json"):
        assert got.to_json() == expected.to_json(), where
    elif hasattr(expected, "shape") and hasattr(expected, "dtype"):
        import numpy as np

        np.testing.assert_array_equal(got, expected)
    elif hasattr(expected, "predict"):
        assert type(got) is type(expected), where
    else:
        assert got == expected, where
