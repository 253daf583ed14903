"""Load, headless (issue 16): a chain of `CHAIN` nodes runs with `dataflow run` (time and peak
memory), and, in the long part, 10 million rows go through read, filter, group-by and join with
peak memory reported against the CSV's size and against a plain pandas script's peak. The 300-node
workflow in the app is in test_app.py. Processes are measured as bench_command.py measures them
(whole processes, peak RSS from GNU time), with its helpers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.bench_command import TIME, dataflow_command, me, run_process, table_bytes
from tests.campaign.figures import LONG, record, tally
from tests.campaign.flows import sort_chain

ROOT = Path(__file__).resolve().parents[2]
CHAIN = 10_000 if LONG else 2_000
BIG_ROWS = 10_000_000
#: peak memory of the 10M-row run against the data's size: the CSV's bytes and the table's in memory
#: (the issue's target, reported for both)
BIG_TARGET = 3.0
#: peak memory of the 10M-row run against the plain pandas script's: issue 18's target (measured 1.46x
#: and 1.51x on 2026-12-07 before the bounded write queue, 1.11x after it, 0.78x on 2026-12-08 with the
#: parser's freed memory given back and the writer's 32 MB groups)
PANDAS_BOUND = 1.2

needs_time = pytest.mark.skipif(not Path(TIME).exists(), reason=f"GNU time ({TIME}) measures peak memory")


@needs_time
def test_a_chain_of_thousands_of_nodes_runs_headless(tmp_path):
    counts = tally(f"load: {CHAIN:,}-node workflow, dataflow run")
    counts["tried"] += 1
    flow = tmp_path / "chain.json"
    flow.write_text(json.dumps(sort_chain(CHAIN)))
    env = {"DATAFLOW_CACHE_DIR": str(tmp_path / "cache")}
    try:
        first, first_peak = run_process([*dataflow_command(), "run", str(flow), "-q"], env)
        cached, cached_peak = run_process([*dataflow_command(), "run", str(flow), "-q"], env)
    except RuntimeError:
        counts["crashes"] += 1
        raise
    record(f"{CHAIN:,}-node chain (iris, then sorts), `dataflow run`, first run",
           f"{first:.1f} s, peak RSS {first_peak / 2**20:.0f} MiB", "runs; < 120 s")
    record(f"{CHAIN:,}-node chain, `dataflow run`, everything cached",
           f"{cached:.1f} s, peak RSS {cached_peak / 2**20:.0f} MiB", "")
    counts["hangs"] += first > 120
    assert first <= 120


@pytest.mark.skipif(not LONG, reason="the long part (DATAFLOW_LONG=1): writes a ~570 MB CSV")
@needs_time
def test_ten_million_rows_through_read_filter_group_by_and_join_headless(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_data
    import bench_nodes

    from dataflow.kernel import load_registry, save_workflow

    counts = tally("load: 10M rows, dataflow run")
    counts["tried"] += 1
    csv = tmp_path / "orders.csv"
    bench_nodes.make_csv(str(csv), n=BIG_ROWS, seed=bench_data.SEED)
    size = csv.stat().st_size
    flow = tmp_path / "pipeline.json"
    save_workflow(bench_data._workflow(csv.name), flow, load_registry())
    try:
        wall, peak = run_process([*dataflow_command(), "run", str(flow), "-q"],
                                 {"DATAFLOW_CACHE_DIR": str(tmp_path / "cache")})
    except RuntimeError:
        counts["crashes"] += 1
        raise
    shutil.rmtree(tmp_path / "cache")
    plain_wall, plain_peak = run_process(me("script", "pandas", str(csv)))
    in_memory = table_bytes(csv)
    record(f"10M rows ({size / 1e6:.0f} MB CSV): read, filter, group-by, join, sample; `dataflow run`, first run",
           f"{wall:.1f} s (pandas script {plain_wall:.1f} s)", "")
    record("10M rows: peak RSS of `dataflow run`",
           f"{peak / 2**20:,.0f} MiB = {peak / size:.2f}x the CSV, {peak / in_memory:.2f}x the table in memory "
           f"({in_memory / 2**20:,.0f} MiB), {peak / plain_peak:.2f}x the pandas script's "
           f"({plain_peak / 2**20:,.0f} MiB = {plain_peak / size:.2f}x the CSV, {plain_peak / in_memory:.2f}x the table)",
           f"<= {BIG_TARGET:g}x the data: the table " + ("met" if peak <= BIG_TARGET * in_memory else "missed")
           + ", the CSV " + ("met" if peak <= BIG_TARGET * size else "missed") + ", see docs/reliability.md")
    # 3x the CSV is below what the plain pandas script needs (the table it loads is 1.7x the CSV
    # and it holds the table and the filtered rows at once); what is held here is the distance to
    # that script, so that more memory kept by the engine or the cache fails the long part.
    over = peak > PANDAS_BOUND * plain_peak
    counts["failures"] += over
    assert not over, f"peak {peak / plain_peak:.2f}x the pandas script's"
