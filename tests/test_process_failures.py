"""`--executor processes`: a node that fails after receiving a table fails that node, and the
command exits 1 with its error (it used to die with SIGSEGV once the failure was collected)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import Cli, edge, install_module_pack, write_workflow

PACK = '''
import pandas as pd

from dataflow.sdk import Table, hookimpl, node


@node(category="Faults")
def rows(*, n: int = 1000) -> Table:
    """Rows."""
    return pd.DataFrame({"x": range(n), "y": [float(i) for i in range(n)]})


@node(category="Faults")
def broken(data: Table) -> Table:
    """Fails on its table."""
    raise ValueError(f"cannot use a table of {len(data)} rows")


@hookimpl
def register_nodes(register):
    register(rows)
    register(broken)
'''


@pytest.fixture
def flow(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_module_pack(site, "faultpack", PACK)
    path = write_workflow(tmp_path / "fails.json", [
        {"id": "r", "type": "faultpack.rows", "params": {}},
        {"id": "b", "type": "faultpack.broken", "params": {}}], [edge("r", "b")])
    return site, path


def test_a_node_failing_on_a_table_in_a_worker_process_exits_1_with_its_error(flow, cache_dir):
    site, path = flow
    done = Cli(site, cache_dir)("run", path, "--executor", "processes", "--no-cache")
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "error: node 'b' (faultpack.broken) failed: ValueError: cannot use a table of 1000 rows" in done.stderr
    assert "exported buffer" not in done.stderr


def test_a_long_lived_process_survives_garbage_collection_after_such_a_failure(flow, cache_dir):
    site, path = flow
    script = f"""
import gc
from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow
registry = load_registry()
graph = compile_workflow(load_workflow({str(path)!r}), registry)
with Engine.open(registry, executor="processes", use_cache=False) as engine:
    for _ in range(3):
        result = engine.run(graph)
        assert result.nodes["b"].status == "failed", result.nodes["b"]
        del result
        gc.collect()
print("alive")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**Cli(site, cache_dir).env})
    assert done.returncode == 0 and done.stdout.strip() == "alive", (done.returncode, done.stderr[-2000:])


@pytest.mark.parametrize("count", ["-1", "0"])
def test_a_worker_count_below_one_is_a_usage_error_not_a_hang(flow, cache_dir, count):
    site, path = flow
    done = Cli(site, cache_dir)("run", path, "--executor", "processes", "--workers", count, timeout=30)
    assert done.returncode == 2 and f"argument --workers: must be 1 or more, got {count}" in done.stderr


def test_an_engine_asked_for_fewer_than_one_worker_says_so(pack_site):
    from dataflow.kernel import Engine, load_registry
    from dataflow.kernel.errors import DataflowError

    with pytest.raises(DataflowError, match="number of workers must be a whole number of at least 1, got -1"):
        Engine.open(load_registry(), executor="processes", max_workers=-1, use_cache=False)
