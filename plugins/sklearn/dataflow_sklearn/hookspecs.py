"""The hook this plugin adds to DataFlow's (pluggy's `add_hookspecs`): packs contribute models.

The kernel adds the hookspecs of a plugin module's `hookspecs` attribute and collects each
`register_<kind>` hook named in `CONTRIBUTIONS` like its own: every contribution is checked,
tied to its plugin, and a duplicate id names both plugins. Nodes read them with `estimators()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookspec

from .registered import registered_estimator


@hookspec
def register_estimators(register: Callable[[Callable[..., Any]], None]) -> None:
    """Contribute models to the train nodes: `register(factory)` for each factory decorated with
    `@estimator` (from `dataflow_sklearn`); its id is `<entry point name>.<function name>`.

        from dataflow_sklearn import estimator

        @estimator(kind="classifier", label="XGBoost")
        def xgboost(*, n_estimators: Annotated[int, Bounds(1, 5000)] = 100):
            \"\"\"Gradient-boosted trees from xgboost.\"\"\"
            from xgboost import XGBClassifier
            return XGBClassifier(n_estimators=n_estimators)

        @hookimpl
        def register_estimators(register):
            register(xgboost)      # -> "mypack.xgboost", offered by sklearn.train_classifier
    """


#: kind -> the check of each contribution: (plugin name, what `register` got) -> (id, contribution)
CONTRIBUTIONS = {"estimators": registered_estimator}
