"""Validation of big workflow files of many shapes: linear in the file's size (issue 16).

Figures (floor in brackets), one per shape of a file of about 1 MB (10,000 nodes or edges):
- `dataflow validate` in a warm process, `load_workflow` + `compile_workflow` + the schema pass
  when the file is valid, building the error text when it is not [json.loads of the file]:
  <= 1 s each.

Before the fix, 10,000 dangling edges among 10,000 nodes took 138-230 s: every problem searched
all 10,000 node ids for a spelling neighbour (`did_you_mean`), 10^8 difflib comparisons.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import graphs
import harness
from harness import Figure, interleave, timed

from dataflow.kernel import WorkflowError, compile_workflow, infer_schemas, load_workflow

NODE = "transform.sample"  # a node with one table input and a few parameters
SOURCE = {"id": "src", "type": "samples.synthetic", "params": {}}


def shapes(n: int) -> Iterator[tuple[str, dict]]:
    """(name, workflow as JSON data): a valid chain and eight ways of being wrong n times."""
    nodes = [{"id": f"n{i}", "type": NODE, "params": {}} for i in range(n)]

    def wf(nodes: list[dict], edges: list[dict]) -> dict:
        return {"version": "0.1.0", "nodes": nodes, "edges": edges}

    yield "valid chain", wf([SOURCE, *nodes], [{"source": "src" if i == 0 else f"n{i - 1}", "target": f"n{i}"}
                                              for i in range(n)])
    yield "dangling edges", wf(nodes, [{"source": f"n{i}", "target": f"ghost{i}"} for i in range(n)])
    yield "unknown node types", wf([{"id": f"n{i}", "type": f"nopack.thing{i}", "params": {}} for i in range(n)], [])
    yield "bad parameters", wf([SOURCE, *({**node, "params": {"rows": -1 - i, f"colour{i}": 1}}
                                          for i, node in enumerate(nodes))],
                               [{"source": "src", "target": f"n{i}"} for i in range(n)])
    yield "unknown ports", wf([SOURCE, *nodes], [{"source": "src", "target": f"n{i}", "target_port": f"nope{i}"}
                                                for i in range(n)])
    yield "edges into one input", wf([SOURCE, nodes[0]], [{"source": "src", "target": "n0"}] * n)
    yield "self loops", wf(nodes, [{"source": f"n{i}", "target": f"n{i}"} for i in range(n)])
    yield "duplicate node ids", wf([{**node, "id": "same"} for node in nodes], [])
    yield "malformed edges", wf([SOURCE], [{"source": i} for i in range(n)])


def validate(path: Path) -> int:
    """What `dataflow validate` does in-process: the number of problems found."""
    registry = graphs.registry()
    try:
        graph = compile_workflow(load_workflow(path), registry)
    except WorkflowError as exc:
        str(exc)  # the message lists every problem
        return len(exc.problems)
    return len(infer_schemas(graph, lambda node: node.params).problems)


def run(repeats: int = harness.DEFAULT_REPEATS, n: int = 10_000) -> list[Figure]:
    missing = [t for t in (NODE, SOURCE["type"]) if t not in graphs.registry().nodes]
    if missing:
        print(f"validation benchmarks skipped: {missing} not installed")
        return []
    print("\n== validate ==", flush=True)
    figures = []
    with graphs.scratch() as folder:
        for name, data in shapes(n):
            path = Path(folder) / "workflow.json"
            path.write_text(json.dumps(data))
            samples = interleave({"floor": lambda p=path: timed(lambda: json.loads(p.read_bytes())),
                                  "subject": lambda p=path: timed(lambda: validate(p))}, repeats)
            figures.append(Figure(f"validate {name}, {path.stat().st_size / 1e6:.2f} MB", samples["subject"],
                                  samples["floor"], "json.loads of it", unit="ms", target_on="measured",
                                  target=1000, note=f"{validate(path):,} problems"))
    harness.report(figures)
    return figures


if __name__ == "__main__":
    harness.main(run)
