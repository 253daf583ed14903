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
