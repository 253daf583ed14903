"""How much each feature matters to a trained model."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Bounds, Help, Model, NodeError, Table, node

from . import schemas
from .fitting import model_data, require_trained
from .metrics import resolve_scoring, score
from .models import with_facts


@node(category="Machine learning/Evaluate", schema=schemas.feature_importance)
def feature_importance(model: Model, table: Table | None = None, *,
                       method: Annotated[Literal["auto", "builtin", "permutation"],
                                         Help("builtin: the model's own importances (trees) or absolute "
                                              "coefficients (linear models); permutation: how much the score drops "
                                              "when a column is shuffled (needs a table); auto: builtin when the "
                                              "model has it, else permutation")] = "auto",
                       repeats: Annotated[int, Bounds(1, 100), Help("Shuffles per feature (permutation)")] = 5,
                       seed: Annotated[int, Bounds(0, 2**31 - 1), Help("Seed of the shuffles (permutation)")] = 0
                       ) -> Table:
    """A table of features and their importance, most important first.

    Coefficients are compared as they are: scale the features first (sklearn.scale) for them
    to be comparable. Permutation importance is measured on the connected table (best: test rows).
    """
    import numpy as np
    import pandas as pd

    trained = require_trained(model, "sklearn.feature_importance")
    builtin = _builtin(trained.estimator)
    chosen = method
    if method == "auto":
        chosen = "builtin" if builtin is not None else "permutation"
    if chosen == "builtin":
        if builtin is None:
            raise NodeError(f"model '{trained.estimator_id}' has no built-in importances; use method permutation "
                            "and connect a table", param="method")
        importance, spread = builtin, np.full(len(builtin), np.nan)
    else:
        if table is None:
            raise NodeError("permutation importance needs a table: connect the test rows to the `table` input",
                            param="method")
        importance, spread = _permutation(trained, table, repeats, seed)
    if len(importance) != len(trained.features):
        raise NodeError(f"the model reports {len(importance)} importances for {len(trained.features)} features")
    result = pd.DataFrame({"feature": pd.Series(trained.features, dtype="str"),
                           "importance": np.asarray(importance, dtype=np.float64),
                           "std": np.asarray(spread, dtype=np.float64)})
    result = result.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    return with_facts(result, "importance", {"method": chosen, "model": trained.estimator_id,
                                             "target": trained.target})


def _builtin(estimator):
    """Tree importances, or mean absolute coefficients, or None."""
    import numpy as np

    values = getattr(estimator, "feature_importances_", None)
    if values is not None:
        return np.asarray(values, dtype=np.float64)
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        return None
    coef = np.abs(np.asarray(coef, dtype=np.float64))
    return coef.mean(axis=0) if coef.ndim == 2 else coef


def _permutation(trained, table, repeats: int, seed: int):
    """Mean and std of the score drop when each feature is shuffled (accuracy or R2)."""
    import numpy as np

    data = model_data(table, trained)
    scoring = resolve_scoring("auto", trained.task)
    rng = np.random.default_rng(seed)
    baseline = score(scoring, trained.estimator, data.X, data.y, trained.classes)
    drops = np.empty((len(trained.features), repeats))
    for column in range(len(trained.features)):
        shuffled = data.X.copy()
        for repeat in range(repeats):
            shuffled[:, column] = rng.permutation(data.X[:, column])
            drops[column, repeat] = baseline - score(scoring, trained.estimator, shuffled, data.y, trained.classes)
    return drops.mean(axis=1), drops.std(axis=1)
