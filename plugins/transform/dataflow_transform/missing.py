"""Missing-value nodes: fill the gaps (a value, a statistic, the neighbouring row), or drop the rows."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Column, Help, NodeError, Table, node

from . import schemas
from ._common import MISSING, is_number, kind, require_columns

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@node(category=MISSING, label="Fill missing values", schema=schemas.fill_missing)
def fill_missing(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "The columns to fill. Leave empty for every column the method applies to "
        "(mean and median apply to number columns only).")] = [],
    method: Annotated[Literal["value", "mean", "median", "mode", "forward", "backward"], Help(
        "value: a fixed value. mean / median: the column's average / middle value (numbers only). "
        "mode: the column's most frequent value. forward: the value of the row above. "
        "backward: the value of the row below.")] = "value",
    value: Annotated[str, Help(
        "The fill value for method 'value', converted to each column's type: 0 for numbers, "
        "unknown for text, 2024-01-01 for dates, true/false for true/false columns.")] = "",
) -> Table:
    """Fill missing values with a fixed value, a column statistic, or the previous/next row's value."""
    require_columns(table, columns, "columns")
    numeric_only = method in ("mean", "median")
    if columns:
        if numeric_only:
            for column in columns:
                if not is_number(table[column]):
                    raise NodeError(f"{method} needs number columns, but {column!r} holds {kind(table[column])}; "
                                    "use method 'mode' or 'value' for it", param="columns")
        targets = columns
    else:
        targets = [c for c in table.columns if not numeric_only or is_number(table[c])]
    if method == "value" and value == "":
        raise NodeError("type the value to fill in, or pick another method", param="value")
    out = table.copy(deep=False)
    for column in targets:
        series = table[column]
        if series.isna().any():
            out[column] = _fill(series, column, method, value)
    return out


def _fill(series: Any, column: Any, method: str, value: str) -> Any:
    import pandas as pd

    if method == "forward":
        return series.ffill()
    if method == "backward":
        return series.bfill()
    if method == "value":
        fill = _typed(series, column, value)
    elif method == "mode":
        modes = series.mode(dropna=True)
        if modes.empty:
            return series
        fill = modes.iloc[0]
    else:
        fill = series.mean() if method == "mean" else series.median()
        if fill != fill:  # every value missing: nothing to compute from
            return series
    if pd.api.types.is_integer_dtype(series.dtype) and float(fill) != int(fill):
        series = series.astype("float64")  # a nullable whole-number column cannot hold 2.5
    if isinstance(series.dtype, pd.CategoricalDtype) and fill not in series.cat.categories:
        series = series.cat.add_categories([fill])
    return series.fillna(fill)


def _typed(series: Any, column: Any, text: str) -> Any:
    """The fill text as a value of the column's type; NodeError when it cannot be one."""
    import pandas as pd

    flavour = kind(series)
    try:
        if flavour == "number":
            number = float(text)
            return int(number) if number.is_integer() else number
        if flavour == "true/false":
            word = text.strip().lower()
            if word not in _TRUE | _FALSE:
                raise ValueError(text)
            return word in _TRUE
        if flavour == "date":
            stamp = pd.Timestamp(text)
            tz = getattr(series.dtype, "tz", None)
            return stamp.tz_localize(tz) if tz is not None and stamp.tz is None else stamp
    except (ValueError, TypeError):
        raise NodeError(f"column {column!r} holds {flavour} values, and {text!r} is not one; "
                        "fill it separately or pick the columns to fill", param="value") from None
    return text


@node(category=MISSING, label="Drop rows with missing values", schema=schemas.same)
def drop_missing(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table"), Help(
        "The columns to look at. Leave empty to look at every column.")] = [],
    how: Annotated[Literal["any", "all"], Help(
        "any: drop a row when any of these columns is missing. all: only when all of them are.")] = "any",
) -> Table:
    """Drop the rows that have missing values."""
    require_columns(table, columns, "columns")
    return table.dropna(subset=columns or None, how=how)
