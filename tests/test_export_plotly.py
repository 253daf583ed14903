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


@pytest.fixture
def readings() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-01-01", periods=60, freq="D").delete([10, 11, 12, 40])
    table = pd.DataFrame({"day": np.tile(days, 2), "sensor": np.repeat(["a", "b"], len(days)),
                          "temperature": rng.normal(20, 2, 2 * len(days)), "humidity": rng.normal(50, 5, 2 * len(days))})
    table.loc[[3, 70], "temperature"] = np.nan
    table.loc[5, "sensor"] = None
    return table


@pytest.mark.parametrize("params", [
    {"x": "day", "y": ["temperature"], "color": "sensor", "title": "T"},
    {"x": "day", "y": ["temperature", "humidity"], "period": "D", "markers": True},
    {"x": "day", "y": ["temperature", "humidity"], "color": "sensor", "gaps": "connect", "y_label": "v"},
    {"x": "day", "y": ["humidity"], "max_points": 100}])
def test_time_series_code_draws_the_nodes_figure(readings, params):
    from dataflow_plotly import timeseries

    same_as_node(timeseries.time_series, EXPORTERS["plotly.time_series"], {"table": readings}, **params)
