"""Fixtures: real scikit-learn data sets as tables, a registry with a test pack, node runners."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def _load_mlpack():
    name = "dataflow_sklearn_tests_mlpack"  # importable by name, so models of its class can be pickled
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "mlpack.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def mlpack():
    return _load_mlpack()


@pytest.fixture(autouse=True)
def registry(mlpack):
    """The installed plugins plus the test pack `mlpack`, loaded afresh for each test (5 ms), and
    the plugins that nodes called outside a run reach (`estimators()` sees the test pack)."""
    from dataflow.kernel import load_registry
    from dataflow.sdk import using_plugins

    with using_plugins(load_registry(extra=[("mlpack", mlpack)])) as registry:
        yield registry


@pytest.fixture
def iris():
    """Iris: four numeric features and the species as text."""
    return _load_mlpack().iris_table()


@pytest.fixture
def diabetes():
    """Diabetes: ten numeric features and a numeric target."""
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


@pytest.fixture
def cancer():
    """Breast cancer: 30 numeric features and a 0/1 target (two classes)."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def run_warned():
    """`run_warned(fn, inputs, **params)` -> (outputs, warnings): a node call as the engine makes it."""
    from dataflow.kernel import call_node
    from dataflow.sdk import spec_of

    def run(fn: Any, inputs: dict[str, Any], **params: Any):
        spec = spec_of(fn)
        values = {p.name: params.pop(p.name, p.default) for p in spec.params}
        assert not params, f"unknown parameters {params}"
        outcome = call_node(spec, inputs, values)
        return outcome.outputs, outcome.warnings

    return run


@pytest.fixture
def engine_run(registry, tmp_path):
    """`engine_run(nodes, edges, folder=None)` -> RunResult: a real run through the engine, cache in `folder`."""
    from dataflow.kernel import Engine, compile_workflow, workflow_from_dict

    def run(nodes: list[dict], edges: list[dict], folder: Path | None = None):
        workflow = workflow_from_dict({"version": "0.1.0", "nodes": nodes, "edges": edges, "meta": {"name": "t"}})
        graph = compile_workflow(workflow, registry)
        with Engine.open(registry, executor="sequential", directory=folder or tmp_path / "cache") as engine:
            return engine.run(graph, keep_outputs=True)

    return run
