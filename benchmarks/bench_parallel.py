"""Two independent CPU-heavy branches: do the threads and processes executors run them side by side?

Each branch is one node that builds 5M random rows from its seed and aggregates them by a key
with 200k values (numpy generation, a pandas group-by, a sort). The graph has nothing else.
Figures: wall time of `engine.run` with `threads` and with `processes` (2 workers) as a speed-up
over `sequential` [the floor]: >= 1.7x on 2 cores. The engines are opened once and reused, as
the app does, so the process pool is warm (started and its imports done by the warm-up round);
a cold pool (a new engine per run) is shown for information. No cache: every run computes.
The ceiling on this machine at this moment is shown too: the same two calls on a bare
`ThreadPoolExecutor` / `ProcessPoolExecutor` (2 workers), without the engine.
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import bench_nodes
import graphs
import harness
from harness import Figure, interleave
from runs import check

ROWS = 5_000_000


def warm_sampler(engine, graph):
    def sample() -> float:
        start = time.perf_counter()
        result = engine.run(graph, use_cache=False)
        elapsed = time.perf_counter() - start
        check(result, "computed")
        return elapsed

    return sample


def cold_sampler(graph):
    def sample() -> float:
        with graphs.scratch() as folder:
            engine = graphs.open_engine(folder, [], "processes", max_workers=2, use_cache=False)
            try:
                start = time.perf_counter()
                result = engine.run(graph, use_cache=False)
                elapsed = time.perf_counter() - start
            finally:
                engine.close()
        check(result, "computed")
        return elapsed

    return sample


def bare_sampler(pool):
    """The two branches' node functions on a bare pool: what the hardware allows, engine aside."""
    branch = functools.partial(bench_nodes.heavy_groupby, rows=ROWS)

    def sample() -> float:
        start = time.perf_counter()
        list(pool.map(_call_with_seed, [branch, branch], [1, 2]))
        return time.perf_counter() - start

    return sample


def _call_with_seed(fn, seed: int):
    return fn(seed=seed)


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    missing = graphs.require(executors=("sequential", "threads", "processes"))
    if missing:
        print(f"parallel benchmarks skipped: {missing} not installed")
        return []
    print("\n== parallel branches ==", flush=True)
    graph = graphs.compile_(graphs.two_heavy_branches(ROWS))
    one = graphs.compile_(graphs.single("bench.heavy_groupby", {"seed": 1, "rows": ROWS}, "one-branch"))
    engines = {}
    with graphs.scratch() as folder, ThreadPoolExecutor(2) as threads, ProcessPoolExecutor(2) as processes:
        try:
            for name in ("sequential", "threads", "processes"):
                engines[name] = graphs.open_engine(folder / name, [], name, max_workers=2, use_cache=False)
            samples = interleave({
                "bare_threads": bare_sampler(threads),
                "bare_processes": bare_sampler(processes),
                "sequential": warm_sampler(engines["sequential"], graph),
                "threads": warm_sampler(engines["threads"], graph),
                "processes": warm_sampler(engines["processes"], graph),
                "one": warm_sampler(engines["sequential"], one),
                "cold": cold_sampler(graph),
            }, harness.more(repeats, 1.5))
        finally:
            for engine in engines.values():
                engine.close()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    figures = [
        Figure("2 heavy branches, threads (2) vs sequential", samples["threads"], samples["sequential"],
               "sequential", unit="s", target_on="speedup", target=1.7,
               note=f"each branch: 5M rows from a seed, group-by 200k keys; load average {load:.1f} at the end "
                    "(other processes on the machine take cores away)"),
        Figure("2 heavy branches, processes (2, warm pool) vs sequential", samples["processes"],
               samples["sequential"], "sequential", unit="s", target_on="speedup", target=1.7),
        Figure("  processes (2, cold pool: new engine per run) vs sequential", samples["cold"],
               samples["sequential"], "sequential", unit="s", ratio_kind="speedup",
               note="includes starting 2 workers and their imports"),
        Figure("  ceiling: the two calls on a bare ThreadPoolExecutor(2)", samples["bare_threads"],
               samples["sequential"], "sequential", unit="s", ratio_kind="speedup",
               note="no engine: what threads allow on this machine now (the GIL parts of pandas, memory)"),
        Figure("  ceiling: the two calls on a bare ProcessPoolExecutor(2), warm", samples["bare_processes"],
               samples["sequential"], "sequential", unit="s", ratio_kind="speedup"),
        Figure("  one branch alone, sequential (the ideal: 2.0x)", samples["one"], samples["sequential"],
               "two branches sequential", unit="s", ratio_kind="speedup"),
    ]
    harness.report(figures)
    return figures


if __name__ == "__main__":
    harness.main(run)
