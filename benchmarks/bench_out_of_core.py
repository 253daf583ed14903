"""A filter + group-by over a CSV larger than the memory it may use: sql.query_files vs a plain DuckDB script.

    python benchmarks/bench_out_of_core.py                   # a 1.5 GB CSV, 3 interleaved samples
    python benchmarks/bench_out_of_core.py --gb 10 --repeats 1
    python benchmarks/bench_out_of_core.py --child node|plain CSV

The CSV (id, customer, region, day, amount, note: about 52 bytes a row) is generated once by
DuckDB in a temporary folder and removed at the end. The query keeps a third of the rows
(`amount > 500`) and groups them by customer (50,000 groups with rows left) with a count, a sum and a mean.

Every sample is a new process (`--child`) that reports its own peak resident memory
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`, imports included) and the time of the query:
- node: `sql.query_files` called as a plain function (as the engine calls it: the path already
  checked), with its defaults (a 1,024 MB DuckDB memory limit, 2 threads, the locked sandbox);
- plain: `duckdb.sql(...).df()` with DuckDB's defaults (80% of RAM, every core).
Figures: peak memory of the node [target: under 2 GB whatever the file's size, the issue's
figure for a 10 GB file] and its ratio to the file's size (info); the node's time vs the plain
script's [<= 1.2x]; the plain script's peak (info).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERY = ("SELECT customer, count(*) AS orders, sum(amount) AS revenue, avg(amount) AS mean_amount "
         "FROM {source} WHERE amount > 500 GROUP BY customer")
BYTES_PER_ROW = 52


def child(kind: str, csv: str) -> None:
    """One sample: run the query, print {"seconds", "peak_mb", "rows"} as JSON."""
    if kind == "node":
        from dataflow_sql.query_files import query_files

        started = time.perf_counter()
        out = query_files(path=csv, query=QUERY.format(source="data"))
    else:
        import duckdb

        started = time.perf_counter()
        out = duckdb.sql(QUERY.format(source=f"read_csv('{csv}')")).df()
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": len(out)}))


def generate(path: Path, gigabytes: float) -> int:
    """Write the CSV; return its size in bytes."""
    import duckdb

    rows = int(gigabytes * 1e9 / BYTES_PER_ROW)
    duckdb.sql(f"""COPY (SELECT range AS id, (range * 7919) % 100000 AS customer,
                        ['north', 'south', 'east', 'west'][(range % 4) + 1] AS region,
                        DATE '2024-01-01' + (range % 366)::INTEGER AS day,
                        round(((range * 2654435761) % 100000) / 100.0, 2) AS amount,
                        'order note ' || (range % 997) AS note
                 FROM range({rows})) TO '{path}' (HEADER)""")
    return path.stat().st_size


def sample(kind: str, csv: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(csv)], capture_output=True, text=True,
                          check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(repeats: int, gigabytes: float = 1.5) -> list:
    from harness import UNITS, Figure, report

    UNITS.setdefault("MB", 1.0)  # memory figures: samples in MB, shown as they are
    folder = Path(tempfile.mkdtemp(prefix="dataflow-bench-ooc-"))
    try:
        csv = folder / "orders.csv"
        started = time.perf_counter()
        size = generate(csv, gigabytes)
        print(f"  generated {csv.name}: {size / 1e9:.2f} GB in {time.perf_counter() - started:.0f} s", flush=True)
        results: dict[str, list[dict]] = {"node": [], "plain": []}
        for round_ in range(repeats):
            for kind in ("node", "plain") if round_ % 2 == 0 else ("plain", "node"):
                results[kind].append(sample(kind, csv))
        assert len({r["rows"] for r in results["node"] + results["plain"]}) == 1, results  # the same result
        size_mb = size / 2**20
        node_peak = [r["peak_mb"] for r in results["node"]]
        figures = [
            Figure(f"peak memory, filter + group-by over a {size / 1e9:.1f} GB CSV (sql.query_files)", node_peak,
                   unit="MB", target_on="measured", target=2048,
                   note="ru_maxrss of the whole process, imports included; the issue's bound for a 10 GB file"),
            Figure("peak memory / file size (sql.query_files)", [p / size_mb for p in node_peak], unit="s",
                   note="a ratio, shown in the 's' column: the share of the file that was ever in memory"),
            Figure("peak memory, plain DuckDB script (its defaults)", [r["peak_mb"] for r in results["plain"]],
                   unit="MB"),
            Figure(f"time, filter + group-by over a {size / 1e9:.1f} GB CSV", [r["seconds"] for r in results["node"]],
                   [r["seconds"] for r in results["plain"]], "plain duckdb.sql(...).df()", unit="s",
                   target_on="ratio", target=1.2),
        ]
        report(figures)
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import argparse

    import harness

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.5, help="the CSV's size in GB (default 1.5)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved samples of each (default 3)")
    options = parser.parse_args()
    harness.prepare_environment()
    print(harness.header(), flush=True)
    figures = run(options.repeats, options.gb)
    print()
    print(harness.table(figures))
