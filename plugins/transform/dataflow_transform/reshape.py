"""Reshaping: summarise per group, spread values into columns (pivot), gather columns into rows (melt)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node, warn

from . import schemas
from ._common import RESHAPE, kind, new_columns, require_column, require_columns

AGGREGATIONS = ("sum", "mean", "median", "min", "max", "count", "nunique", "std", "first", "last")
_NEEDS_NUMBERS = {"sum", "mean", "median", "std"}


@node(category=RESHAPE, label="Group by", schema=schemas.groupby)
def groupby(
    table: Table,
    *,
    by: Annotated[list[str], Column("table"), Help(
        "The columns that define a group: one output row per distinct combination of their values "
        "(missing values form a group of their own). Leave empty to summarise the whole table in one row.")] = [],
    aggregations: Annotated[list[str], Help(
        "What to compute per group, each written column:function, e.g. price:sum, price:mean, "
        "order_id:count. Functions: sum, mean, median, min, max, count (values that are not missing), "
        "nunique (distinct values), std, first, last. The result column is named column_function "
        "(price_sum). Leave empty to count the rows of each group.")] = [],
) -> Table:
    """Summarise rows per group: totals, averages, counts ... for each combination of key values."""
    import numpy as np

    require_columns(table, by, "by")
    specs = _parse_aggregations(table, aggregations)
    names = list(specs)
    clash = next((n for n in names if n in by), None)
    if clash:
        raise NodeError(f"the result column {clash!r} would have the name of a group column", param="aggregations")
    keys: Any = by if by else np.zeros(len(table), dtype=np.int8)
    grouped = table.groupby(keys, dropna=False, sort=True, observed=True)
    try:
        out = grouped.agg(**specs) if specs else grouped.size().to_frame("count")
    except TypeError as exc:
        raise NodeError(f"cannot compute these aggregations: {exc}", param="aggregations") from None
    return out.reset_index() if by else out.reset_index(drop=True)


def parse_aggregation(item: str) -> tuple[str, str]:
    """("price", "sum") from "price:sum"; NodeError for a malformed item or an unknown function."""
    column, sep, function = item.rpartition(":")
    column, function = column.strip(), function.strip().lower()
    if not sep or not column:
        raise NodeError(f"{item!r}: write column:function, e.g. price:sum", param="aggregations")
    if function not in AGGREGATIONS:
        raise NodeError(f"{item!r}: unknown function {function!r}; use one of {', '.join(AGGREGATIONS)}",
                        param="aggregations")
    return column, function


def _parse_aggregations(table: Any, items: list[str]) -> dict[str, tuple[str, str]]:
    """{"price_sum": ("price", "sum"), ...} from ["price:sum", ...], checked."""
    specs: dict[str, tuple[str, str]] = {}
    for item in items:
        column, function = parse_aggregation(item)
        require_columns(table, [column], "aggregations")
        if function in _NEEDS_NUMBERS and kind(table[column]) not in ("number", "true/false"):
            raise NodeError(f"{item!r}: {function} needs numbers, but {column!r} holds {kind(table[column])} values; "
                            "use count, nunique, min, max, first or last", param="aggregations")
        name = f"{column}_{function}"
        if name in specs:
            raise NodeError(f"{item!r} is listed twice", param="aggregations")
        specs[name] = (column, function)
    return specs


@node(category=RESHAPE, label="Pivot", schema=schemas.pivot)
def pivot(
    table: Table,
    *,
    index: Annotated[list[str], Column("table", required=True), Help(
        "The columns whose values become the rows of the result, e.g. region.")] = [],
    columns: Annotated[str, Column("table", required=True), Help(
        "The column whose distinct values become new columns, e.g. month.")] = "",
    values: Annotated[str, Column("table", required=True), Help(
        "The column whose values fill the cells, e.g. sales.")] = "",
    aggregation: Annotated[Literal["sum", "mean", "median", "min", "max", "count", "nunique", "std", "first",
                                   "last"], Help(
        "How to combine the values that land in the same cell.")] = "sum",
    fill: Annotated[float | None, Help(
        "The value of cells with no data (empty: leave them missing).")] = None,
    max_columns: Annotated[int, Bounds(1, 100_000), Help(
        "Stop with an error if the result would have more columns than this (a column with "
        "many distinct values would make a huge table).")] = 1000,
) -> Table:
    """Spread a column's values into new columns: one row per index value, one column per value of `columns`."""
    import pandas as pd

    require_columns(table, index, "index")
    if not index:
        raise NodeError("pick at least one column for the rows of the result", param="index")
    require_column(table, columns, "columns")
    require_column(table, values, "values")
    if values in index:
        raise NodeError(f"{values!r} is also a row (index) column; the values that fill the cells must come "
                        "from another column", param="values")
    if aggregation in _NEEDS_NUMBERS and kind(table[values]) not in ("number", "true/false"):
        raise NodeError(f"{aggregation} needs numbers, but {values!r} holds {kind(table[values])} values",
                        param="aggregation")
    distinct = table[columns].nunique(dropna=True)
    if distinct > max_columns:
        raise NodeError(f"{columns!r} has {distinct} distinct values, so the result would have {distinct} columns "
                        f"(the limit is {max_columns}); pick a column with fewer values or raise max columns",
                        param="columns")
    out = pd.pivot_table(table, index=index, columns=columns, values=values, aggfunc=aggregation,
                         observed=True, sort=True)
    if fill is not None:  # pivot_table(fill_value=...) is deprecated when the cells' dtype changes
        out = out.fillna(fill)
        if aggregation in ("count", "nunique") and float(fill).is_integer():
            out = out.astype("int64")
    out.columns = [str(c) for c in out.columns]
    clash = next((c for c in out.columns if c in index), None)
    if clash:
        raise NodeError(f"the value {clash!r} of {columns!r} is also the name of an index column; rename it first",
                        param="columns")
    return out.reset_index()


@node(category=RESHAPE, label="Melt (columns to rows)", schema=schemas.melt)
def melt(
    table: Table,
    *,
    id_columns: Annotated[list[str], Column("table"), Help(
        "Columns that identify a row and are kept as they are, e.g. customer_id.")] = [],
    value_columns: Annotated[list[str], Column("table"), Help(
        "Columns to gather into rows: each becomes one row per input row. "
        "Leave empty to gather every column that is not an id column. If they mix numbers and "
        "text, the values are written as text.")] = [],
    variable_name: Annotated[str, Help("The name of the new column holding the former column names.")] = "variable",
    value_name: Annotated[str, Help("The name of the new column holding the values.")] = "value",
) -> Table:
    """Turn columns into rows: a wide table (one column per month) becomes a long one (month, value)."""
    require_columns(table, id_columns, "id_columns")
    require_columns(table, value_columns, "value_columns")
    both = next((c for c in value_columns if c in id_columns), None)
    if both:
        raise NodeError(f"{both!r} is both an id column and a value column", param="value_columns")
    if variable_name == value_name:
        raise NodeError("the variable and value columns need different names", param="value_name")
    new_columns(table.loc[:, id_columns], [variable_name], "variable_name")
    new_columns(table, [value_name], "value_name")  # pandas refuses a value name that is any column's name
    gathered = value_columns or [c for c in table.columns if c not in id_columns]
    kinds = {kind(table[c]) for c in gathered}
    if len(kinds) > 1:  # one value column cannot hold numbers and text exactly: make it text
        warn(f"the gathered columns hold {' and '.join(sorted(kinds))} values; the values are written as text")
        table = table.astype({c: "str" for c in gathered})
    return table.melt(id_vars=id_columns or None, value_vars=value_columns or None, var_name=variable_name,
                      value_name=value_name)
