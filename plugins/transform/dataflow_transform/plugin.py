"""The plugin module named by the `transform` entry point: registers every transform node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .cast import cast
from .columns import derive, rename, select
from .combine import concat, join
from .dates import date_parts
from .encode import bin, one_hot
from .explore import correlation, describe, value_counts
from .missing import drop_missing, fill_missing
from .profile import profile
from .reshape import groupby, melt, pivot
from .rows import dedupe, filter, sample, sort
from .strings import split_column, text

NODES = [
    select, rename, derive, cast,
    filter, sort, sample, dedupe,
    fill_missing, drop_missing,
    join, concat,
    groupby, pivot, melt,
    split_column, text,
    date_parts,
    bin, one_hot,
    describe, value_counts, correlation, profile,
]


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register the transform nodes; their type ids are `transform.<function name>`."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain pandas code for the transform nodes that have an exact one (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
