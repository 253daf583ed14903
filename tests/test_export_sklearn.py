"""The sklearn plugin's exporters: the plain split gives the node's two parts, row for row; plain training and
prediction give the node's predictions and probabilities exactly, plain evaluation its metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn import (
    comparison,
    importance,
    metrics,
    preprocessing,
    split,
    training,
    unsupervised,
    validation,
)
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


def _construction(estimator) -> dict:
    """An estimator's parameters, a wrapped estimator (the SVM's calibrated SVC) by its own parameters."""
    return {name: _construction(value) if hasattr(value, "get_params") else value
            for name, value in estimator.get_params(deep=False).items()}


@pytest.mark.parametrize(("model", "hyperparameters"), CLASSIFIERS)
@pytest.mark.parametrize(("target", "features"), [("species", []), ("yes", ["x", "z"]), ("species", ["z"])])
def test_plain_training_and_prediction_give_the_nodes_predictions_and_probabilities(
        rows, model, hyperparameters, target, features):
    train, test = rows.iloc[:80], rows.iloc[80:]
    plain, trained = _fit_both(training.train_classifier, train, target=target, features=features, model=model,
                               hyperparameters=hyperparameters)
    assert plain["features"] == trained.features and plain["classes"] == trained.classes
    assert type(plain["estimator"]) is type(trained.estimator)
    assert _construction(plain["estimator"]) == _construction(trained.estimator)  # same construction, same seed
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


# --- scale, encode, apply_transformer, compare_metrics ---------------------------------------

@pytest.fixture
def mixed() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 30
    return pd.DataFrame({"size": rng.normal(10, 3, n), "shop": rng.choice(["north", "south", "east"], n),
                         "count": rng.integers(0, 50, n), "ok": rng.random(n) < 0.5,
                         "grade": pd.Categorical(rng.choice(["a", "b", None], n)),
                         "weight": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n))},
                        index=range(10, 10 + n))


def _fitted_both(fn, type_id, table, **params):
    got = exported(fn, EXPORTERS[type_id], {"table": table}, **params)
    expected = run_node(fn, {"table": table.copy()}, **params)
    same(got["table"], expected["table"])
    plain, fitted = got["model"], expected["model"]
    assert (plain["kind"], plain["method"], plain["columns"], plain["output_columns"]) == (
        fitted.kind, fitted.method, fitted.columns, fitted.output_columns)
    assert plain["transformer"].get_params() == fitted.transformer.get_params()
    return plain, fitted


@pytest.mark.parametrize("params", [{}, {"method": "minmax"}, {"columns": ["weight", "count"]}])
def test_scale_code_and_apply_transformer_code_give_the_nodes_tables(mixed, params):
    plain, fitted = _fitted_both(preprocessing.scale, "sklearn.scale", mixed.iloc[:20], **params)
    np.testing.assert_array_equal(plain["transformer"].scale_, fitted.transformer.scale_)
    got = exported(preprocessing.apply_transformer, EXPORTERS["sklearn.apply_transformer"],
                   {"model": plain, "table": mixed.iloc[20:]}, sources={"model": "sklearn.scale"},
                   plain=frozenset({"model"}))
    same(got["table"], run_node(preprocessing.apply_transformer, {"model": fitted, "table": mixed.iloc[20:]})["table"])


@pytest.mark.parametrize("params", [{}, {"method": "ordinal"}, {"columns": ["grade"], "method": "onehot"},
                                    {"columns": ["shop", "grade"], "method": "ordinal"}])
def test_encode_code_and_apply_transformer_code_give_the_nodes_tables(mixed, params):
    plain, fitted = _fitted_both(preprocessing.encode, "sklearn.encode", mixed.iloc[:12], **params)
    later = mixed.iloc[12:].copy()
    later.loc[later.index[:3], "shop"] = "west"  # a category never seen while fitting
    got = exported(preprocessing.apply_transformer, EXPORTERS["sklearn.apply_transformer"],
                   {"model": plain, "table": later}, sources={"model": "sklearn.encode"}, plain=frozenset({"model"}))
    same(got["table"], run_node(preprocessing.apply_transformer, {"model": fitted, "table": later})["table"])


def test_apply_transformer_of_a_transformer_the_plugin_fitted_stays_a_call(mixed):
    fitted = run_node(preprocessing.scale, {"table": mixed})["model"]
    assert exported(preprocessing.apply_transformer, EXPORTERS["sklearn.apply_transformer"],
                    {"model": fitted, "table": mixed}, sources={"model": "sklearn.scale"}) is None


@pytest.mark.parametrize("params", [{}, {"names": ["lr", "forest", "knn"]}, {"rank_by": "f1"}])
def test_compare_metrics_code_gives_the_nodes_table_and_best(params):
    scores = [{"accuracy": 0.9, "f1": 0.8, "roc_auc": 0.95, "average": "macro", "rows": 45},
              {"accuracy": 0.93, "f1": 0.91, "average": "macro", "rows": 45, "model": "forest"},
              {"accuracy": 0.93, "f1": 0.7, "roc_auc": 0.97, "average": "macro", "rows": 45, "folds": [0.1, 0.2]}]
    same_as_node(comparison.compare_metrics, EXPORTERS["sklearn.compare_metrics"],
                 dict(zip(("first", "second", "third"), scores, strict=True)), **params)


def test_compare_metrics_code_picks_the_lowest_error(mixed):
    scores = [{"r2": 0.5, "mae": 3.0, "rmse": 4.0, "rows": 10}, {"r2": 0.4, "mae": 2.0, "rmse": 5.0, "rows": 10}]
    same_as_node(comparison.compare_metrics, EXPORTERS["sklearn.compare_metrics"],
                 {"first": scores[0], "second": scores[1]}, rank_by="mae")


@pytest.mark.parametrize("params", [{}, {"hyperparameters": {"n_clusters": 2, "random_state": 4}, "standardize": False},
                                    {"columns": ["size", "weight"], "model": "sklearn.dbscan",
                                     "hyperparameters": {"eps": 0.9, "min_samples": 3}}])
def test_cluster_code_gives_the_nodes_clusters_and_facts(mixed, params):
    table = mixed.fillna({"weight": 0.0})
    got = exported(unsupervised.cluster, EXPORTERS["sklearn.cluster"], {"table": table}, **params)
    expected = run_node(unsupervised.cluster, {"table": table}, **params)
    same(got["table"], expected["table"])
    assert got["table"].attrs == expected["table"].attrs  # what plotly.clusters reads


@pytest.mark.parametrize(("fn", "target", "model", "params"), [
    (training.train_classifier, "species", "sklearn.logistic_regression", {}),
    (training.train_classifier, "species", "sklearn.random_forest_classifier", {"folds": 3, "seed": 7,
                                                                               "scoring": "f1"}),
    (training.train_classifier, "yes", "sklearn.knn_classifier", {"scoring": "roc_auc", "folds": 4}),
    (training.train_classifier, "yes", "sklearn.logistic_regression", {"scoring": "precision"}),
    (training.train_classifier, "species", "sklearn.gradient_boosting_classifier", {"scoring": "balanced_accuracy",
                                                                                   "folds": 2}),
    (training.train_regressor, "amount", "sklearn.ridge", {}),
    (training.train_regressor, "amount", "sklearn.random_forest_regressor", {"scoring": "rmse", "seed": 3}),
    (training.train_regressor, "amount", "sklearn.lasso", {"scoring": "mae", "folds": 6})])
def test_cross_validate_code_gives_the_nodes_fold_scores(rows, fn, target, model, params):
    task = "regression" if fn is training.train_regressor else "classification"
    plain, trained = _fit_both(fn, rows, target=target, features=["x", "z"], model=model)
    got = exported(validation.cross_validate, EXPORTERS["sklearn.cross_validate"], {"model": plain, "table": rows},
                   sources={"model": TRAINED_BY[task]}, plain=frozenset({"model"}), **params)
    expected = run_node(validation.cross_validate, {"model": trained, "table": rows}, **params)["metrics"]
    assert got["metrics"]["fold_scores"] == pytest.approx(expected["fold_scores"], rel=1e-9, abs=1e-12)
    same({k: v for k, v in got["metrics"].items() if k != "fold_scores"},
         {k: v for k, v in expected.items() if k != "fold_scores"})


def test_cross_validate_of_a_model_the_plugin_trained_stays_a_call(rows):
    assert exported(validation.cross_validate, EXPORTERS["sklearn.cross_validate"], {"model": None, "table": rows},
                    sources={"model": "sklearn.train_classifier"}) is None


@pytest.mark.parametrize(("fn", "target", "model", "params", "with_table"), [
    (training.train_classifier, "species", "sklearn.random_forest_classifier", {}, True),
    (training.train_classifier, "species", "sklearn.logistic_regression", {"method": "builtin"}, False),
    (training.train_classifier, "yes", "sklearn.knn_classifier", {"repeats": 3, "seed": 9}, True),
    (training.train_classifier, "species", "sklearn.logistic_regression", {"method": "permutation"}, True),
    (training.train_regressor, "amount", "sklearn.linear_regression", {}, False),
    (training.train_regressor, "amount", "sklearn.gradient_boosting_regressor", {"method": "permutation",
                                                                                 "repeats": 2}, True)])
def test_feature_importance_code_gives_the_nodes_table(rows, fn, target, model, params, with_table):
    task = "regression" if fn is training.train_regressor else "classification"
    plain, trained = _fit_both(fn, rows.iloc[:80], target=target, features=["x", "z", "flag"], model=model)
    tables = {"table": rows.iloc[80:]} if with_table else {}
    got = exported(importance.feature_importance, EXPORTERS["sklearn.feature_importance"], {"model": plain, **tables},
                   sources={"model": TRAINED_BY[task]}, plain=frozenset({"model"}), **params)
    expected = run_node(importance.feature_importance, {"model": trained, **tables}, **params)["table"]
    same(got["table"], expected)
    assert got["table"].attrs == expected.attrs  # the method plotly.feature_importance names on its axis


@pytest.mark.parametrize("params", [{}, {"components": 3, "standardize": False},
                                    {"columns": ["size", "count"], "components": 1, "keep_other_columns": False}])
def test_pca_code_and_apply_transformer_code_give_the_nodes_tables(mixed, params):
    table = mixed.fillna({"weight": 0.0})
    got = exported(unsupervised.pca, EXPORTERS["sklearn.pca"], {"table": table.iloc[:20]}, **params)
    expected = run_node(unsupervised.pca, {"table": table.iloc[:20]}, **params)
    same(got["table"], expected["table"])
    same(got["variance"], expected["variance"])
    later = table.iloc[20:]
    applied = exported(preprocessing.apply_transformer, EXPORTERS["sklearn.apply_transformer"],
                       {"model": got["model"], "table": later}, sources={"model": "sklearn.pca"},
                       plain=frozenset({"model"}))
    same(applied["table"],
         run_node(preprocessing.apply_transformer, {"model": expected["model"], "table": later})["table"])


@pytest.mark.parametrize(("fn", "target", "model", "hyperparameters", "params"), [
    (training.train_classifier, "species", "sklearn.logistic_regression", {"max_iter": 500},
     {"grid": {"C": [0.1, 1, 10]}, "folds": 3}),
    (training.train_classifier, "yes", "sklearn.random_forest_classifier", {"n_estimators": 10},
     {"grid": {"max_depth": [2, None, 4], "min_samples_leaf": [1, 5]}, "search": "random", "candidates": 4,
      "seed": 3, "scoring": "f1"}),
    (training.train_regressor, "amount", "sklearn.ridge", {}, {"grid": {"alpha": [0.1, 3.0]}, "scoring": "rmse"}),
    (training.train_regressor, "amount", "sklearn.lasso", {}, {"grid": {"alpha": 0.05}, "folds": 4})])
def test_tune_code_gives_the_nodes_results_best_and_model(rows, fn, target, model, hyperparameters, params):
    task = "regression" if fn is training.train_regressor else "classification"
    train_params = {"target": target, "features": ["x", "z"], "model": model, "hyperparameters": hyperparameters}
    plain, trained = _fit_both(fn, rows.iloc[:90], **train_params)
    got = exported(validation.tune, EXPORTERS["sklearn.tune"], {"model": plain, "table": rows.iloc[:90]},
                   sources={"model": TRAINED_BY[task]}, plain=frozenset({"model"}),
                   source_params={"model": train_params}, **params)
    expected = run_node(validation.tune, {"model": trained, "table": rows.iloc[:90]}, **params)
    same(got["results"], expected["results"])
    same(got["best"], expected["best"])
    # the retrained best model predicts as the node's does, through the plain predict
    _predict_both(got["model"], expected["model"], rows.iloc[90:], task)
    tuned = exported(training.predict, EXPORTERS["sklearn.predict"], {"model": got["model"], "table": rows.iloc[90:]},
                     sources={"model": "sklearn.tune"}, plain=frozenset({"model"}))
    same(tuned["table"], run_node(training.predict, {"model": expected["model"], "table": rows.iloc[90:]})["table"])


# --- a model chosen by a workflow parameter -------------------------------------------------------

def _bound_model_code(fn, table, choices, **params):
    """The training code when `model` is bound to a workflow parameter (constant MODEL) with these values."""
    import dataclasses

    from tests.exporting import node_code

    code = node_code(fn, {"table": table}, params)
    return EXPORTERS[TRAINED_BY["regression" if fn is training.train_regressor else "classification"]](
        dataclasses.replace(code, literals={**code.literals, "model": "MODEL"},
                            context={**code.context, "choices": {"model": list(choices)}}))


def _run_with(made, table, model):
    namespace = {"in_table": table.copy(), "MODEL": model}
    exec(compile("\n".join([*made.imports, *made.lines]), "<exported>", "exec"), namespace)  # noqa: S102 - the test
    return namespace["out_model"]


@pytest.mark.parametrize(("fn", "target", "choices"), [
    (training.train_classifier, "species", ["sklearn.logistic_regression", "sklearn.random_forest_classifier",
                                            "sklearn.svm_classifier"]),
    (training.train_regressor, "amount", ["sklearn.ridge", "sklearn.gradient_boosting_regressor"])])
def test_a_model_chosen_by_a_workflow_parameter_is_the_estimator_the_constant_names(rows, fn, target, choices):
    task = "regression" if fn is training.train_regressor else "classification"
    train, test = rows.iloc[:80], rows.iloc[80:]
    made = _bound_model_code(fn, train, choices, target=target, features=["x", "z"], model=choices[0])
    assert made is not None and "_estimators[MODEL]" in "\n".join(made.lines)
    for model in choices:  # each value the constant may take: the node's model with that value
        plain = _run_with(made, train, model)
        trained = run_node(fn, {"table": train.copy()}, target=target, features=["x", "z"], model=model)["model"]
        assert plain["model"] == model and type(plain["estimator"]) is type(trained.estimator)
        assert _construction(plain["estimator"]) == _construction(trained.estimator)
        _predict_both(plain, trained, test, task)
    with pytest.raises(ValueError, match="is not one of"):  # a value the node would refuse stops the script
        _run_with(made, train, "sklearn.lasso" if task == "classification" else "sklearn.logistic_regression")


def test_a_model_chosen_by_a_parameter_without_known_values_or_of_no_fitting_kind_stays_a_call(rows):
    assert _bound_model_code(training.train_classifier, rows, [], target="species",
                             model="sklearn.logistic_regression") is None
    assert _bound_model_code(training.train_classifier, rows, ["sklearn.ridge"], target="species",
                             model="sklearn.logistic_regression") is None
    only_fitting = _bound_model_code(training.train_classifier, rows, ["sklearn.ridge", "sklearn.knn_classifier"],
                                     target="species", model="sklearn.knn_classifier")
    assert "sklearn.ridge" not in "\n".join(only_fitting.lines)
