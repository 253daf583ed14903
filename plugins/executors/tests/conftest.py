"""Fixtures for the executor tests: the shared ones from tests/conftest.py, plus engines and workflows."""

from __future__ import annotations

import pytest

from tests.conftest import *  # noqa: F403  (pack_site, cache_dir, registry)
from tests.helpers import edge, write_workflow

ALL_EXECUTORS = ["sequential", "threads", "processes"]
POOLED = ["threads", "processes"]


@pytest.fixture
def build(registry, tmp_path):
    """`build(nodes, edges)` -> a compiled graph of a workflow written to a temporary folder."""
    from dataflow.kernel import compile_workflow, load_workflow

    counter = iter(range(1_000_000))

    def make(nodes: list[dict], edges: list[dict] | None = None):
        path = write_workflow(tmp_path / f"flow{next(counter)}.json", nodes, edges, name="executor test")
        return compile_workflow(load_workflow(path), registry)

    return make


@pytest.fixture
def engine_for(registry, tmp_path):
    """`engine_for(executor_id, max_workers=2)` -> an Engine without cache, closed after the test."""
    from dataflow.kernel import Engine

    engines = []

    def make(executor: str, max_workers: int = 2, **options):
        options.setdefault("use_cache", False)
        engine = Engine.open(registry, executor=executor, max_workers=max_workers, directory=tmp_path / "cache",
                             **options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def n(node_id: str, node_type: str, **params) -> dict:
    """A compact workflow node of the test pack."""
    return {"id": node_id, "type": f"testpack.{node_type}", "params": params}


__all__ = ["ALL_EXECUTORS", "POOLED", "edge", "n", "write_workflow"]
