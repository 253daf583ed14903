"""Run the reference pipeline once in this (new) process and print what it cost, as JSON.

    python benchmarks/pipeline_child.py engine WORKFLOW CACHE_DIR [--executor threads]
    python benchmarks/pipeline_child.py plain CSV

`engine` does what `dataflow run` does (registry, load + compile the workflow file, run with
every installed cache tier, close, which waits for the disk writes); `plain` calls the same node
functions directly, as a script without DataFlow would. `bench_startup.py` times both from outside.
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()


def engine_mode(workflow_path: str, cache_dir: str, executor: str) -> dict:
    from pathlib import Path

    from dataflow.cli.allocator import tune_for_batch

    tune_for_batch()  # as `dataflow run` does, before anything imports pandas

    import bench_nodes

    from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow

    registry = load_registry(extra=[("bench", bench_nodes)])
    graph = compile_workflow(load_workflow(workflow_path), registry)
    ready = time.perf_counter()
    engine = Engine.open(registry, executor=executor, directory=Path(cache_dir), memory_tiers=False)  # as the CLI
    start = time.perf_counter()
    result = engine.run(graph)
    ran = time.perf_counter()
    engine.close()
    closed = time.perf_counter()
    statuses: dict[str, int] = {}
    for node in result.nodes.values():
        statuses[node.status] = statuses.get(node.status, 0) + 1
    return {"status": result.status, "statuses": statuses, "setup": ready - STARTED, "run": ran - start,
            "close": closed - ran, "errors": [n.error for n in result.failed]}


def plain_mode(csv: str) -> dict:
    import bench_nodes as b

    start = time.perf_counter()
    raw = b.load_orders(path=csv)
    orders = b.filter_orders(raw)
    joined = b.join_stats(orders, b.customer_stats(orders))
    fitted = b.train(b.training_set(joined))
    return {"status": "ok", "run": time.perf_counter() - start, "accuracy": fitted["metrics"]["accuracy"]}


def main(argv: list[str]) -> None:
    if argv[0] == "engine":
        executor = argv[argv.index("--executor") + 1] if "--executor" in argv else "threads"
        out = engine_mode(argv[1], argv[2], executor)
    else:
        out = plain_mode(argv[1])
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
