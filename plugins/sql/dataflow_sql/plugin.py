"""The plugin module named by the `sql` entry point: registers the SQL nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .query import query
from .query_files import query_files


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register `sql.query` and `sql.query_files`."""
    register(query)
    register(query_files)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain DuckDB code for `sql.query` (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
