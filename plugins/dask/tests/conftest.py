"""Fixtures for the Dask executor's tests: one real LocalCluster (two worker processes on
127.0.0.1, one thread each) per test module, engines that share it, workflows of the test pack."""

from __future__ import annotations

import pytest

from tests.conftest import *  # noqa: F403  (pack_site, cache_dir, registry)
from tests.helpers import edge, write_workflow

#: a worker that dies takes the task with it once; the second death fails the node (Dask's default: 3)
ALLOWED_FAILURES = 1


@pytest.fixture(scope="module")
def dask_executor(pack_site):
    """One Dask executor (and the local cluster it starts on first use) for the whole module."""
    from dataflow_dask import DaskExecutor
    from dataflow_dask.metadata import import_distributed

    import_distributed()  # first: Dask's import breaks plugin loading on Python 3.11 until repaired
    import dask

    notices: list[str] = []
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        executor = DaskExecutor(2, scheduler="", announce=notices.append)
        executor.client()  # the scheduler reads allowed-failures when it starts
    executor.notices = notices
    yield executor
    executor.shutdown()


@pytest.fixture(scope="module")
def module_registry(pack_site):
    from dataflow.kernel import load_registry

    return load_registry()


@pytest.fixture
def engine_on(module_registry, tmp_path):
    """`engine_on(executor, cache=False)` -> an Engine over `executor` (its cache in tmp_path);
    the engine's cache is closed after the test, the executor is left to its fixture."""
    from dataflow.kernel import Engine

    engines = []

    def make(executor, cache: bool = False):
        opened = Engine.open(module_registry, executor="sequential", use_cache=cache, directory=tmp_path / "cache")
        engine = Engine(module_registry, executor, opened.cache, opened.cache_root)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        if engine.cache is not None:
            engine.cache.close()


@pytest.fixture
def build(module_registry, tmp_path):
    """`build(nodes, edges)` -> a compiled graph of a workflow written to a temporary folder."""
    from dataflow.kernel import compile_workflow, load_workflow

    counter = iter(range(1_000_000))

    def make(nodes: list[dict], edges: list[dict] | None = None):
        path = write_workflow(tmp_path / f"flow{next(counter)}.json", nodes, edges, name="dask test")
        return compile_workflow(load_workflow(path), module_registry)

    return make


def n(node_id: str, node_type: str, **params) -> dict:
    """A compact workflow node of the test pack."""
    return {"id": node_id, "type": f"testpack.{node_type}", "params": params}


__all__ = ["edge", "n", "write_workflow"]
