"""Exploration nodes: summary statistics per column, value counts, correlations."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node

from . import schemas
from ._common import EXPLORE, is_number, kind, require_columns

_NUMERIC_STATS = ("mean", "std", "min", "25%", "50%", "75%", "max")


@node(category=EXPLORE, label="Describe", schema=schemas.describe)
def describe(table: Table) -> Table:
    """Summary statistics: one row per column with count, missing, mean, std, min, quartiles, max, unique, top.

    mean, std, min, the quartiles (25%, 50% = median, 75%) and max are given for number columns;
    top (the most frequent value) for the others.
    """
    import pandas as pd

    numeric = [c for c in table.columns if is_number(table[c])]
    stats = table[numeric].describe() if numeric else pd.DataFrame(index=list(_NUMERIC_STATS))
    rows = []
    for column in table.columns:
        series = table[column]
        row = {"column": str(column), "type": kind(series), "count": int(series.count()),
               "missing": int(series.isna().sum())}
        for stat in _NUMERIC_STATS:
            row[stat] = float(stats.at[stat, column]) if column in numeric else float("nan")
        row["unique"] = int(series.nunique())
        top = None
        if column not in numeric:
            counts = series.value_counts()
            top = str(counts.index[0]) if len(counts) else None
        row["top"] = top
        rows.append(row)
    columns = ["column", "type", "count", "missing", *_NUMERIC_STATS, "unique", "top"]
    out = pd.DataFrame(rows, columns=columns)
    out = out.astype({"column": "str", "type": "str", "count": "int64", "missing": "int64", "unique": "int64",
                      "top": "str", **{stat: "float64" for stat in _NUMERIC_STATS}})
    return out


@node(category=EXPLORE, label="Value counts", schema=schemas.value_counts)
def value_counts(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table", required=True), Help(
        "The column(s) whose values are counted; with several, each combination is counted.")] = [],
    normalize: Annotated[bool, Help("Give the share of rows (0-1, column 'proportion') instead of counts.")] = False,
    top: Annotated[int, Bounds(0, None), Help("Keep only the most frequent values (0: keep all).")] = 0,
) -> Table:
    """Count how often each value (or combination of values) occurs, most frequent first."""
    require_columns(table, columns, "columns")
    if not columns:
        raise NodeError("pick the column(s) whose values to count", param="columns")
    result_name = "proportion" if normalize else "count"
    if result_name in columns:
        raise NodeError(f"a counted column is named {result_name!r}, the name of the result; rename it first",
                        param="columns")
    counts = table.value_counts(subset=columns, normalize=normalize, sort=True, ascending=False, dropna=False)
    if top:
        counts = counts.head(top)
    return counts.reset_index()


@node(category=EXPLORE, label="Correlation", schema=schemas.correlation)
def correlation(
    table: Table,
    *,
    method: Annotated[Literal["pearson", "spearman", "kendall"], Help(
        "pearson: straight-line relationship. spearman: any steadily rising or falling relationship "
        "(uses ranks, robust to outliers). kendall: like spearman, better for small tables.")] = "pearson",
    columns: Annotated[list[str], Column("table", kinds=("number", "boolean")), Help(
        "The number columns to correlate. Leave empty for every number column.")] = [],
) -> Table:
    """Correlation between number columns: a table with a 'column' column and one column per number column."""
    require_columns(table, columns, "columns")
    for column in columns:
        if kind(table[column]) not in ("number", "true/false"):
            raise NodeError(f"column {column!r} holds {kind(table[column])} values; correlation needs numbers",
                            param="columns")
    chosen = columns or [c for c in table.columns if is_number(table[c])]
    if len(chosen) < 2:
        raise NodeError(f"correlation needs at least two number columns, found {len(chosen)}", param="columns")
    if "column" in chosen:
        raise NodeError("a column is named 'column', the name of the result's first column; rename it first",
                        param="columns")
    matrix = table[chosen].astype("float64").corr(method=method)
    matrix.columns.name = None
    return matrix.rename_axis("column").reset_index()
