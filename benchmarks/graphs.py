"""Workflows the benchmarks run, built in memory or written as files, and the registry they need."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bench_nodes

from dataflow.kernel import (
    Edge,
    Engine,
    Graph,
    NodeInstance,
    Registry,
    Workflow,
    compile_workflow,
    load_registry,
)

_REGISTRY: Registry | None = None


def registry() -> Registry:
    """Every installed plugin plus the benchmarks' nodes (plugin "bench"), built once per process."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = load_registry(extra=[("bench", bench_nodes)])
        missing = [name for name, record in _REGISTRY.plugins.items() if record.status == "failed"]
        if missing:
            raise SystemExit(f"plugins failed to load: {missing}; see `dataflow plugins`")
    return _REGISTRY


def require(*, executors: tuple[str, ...] = (), caches: tuple[str, ...] = (),
            serializers: tuple[str, ...] = ()) -> str | None:
    """None when the named plugins' contributions are installed, else what is missing."""
    reg = registry()
    missing = [f"executor '{e}'" for e in executors if e not in reg.executors]
    missing += [f"cache tier '{c}'" for c in caches if c not in reg.caches]
    missing += [f"serializer for '{s}'" for s in serializers if s not in reg.serializers]
    return ", ".join(missing) or None


def workflow(nodes: list[tuple[str, str, dict[str, Any]]], edges: list[tuple[str, str, str | None]],
             name: str) -> Workflow:
    """A workflow from (id, type, params) nodes and (source, target, target_port) edges."""
    wf = Workflow(meta={"name": name})
    for index, (node_id, type_id, params) in enumerate(nodes):
        wf.nodes[node_id] = NodeInstance(node_id, type_id, params, {"x": float(index % 50) * 200,
                                                                     "y": float(index // 50) * 120})
    wf.edges = [Edge(source, target, None, port) for source, target, port in edges]
    return wf


def chain(n: int) -> Workflow:
    """start -> inc -> inc -> ... : n nodes, each waiting for the one before."""
    nodes = [("n0", "bench.start", {"value": 0})] + [(f"n{i}", "bench.inc", {"step": 1}) for i in range(1, n)]
    return workflow(nodes, [(f"n{i - 1}", f"n{i}", "x") for i in range(1, n)], f"chain-{n}")


def fan(width: int) -> Workflow:
    """One start feeding `width` independent inc nodes: width + 1 nodes."""
    nodes = [("s", "bench.start", {"value": 0})] + [(f"f{i}", "bench.inc", {"step": i}) for i in range(width)]
    return workflow(nodes, [("s", f"f{i}", "x") for i in range(width)], f"fan-{width}")


def single(type_id: str, params: dict[str, Any], name: str) -> Workflow:
    return workflow([("node", type_id, params)], [], name)


def table_then_summary(rows: int) -> Workflow:
    """make_table -> summarize: a big output, then downstream work while its cache write runs."""
    return workflow([("table", "bench.make_table", {"rows": rows}), ("summary", "bench.summarize", {})],
                    [("table", "summary", "table")], f"table-summary-{rows}")


def two_heavy_branches(rows: int) -> Workflow:
    """Two independent CPU-heavy nodes (different seeds), nothing connecting them."""
    return workflow([("a", "bench.heavy_groupby", {"seed": 1, "rows": rows}),
                     ("b", "bench.heavy_groupby", {"seed": 2, "rows": rows})], [], f"two-branches-{rows}")


def pipeline(csv: str) -> Workflow:
    """The reference pipeline: CSV -> filter -> stats -> join -> sample -> logistic regression."""
    nodes = [("load", "bench.load_orders", {"path": csv}), ("orders", "bench.filter_orders", {}),
             ("stats", "bench.customer_stats", {}), ("joined", "bench.join_stats", {}),
             ("ts", "bench.training_set", {}), ("train", "bench.train", {})]
    edges = [("load", "orders", "raw"), ("orders", "stats", "orders"), ("orders", "joined", "orders"),
             ("stats", "joined", "stats"), ("joined", "ts", "joined"), ("ts", "train", "ts")]
    return workflow(nodes, edges, "reference-pipeline")


def compile_(wf: Workflow) -> Graph:
    return compile_workflow(wf, registry())


@contextlib.contextmanager
def scratch(prefix: str = "dataflow-bench-") -> Iterator[Path]:
    """A fresh temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def open_engine(folder: Path, tiers: list[str], executor: str = "sequential", **kwargs: Any) -> Engine:
    return Engine.open(registry(), executor=executor, directory=folder, tiers=tiers, **kwargs)
