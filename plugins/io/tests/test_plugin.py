"""The io plugin registers its formats and nodes, with declarations that pass `check_node`."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
from dataflow_io.excel import can_write_excel
from dataflow_io.nodes import NODES

from dataflow.kernel import load_registry
from dataflow.sdk import (
    FilePath,
    FormatChoice,
    SourceConnector,
    check_node,
    hookimpl,
    run_node,
    spec_of,
    using_plugins,
)
from dataflow.sdk.sources import format_choices

WRITABLE = {"csv", "tsv", "parquet", "feather", "json", "jsonl"} | ({"excel"} if can_write_excel() else set())
TYPE_IDS = {"io.read_file", "io.write_file", "io.read_csv", "io.read_parquet", "io.read_excel", "io.read_json",
            "io.read_folder", "io.write_excel"}


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
        widget = spec_of(fn).param_index["folder" if fn.__name__ == "read_folder" else "path"].widget
        assert isinstance(widget, FilePath)
        assert widget.mode == ("write" if fn.__name__.startswith("write_") else "read")


def test_read_csv_parameters_are_the_documented_ones():
    params = {p.name: (p.type_name, p.default) for p in spec_of(NODES[2]).params}
    assert params == {
        "path": ("str", ""), "separator": ("str", ","), "decimal": ("str", "."), "encoding": ("str", "utf-8"),
        "header_row": ("int", 0), "column_types": ("dict[str, str]", {}), "date_columns": ("list[str]", []),
        "missing_values": ("list[str]", []), "skip_rows": ("int", 0), "max_rows": ("int", 0)}


def test_the_writer_always_runs_and_the_readers_are_cached():
    assert {fn.__name__: spec_of(fn).cache for fn in NODES} == {
        "read_file": "all", "write_file": "none", "read_csv": "all", "read_parquet": "all",
        "read_excel": "all", "read_json": "all", "read_folder": "all", "write_excel": "none"}


def test_importing_the_plugin_imports_no_heavy_library():
    code = ("import sys, dataflow_io.plugin; "
            "print(','.join(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


class LinesConnector(SourceConnector):
    """A pack's table format, read only: one value per line."""

    id = "lines"
    label = "One value per line"
    extensions = (".lines",)

    def read(self, path, **options):
        import pandas as pd

        return pd.DataFrame({"value": path.read_text().split()})


class TalliesConnector(SourceConnector):
    """A pack's format that reads a params dict, not a table."""

    id = "tallies"
    extensions = (".tallies",)
    port_type = "params"

    def read(self, path, **options):
        return {"values": path.read_text().split()}


@hookimpl
def register_sources(register):
    register(LinesConnector())
    register(TalliesConnector())


def test_the_format_parameters_offer_the_installed_formats_and_a_packs_new_one(installed_plugins, tmp_path):
    reader = spec_of(NODES[0]).param_index["format"]
    writer = spec_of(NODES[1]).param_index["format"]
    assert (reader.default, reader.widget) == ("auto", FormatChoice("read", "table"))
    assert (writer.default, writer.widget) == ("auto", FormatChoice("write", "table"))
    registry = load_registry(extra=[("linespack", types.SimpleNamespace(register_sources=register_sources))])
    with using_plugins(registry):
        assert registry.plugins["linespack"].ok
        reading = format_choices(registry.sources, reader.widget)
        assert next(iter(reading)) == "auto" and set(reading) >= WRITABLE | {"lines"}
        assert reading["lines"] == "lines: One value per line · .lines"
        assert "tallies" not in reading              # it reads a params dict, and this node makes tables
        assert set(format_choices(registry.sources, writer.widget)) == WRITABLE | {"auto"}
        path = tmp_path / "values.txt"               # an extension no format claims: the choice decides
        path.write_text("a\nb\n")
        assert run_node(NODES[0], path=str(path), format="lines")["table"]["value"].tolist() == ["a", "b"]
