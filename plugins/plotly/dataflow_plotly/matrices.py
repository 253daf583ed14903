"""Charts of many columns at once: heatmap, correlation heatmap and scatter matrix."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Figure, Help, NodeError, Table, node, warn

from .common import (
    MAX_POINTS,
    MaxPoints,
    Title,
    XLabel,
    YLabel,
    column,
    column_param,
    columns_param,
    express,
    finish,
    group_label,
    numeric,
    numeric_columns,
    sample,
)

Colorscale = Annotated[Literal["Viridis", "Blues", "Reds", "RdBu", "Plasma", "Greys"], Help("Colour scale")]
MAX_MATRIX_COLUMNS = 10


@node(category="Charts/Matrices")
def heatmap(table: Table, *,
            mode: Annotated[Literal["columns", "matrix"],
                            Help("columns: x and y categories, colour from z aggregated per cell; matrix: the "
                                 "table's numeric columns drawn as they are")] = "columns",
            x: column_param("Column of the horizontal categories (mode columns)") = "",
            y: column_param("Column of the vertical categories (mode columns), or of row labels (mode matrix)") = "",
            z: column_param("Numbers aggregated per cell (mode columns; empty: count rows)") = "",
            aggregation: Annotated[Literal["mean", "sum", "median", "min", "max", "count"],
                                   Help("How the z values of a cell combine (mode columns)")] = "mean",
            columns: columns_param("Numeric columns to draw (mode matrix; empty: all)") = [],  # noqa: B006
            max_rows: Annotated[int, Bounds(1, 100_000), Help("Most rows drawn in mode matrix (the first ones)")]
            = 500,
            colorscale: Colorscale = "Viridis", title: Title = "", x_label: XLabel = "",
            y_label: YLabel = "") -> Figure:
    """A grid of coloured cells: a number per (x, y) pair of categories, or a numeric table as it is."""
    import plotly.graph_objects as go

    notes = []
    if mode == "columns":
        x_col, y_col = column(table, x, "x"), column(table, y, "y")
        z_col = column(table, z, "z", required=False)
        keys = [table[x_col].map(group_label).rename(x_col), table[y_col].map(group_label).rename(y_col)]
        if z_col is None or aggregation == "count":
            grid = table.groupby(keys, sort=True).size().unstack(0)
            label = "count"
        else:
            numeric(table, z_col, "z")
            grid = table[z_col].groupby(keys, sort=True).agg(aggregation).unstack(0)
            label = f"{aggregation} of {z_col}"
        x_values, y_values, cells = list(grid.columns), list(grid.index), grid.to_numpy(dtype=float)
    else:
        chosen = list(columns) or numeric_columns(table)
        for name in chosen:
            numeric(table, column(table, name, "columns"), "columns")
        if not chosen:
            raise NodeError("the table has no numeric column to draw", param="columns")
        labels_col = column(table, y, "y", required=False)
        shown = table
        if len(table) > max_rows:
            shown = table.head(max_rows)
            notes.append(f"Showing the first {max_rows:,} of {len(table):,} rows")
            warn(f"{notes[-1]} (raise max_rows to draw more)")
        x_values = [str(c) for c in chosen]
        y_values = ([group_label(v) for v in shown[labels_col]] if labels_col
                    else [str(i) for i in shown.index])
        cells = shown[chosen].to_numpy(dtype=float, na_value=float("nan"))
        label = "value"
    fig = go.Figure(go.Heatmap(z=cells, x=x_values, y=y_values, colorscale=colorscale,
                               colorbar={"title": {"text": label}}, hoverongaps=False))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=notes)


@node(category="Charts/Matrices")
def correlation(table: Table, *, columns: columns_param("Numeric columns to correlate (empty: all)") = [],  # noqa: B006
                method: Annotated[Literal["pearson", "spearman", "kendall"],
                                  Help("pearson: linear; spearman and kendall: rank (any monotonic relation)")]
                = "pearson",
                show_values: Annotated[bool, Help("Write each coefficient in its cell")] = True,
                title: Title = "") -> Figure:
    """A heatmap of the correlation between every pair of numeric columns (from -1 to 1)."""
    import numpy as np
    import plotly.graph_objects as go

    chosen = list(columns) or numeric_columns(table)
    for name in chosen:
        numeric(table, column(table, name, "columns"), "columns")
    if len(chosen) < 2:
        raise NodeError(f"correlation needs at least two numeric columns, got {len(chosen)}", param="columns")
    matrix = table[chosen].astype(float).corr(method=method)
    values = matrix.to_numpy()
    text = np.where(np.isnan(values), "", np.vectorize(lambda v: f"{v:.2f}")(values)) if show_values else None
    fig = go.Figure(go.Heatmap(z=values, x=[str(c) for c in chosen], y=[str(c) for c in chosen], zmin=-1, zmax=1,
                               colorscale="RdBu", text=text, texttemplate="%{text}" if show_values else None,
                               colorbar={"title": {"text": method}}, hoverongaps=False))
    fig.update_yaxes(autorange="reversed")
    constant = [c for c in chosen if table[c].nunique(dropna=True) <= 1]
    notes = [f"No correlation for constant column(s): {', '.join(map(str, constant))}"] if constant else []
    return finish(fig, title=title or f"{method.capitalize()} correlation", notes=notes)


@node(category="Charts/Matrices", label="Scatter matrix")
def scatter_matrix(table: Table, *,
                   columns: columns_param("Numeric columns to pair up (empty: the first 6 numeric columns)")
                   = [],  # noqa: B006
                   color: column_param("Colour the points by this column (empty: one colour)") = "",
                   max_points: MaxPoints = MAX_POINTS, title: Title = "") -> Figure:
    """Every pair of numeric columns as a small scatter plot, in a grid."""
    px = express()

    chosen = list(columns) or numeric_columns(table)[:6]
    for name in chosen:
        numeric(table, column(table, name, "columns"), "columns")
    if len(chosen) < 2:
        raise NodeError(f"a scatter matrix needs at least two numeric columns, got {len(chosen)}", param="columns")
    if len(chosen) > MAX_MATRIX_COLUMNS:
        raise NodeError(f"{len(chosen)} columns make {len(chosen) ** 2} panels; choose at most "
                        f"{MAX_MATRIX_COLUMNS}", param="columns")
    color_col = column(table, color, "color", required=False)
    drawn, note = sample(table, max_points)
    fig = px.scatter_matrix(drawn, dimensions=chosen, color=color_col)
    fig.update_traces(diagonal_visible=False, marker={"size": 4})
    return finish(fig, title=title, notes=[note])

