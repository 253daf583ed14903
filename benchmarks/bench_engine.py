"""Engine overhead per trivial node, its growth with graph size, cache keys, tiers, workflow loading.

Figures (floors in brackets):
- engine overhead per node, 1,000-chain and 100-wide fan, memory tier on, sequential executor
  [graphlib get_ready()/done() loop over the same graph calling the same functions]: <= 10 us/node;
- the same per-node cost at 10,000 nodes [at 100 nodes]: <= 1.5x (a 10,000-deep chain must run);
- cache key per node [one blake2b of a key-sized payload]: <= 10 us;
- memory tier only vs memory + disk tiers, first run and fully cached re-run (information);
- load + validate a 1,000-node workflow file, warm process [json.loads of the file]: <= 20 ms.

"Per node" is the whole `engine.run(graph)` wall time divided by the node count: nothing is
subtracted. Opening the engine (and its temporary cache folder) is outside the timed region.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import partial
from pathlib import Path

import graphs
import harness
from harness import Figure, interleave, per_call
from runs import BOTH, MEMORY, Rerun, first_run_sampler, floor_sampler, per_node

from dataflow.kernel import compile_workflow, load_workflow, save_workflow
from dataflow.kernel.planning import node_key

# --- figures -------------------------------------------------------------------------------


def overhead(repeats: int) -> list[Figure]:
    figures = []
    for shape, build, base, small, large in (("chain", graphs.chain, 1_000, 100, 10_000),
                                            ("fan", graphs.fan, 100, 100, 10_000)):
        g = {n: graphs.compile_(build(n)) for n in sorted({base, small, large})}
        count = {n: len(g[n].nodes) for n in g}
        samples = interleave({
            "floor": floor_sampler(g[base]),
            "base": first_run_sampler(g[base], MEMORY),
            **({} if small == base else {"small": first_run_sampler(g[small], MEMORY)}),
            "large": first_run_sampler(g[large], MEMORY),
        }, harness.more(repeats))
        samples.setdefault("small", samples["base"])
        label = f"{base:,}-chain" if shape == "chain" else f"{base}-wide fan"
        figures.append(Figure(
            f"engine overhead per node, {label} ({count[base]} nodes), memory tier",
            per_node(samples["base"], count[base]), per_node(samples["floor"], count[base]), "graphlib loop",
            unit="us", target_on="measured", target=10,
            note="whole engine.run() / nodes, sequential executor, fresh cache folder; floor: graphlib "
                 "get_ready()/done() calling the same functions"))
        large_label = f"{large:,}-chain" if shape == "chain" else f"{large:,}-wide fan"
        small_label = f"{small}-chain" if shape == "chain" else f"{small}-wide fan"
        figures.append(Figure(
            f"per-node growth, {large_label} vs {small_label}",
            per_node(samples["large"], count[large]), per_node(samples["small"], count[small]),
            f"at {small} nodes", unit="us", target_on="ratio", target=1.5,
            note=f"per-node cost of the {large_label} over the {small_label}"
                 + ("; the 10,000-deep chain ran to the end (no RecursionError)" if shape == "chain" else "")))
        harness.report(figures[-2:])
    return figures


def pooled(repeats: int) -> list[Figure]:
    """The same trivial graphs through the pool path (graphlib ready set + futures), threads executor."""
    figures = []
    for label, wf in (("1,000-chain", graphs.chain(1_000)), ("100-wide fan", graphs.fan(100))):
        graph = graphs.compile_(wf)
        nodes = len(graph.nodes)
        samples = interleave({"floor": floor_sampler(graph),
                              "threads": first_run_sampler(graph, MEMORY, executor="threads")}, repeats)
        figures.append(Figure(f"engine overhead per node, {label}, threads executor", per_node(samples["threads"], nodes),
                              per_node(samples["floor"], nodes), "graphlib loop", unit="us",
                              note="information: the pool path (the CLI's default executor): every node is a "
                                   "future run on a pool thread, a hand-off per node"))
    harness.report(figures)
    return figures


def keys(repeats: int) -> list[Figure]:
    graph = graphs.compile_(graphs.chain(1_000))
    with graphs.scratch() as folder, graphs.open_engine(folder, MEMORY) as engine:
        def key_loop() -> float:
            start = time.perf_counter()
            done = {}
            params_for = partial(engine.call_params, graph)
            for node_id in graph.order:
                done[node_id] = node_key(graph.nodes[node_id], done, params_for)
            return (time.perf_counter() - start) / len(graph.order)

        payload = "\x1f".join(["bench.inc", "1", "step=1", "x<" + "0" * 32 + ":params", ""]).encode()

        def blake() -> float:
            return per_call(lambda: hashlib.blake2b(payload, digest_size=16).hexdigest(), 1_000)

        samples = interleave({"floor": blake, "keys": key_loop}, repeats)
    figure = Figure("cache key per node (1,000-chain)", samples["keys"], samples["floor"], "one blake2b",
                    unit="us", target_on="measured", target=10,
                    note="planning.node_key over the compiled graph in order: canonical params, upstream keys, blake2b")
    harness.report([figure])
    return [figure]


def tiers(repeats: int) -> list[Figure]:
    """Memory tier only vs memory + disk, on the 1,000-chain: first run and fully cached re-runs."""
    from graphs import require

    missing = require(caches=("memory", "disk"), serializers=("params",))
    graph = graphs.compile_(graphs.chain(1_000))
    nodes = len(graph.nodes)
    drains: list[float] = []
    reruns = {"mem_same": Rerun(graph, MEMORY, True), "both_same": Rerun(graph, BOTH, True),
              "both_new": Rerun(graph, BOTH, False)}
    try:
        samples = interleave({
            "floor": floor_sampler(graph),
            "first_mem": first_run_sampler(graph, MEMORY),
            "first_both": first_run_sampler(graph, BOTH, drains),
            **{name: rerun.sample for name, rerun in reruns.items()},
        }, repeats)
    finally:
        for rerun in reruns.values():
            rerun.close()
    drains = drains[-repeats:]
    new_status = dict(reruns["both_new"].statuses)
    note_new = "" if set(new_status) == {"cached"} else f" NOT fully cached: {new_status}"
    if missing:
        note_new += f" (missing: {missing})"
    pn = {k: per_node(v, nodes) for k, v in samples.items()}
    figures = [
        Figure("1,000-chain first run, memory tier (us/node)", pn["first_mem"], pn["floor"], "graphlib loop",
               unit="us"),
        Figure("1,000-chain first run, memory + disk tiers (us/node)", pn["first_both"], pn["first_mem"],
               "memory only", unit="us",
               note="run wall time only; the disk writes finish in the background (next line)"),
        Figure("  disk writes still draining when that run returned (ms)", drains, None, unit="ms",
               note="engine.close() after the run: waits for the background writer"),
        Figure("1,000-chain cached re-run, memory tier, same engine (us/node)", pn["mem_same"], pn["floor"],
               "graphlib loop", unit="us"),
        Figure("1,000-chain cached re-run, memory + disk, same engine (us/node)", pn["both_same"],
               pn["mem_same"], "memory only", unit="us"),
        Figure("1,000-chain cached re-run, memory + disk, new engine (us/node)", pn["both_new"], pn["mem_same"],
               "memory only", unit="us",
               note="a new engine on a populated folder: every lookup goes to the disk tier" + note_new),
    ]
    harness.report(figures)
    return figures


def load_validate(repeats: int) -> list[Figure]:
    registry = graphs.registry()
    with graphs.scratch() as folder:
        path = Path(folder) / "chain-1000.json"
        save_workflow(graphs.chain(1_000), path, registry)

        def subject() -> float:
            return per_call(lambda: compile_workflow(load_workflow(path), registry), 3)

        def floor() -> float:
            return per_call(lambda: json.loads(path.read_bytes()), 3)

        samples = interleave({"floor": floor, "subject": subject}, repeats)
    figure = Figure("load + validate a 1,000-node workflow file", samples["subject"], samples["floor"],
                    "json.loads of it", unit="ms", target_on="measured", target=20,
                    note="load_workflow + compile_workflow, warm process (strict JSON parse, shape checks, "
                         "type/param/edge validation, topological order)")
    harness.report([figure])
    return [figure]


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    missing = graphs.require(executors=("sequential",), caches=("memory",))
    if missing:
        print(f"engine benchmarks skipped: {missing} not installed")
        return []
    print("\n== engine ==", flush=True)
    figures = overhead(repeats) + keys(repeats) + load_validate(repeats)
    if graphs.require(executors=("threads",)) is None:
        figures += pooled(repeats)
    if graphs.require(caches=("disk",)) is None:
        figures += tiers(repeats)
    else:
        print("tier comparison skipped: no disk tier")
    return figures


if __name__ == "__main__":
    harness.main(run)
