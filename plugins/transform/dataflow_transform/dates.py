"""The date_parts node: year, month, day ... of a date column, as number columns."""

from __future__ import annotations

from typing import Annotated, Any

from dataflow.sdk import Column, Help, NodeError, Table, node

from . import schemas
from ._common import DATES, example, kind, new_columns, parse_dates, require_column

PARTS = ("year", "month", "day", "weekday", "hour", "quarter", "week")


@node(category=DATES, label="Date parts", schema=schemas.date_parts)
def date_parts(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("datetime", "text"), required=True), Help(
        "The date column, e.g. order_date. A text column holding dates (2024-03-31) is read as dates.")] = "",
    parts: Annotated[list[str], Help(
        "The parts to extract, each into a new column named column_part: year, month (1-12), day (1-31), "
        "weekday (Monday = 0 ... Sunday = 6), hour (0-23), quarter (1-4), week (ISO week number 1-53).")]
    = ["year", "month", "day"],
) -> Table:
    """Add columns with parts of a date: year, month, day, weekday, hour, quarter, week number."""
    require_column(table, column, "column")
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise NodeError(f"unknown part {unknown[0]!r}; use any of {', '.join(PARTS)}", param="parts")
    if not parts:
        raise NodeError("pick at least one part, e.g. year", param="parts")
    dates = _dates(table[column], column)
    names = [f"{column}_{part}" for part in parts]
    new_columns(table, names, "parts")
    out = table.copy(deep=False)
    for part, name in zip(parts, names, strict=True):
        out[name] = _part(dates, part)
    return out


def _dates(series: Any, column: str) -> Any:
    flavour = kind(series)
    if flavour == "date":
        return series
    if flavour != "text":
        raise NodeError(f"column {column!r} holds {flavour} values, not dates", param="column")
    dates = parse_dates(series)
    failed = dates.isna() & series.notna()
    if failed.any():
        raise NodeError(f"column {column!r}: {int(failed.sum())} value(s) are not dates, e.g. {example(series[failed])}; "
                        "convert the column with 'Change column types' (transform.cast, errors 'null') first",
                        param="column")
    return dates


_ATTRIBUTES = {"weekday": "day_of_week"}  # Series.dt.weekday is deprecated in pandas 3.1


def _part(dates: Any, part: str) -> Any:
    if part != "week":
        return getattr(dates.dt, _ATTRIBUTES.get(part, part))
    week = dates.dt.isocalendar().week  # UInt32 with <NA>: align with the other parts' dtypes
    return week.astype("float64") if week.isna().any() else week.astype("int32")
