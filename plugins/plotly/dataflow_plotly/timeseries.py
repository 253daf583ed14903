"""A time-series line chart: several series (several columns, or one per value of a column), with
missing periods drawn as gaps instead of lines joined across them.

A gap is where two consecutive times of one series lie further apart than one period. The period
is given (a pandas period such as D, W, MS, h: then the next time is late when it comes after the
previous time plus one period, by the calendar), or read from the data: the median step between
consecutive times over all series, a step over 1.5 times that being a gap (so months of 28 to 31
days are no gaps, a missing month is). A break is drawn by a point without a value between the
two times, which Plotly leaves unjoined. Missing values are gaps as well.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Column, Figure, Help, NodeError, Table, node

from .common import (
    MAX_POINTS,
    MaxPoints,
    Title,
    XLabel,
    YLabel,
    column,
    column_param,
    drop_missing,
    express,
    finish,
    group_label,
    numeric,
    sample,
)

SERIES = "series"
VALUE = "value"


@node(category="Charts/Relations", label="Time series")
def time_series(
    table: Table,
    *,
    x: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The date column on the horizontal axis, e.g. date.")] = "",
    y: Annotated[list[str], Column("table", kinds=("number",)), Help(
        "One or more number columns, each drawn as a line.")] = [],  # noqa: B006
    color: column_param("One line per value of this column (e.g. store); with several y columns, one per "
                        "value and column") = "",
    period: Annotated[str, Help(
        "The spacing of the series: D (day), W, MS (month), h (hour), 15min ... A time that comes later than "
        "one period after the previous one starts a gap. Empty: read from the data (the usual step).")] = "",
    gaps: Annotated[Literal["gap", "connect"], Help(
        "gap: a missing period or value breaks the line. connect: join the points across them.")] = "gap",
    markers: Annotated[bool, Help("Mark each point")] = False,
    max_points: MaxPoints = MAX_POINTS,
    title: Title = "",
    x_label: XLabel = "",
    y_label: YLabel = "",
) -> Figure:
    """Draw one or more series over time; missing periods show as gaps, not as joined lines."""
    import pandas as pd

    px = express()
    x = column(table, x, "x")
    if not pd.api.types.is_datetime64_any_dtype(table[x].dtype):
        raise NodeError(f"column '{x}' holds {table[x].dtype}, not dates; read it as dates with 'Parse dates' "
                        "(time.parse_dates) first", param="x")
    if not y:
        raise NodeError("choose at least one column to draw", param="y")
    for name in y:
        numeric(table, column(table, name, "y"), "y")
    group = column(table, color, "color", required=False)
    offset = _period(period)
    placed, missing = drop_missing(table, [x, group])  # a row without a time or a series has no place
    long = _long(placed, x, list(y), group)
    if gaps == "connect":
        long = long[long[VALUE].notna()]
        breaks = long.head(0)
    else:
        breaks = _breaks(long, x, offset)
    drawn, note = sample(long, max_points, "points")
    drawn = pd.concat([drawn, breaks]).sort_values([SERIES, x], kind="stable")
    several = drawn[SERIES].nunique() > 1 or group is not None
    fig = px.line(drawn, x=x, y=VALUE, color=SERIES if several else None, markers=markers,
                  labels={VALUE: y[0] if len(y) == 1 else VALUE, SERIES: group or SERIES})
    fig.update_traces(connectgaps=gaps == "connect")
    gap_note = (f"{len(breaks):,} gap{'s' if len(breaks) != 1 else ''} where periods have no rows: lines are not "
                "joined across") if len(breaks) else None
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=[missing, note, gap_note])


def _period(text: str) -> Any:
    """The pandas offset of `period`, None when empty; NodeError naming `period` when unknown."""
    if not text.strip():
        return None
    from pandas.tseries.frequencies import to_offset

    try:
        return to_offset(text.strip())
    except ValueError:
        raise NodeError(f"{text!r} is not a period; use e.g. D (day), W (week), MS (month), h (hour), 15min, or "
                        "leave it empty to read the spacing from the data", param="period") from None


def _long(table: Any, x: str, y: list[str], group: str | None) -> Any:
    """One row per (time, series): columns x, `series` (its legend name) and `value`."""
    import pandas as pd

    parts = []
    for name in y:
        part = pd.DataFrame({x: table[x].to_numpy(), VALUE: table[name].to_numpy(dtype="float64", na_value=float("nan"))})
        if group is None:
            part[SERIES] = name
        else:
            labels = table[group].map(group_label).astype(str).to_numpy()
            part[SERIES] = labels if len(y) == 1 else [f"{label} · {name}" for label in labels]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long.sort_values([SERIES, x], kind="stable").reset_index(drop=True)


def _breaks(long: Any, x: str, offset: Any) -> Any:
    """A row without a value in the middle of every gap of every series (see the module docstring)."""
    import pandas as pd

    same = long[SERIES].eq(long[SERIES].shift())
    previous = long[x].shift()
    if offset is not None:
        late = long[x] > previous + offset
    else:
        steps = (long[x] - previous)[same]
        steps = steps[steps > pd.Timedelta(0)]
        if steps.empty:
            return long.head(0)
        late = (long[x] - previous) > 1.5 * steps.median()
    starts = long[same & late.fillna(False)]
    if starts.empty:
        return long.head(0)
    before = previous[starts.index]
    return pd.DataFrame({x: before + (starts[x] - before) / 2, SERIES: starts[SERIES].to_numpy(),
                         VALUE: float("nan")}, index=starts.index)[long.columns]
