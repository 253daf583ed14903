"""`@node` turns typed functions into specs, and refuses bad declarations at import, naming the node."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import pytest

from dataflow.sdk import (
    Bounds,
    Column,
    Help,
    Model,
    NodeDefinitionError,
    Params,
    Step,
    Table,
    check_node,
    node,
    run_node,
    spec_of,
)


class Split(TypedDict):
    train: Table
    test: Table


def test_decorator_returns_the_function_unchanged_so_a_unit_test_is_a_plain_call():
    def double(data: Params, *, factor: int = 2) -> Params:
        """Double."""
        return {"v": data["v"] * factor}

    assert node(double) is double
    assert double({"v": 3}) == {"v": 6}


def test_ports_params_description_and_metadata_are_read_from_the_signature():
    @node(category="Transform/Rows", label="Top rows", version=3)
    def top(table: Table, other: Table | None = None, *,
            n: Annotated[int, Bounds(1, 100), Step(1), Help("How many rows")] = 5,
            how: Literal["first", "last"] = "first",
            columns: Annotated[list[str], Column(), Help("Columns to keep")] = [],  # noqa: B006
            threshold: float | None = None) -> Table:
        """Keep the top rows.

        Longer help for the side panel.
        """
        return table

    spec = spec_of(top)
    assert spec.category == "Transform/Rows" and spec.label == "Top rows" and spec.version == 3
    assert spec.description == "Keep the top rows."
    assert spec.help == "Longer help for the side panel."
    assert [(p.name, p.type.name, p.optional) for p in spec.inputs] == [("table", "table", False),
                                                                       ("other", "table", True)]
    assert [(p.name, p.type.name) for p in spec.outputs] == [("table", "table")]
    n, how, columns, threshold = spec.params
    assert (n.kind, n.default, n.bounds.min, n.bounds.max, n.step, n.help) == ("int", 5, 1, 100, 1, "How many rows")
    assert how.choices == ("first", "last") and how.kind == "str"
    assert columns.type_name == "list[str]" and isinstance(columns.widget, Column)
    assert threshold.nullable and threshold.type_name == "float | None"
    as_json = spec.to_dict()
    assert as_json["params"][0] == {"name": "n", "type": "int", "default": 5, "choices": None, "min": 1,
                                    "max": 100, "step": 1, "help": "How many rows", "label": "N", "widget": None}


def test_a_typed_dict_return_gives_several_named_outputs():
    @node
    def split(table: Table, *, ratio: float = 0.2) -> Split:
        """Split rows."""
        return {"train": table, "test": table}

    spec = spec_of(split)
    assert spec.multi_output and [p.name for p in spec.outputs] == ["train", "test"]


@pytest.mark.parametrize("source, fragment", [
    ("def f(data: Params, *, k: int) -> Params:\n    '''D.'''", "parameter 'k' needs a default"),
    ("def f(data, *, k: int = 1) -> Params:\n    '''D.'''", "input 'data' must be annotated with a port type"),
    ("def f(data: Params, k: int = 1) -> Params:\n    '''D.'''", "input 'k' must be annotated with a port type"),
    ("def f(data: Params, *, k: int = 1):\n    '''D.'''", "annotate the return type"),
    ("def f(data: Params, *, k: int = 1) -> Params:\n    pass", "add a docstring"),
    ("def f(data: Params, *, k: Annotated[int, Bounds(0, 5)] = 9) -> Params:\n    '''D.'''",
     "the default of parameter 'k' is invalid: 9 is above the maximum 5"),
    ("def f(data: Params, *, k: Literal['a', 'b'] = 'c') -> Params:\n    '''D.'''", "is not one of the choices"),
    ("def f(data: Params, *, k: set = set()) -> Params:\n    '''D.'''", "unsupported type"),
    ("def f(data: Params, *args: Params) -> Params:\n    '''D.'''", "*args and **kwargs are not supported"),
    ("def f(data: Params, *, k: Annotated[str, Bounds(0, 1)] = 'x') -> Params:\n    '''D.'''",
     "Bounds apply to int and float"),
    ("def f(data: Params) -> list:\n    '''D.'''", "the return annotation must be a port type"),
])
def test_a_bad_declaration_raises_at_import_naming_the_node_and_the_fix(source, fragment):
    namespace = {"Params": Params, "Annotated": Annotated, "Bounds": Bounds, "Literal": Literal}
    exec(source, namespace)  # a module being imported, in miniature
    with pytest.raises(NodeDefinitionError) as info:
        node(namespace["f"])
    assert "node '" in str(info.value) and ".f'" in str(info.value)
    assert fragment in str(info.value)


def test_version_and_type_id_are_checked():
    def f(data: Model) -> Model:
        """D."""
        return data

    with pytest.raises(NodeDefinitionError, match="version must be a positive integer"):
        node(version=0)(f)
    with pytest.raises(NodeDefinitionError, match="type_id must look like"):
        node(type_id="nodot")(f)


def test_run_node_runs_in_isolation_and_validates_parameters():
    @node
    def add(data: Params, *, amount: Annotated[float, Bounds(0, 10)] = 1.0) -> Params:
        """Add."""
        return {"v": data["v"] + amount}

    assert run_node(add, {"data": {"v": 1}}, amount=2) == {"params": {"v": 3.0}}
    with pytest.raises(ValueError, match="above the maximum"):
        run_node(add, {"data": {"v": 1}}, amount=11)
    with pytest.raises(ValueError, match="required input 'data'"):
        run_node(add, {})
    with pytest.raises(ValueError, match="no parameter 'amout'"):
        run_node(add, {"data": {"v": 1}}, amout=2)


def test_check_node_reports_missing_help_and_column_pickers_without_a_table():
    @node
    def pick(data: Params, *, column: Annotated[str, Column()] = "") -> Params:
        """Pick."""
        return data

    problems = check_node(pick)
    assert any("has no Help" in p for p in problems)
    assert any("picks a column but there is no table input" in p for p in problems)
    assert check_node(len) == [f"{len!r} is not decorated with @node"]


def test_run_node_returns_the_nodes_warnings_with_its_outputs(pack_site, tmp_path):
    from dataflow_testpack.nodes import read_numbers

    from dataflow.sdk import run_node

    path = tmp_path / "n.txt"
    path.write_text("1\nx\n2\n")
    out = run_node(read_numbers, path=str(path))
    assert out["params"] == {"values": [1, 2]}
    assert out.warnings == ["line 2 is not a number and was skipped"]


def test_run_node_rejects_an_output_of_the_wrong_type_with_the_message_a_workflow_run_gives(registry, tmp_path):
    from dataflow_testpack.nodes import wrong_output

    from dataflow.kernel import Engine, compile_workflow, load_workflow
    from tests.helpers import edge, write_workflow

    with pytest.raises(TypeError, match="output 'table' is not a table") as raised:
        run_node(wrong_output, {"data": {"values": [1]}})
    flow = write_workflow(tmp_path / "wrong.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                                    {"id": "w", "type": "testpack.wrong_output", "params": {}}],
                          [edge("n", "w")])
    with Engine.open(registry, executor="sequential", use_cache=False) as engine:
        result = engine.run(compile_workflow(load_workflow(flow), registry))
    assert result.nodes["w"].status == "failed" and result.nodes["w"].error == str(raised.value)


def test_run_node_checks_every_named_output_of_a_node_with_several(registry):
    @node
    def halves(table: Table) -> Split:
        """Split a table in two."""
        return {"train": table, "test": table.to_dict()}

    import pandas as pd

    with pytest.raises(TypeError, match="output 'test' is not a table: expected a pandas DataFrame"):
        run_node(halves, {"table": pd.DataFrame({"x": [1, 2]})})
