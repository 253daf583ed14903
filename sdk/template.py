"""The node-pack template behind `dataflow new-pack NAME`: a ready, installable, tested pack.

    dataflow new-pack text-tools          # creates ./text-tools/
    pip install -e text-tools             # its node appears in `dataflow nodes` and the palette
    pytest text-tools                     # its test passes as generated
"""

from __future__ import annotations

import re
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")


class PackNameError(ValueError):
    """The pack name cannot be a distribution and module name."""


def pack_names(name: str) -> tuple[str, str]:
    """`(distribution, module)` for a pack name: "text-tools" -> ("text-tools", "text_tools").

    The module name is also the entry-point name, so node type ids read `text_tools.<function>`.
    """
    if not NAME_PATTERN.match(name):
        raise PackNameError(f"'{name}' is not a usable pack name: use lower-case letters, digits and single "
                            "'-' or '_' between them, starting with a letter (e.g. text-tools)")
    module = name.replace("-", "_")
    if module in {"dataflow", "kernel", "sdk", "test", "tests"}:
        raise PackNameError(f"'{name}' would shadow another package; choose a more specific name")
    return name, module


def render_pack(name: str) -> dict[str, str]:
    """The files of a new pack, by relative path."""
    dist, module = pack_names(name)
    return {
        "pyproject.toml": PYPROJECT.format(dist=dist, module=module),
        "README.md": README.format(dist=dist, module=module),
        f"{module}/__init__.py": f'"""{dist}: a DataFlow node pack."""\n',
        f"{module}/nodes.py": NODES,
        f"{module}/plugin.py": PLUGIN,
        "tests/test_nodes.py": TESTS.format(module=module),
    }


def create_pack(name: str, parent: Path) -> Path:
    """Write a new pack into `parent/<name>` and return its folder; refuses to overwrite anything."""
    files = render_pack(name)
    folder = Path(parent) / name
    if folder.exists():
        raise FileExistsError(f"{folder} already exists; choose another name or folder")
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "A DataFlow node pack"
requires-python = ">=3.11"
# List what your nodes import (pandas, numpy, ...). DataFlow itself provides dataflow.sdk.
dependencies = ["pandas>=2.2"]

[project.optional-dependencies]
test = ["pytest"]

# This is what makes DataFlow find the pack: the entry-point group "dataflow".
# The name on the left is the prefix of your node type ids ({module}.<function>).
[project.entry-points.dataflow]
{module} = "{module}.plugin"

[tool.setuptools]
packages = ["{module}"]
"""

README = """\
# {dist}

A node pack for DataFlow, the local node-based data-science workbench.

    pip install -e .          # the nodes appear in `dataflow nodes` and in the app's palette
    pytest                    # run the pack's tests

## Nodes

- `{module}.add_ratio`: divide one column by another into a new column.

## Writing more nodes

A node is a typed function decorated with `@node` (see `{module}/nodes.py`): positional
parameters are input ports, keyword-only parameters are the form the user fills in, the
docstring's first line is the description. Register it in `{module}/plugin.py`, and test it
with `run_node` and `check_node` from `dataflow.sdk.testing` (see `tests/test_nodes.py`).
Bump `version=` when a node's results change, so cached results are recomputed.

`@node(schema=...)` says which columns a node returns, from its input's columns and its settings,
without data: the app then offers the columns downstream before anything runs, and `dataflow
validate` names a misspelt column at once. `check_schema` tests it against the real output.
"""

NODES = '''\
"""The pack's nodes: plain typed functions, testable by calling them."""

from __future__ import annotations

from typing import Annotated

from dataflow.sdk import Column, Help, NodeError, Table, TableSchema, node


def _add_ratio_schema(table: TableSchema, *, numerator: str, denominator: str, name: str) -> TableSchema:
    """The input's columns and the new one: what add_ratio returns, known before it runs."""
    return table.with_column(name, "number")


@node(category="My pack", version=1, schema=_add_ratio_schema)
def add_ratio(
    table: Table,
    *,
    numerator: Annotated[str, Column("table", kinds=("number",), required=True), Help("The column to divide")] = "",
    denominator: Annotated[str, Column("table", kinds=("number",), required=True),
                           Help("The column to divide by")] = "",
    name: Annotated[str, Help("The name of the new column")] = "ratio",
) -> Table:
    """Divide one column by another into a new column."""
    for param, column in (("numerator", numerator), ("denominator", denominator)):
        if column not in table.columns:
            raise NodeError(f"column '{column}' does not exist; columns: {', '.join(map(str, table.columns))}",
                            param=param)
    return table.assign(**{name: table[numerator] / table[denominator]})
'''

PLUGIN = '''\
"""Registers the pack's nodes with DataFlow (found through the `dataflow` entry point)."""

from dataflow.sdk import hookimpl

from . import nodes


@hookimpl
def register_nodes(register):
    register(nodes.add_ratio)
'''

TESTS = '''\
"""Each node on real data, its errors, and its declaration."""

import pandas as pd
import pytest

from dataflow.sdk import NodeError
from dataflow.sdk.testing import check_node, check_schema, run_node
from {module}.nodes import add_ratio


def test_add_ratio_divides_the_columns():
    table = pd.DataFrame({{"price": [10.0, 30.0], "qty": [2, 3]}})
    out = run_node(add_ratio, {{"table": table}}, numerator="price", denominator="qty", name="unit")
    assert out["table"]["unit"].tolist() == [5.0, 10.0]


def test_add_ratio_names_a_missing_column():
    table = pd.DataFrame({{"price": [10.0]}})
    with pytest.raises(NodeError, match="column 'qty' does not exist"):
        run_node(add_ratio, {{"table": table}}, numerator="price", denominator="qty")


def test_the_declared_columns_are_the_real_ones():
    table = pd.DataFrame({{"price": [10.0, 30.0], "qty": [2, 3]}})
    check_schema(add_ratio, {{"table": table}}, numerator="price", denominator="qty", name="unit")


def test_declarations_are_valid():
    assert check_node(add_ratio) == []
'''
