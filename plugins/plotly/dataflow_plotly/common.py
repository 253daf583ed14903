"""What every chart node shares: parameter types, column checks, seeded sampling with a visible
note, and the finishing touches (title, axis labels, notes as annotations).

Charts that draw one mark per row (scatter, line, residuals, clusters...) draw at most
`max_points` rows: above that, a seeded random sample, announced by an annotation on the figure
and a warning on the node. Charts that summarise rows (bar, histogram, box, pie, heatmaps)
aggregate all rows instead. Rows a chart cannot draw because a value it needs is missing are
announced the same way (`drop_missing`), never left out silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from dataflow.sdk import Bounds, Column, Help, NodeError, did_you_mean, warn

SAMPLE_SEED = 0
MAX_POINTS = 20_000
ATTRS_KEY = "dataflow"

Title = Annotated[str, Help("Title above the chart (empty: none)")]
XLabel = Annotated[str, Help("Label of the horizontal axis (empty: the column name)")]
YLabel = Annotated[str, Help("Label of the vertical axis (empty: the column name)")]
MaxPoints = Annotated[int, Bounds(100, 2_000_000),
                      Help("Most rows drawn; a larger table is drawn from a seeded random sample, noted on the chart")]


def column_param(text: str, port: str = "table", *, required: bool = False, kinds: tuple[str, ...] = ()) -> Any:
    """`Annotated[str, Column(port), Help(text)]`: a single-column picker on input `port`;
    `required` and `kinds` (e.g. `("number",)`): validation reports a column left empty or of
    another kind before the chart runs."""
    return Annotated[str, Column(port, kinds=kinds, required=required), Help(text)]


def columns_param(text: str, port: str = "table") -> Any:
    """`Annotated[list[str], Column(port), Help(text)]`: a several-column picker on input `port`."""
    return Annotated[list[str], Column(port), Help(text)]



def column(table: Any, name: str, param: str, *, required: bool = True) -> str | None:
    """`name` checked against the table's columns; None when it is empty and not required."""
    if not name:
        if required:
            raise NodeError("choose a column", param=param)
        return None
    if name not in table.columns:
        listed = ", ".join(map(str, list(table.columns)[:30]))
        raise NodeError(f"column '{name}' not in the table{did_you_mean(name, list(table.columns))}; its columns "
                        f"are: {listed}", param=param)
    return name


def numeric(table: Any, name: str, param: str) -> str:
    """`name` when it holds numbers (or dates), else a NodeError naming its type."""
    import pandas as pd

    dtype = table[name].dtype
    if pd.api.types.is_bool_dtype(dtype) or not (pd.api.types.is_numeric_dtype(dtype)
                                                   or pd.api.types.is_datetime64_any_dtype(dtype)):
        raise NodeError(f"column '{name}' holds {dtype}, not numbers; choose a numeric column", param=param)
    return name


def numeric_columns(table: Any) -> list[str]:
    """The numeric, non-boolean columns, in order."""
    import pandas as pd

    return [c for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c].dtype) and not pd.api.types.is_bool_dtype(table[c].dtype)]


def sample(table: Any, max_points: int, what: str = "rows") -> tuple[Any, str | None]:
    """At most `max_points` rows (a seeded random sample, in the original order) and the note to show."""
    if len(table) <= max_points:
        return table, None
    picked = table.sample(n=max_points, random_state=SAMPLE_SEED).sort_index(kind="stable") \
        if table.index.is_monotonic_increasing else table.sample(n=max_points, random_state=SAMPLE_SEED)
    note = f"Showing a random sample of {max_points:,} of {len(table):,} {what}"
    warn(f"{note} (raise max_points to draw more)")
    return picked, note


def drop_missing(table: Any, columns: Sequence[str | None], *, drop: bool = True) -> tuple[Any, str | None]:
    """`table` without the rows missing a value in any of `columns` (kept when `drop` is False: the
    chart leaves a gap itself), and the note to show; the note is also a warning on the node."""
    used = [c for c in dict.fromkeys(columns) if c]
    if not used or not len(table):
        return table, None
    missing = table[used].isna()
    rows = missing.any(axis=1)
    count = int(rows.sum())
    if not count:
        return table, None
    names = ", ".join(f"'{c}'" for c in used if missing[c].any())
    note = f"{count:,} row{'s' if count != 1 else ''} with missing values in {names} not drawn"
    warn(note)
    return (table[~rows] if drop else table), note


#: every chart is drawn with plotly's own template, whatever the host process set as its default
#: (importing Streamlit makes its template the default: placeholder colours its frontend replaces,
#: which would be baked into the cached figure and differ from the same chart drawn elsewhere)
TEMPLATE = "plotly"


def express() -> Any:
    """`plotly.express`, drawing with `TEMPLATE` (imported on first use: plotly is heavy)."""
    import plotly.express as px

    px.defaults.template = TEMPLATE
    return px


def finish(fig: Any, *, title: str = "", x_label: str = "", y_label: str = "", notes: Sequence[str | None] = ()
           ) -> Any:
    """Set the template, the title and axis labels, and add each note as an annotation under the plot."""
    fig.update_layout(template=TEMPLATE)
    if title:
        fig.update_layout(title={"text": title})
    if x_label:
        fig.update_xaxes(title_text=x_label)
    if y_label:
        fig.update_yaxes(title_text=y_label)
    shown = [n for n in notes if n]
    for index, text in enumerate(shown):
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=1.0, yshift=18 + 16 * index,
                           xanchor="left", yanchor="bottom", showarrow=False, font={"size": 11, "color": "#666"},
                           name="dataflow-note")
    if shown:
        fig.update_layout(margin={"t": 60 + 16 * len(shown) + (30 if title else 0)})
    return fig


def facts_of(table: Any, name: str) -> dict[str, Any]:
    """What an upstream node recorded in `table.attrs["dataflow"][name]` (empty dict when nothing)."""
    recorded = table.attrs.get(ATTRS_KEY)
    if isinstance(recorded, dict) and isinstance(recorded.get(name), dict):
        return recorded[name]
    return {}


def group_label(value: Any) -> str:
    """A category as legend text (missing values as '(missing)')."""
    import pandas as pd

    return "(missing)" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
