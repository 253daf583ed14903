"""Fixtures for the io plugin's tests: real files in tmp_path, a node runner that keeps warnings,
a minimal .xlsx writer (no Excel library needed to make one), and the real `dataflow` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from dataflow.kernel import call_node, load_registry
from dataflow.sdk import spec_of, using_plugins


@pytest.fixture(autouse=True, scope="module")
def installed_plugins():
    """The installed plugins as they are when the module starts (an Excel engine present), for the
    nodes its tests run: some tests take the Excel engine away, and a registry loaded then would
    have no Excel format."""
    with using_plugins(load_registry()) as registry:
        yield registry


@pytest.fixture
def frame() -> pd.DataFrame:
    """A small table with one column of each common type."""
    return pd.DataFrame({
        "id": [1, 2, 3, 4],
        "price": [9.5, 10.25, -3.0, 1e6],
        "name": ["apple", "café", 'say "hi"', "pear, ripe"],
        "in_stock": [True, False, True, True],
        "when": pd.to_datetime(["2024-01-01 00:00:00", "2024-02-29 13:45:00", "2023-12-31 23:59:59", "2024-06-01 08:00:00"]),
    })


@pytest.fixture
def run_with_warnings() -> Callable[..., tuple[dict[str, Any], list[str]]]:
    """`run_with_warnings(node, inputs, **params)` -> (outputs, warnings), called as the engine calls it."""

    def run(fn: Any, inputs: dict[str, Any] | None = None, **params: Any) -> tuple[dict[str, Any], list[str]]:
        spec = spec_of(fn)
        values = {p.name: params.pop(p.name, p.default) for p in spec.params}
        assert not params, f"unknown parameters {params}"
        outcome = call_node(spec, inputs or {}, values)
        return outcome.outputs, outcome.warnings

    return run


@pytest.fixture
def make_xlsx() -> Callable[[Path, dict[str, list[list[Any]]]], Path]:
    """`make_xlsx(path, {sheet: rows})` writes a real workbook."""
    return write_xlsx


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write a real .xlsx workbook (Office Open XML, inline strings) with the given sheets' rows."""
    def cell(ref: str, value: Any) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    def sheet_xml(rows: list[list[Any]]) -> str:
        body = "".join(
            f'<row r="{r}">' + "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row)) + "</row>"
            for r, row in enumerate(rows, start=1))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>')

    main = "http://schemas.openxmlformats.org"
    names = list(sheets)
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{main}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(names) + 1))
            + "</Types>"))
        book.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{main}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        book.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}/spreadsheetml/2006/main" '
            f'xmlns:r="{main}/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
            + "</sheets></workbook>"))
        book.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{main}/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{main}/officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
            + "</Relationships>"))
        for i, name in enumerate(names, start=1):
            book.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(sheets[name]))
    return path


class Cli:
    """The real `dataflow` command in a subprocess, with a private cache folder."""

    def __init__(self, cache: Path):
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATAFLOW_DATA_DIRS", "DATAFLOW_MAX_FILE_MB")}
        self.env["DATAFLOW_CACHE_DIR"] = str(cache)

    def json(self, *args: Any) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "dataflow.cli", *map(str, args), "--json"],
                              env=self.env, capture_output=True, text=True, timeout=120)
        try:
            return done.returncode, json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"no JSON on stdout:\n{done.stdout}\n--- stderr ---\n{done.stderr}") from None


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "cache")


@pytest.fixture
def make_workflow() -> Callable[..., Path]:
    """`make_workflow(path, nodes, edges)` writes a workflow file."""
    return write_workflow


def write_workflow(path: Path, nodes: list[dict], edges: list[dict] | None = None) -> Path:
    """A workflow file in the 0.1.0 format."""
    data = {"version": "0.1.0", "nodes": nodes, "edges": edges or [], "meta": {"name": path.stem}}
    path.write_text(json.dumps(data, indent=2))
    return path
