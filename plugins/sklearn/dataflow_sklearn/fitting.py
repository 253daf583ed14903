"""Shared by the train, cross-validate and tune nodes: build a registered model, check the data, fit.

A user's mistakes become `NodeError`s that name the setting: an unknown model, a bad
hyperparameter, a target with one class, a continuous target given to a classifier, text or
missing values in the features. scikit-learn's own warnings during `fit` (a solver that did not
converge) are passed on with `warn`, so the user sees them on the node.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from dataflow.sdk import NodeError, did_you_mean, warn

from .columns import feature_matrix, is_numeric, json_value, require_column, resolve_features
from .models import TrainedModel
from .registered import estimators

TASK_KIND = {"classification": "classifier", "regression": "regressor"}


def estimator_spec(kind: str, model_id: str, param: str = "model") -> Any:
    """The registered estimator `model_id` of `kind`, or a NodeError listing the available ones."""
    available = estimators(kind)
    spec = available.get(model_id)
    if spec is None:
        listed = ", ".join(sorted(available)) or "none installed"
        raise NodeError(f"no {kind} '{model_id}' is installed{did_you_mean(model_id, available)}; "
                        f"available: {listed}", param=param)
    return spec


def build_estimator(spec: Any, hyperparameters: dict[str, Any], param: str = "hyperparameters") -> tuple[Any, dict]:
    """A new unfitted estimator and the full, validated hyperparameters (defaults filled in)."""
    try:
        values = spec.check(hyperparameters)
    except ValueError as exc:
        raise NodeError(str(exc), param=param) from None
    return spec.fn(**values), values


def allows_missing(estimator: Any) -> bool:
    """True when the estimator accepts NaN in its features (e.g. histogram gradient boosting)."""
    try:
        return bool(estimator.__sklearn_tags__().input_tags.allow_nan)
    except Exception:  # not a scikit-learn estimator, or an older tags API
        return False


@dataclass
class Dataset:
    """Features and target of a supervised task, checked."""

    X: Any
    y: Any
    features: list[str]
    target: str
    all_features: bool


def supervised_data(table: Any, target: str, features: list[str], task: str, *, allow_nan: bool = False) -> Dataset:
    """Check and extract X and y for `task` ("classification" or "regression")."""
    require_column(table, target, "target")
    chosen = resolve_features(table, target, features)
    X = feature_matrix(table, chosen, allow_nan=allow_nan)
    y = target_values(table[target], task)
    if len(table) < 2:
        raise NodeError(f"the table has {len(table)} row(s); a model needs at least 2 to learn from")
    return Dataset(X, y, chosen, target, not features)


def model_data(table: Any, trained: TrainedModel) -> Dataset:
    """X and y of a trained model's features and target on `table`, for the nodes that take the
    columns from the model (cross-validate, tune, permutation importance): they have no column
    settings, so the errors name the `table` input and the columns the model recorded."""
    recorded = [*trained.features, trained.target]
    missing = [c for c in recorded if c not in table.columns]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing)
        hint = did_you_mean(str(missing[0]), [str(c) for c in table.columns if c not in recorded])
        features = ", ".join(f"'{c}'" for c in trained.features)
        raise NodeError(f"the `table` input lacks column(s) {shown}{hint} that the model was trained on (features "
                        f"{features}, target '{trained.target}'); connect a table prepared like the training rows")
    X = feature_matrix(table, trained.features, None, allow_nan=allows_missing(trained.estimator),
                       where="the `table` input")
    y = target_values(table[trained.target], trained.task, param=None)
    if len(table) < 2:
        raise NodeError(f"the `table` input has {len(table)} row(s); at least 2 are needed")
    return Dataset(X, y, list(trained.features), trained.target, trained.all_features)


def target_values(column: Any, task: str, param: str | None = "target") -> Any:
    """The target as a numpy array, after checks that fit `task` (errors name `param`)."""
    import numpy as np

    name = column.name
    missing = int(column.isna().sum())
    if missing:
        raise NodeError(f"the target '{name}' has {missing} missing value(s) of {len(column)}; drop those rows "
                        "(or fill them with transform.fill_missing) first", param=param)
    if task == "regression":
        if not is_numeric(column):
            raise NodeError(f"the target '{name}' holds text ({column.dtype}), so it cannot be regressed; "
                            "use sklearn.train_classifier to predict categories", param=param)
        return column.to_numpy(dtype=np.float64)
    values = column.to_numpy(dtype=object) if not is_numeric(column) else column.to_numpy()
    classes = column.unique()
    if len(classes) < 2:
        raise NodeError(f"the target '{name}' has only one class ({json_value(classes[0])!r}); a classifier needs "
                        "at least two: check the filter or split upstream", param=param)
    if column.dtype.kind == "f" and not np.all(np.mod(values, 1) == 0):
        raise NodeError(f"the target '{name}' holds continuous numbers ({len(classes)} distinct values); "
                        "use sklearn.train_regressor to predict a number", param=param)
    return values


def fit(estimator: Any, X: Any, y: Any = None, *, what: str = "the model", param: str | None = "hyperparameters"
        ) -> Any:
    """`estimator.fit(X, y)`; its warnings go to the node, its ValueErrors become NodeErrors naming `param`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(X) if y is None else estimator.fit(X, y)
        except ValueError as exc:
            raise NodeError(f"{what} could not be fitted: {exc}", param=param) from None
    seen = set()
    for item in caught:
        message = f"{type(item.message).__name__ if isinstance(item.message, Warning) else 'warning'}: {item.message}"
        if issubclass(item.category, (DeprecationWarning, PendingDeprecationWarning)) or message in seen:
            continue
        seen.add(message)
        warn(message.splitlines()[0])
    return estimator


def train(table: Any, *, task: str, target: str, features: list[str], model: str,
          hyperparameters: dict[str, Any]) -> TrainedModel:
    """Fit the registered model `model` on `table`: what both train nodes do."""
    spec = estimator_spec(TASK_KIND[task], model)
    estimator, values = build_estimator(spec, hyperparameters)
    data = supervised_data(table, target, features, task, allow_nan=allows_missing(estimator))
    fit(estimator, data.X, data.y, what=f"model '{model}'")
    classes = [json_value(c) for c in getattr(estimator, "classes_", [])] if task == "classification" else []
    try:
        score = float(estimator.score(data.X, data.y))
    except ValueError as exc:  # some settings only fail when predicting (k neighbours > rows)
        raise NodeError(f"model '{model}' could not be fitted: {exc}", param="hyperparameters") from None
    return TrainedModel(estimator=estimator, task=task, features=data.features, target=target, classes=classes,
                        training_score=score, estimator_id=model, hyperparameters=values,
                        estimator_version=spec.version, all_features=data.all_features,
                        columns=[json_value(c) for c in table.columns])


def require_trained(model: Any, node: str) -> TrainedModel:
    """`model` when it is a TrainedModel; else a NodeError saying which node makes one."""
    if isinstance(model, TrainedModel):
        return model
    kind = getattr(model, "kind", None)
    if kind in ("scale", "encode", "pca"):
        raise NodeError(f"{node} needs a trained model (from sklearn.train_classifier or sklearn.train_regressor); "
                        f"this is a fitted {kind} transformer: apply it with sklearn.apply_transformer")
    raise NodeError(f"{node} needs a trained model from sklearn.train_classifier or sklearn.train_regressor, "
                    f"got {type(model).__name__}")
