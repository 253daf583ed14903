"""Scores: the `evaluate` node and the scoring functions cross-validation and tuning share.

Classification: accuracy, precision, recall and F1 (of the positive class, the model's last
class, for two classes; the macro average over classes otherwise), and ROC AUC when class
probabilities are known (one-vs-rest macro average for several classes). Regression: R2,
MAE and RMSE. `evaluate` reads which columns hold truth, prediction and probabilities from
the `predictions` facts that `sklearn.predict` records, so nothing is typed twice.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from dataflow.sdk import Column, Help, Metrics, NodeError, Table, node, warn

from .columns import is_numeric, require_column
from .models import facts_of

CLASSIFICATION_SCORES = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc")
REGRESSION_SCORES = ("r2", "mae", "rmse")
LOWER_IS_BETTER = frozenset({"mae", "rmse"})
Scoring = Literal["auto", "accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "r2", "mae",
                  "rmse"]


def classification_metrics(truth: Any, predicted: Any, classes: list[Any], scores: Any = None) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 and (with `scores`, one column per class) ROC AUC."""
    from sklearn import metrics

    binary = len(classes) == 2
    options = {"average": "binary", "pos_label": classes[1]} if binary else {"average": "macro", "labels": classes}
    result: dict[str, Any] = {
        "accuracy": float(metrics.accuracy_score(truth, predicted)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(truth, predicted)),
        "precision": float(metrics.precision_score(truth, predicted, zero_division=0, **options)),
        "recall": float(metrics.recall_score(truth, predicted, zero_division=0, **options)),
        "f1": float(metrics.f1_score(truth, predicted, zero_division=0, **options)),
    }
    if scores is not None:
        auc = roc_auc(truth, scores, classes)
        if auc is not None:
            result["roc_auc"] = auc
    result["average"] = f"binary (positive class {classes[1]!r})" if binary else "macro"
    result["rows"] = len(truth)
    return result


def roc_auc(truth: Any, scores: Any, classes: list[Any]) -> float | None:
    """ROC AUC, or None (with a warning) when the truth has a single class or unknown classes."""
    import numpy as np
    from sklearn import metrics

    present = set(np.unique(np.asarray(truth, dtype=object)).tolist())
    if len(present) < 2:
        warn("ROC AUC is undefined: the truth holds a single class")
        return None
    if not present <= set(classes):
        warn(f"ROC AUC skipped: the truth holds classes the model does not know: {sorted(map(str, present - set(classes)))}")
        return None
    try:
        if len(classes) == 2:
            return float(metrics.roc_auc_score(np.asarray(truth, dtype=object) == classes[1], scores[:, 1]))
        return float(metrics.roc_auc_score(truth, scores, multi_class="ovr", labels=classes, average="macro"))
    except ValueError as exc:
        warn(f"ROC AUC skipped: {exc}")
        return None


def regression_metrics(truth: Any, predicted: Any) -> dict[str, Any]:
    """R2, mean absolute error and root mean squared error."""
    import numpy as np
    from sklearn import metrics

    return {"r2": float(metrics.r2_score(truth, predicted)),
            "mae": float(metrics.mean_absolute_error(truth, predicted)),
            "rmse": float(np.sqrt(metrics.mean_squared_error(truth, predicted))),
            "rows": len(truth)}


def resolve_scoring(scoring: str, task: str) -> str:
    """The scoring to use for `task` ("auto": accuracy or R2); NodeError when it does not fit the task."""
    if scoring == "auto":
        return "accuracy" if task == "classification" else "r2"
    allowed = CLASSIFICATION_SCORES if task == "classification" else REGRESSION_SCORES
    if scoring not in allowed:
        raise NodeError(f"'{scoring}' does not score a {task} model; choose one of: auto, {', '.join(allowed)}",
                        param="scoring")
    return scoring


def score(scoring: str, estimator: Any, X: Any, y: Any, classes: list[Any]) -> float:
    """One number for a fitted estimator on held-out rows (`scoring` already resolved)."""
    import numpy as np
    from sklearn import metrics

    if scoring == "roc_auc":
        if not hasattr(estimator, "predict_proba"):
            raise NodeError("this model gives no probabilities, so it cannot be scored by ROC AUC", param="scoring")
        known = [c.item() if hasattr(c, "item") else c for c in getattr(estimator, "classes_", classes)]
        auc = roc_auc(y, estimator.predict_proba(X), known)
        return float("nan") if auc is None else auc
    predicted = estimator.predict(X)
    if scoring in REGRESSION_SCORES:
        return regression_metrics(y, predicted)[scoring]
    if scoring == "accuracy":
        return float(np.mean(predicted == y))
    if scoring == "balanced_accuracy":
        return float(metrics.balanced_accuracy_score(y, predicted))
    binary = len(classes) == 2
    options = {"average": "binary", "pos_label": classes[1]} if binary else {"average": "macro", "labels": classes}
    function = {"f1": metrics.f1_score, "precision": metrics.precision_score, "recall": metrics.recall_score}[scoring]
    return float(function(y, predicted, zero_division=0, **options))


@node(category="Machine learning/Evaluate")
def evaluate(predictions: Table, *,
             truth: Annotated[str, Column("predictions"),
                              Help("Column with the true values (empty: the target recorded by sklearn.predict)")] = "",
             prediction: Annotated[str, Column("predictions"),
                                   Help("Column with the predictions (empty: the one sklearn.predict added)")] = "",
             task: Annotated[Literal["auto", "classification", "regression"],
                             Help("What kind of prediction (auto: as recorded by sklearn.predict)")] = "auto") -> Metrics:
    """Score predictions against the truth: accuracy, precision, recall, F1, ROC AUC or R2, MAE, RMSE.

    Connect the output of sklearn.predict on a table that still holds the target column.
    For two classes, precision, recall and F1 are those of the model's second class (the
    positive one); for more, they are macro averages.
    """
    import numpy as np

    facts = facts_of(predictions, "predictions") or {}
    truth_column = truth or facts.get("truth")
    if not truth_column:
        if facts:
            raise NodeError("the predictions table has no truth column: the target column was not in the table "
                            "given to sklearn.predict; predict on a table that holds it, or choose one here",
                            param="truth")
        raise NodeError("choose the truth column, or connect the output of sklearn.predict (it records which "
                        "columns hold truth and prediction)", param="truth")
    prediction_column = prediction or facts.get("prediction")
    if not prediction_column:
        raise NodeError("choose the prediction column", param="prediction")
    require_column(predictions, truth_column, "truth")
    require_column(predictions, prediction_column, "prediction")
    if truth_column == prediction_column:
        raise NodeError(f"truth and prediction are both column {truth_column!r}; choose the column that holds the "
                        "predictions (sklearn.predict adds one)", param="prediction")
    kind = task if task != "auto" else facts.get("task") or _guess_task(predictions[truth_column])
    rows = predictions[[truth_column, prediction_column]]
    complete = rows.notna().all(axis=1)
    if not complete.all():
        warn(f"{int((~complete).sum())} row(s) with a missing truth or prediction were left out of the scores")
        rows = rows[complete]
    if rows.empty:
        raise NodeError("no rows to score: the table is empty or every row lacks a truth or prediction")
    if kind == "regression":
        for column, param in ((truth_column, "truth"), (prediction_column, "prediction")):
            if not is_numeric(rows[column]):
                raise NodeError(f"column '{column}' holds text, so it cannot be scored as a regression; "
                                "set task to classification", param=param)
        return regression_metrics(rows[truth_column].to_numpy(dtype=float),
                                  rows[prediction_column].to_numpy(dtype=float))
    truth_values = _labels(rows[truth_column])
    predicted = _labels(rows[prediction_column])
    classes = facts.get("classes") if facts.get("task") == "classification" and not truth else None
    if not classes:
        classes = sorted(set(truth_values.tolist()) | set(predicted.tolist()), key=lambda v: (str(type(v)), v))
    scores = None
    probability_columns = facts.get("probabilities") or []
    if probability_columns and not prediction and all(c in predictions.columns for c in probability_columns):
        scores = predictions.loc[rows.index, probability_columns].to_numpy(dtype=np.float64)
    if len(classes) < 2:
        raise NodeError(f"only one class ({classes[0]!r}) appears in truth and prediction; "
                        "classification scores need at least two", param="truth")
    present = set(truth_values.tolist())
    if len(present) == 1:
        warn(f"the truth column '{truth_column}' holds a single class ({next(iter(present))!r}): only accuracy is "
             "meaningful; precision, recall and F1 count classes absent from the truth as zero. Score rows of "
             "several classes (e.g. a stratified split)")
    with warnings.catch_warnings():  # scikit-learn's own notes on absent classes: the warning above says it
        warnings.simplefilter("ignore", UserWarning)
        return classification_metrics(truth_values, predicted, classes, scores)


def _labels(column: Any) -> Any:
    """Class labels as a numpy array: object for text, the numbers as they are otherwise."""
    return column.to_numpy(dtype=object) if not is_numeric(column) else column.to_numpy()


def _guess_task(column: Any) -> str:
    """Regression for non-integral or many-valued numbers, classification otherwise."""
    import numpy as np

    if not is_numeric(column) or column.dtype.kind == "b":
        return "classification"
    values = column.dropna().to_numpy(dtype=float)
    if np.any(np.mod(values, 1) != 0) or column.nunique() > 20:
        return "regression"
    return "classification"
