"""The plugin module named by the `sql` entry point: registers the SQL node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .query import query


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register `sql.query`."""
    register(query)
