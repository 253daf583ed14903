"""The plotly plugin's exporters: the plain Plotly code draws the node's figure, notes included; the model charts
read the facts sklearn's nodes record as the nodes do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly import matrices, model_charts, relations, summaries
from dataflow_plotly.export import EXPORTERS
from dataflow_sklearn import importance, training

from dataflow.sdk import run_node
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


# --- model charts: they read what sklearn.predict / sklearn.feature_importance record ----------

@pytest.fixture(scope="module")
def fitted() -> dict[str, pd.DataFrame]:
    """Predictions of a three-class and a two-class classifier and of a regressor (some truths missing),
    and the importance table of a random forest."""
    rng = np.random.default_rng(3)
    n = 240
    x, z = rng.normal(size=n), rng.normal(size=n)
    rows = pd.DataFrame({"x": x, "z": z, "kind": np.where(x > 0.5, "big", np.where(z > 0, "tall", "small")),
                         "yes": (x + z + rng.normal(scale=0.7, size=n) > 0).astype(int),
                         "amount": 2 * x - z + rng.normal(scale=0.3, size=n)})
    train, test = rows.iloc[:160], rows.iloc[160:].copy()
    out = {}
    for name, fn, target, model in (("three", training.train_classifier, "kind", "sklearn.logistic_regression"),
                                    ("two", training.train_classifier, "yes", "sklearn.random_forest_classifier"),
                                    ("regression", training.train_regressor, "amount", "sklearn.ridge")):
        trained = run_node(fn, {"table": train[["x", "z", target]]}, target=target, model=model)["model"]
        predicted = run_node(training.predict, {"model": trained, "table": test[["x", "z", target]]})["table"]
        out[name] = predicted
        out[f"{name}_holes"] = predicted.assign(**{target: predicted[target].where(predicted.index % 7 != 0)})
        if name == "two":
            out["importance"] = run_node(importance.feature_importance, {"model": trained, "table": test},
                                         method="permutation", repeats=3)["table"]
            out["builtin"] = run_node(importance.feature_importance, {"model": trained, "table": test})["table"]
    return out


@pytest.mark.parametrize("table", ["three", "two", "three_holes"])
@pytest.mark.parametrize("params", [{}, {"normalize": "true"}, {"normalize": "pred", "title": "Mistakes"},
                                    {"normalize": "all"}, {"truth": "x", "prediction": "prediction"}])
def test_confusion_matrix_code_draws_the_nodes_figure(fitted, table, params):
    if "truth" in params:  # chosen columns: here a column of numbers against the predicted classes
        params = {**params, "truth": "kind" if table != "two" else "yes"}
    same_as_node(model_charts.confusion_matrix, EXPORTERS["plotly.confusion_matrix"],
                 {"predictions": fitted[table]}, **params)


@pytest.mark.parametrize("table", ["three", "two", "two_holes"])
def test_roc_curve_code_draws_the_nodes_figure(fitted, table):
    same_as_node(model_charts.roc_curve, EXPORTERS["plotly.roc_curve"], {"predictions": fitted[table]})


def test_roc_curve_code_leaves_out_a_class_the_truth_lacks_as_the_node_does(fitted):
    rows = fitted["three"][fitted["three"]["kind"] != "big"]
    figure = same_as_node(model_charts.roc_curve, EXPORTERS["plotly.roc_curve"], {"predictions": rows},
                          title="Two of three")["figure"]
    assert [t.name.split(" ")[0] for t in figure.data] == ["chance", "small", "tall"]


@pytest.mark.parametrize("table", ["regression", "regression_holes"])
@pytest.mark.parametrize("params", [{}, {"kind": "predicted_vs_actual", "title": "Fit"}, {"max_points": 100}])
def test_residuals_code_draws_the_nodes_figure(fitted, table, params):
    same_as_node(model_charts.residuals, EXPORTERS["plotly.residuals"], {"predictions": fitted[table]}, **params)


@pytest.mark.parametrize("table", ["importance", "builtin"])
@pytest.mark.parametrize("params", [{}, {"top": 1, "title": "Top feature"}])
def test_feature_importance_code_draws_the_nodes_figure(fitted, table, params):
    same_as_node(model_charts.feature_importance, EXPORTERS["plotly.feature_importance"], {"table": fitted[table]},
                 **params)


@pytest.fixture(scope="module")
def clustered() -> pd.DataFrame:
    from dataflow_sklearn import unsupervised

    rng = np.random.default_rng(5)
    rows = pd.DataFrame({"a": np.r_[rng.normal(0, 1, 150), rng.normal(6, 1, 150)], "b": rng.normal(size=300),
                         "c": rng.normal(3, 2, 300)})
    return run_node(unsupervised.cluster, {"table": rows}, model="sklearn.dbscan",
                    hyperparameters={"eps": 0.6, "min_samples": 4})["table"]


@pytest.mark.parametrize("params", [{}, {"x": "a", "y": "c", "title": "Groups"}, {"max_points": 100}])
def test_clusters_code_draws_the_nodes_figure(clustered, params):
    same_as_node(model_charts.clusters, EXPORTERS["plotly.clusters"], {"table": clustered}, **params)


@pytest.mark.parametrize("params", [
    {"x": "revenue", "y": "orders"}, {"x": "month", "y": "revenue", "color": "region", "size": "orders",
                                      "title": "Revenue", "x_label": "day"},
    {"x": "revenue", "y": "orders", "symbol": "size", "facet": "region", "max_points": 100, "y_label": "n"}])
def test_scatter_code_draws_the_nodes_figure(sales, params):
    same_as_node(relations.scatter, EXPORTERS["plotly.scatter"], {"table": sales}, **params)


@pytest.mark.parametrize("trendline", ["ols", "lowess"])
@pytest.mark.parametrize("params", [
    {"x": "revenue", "y": "orders"}, {"x": "month", "y": "revenue", "color": "region", "title": "Dates on x"},
    {"x": "revenue", "y": "orders", "facet": "size", "color": "region", "max_points": 100},
    {"x": "region", "y": "revenue"},  # text on x: no trend line
    {"x": "orders", "y": "revenue", "color": "size"}])  # few distinct x values: LOWESS on each of them
def test_scatter_code_fits_the_nodes_trend_lines(sales, params, trendline):
    figure = same_as_node(relations.scatter, EXPORTERS["plotly.scatter"], {"table": sales}, trendline=trendline,
                          **params)["figure"]
    fitted = [t for t in figure.data if t.mode == "lines"]
    assert bool(fitted) == (params["x"] != "region")


def test_a_trend_line_on_a_single_point_or_one_x_value_is_left_out_as_the_node_leaves_it():
    table = pd.DataFrame({"x": [1.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0], "g": ["a", "a", "b"]})
    for trendline in ("ols", "lowess"):
        figure = same_as_node(relations.scatter, EXPORTERS["plotly.scatter"], {"table": table}, x="x", y="y",
                              color="g", trendline=trendline)["figure"]
        assert [t.mode for t in figure.data] == ["markers", "markers"]


@pytest.mark.parametrize("params", [{"names": "region"}, {"names": "shop", "values": "revenue", "hole": 0.4},
                                    {"names": "shop", "max_slices": 5, "title": "Shops"}])
def test_pie_code_draws_the_nodes_figure(sales, params):
    same_as_node(summaries.pie, EXPORTERS["plotly.pie"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [{}, {"columns": ["revenue", "orders"], "method": "spearman",
                                         "show_values": False, "title": "Ranks"}])
def test_correlation_chart_code_draws_the_nodes_figure(sales, params):
    same_as_node(matrices.correlation, EXPORTERS["plotly.correlation"], {"table": sales.assign(flat=1.0)}, **params)


@pytest.mark.parametrize("params", [{}, {"columns": ["revenue", "orders"], "color": "region", "max_points": 100,
                                         "title": "Pairs"}])
def test_scatter_matrix_code_draws_the_nodes_figure(sales, params):
    same_as_node(matrices.scatter_matrix, EXPORTERS["plotly.scatter_matrix"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [
    {"y": "revenue"}, {"y": "revenue", "x": "region", "color": "size", "kind": "violin", "title": "Spread"},
    {"y": "orders", "x": "region", "max_points": 100}, {"y": "revenue", "x": "size", "color": "region",
                                                        "max_points": 100, "y_label": "EUR"},
    {"y": "revenue", "facet": "region", "max_points": 100}, {"y": "revenue", "kind": "violin", "max_points": 100}])
def test_box_code_draws_the_nodes_figure(sales, params):
    same_as_node(summaries.box, EXPORTERS["plotly.box"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [
    {"x": "revenue"}, {"x": "revenue", "bins": 7, "color": "region", "histnorm": "percent", "title": "Revenue"},
    {"x": "month", "bins": 10, "facet": "size", "histnorm": "density", "barmode": "stack"},
    {"x": "region", "color": "size", "x_label": "where"}, {"x": "orders", "histnorm": "density"},
    {"x": "size", "histnorm": "percent", "facet": "region"}])
def test_histogram_code_draws_the_nodes_figure(sales, params):
    same_as_node(summaries.histogram, EXPORTERS["plotly.histogram"], {"table": sales}, **params)


@pytest.mark.parametrize("params", [
    {"x": "region", "y": "size"}, {"x": "region", "y": "size", "z": "revenue", "aggregation": "median",
                                   "colorscale": "Reds", "title": "Median"},
    {"x": "shop", "y": "region", "z": "orders", "aggregation": "count"},
    {"mode": "matrix"}, {"mode": "matrix", "columns": ["revenue", "orders"], "y": "region", "max_rows": 50,
                         "x_label": "measure"}])
def test_heatmap_code_draws_the_nodes_figure(sales, params):
    same_as_node(matrices.heatmap, EXPORTERS["plotly.heatmap"], {"table": sales}, **params)


def test_a_chart_drawn_where_another_template_is_the_default_still_gets_plotlys_own(fitted, sales, monkeypatch):
    """The script sets the template only where plotly's is not the default (Streamlit's process makes its
    own the default): there too the code draws what the node draws, with plotly's template."""
    import plotly.io as pio

    monkeypatch.setattr(pio.templates, "default", "plotly_dark")
    for fn, exporter, inputs in [(summaries.bar, "plotly.bar", {"table": sales}),
                                 (summaries.pie, "plotly.pie", {"table": sales}),
                                 (model_charts.confusion_matrix, "plotly.confusion_matrix",
                                  {"predictions": fitted["three"]})]:
        params = {"x": "region", "y": "revenue"} if fn is summaries.bar else {}
        if fn is summaries.pie:
            params = {"names": "region", "values": "revenue"}
        figure = same_as_node(fn, EXPORTERS[exporter], inputs, **params)["figure"]
        assert figure.layout.template.layout.paper_bgcolor == pio.templates["plotly"].layout.paper_bgcolor
