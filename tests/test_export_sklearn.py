"""The sklearn plugin's exporters: the plain split gives the node's two parts, row for row; plain training and
prediction give the node's predictions and probabilities exactly, plain evaluation its metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn import metrics, split, training
from dataflow_sklearn.export import EXPORTERS

from dataflow.sdk import run_node
from tests.exporting import exported, same, same_as_node


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=40), "gap": np.where(rng.random(40) < 0.2, np.nan, 1.0),
                         "species": pd.Categorical(rng.choice(["a", "b", "c"], 40)),
                         "label": rng.choice(["yes", "no"], 40)}, index=range(100, 140))


@pytest.mark.parametrize("params", [{}, {"test_fraction": 0.3, "stratify": "label", "seed": 42},
                                    {"stratify": "species", "seed": 7}, {"test_fraction": 0.5, "seed": 3}])
def test_train_test_split_code_gives_the_same_parts(table, params):
    same_as_node(split.train_test_split, EXPORTERS["sklearn.train_test_split"], {"table": table}, **params)


# --- training, predicting, evaluating ------------------------------------------------------

TRAINED_BY = {"classification": "sklearn.train_classifier", "regression": "sklearn.train_regressor"}


@pytest.fixture
def rows() -> pd.DataFrame:
    """Two numeric features, a text label of three classes, a 0/1 label and a number to regress."""
    rng = np.random.default_rng(1)
    x, z = rng.normal(size=120), rng.normal(size=120)
    return pd.DataFrame({"x": x, "z": z, "flag": (rng.random(120) < 0.5),
                         "species": np.where(x + rng.normal(scale=0.5, size=120) > 0.4, "big",
                                             np.where(z > 0, "tall", "small")),
                         "yes": (x + z > 0).astype(int), "amount": 3 * x - z + rng.normal(scale=0.1, size=120)},
                        index=range(500, 620))


def _fit_both(fn, table, **params):
    """The plain training code's dict and the node's TrainedModel, on the same rows."""
    type_id = TRAINED_BY["regression" if fn is training.train_regressor else "classification"]
    got = exported(fn, EXPORTERS[type_id], {"table": table}, **params)
    assert got is not None
    return got["model"], run_node(fn, {"table": table.copy()}, **params)["model"]


def _predict_both(plain, trained, table, task):
    got = exported(training.predict, EXPORTERS["sklearn.predict"], {"model": plain, "table": table},
                   sources={"model": TRAINED_BY[task]}, plain=frozenset({"model"}))
    assert got is not None
    expected = run_node(training.predict, {"model": trained, "table": table.copy()})
    same(got["table"], expected["table"])
    assert got["table"].attrs == expected["table"].attrs  # the facts evaluate and the model charts read
    return got["table"], expected["table"]


CLASSIFIERS = [("sklearn.logistic_regression", {}), ("sklearn.logistic_regression", {"C": 0.3, "random_state": 5}),
               ("sklearn.random_forest_classifier", {"n_estimators": 20, "max_depth": 3, "random_state": 7}),
               ("sklearn.gradient_boosting_classifier", {"n_estimators": 15}),
               ("sklearn.knn_classifier", {"n_neighbors": 7, "weights": "distance"}),
               ("sklearn.svm_classifier", {"kernel": "linear", "random_state": 3})]


@pytest.mark.parametrize(("model", "hyperparameters"), CLASSIFIERS)
@pytest.mark.parametrize(("target", "features"), [("species", []), ("yes", ["x", "z"]), ("species", ["z"])])
def test_plain_training_and_prediction_give_the_nodes_predictions_and_probabilities(
        rows, model, hyperparameters, target, features):
    train, test = rows.iloc[:80], rows.iloc[80:]
    plain, trained = _fit_both(training.train_classifier, train, target=target, features=features, model=model,
                               hyperparameters=hyperparameters)
    assert plain["features"] == trained.features and plain["classes"] == trained.classes
    assert type(plain["estimator"]) is type(trained.estimator)
    assert plain["estimator"].get_params() == trained.estimator.get_params()  # same construction, same seed
    got, _ = _predict_both(plain, trained, test, "classification")
    assert got["prediction"].notna().all()


@pytest.mark.parametrize(("model", "hyperparameters"), [
    ("sklearn.linear_regression", {}), ("sklearn.linear_regression", {"fit_intercept": False}),
    ("sklearn.ridge", {"alpha": 2.5}), ("sklearn.lasso", {"alpha": 0.01}),
    ("sklearn.random_forest_regressor", {"n_estimators": 10, "min_samples_leaf": 3, "random_state": 9}),
    ("sklearn.gradient_boosting_regressor", {"learning_rate": 0.3, "n_estimators": 20})])
def test_plain_regression_gives_the_nodes_predictions(rows, model, hyperparameters):
    train, test = rows.iloc[:80], rows.iloc[80:]
    plain, trained = _fit_both(training.train_regressor, train, target="amount", features=["x", "z", "flag"],
                               model=model, hyperparameters=hyperparameters)
    assert plain["estimator"].get_params() == trained.estimator.get_params()
    _predict_both(plain, trained, test, "regression")
    # a table without the target: no truth recorded, as the node records
    got, _ = _predict_both(plain, trained, test.drop(columns="amount"), "regression")
    assert got.attrs["dataflow"]["predictions"]["truth"] is None


@pytest.mark.parametrize(("target", "model"), [("species", "sklearn.logistic_regression"),
                                               ("yes", "sklearn.random_forest_classifier"),
                                               ("species", "sklearn.knn_classifier"),
                                               ("amount", "sklearn.ridge")])
@pytest.mark.parametrize("holes", [False, True])
def test_plain_evaluation_gives_the_nodes_metrics(rows, target, model, holes):
    fn = training.train_regressor if target == "amount" else training.train_classifier
    task = "regression" if target == "amount" else "classification"
    train, test = rows.iloc[:80], rows.iloc[80:].copy()
    trained = run_node(fn, {"table": train}, target=target, features=["x", "z"], model=model)["model"]
    predictions = run_node(training.predict, {"model": trained, "table": test[["x", "z", target]]})["table"]
    if holes:  # rows without a truth are left out of the scores
        predictions[target] = predictions[target].where(predictions.index % 5 != 0)
    got = exported(metrics.evaluate, EXPORTERS["sklearn.evaluate"], {"predictions": predictions},
                   sources={"predictions": "sklearn.predict"})
    expected = run_node(metrics.evaluate, {"predictions": predictions})["metrics"]
    same(got["metrics"], expected)
    assert ("roc_auc" in expected) == (task == "classification")


def test_evaluation_of_a_single_class_truth_leaves_roc_auc_out_as_the_node_does(rows):
    trained = run_node(training.train_classifier, {"table": rows}, target="species", model="sklearn.logistic_regression")[
        "model"]
    test = rows[rows["species"] == "big"]
    predictions = run_node(training.predict, {"model": trained, "table": test})["table"]
    got = exported(metrics.evaluate, EXPORTERS["sklearn.evaluate"], {"predictions": predictions},
                   sources={"predictions": "sklearn.predict"})
    expected = run_node(metrics.evaluate, {"predictions": predictions})["metrics"]
    same(got["metrics"], expected)
    assert "roc_auc" not in got["metrics"]


def test_prediction_and_evaluation_stay_calls_where_the_plain_code_would_not_know_the_model_or_columns(rows):
    # a model that is the plugin's (from a call, or a model file): predict is a call
    assert exported(training.predict, EXPORTERS["sklearn.predict"], {"model": None, "table": rows},
                    sources={"model": "sklearn.load_model"}) is None
    # columns chosen by hand, or a table from elsewhere: evaluate is a call
    assert exported(metrics.evaluate, EXPORTERS["sklearn.evaluate"], {"predictions": rows},
                    sources={"predictions": "sklearn.predict"}, truth="yes", prediction="flag") is None
    assert exported(metrics.evaluate, EXPORTERS["sklearn.evaluate"], {"predictions": rows},
                    sources={"predictions": "io.read_csv"}) is None
