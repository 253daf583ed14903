"""DataFlow's machine-learning plugin, and the API of packs that add models to its train nodes:

    from dataflow_sklearn import ModelChoice, estimator, estimators

`@estimator` declares a model factory, the `register_estimators` hook (this plugin's own,
`hookspecs.py`) registers it, `estimators()` lists the registered ones, and `ModelChoice` is
the widget of a node parameter that picks one.
"""

from .choice import ModelChoice
from .registered import ESTIMATOR_KINDS, EstimatorSpec, estimator, estimators

__all__ = ["ESTIMATOR_KINDS", "EstimatorSpec", "ModelChoice", "estimator", "estimators"]
