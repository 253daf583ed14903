"""Versioning a node: a new version misses old cache entries; renamed parameters migrate old files."""

from __future__ import annotations

import json

import pytest

from dataflow.kernel import compile_workflow, load_workflow, save_workflow
from dataflow.kernel.errors import NodeDefinitionError
from dataflow.sdk import Params, node
from tests.helpers import write_workflow


def clip_flow(folder, params):
    return write_workflow(folder / "clip.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 6}},
        {"id": "c", "type": "testpack.clip", "params": params}], [{"source": "n", "target": "c"}])


def test_a_file_saved_with_the_old_parameter_name_loads_runs_and_saves_with_the_new_one(registry, tmp_path):
    path = clip_flow(tmp_path, {"maximum": 3})
    workflow = load_workflow(path)
    graph = compile_workflow(workflow, registry)
    assert graph.nodes["c"].params == {"upper": 3.0}
    save_workflow(workflow, path, registry)
    saved = json.loads(path.read_text())
    assert next(n for n in saved["nodes"] if n["id"] == "c")["params"] == {"upper": 3}


def test_the_old_name_also_works_on_the_command_line(cli, tmp_path):
    code, out = cli.json("run", clip_flow(tmp_path, {}), "--set", "c.maximum=2")
    assert code == 0, out


def test_renaming_to_a_parameter_that_does_not_exist_fails_at_import():
    with pytest.raises(NodeDefinitionError, match="there is no parameter 'limit'"):
        @node(renamed={"maximum": "limit"})
        def clipper(data: Params, *, upper: float = 1.0) -> Params:
            """Doc."""


def test_a_new_node_version_recomputes_the_node_and_its_downstream_not_its_upstream(registry, tmp_path):
    import dataclasses

    from dataflow.kernel import Engine
    from tests.helpers import edge

    path = write_workflow(tmp_path / "versions.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 6}},
        {"id": "c", "type": "testpack.clip", "params": {"upper": 3}},
        {"id": "t", "type": "testpack.total", "params": {}}], [edge("n", "c"), edge("c", "t")])
    flow = load_workflow(path)
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        first = engine.run(compile_workflow(flow, registry))
        assert {n: r.status for n, r in first.nodes.items()} == dict.fromkeys("nct", "computed")
        spec = registry.nodes["testpack.clip"]
        registry.nodes["testpack.clip"] = dataclasses.replace(spec, version=spec.version + 1)  # the pack's next release
        second = engine.run(compile_workflow(flow, registry))
    results = {n: (r.status, r.reason) for n, r in second.nodes.items()}
    assert results == {"n": ("cached", ""), "c": ("computed", "node version changed"),
                       "t": ("computed", "upstream c changed")}
