"""A model for the built-in train nodes: robust regression, offered by `sklearn.train_regressor`.

Models are the sklearn plugin's domain: `@estimator` comes from dataflow-sklearn, which this pack
depends on, and is registered through that plugin's own hook, `register_estimators`.
"""

from __future__ import annotations

from typing import Annotated

from dataflow_sklearn import estimator

from dataflow.sdk import Bounds, Help


@estimator(kind="regressor", label="Huber (robust to outliers)", version=1)
def huber(*, epsilon: Annotated[float, Bounds(1.0, 10.0), Help("Smaller: more robust to outliers")] = 1.35,
          alpha: Annotated[float, Bounds(0.0, 100.0), Help("Regularization strength")] = 0.0001,
          max_iter: Annotated[int, Bounds(10, 10_000), Help("Iterations of the solver")] = 200):
    """Linear regression that down-weights outliers (scikit-learn's HuberRegressor)."""
    from sklearn.linear_model import HuberRegressor

    return HuberRegressor(epsilon=epsilon, alpha=alpha, max_iter=max_iter)
