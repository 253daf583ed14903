"""transform.profile on a 1M-row, 20-column table vs the exact pass it cannot avoid.

    python benchmarks/bench_profile.py              # 7 interleaved samples
    python benchmarks/bench_profile.py --repeats 9

The table (made in memory once, seeded) has four columns of each kind: decimals with missing
values, integers, text (Arrow `str`, five values), dates and true/false. The subject calls
`transform.profile` with its defaults as the engine calls it (`call_node`): over 100,000 rows it
profiles a seeded random sample of 100,000 for distinct counts, top values and distributions,
and every row for missing %, min and max. The floor is that exact part written as plain pandas
(`isna().mean()` of every column, `min()` and `max()` of the number and date columns), which no
profile of the whole table can skip. Target (the issue's): the profile in under 1 s. The naive
full profile (`nunique` and `value_counts` over every row) is an info line, timed once.
"""

from __future__ import annotations

import time
from pathlib import Path

ROWS, COLUMNS = 1_000_000, 20


def make_table(rows: int = ROWS, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns = {}
    for i in range(COLUMNS):
        kind = i % 5
        if kind == 0:
            values = rng.normal(size=rows)
            values[rng.random(rows) < 0.05] = np.nan
            columns[f"decimal_{i}"] = values
        elif kind == 1:
            columns[f"integer_{i}"] = rng.integers(0, 100_000, rows)
        elif kind == 2:
            columns[f"text_{i}"] = pd.Series(rng.choice(["north", "south", "east", "west", "central"], rows),
                                             dtype="str")
        elif kind == 3:
            columns[f"date_{i}"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, rows), unit="s")
        else:
            columns[f"flag_{i}"] = rng.random(rows) < 0.3
    return pd.DataFrame(columns)


def exact_pass(table) -> None:
    """The part of a profile that must read every row: missing share, min and max."""
    table.isna().mean()
    for name in table.columns:
        kind = table[name].dtype.kind
        if kind in "fiuM":
            table[name].min()
            table[name].max()


def naive_profile(table) -> None:
    """What a plain per-column loop over every row costs: nunique and the top values of each column."""
    for name in table.columns:
        table[name].isna().mean()
        table[name].value_counts().head(3)


def run(repeats: int) -> list:
    from dataflow_transform.profile import profile
    from harness import Figure, interleave, report

    from dataflow.kernel import call_node
    from dataflow.sdk import spec_of

    table = make_table()
    spec = spec_of(profile)
    defaults = {p.name: p.default for p in spec.params}

    def subject() -> float:
        started = time.perf_counter()
        call_node(spec, {"table": table}, defaults)
        return time.perf_counter() - started

    def floor() -> float:
        started = time.perf_counter()
        exact_pass(table)
        return time.perf_counter() - started

    outcome = call_node(spec, {"table": table}, defaults)
    out = outcome.outputs["table"]
    assert len(out) == COLUMNS and set(out["rows_profiled"]) == {100_000}, out
    started = time.perf_counter()
    naive_profile(table)
    naive = time.perf_counter() - started
    samples = interleave({"profile": subject, "exact": floor}, repeats)
    figures = [
        Figure("transform.profile, 1M rows x 20 columns (sample of 100k + exact missing/min/max)", samples["profile"],
               samples["exact"], "plain pandas missing %, min, max over every row", unit="s", target_on="measured",
               target=1.0),
        Figure("transform.profile vs a naive full profile", samples["profile"], [naive],
               "value_counts of every column over every row (timed once)", unit="s", ratio_kind="speedup"),
    ]
    report(figures)
    return figures


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import harness

    harness.main(run)
