"""`@estimator` and `estimators()`: add a model to the built-in train nodes, or list the models.

    @estimator(kind="regressor", label="Huber regression")
    def huber(*, epsilon: Annotated[float, Bounds(1.0, 10.0)] = 1.35):
        \"\"\"Linear regression that is robust to outliers.\"\"\"
        from sklearn.linear_model import HuberRegressor
        return HuberRegressor(epsilon=epsilon)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dataflow.kernel.estimators import ESTIMATOR_ATTRIBUTE, EstimatorSpec, declare_estimator
from dataflow.kernel.plugins import run_registry

F = TypeVar("F", bound=Callable[..., Any])


def estimator(fn: F | None = None, *, kind: str, label: str | None = None, version: int = 1,
              estimator_id: str | None = None) -> Any:
    """Declare a model factory of `kind` ("classifier", "regressor", "clusterer" or "transformer").

    Keyword-only parameters are the hyperparameters (with defaults, bounds, choices and help as
    for node parameters). Bump `version` when the model's results change: cached models trained
    with the old version stop matching. Returns the function unchanged.
    """
    def attach(target: F) -> F:
        spec = declare_estimator(target, kind=kind, label=label, version=version, estimator_id=estimator_id)
        setattr(target, ESTIMATOR_ATTRIBUTE, spec)
        return target

    return attach(fn) if fn is not None else attach


def estimators(kind: str | None = None) -> dict[str, EstimatorSpec]:
    """The registered estimators by id (only those of `kind` when given)."""
    found = run_registry().estimators
    return {eid: spec for eid, spec in found.items() if kind is None or spec.kind == kind}
