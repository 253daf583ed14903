"""A value handed to a node can never be changed for another node or for the cache: a node that
edits lists inside an object column, or forces a read-only array writable and writes into it,
changes only its own copy."""

from __future__ import annotations

import json

import pytest

from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow
from tests.helpers import Cli, edge, install_module_pack, write_workflow

PACK = '''
import numpy as np
import pandas as pd

from dataflow.sdk import Array, Params, Table, hookimpl, node


@node(category="Vandal")
def tagged(*, lists: bool = True) -> Table:
    """A table with a number column and, optionally, a column of lists."""
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    if lists:
        frame["tags"] = pd.Series([["a"], ["b"], ["c"]], dtype=object)
    return frame


@node(category="Vandal")
def vandal(data: Table) -> Params:
    """Edits its input in place, by every means it can find."""
    if "tags" in data:
        for tags in data["tags"]:
            tags.append("vandal")
    values = data["x"].to_numpy()
    try:
        values.setflags(write=True)
        values[:] = -1
    except ValueError:
        pass
    return {"done": 1}


@node(category="Vandal")
def reader(data: Table, after: Params) -> Params:
    """What a sibling sees (it runs after the vandal)."""
    tags = [list(t) for t in data["tags"]] if "tags" in data else []
    return {"x": data["x"].tolist(), "tags": tags}


@node(category="Vandal")
def vector() -> Array:
    """An array."""
    return np.arange(3.0)


@node(category="Vandal")
def array_vandal(values: Array) -> Params:
    """Forces its read-only array input writable and writes into it."""
    try:
        values.setflags(write=True)
        values[:] = -1
    except ValueError:
        pass
    return {"done": 1}


@node(category="Vandal")
def array_reader(values: Array, after: Params) -> Params:
    """What a sibling of the array vandal sees."""
    return {"x": values.tolist()}


@hookimpl
def register_nodes(register):
    for fn in (tagged, vandal, reader, vector, array_vandal, array_reader):
        register(fn)
'''

INTACT = {"x": [1.0, 2.0, 3.0], "tags": [["a"], ["b"], ["c"]]}


@pytest.fixture
def site(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    install_module_pack(folder, "vandalpack", PACK)
    monkeypatch.syspath_prepend(str(folder))
    return folder


def vandal_flow(folder, *, lists: bool = True):
    return write_workflow(folder / "vandal.json", [
        {"id": "t", "type": "vandalpack.tagged", "params": {"lists": lists}},
        {"id": "v", "type": "vandalpack.vandal", "params": {}},
        {"id": "r", "type": "vandalpack.reader", "params": {}},
        {"id": "a", "type": "vandalpack.vector", "params": {}},
        {"id": "av", "type": "vandalpack.array_vandal", "params": {}},
        {"id": "ar", "type": "vandalpack.array_reader", "params": {}}],
        [edge("t", "v"), edge("t", "r", target_port="data"), edge("v", "r", target_port="after"),
         edge("a", "av"), edge("a", "ar", target_port="values"), edge("av", "ar", target_port="after")])


@pytest.mark.parametrize("executor", ["sequential", "threads"])
def test_a_node_editing_its_inputs_in_place_changes_nothing_for_its_sibling_or_the_memory_cache(
        site, tmp_path, executor):
    registry = load_registry()
    graph = compile_workflow(load_workflow(vandal_flow(tmp_path)), registry)
    with Engine.open(registry, executor=executor, directory=tmp_path / "cache", tiers=["memory"]) as engine:
        first = engine.run(graph, keep_outputs=["r", "ar"])
        assert first.status == "ok", first.failed
        assert first.outputs["r"]["params"] == INTACT
        assert first.outputs["ar"]["params"] == {"x": [0.0, 1.0, 2.0]}
        # again with the sources from the memory tier: the objects it keeps must be the originals
        for node_id in ("v", "r", "av", "ar"):
            for tier in engine.cache.tiers:
                tier.delete(first.nodes[node_id].key)
        second = engine.run(graph, keep_outputs=["r", "ar"])
    assert {n: r.status for n, r in second.nodes.items() if n in "ta"} == {"t": "cached", "a": "cached"}
    assert second.outputs["r"]["params"] == INTACT
    assert second.outputs["ar"]["params"] == {"x": [0.0, 1.0, 2.0]}


def test_a_node_forcing_a_read_only_array_writable_cannot_corrupt_the_table_stored_on_disk(site, tmp_path):
    flow = vandal_flow(tmp_path, lists=False)
    cli = Cli(site, tmp_path / "cache")
    for attempt in ("first", "from the disk cache"):
        code, result = cli.json("run", flow, "--output-dir", tmp_path / "out")
        assert code == 0, result
        read = json.loads((tmp_path / "out" / "r.json").read_text())
        assert read == {"x": [1.0, 2.0, 3.0], "tags": []}, attempt
        assert json.loads((tmp_path / "out" / "ar.json").read_text()) == {"x": [0.0, 1.0, 2.0]}, attempt
    statuses = {n["id"]: n["status"] for n in result["nodes"]}
    assert statuses["t"] == "cached" and statuses["a"] == "cached"
