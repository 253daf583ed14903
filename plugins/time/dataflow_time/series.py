"""Time series: resample by a period with an aggregation per column, lag and lead columns, and
rolling windows (a number of rows or a span of time), each optionally per group.

Rows are never reordered in the output of lag_lead and rolling: when a node has to sort (by the
time column, within each group) it works on row positions and puts every result back in its
row. Missing group keys form a group of their own, as in transform.groupby.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node, warn

from . import schemas
from ._common import (
    NEEDS_NUMBERS,
    SERIES,
    check_period,
    kind,
    new_names,
    parse_aggregation,
    require_column,
    require_columns,
    require_dates,
)

_BY_HELP = ("Group columns: the computation runs separately for each combination of their values "
            "(e.g. store). Leave empty for one series.")


@node(category=SERIES, label="Resample", schema=schemas.resample)
def resample(
    table: Table,
    *,
    on: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The date column that places each row in time, e.g. timestamp.")] = "",
    period: Annotated[str, Help(
        "The length of one output row: D (day), 7D, W (week ending Sunday), MS (month, labelled by its first "
        "day), QS (quarter), YS (year), h (hour), 15min. Each row is labelled by the start of its period "
        "(W: its Sunday). Periods without rows are kept: counts and sums give 0, means missing.")] = "D",
    aggregations: Annotated[list[str], Help(
        "What to compute per period, each written column:function, e.g. price:sum, temperature:mean. "
        "Functions: sum, mean, median, min, max, count, nunique, std, first, last. The result column is "
        "named column_function (price_sum). Leave empty to count the rows of each period.")] = [],
    by: Annotated[list[str], Column("table"), Help(_BY_HELP)] = [],
) -> Table:
    """Summarise a time series per day, week, month ...: one row per period (and group)."""
    import numpy as np
    import pandas as pd

    dates = require_dates(table, on, "on")
    require_columns(table, by, "by")
    offset = check_period(period, "period")
    specs = _aggregations(table, aggregations, [*by, on])
    undated = int(dates.isna().sum())
    if undated:
        warn(f"{undated:,} row(s) have no date in column {on!r} and are left out")
    frame = table[dates.notna()] if undated else table
    if by:
        grouped: Any = _grouped(frame, by, sort=True).resample(offset, on=on)
    else:
        grouped = frame.resample(offset, on=on)
    try:
        out = grouped.agg(**specs) if specs else grouped.size().to_frame("count")
    except TypeError as exc:
        raise NodeError(f"cannot compute these aggregations: {exc}", param="aggregations") from None
    out = out.reset_index()
    for name in by:  # a category key was grouped by its values (see _grouped): give it its type back
        if isinstance(table[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(table[name].dtype)
    if "count" in out.columns and not specs:
        out["count"] = out["count"].astype(np.int64)
    return out[[*by, on, *(specs or ["count"])]]


def _aggregations(table: Any, items: list[str], keys: list[str]) -> dict[str, tuple[str, str]]:
    """{"price_sum": ("price", "sum"), ...} from ["price:sum", ...], each checked."""
    specs: dict[str, tuple[str, str]] = {}
    for item in items:
        column, function = parse_aggregation(item)
        require_columns(table, [column], "aggregations")
        if function in NEEDS_NUMBERS and kind(table[column]) not in ("number", "true/false"):
            raise NodeError(f"{item!r}: {function} needs numbers, but {column!r} holds {kind(table[column])} values; "
                            "use count, nunique, min, max, first or last", param="aggregations")
        if column in keys[:-1]:
            raise NodeError(f"{item!r}: {column!r} is a group column; aggregate another column", param="aggregations")
        name = f"{column}_{function}"
        if name in specs:
            raise NodeError(f"{item!r} is listed twice", param="aggregations")
        if name in keys:
            raise NodeError(f"the result column {name!r} would have the name of a group or time column",
                            param="aggregations")
        specs[name] = (column, function)
    return specs


def _positions(table: Any, order_by: str, param: str) -> Any:
    """The table with a plain 0..n-1 index, sorted (stably) by `order_by` when given (dates or any
    sortable column; missing values last)."""
    frame = table.reset_index(drop=True)
    if order_by:
        require_column(table, order_by, param)
        frame = frame.sort_values(order_by, kind="stable", na_position="last")
    return frame


def _grouped(frame: Any, by: list[str], *, sort: bool = False) -> Any:
    """`frame` grouped by the columns `by`, a missing key being a group of its own (pandas drops
    the rows of a missing category even with dropna=False: such keys are grouped by their values)."""
    import pandas as pd

    keys = [frame[name].astype("object") if isinstance(frame[name].dtype, pd.CategoricalDtype) else frame[name]
            for name in by]
    return frame.groupby(keys, dropna=False, sort=sort, observed=True)


@node(category=SERIES, label="Lag / lead", schema=schemas.lag_lead)
def lag_lead(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table", required=True), Help(
        "The column(s) whose earlier (lag) or later (lead) values to bring into each row.")] = [],
    direction: Annotated[Literal["lag", "lead"], Help(
        "lag: the value from `periods` rows before (yesterday's sales); lead: from `periods` rows after.")]
    = "lag",
    periods: Annotated[int, Bounds(1, 100_000), Help(
        "How many rows back (lag) or ahead (lead). The new column is named column_lagN or column_leadN.")] = 1,
    order_by: Annotated[str, Column("table"), Help(
        "Put the rows in the order of this column first (usually the date); the output keeps the input's row "
        "order. Empty: the rows' own order.")] = "",
    by: Annotated[list[str], Column("table"), Help(
        "Group columns: rows only take values from rows of the same group (e.g. the same store).")] = [],
) -> Table:
    """Add columns holding each row's previous (lag) or next (lead) values, optionally per group."""
    if not columns:
        raise NodeError("pick the column(s) to lag or lead", param="columns")
    require_columns(table, columns, "columns")
    require_columns(table, by, "by")
    names = new_names(table.columns, [f"{c}_{direction}{periods}" for c in columns], "columns")
    frame = _positions(table, order_by, "order_by")
    steps = periods if direction == "lag" else -periods
    moved = _grouped(frame, by)[columns].shift(steps) if by else frame[columns].shift(steps)
    moved = moved.sort_index()
    out = table.copy(deep=False)
    for column, name in zip(columns, names, strict=True):
        out[name] = moved[column].to_numpy()
    return out


@node(category=SERIES, label="Rolling window", schema=schemas.rolling)
def rolling(
    table: Table,
    *,
    columns: Annotated[list[str], Column("table", kinds=("number",), required=True), Help(
        "The number column(s) to compute over a moving window.")] = [],
    function: Annotated[Literal["mean", "sum", "min", "max", "std"], Help(
        "What to compute over each window: mean (a moving average), sum, min, max or std "
        "(sample standard deviation).")] = "mean",
    window: Annotated[Literal["rows", "time"], Help(
        "rows: each window is the row and the rows before it (see rows). time: each window is every row whose "
        "date falls within the span before it, whatever the number of rows (see span and on).")] = "rows",
    rows: Annotated[int, Bounds(1, 1_000_000), Help(
        "Window length in rows (window = rows), e.g. 7 for 7 readings.")] = 7,
    span: Annotated[str, Help(
        "Window length in time (window = time): 7D (7 days), 12h, 30min. The window ends at each row's date "
        "and includes it.")] = "7D",
    on: Annotated[str, Column("table", kinds=("datetime",)), Help(
        "The date column: rows are ordered by it first (the output keeps the input's order), and a time window "
        "measures its span on it. Needed for window = time.")] = "",
    by: Annotated[list[str], Column("table"), Help(
        "Group columns: one window per group (e.g. per store), never mixing rows of two groups.")] = [],
    min_periods: Annotated[int, Bounds(0, 1_000_000), Help(
        "Fewest values a window needs to give a result (fewer: missing). 0: the whole window for rows "
        "(the first rows-1 results are missing), 1 for time.")] = 0,
    center: Annotated[bool, Help("Centre each window on its row instead of ending it there.")] = False,
) -> Table:
    """Moving averages, sums, minimums, maximums or standard deviations over rows or a time span."""
    import numpy as np

    if not columns:
        raise NodeError("pick the number column(s) to compute a rolling window over", param="columns")
    require_columns(table, columns, "columns")
    for name in columns:
        if kind(table[name]) not in ("number", "true/false"):
            raise NodeError(f"column {name!r} holds {kind(table[name])} values; a rolling {function} needs numbers",
                            param="columns")
    require_columns(table, by, "by")
    size = span.strip() if window == "time" else str(rows)
    names = new_names(table.columns, [f"{c}_{function}_{size}" for c in columns], "columns")
    if window == "time":
        if not on:
            raise NodeError("a window in time needs the date column that places each row in time", param="on")
        length: Any = check_period(span, "span", fixed=True)
    else:
        length = rows
    frame = table.reset_index(drop=True)
    if on:
        dates = require_dates(table, on, "on")
        undated = int(dates.isna().sum())
        if undated:
            warn(f"{undated:,} row(s) have no date in column {on!r}: they get no rolling value")
            frame = frame[frame[on].notna()]
        frame = frame.sort_values(on, kind="stable")
    work = frame[[*by, *columns, *([on] if window == "time" else [])]].copy()
    work[columns] = work[columns].astype("float64")
    options: dict[str, Any] = {"min_periods": min_periods or None, "center": center}
    if window == "time":
        options["on"] = on
    if by:
        grouped = _grouped(work, by)
        values = getattr(grouped.rolling(length, **options)[columns], function)()
        # pandas stacks the groups one after the other, each in the frame's (time) order: put every
        # value back on its row label (with `on`, its index holds the dates, not the labels)
        located = [positions for positions in grouped.indices.values()]
        order = work.index[np.concatenate(located)] if located else work.index[:0]
        result = values.set_axis(order, axis=0)
    else:
        result = getattr(work[[*columns, *([on] if window == "time" else [])]].rolling(length, **options)[columns],
                         function)()
    result = result.reindex(range(len(table)))
    out = table.copy(deep=False)
    for column, name in zip(columns, names, strict=True):
        out[name] = result[column].to_numpy()
    return out
