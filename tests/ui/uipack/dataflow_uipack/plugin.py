"""A small, deterministic pack: table source -> filter -> chart / stats, plus a failing node."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Column, Figure, Help, Metrics, NodeError, Secret, Table, hookimpl, node, warn


@node(category="UI Test/Sources")
def points(*, rows: Annotated[int, Bounds(1, 100_000), Help("How many rows")] = 30,
           seed: Annotated[int, Help("Random seed")] = 0) -> Table:
    """Make a table of points with x, y and a group column."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = np.arange(rows, dtype=float)
    return pd.DataFrame({"x": x, "y": x * 2 + rng.normal(0, 1, rows),
                         "group": pd.Series(["a", "b", "c"] * (rows // 3) + ["a"] * (rows % 3), dtype="str")})


@node(category="UI Test/Transform")
def keep_above(table: Table, *, column: Annotated[str, Column(), Help("Column to compare")] = "x",
               threshold: Annotated[float, Bounds(-1e9, 1e9), Help("Keep rows above this")] = 0.0) -> Table:
    """Keep the rows whose column is above a threshold."""
    if column not in table.columns:
        raise NodeError(f"no column '{column}'; columns: {', '.join(map(str, table.columns))}", param="column")
    kept = table[table[column] > threshold].reset_index(drop=True)
    if kept.empty:
        warn("no row is above the threshold")
    return kept


@node(category="UI Test/Charts")
def scatter(table: Table, *, x: Annotated[str, Column(), Help("Horizontal axis")] = "x",
            y: Annotated[str, Column(), Help("Vertical axis")] = "y",
            mode: Annotated[Literal["markers", "lines"], Help("How to draw")] = "markers") -> Figure:
    """Draw a scatter chart of two columns."""
    import plotly.graph_objects as go

    return go.Figure(go.Scatter(x=table[x], y=table[y], mode=mode))


@node(category="UI Test/Stats")
def stats(table: Table, *, column: Annotated[str, Column(), Help("Column to summarise")] = "y") -> Metrics:
    """Mean, minimum and maximum of a column."""
    values = table[column]
    return {"mean": float(values.mean()), "min": float(values.min()), "max": float(values.max()),
            "rows": int(len(values))}


@node(category="UI Test/Faults")
def broken(table: Table, *, message: Annotated[str, Help("The error")] = "broken on purpose") -> Table:
    """Always fail."""
    raise RuntimeError(message)


@node(category="UI Test/Sources")
def vault(*, token: Annotated[str, Secret(), Help("An access token")] = "",
          rows: Annotated[int, Bounds(1, 100)] = 3) -> Table:
    """Pretend to read a table from a service that needs a token."""
    import pandas as pd

    if not token:
        raise NodeError("a token is required", param="token")
    return pd.DataFrame({"row": list(range(rows))})


@hookimpl
def register_nodes(register):
    for fn in (points, keep_above, scatter, stats, broken, vault):
        register(fn)
