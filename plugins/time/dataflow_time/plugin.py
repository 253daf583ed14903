"""The plugin module named by the `time` entry point: registers the date and time-series nodes.

Importing it is cheap: pandas is imported inside the nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .dates import date_difference, parse_dates, shift_dates, time_zone
from .series import lag_lead, resample, rolling

NODES = (parse_dates, date_difference, shift_dates, time_zone, resample, lag_lead, rolling)


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register the time nodes (type ids `time.<function name>`)."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain pandas code for the time nodes that have one (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
