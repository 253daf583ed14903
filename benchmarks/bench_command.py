"""`dataflow run` as users run it: whole processes, start-up and the end of the cache writes included.

Every sample is a new process, timed from outside (start to exit, with the child's own peak RSS
from GNU time), interleaved with its floor as `harness.interleave` does. The subject is the real
command: `dataflow run WORKFLOW -q` (threads executor, disk tier, the process waiting for its
writes before it exits). Workflows of the benchmarks' own trivial nodes run through the same
`dataflow.cli.main.main`, with the "bench" plugin added to the registry it loads (`--child cli`).

    python benchmarks/bench_command.py                    # about 2-3 minutes
    python benchmarks/bench_command.py --chain 10000      # the issue's 10,000-node chain
    python benchmarks/bench_command.py --big              # adds 10M rows (a ~500 MB CSV in /tmp)

Figures (see README.md):
- trivial node per node, chain and fan of `--nodes` bench nodes: (wall of N nodes - wall of a
  2-node workflow) / N; floor: the same functions called in a plain loop (the Hamilton-like
  floor: plain function calls in a process);
- a `--chain`-node chain of small tables (iris -> transform.sort ...), first run (fresh cache
  folder) vs `--no-cache`;
- the 1M-row pipeline of bench_data.py (CSV -> filter -> group-by -> join -> 100k sample): first
  run and fully cached re-run vs the plain pandas script, each a whole process; DuckDB and Polars
  scripts of the same work as information when installed; the cache folder's size vs the CSV's;
- with `--big`: the same at 10M rows, with peak memory (child's maxrss) against the pandas script's,
  and as a multiple of the CSV's bytes and of the table's size in memory;
- the iris example (workflows/iris_classification.json) re-run with everything cached.

Every floor script gets `dataflow run`'s malloc settings (cli/allocator.py), so subject and floor
run in the same environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IRIS = ROOT / "workflows" / "iris_classification.json"
TIME = "/usr/bin/time"  # GNU time: peak RSS of one process

# --- children: what runs in each new process ----------------------------------------------


def cli_child(argv: list[str]) -> int:
    """`dataflow <argv>` with the benchmarks' "bench" plugin added to the registry it loads."""
    import functools

    import bench_nodes

    from dataflow.cli import loading
    from dataflow.cli.main import main

    loading.load_registry = functools.partial(loading.load_registry, extra=[("bench", bench_nodes)])
    return main(argv)


def plain_calls(shape: str, nodes: int) -> float:
    """The floor for trivial nodes: seconds taken by the same functions called by a plain script
    (the Hamilton-like floor), timed in this process."""
    import bench_nodes as b

    start = time.perf_counter()
    value = b.start(value=0)
    if shape == "chain":
        for _ in range(nodes - 1):
            value = b.inc(value, step=1)
    else:
        outs = [b.inc(value, step=i) for i in range(nodes - 1)]
        assert len(outs) == nodes - 1
    return time.perf_counter() - start


def script_child(kind: str, csv: str) -> int:
    """The pipeline as a plain script: pandas, DuckDB or Polars, with `dataflow run`'s malloc settings."""
    from dataflow.cli.allocator import tune_for_batch

    tune_for_batch()
    from bench_data import FORMULA, SAMPLE_ROWS, SEED, plain_pipeline

    assert FORMULA == "quantity >= 1 and price > 0"
    if kind == "pandas":
        rows = len(plain_pipeline(csv))
    elif kind == "duckdb":
        import duckdb

        con = duckdb.connect()
        rows = con.execute(f"""
            WITH orders AS (SELECT * FROM read_csv_auto('{csv}') WHERE quantity >= 1 AND price > 0),
                 stats AS (SELECT customer_id, avg(price) AS price_mean, sum(quantity) AS quantity_sum
                           FROM orders GROUP BY customer_id)
            SELECT count(*) FROM (SELECT * FROM orders LEFT JOIN stats USING (customer_id)
                                  USING SAMPLE {SAMPLE_ROWS} ROWS (reservoir, {SEED}))""").fetchone()[0]
    else:
        import polars as pl

        orders = pl.read_csv(csv).filter((pl.col("quantity") >= 1) & (pl.col("price") > 0))
        stats = orders.group_by("customer_id").agg(price_mean=pl.col("price").mean(),
                                                   quantity_sum=pl.col("quantity").sum())
        rows = orders.join(stats, on="customer_id", how="left").sample(n=SAMPLE_ROWS, seed=SEED).height
    assert rows == SAMPLE_ROWS, rows
    return 0


def table_size_child(csv: str) -> int:
    """Print the bytes the CSV takes as a pandas table (`memory_usage(deep=True)`): the data's size
    in memory, which the peaks are reported against beside the CSV's bytes."""
    import pandas as pd

    print(int(pd.read_csv(csv).memory_usage(deep=True).sum()))
    return 0


def child_main(argv: list[str]) -> int:
    if argv[0] == "cli":
        return cli_child(argv[1:])
    if argv[0] == "size":
        return table_size_child(argv[1])
    return script_child(argv[1], argv[2])


def table_bytes(csv: Path) -> int:
    """The CSV's size as a pandas table, measured in a child process (see `table_size_child`)."""
    done = subprocess.run(me("size", str(csv)), capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


# --- the parent ---------------------------------------------------------------------------


def run_process(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run `command` to its end; (wall seconds, its peak RSS in bytes). A failure raises.

    The peak comes from GNU time (`%M`), which forks the command from its own small process: a
    child started straight from this one would inherit this process's high-water RSS across exec
    (Linux keeps it in the signal struct), so `wait4` here would report the larger of the two."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        start = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%M", "-o", report.name, *command], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()[-3000:]}")
        return wall, int(report.read().split()[-1]) * 1024


def run_with_cpu(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run `command` to its end; (wall seconds, CPU seconds: user + system of it and its threads).
    The CPU time is the children's rusage of this process before and after (to the microsecond,
    where GNU time prints hundredths); samples run one at a time, so nothing else is counted."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run_process(command, env)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def dataflow_command() -> list[str]:
    script = Path(sys.executable).with_name("dataflow")  # the console script pip installed
    return [str(script)] if script.exists() else [sys.executable, "-m", "dataflow.cli"]


def me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", *args]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _save(wf, path: Path) -> Path:
    import graphs

    from dataflow.kernel import save_workflow

    save_workflow(wf, path, graphs.registry())
    return path


def sort_chain(nodes: int):
    """iris -> transform.sort -> transform.sort ...: `nodes` nodes, each a 150-row table."""
    import graphs

    columns = ["sepal length (cm)", "petal length (cm)"]
    spec = [("n0", "samples.dataset", {"name": "iris"})]
    spec += [(f"n{i}", "transform.sort", {"columns": [columns[i % 2]]}) for i in range(1, nodes)]
    return graphs.workflow(spec, [(f"n{i - 1}", f"n{i}", "table") for i in range(1, nodes)], f"sort-chain-{nodes}")


def trivial(repeats: int, nodes: int) -> list:
    import graphs
    import harness
    from harness import Figure

    figures = []
    with graphs.scratch("dataflow-bench-command-") as folder:
        files = {name: _save(wf, folder / f"{name}.json") for name, wf in
                 (("chain", graphs.chain(nodes)), ("fan", graphs.fan(nodes - 1)), ("base", graphs.chain(2)))}
        counter = iter(range(1_000_000))
        cpu: dict[str, list[float]] = {}
        sizes: dict[str, list[int]] = {}

        def cli(name: str):
            def sample() -> float:
                cache = folder / f"cache-{next(counter)}"
                env = {"DATAFLOW_CACHE_DIR": str(cache)}
                wall, used = run_with_cpu(me("cli", "run", str(files[name]), "-q"), env)
                cpu.setdefault(name, []).append(used)
                sizes.setdefault(name, []).append(folder_bytes(cache))
                return wall

            return sample

        samples = harness.interleave({"chain": cli("chain"), "fan": cli("fan"), "base": cli("base"),
                                      "calls_chain": lambda: plain_calls("chain", nodes),
                                      "calls_fan": lambda: plain_calls("fan", nodes)}, repeats)

    def per_node(name: str, values: dict[str, list[float]]) -> list[float]:
        timed = {key: v[-repeats:] for key, v in values.items()}  # the lists also hold the warm-up round
        return [(a - b) / nodes for a, b in zip(timed[name], timed["base"], strict=True)]

    import statistics

    for shape in ("chain", "fan"):
        label = f"{nodes:,}-chain" if shape == "chain" else f"{nodes - 1:,}-wide fan"
        folder_mb = statistics.median(sizes[shape][-repeats:]) / 1e6
        figures.append(Figure(
            f"trivial node as `dataflow run` runs it, {label} (us/node)", per_node(shape, samples),
            [t / nodes for t in samples[f"calls_{shape}"]], "plain calls", unit="us", target_on="measured", target=30,
            note="whole process of `dataflow run -q` (threads, disk tier, fresh cache folder, writes finished "
                 "at exit) minus that of a 2-node workflow in the same round, per node (a negative sample is noise "
                 "larger than the nodes' cost); floor: the same node functions called in a plain loop "
                 f"(Hamilton-like floor: plain function calls in a process); cache folder {folder_mb:.2f} MB"))
        figures.append(Figure(
            "  the same, CPU time (us/node, information)", per_node(shape, cpu), None, unit="us",
            note="user + system time of the same processes (every thread: the run, the nodes, the cache "
                 "writer), minus the 2-node workflow's, per node: what the load on the machine does not change"))
    harness.report(figures)
    return figures


def small_tables(repeats: int, nodes: int) -> list:
    import graphs
    import harness
    from harness import Figure

    with graphs.scratch("dataflow-bench-command-") as folder:
        workflow = _save(sort_chain(nodes), folder / "chain.json")
        counter = iter(range(1_000_000))
        sizes: list[int] = []

        def first() -> float:
            cache = folder / f"cache-{next(counter)}"
            wall = run_process([*dataflow_command(), "run", str(workflow), "-q"], {"DATAFLOW_CACHE_DIR": str(cache)})[0]
            sizes.append(folder_bytes(cache))
            return wall

        def nocache() -> float:
            return run_process([*dataflow_command(), "run", str(workflow), "-q", "--no-cache"],
                               {"DATAFLOW_CACHE_DIR": str(folder / "unused")})[0]

        samples = harness.interleave({"first": first, "nocache": nocache}, repeats)
    figures = [Figure(f"{nodes:,}-node chain of small tables, first run", samples["first"], samples["nocache"],
                      "--no-cache", unit="s", target_on="ratio", target=2.0,
                      note=f"iris -> transform.sort x {nodes - 1:,}, `dataflow run -q` whole process, fresh cache "
                           f"folder each (its size {sizes[-1] / 1e6:.1f} MB); floor: the same with --no-cache")]
    harness.report(figures)
    return figures


def pipeline(repeats: int, rows: int, big: bool) -> list:
    import importlib.util

    import bench_data
    import bench_nodes
    import graphs
    import harness
    from harness import Figure

    label = f"{rows // 1_000_000}M-row pipeline"
    peers = [name for name in ("duckdb", "polars") if importlib.util.find_spec(name)]
    with graphs.scratch("dataflow-bench-command-") as folder:
        csv = folder / "orders.csv"
        start = time.perf_counter()
        bench_nodes.make_csv(str(csv), n=rows, seed=bench_data.SEED)
        csv_bytes = csv.stat().st_size
        print(f"  (wrote the {rows:,}-row orders CSV, {csv_bytes / 1e6:.0f} MB, in "
              f"{time.perf_counter() - start:.1f} s)", flush=True)
        workflow = _save(bench_data._workflow(csv.name), folder / "pipeline.json")
        populated = folder / "populated"
        command = [*dataflow_command(), "run", str(workflow), "-q"]
        run_process(command, {"DATAFLOW_CACHE_DIR": str(populated)})
        counter = iter(range(1_000_000))
        peaks: dict[str, list[int]] = {}
        sizes: list[int] = []

        def timed(name: str, cmd: list[str], env: dict[str, str] | None = None, fresh: bool = False):
            def sample() -> float:
                extra = dict(env or {})
                cache = folder / f"cache-{next(counter)}"
                if fresh:
                    extra["DATAFLOW_CACHE_DIR"] = str(cache)
                wall, peak = run_process(cmd, extra)
                peaks.setdefault(name, []).append(peak)
                if fresh:
                    sizes.append(folder_bytes(cache))
                    import shutil

                    shutil.rmtree(cache, ignore_errors=True)
                return wall

            return sample

        samplers = {"first": timed("first", command, fresh=True),
                    "pandas": timed("pandas", me("script", "pandas", str(csv)))}
        if not big:
            samplers["cached"] = timed("cached", command, {"DATAFLOW_CACHE_DIR": str(populated)})
        for peer in peers:
            samplers[peer] = timed(peer, me("script", peer, str(csv)))
        samples = harness.interleave(samplers, repeats)
        in_memory = table_bytes(csv) if big else 0

    import statistics

    # the lists also hold the untimed warm-up round: keep the timed samples
    peaks = {name: values[-repeats:] for name, values in peaks.items()}
    sizes = sizes[-repeats:]

    def mib(values: list[int]) -> str:
        return f"{statistics.median(values) / 2**20:.0f} MiB"

    figures = [Figure(f"{label}, first run, whole process", samples["first"], samples["pandas"], "pandas script",
                      unit="s", target_on="ratio", target=1.1 if big else 1.0,
                      note=f"`dataflow run -q`, fresh cache folder, until exit; peak RSS {mib(peaks['first'])} vs "
                           f"the pandas script's {mib(peaks['pandas'])}")]
    if big:
        peak = statistics.median(peaks["first"])
        figures.append(Figure(f"{label}, first run, peak memory (MiB)", [p / 2**20 for p in peaks["first"]],
                              [p / 2**20 for p in peaks["pandas"]], "pandas script", unit="MiB", target_on="ratio",
                              target=1.2, note=f"maxrss of each child process (GNU time %M); as a multiple of the "
                                               f"data (issue 16 asks <= 3x): {peak / csv_bytes:.2f}x the CSV's bytes, "
                                               f"{peak / in_memory:.2f}x the table in memory "
                                               f"({in_memory / 2**20:,.0f} MiB, memory_usage(deep=True)); the pandas "
                                               f"script's {statistics.median(peaks['pandas']) / in_memory:.2f}x"))
    else:
        figures.append(Figure(f"{label}, fully cached re-run, whole process", samples["cached"], samples["pandas"],
                              "pandas script", unit="s", target_on="ratio", target=0.15,
                              note="interpreter start, imports, registry, workflow, every node cached, exit"))
    figures.append(Figure(f"{label}, cache folder size (MB)", [s / 1e6 for s in sizes], [csv_bytes / 1e6] * len(sizes),
                          "the CSV", unit="MB", target_on="ratio", target=1.5,
                          note="bytes in the cache folder after a first run"))
    for peer in peers:
        figures.append(Figure(f"  {label}: {peer} script (information)", samples[peer], samples["pandas"],
                              "pandas script", unit="s", note=f"peak RSS {mib(peaks[peer])}"))
    harness.report(figures)
    return figures


def iris(repeats: int) -> list:
    import graphs
    import harness
    from harness import Figure

    with graphs.scratch("dataflow-bench-command-") as folder:
        tiny = _save(graphs.workflow([("load", "samples.dataset", {"name": "iris"})], [], "tiny"), folder / "tiny.json")
        cache = {"DATAFLOW_CACHE_DIR": str(folder / "cache")}
        for workflow in (IRIS, tiny):
            run_process([*dataflow_command(), "run", str(workflow), "-q"], cache)
        samples = harness.interleave({
            "iris": lambda: run_process([*dataflow_command(), "run", str(IRIS), "-q"], cache)[0],
            "tiny": lambda: run_process([*dataflow_command(), "run", str(tiny), "-q"], cache)[0],
            "python": lambda: run_process([sys.executable, "-c", "pass"])[0]}, repeats)
    figures = [Figure("iris example, cached re-run, whole process", samples["iris"], samples["tiny"],
                      "1-node workflow cached", unit="s", target_on="measured", target=0.25,
                      note="`dataflow run workflows/iris_classification.json -q`, every node cached"),
               Figure("  bare interpreter start (information)", samples["python"], None, unit="s",
                      note="python -c pass")]
    harness.report(figures)
    return figures


#: the parts of this benchmark, for `--only`
PARTS = ("trivial", "chain", "pipeline", "iris")


def run(repeats: int = 7, *, nodes: int = 2000, chain: int = 2000, big: bool = False,
        only: list[str] | None = None) -> list:
    import graphs

    print("\n== `dataflow run` as users run it: whole processes ==", flush=True)
    missing = graphs.require(executors=("threads",), caches=("disk",), serializers=("table", "params"))
    if not Path(TIME).exists():
        missing = ", ".join(filter(None, [missing, f"GNU time ({TIME})"]))
    if missing:
        print(f"command benchmark skipped: {missing} not installed")
        return []
    parts = set(only or PARTS)
    figures = trivial(repeats, nodes) if "trivial" in parts else []
    if "chain" in parts:
        figures += small_tables(repeats, chain)
    if "pipeline" in parts:
        figures += pipeline(repeats, 1_000_000, big=False)
        if big:
            figures += pipeline(repeats, 10_000_000, big=True)
    if "iris" in parts:
        figures += iris(repeats)
    return figures


def main() -> None:
    import harness

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=harness.DEFAULT_REPEATS)
    parser.add_argument("--nodes", type=int, default=2000, help="trivial chain and fan size (default 2000)")
    parser.add_argument("--chain", type=int, default=2000, help="chain of small tables (default 2000)")
    parser.add_argument("--big", action="store_true", help="also the 10M-row pipeline (~500 MB CSV in /tmp)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all)")
    args = parser.parse_args()
    only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = sorted(set(only) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    harness.main(lambda repeats: run(repeats, nodes=args.nodes, chain=args.chain, big=args.big, only=only),
                 ["--repeats", str(args.repeats)])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(HERE))
        sys.exit(child_main(sys.argv[2:]))
    main()
