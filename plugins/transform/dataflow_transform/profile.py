"""The column profile: one row per column with its kind, missing share, distinct count, top values,
a small distribution and, for numbers and dates, the smallest and largest value.

What is cheap is exact: the missing share, min and max are computed over every row (one pass
each). What needs a hash table or a sort (distinct count, top values, distribution) is computed
over every row up to `max_rows`, and over a seeded random sample of `max_rows` rows above it; the
output says so in `rows_profiled` / `rows_total` and the node warns. A 1M-row, 20-column table
profiles in a fraction of a second this way (benchmarks/bench_profile.py).

`profile_table` is the function; the `transform.profile` node and the app's Profile view (which
calls the node through the kernel, as any client does) both use it.
"""

from __future__ import annotations

from typing import Annotated, Any

from dataflow.sdk import Bounds, Help, Table, TableSchema, node, warn

from ._common import EXPLORE, kind

MAX_ROWS = 100_000
COLUMNS = (("column", "text"), ("kind", "text"), ("missing_pct", "number"), ("distinct", "integer"),
           ("top_values", "text"), ("distribution", "text"), ("min", "text"), ("max", "text"),
           ("rows_profiled", "integer"), ("rows_total", "integer"))
_BARS = "▁▂▃▄▅▆▇█"
_LONGEST = 30  # characters of a top value shown


def _schema(table: TableSchema, *, max_rows: int, top: int, bins: int, seed: int) -> TableSchema:
    return TableSchema.of(*COLUMNS)


@node(category=EXPLORE, label="Column profile", schema=_schema)
def profile(
    table: Table,
    *,
    max_rows: Annotated[int, Bounds(1_000, 100_000_000), Help(
        "Distinct counts, top values and distributions use every row up to this many, and a seeded random "
        "sample of this many rows above it (missing %, min and max always use every row).")] = MAX_ROWS,
    top: Annotated[int, Bounds(1, 20), Help("How many of the most frequent values to list per column.")] = 3,
    bins: Annotated[int, Bounds(2, 50), Help(
        "Bars in the distribution of a number or date column (for other columns: the most frequent values).")] = 10,
    seed: Annotated[int, Bounds(0, 2**32 - 1), Help("Seed of the random sample (the same seed, the same rows).")] = 0,
) -> Table:
    """One row per column: kind, missing %, distinct count, top values, a small distribution, min and max."""
    out = profile_table(table, max_rows=max_rows, top=top, bins=bins, seed=seed)
    profiled, total = (int(out["rows_profiled"].iloc[0]), int(out["rows_total"].iloc[0])) if len(out) else (0, 0)
    if profiled < total:
        warn(f"distinct counts, top values and distributions come from a random sample of {profiled:,} of "
             f"{total:,} rows (seed {seed}); missing %, min and max from every row. Raise max_rows to use all rows")
    return out


def profile_table(table: Any, *, max_rows: int = MAX_ROWS, top: int = 3, bins: int = 10, seed: int = 0) -> Any:
    """The profile of `table` as a DataFrame with the columns of `COLUMNS` (see the module docstring)."""
    import numpy as np
    import pandas as pd

    total = len(table)
    part = table
    if total > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(total, size=max_rows, replace=False))
        part = table.take(rows)
    records = []
    for position, name in enumerate(table.columns):
        whole, sample = table.iloc[:, position], part.iloc[:, position]
        flavour = kind(whole)
        low, high = _extremes(whole, flavour)
        counts = _counts(sample)
        records.append({
            "column": str(name), "kind": flavour,
            "missing_pct": float(whole.isna().mean() * 100) if total else 0.0,
            "distinct": int(len(counts)), "top_values": _top(counts, top),
            "distribution": _distribution(sample, flavour, counts, bins),
            "min": low, "max": high, "rows_profiled": len(part), "rows_total": total})
    out = pd.DataFrame.from_records(records, columns=[c for c, _ in COLUMNS])
    return out.astype({"column": "str", "kind": "str", "missing_pct": "float64", "distinct": "int64",
                       "top_values": "str", "distribution": "str", "min": "str", "max": "str",
                       "rows_profiled": "int64", "rows_total": "int64"})


def _counts(values: Any) -> Any:
    """How often each value occurs (missing values left out), most frequent first; a category
    that no row holds is not a value (pandas counts it 0)."""
    try:
        counts = values.value_counts(dropna=True, sort=True)
    except TypeError:  # unhashable objects (lists, dicts): count their text
        return values.dropna().astype(str).value_counts(sort=True)
    return counts[counts > 0] if str(values.dtype) == "category" else counts


def _top(counts: Any, top: int) -> str:
    """`north (26%), south (25%), east (24%)`: the most frequent values and their share of the present ones."""
    if counts.empty:
        return ""
    if int(counts.iloc[0]) == 1:
        return "(every value distinct)" if len(counts) > 1 else f"{_text(counts.index[0])} (100%)"
    present = int(counts.sum())
    shown = []
    for value, count in counts.head(top).items():
        text = _text(value)
        text = text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"
        share = 100 * count / present
        shown.append(f"{text} ({'<1' if share < 0.5 else f'{share:.0f}'}%)")
    return ", ".join(shown)


def _extremes(values: Any, flavour: str) -> tuple[str, str]:
    """The smallest and largest value of a number or date column as text; empty for other kinds."""
    if flavour not in ("number", "date") or not values.notna().any():
        return "", ""
    return _text(values.min()), _text(values.max())


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _distribution(values: Any, flavour: str, counts: Any, bins: int) -> str:
    """A bar per bin of equal width for numbers and dates (a histogram), per frequent value otherwise."""
    import numpy as np

    if flavour in ("number", "date"):
        present = values.dropna()
        if present.empty:
            return ""
        numbers = present.astype("int64").to_numpy() if flavour == "date" else present.to_numpy(dtype="float64")
        finite = numbers[np.isfinite(numbers)] if flavour == "number" else numbers
        if finite.size == 0:
            return ""
        heights, _ = np.histogram(finite, bins=bins)
    else:
        heights = counts.head(bins).to_numpy()
    return _sparkline(heights)


def _sparkline(heights: Any) -> str:
    """`▁▃█▅ ▂`: one character per bar, scaled to the tallest; an empty bar is a space."""
    import math

    tallest = max(int(heights.max()), 1) if len(heights) else 1
    return "".join(" " if h == 0 else _BARS[max(0, math.ceil(h * len(_BARS) / tallest) - 1)] for h in heights)
