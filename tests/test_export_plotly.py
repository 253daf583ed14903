"""The plotly plugin's exporters: the plain Plotly Express code draws the node's figure, notes included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly import relations, summaries
from dataflow_plotly.export import EXPORTERS

from tests.exporting import exported, same_as_node


@pytest.fixture
def sales() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 300
    return pd.DataFrame({
        "region": pd.Series(rng.choice(["north", "south", "east", None], n), dtype="str"),
        "size": pd.Categorical(rng.choice(["s", "m", "l"], n)),
        "revenue": np.where(rng.random(n) < 0.1, np.nan, rng.normal(100, 20, n)),
        "orders": rng.integers(0, 9, n),
        "month": pd.date_range("2024-01-01", periods=n, freq="D"),
        "shop": [f"shop {i % 130}" for i in range(n)],
    })


@pytest.mark.parametrize("params", [
    {"x": "region", "y": "revenue", "title": "Revenue", "y_label": "revenue"},
    {"x": "region", "y": "revenue", "aggregation": "mean", "color": "size", "barmode": "stack",
     "orientation": "horizontal", "x_label": "mean"},
    {"x": "size", "aggregation": "count"}, {"x": "region", "y": "orders", "aggregation": "count", "facet": "size"},
    {"x": "shop", "y": "revenue", "title": "Many shops"}, {"x": "region", "color": "region"}])
def test_bar_code_draws_the_nodes_figure(sales, params):
    same_as_node(summaries.bar, EXPORTERS["plotly.bar"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [
    {"x": "month", "y": ["revenue"], "markers": True, "title": "Revenue", "x_label": "month", "y_label": "revenue"},
    {"x": "month", "y": ["revenue", "orders"]}, {"x": "month", "y": ["revenue"], "color": "region", "max_points": 100},
    {"x": "orders", "y": ["revenue"], "facet": "size", "title": "t"}])
def test_line_code_draws_the_nodes_figure(sales, params):
    same_as_node(relations.line, EXPORTERS["plotly.line"], {"table": sales}, **params)


def test_a_line_with_colour_and_several_columns_falls_back(sales):
    assert exported(relations.line, EXPORTERS["plotly.line"], {"table": sales}, x="month", y=["revenue", "orders"],
                    color="region") is None
