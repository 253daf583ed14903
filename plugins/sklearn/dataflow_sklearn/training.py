"""Train a registered classifier or regressor on a table, and predict with it."""

from __future__ import annotations

from typing import Annotated, Any

from dataflow.sdk import Column, Help, Model, NodeError, Table, node, warn

from . import schemas
from .choice import ModelChoice
from .columns import feature_matrix, json_value
from .fitting import allows_missing, require_trained, train
from .models import PREDICTION, PROBABILITY_PREFIX, with_facts

Target = Annotated[str, Column("table", required=True), Help("The column to predict")]
Features = Annotated[list[str], Column("table"),
                     Help("Columns the model learns from (empty: every column but the target)")]
Hyperparameters = Annotated[dict[str, Any], Help("The chosen model's settings by name, e.g. {\"C\": 0.5}; "
                                                 "unset ones keep their defaults")]


@node(category="Machine learning/Train", label="Train classifier", version=2, schema=schemas.train_classifier)
def train_classifier(table: Table, *, target: Target = "", features: Features = [],  # noqa: B006
                     model: Annotated[str, ModelChoice("classifier"), Help("Which classifier to train")]
                     = "sklearn.logistic_regression",
                     hyperparameters: Hyperparameters = {}) -> Model:  # noqa: B006
    """Train a classifier that predicts the category in the target column.

    The model remembers its features, target and classes, so sklearn.predict and
    sklearn.evaluate need no column chosen again. Text features must be encoded first
    (sklearn.encode) and missing values filled (transform.fill_missing).
    """
    return train(table, task="classification", target=target, features=features, model=model,
                 hyperparameters=hyperparameters)


@node(category="Machine learning/Train", label="Train regressor", version=2, schema=schemas.train_regressor)
def train_regressor(table: Table, *, target: Target = "", features: Features = [],  # noqa: B006
                    model: Annotated[str, ModelChoice("regressor"), Help("Which regressor to train")]
                    = "sklearn.linear_regression",
                    hyperparameters: Hyperparameters = {}) -> Model:  # noqa: B006
    """Train a regressor that predicts the number in the target column.

    The model remembers its features and target, so sklearn.predict and sklearn.evaluate
    need no column chosen again.
    """
    return train(table, task="regression", target=target, features=features, model=model,
                 hyperparameters=hyperparameters)


@node(category="Machine learning/Train", version=2, schema=schemas.predict)
def predict(model: Model, table: Table) -> Table:
    """Add the model's predictions (and class probabilities) as new columns.

    Adds `prediction` and, for a classifier that gives probabilities, one
    `probability_<class>` column per class. The table must hold the model's feature columns and
    no column the model never saw (one of its training table, the target, and earlier predictions
    are fine); when it holds the target, sklearn.evaluate compares the two without further settings.
    """
    import numpy as np
    import pandas as pd

    trained = require_trained(model, "sklearn.predict")
    missing = [f for f in trained.features if f not in table.columns]
    if missing:
        shown = ", ".join(f"'{m}'" for m in missing)
        raise NodeError(f"the table lacks the model's feature column(s) {shown}; the model was trained on "
                        f"{', '.join(trained.features)}: apply the same preparation (sklearn.apply_transformer, "
                        "renames) to this table first")
    _check_unexpected_columns(trained, table)
    X = feature_matrix(table, trained.features, None, allow_nan=allows_missing(trained.estimator),
                       where="the `table` input")

    out = table.copy(deep=False)
    new_columns = [PREDICTION]
    try:
        predicted = trained.estimator.predict(X) if len(out) else np.array([])
    except ValueError as exc:
        raise NodeError(f"model '{trained.estimator_id}' could not predict: {exc}") from None
    if trained.task == "classification" and trained.classes and all(isinstance(c, str) for c in trained.classes):
        out[PREDICTION] = pd.Series(predicted, index=out.index, dtype="str")
    else:
        out[PREDICTION] = pd.Series(predicted, index=out.index)
    probabilities: list[str] = []
    if trained.task == "classification" and hasattr(trained.estimator, "predict_proba"):
        scores = trained.estimator.predict_proba(X) if len(out) else np.zeros((0, len(trained.classes)))
        for index, label in enumerate(trained.classes):
            column = f"{PROBABILITY_PREFIX}{label}"
            out[column] = scores[:, index]
            probabilities.append(column)
        new_columns += probabilities
    clashes = [c for c in new_columns if c in table.columns]
    if clashes:
        warn(f"replaced existing column(s) {', '.join(clashes)} with this model's predictions")
    truth = trained.target if trained.target in table.columns else None
    return with_facts(out, "predictions", {
        "task": trained.task, "truth": truth, "prediction": PREDICTION,
        "classes": [json_value(c) for c in trained.classes], "probabilities": probabilities,
        "model": trained.estimator_id, "features": list(trained.features)})


def _check_unexpected_columns(trained: Any, table: Any) -> None:
    """NodeError naming the columns the model never saw: not its features or target, not in its training
    table (columns left out of `features` on purpose are fine), not added by an earlier sklearn.predict."""
    recorded = getattr(trained, "columns", None)  # None: a model made before training columns were recorded
    known = {*trained.features, trained.target, PREDICTION, *(recorded or ())}
    extra = [c for c in table.columns if c not in known and not str(c).startswith(PROBABILITY_PREFIX)]
    if not extra:
        return
    shown = ", ".join(f"'{c}'" for c in extra[:20]) + (f" and {len(extra) - 20} more" if len(extra) > 20 else "")
    if recorded is None:
        warn(f"column(s) {shown} are not among the model's features and are ignored by it")
        return
    features = ", ".join(f"'{c}'" for c in trained.features)
    raise NodeError(f"the `table` input has column(s) {shown} that the model never saw: it was trained on the "
                    f"features {features} and the target '{trained.target}'; drop them (transform.select), or "
                    "retrain the model on a table that holds them")
