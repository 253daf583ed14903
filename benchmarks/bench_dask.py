"""The Dask executor (plugin dataflow-dask) on a local cluster of 2 worker processes, 1 thread each.

Figures, each against a floor measured in the same run:

- **Two CPU-heavy branches** (5M rows each, group-by 200k keys: `bench_parallel`'s graph) on the
  Dask executor, as a speed-up over the sequential executor: >= 1.6x on 2 cores (issue 22). The
  cluster is started once and warmed (its workers have imported pandas) by the warm-up round.
- **Per-node overhead on a 100-node chain** of trivial nodes: `engine.run` on Dask, divided by
  100, next to Dask's own floor, a chain of 100 `client.submit` calls, each task given the
  previous one's future (the value never leaves the workers; one result fetched at the end):
  <= 1.2x (issue 22). Outputs stay on the workers (handles), and the engine sends a consumer
  as soon as its producer was sent (kernel/chains.py), so the whole chain is on the cluster at
  once, as the floor's is; quick nodes log no end event (their reply's type says it).
- **Bytes that reach the driver** on a 3-node chain over a 1M-row table whose last node returns
  a small summary (`make_table -> drop_missing -> describe`): the executor's count of serializer
  bytes fetched, next to the summary's own bytes (issue 22: about the summary's size).
- **Cluster start**: `DaskExecutor(2).client()` (a LocalCluster on 127.0.0.1 with its dashboard,
  plus the connection), next to a bare `LocalCluster(n_workers=2, dashboard_address=None)`, and
  the close of both (info).
"""

from __future__ import annotations

import os
import time

import graphs
import harness
from harness import Figure, interleave
from runs import check

ROWS = 5_000_000
CHAIN = 100
TABLE_ROWS = 1_000_000


def _dask_executor(workers: int = 2):
    from dataflow_dask import DaskExecutor

    return DaskExecutor(workers)


def run_sampler(engine, graph, expect: str = "computed"):
    def sample() -> float:
        start = time.perf_counter()
        result = engine.run(graph, use_cache=False)
        elapsed = time.perf_counter() - start
        check(result, expect)
        return elapsed

    return sample


def _add_one(x: dict) -> dict:
    return {"n": x["n"] + 1}


def _first(value: int) -> dict:
    return {"n": value}


def submit_chain_sampler(client, length: int):
    """Dask's floor: `length` tasks, each given the previous task's future."""
    def sample() -> float:
        start = time.perf_counter()
        future = client.submit(_first, 0, pure=False)
        for _ in range(length - 1):
            future = client.submit(_add_one, future, pure=False)
        value = future.result()
        elapsed = time.perf_counter() - start
        assert value == {"n": length - 1}, value
        del future
        return elapsed

    return sample


def bare_heavy_sampler(client):
    """The two branches' node functions as two bare `client.submit` calls: what the cluster allows
    on this machine at this moment, engine aside (the ceiling)."""
    import bench_nodes

    def sample() -> float:
        start = time.perf_counter()
        futures = [client.submit(bench_nodes.heavy_groupby, seed=seed, rows=ROWS, pure=False) for seed in (1, 2)]
        client.gather(futures)
        return time.perf_counter() - start

    return sample


def start_samplers():
    """(our executor's start + close, a bare LocalCluster's start + close) as samplers; the close
    times are kept on the side."""
    from dataflow_dask.metadata import import_distributed

    distributed = import_distributed()
    closes: dict[str, list[float]] = {"ours": [], "bare": []}

    def ours() -> float:
        executor = _dask_executor()
        start = time.perf_counter()
        executor.client()
        elapsed = time.perf_counter() - start
        closes["ours"].append(harness.timed(executor.shutdown))
        return elapsed

    def bare() -> float:
        start = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=None, scheduler_port=0)
        client = distributed.Client(cluster)
        elapsed = time.perf_counter() - start

        def close():
            client.close()
            cluster.close()

        closes["bare"].append(harness.timed(close))
        return elapsed

    return {"ours": ours, "bare": bare}, closes


def pulled_bytes(executor, engine) -> tuple[int, int]:
    """(bytes pulled back for the 3-node chain over a 1M-row table, bytes of its summary)."""
    graph = graphs.compile_(graphs.workflow(
        [("table", "bench.make_table", {"rows": TABLE_ROWS}), ("complete", "transform.drop_missing", {}),
         ("summary", "transform.describe", {})],
        [("table", "complete", "table"), ("complete", "summary", "table")], "table-chain"))
    before = executor.bytes_pulled
    result = engine.run(graph, use_cache=False, keep_outputs=["summary"])
    check(result, "computed")
    pulled = executor.bytes_pulled - before
    serializer = graphs.registry().serializers.get("table")
    summary = len(memoryview(serializer.dumps(result.outputs["summary"]["table"])).cast("B"))
    return pulled, summary


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    missing = graphs.require(executors=("sequential", "dask"))
    if missing:
        print(f"dask benchmarks skipped: {missing} not installed (pip install -e plugins/dask)")
        return []
    from dataflow.kernel import Engine

    print("\n== dask executor ==", flush=True)
    heavy = graphs.compile_(graphs.two_heavy_branches(ROWS))
    chain = graphs.compile_(graphs.chain(CHAIN))
    with graphs.scratch() as folder:
        sequential = graphs.open_engine(folder / "sequential", [], "sequential", use_cache=False)
        executor = _dask_executor()
        on_dask = Engine(graphs.registry(), executor)
        try:
            client = executor.client()
            pulled, summary = pulled_bytes(executor, on_dask)
            print(f"  bytes to the driver: {pulled / 1e6:.1f} MB for a {summary / 1e3:.1f} kB summary", flush=True)
            heavy_samples = interleave({"sequential": run_sampler(sequential, heavy),
                                        "dask": run_sampler(on_dask, heavy),
                                        "bare": bare_heavy_sampler(client)}, repeats)
            chain_samples = interleave({"floor": submit_chain_sampler(client, CHAIN),
                                        "dask": run_sampler(on_dask, chain)}, harness.more(repeats))
        finally:
            on_dask.close()
            sequential.close()
    starts, closes = start_samplers()
    start_samples = interleave(starts, repeats)
    per_node = [s / CHAIN for s in chain_samples["dask"]]
    floor_per_node = [s / CHAIN for s in chain_samples["floor"]]
    figures = [
        Figure("2 heavy branches, dask (2 workers) vs sequential", heavy_samples["dask"],
               heavy_samples["sequential"], "sequential", unit="s", target_on="speedup", target=1.6,
               note=f"each branch: 5M rows from a seed, group-by 200k keys; warm cluster; load average "
                    f"{os.getloadavg()[0]:.1f} at the end (other processes take cores away)"),
        Figure("  ceiling: the two calls as bare client.submit", heavy_samples["bare"], heavy_samples["sequential"],
               "sequential", unit="s", ratio_kind="speedup",
               note="no engine: what the cluster allows on this machine now"),
        Figure("dask per node, 100-node chain", per_node, floor_per_node, "client.submit chain (futures)",
               unit="ms", target_on="ratio", target=1.2,
               note="values stay on the workers; each consumer is sent as soon as its producer was sent "
                    "(chains), so the chain is on the cluster at once, as the floor's is"),
        Figure("bytes to the driver, 3-node chain over a 1M-row table", [pulled / 1e6], [summary / 1e6],
               "the summary's bytes", unit="MB", target_on="ratio", target=1.5,
               note="serializer bytes the executor fetched (issue 22: about the summary's size)"),
        Figure("cluster start: DaskExecutor(2).client()", start_samples["ours"], start_samples["bare"],
               "bare LocalCluster(2) + Client, no dashboard", unit="s"),
        Figure("cluster close: DaskExecutor.shutdown()", closes["ours"][-len(start_samples['ours']):],
               closes["bare"][-len(start_samples['bare']):], "bare close", unit="s"),
    ]
    harness.report(figures)
    return figures


if __name__ == "__main__":
    harness.main(run)
