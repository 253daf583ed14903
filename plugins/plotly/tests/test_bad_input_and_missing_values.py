"""Charts refuse bad input with a NodeError naming the setting, and never drop rows silently:
rows a chart cannot draw because a value is missing get a note on the figure and a warning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly.matrices import heatmap
from dataflow_plotly.model_charts import feature_importance, residuals
from dataflow_plotly.relations import line, scatter
from dataflow_plotly.summaries import bar, box, histogram, pie

from dataflow.sdk import NodeError, run_node

WIDTH = "sepal width (cm)"
LENGTH = "sepal length (cm)"
NOT_NUMBERS = r"holds (str|object), not numbers; choose a numeric column"

BAD = [
    (bar, {"x": "specis"}, r"parameter 'x': column 'specis' not in the table .did you mean `species`"),
    (bar, {}, r"parameter 'x': choose a column"),
    (bar, {"x": "species", "y": "species"}, "parameter 'y': column 'species' " + NOT_NUMBERS),
    (histogram, {"x": "sepal"}, r"parameter 'x': column 'sepal' not in the table"),
    (histogram, {"x": "empty"}, r"parameter 'x': column 'empty' has no values to count"),
    (pie, {"names": "specis"}, r"parameter 'names': column 'specis' not in the table .did you mean `species`"),
    (pie, {"names": "species", "values": "species"}, "parameter 'values': column 'species' " + NOT_NUMBERS),
    (pie, {"names": "species", "values": "debt"}, r"parameter 'values': column 'debt' sums to a negative number"),
    (heatmap, {"x": "specis", "y": "species"}, r"parameter 'x': column 'specis' not in the table .did you mean"),
    (heatmap, {"x": "species", "y": "species", "z": "species"}, "parameter 'z': column 'species' " + NOT_NUMBERS),
    (heatmap, {"mode": "matrix", "columns": ["species"]}, "parameter 'columns': column 'species' " + NOT_NUMBERS),
    (heatmap, {"mode": "matrix", "columns": ["petal"]}, r"parameter 'columns': column 'petal' not in the table"),
    (feature_importance, {}, r"^the table has no 'feature' or 'importance' column .*connect the output of "
                             r"sklearn.feature_importance"),
]


@pytest.mark.parametrize(("fn", "params", "message"), BAD,
                         ids=[f"{fn.__name__}-{'-'.join(map(str, p.values())) or 'nothing chosen'}" for fn, p, _ in BAD])
def test_bad_input_is_a_clear_node_error(iris, fn, params, message):
    table = iris.assign(empty=np.nan, debt=-1.0)
    with pytest.raises(NodeError, match=message):
        run_node(fn, {"table": table}, **params)


def test_feature_importance_chart_refuses_text_importances():
    table = pd.DataFrame({"feature": ["a", "b"], "importance": ["high", "low"]})
    with pytest.raises(NodeError, match=r"^column 'importance' holds (str|object), not numbers"):
        run_node(feature_importance, {"table": table})


# --- missing values: a note and a warning, never a silent drop ---------------------------------

MISSING = [
    (scatter, {"x": LENGTH, "y": WIDTH}),
    (line, {"x": LENGTH, "y": [WIDTH]}),
    (bar, {"x": "species", "y": WIDTH, "aggregation": "mean"}),
    (histogram, {"x": WIDTH}),
    (pie, {"names": "species", "values": WIDTH}),
    (box, {"y": WIDTH, "x": "species"}),
    (box, {"y": WIDTH, "kind": "violin"}),
]
IDS = [f"{fn.__name__}-{params.get('kind', '')}" for fn, params in MISSING]


def notes(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.name == "dataflow-note"]


@pytest.fixture
def gaps(iris):
    """Iris with the sepal width of three rows missing."""
    table = iris.copy()
    table.loc[[0, 60, 120], WIDTH] = np.nan
    return table


@pytest.mark.parametrize(("fn", "params"), MISSING, ids=IDS)
def test_rows_with_missing_values_are_noted_on_the_chart_and_warned(gaps, run_warned, fn, params):
    fig, warnings = run_warned(fn, {"table": gaps}, **params)
    expected = "3 rows with missing values in 'sepal width (cm)' not drawn"
    assert warnings == [expected]
    assert notes(fig) == [expected]


@pytest.mark.parametrize(("fn", "params"), MISSING, ids=IDS)
def test_a_complete_table_gets_no_note(iris, run_warned, fn, params):
    fig, warnings = run_warned(fn, {"table": iris}, **params)
    assert warnings == [] and notes(fig) == []


def test_what_is_drawn_without_the_missing_rows(gaps):
    points = run_node(scatter, {"table": gaps}, x=LENGTH, y=WIDTH, color="species")["figure"]
    assert sum(len(t.x) for t in points.data) == 147 and not any(np.isnan(t.y).any() for t in points.data)
    means = run_node(bar, {"table": gaps}, x="species", y=WIDTH, aggregation="mean")["figure"]
    assert np.allclose(means.data[0].y, gaps.groupby("species")[WIDTH].mean())
    lines = run_node(line, {"table": gaps}, x=LENGTH, y=[WIDTH])["figure"]
    assert np.isnan(np.asarray(lines.data[0].y, dtype=float)).sum() == 3  # kept as gaps in the line
    counts = run_node(histogram, {"table": gaps}, x=WIDTH)["figure"]
    assert sum(counts.data[0].y) == 147


def test_a_missing_colour_category_is_noted_too(iris, run_warned):
    table = iris.assign(species=iris["species"].where(iris.index != 7, None))
    fig, warnings = run_warned(scatter, {"table": table}, x=LENGTH, y=WIDTH, color="species")
    assert warnings == ["1 row with missing values in 'species' not drawn"]
    assert sum(len(t.x) for t in fig.data) == 149


def test_missing_values_come_before_the_sampling_note(big, run_warned):
    table = big.copy()
    table.loc[:9, WIDTH] = np.nan
    fig, warnings = run_warned(scatter, {"table": table}, x=LENGTH, y=WIDTH)
    assert notes(fig) == ["10 rows with missing values in 'sepal width (cm)' not drawn",
                          "Showing a random sample of 20,000 of 29,990 rows"]
    assert len(fig.data[0].x) == 20_000 and len(warnings) == 2


def test_residuals_note_rows_without_a_prediction(run_warned):
    table = pd.DataFrame({"truth": [1.0, 2.0, 3.0, 4.0], "guess": [1.5, np.nan, 2.5, 4.0]})
    fig, warnings = run_warned(residuals, {"predictions": table}, truth="truth", prediction="guess")
    assert warnings == ["1 row with missing values in 'guess' not drawn"] and len(fig.data[0].x) == 3
