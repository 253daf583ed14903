"""Scale, encode and PCA fit on one table and apply to another with the training statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn.preprocessing import apply_transformer, encode, scale
from dataflow_sklearn.split import train_test_split
from dataflow_sklearn.unsupervised import pca

from dataflow.sdk import NodeError, run_node

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def test_standard_scaling_centres_training_rows_and_applies_their_statistics_to_test_rows(iris):
    parts = run_node(train_test_split, {"table": iris}, seed=0)
    scaled = run_node(scale, {"table": parts["train"]})
    applied = run_node(apply_transformer, {"model": scaled["model"], "table": parts["test"]})["table"]
    assert np.allclose(scaled["table"][FEATURES].mean(), 0, atol=1e-12)
    assert np.allclose(scaled["table"][FEATURES].std(ddof=0), 1)
    mean, std = parts["train"][FEATURES].mean(), parts["train"][FEATURES].std(ddof=0)
    assert np.allclose(applied[FEATURES], (parts["test"][FEATURES] - mean) / std)
    assert list(applied.columns) == list(iris.columns) and list(applied["species"]) == list(parts["test"]["species"])
    assert parts["test"]["sepal length (cm)"].iloc[0] == iris.loc[parts["test"].index[0], "sepal length (cm)"]


def test_min_max_scaling_of_chosen_columns(iris):
    out = run_node(scale, {"table": iris}, columns=["petal length (cm)"], method="minmax")["table"]
    assert out["petal length (cm)"].min() == 0 and out["petal length (cm)"].max() == 1
    assert out["sepal length (cm)"].equals(iris["sepal length (cm)"])


def test_scaling_a_text_column_names_it(iris):
    with pytest.raises(NodeError, match=r"parameter 'columns': column holds text .*'species'"):
        run_node(scale, {"table": iris}, columns=["species"])


def test_one_hot_encoding_replaces_the_text_column_in_place(iris):
    out = run_node(encode, {"table": iris})
    table = out["table"]
    assert list(table.columns) == [*FEATURES, "species_setosa", "species_versicolor", "species_virginica"]
    assert table["species_setosa"].dtype == np.int64
    assert (table[["species_setosa", "species_versicolor", "species_virginica"]].sum(axis=1) == 1).all()
    assert table.loc[0, "species_setosa"] == 1 and table.loc[149, "species_virginica"] == 1


def test_an_unseen_category_encodes_as_zeros_with_a_warning(iris, run_warned):
    model = run_node(encode, {"table": iris[iris["species"] != "virginica"]})["model"]
    outputs, warnings = run_warned(apply_transformer, {"model": model, "table": iris})
    table = outputs["table"]
    assert (table.loc[iris["species"] == "virginica", ["species_setosa", "species_versicolor"]] == 0).all().all()
    assert warnings == ["column 'species': 50 row(s) hold categories not seen while fitting ('virginica'); "
                        "they are encoded as all-zero columns"]


def test_ordinal_encoding_keeps_missing_values_missing():
    table = pd.DataFrame({"size": pd.Series(["small", "large", None, "medium"], dtype="str"), "n": [1, 2, 3, 4]})
    out = run_node(encode, {"table": table}, method="ordinal")["table"]
    assert out["size"].dtype == "Int64"
    assert out["size"].tolist() == [2, 0, pd.NA, 1]  # categories sorted: large, medium, small


def test_apply_transformer_names_missing_columns_and_refuses_a_trained_model(iris):
    from dataflow_sklearn.training import train_classifier

    model = run_node(scale, {"table": iris})["model"]
    with pytest.raises(NodeError, match="lacks column.s. 'sepal width .cm.' that the scale transformer was fitted on"):
        run_node(apply_transformer, {"model": model, "table": iris.drop(columns="sepal width (cm)")})
    trained = run_node(train_classifier, {"table": iris}, target="species")["model"]
    with pytest.raises(NodeError, match="this is a trained model: use sklearn.predict"):
        run_node(apply_transformer, {"model": trained, "table": iris})


def test_pca_of_iris_explains_most_variance_in_two_components(iris):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    out = run_node(pca, {"table": iris}, components=2)
    plain = PCA(2).fit(StandardScaler().fit_transform(iris[FEATURES]))
    assert list(out["table"].columns) == ["PC1", "PC2", "species"]
    assert np.allclose(out["variance"]["explained_variance_ratio"], plain.explained_variance_ratio_)
    assert out["variance"]["cumulative"].iloc[-1] == pytest.approx(0.958, abs=0.001)
    again = run_node(apply_transformer, {"model": out["model"], "table": iris.head(5)})["table"]
    assert np.allclose(again[["PC1", "PC2"]], out["table"][["PC1", "PC2"]].head(5))


def test_pca_refuses_more_components_than_columns(iris):
    with pytest.raises(NodeError, match="parameter 'components': 5 components asked, but 4 column"):
        run_node(pca, {"table": iris}, components=5)
