"""Row nodes: keep rows matching a condition, sort, take a sample, remove duplicates.

Rows keep their original row labels (the index), as in pandas, so a row can be traced back.
"""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Column, Formula, Help, NodeError, Table, evaluate_formula, node, warn

from . import schemas
from ._common import ROWS, kind, require_columns


@node(category=ROWS, label="Filter rows", schema=schemas.filter)
def filter(
    table: Table,
    *,
    formula: Annotated[str, Formula(), Help(
        "The condition a row must meet to be kept, e.g. price > 10, region == 'north', "
        "quantity >= 2 and region in ['north', 'east'], notnull(email), contains(name, 'Ltd'). "
        "Rows where the condition cannot be decided (a missing value) are dropped. "
        "Write column names with spaces in backticks: `unit price` > 10.")] = "",
) -> Table:
    """Keep the rows where a condition is true, e.g. price > 10 and region == 'north'."""
    import pandas as pd

    if not formula.strip():
        raise NodeError("type a condition, e.g. price > 10", param="formula")
    mask = evaluate_formula(formula, table, param="formula")
    if not pd.api.types.is_bool_dtype(mask.dtype):
        raise NodeError(f"the formula must say true or false for each row, but it gives {kind(mask)} values; "
                        "compare it with something, e.g. price > 10", param="formula")
    if str(mask.dtype) != "bool":
        mask = mask.fillna(False).astype(bool)
    return table[mask]


@node(category=ROWS, label="Sort rows", schema=schemas.same)
def sort(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "The columns to sort by: rows are ordered by the first, ties by the second, and so on.")] = [],
    order: Annotated[Literal["ascending", "descending"], Help(
        "ascending: smallest, earliest or A first. descending: largest, latest or Z first.")] = "ascending",
    nulls: Annotated[Literal["last", "first"], Help(
        "Where rows with a missing value go.")] = "last",
) -> Table:
    """Order rows by one or more columns."""
    require_columns(table, columns, "columns")
    if not columns:
        raise NodeError("pick at least one column to sort by", param="columns")
    return table.sort_values(columns, ascending=order == "ascending", na_position=nulls, kind="stable")


@node(category=ROWS, label="Sample rows", schema=schemas.same)
def sample(
    table: Table,
    *,
    mode: Annotated[Literal["head", "tail", "random"], Help(
        "head: the first rows. tail: the last rows. random: rows picked at random (the same ones again "
        "for the same seed).")] = "head",
    rows: Annotated[int, Bounds(0, None), Help("How many rows to take (used when fraction is empty).")] = 10,
    fraction: Annotated[float | None, Bounds(0, 1), Help(
        "A share of the rows instead of a count, e.g. 0.1 for 10%. Leave empty to use rows.")] = None,
    seed: Annotated[int, Help("The random seed: change it to draw a different random sample.")] = 0,
) -> Table:
    """Take the first rows, the last rows or a random sample of rows."""
    # the engine refuses these bounds before a run; a plain call (a notebook, a test) gets here
    if fraction is None and rows < 0:
        raise NodeError(f"rows must be 0 or more, got {rows}; use mode 'tail' for the last rows",
                        param="rows")
    if fraction is not None and not 0 <= fraction <= 1:
        raise NodeError(f"fraction must be between 0 and 1 (e.g. 0.1 for 10%), got {fraction}",
                        param="fraction")
    count = rows if fraction is None else round(len(table) * fraction)
    if mode == "head":
        return table.head(count)
    if mode == "tail":
        return table.tail(count)
    if count > len(table):
        warn(f"asked for {count} random rows but the table has {len(table)}; all rows are returned, shuffled")
        count = len(table)
    return table.sample(n=count, random_state=seed)


@node(category=ROWS, label="Remove duplicates", schema=schemas.same)
def dedupe(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "Rows count as duplicates when they agree on these columns. Leave empty to compare whole rows.")] = [],
    keep: Annotated[Literal["first", "last", "none"], Help(
        "Which copy of duplicated rows to keep: the first, the last, or none of them.")] = "first",
) -> Table:
    """Remove duplicated rows, keeping the first or last copy, or none."""
    require_columns(table, columns, "columns")
    return table.drop_duplicates(subset=columns or None, keep=False if keep == "none" else keep)
