"""Charts of one column against another: scatter (with trend lines) and line."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Figure, Help, NodeError, Table, node

from . import fits
from .common import (
    MAX_POINTS,
    MaxPoints,
    Title,
    XLabel,
    YLabel,
    column,
    column_param,
    columns_param,
    drop_missing,
    express,
    finish,
    numeric,
    sample,
)

Color = column_param("Colour the marks by this column (empty: one colour)")
Facet = column_param("One small chart per value of this column (empty: one chart)")


@node(category="Charts/Relations")
def scatter(table: Table, *, x: column_param("Column on the horizontal axis", required=True) = "",
            y: column_param("Column on the vertical axis", required=True) = "", color: Color = "",
            size: column_param("Size the points by this numeric column (empty: equal sizes)") = "",
            symbol: column_param("Marker shape by this column (empty: circles)") = "", facet: Facet = "",
            trendline: Annotated[Literal["none", "ols", "lowess"],
                                 Help("Add a trend line per colour group: ols = least-squares straight line, "
                                      "lowess = local smooth curve")] = "none",
            max_points: MaxPoints = MAX_POINTS, title: Title = "", x_label: XLabel = "",
            y_label: YLabel = "") -> Figure:
    """Plot one column against another, one point per row.

    Trend lines are fitted to the points drawn, per colour group and facet. Rows missing a
    value in a chosen column are not drawn, with a note on the chart.
    """
    px = express()

    x, y = column(table, x, "x"), column(table, y, "y")
    options = _optional_columns(table, color=color, size=size, symbol=symbol, facet=facet)
    if options.get("size"):
        numeric(table, options["size"], "size")
    complete, missing = drop_missing(table, [x, y, *options.values()])
    drawn, note = sample(complete, max_points)
    fig = px.scatter(drawn, x=x, y=y, color=options.get("color"), size=options.get("size"),
                     symbol=options.get("symbol"), facet_col=options.get("facet"), facet_col_wrap=4)
    if trendline != "none":
        _add_trendlines(fig, trendline)
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=[missing, note])


@node(category="Charts/Relations")
def line(table: Table, *, x: column_param("Column on the horizontal axis (rows are drawn in its order)", required=True) = "",
         y: columns_param("One or more columns to draw as lines") = [],  # noqa: B006
         color: column_param("One line per value of this column (only with a single y column)") = "",
         facet: Facet = "", markers: Annotated[bool, Help("Mark each point")] = False,
         max_points: MaxPoints = MAX_POINTS, title: Title = "", x_label: XLabel = "",
         y_label: YLabel = "") -> Figure:
    """Draw one or more columns as lines over another column (time, for instance)."""
    px = express()

    x = column(table, x, "x")
    if not y:
        raise NodeError("choose at least one column to draw", param="y")
    for name in y:
        column(table, name, "y")
    options = _optional_columns(table, color=color, facet=facet)
    if options.get("color") and len(y) > 1:
        raise NodeError("colour by a column works with a single y column; with several, each gets its own colour",
                        param="color")
    placed = [x, *options.values()]
    _, missing = drop_missing(table, [*placed, *y], drop=False)
    # a row without x, colour or facet has no place; a missing y is kept: it leaves a gap in its line
    drawable = table[table[placed].notna().all(axis=1)]
    drawn, note = sample(drawable, max_points)
    drawn = drawn.sort_values(x, kind="stable")
    fig = px.line(drawn, x=x, y=list(y) if len(y) > 1 else y[0], color=options.get("color"),
                  facet_col=options.get("facet"), facet_col_wrap=4, markers=markers)
    return finish(fig, title=title, x_label=x_label, y_label=y_label or ("" if len(y) == 1 else "value"),
                  notes=[missing, note])


def _optional_columns(table: Any, **names: str) -> dict[str, str]:
    """The optional column parameters that are set, each checked."""
    return {param: column(table, name, param) for param, name in names.items() if name}


def _add_trendlines(fig: Any, kind: str) -> None:
    """One trend line per marker trace (colour group x facet), on that trace's axes and colour."""
    for trace in list(fig.data):
        if trace.type not in ("scatter", "scattergl") or trace.x is None or trace.y is None:
            continue
        fit = fits.ols(trace.x, trace.y) if kind == "ols" else fits.lowess(trace.x, trace.y)
        if fit is None:
            continue
        colour = trace.marker.color if isinstance(trace.marker.color, str) else None
        label = f"{trace.name} " if trace.name else ""
        if kind == "ols":
            name = f"{label}OLS (R² = {fit['r2']:.3f})"
            hover = f"y = {fit['slope']:.4g}·x + {fit['intercept']:.4g}<br>R² = {fit['r2']:.4f}<extra></extra>"
        else:
            name, hover = f"{label}LOWESS", None
        fig.add_scatter(x=fit["x"], y=fit["y"], mode="lines", name=name, line={"color": colour},
                        xaxis=trace.xaxis, yaxis=trace.yaxis, legendgroup=trace.legendgroup,
                        hovertemplate=hover, showlegend=True)
