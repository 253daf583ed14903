"""Encoding nodes: cut numbers into bins, turn categories into true/false indicator columns."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node, warn

from . import schemas
from ._common import ENCODE, is_number, kind, require_column, require_columns


@node(category=ENCODE, label="Bin numbers", schema=schemas.bin)
def bin(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("number",), required=True), Help("The number column to cut into bins, e.g. age.")] = "",
    method: Annotated[Literal["equal-width", "quantile"], Help(
        "equal-width: bins of the same size between the smallest and largest value. quantile: bins "
        "holding about the same number of rows.")] = "equal-width",
    bins: Annotated[int, Bounds(2, 1000), Help("How many bins (ignored when edges are given).")] = 5,
    edges: Annotated[list[float], Help(
        "Your own bin edges, in increasing order, e.g. 0, 18, 65, 120 makes three bins. "
        "Values outside the edges become missing.")] = [],
    labels: Annotated[list[str], Help(
        "Names for the bins, e.g. young, adult, senior (one per bin). Empty: the value ranges, e.g. (18.0, 65.0].")]
    = [],
    output: Annotated[str, Help("The new column's name. Empty: column_bin.")] = "",
) -> Table:
    """Cut a number column into bins (ranges), e.g. ages into young / adult / senior."""
    import pandas as pd

    require_column(table, column, "column")
    series = table[column]
    if not is_number(series):
        raise NodeError(f"column {column!r} holds {kind(series)} values; bins need numbers", param="column")
    if edges and any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise NodeError(f"edges must increase, e.g. [0, 18, 65], got {edges}", param="edges")
    if edges and len(edges) < 2:
        raise NodeError("give at least two edges (one bin lies between two edges)", param="edges")
    if not edges and series.notna().sum() == 0:
        raise NodeError(f"column {column!r} has no values to bin (it is empty or all missing)", param="column")
    count = len(edges) - 1 if edges else bins
    if labels and len(labels) != count:
        raise NodeError(f"{count} bins need {count} labels, got {len(labels)}", param="labels")
    try:
        if edges:
            result = pd.cut(series, edges, labels=labels or None, include_lowest=True)
            outside = result.isna() & series.notna()
            if outside.any():
                warn(f"{int(outside.sum())} value(s) of {column!r} lie outside the edges and became missing")
        elif method == "equal-width":
            result = pd.cut(series, bins, labels=labels or None, include_lowest=True)
        else:
            result = pd.qcut(series, bins, labels=labels or None, duplicates="raise")
    except ValueError as exc:
        raise NodeError(f"cannot make {count} bins of {column!r}: {exc}; try fewer bins", param="bins") from None
    if not labels:  # interval categories shown as text: '(18.0, 65.0]'
        result = result.cat.rename_categories([str(c) for c in result.cat.categories])
    out = table.copy(deep=False)
    out[output or f"{column}_bin"] = result
    return out


@node(category=ENCODE, label="One-hot encode", schema=schemas.one_hot)
def one_hot(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "The category columns to encode: each is replaced by one true/false column per distinct value, "
        "named column_value. Leave empty for every text and category column.")] = [],
    drop_first: Annotated[bool, Help(
        "Leave out the first value's column (it is implied when all others are false); useful for "
        "linear models.")] = False,
    max_values: Annotated[int, Bounds(1, 100_000), Help(
        "Stop with an error if a column has more distinct values than this (each becomes a column).")] = 100,
) -> Table:
    """Replace category columns by true/false indicator columns, one per value (for machine learning)."""
    import pandas as pd

    require_columns(table, columns, "columns")
    targets = columns or [c for c in table.columns if kind(table[c]) in ("text", "category")]
    if not targets:
        warn("the table has no text or category columns to encode; it is returned unchanged")
        return table
    for column in targets:
        distinct = table[column].nunique()
        if distinct > max_values:
            raise NodeError(f"column {column!r} has {distinct} distinct values, which would make {distinct} "
                            f"columns (the limit is {max_values}); pick other columns or raise max values",
                            param="columns")
    return pd.get_dummies(table, columns=targets, drop_first=drop_first)
