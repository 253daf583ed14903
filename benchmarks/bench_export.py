"""`dataflow export` and the scripts it writes, as whole processes (issue 21).

Figures (see README.md):
- `dataflow export` of a 100-node workflow made of the examples in `workflows/` (each example once,
  then sales_report and sql_two_tables a second time: 100 nodes, node ids
  and workflow parameters prefixed by the example's name), start to exit: target under 1 s;
  `dataflow validate` of the same file, a process that loads the same plugins and compiles the
  same graph, is shown beside it (information);
- the exported iris_classification and sales_report scripts, each run from a copy of `workflows/`
  (`python iris.py`), against the same work written as a person would write it with pandas,
  scikit-learn and Plotly (`benchmarks/plain/iris_plain.py`, `benchmarks/plain/sales_plain.py`: the
  sales one writes the same Parquet file and draws the same two charts, the iris one computes the
  same scores and draws the same confusion matrix, as tests/test_export_floors.py checks), same
  interpreter, same folder, same environment, A B A B: target <= 1.1x of the medians.

    python benchmarks/bench_export.py            # about a minute
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import graphs
import harness
from bench_command import dataflow_command, run_process
from harness import Figure, interleave

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: the examples that appear twice in the 100-node workflow (82 nodes once each, + 14 + 4)
AGAIN = ("sales_report", "sql_two_tables")


def hundred_nodes(folder: Path) -> Path:
    """One workflow of the examples side by side (100 nodes), written into `folder` (a copy of `workflows/`,
    so that its relative paths and components resolve)."""
    examples = sorted(p for p in folder.glob("*.json"))
    chosen = [(p.stem, p) for p in examples] + [(f"{name}_2", folder / f"{name}.json") for name in AGAIN]
    nodes, edges, parameters = [], [], {}
    for prefix, path in chosen:
        data = json.loads(path.read_text())
        names = {name: f"{prefix}_{name}" for name in data.get("parameters", {})}
        parameters.update({names[name]: spec for name, spec in data.get("parameters", {}).items()})
        for node in data["nodes"]:
            params = {key: {"$param": names[value["$param"]]} if isinstance(value, dict) and "$param" in value
                      else value for key, value in node.get("params", {}).items()}
            nodes.append({**node, "id": f"{prefix}.{node['id']}", "params": params})
        edges += [{**edge, "source": f"{prefix}.{edge['source']}", "target": f"{prefix}.{edge['target']}"}
                  for edge in data["edges"]]
    assert len(nodes) == 100, len(nodes)
    target = folder / "hundred_examples.json"
    target.write_text(json.dumps({"version": "0.1.0", "parameters": parameters, "nodes": nodes, "edges": edges,
                                  "meta": {"name": "The examples side by side (100 nodes)"}}))
    return target


def process(command: list[str], cwd: Path) -> float:
    """Wall seconds of one whole process run in `cwd` (a failure raises)."""
    import os

    here = Path.cwd()
    os.chdir(cwd)
    try:
        return run_process(command)[0]
    finally:
        os.chdir(here)


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    with graphs.scratch("dataflow-bench-export-") as scratch:
        folder = Path(scratch) / "workflows"
        shutil.copytree(ROOT / "workflows", folder, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
        big = hundred_nodes(folder)
        dataflow = dataflow_command()
        cache = {"DATAFLOW_CACHE_DIR": str(Path(scratch) / "cache")}
        export = [*dataflow, "export", big.name, "-o", str(Path(scratch) / "hundred.py")]
        validate = [*dataflow, "validate", big.name]
        samples = interleave({"export": lambda: process(export, folder),
                              "validate": lambda: process(validate, folder)}, repeats)
        figures = [Figure("dataflow export, 100 nodes of the examples, whole process", samples["export"],
                          samples["validate"], "dataflow validate of it", unit="s", target_on="measured",
                          target=1.0, note="start to exit; validate (information) loads the same plugins "
                                           "and compiles the same graph")]
        for name, plain in (("iris_classification", "iris_plain.py"), ("sales_report", "sales_plain.py")):
            script = folder / f"{name}.py"
            run_process([*dataflow, "export", str(folder / f"{name}.json"), "-o", str(script)], cache)
            shutil.copy(HERE / "plain" / plain, folder / plain)
            exported = [sys.executable, script.name]
            floor = [sys.executable, plain]
            samples = interleave({"exported": lambda c=exported: process(c, folder),
                                  "plain": lambda c=floor: process(c, folder)}, repeats)
            figures.append(Figure(f"exported {name} script vs its plain script, whole process",
                                  samples["exported"], samples["plain"], f"plain/{plain}", unit="s",
                                  target_on="ratio", target=1.1,
                                  note="both do the whole workflow: the same table, scores and charts"))
    return figures


if __name__ == "__main__":
    harness.main(run)
