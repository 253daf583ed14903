"""Ways of running a graph that the benchmarks time: each returns a sampler for `harness.interleave`."""

from __future__ import annotations

import graphlib
import time
from collections import Counter

import graphs

from dataflow.kernel import Graph, RunResult

MEMORY, BOTH = ["memory"], ["memory", "disk"]


def statuses(result: RunResult) -> Counter:
    return Counter(r.status for r in result.nodes.values())


def check(result: RunResult, expect: str | None = None) -> RunResult:
    if result.status != "ok":
        failed = [(r.id, r.error) for r in result.failed][:3]
        raise RuntimeError(f"benchmark run {result.status}: {failed}")
    if expect is not None and set(statuses(result)) != {expect}:
        raise RuntimeError(f"expected every node {expect}, got {dict(statuses(result))}")
    return result


def floor_sampler(graph: Graph):
    """graphlib's ready-set protocol over the same graph, calling the same node functions."""
    deps = {n: [s for s, _ in graph.nodes[n].inputs.values()] for n in graph.order}
    calls = {}
    for node_id in graph.order:
        node = graph.nodes[node_id]
        parent = next(iter(node.inputs.values()), (None,))[0]
        calls[node_id] = (node.spec.fn, parent, dict(node.params))

    def sample() -> float:
        start = time.perf_counter()
        sorter = graphlib.TopologicalSorter(deps)
        sorter.prepare()
        values = {}
        while sorter.is_active():
            for node_id in sorter.get_ready():
                fn, parent, params = calls[node_id]
                values[node_id] = fn(values[parent], **params) if parent is not None else fn(**params)
                sorter.done(node_id)
        return time.perf_counter() - start

    return sample


def first_run_sampler(graph: Graph, tiers: list[str], drains: list[float] | None = None,
                      executor: str = "sequential"):
    """A first run in a fresh cache folder; `drains` collects how long closing the engine took
    (the background disk writes finishing)."""

    def sample() -> float:
        with graphs.scratch() as folder:
            engine = graphs.open_engine(folder, tiers, executor)
            try:
                start = time.perf_counter()
                result = engine.run(graph)
                elapsed = time.perf_counter() - start
            finally:
                closing = time.perf_counter()
                engine.close()
                if drains is not None:
                    drains.append(time.perf_counter() - closing)
        check(result, "computed")
        return elapsed

    return sample


class Rerun:
    """A fully cached re-run: `same` keeps one engine (its memory tier is warm); otherwise each
    sample opens a new engine on the populated folder (as a new process would: memory empty)."""

    def __init__(self, graph: Graph, tiers: list[str], same: bool):
        self.graph, self.tiers, self.same = graph, tiers, same
        self._scratch = graphs.scratch()
        self.folder = self._scratch.__enter__()
        self.engine = graphs.open_engine(self.folder, tiers)
        check(self.engine.run(graph), "computed")
        if not same:
            self.engine.close()
        self.statuses: Counter = Counter()

    def sample(self) -> float:
        engine = self.engine if self.same else graphs.open_engine(self.folder, self.tiers)
        try:
            start = time.perf_counter()
            result = engine.run(self.graph)
            elapsed = time.perf_counter() - start
        finally:
            if not self.same:
                engine.close()
        check(result)
        self.statuses = statuses(result)
        return elapsed

    def close(self) -> None:
        if self.same:
            self.engine.close()
        self._scratch.__exit__(None, None, None)


def per_node(samples: list[float], nodes: int) -> list[float]:
    return [s / nodes for s in samples]
