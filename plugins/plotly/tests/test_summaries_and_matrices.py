"""Bar, histogram, box, pie and the matrix charts aggregate every row into the numbers they draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly.matrices import correlation, heatmap, scatter_matrix
from dataflow_plotly.summaries import bar, box, histogram, pie

from dataflow.sdk import NodeError, run_node

PETAL = "petal length (cm)"


def draw(fn, table, **params):
    return run_node(fn, {"table": table}, **params)["figure"]


def test_bar_aggregates_per_category(iris):
    fig = draw(bar, iris, x="species", y=PETAL, aggregation="mean")
    expected = iris.groupby("species")[PETAL].mean()
    assert list(fig.data[0].x) == list(expected.index) and np.allclose(fig.data[0].y, expected)
    assert fig.layout.yaxis.title.text == f"mean of {PETAL}"


def test_bar_counts_rows_horizontally_and_stacks_colour_groups(iris):
    table = iris.assign(big=np.where(iris["sepal length (cm)"] > 5.8, "long", "short"))
    fig = draw(bar, table, x="species", color="big", barmode="stack", orientation="horizontal")
    assert fig.layout.barmode == "stack" and {t.orientation for t in fig.data} == {"h"}
    long = next(t for t in fig.data if t.name == "long")
    counts = table[table["big"] == "long"].groupby("species").size()
    assert dict(zip(long.y, long.x, strict=True)) == counts.to_dict()


def test_bar_keeps_the_largest_categories_with_a_note(run_warned):
    table = pd.DataFrame({"item": [f"i{n}" for n in range(150)], "sales": np.arange(150.0)})
    fig, warnings = run_warned(bar, {"table": table}, x="item", y="sales")
    assert len(fig.data[0].x) == 100 and "i0" not in fig.data[0].x and "i149" in fig.data[0].x
    assert fig.layout.annotations[0].text == "Showing the 100 largest of 150 categories of 'item'"
    assert warnings == ["Showing the 100 largest of 150 categories of 'item'"]


def test_histogram_bins_every_row_without_sampling(big, run_warned):
    fig, warnings = run_warned(histogram, {"table": big}, x=PETAL, bins=12)
    counts, edges = np.histogram(big[PETAL], bins=12)
    assert list(fig.data[0].y) == list(counts) and sum(fig.data[0].y) == 30_000
    assert np.allclose(fig.data[0].x, (edges[:-1] + edges[1:]) / 2)
    assert warnings == [] and not fig.layout.annotations


def test_histogram_per_colour_in_percent_and_of_categories(iris):
    fig = draw(histogram, iris, x=PETAL, color="species", histnorm="percent", bins=10)
    assert [t.name for t in fig.data] == ["setosa", "versicolor", "virginica"]
    assert all(sum(t.y) == pytest.approx(100) for t in fig.data)
    assert fig.layout.barmode == "overlay"
    categories = draw(histogram, iris, x="species")
    assert list(categories.data[0].x) == ["setosa", "versicolor", "virginica"] and list(categories.data[0].y) == [
        50, 50, 50]


def test_box_per_group_and_violin(iris):
    fig = draw(box, iris, y=PETAL, x="species")
    assert fig.data[0].type == "box" and len(fig.data[0].y) == 150
    violin = draw(box, iris, y=PETAL, x="species", kind="violin")
    assert violin.data[0].type == "violin"
    with pytest.raises(NodeError, match="parameter 'y': column 'species' holds str, not numbers"):
        draw(box, iris, y="species")


def test_a_large_box_plot_uses_quartiles_of_every_row(big, run_warned):
    fig, warnings = run_warned(box, {"table": big}, y=PETAL, x="species")
    (trace,) = fig.data
    setosa = big.loc[big["species"] == "setosa", PETAL]
    assert list(trace.x) == ["setosa", "versicolor", "virginica"]
    assert trace.median[0] == pytest.approx(setosa.median()) and trace.q1[0] == pytest.approx(setosa.quantile(0.25))
    assert fig.layout.annotations[0].text.startswith("Boxes computed over all 30,000 rows")
    assert warnings == []


def test_pie_counts_and_groups_small_slices_into_other(iris):
    fig = draw(pie, iris, names="species", hole=0.4)
    assert sorted(fig.data[0].labels) == ["setosa", "versicolor", "virginica"] and list(fig.data[0].values) == [50] * 3
    assert fig.data[0].hole == 0.4
    many = pd.DataFrame({"kind": list("abcdef"), "amount": [60, 20, 10, 5, 3, 2]})
    fig = draw(pie, many, names="kind", values="amount", max_slices=3)
    assert list(fig.data[0].labels) == ["a", "b", "Other (4 categories)"] and list(fig.data[0].values) == [60, 20, 20]


def test_heatmap_of_two_categories_and_a_mean(iris):
    table = iris.assign(long=np.where(iris["sepal length (cm)"] > 5.8, "long", "short"))
    fig = draw(heatmap, table, x="long", y="species", z=PETAL, aggregation="mean")
    expected = table.pivot_table(index="species", columns="long", values=PETAL, aggfunc="mean")
    assert list(fig.data[0].x) == ["long", "short"] and list(fig.data[0].y) == list(expected.index)
    assert np.allclose(np.array(fig.data[0].z, dtype=float), expected.to_numpy(), equal_nan=True)


def test_heatmap_of_a_numeric_matrix_notes_rows_left_out(iris, run_warned):
    fig, warnings = run_warned(heatmap, {"table": iris}, mode="matrix", max_rows=100)
    assert np.array(fig.data[0].z).shape == (100, 4)
    assert fig.layout.annotations[0].text == "Showing the first 100 of 150 rows" and len(warnings) == 1


def test_correlation_matches_pandas_for_each_method(iris):
    for method in ("pearson", "spearman"):
        fig = draw(correlation, iris, method=method)
        expected = iris.drop(columns="species").corr(method=method)
        assert np.allclose(fig.data[0].z, expected.to_numpy())
        assert fig.data[0].text[0][1] == f"{expected.iloc[0, 1]:.2f}"
    with pytest.raises(NodeError, match="at least two numeric columns, got 1"):
        draw(correlation, iris, columns=[PETAL])


def test_scatter_matrix_pairs_columns_and_refuses_text(iris):
    fig = draw(scatter_matrix, iris, color="species")
    assert len(fig.data) == 3 and len(fig.data[0].dimensions) == 4
    with pytest.raises(NodeError, match="parameter 'columns': column 'species' holds str"):
        draw(scatter_matrix, iris, columns=["species", PETAL])
