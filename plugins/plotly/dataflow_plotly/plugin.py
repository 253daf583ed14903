"""The plugin module named by the `plotly` entry point: registers the chart nodes.

Importing it is cheap: Plotly is imported inside the nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from . import matrices, model_charts, relations, summaries, timeseries

NODES = (
    relations.scatter,
    relations.line,
    timeseries.time_series,
    summaries.bar,
    summaries.histogram,
    summaries.box,
    summaries.pie,
    matrices.heatmap,
    matrices.correlation,
    matrices.scatter_matrix,
    model_charts.confusion_matrix,
    model_charts.roc_curve,
    model_charts.feature_importance,
    model_charts.residuals,
    model_charts.clusters,
)


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register the chart nodes (type ids `plotly.<function name>`)."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain Plotly Express code for the charts that have one (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
