"""New processes: `dataflow nodes` cold start, and the reference pipeline run from a new process.

Figures (floors in brackets):
- `dataflow nodes` in a new interpreter [`python -c "import pandas, pyarrow"`]: <= +0.3 s;
- the reference pipeline (1M-row CSV -> filter -> customer stats -> join -> 100k sample ->
  logistic regression), each run in a new process as `dataflow run` would (threads executor,
  the disk tier, as `dataflow run`): a fully cached re-run [the first run, fresh cache folder], as engine
  time and as whole-process wall time; and the first run's engine time [the same functions
  called by a plain script]. Information only: the issue sets no target for these.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import graphs
import harness
from harness import HERE, Figure, interleave, timed

from dataflow.kernel import save_workflow


def dataflow_command() -> list[str]:
    """The `dataflow` console script next to this interpreter (what a user runs), else the same
    entry point through `python -c`; never a shell shim, which would add its own start-up."""
    script = Path(sys.executable).parent / "dataflow"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from dataflow.cli.main import main; sys.exit(main())"]


def run_quietly(command: list[str]) -> None:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def cold_start(repeats: int) -> list[Figure]:
    nodes = [*dataflow_command(), "nodes"]
    floor = [sys.executable, "-c", "import pandas, pyarrow"]
    samples = interleave({"floor": lambda: timed(lambda: run_quietly(floor)),
                          "nodes": lambda: timed(lambda: run_quietly(nodes))}, repeats)
    figure = Figure("`dataflow nodes` cold start", samples["nodes"], samples["floor"], "import pandas, pyarrow",
                    unit="s", target_on="delta", target=0.3,
                    note=f"{' '.join(Path(c).name for c in nodes)} in a new interpreter, every installed plugin "
                         "loaded; warm OS cache")
    harness.report([figure])
    return [figure]


def child(*args: str) -> tuple[float, dict]:
    """Run pipeline_child.py with `args`; its whole wall time and the JSON it printed."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / "pipeline_child.py"), *args], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"pipeline_child.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["status"] != "ok":
        raise RuntimeError(f"pipeline run {out['status']}: {out.get('errors')}")
    return wall, out


def pipeline(repeats: int) -> list[Figure]:
    import bench_nodes

    with graphs.scratch() as folder:
        csv = folder / "orders.csv"
        start = time.perf_counter()
        bench_nodes.make_csv(str(csv))
        print(f"  (wrote the 1M-row orders CSV in {time.perf_counter() - start:.1f} s)", flush=True)
        workflow_file = folder / "pipeline.json"
        save_workflow(graphs.pipeline(str(csv)), workflow_file, graphs.registry())
        cached_dir = folder / "cached"
        child("engine", str(workflow_file), str(cached_dir))  # populates; also warms the OS cache
        walls: dict[str, list[float]] = {"first": [], "cached": [], "plain": []}
        closes: list[float] = []
        statuses: dict[str, int] = {}

        def first() -> float:
            with graphs.scratch() as fresh:
                wall, out = child("engine", str(workflow_file), str(fresh))
            walls["first"].append(wall)
            closes.append(out["close"])
            return out["run"]

        def cached() -> float:
            wall, out = child("engine", str(workflow_file), str(cached_dir))
            statuses.update(out["statuses"])
            walls["cached"].append(wall)
            return out["run"]

        def plain() -> float:
            wall, out = child("plain", str(csv))
            walls["plain"].append(wall)
            return out["run"]

        samples = interleave({"first": first, "cached": cached, "plain": plain}, repeats, warmup=0)
    cached_note = ("every node cached" if set(statuses) == {"cached"}
                   else f"NOT fully cached: {statuses} (a port type without a serializer is not stored on disk)")
    figures = [
        Figure("pipeline, cached re-run in a new process: engine.run", samples["cached"], samples["first"],
               "first run", unit="ms",
               note=f"{cached_note}; engine.run only (no import, registry or workflow load)"),
        Figure("pipeline, cached re-run in a new process: whole process", walls["cached"], walls["first"],
               "first run", unit="s",
               note="interpreter start, imports, registry, workflow load + validate, run, close"),
        Figure("pipeline, first run (engine.run, disk tier) vs plain script", samples["first"],
               samples["plain"], "plain function calls", unit="s",
               note="threads executor; engine.run returns before the background disk writes end"),
        Figure("  first run: disk writes still running after engine.run returned", closes, None, unit="s",
               note="engine.close() in the child, which waits for the background writer"),
    ]
    harness.report(figures)
    return figures


def run(repeats: int = harness.DEFAULT_REPEATS) -> list[Figure]:
    print("\n== start-up and new processes ==", flush=True)
    figures = cold_start(repeats)
    missing = graphs.require(executors=("threads",), caches=("memory", "disk"), serializers=("table",))
    if missing:
        print(f"pipeline benchmark skipped: {missing} not installed")
        return figures
    return figures + pipeline(repeats)


if __name__ == "__main__":
    harness.main(run)
