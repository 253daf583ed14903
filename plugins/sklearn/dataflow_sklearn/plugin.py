"""The plugin module named by the `sklearn` entry point: registers the nodes and the built-in models.

`hookspecs` adds this plugin's own hook, `register_estimators`, through which it and other packs
contribute models. Importing it is cheap: scikit-learn and skops are imported inside the nodes
and model factories.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from . import (
    builtin_models,
    comparison,
    importance,
    metrics,
    model_files,
    preprocessing,
    split,
    training,
    unsupervised,
    validation,
)
from . import hookspecs as own_hookspecs

#: this plugin's own hook, `register_estimators`: the kernel gives it to pluggy's `add_hookspecs`
hookspecs = own_hookspecs

NODES = (
    split.train_test_split,
    preprocessing.scale,
    preprocessing.encode,
    preprocessing.apply_transformer,
    training.train_classifier,
    training.train_regressor,
    training.predict,
    metrics.evaluate,
    comparison.compare_metrics,
    validation.cross_validate,
    validation.tune,
    unsupervised.cluster,
    unsupervised.pca,
    importance.feature_importance,
    model_files.save_model,
    model_files.load_model,
)


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register the machine-learning nodes (type ids `sklearn.<function name>`)."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_estimators(register: Callable[[Any], None]) -> None:
    """Register the built-in classifiers, regressors and clusterers (ids `sklearn.<function name>`)."""
    for factory in builtin_models.ALL:
        register(factory)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain scikit-learn code for the sklearn nodes that have one (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
