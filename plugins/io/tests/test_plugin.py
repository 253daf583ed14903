"""The io plugin registers its formats and nodes, with declarations that pass `check_node`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from dataflow_io.nodes import NODES

from dataflow.kernel import load_registry
from dataflow.sdk import FilePath, SourceConnector, check_node, spec_of

WRITABLE = {"csv", "tsv", "parquet", "feather", "json", "jsonl"}
TYPE_IDS = {"io.read_file", "io.write_file", "io.read_csv", "io.read_parquet", "io.read_excel", "io.read_json"}


@pytest.fixture
def registry():
    """The installed plugins' registry (a registry of io alone would stay active for later tests)."""
    registry = load_registry()
    record = registry.plugins["io"]
    assert record.ok, record.error
    assert record.module == "dataflow_io.plugin" and record.distribution == "dataflow-io"
    return registry


@pytest.mark.parametrize("fn", NODES, ids=lambda fn: fn.__name__)
def test_every_node_passes_check_node(fn):
    assert check_node(fn) == []


def test_the_promised_node_type_ids_are_registered(registry):
    assert set(registry.plugins["io"].contributions["nodes"]) == TYPE_IDS


def test_every_format_is_a_connector_and_the_writers_can_write(registry):
    sources = {cid: registry.sources[cid] for cid in registry.plugins["io"].contributions["sources"]}
    assert set(sources) >= WRITABLE
    for cid, connector in sources.items():
        assert isinstance(connector, SourceConnector) and connector.port_type == "table"
        assert connector.can_write == (cid in WRITABLE)
    extensions = {ext: cid for cid, c in sources.items() for ext in c.extensions}
    assert extensions.items() >= {
        ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
        ".feather": "feather", ".arrow": "feather", ".ipc": "feather", ".json": "json", ".jsonl": "jsonl",
        ".ndjson": "jsonl"}.items()


def test_reading_nodes_declare_their_path_as_a_read_file_and_the_writer_as_a_write_file():
    for fn in NODES:
        widget = spec_of(fn).param_index["path"].widget
        assert isinstance(widget, FilePath)
        assert widget.mode == ("write" if fn.__name__ == "write_file" else "read")


def test_read_csv_parameters_are_the_documented_ones():
    params = {p.name: (p.type_name, p.default) for p in spec_of(NODES[2]).params}
    assert params == {
        "path": ("str", ""), "separator": ("str", ","), "decimal": ("str", "."), "encoding": ("str", "utf-8"),
        "header_row": ("int", 0), "column_types": ("dict[str, str]", {}), "date_columns": ("list[str]", []),
        "missing_values": ("list[str]", []), "skip_rows": ("int", 0), "max_rows": ("int", 0)}


def test_the_writer_always_runs_and_the_readers_are_cached():
    assert {fn.__name__: spec_of(fn).cache for fn in NODES} == {
        "read_file": "all", "write_file": "none", "read_csv": "all", "read_parquet": "all",
        "read_excel": "all", "read_json": "all"}


def test_importing_the_plugin_imports_no_heavy_library():
    code = ("import sys, dataflow_io.plugin; "
            "print(','.join(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
