"""Clustering finds the iris species; feature importance ranks the petal measurements first."""

from __future__ import annotations

import numpy as np
import pytest
from dataflow_sklearn.importance import feature_importance
from dataflow_sklearn.training import train_classifier, train_regressor
from dataflow_sklearn.unsupervised import cluster

from dataflow.sdk import NodeError, run_node


def test_kmeans_recovers_the_iris_species(iris):
    from sklearn.metrics import adjusted_rand_score

    out = run_node(cluster, {"table": iris}, hyperparameters={"n_clusters": 3})["table"]
    assert sorted(out["cluster"].unique()) == [0, 1, 2] and out["cluster"].dtype == np.int64
    assert adjusted_rand_score(iris["species"], out["cluster"]) > 0.6
    assert out.attrs["dataflow"]["clusters"] == {
        "column": "cluster", "features": list(iris.columns[:4]), "model": "sklearn.kmeans", "standardized": True,
        "clusters": 3, "noise": 0}


def test_dbscan_marks_sparse_rows_as_noise(iris):
    out = run_node(cluster, {"table": iris}, model="sklearn.dbscan", hyperparameters={"eps": 0.5, "min_samples": 5})
    table = out["table"]
    facts = table.attrs["dataflow"]["clusters"]
    assert facts["noise"] == int((table["cluster"] == -1).sum()) > 0
    assert facts["clusters"] >= 2


def test_more_clusters_than_rows_is_refused(iris):
    with pytest.raises(NodeError, match="n_clusters is 10 but the table has only 5 rows"):
        run_node(cluster, {"table": iris.head(5)}, hyperparameters={"n_clusters": 10})


def test_clustering_a_text_column_names_it(iris):
    with pytest.raises(NodeError, match="'species'.*sklearn.encode"):
        run_node(cluster, {"table": iris}, columns=["species", "sepal width (cm)"])


def test_tree_importances_rank_petal_measurements_first(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.random_forest_classifier",
                     hyperparameters={"n_estimators": 25})["model"]
    table = run_node(feature_importance, {"model": model})["table"]
    assert set(table["feature"].head(2)) == {"petal length (cm)", "petal width (cm)"}
    assert table["importance"].sum() == pytest.approx(1.0)
    assert table.attrs["dataflow"]["importance"]["method"] == "builtin"


def test_linear_models_use_absolute_coefficients(diabetes):
    model = run_node(train_regressor, {"table": diabetes}, target="target")["model"]
    table = run_node(feature_importance, {"model": model})["table"].set_index("feature")
    assert table.loc["s1", "importance"] == pytest.approx(abs(model.estimator.coef_[4]))


def test_permutation_importance_on_held_out_rows(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.knn_classifier")["model"]
    with pytest.raises(NodeError, match="has no built-in importances; use method permutation"):
        run_node(feature_importance, {"model": model}, method="builtin")
    with pytest.raises(NodeError, match="permutation importance needs a table"):
        run_node(feature_importance, {"model": model})
    table = run_node(feature_importance, {"model": model, "table": iris}, repeats=3, seed=1)["table"]
    assert table.attrs["dataflow"]["importance"]["method"] == "permutation"
    assert table["feature"].iloc[0].startswith("petal") and table["importance"].iloc[0] > 0.2
    assert (table["std"] >= 0).all()
