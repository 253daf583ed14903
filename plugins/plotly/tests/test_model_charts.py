"""Charts of model results, drawn from the tables the sklearn nodes make (their attrs say which columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly import model_charts as charts

from dataflow.sdk import NodeError, run_node


def sk(name):
    import importlib

    module, _, fn = name.rpartition(".")
    return getattr(importlib.import_module(f"dataflow_sklearn.{module}"), fn)


@pytest.fixture
def iris_predictions(iris):
    parts = run_node(sk("split.train_test_split"), {"table": iris}, stratify="species", seed=0)
    model = run_node(sk("training.train_classifier"), {"table": parts["train"]}, target="species")["model"]
    return run_node(sk("training.predict"), {"model": model, "table": parts["test"]})["table"]


@pytest.fixture
def cancer_predictions():
    from sklearn.datasets import load_breast_cancer

    table = load_breast_cancer(as_frame=True).frame
    parts = run_node(sk("split.train_test_split"), {"table": table}, stratify="target", seed=0)
    model = run_node(sk("training.train_classifier"), {"table": parts["train"]}, target="target",
                     model="sklearn.random_forest_classifier", hyperparameters={"n_estimators": 10})["model"]
    return run_node(sk("training.predict"), {"model": model, "table": parts["test"]})["table"]


@pytest.fixture
def diabetes_predictions():
    from sklearn.datasets import load_diabetes

    table = load_diabetes(as_frame=True).frame
    model = run_node(sk("training.train_regressor"), {"table": table}, target="target")["model"]
    return run_node(sk("training.predict"), {"model": model, "table": table})["table"]


def test_confusion_matrix_counts_match_scikit_learn(iris_predictions):
    from sklearn.metrics import confusion_matrix

    fig = run_node(charts.confusion_matrix, {"predictions": iris_predictions})["figure"]
    classes = ["setosa", "versicolor", "virginica"]
    expected = confusion_matrix(iris_predictions["species"], iris_predictions["prediction"], labels=classes)
    heat = fig.data[0]
    assert list(heat.x) == classes and list(heat.y) == classes
    assert np.array_equal(np.array(heat.z), expected)
    assert heat.text[0][0] == str(expected[0, 0])
    accuracy = np.trace(expected) / expected.sum()
    assert fig.layout.title.text == f"Confusion matrix (accuracy {accuracy:.3f}, 38 rows)"
    assert fig.layout.xaxis.title.text == "Predicted (prediction)" and fig.layout.yaxis.title.text == "True (species)"


def test_a_normalised_confusion_matrix_shows_shares_of_each_true_class(iris_predictions):
    fig = run_node(charts.confusion_matrix, {"predictions": iris_predictions}, normalize="true")["figure"]
    assert np.allclose(np.array(fig.data[0].z).sum(axis=1), 1.0)


def test_confusion_matrix_of_a_regressor_points_at_residuals(diabetes_predictions):
    with pytest.raises(NodeError, match="regressor's predictions.*plotly.residuals"):
        run_node(charts.confusion_matrix, {"predictions": diabetes_predictions})


def test_binary_roc_curve_and_auc_match_scikit_learn(cancer_predictions):
    from sklearn.metrics import roc_auc_score, roc_curve

    fig = run_node(charts.roc_curve, {"predictions": cancer_predictions})["figure"]
    chance, curve = fig.data
    auc = roc_auc_score(cancer_predictions["target"], cancer_predictions["probability_1"])
    fpr, tpr, _ = roc_curve(cancer_predictions["target"], cancer_predictions["probability_1"],
                            drop_intermediate=False)
    assert chance.name == "chance" and curve.name == f"1 (AUC {auc:.3f})"
    assert np.allclose(curve.x, fpr) and np.allclose(curve.y, tpr)


def test_multiclass_roc_has_one_curve_per_class(iris_predictions):
    from sklearn.metrics import roc_auc_score

    fig = run_node(charts.roc_curve, {"predictions": iris_predictions})["figure"]
    names = [t.name for t in fig.data[1:]]
    auc = roc_auc_score(iris_predictions["species"] == "versicolor", iris_predictions["probability_versicolor"])
    assert [n.split(" (")[0] for n in names] == ["setosa", "versicolor", "virginica"]
    assert names[1] == f"versicolor (AUC {auc:.3f})"


def test_roc_needs_probabilities(diabetes_predictions):
    with pytest.raises(NodeError, match="a ROC curve needs class probabilities"):
        run_node(charts.roc_curve, {"predictions": diabetes_predictions})
    with pytest.raises(NodeError, match="a ROC curve needs class probabilities"):
        run_node(charts.roc_curve, {"predictions": pd.DataFrame({"a": [1, 0]})})


def test_feature_importance_bars_are_ordered_and_cut_with_a_note(iris):
    model = run_node(sk("training.train_classifier"), {"table": iris}, target="species",
                     model="sklearn.random_forest_classifier", hyperparameters={"n_estimators": 10})["model"]
    table = run_node(sk("importance.feature_importance"), {"model": model})["table"]
    fig = run_node(charts.feature_importance, {"table": table}, top=2)["figure"]
    assert list(fig.data[0].y) == list(table["feature"].head(2)) and fig.data[0].orientation == "h"
    assert np.allclose(fig.data[0].x, table["importance"].head(2))
    assert fig.layout.annotations[0].text == "Showing the 2 most important of 4 features"
    permuted = run_node(sk("importance.feature_importance"), {"model": model, "table": iris},
                        method="permutation", repeats=2)["table"]
    fig = run_node(charts.feature_importance, {"table": permuted})["figure"]
    assert np.allclose(fig.data[0].error_x.array, permuted["std"])
    assert fig.layout.xaxis.title.text == "Score drop when shuffled"


def test_residuals_are_truth_minus_prediction(diabetes_predictions):
    fig = run_node(charts.residuals, {"predictions": diabetes_predictions})["figure"]
    expected = diabetes_predictions["target"] - diabetes_predictions["prediction"]
    assert np.allclose(fig.data[0].y, expected) and np.allclose(fig.data[0].x, diabetes_predictions["prediction"])
    rmse = np.sqrt(np.mean(expected ** 2))
    assert fig.layout.title.text == f"Residuals (RMSE {rmse:.4g}, 442 rows)"
    actual = run_node(charts.residuals, {"predictions": diabetes_predictions}, kind="predicted_vs_actual")["figure"]
    assert [t.name for t in actual.data] == ["rows", "perfect"]


def test_residuals_of_a_classifier_point_at_the_confusion_matrix(iris_predictions):
    with pytest.raises(NodeError, match="classifier's predictions.*plotly.confusion_matrix"):
        run_node(charts.residuals, {"predictions": iris_predictions})


def test_clusters_on_principal_components_and_on_chosen_columns(iris):
    clustered = run_node(sk("unsupervised.cluster"), {"table": iris})["table"]
    fig = run_node(charts.clusters, {"table": clustered})["figure"]
    assert [t.name for t in fig.data] == ["0", "1", "2"] and sum(len(t.x) for t in fig.data) == 150
    assert fig.layout.title.text == "3 clusters"
    assert fig.layout.xaxis.title.text == "PC1 (73% of variance)"
    columns = run_node(charts.clusters, {"table": clustered}, x="petal length (cm)", y="petal width (cm)")["figure"]
    first = clustered[clustered["cluster"] == 0]
    assert list(columns.data[0].x) == list(first["petal length (cm)"])
    with pytest.raises(NodeError, match="choose both x and y"):
        run_node(charts.clusters, {"table": clustered}, x="petal length (cm)")


def test_dbscan_noise_is_labelled(iris):
    clustered = run_node(sk("unsupervised.cluster"), {"table": iris}, model="sklearn.dbscan")["table"]
    fig = run_node(charts.clusters, {"table": clustered})["figure"]
    assert fig.data[-1].name == "noise" and len(fig.data[-1].x) == int((clustered["cluster"] == -1).sum())
