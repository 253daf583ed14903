"""The plugin module named by the `db` entry point: registers the database nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .nodes import NODES


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register `db.read_sqlite`, `db.write_sqlite`, `db.read_postgres` and `db.write_postgres`."""
    for fn in NODES:
        register(fn)
