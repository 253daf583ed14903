"""Combining tables: join two tables on key columns, or stack one under the other."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Column, Help, NodeError, Table, node, warn

from . import schemas
from ._common import COMBINE, kind, require_columns, value_kind


@node(category=COMBINE, label="Join tables", schema=schemas.join)
def join(
    left: Table,
    right: Table,
    *,
    how: Annotated[Literal["inner", "left", "right", "outer"], Help(
        "inner: only rows whose key is in both tables. left: every row of the left table, with the "
        "matching right columns (missing when there is no match). right: the same from the right "
        "table. outer: every row of both.")] = "inner",
    on: Annotated[list[str], Column("left"), Help(
        "Key columns with the same name in both tables, e.g. customer_id. Leave empty and use "
        "left on / right on when the names differ; leave all three empty to use every column name "
        "the tables share.")] = [],
    left_on: Annotated[list[str], Column("left"), Help(
        "Key columns of the left table, when their names differ from the right table's.")] = [],
    right_on: Annotated[list[str], Column("right"), Help(
        "Key columns of the right table, in the same order as left on.")] = [],
    suffixes: Annotated[list[str], Help(
        "Two endings added to column names found in both tables (other than the keys), "
        "first for the left table, then for the right.")] = ["_left", "_right"],
) -> Table:
    """Join two tables: match rows of the left and right tables on key columns, side by side."""
    import pandas as pd

    left_keys, right_keys = _keys(left, right, on, left_on, right_on)
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise NodeError(f"give two different endings, e.g. ['_left', '_right'], got {suffixes!r}", param="suffixes")
    for lk, rk in zip(left_keys, right_keys, strict=True):
        lkind, rkind = value_kind(left[lk]), value_kind(right[rk])
        if lkind != rkind:
            param = "on" if on else "left_on"
            raise NodeError(f"key {lk!r} holds {lkind} values in the left table but {rk!r} holds {rkind} values "
                            "in the right table, so no row could match; convert one of them with "
                            "'Change column types' (transform.cast) first", param=param)
    try:
        if on or not (left_on or right_on):
            return left.merge(right, how=how, on=left_keys, suffixes=tuple(suffixes))
        return left.merge(right, how=how, left_on=left_keys, right_on=right_keys, suffixes=tuple(suffixes))
    except (pd.errors.MergeError, ValueError, TypeError) as exc:
        raise NodeError(f"the tables cannot be joined: {exc}", param="on") from None


def _keys(left, right, on: list[str], left_on: list[str], right_on: list[str]) -> tuple[list[str], list[str]]:
    """The key columns on each side, checked; the shared column names when none are given."""
    if on:
        if left_on or right_on:
            raise NodeError("use either on (same names in both tables) or left on / right on, not both",
                            param="on")
        return require_columns(left, on, "on", "left"), require_columns(right, on, "on", "right")
    if left_on or right_on:
        if len(left_on) != len(right_on):
            raise NodeError(f"left on names {len(left_on)} column(s) but right on names {len(right_on)}; "
                            "pair each left key with a right key", param="right_on")
        return require_columns(left, left_on, "left_on", "left"), require_columns(right, right_on, "right_on", "right")
    shared = [c for c in left.columns if c in set(right.columns)]
    if not shared:
        raise NodeError("the tables share no column name; pick the key columns in left on and right on",
                        param="on")
    warn(f"no key given: joining on the column(s) both tables share: {', '.join(map(repr, shared))}")
    return shared, shared


@node(category=COMBINE, label="Stack tables", schema=schemas.concat)
def concat(
    top: Table,
    bottom: Table,
    *,
    columns: Annotated[Literal["union", "intersection"], Help(
        "union: keep every column of either table (missing where a table lacks it). "
        "intersection: keep only the columns both tables have. A column holding numbers in one "
        "table and text in the other is written as text.")] = "union",
    source_column: Annotated[str, Help(
        "If set, a column of this name is added saying where each row came from: 'top' or 'bottom'.")] = "",
) -> Table:
    """Stack two tables: the rows of the bottom table under the rows of the top table."""
    import pandas as pd

    mixed = [c for c in top.columns if c in bottom.columns and kind(top[c]) != kind(bottom[c])]
    for name in mixed:
        warn(f"column {name!r} holds {kind(top[name])} values in the top table and {kind(bottom[name])} "
             "values in the bottom table; it is written as text")
    if mixed:  # one column cannot hold numbers and text exactly: make it text
        top, bottom = top.astype({c: "str" for c in mixed}), bottom.astype({c: "str" for c in mixed})
    if source_column and (source_column in top.columns or source_column in bottom.columns):
        raise NodeError(f"the tables already have a column {source_column!r}; choose another name",
                        param="source_column")
    parts = [top, bottom]
    if source_column:
        parts = [top.assign(**{source_column: "top"}), bottom.assign(**{source_column: "bottom"})]
    return pd.concat(parts, join="outer" if columns == "union" else "inner", ignore_index=True)
