"""The schema pass: what knowing every table's columns before a run costs `dataflow validate`.

- validate with the schema pass, 1,000-node transform chain (iris -> filter/sort/derive ...), warm
  process, a fresh pass each time: <= 2x load + validate without it (the floor);
- the same for a 100-node chain: <= 20 ms;
- the five example workflows together (their CSV sources' headers read each time): <= 2x;
- the pass again on an unchanged 1,000-node workflow in the same engine (the app after a rerun):
  information, against the validation alone;
- a 1 GiB CSV's schema (header + first rows): <= 100 ms. The file is 64 MiB of real rows
  extended to 1 GiB with `truncate` (the pass reads its first 1 MiB whatever the size; a sparse
  tail keeps the benchmark from writing a gigabyte).
"""

from __future__ import annotations

import os
from pathlib import Path

import graphs
import harness
from harness import Figure, interleave, per_call

from dataflow.kernel import (
    CallPlace,
    Engine,
    compile_workflow,
    infer_schemas,
    load_workflow,
    resolve_params,
    save_workflow,
)

ROOT = Path(__file__).resolve().parents[1]
_STEPS = (("transform.filter", {"formula": "`petal width (cm)` > 0"}),
          ("transform.sort", {"columns": ["petal length (cm)"]}),
          ("transform.derive", {"name": "area", "formula": "`petal width (cm)` * `petal length (cm)`"}))


def transform_chain(size: int):
    """iris, then `size - 1` transforms that each declare their schema, in a chain."""
    nodes = [("n0", "samples.dataset", {"name": "iris"})]
    nodes += [(f"n{i}", *_STEPS[i % len(_STEPS)]) for i in range(1, size)]
    edges = [(f"n{i - 1}", f"n{i}", None) for i in range(1, size)]
    return graphs.workflow(nodes, edges, f"transform-chain-{size}")


def _pass(graph) -> object:
    place = CallPlace(graph.workflow.folder)
    return infer_schemas(graph, lambda node: resolve_params(node.spec, node.params, place))


def chains(repeats: int) -> list[Figure]:
    registry = graphs.registry()
    figures = []
    with graphs.scratch() as folder:
        for size, target_on, target in ((1_000, "ratio", 2.0), (100, "measured", 20)):
            path = Path(folder) / f"chain-{size}.json"
            save_workflow(transform_chain(size), path, registry)
            calls = 3 if size == 1_000 else 20

            def floor(path: Path = path, calls: int = calls) -> float:
                return per_call(lambda: compile_workflow(load_workflow(path), registry), calls)

            def subject(path: Path = path, calls: int = calls) -> float:
                return per_call(lambda: _pass(compile_workflow(load_workflow(path), registry)), calls)

            samples = interleave({"floor": floor, "subject": subject}, harness.more(repeats))
            figures.append(Figure(f"validate with schemas, {size:,}-node transform chain", samples["subject"],
                                  samples["floor"], "load + validate without them", unit="ms",
                                  target_on=target_on, target=target,
                                  note="warm process, a fresh pass each time (no memo)"))
        path = Path(folder) / "chain-1000.json"
        with Engine.open(registry, use_cache=False) as engine:
            graph = compile_workflow(load_workflow(path), registry)
            engine.schemas(graph)

            def again() -> float:
                return per_call(lambda: engine.schemas(graph), 3)

            def compile_only() -> float:
                return per_call(lambda: compile_workflow(load_workflow(path), registry), 3)

            samples = interleave({"floor": compile_only, "subject": again}, harness.more(repeats))
        figures.append(Figure("schema pass again, unchanged 1,000-node chain (memo by Merkle keys)",
                              samples["subject"], samples["floor"], "load + validate", unit="ms",
                              note="what the app pays per rerun: one key per node"))
    return figures


def examples(repeats: int) -> list[Figure]:
    registry = graphs.registry()
    paths = sorted((ROOT / "workflows").glob("*.json"))

    def floor() -> float:
        return per_call(lambda: [compile_workflow(load_workflow(p), registry) for p in paths], 3)

    def subject() -> float:
        return per_call(lambda: [_pass(compile_workflow(load_workflow(p), registry)) for p in paths], 3)

    samples = interleave({"floor": floor, "subject": subject}, harness.more(repeats))
    return [Figure(f"validate with schemas, the {len(paths)} examples", samples["subject"], samples["floor"],
                   "load + validate without them", unit="ms", target_on="ratio", target=2.0,
                   note="their CSV sources' headers and first rows read every time")]


def big_csv(repeats: int) -> list[Figure]:
    from dataflow_io.schemas import delimited

    with graphs.scratch() as folder:
        path = Path(folder) / "big.csv"
        row = "12345,north,widget,19.99,2024-01-05,some free text here\n"
        with open(path, "w") as file:
            file.write("id,region,product,price,day,note\n")
            chunk = row * 100_000
            while file.tell() < 64 << 20:
                file.write(chunk)
        os.truncate(path, 1 << 30)

        def subject() -> float:
            return per_call(lambda: delimited(str(path)), 5)

        def floor() -> float:
            def read() -> None:
                with open(path, "rb") as file:
                    file.read(1 << 20)
            return per_call(read, 5)

        samples = interleave({"floor": floor, "subject": subject}, harness.more(repeats))
        schema = delimited(str(path))
    return [Figure("a 1 GiB CSV's schema (header + first rows)", samples["subject"], samples["floor"],
                   "reading its first 1 MiB", unit="ms", target_on="measured", target=100,
                   note=f"{len(schema)} columns: {schema}")]


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    print("\n== schemas ==", flush=True)
    figures = chains(repeats) + examples(repeats) + big_csv(repeats)
    harness.report(figures)
    return figures


if __name__ == "__main__":
    harness.main(run)
