"""A loop's iterations are compiled once and copied per item (`kernel/instances.py`): the graph
must be the one compiling every iteration gives, node for node and key for key, or an iteration
would be keyed (and cached) as another one; and a value that does not fit the node it reaches
fails the loop with the message compiling it gave."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dataflow.kernel import NodeError, compile_workflow, load_registry, load_workflow
from dataflow.kernel.graph import Graph
from dataflow.kernel.instances import iterations_graph
from dataflow.kernel.iterations import _iterations, list_items
from tests.helpers import edge

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def months(folder: Path, count: int = 4) -> None:
    (folder / "monthly").mkdir()
    for month in range(1, count + 1):
        pd.DataFrame({"region": ["north", "south"], "qty": [month, 3]}).to_csv(
            folder / "monthly" / f"sales-{month:02d}.csv", index=False)


def component(folder: Path) -> None:
    """`component.month`: read the file its `path` names, keep `rows` of it (the parameter reaches a
    node whose own bounds are narrower than the component's declaration)."""
    (folder / "components").mkdir()
    (folder / "components" / "month.json").write_text(json.dumps({
        "version": "0.2.0", "parameters": {"path": {"type": "path", "default": ""},
                                           "rows": {"type": "int", "default": 1}},
        "component": {"inputs": [], "outputs": [{"name": "table", "type": "table", "from": "top.table"}]},
        "nodes": [{"id": "read", "type": "io.read_csv", "params": {"path": {"$param": "path"}}},
                  {"id": "top", "type": "transform.sample", "params": {"rows": {"$param": "rows"}}}],
        "edges": [edge("read", "top")]}))


def loop_workflow(folder: Path, nodes: list[dict], edges: list[dict] = ()) -> Path:
    path = folder / "loop.json"
    path.write_text(json.dumps({"version": "0.2.0", "nodes": nodes, "edges": list(edges), "meta": {"name": "l"}}))
    return path


def both(registry, path: Path, loop_id: str, inputs: dict | None = None) -> tuple[Graph, Graph]:
    """The iterations' graph made by copying the first, and by compiling the whole workflow."""
    graph = compile_workflow(load_workflow(path), registry)
    node = graph.nodes[loop_id]
    inputs = inputs if inputs is not None else dict.fromkeys(node.inputs)
    items = list_items(node.loop, inputs, registry)
    workflow, _, overlay = _iterations(node.loop, node, items, inputs, {p: "up" for p in inputs}, registry, graph)
    copied = iterations_graph(node.loop, workflow, items, overlay)
    whole = node.loop.compile(workflow, overlay, component_dirs=node.loop.component_dirs)
    return copied, whole


def assert_same(copied: Graph, whole: Graph) -> None:
    assert sorted(copied.order) == sorted(whole.order)
    seen: set[str] = set()
    for node_id in copied.order:  # an order that runs every node after its sources
        assert copied.nodes[node_id].source_set <= seen, node_id
        seen.add(node_id)
    for node_id, expected in whole.nodes.items():
        got = copied.nodes[node_id]
        assert (got.spec.type_id, got.params, got.params_json, got.key_head, got.extra_fingerprint, got.inputs,
                got.key_inputs, got.label, got.bindings) == \
               (expected.spec.type_id, expected.params, expected.params_json, expected.key_head,
                expected.extra_fingerprint, expected.inputs, expected.key_inputs, expected.label,
                expected.bindings), node_id
    assert {k: sorted(v) for k, v in copied.consumers.items()} == {k: sorted(v) for k, v in whole.consumers.items()}


def test_a_files_loop_over_a_node_is_copied_as_compiled(registry, tmp_path):
    months(tmp_path)
    path = loop_workflow(tmp_path, [{"id": "each", "type": "io.read_csv", "params": {"separator": ";"},
                                     "loop": {"over": "files", "folder": "monthly", "param": "path"}}])
    copied, whole = both(registry, path, "each")
    assert len(whole.order) == 4
    assert_same(copied, whole)
    assert {copied.nodes[f"#{k}"].params["path"] for k in range(4)} == \
        {f"monthly/sales-{m:02d}.csv" for m in range(1, 5)}


def test_a_files_loop_over_a_component_is_copied_as_compiled(registry, tmp_path):
    months(tmp_path)
    component(tmp_path)
    path = loop_workflow(tmp_path, [{"id": "each", "type": "component.month", "params": {"rows": 2},
                                     "loop": {"over": "files", "folder": "monthly", "param": "path"}}])
    copied, whole = both(registry, path, "each")
    assert len(whole.order) == 8 and whole.nodes["#3/read"].extra_fingerprint  # the component's version
    assert_same(copied, whole)


def test_a_values_loop_over_a_node_and_a_group_loop_are_copied_as_compiled(registry, tmp_path):
    path = loop_workflow(tmp_path, [
        {"id": "data", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "top", "type": "transform.sample", "params": {},
         "loop": {"over": "values", "values": {"rows": [1, 2, 3], "mode": ["head", "tail"]}}},
        {"id": "per", "type": "transform.sort", "params": {"columns": ["sepal_length"]},
         "loop": {"over": "groups", "port": "table", "keys": ["target"]}}],
        [edge("data", "top"), edge("data", "per")])
    assert_same(*both(registry, path, "top"))
    table = pd.DataFrame({"target": [0, 1, 1, 2], "sepal_length": [1.0, 2.0, 3.0, 4.0]})
    copied, whole = both(registry, path, "per", {"table": table})
    assert [n for n in whole.order if n.endswith(".in")] and len(whole.order) == 6
    assert_same(copied, whole)


def test_a_grid_of_estimators_is_copied_with_each_ones_version(registry):
    path = ROOT / "workflows" / "model_grid.json"
    graph = compile_workflow(load_workflow(path), registry)
    loop_id = next(n for n, node in graph.nodes.items() if node.loop is not None)
    copied, whole = both(registry, path, loop_id)
    assert len({n.extra_fingerprint for n in whole.nodes.values()}) > 2  # each model's version in its nodes' keys
    assert_same(copied, whole)


def test_a_value_that_does_not_fit_the_node_it_reaches_fails_as_compiling_it_did(registry, tmp_path):
    months(tmp_path, 1)
    component(tmp_path)
    path = loop_workflow(tmp_path, [{"id": "each", "type": "component.month",
                                     "params": {"path": "monthly/sales-01.csv"},
                                     "loop": {"over": "values", "values": {"rows": [1, -1]}}}])
    graph = compile_workflow(load_workflow(path), registry)
    node = graph.nodes["each"]
    items = list_items(node.loop, {}, registry)
    workflow, _, overlay = _iterations(node.loop, node, items, {}, {}, registry, graph)
    with pytest.raises(Exception) as compiled:
        node.loop.compile(workflow, overlay, component_dirs=node.loop.component_dirs)
    with pytest.raises(NodeError) as copied:
        iterations_graph(node.loop, workflow, items, overlay)
    assert str(copied.value) == f"the loop's iterations do not compile: {compiled.value.problems[0].message}"
    assert "node '#1/top', parameter 'rows'" in str(copied.value)
