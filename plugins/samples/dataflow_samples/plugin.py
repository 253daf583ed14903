"""The plugin module named by the `samples` entry point: registers samples.dataset and samples.synthetic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .synthetic import synthetic
from .toys import dataset

NODES = (dataset, synthetic)


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register samples.dataset and samples.synthetic."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain scikit-learn / pandas code for samples.dataset and samples.synthetic (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
