"""The plugin module named by the `io` entry point: registers the file formats and the io nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import SourceConnector, hookimpl

from .connectors import file_connectors
from .nodes import NODES


@hookimpl
def register_sources(register: Callable[[SourceConnector], None]) -> None:
    """Register csv, tsv, parquet, feather, json, jsonl and, when an engine is installed, excel."""
    for connector in file_connectors():
        register(connector)


@hookimpl
def register_nodes(register: Callable[[Any], None]) -> None:
    """Register io.read_file, io.write_file, io.read_csv, io.read_parquet, io.read_excel, io.read_json,
    io.read_folder, io.write_excel."""
    for fn in NODES:
        register(fn)


@hookimpl
def register_exporters(register: Callable[[str, Any], None]) -> None:
    """Plain pandas code for io.read_csv, io.read_file (CSV/TSV) and io.write_file (`export.py`)."""
    from .export import EXPORTERS

    for type_id, exporter in EXPORTERS.items():
        register(type_id, exporter)
