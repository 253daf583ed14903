"""Every example workflow gives the same outputs and statuses on a Dask cluster as in-process,
and the `dataflow` command runs on Dask: the dashboard line, an existing scheduler, the hint
when the plugin is missing."""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p.stem for p in (ROOT / "workflows").glob("*.json"))


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    """A copy of `workflows/` (a run writes files next to its workflow)."""
    target = tmp_path_factory.mktemp("examples") / "workflows"
    shutil.copytree(ROOT / "workflows", target, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
    return target


def same(a, b, where: str = "") -> None:
    """Assert two node outputs are equal: tables, arrays and floats to a relative 1e-9 (Dask's
    workers run BLAS on one thread, `OMP_NUM_THREADS=1`, so a fit may differ in the last bits),
    models by parameters and fitted attributes, figures by their data."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where, rtol=1e-9)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=where, rtol=1e-9)
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert a.shape == b.shape, where
        for i, (x, y) in enumerate(zip(a.ravel(), b.ravel(), strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-9, err_msg=where) if a.dtype.kind in "fc" else \
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, np.random.RandomState):
        same(a.get_state(), b.get_state(), where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float | np.floating):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)), where
    elif hasattr(a, "to_plotly_json"):
        same(plain_json(json.loads(a.to_json())), plain_json(json.loads(b.to_json())), where)
    elif hasattr(a, "__getstate__") and type(a).__module__.startswith("sklearn.tree"):  # a fitted tree
        assert type(a) is type(b), where
        same(a.__getstate__(), b.__getstate__(), where)
    elif hasattr(a, "get_params"):  # a fitted estimator: its parameters and what fitting learned
        assert type(a) is type(b), where
        same(a.get_params(deep=False), b.get_params(deep=False), f"{where}.params")
        fitted = sorted(k for k in vars(a) if k.endswith("_") and not k.startswith("_"))
        same({k: getattr(a, k) for k in fitted}, {k: getattr(b, k) for k in fitted}, where)
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for field in dataclasses.fields(a):
            same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    else:
        assert a == b, where


def plain_json(value):
    """Plotly JSON with its base64 arrays (`{"dtype": .., "bdata": ..}`) decoded into ndarrays."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            shape = value.get("shape")
            return array.reshape([int(n) for n in str(shape).split(",")]) if shape else array
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    return value


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_example_workflow_gives_the_same_outputs_and_statuses_as_a_sequential_run(
        name, examples, dask_executor, engine_on, module_registry):
    from dataflow.kernel import Engine, compile_workflow, load_workflow

    graph = compile_workflow(load_workflow(examples / f"{name}.json"), module_registry)
    every_node = [n for n in graph.order]
    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline_engine:
        inline = inline_engine.run(graph, keep_outputs=every_node)
    on_dask = engine_on(dask_executor).run(graph, keep_outputs=every_node)
    assert inline.status == "ok", {k: r.error for k, r in inline.nodes.items() if r.error}
    assert on_dask.status == "ok", {k: r.error for k, r in on_dask.nodes.items() if r.error}
    assert {k: r.status for k, r in on_dask.nodes.items()} == {k: r.status for k, r in inline.nodes.items()}
    assert {k: r.warnings for k, r in on_dask.nodes.items()} == {k: r.warnings for k, r in inline.nodes.items()}
    assert on_dask.outputs.keys() == inline.outputs.keys()
    for node_id, outputs in inline.outputs.items():
        same(outputs, on_dask.outputs[node_id], node_id)


# --- the command line ------------------------------------------------------------------

def test_dataflow_run_on_an_existing_scheduler_checks_versions_and_exits_like_a_local_executor(
        examples, dask_executor, cli):
    scheduler = dask_executor.client().scheduler_info()["address"]
    done = cli("run", examples / "iris_classification.json", "--executor", "dask", "--scheduler", scheduler,
               "--no-cache", timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"dask: connected to the scheduler at {scheduler} (2 workers); dashboard: http://127.0.0.1:" in done.stderr
    assert "run ok" in done.stderr


def test_dataflow_run_reports_a_failed_node_with_exit_code_1_on_dask(dask_executor, cli, tmp_path):
    from tests.helpers import edge, write_workflow

    path = write_workflow(tmp_path / "bad.json", [
        {"id": "numbers", "type": "testpack.numbers", "params": {}},
        {"id": "bad", "type": "testpack.crash", "params": {}},
        {"id": "fine", "type": "testpack.total", "params": {}}],
        [edge("numbers", "bad"), edge("numbers", "fine")], name="bad")
    scheduler = dask_executor.client().scheduler_info()["address"]
    code, result = cli.json("run", path, "--executor", "dask", "--scheduler", scheduler)
    assert code == 1
    assert {n["id"]: n["status"] for n in result["nodes"]} == {"numbers": "computed", "bad": "failed",
                                                               "fine": "computed"}


def test_dataflow_run_starts_a_local_cluster_and_prints_its_loopback_dashboard(examples, cli):
    done = cli("run", examples / "customer_segmentation.json", "--executor", "dask", "--workers", "1",
               "--no-cache", timeout=180)
    assert done.returncode == 0, done.stderr
    assert "dask: started a local cluster of 1 worker processes on 127.0.0.1" in done.stderr
    assert "dashboard: http://127.0.0.1:" in done.stderr
    # the cluster's own start-up chatter (distributed sets its loggers to INFO) stays out of the terminal
    assert not [line for line in done.stderr.splitlines() if line.startswith("INFO distributed")], done.stderr


def test_executor_dask_without_the_plugin_names_the_package_to_install(examples, cli):
    cli.env["DATAFLOW_DISABLE_PLUGINS"] = "dask"
    done = cli("run", examples / "iris_classification.json", "--executor", "dask")
    assert done.returncode == 2
    assert "executor 'dask' is not installed: it comes with the dataflow-dask plugin (pip install dataflow-dask" \
        in done.stderr


def test_scheduler_without_the_dask_executor_is_a_usage_error(examples, cli):
    done = cli("run", examples / "iris_classification.json", "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 2
    assert "--scheduler applies to --executor dask only" in done.stderr


# --- the version check -----------------------------------------------------------------

def test_the_version_check_names_each_worker_package_and_both_versions():
    from dataflow_dask.versions import mismatches

    here = {"dataflow-io": "0.2.0", "dataflow-testpack": "1.0"}
    workers = {"tcp://10.0.0.5:4001": {"dataflow-io": "0.1.0", "dataflow-testpack": "1.0", "extra": "9"},
               "tcp://10.0.0.6:4001": {"dataflow-io": "0.2.0"}}
    assert mismatches(here, workers) == [
        "tcp://10.0.0.5:4001: dataflow-io 0.1.0 (here: 0.2.0)",
        "tcp://10.0.0.6:4001: dataflow-testpack is not installed (here: 1.0)"]


def test_joining_a_cluster_whose_workers_match_passes_the_version_check(dask_executor):
    from dataflow_dask import check_workers, dataflow_versions

    check_workers(dask_executor.client())  # same machine, same environment
    assert {"dataflow-workbench", "dataflow-executors", "dataflow-dask", "dataflow-testpack"} <= set(dataflow_versions())
