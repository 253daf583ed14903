"""Scatter and line charts: the traces hold the data, trend lines fit it, big tables are sampled visibly."""

from __future__ import annotations

import numpy as np
import pytest
from dataflow_plotly import fits
from dataflow_plotly.relations import line, scatter

from dataflow.sdk import NodeError, run_node

X, Y = "sepal length (cm)", "petal length (cm)"


def draw(fn, table, **params):
    return run_node(fn, {"table": table}, **params)["figure"]


def test_scatter_draws_one_trace_per_colour_with_every_row(iris):
    fig = draw(scatter, iris, x=X, y=Y, color="species", title="Iris", x_label="Sepal", y_label="Petal")
    assert [t.name for t in fig.data] == ["setosa", "versicolor", "virginica"]
    assert sum(len(t.x) for t in fig.data) == 150
    setosa = iris[iris["species"] == "setosa"]
    assert list(fig.data[0].x) == list(setosa[X]) and list(fig.data[0].y) == list(setosa[Y])
    assert fig.layout.title.text == "Iris"
    assert fig.layout.xaxis.title.text == "Sepal" and fig.layout.yaxis.title.text == "Petal"
    assert len(fig.layout.annotations) == 0  # nothing sampled, nothing to note


def test_an_ols_trendline_per_group_is_the_least_squares_line(iris):
    fig = draw(scatter, iris, x=X, y=Y, color="species", trendline="ols")
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name.split(" OLS")[0] for t in lines] == ["setosa", "versicolor", "virginica"]
    virginica = iris[iris["species"] == "virginica"]
    slope, intercept = np.polyfit(virginica[X], virginica[Y], 1)
    r2 = np.corrcoef(virginica[X], virginica[Y])[0, 1] ** 2
    assert np.allclose(lines[2].y, slope * np.array(lines[2].x) + intercept)
    assert list(lines[2].x) == [virginica[X].min(), virginica[X].max()]
    assert lines[2].name == f"virginica OLS (R² = {r2:.3f})"
    assert lines[2].line.color == fig.data[2].marker.color  # the line wears its group's colour


def test_a_lowess_curve_follows_a_curved_relation():
    import pandas as pd

    x = np.linspace(0, 3, 400)
    table = pd.DataFrame({"x": x, "y": np.sin(x) + np.random.default_rng(1).normal(0, 0.05, 400)})
    fig = draw(scatter, table, x="x", y="y", trendline="lowess")
    curve = fig.data[1]
    assert curve.name == "LOWESS" and len(curve.x) == fits.GRID
    assert np.max(np.abs(np.array(curve.y) - np.sin(np.array(curve.x)))) < 0.15


def test_trendlines_are_drawn_in_every_facet(iris):
    fig = draw(scatter, iris, x=X, y=Y, facet="species", trendline="ols")
    lines = [t for t in fig.data if t.mode == "lines"]
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(lines) == 3 and [t.xaxis for t in lines] == [t.xaxis for t in markers] == ["x", "x2", "x3"]


def test_a_large_table_is_sampled_with_a_note_and_a_warning(big, run_warned):
    fig, warnings = run_warned(scatter, {"table": big}, x=X, y=Y)
    assert len(fig.data[0].x) == 20_000
    (note,) = fig.layout.annotations
    assert note.text == "Showing a random sample of 20,000 of 30,000 rows"
    assert warnings == ["Showing a random sample of 20,000 of 30,000 rows (raise max_points to draw more)"]
    again, _ = run_warned(scatter, {"table": big}, x=X, y=Y)
    assert list(again.data[0].x) == list(fig.data[0].x)  # the sample is seeded
    everything, warnings = run_warned(scatter, {"table": big}, x=X, y=Y, max_points=30_000)
    assert len(everything.data[0].x) == 30_000 and warnings == [] and not everything.layout.annotations


def test_size_and_symbol_columns(iris):
    fig = draw(scatter, iris, x=X, y=Y, size="petal width (cm)", symbol="species")
    assert len(fig.data) == 3 and {t.marker.symbol for t in fig.data} == {"circle", "diamond", "square"}
    assert np.allclose(fig.data[0].marker.size, iris.loc[iris["species"] == "setosa", "petal width (cm)"])
    with pytest.raises(NodeError, match="parameter 'size': column 'species' holds str, not numbers"):
        draw(scatter, iris, x=X, y=Y, size="species")


def test_a_misspelt_column_gets_did_you_mean(iris):
    with pytest.raises(NodeError, match="parameter 'y': column 'petal length' not in the table .did you mean "
                                        "`petal length .cm.`"):
        draw(scatter, iris, x=X, y="petal length")
    with pytest.raises(NodeError, match="parameter 'x': choose a column"):
        draw(scatter, iris, y=Y)


def test_line_sorts_by_x_and_draws_several_columns(iris):
    fig = draw(line, iris, x=X, y=[Y, "petal width (cm)"], markers=True)
    assert [t.name for t in fig.data] == [Y, "petal width (cm)"]
    assert list(fig.data[0].x) == sorted(iris[X]) and fig.data[0].mode == "lines+markers"
    assert fig.layout.yaxis.title.text == "value"
    with pytest.raises(NodeError, match="parameter 'color': colour by a column works with a single y column"):
        draw(line, iris, x=X, y=[Y, "petal width (cm)"], color="species")
    by_species = draw(line, iris, x=X, y=[Y], color="species")
    assert [t.name for t in by_species.data] == ["setosa", "versicolor", "virginica"]
