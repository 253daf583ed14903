"""The workflow the campaign kills, shares and starves: a 60,000-row synthetic table, a derived
column, a sort (kept with `--output-dir`) and a CSV written next to the workflow; and how a run's
results are compared with a fresh uncached run's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

NODES = [
    {"id": "gen", "type": "samples.synthetic", "params": {"rows": 60_000, "columns": 8, "seed": 3}},
    {"id": "twice", "type": "transform.derive", "params": {"name": "z", "formula": "x1 * 2"}},
    {"id": "order", "type": "transform.sort", "params": {"columns": ["x2"]}},
    {"id": "save", "type": "io.write_file", "params": {"path": "out.csv"}},
]
EDGES = [{"source": "gen", "target": "twice"}, {"source": "twice", "target": "order"},
         {"source": "twice", "target": "save"}]


def write_flow(folder: Path, name: str = "flow.json") -> Path:
    """The workflow file in `folder` (created), its nodes placed in a row as the app shows them."""
    folder.mkdir(parents=True, exist_ok=True)
    flow = folder / name
    nodes = [{**node, "position": {"x": 280 * index, "y": 0}} for index, node in enumerate(NODES)]
    flow.write_text(json.dumps({"version": "0.1.0", "nodes": nodes, "edges": EDGES}))
    return flow


def same_result(folder: Path, out: Path, expected: pd.DataFrame, csv: bytes) -> bool:
    """Whether a run wrote the reference's sorted table to `out` and its CSV into `folder`."""
    try:
        pd.testing.assert_frame_equal(pd.read_parquet(out / "order.parquet"), expected)
    except (AssertionError, OSError):
        return False
    return (folder / "out.csv").read_bytes() == csv


def sort_chain(nodes: int) -> dict:
    """A workflow of `nodes` nodes in one chain: iris, then `transform.sort` after `transform.sort`
    (each a 150-row table), placed in rows of 20 as the app shows them."""
    columns = ["sepal length (cm)", "petal length (cm)"]
    chain = [{"id": "n0", "type": "samples.dataset", "params": {"name": "iris"}}]
    chain += [{"id": f"n{i}", "type": "transform.sort", "params": {"columns": [columns[i % 2]]}}
              for i in range(1, nodes)]
    for index, node in enumerate(chain):
        node["position"] = {"x": (index % 20) * 260, "y": (index // 20) * 160}
    edges = [{"source": f"n{i - 1}", "target": f"n{i}"} for i in range(1, nodes)]
    return {"version": "0.1.0", "nodes": chain, "edges": edges}
