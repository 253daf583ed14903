"""The plugin as a whole: every node registered under its fixed id, well declared, and usable in a
real workflow whose outputs go through the real cache (memory and disk) and come back equal."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from dataflow.kernel import Engine, compile_workflow, load_registry, workflow_from_dict
from dataflow.sdk import NodeError, Table, check_node, hookimpl, node, run_node
from dataflow_transform.plugin import NODES

# Workflow files depend on these ids for good: a rename here breaks every saved workflow.
REQUIRED_IDS = {
    "transform.select", "transform.rename", "transform.filter", "transform.sort", "transform.sample",
    "transform.dedupe", "transform.fill_missing", "transform.drop_missing", "transform.cast", "transform.derive",
    "transform.groupby", "transform.pivot", "transform.melt", "transform.join", "transform.concat",
    "transform.split_column", "transform.text", "transform.date_parts", "transform.bin", "transform.one_hot",
    "transform.describe", "transform.value_counts", "transform.correlation", "transform.profile",
}


@pytest.mark.parametrize("fn", NODES, ids=lambda fn: fn.__name__)
def test_every_node_passes_check_node(fn):
    assert check_node(fn) == []




def test_the_installed_plugin_registers_every_node_under_its_fixed_type_id(registry):
    record = registry.plugins["transform"]
    assert (record.status, record.distribution) == ("loaded", "dataflow-transform")
    ids = {type_id for type_id in registry.nodes if type_id.startswith("transform.")}
    assert ids == REQUIRED_IDS


def test_every_node_has_a_category_a_description_and_help_for_each_parameter(registry):
    for type_id in REQUIRED_IDS:
        spec = registry.nodes[type_id]
        assert spec.category.startswith(("Transform/", "Explore")), type_id
        assert len(spec.description) > 20, type_id
        assert all(len(p.help) > 15 for p in spec.params), type_id


def test_column_parameters_point_the_picker_at_the_right_input(registry):
    widgets = {(t, p.name): p.to_dict()["widget"] for t in REQUIRED_IDS for p in registry.nodes[t].params}
    column = {"kind": "column", "kinds": [], "required": False}
    assert widgets[("transform.select", "columns")] == {**column, "port": "table"}
    assert widgets[("transform.join", "left_on")] == {**column, "port": "left"}
    assert widgets[("transform.join", "right_on")] == {**column, "port": "right"}
    assert widgets[("transform.bin", "column")] == {**column, "port": "table", "kinds": ["number"], "required": True}
    assert widgets[("transform.filter", "formula")] == {"kind": "formula"}
    assert widgets[("transform.derive", "formula")] == {"kind": "formula"}


# --- a real workflow through the engine and the cache -----------------------------------------

@node(category="Test")
def shop_orders(*, rows: int = 300, seed: int = 0) -> Table:
    """Random shop orders with gaps in numbers, text and dates (the source of the workflow test)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "order_id": np.arange(rows),
        "region": pd.Series(rng.choice(["north", "south", "east"], rows), dtype="str"),
        "email": pd.Series([f"user{i}@shop{i % 3}.example" for i in range(rows)], dtype="str"),
        "quantity": rng.integers(1, 20, rows),
        "unit price": np.round(rng.lognormal(3, 1, rows), 2),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 8760, rows), unit="h"),
        "signup": pd.Series(["2023-05-01"] * rows, dtype="str"),
    })
    frame.loc[::17, "unit price"] = np.nan
    frame.loc[::23, "region"] = np.nan
    frame.loc[::29, "order_date"] = pd.NaT
    return frame


@hookimpl
def register_nodes(register):
    register(shop_orders)


# One node of every type, each fed by the source (join and concat by two edges).
STEPS = {
    "select": ("select", {"columns": ["region", "order_id"]}),
    "rename": ("rename", {"mapping": {"unit price": "price"}}),
    "derive": ("derive", {"name": "total", "formula": "`unit price` * quantity"}),
    "cast": ("cast", {"types": {"signup": "date", "quantity": "float", "region": "category"}}),
    "filter": ("filter", {"formula": "quantity > 5 and region in ['north', 'east']"}),
    "sort": ("sort", {"columns": ["unit price"], "order": "descending"}),
    "sample": ("sample", {"mode": "random", "rows": 50, "seed": 3}),
    "dedupe": ("dedupe", {"columns": ["region"], "keep": "last"}),
    "fill": ("fill_missing", {"method": "median"}),
    "dropna": ("drop_missing", {"how": "any"}),
    "groupby": ("groupby", {"by": ["region"], "aggregations": ["unit price:mean", "quantity:sum"]}),
    "pivot": ("pivot", {"index": ["region"], "columns": "quantity", "values": "unit price"}),
    "melt": ("melt", {"id_columns": ["order_id"], "value_columns": ["quantity", "region"]}),
    "join": ("join", {"on": ["order_id"], "how": "left"}),
    "concat": ("concat", {"source_column": "part"}),
    "split": ("split_column", {"column": "email", "separator": "@", "names": ["user", "domain"]}),
    "text": ("text", {"column": "email", "operation": "upper"}),
    "dates": ("date_parts", {"column": "order_date", "parts": ["year", "quarter", "week", "weekday"]}),
    "bin": ("bin", {"column": "unit price", "method": "quantile", "bins": 4}),
    "onehot": ("one_hot", {"columns": ["region"]}),
    "describe": ("describe", {}),
    "counts": ("value_counts", {"columns": ["region"]}),
    "corr": ("correlation", {"method": "spearman"}),
    "profile": ("profile", {"max_rows": 1_000}),
}


@pytest.fixture(scope="module")
def registry():
    return load_registry(extra=[("fixtures", SimpleNamespace(register_nodes=register_nodes))])


def _graph(registry):
    nodes = [{"id": "src", "type": "fixtures.shop_orders", "params": {}}]
    edges = []
    for node_id, (name, params) in STEPS.items():
        nodes.append({"id": node_id, "type": f"transform.{name}", "params": params})
        spec = registry.nodes[f"transform.{name}"]
        for port in spec.inputs:
            edges.append({"source": "src", "source_port": "table", "target": node_id, "target_port": port.name})
    return compile_workflow(workflow_from_dict({"version": "0.1.0", "nodes": nodes, "edges": edges}), registry)


def test_a_workflow_using_every_node_runs_and_its_outputs_come_back_equal_from_the_disk_cache(registry, tmp_path):
    graph = _graph(registry)
    with Engine.open(registry, directory=tmp_path / "cache") as engine:
        first = engine.run(graph, keep_outputs=True)
    assert first.status == "ok", [(r.id, r.error) for r in first.failed]
    assert {r.status for r in first.nodes.values()} == {"computed"}
    with Engine.open(registry, directory=tmp_path / "cache") as engine:  # a new engine: hits come from disk
        second = engine.run(graph, keep_outputs=True)
    assert {r.status for r in second.nodes.values()} == {"cached"}
    for node_id in STEPS:
        pd.testing.assert_frame_equal(second.outputs[node_id]["table"], first.outputs[node_id]["table"])
    assert len(first.outputs["concat"]["table"]) == 600
    assert list(first.outputs["corr"]["table"]["column"]) == ["order_id", "quantity", "unit price"]


@pytest.mark.parametrize("node_id", list(STEPS))
def test_every_node_handles_an_empty_table(registry, node_id):
    name, params = STEPS[node_id]
    spec = registry.nodes[f"transform.{name}"]
    empty = shop_orders(rows=20).head(0)
    try:
        out = run_node(spec.fn, {port.name: empty for port in spec.inputs}, **params)["table"]
    except NodeError as error:  # a clear message is fine ("no values to bin"); a crash is not
        assert name == "bin" and "no values to bin" in str(error)
        return
    assert isinstance(out, pd.DataFrame)
    if name in ("describe", "correlation", "profile"):  # one row per column, whatever the number of rows
        assert out["column"].tolist()[:2] == (["order_id", "region"] if name in ("describe", "profile") else ["order_id", "quantity"])
    else:
        assert len(out) == 0
