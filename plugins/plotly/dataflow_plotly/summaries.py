"""Charts that summarise many rows: bar, histogram, box/violin and pie.

They aggregate every row (sums, counts, bins, quartiles) instead of sampling, so the figure
stays small for any table size. The violin's density curve is the exception: above
`max_points` rows it is drawn from a seeded sample, with a note on the chart. Rows without the
number a chart needs are left out with a note too; a missing category is drawn as "(missing)".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Figure, Help, NodeError, Table, node, warn

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

MAX_BARS = 100
Aggregation = Literal["sum", "mean", "median", "min", "max", "count"]
Color = column_param("Split each bar or box by this column, one colour per value (empty: one colour)")
Facet = column_param("One small chart per value of this column (empty: one chart)")


@node(category="Charts/Summaries")
def bar(table: Table, *, x: column_param("The categories, one bar (group) each", required=True) = "",
        y: column_param("The numbers to aggregate per category (empty: count rows)") = "",
        aggregation: Annotated[Aggregation, Help("How the y values of a category combine")] = "sum",
        color: Color = "", facet: Facet = "",
        barmode: Annotated[Literal["group", "stack"], Help("Colour groups side by side or stacked")] = "group",
        orientation: Annotated[Literal["vertical", "horizontal"], Help("Direction of the bars")] = "vertical",
        title: Title = "", x_label: XLabel = "", y_label: YLabel = "") -> Figure:
    """Bars of an aggregated number (sum, mean, count...) per category.

    At most 100 categories are drawn (the largest totals), with a note on the chart.
    """
    px = express()

    x = column(table, x, "x")
    value = column(table, y, "y", required=False)
    if value is not None and aggregation != "count":
        numeric(table, value, "y")
    groups = [x] + [c for c in (column(table, color, "color", required=False),
                                column(table, facet, "facet", required=False)) if c]
    counting = value is None or aggregation == "count"
    table, missing = drop_missing(table, [] if counting else [value])  # missing categories show as (missing)
    keys = table[list(dict.fromkeys(groups))].map(group_label) if len(table) else table[groups]
    if counting:
        counted = keys.groupby(list(keys.columns), sort=True).size().rename("count").reset_index()
        measure = "count"
    else:
        counted = (table[value].groupby([keys[c] for c in keys.columns], sort=True).agg(aggregation)
                   .rename(f"{aggregation} of {value}").reset_index())
        measure = f"{aggregation} of {value}"
    notes = [missing]
    categories = counted[x].nunique()
    if categories > MAX_BARS:
        totals = counted.groupby(x)[measure].sum().abs().nlargest(MAX_BARS).index
        counted = counted[counted[x].isin(totals)]
        notes.append(f"Showing the {MAX_BARS} largest of {categories:,} categories of '{x}'")
        warn(notes[-1])
    horizontal = orientation == "horizontal"
    fig = px.bar(counted, x=measure if horizontal else x, y=x if horizontal else measure,
                 color=color or None, facet_col=facet or None, facet_col_wrap=4, barmode=barmode,
                 orientation="h" if horizontal else "v")
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=notes)


@node(category="Charts/Summaries")
def histogram(table: Table, *, x: column_param("The column whose distribution to show", required=True) = "",
              bins: Annotated[int, Bounds(1, 1000), Help("Number of bins for numbers (categories get a bar each)")]
              = 30, color: Color = "", facet: Facet = "",
              histnorm: Annotated[Literal["count", "percent", "density"],
                                  Help("Bar height: rows, percent of the group's rows, or density")] = "count",
              barmode: Annotated[Literal["overlay", "stack"], Help("Colour groups overlaid or stacked")] = "overlay",
              title: Title = "", x_label: XLabel = "", y_label: YLabel = "") -> Figure:
    """How the values of a column are distributed: rows per bin (numbers) or per category.

    Bins are computed over every row, so any table size gives a small figure.
    """
    import numpy as np
    import pandas as pd
    px = express()

    x = column(table, x, "x")
    color_col = column(table, color, "color", required=False)
    facet_col = column(table, facet, "facet", required=False)
    if color_col and color_col == facet_col:
        raise NodeError(f"color and facet are both column {color_col!r}; choose another column for one of them, "
                        "or leave facet empty", param="facet")
    series = table[x]
    groups = [c for c in (color_col, facet_col) if c]
    labels = table[groups].map(group_label) if groups else pd.DataFrame(index=table.index)
    is_number = (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)) \
        or pd.api.types.is_datetime64_any_dtype(series.dtype)
    frames = []
    keys = [tuple(k) if isinstance(k, tuple) else (k,) for k in labels.drop_duplicates().itertuples(index=False)] \
        if groups else [()]
    width = None
    missing = None
    if is_number:
        _, missing = drop_missing(table, [x], drop=False)  # counted below over finite values only
        dates = pd.api.types.is_datetime64_any_dtype(series.dtype)
        values = _as_numbers(series)
        finite = values[np.isfinite(values)]
        if not len(finite):
            raise NodeError(f"column '{x}' has no values to count", param="x")
        edges = np.histogram_bin_edges(finite, bins=bins)
        centers = (edges[:-1] + edges[1:]) / 2
        width = float(edges[1] - edges[0]) if len(edges) > 1 else 1.0
        for key in keys:
            mask = _mask(labels, groups, key)
            counts, _ = np.histogram(values[mask & np.isfinite(values)], bins=edges)
            frame = pd.DataFrame({x: pd.to_datetime(centers) if dates else centers, "count": counts})
            frames.append(_with_keys(frame, groups, key))
    else:
        for key in keys:
            mask = _mask(labels, groups, key)
            counts = series[mask].map(group_label).value_counts(sort=False).sort_index()
            frames.append(_with_keys(pd.DataFrame({x: counts.index, "count": counts.to_numpy()}), groups, key))
    data = pd.concat(frames, ignore_index=True)
    measure = "count"
    if histnorm != "count":
        totals = data.groupby(groups)["count"].transform("sum") if groups else data["count"].sum()
        measure = "percent" if histnorm == "percent" else "density"
        share = data["count"] / totals
        data[measure] = share * 100 if histnorm == "percent" else share / (width or 1.0)
    fig = px.bar(data, x=x, y=measure, color=color_col, facet_col=facet_col, facet_col_wrap=4,
                 barmode="overlay" if barmode == "overlay" else "stack",
                 opacity=0.65 if barmode == "overlay" and color_col else None)
    if width is not None:
        step = width / 1e6 if pd.api.types.is_datetime64_any_dtype(series.dtype) else width  # dates: ms on axis
        fig.update_traces(width=step)
    fig.update_layout(bargap=0.02 if width is not None else 0.2)
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=[missing])


@node(category="Charts/Summaries", label="Box / violin")
def box(table: Table, *, y: column_param("The numeric column whose spread to show", required=True, kinds=("number",)) = "",
        x: column_param("One box per value of this column (empty: a single box)") = "",
        color: Color = "", facet: Facet = "",
        kind: Annotated[Literal["box", "violin"], Help("box: quartiles and outliers; violin: density shape")]
        = "box", max_points: MaxPoints = MAX_POINTS,
        title: Title = "", x_label: XLabel = "", y_label: YLabel = "") -> Figure:
    """The spread of a numeric column, per group: box plots or violins.

    Above max_points rows, boxes are drawn from quartiles computed over every row (outlier
    points are then not drawn), and violins from a seeded sample; both are noted on the chart.
    """
    px = express()

    y = numeric(table, column(table, y, "y"), "y")
    x_col = column(table, x, "x", required=False)
    color_col = column(table, color, "color", required=False)
    facet_col = column(table, facet, "facet", required=False)
    if kind == "box" and len(table) > max_points and facet_col is None:
        table, missing = drop_missing(table, [y])  # groups without a value are labelled (missing)
        fig = _box_from_quartiles(table, y, x_col, color_col)
        note = f"Boxes computed over all {len(table):,} rows; outlier points are not drawn above {max_points:,} rows"
        return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=[missing, note])
    table, missing = drop_missing(table, [y, x_col, color_col, facet_col])
    drawn, note = sample(table, max_points)
    draw = px.box if kind == "box" else px.violin
    fig = draw(drawn, x=x_col, y=y, color=color_col, facet_col=facet_col, facet_col_wrap=4)
    return finish(fig, title=title, x_label=x_label, y_label=y_label, notes=[missing, note])


@node(category="Charts/Summaries")
def pie(table: Table, *, names: column_param("The categories, one slice each", required=True) = "",
        values: column_param("Numbers summed per category (empty: count rows)") = "",
        hole: Annotated[float, Bounds(0.0, 0.9), Help("Size of the hole in the middle (0: a pie, >0: a donut)")]
        = 0.0,
        max_slices: Annotated[int, Bounds(2, 100), Help("Largest categories shown; the rest become 'Other'")] = 12,
        title: Title = "") -> Figure:
    """Shares of a whole: one slice per category, sized by row count or a summed column."""
    import plotly.graph_objects as go

    names = column(table, names, "names")
    value = column(table, values, "values", required=False)
    if value is not None:
        numeric(table, value, "values")
    table, missing = drop_missing(table, [value])  # a missing category is a slice: (missing)
    labels = table[names].map(group_label)
    if value is None:
        totals = labels.value_counts()
    else:
        totals = table[value].groupby(labels).sum().sort_values(ascending=False)
        if (totals < 0).any():
            raise NodeError(f"column '{value}' sums to a negative number for some categories; a pie needs "
                            "shares of a whole", param="values")
    notes = [missing]
    if len(totals) > max_slices:
        rest = totals.iloc[max_slices - 1:]
        totals = totals.iloc[:max_slices - 1].copy()
        totals[f"Other ({len(rest)} categories)"] = rest.sum()
        notes.append(f"The smallest {len(rest)} categories are combined into 'Other'")
    fig = go.Figure(go.Pie(labels=[str(i) for i in totals.index], values=totals.to_numpy(), hole=hole,
                           sort=False))
    return finish(fig, title=title, notes=notes)


def _as_numbers(series: Any) -> Any:
    """A numeric or date column as float64 (dates as nanoseconds), missing values as NaN."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        values = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _mask(labels: Any, groups: list[str], key: tuple) -> Any:
    import numpy as np

    mask = np.ones(len(labels), dtype=bool)
    for name, value in zip(groups, key, strict=True):
        mask &= (labels[name] == value).to_numpy()
    return mask


def _with_keys(frame: Any, groups: list[str], key: tuple) -> Any:
    for name, value in zip(groups, key, strict=True):
        frame[name] = value
    return frame


def _box_from_quartiles(table: Any, y: str, x: str | None, color: str | None) -> Any:
    """Box traces from quartiles and Tukey fences computed per group over every row."""
    import numpy as np
    import plotly.graph_objects as go

    data = table[[c for c in dict.fromkeys((color, x, y)) if c]].dropna(subset=[y])
    fig = go.Figure()
    colour_groups = data.groupby(data[color].map(group_label), sort=True) if color else [(y, data)]
    for colour_value, part in colour_groups:
        boxes = part.groupby(part[x].map(group_label), sort=True) if x else [(y, part)]
        stats = [(str(name), _box_stats(group[y].to_numpy(dtype=np.float64))) for name, group in boxes]
        fig.add_trace(go.Box(x=[name for name, _ in stats], name=str(colour_value), boxpoints=False,
                             **{key: [s[key] for _, s in stats] for key in
                                ("q1", "median", "q3", "lowerfence", "upperfence", "mean")}))
    if color:
        fig.update_layout(boxmode="group")
    return fig


def _box_stats(values: Any) -> dict[str, float]:
    """Quartiles, mean and Tukey fences (the furthest values within 1.5 IQR of the box)."""
    import numpy as np

    q1, median, q3 = np.percentile(values, [25, 50, 75])
    reach = 1.5 * (q3 - q1)
    inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
    return {"q1": float(q1), "median": float(median), "q3": float(q3), "lowerfence": float(inside.min()),
            "upperfence": float(inside.max()), "mean": float(values.mean())}
