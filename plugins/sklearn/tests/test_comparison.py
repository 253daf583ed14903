"""compare_metrics puts several models' scores side by side and names the best one."""

from __future__ import annotations

import pytest
from dataflow_sklearn.comparison import compare_metrics
from dataflow_sklearn.metrics import evaluate
from dataflow_sklearn.split import train_test_split
from dataflow_sklearn.training import predict, train_classifier, train_regressor
from dataflow_sklearn.validation import cross_validate

from dataflow.sdk import NodeError, run_node


def scores(train, test, model, **hyperparameters):
    trained = run_node(train_classifier, {"table": train}, target="target", model=model,
                       hyperparameters=hyperparameters)["model"]
    return run_node(evaluate, {"predictions": run_node(predict, {"model": trained, "table": test})["table"]})["metrics"]


@pytest.fixture
def cancer_scores(cancer):
    parts = run_node(train_test_split, {"table": cancer}, stratify="target", seed=0)
    return [scores(parts["train"], parts["test"], "sklearn.random_forest_classifier", n_estimators=20),
            scores(parts["train"], parts["test"], "sklearn.knn_classifier", n_neighbors=7)]


def test_two_models_side_by_side_hold_their_evaluate_numbers(cancer_scores, run_warned):
    forest, knn = cancer_scores
    outputs, warnings = run_warned(compare_metrics, {"first": forest, "second": knn}, names=["forest", "knn"])
    table = outputs["table"]
    assert warnings == []
    assert list(table["model"]) == ["forest", "knn"]
    assert list(table.columns) == ["model", *forest]  # every score, in evaluate's order
    for row, metrics in zip(table.to_dict("records"), (forest, knn), strict=True):
        assert row == {"model": row["model"], **metrics}
    best = outputs["best"]
    winner = "forest" if forest["roc_auc"] >= knn["roc_auc"] else "knn"
    assert best == {"model": winner, "rank_by": "roc_auc", "score": max(forest["roc_auc"], knn["roc_auc"]),
                    "lower_is_better": False, "models": 2}


def test_lower_is_better_for_errors_and_cross_validation_rows_are_named_by_their_model(diabetes):
    ridge = run_node(train_regressor, {"table": diabetes}, target="target", model="sklearn.ridge")["model"]
    linear = run_node(train_regressor, {"table": diabetes}, target="target")["model"]
    runs = [run_node(cross_validate, {"model": m, "table": diabetes}, scoring="rmse", folds=3)["metrics"]
            for m in (ridge, linear)]
    out = run_node(compare_metrics, {"first": runs[0], "second": runs[1]})
    assert list(out["table"]["model"]) == ["sklearn.ridge", "sklearn.linear_regression"]
    assert "fold_scores" not in out["table"].columns  # a list per fold does not fit in a cell
    assert out["best"]["rank_by"] == "mean" and out["best"]["lower_is_better"] is True
    assert out["best"]["score"] == min(r["mean"] for r in runs)
    by_mae = run_node(compare_metrics, {"first": {"mae": 3.0}, "second": {"mae": 2.0}}, rank_by="mae")["best"]
    assert by_mae["model"] == "second" and by_mae["score"] == 2.0


def test_a_score_one_model_lacks_is_left_empty_with_a_warning(cancer_scores, run_warned):
    forest, knn = cancer_scores
    without = {k: v for k, v in knn.items() if k != "roc_auc"}
    outputs, warnings = run_warned(compare_metrics, {"first": forest, "second": without, "third": knn},
                                   names=["forest", "knn without probabilities", "knn"])
    assert warnings == ["no 'roc_auc' for knn without probabilities: left empty"]
    assert outputs["table"]["roc_auc"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize(("params", "message"), [
    ({"names": ["only one"]}, r"parameter 'names': 1 name\(s\) for 2 connected inputs \(first, second\)"),
    ({"names": ["same", "same"]}, r"parameter 'names': two rows would be labelled 'same'"),
    ({"rank_by": "acuracy"}, r"parameter 'rank_by': 'acuracy' is not a score of every input .did you mean `accuracy`"),
    ({"rank_by": "average"}, r"parameter 'rank_by': 'average' is not a score"),  # text, not a number
])
def test_bad_names_or_ranking_score_are_named(cancer_scores, params, message):
    forest, knn = cancer_scores
    with pytest.raises(NodeError, match=message):
        run_node(compare_metrics, {"first": forest, "second": knn}, **params)
