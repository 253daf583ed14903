"""Format 0.2.0: each node records its type's version; files of format 0.1.0 open through the first
real migration; a node saved with an older version of its type has its parameters migrated, one
saved with a newer version names the package to upgrade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pytest

from dataflow.kernel import (
    Engine,
    WorkflowError,
    compile_workflow,
    load_registry,
    load_workflow,
    save_workflow,
    workflow_from_dict,
)
from dataflow.sdk import Bounds, NodeDefinitionError, Table, hookimpl, node

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "tests" / "data" / "format_0_1_0"   # every file of workflows/ as it was in format 0.1.0


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _keys(graph, registry) -> dict[str, str]:
    with Engine.open(registry, executor="sequential", use_cache=False) as engine:
        return {n: p.key.key for n, p in engine.plan(graph).items()}


@pytest.mark.parametrize("name", sorted(p.name for p in OLD.glob("*.json")))
def test_every_shipped_workflow_of_format_010_opens_through_the_migration_unchanged(registry, name, tmp_path):
    # read as if it still lay where it was shipped, so that its relative data paths name the same files
    old = workflow_from_dict(json.loads((OLD / name).read_text()), name, (ROOT / "workflows" / name).resolve())
    assert old.migrations == ["0.1.0 -> 0.2.0"] and old.version == "0.2.0"
    assert all(n.version is None for n in old.nodes.values())      # 0.1.0 did not record them
    new = load_workflow(ROOT / "workflows" / name)
    assert new.migrations == [] and all(n.version is not None for n in new.nodes.values() if n.type in registry.nodes)
    dirs = [ROOT / "workflows" / "components"]
    # the same nodes, parameters and edges: the same cache keys, so nothing re-runs after the upgrade
    assert _keys(compile_workflow(old, registry, component_dirs=dirs), registry) == \
        _keys(compile_workflow(new, registry, component_dirs=dirs), registry)
    saved = json.loads(save_workflow(old, tmp_path / name, registry).read_text())
    assert saved["version"] == "0.2.0"
    assert all(n["version"] == registry.nodes[n["type"]].version for n in saved["nodes"]
               if n["type"] in registry.nodes)


def test_a_version_key_on_a_010_node_was_no_field_and_is_kept_aside():
    data = {"version": "0.1.0", "nodes": [{"id": "a", "type": "samples.dataset", "version": "mine"}], "edges": []}
    workflow = workflow_from_dict(data)
    assert workflow.nodes["a"].version is None and workflow.nodes["a"].extra == {"x-version": "mine"}


@pytest.mark.parametrize("bad", ["2", 0, -1, True, 1.5, 2**70])
def test_a_node_version_that_is_not_a_positive_whole_number_is_named(bad):
    data = {"version": "0.2.0", "nodes": [{"id": "a", "type": "samples.dataset", "version": bad}], "edges": []}
    with pytest.raises(WorkflowError, match="node 'a': 'version'"):
        workflow_from_dict(data)


# --- a pack whose node changed twice ---------------------------------------------------------

def _percent_to_fraction(params):
    params = dict(params)
    if "percent" in params:
        params["fraction"] = params.pop("percent") / 100
    return params


def _mode_to_flag(params):
    params = dict(params)
    params["keep_top"] = params.pop("mode", "top") == "top"
    return params


@node(version=3, migrations={1: _percent_to_fraction, 2: _mode_to_flag}, type_id="evolving.sample")
def sample(table: Table, *, fraction: Annotated[float, Bounds(0, 1)] = 0.5, keep_top: bool = True) -> Table:
    """Keep a fraction of the rows, from the top or the bottom."""
    rows = round(len(table) * fraction)
    return table.head(rows) if keep_top else table.tail(rows)


class EvolvingPack:
    @hookimpl
    def register_nodes(self, register):
        register(sample)


@pytest.fixture(scope="module")
def evolving():
    return load_registry(extra=[("evolving", EvolvingPack())])


def _flow(version: int | None, params: dict) -> dict:
    return {"version": "0.2.0", "nodes": [
        {"id": "iris", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "s", "type": "evolving.sample", **({"version": version} if version else {}), "params": params}],
        "edges": [{"source": "iris", "target": "s"}], "meta": {"name": "evolving"}}


def test_a_node_saved_with_version_1_has_each_migration_applied_in_order(evolving, tmp_path):
    workflow = workflow_from_dict(_flow(1, {"percent": 20, "mode": "bottom"}))
    graph = compile_workflow(workflow, evolving)
    assert graph.nodes["s"].params == {"fraction": 0.2, "keep_top": False}
    with Engine.open(evolving, executor="sequential", use_cache=False) as engine:
        table = engine.run(graph, keep_outputs=["s"]).outputs["s"]["table"]
    assert len(table) == 30 and table.index[-1] == 149                  # the bottom 20 %
    saved = json.loads(save_workflow(workflow, tmp_path / "up.json", evolving).read_text())
    node = next(n for n in saved["nodes"] if n["id"] == "s")
    assert node["version"] == 3 and node["params"] == {"fraction": 0.2, "keep_top": False}


def test_a_node_saved_with_version_2_gets_only_the_later_migration(evolving):
    graph = compile_workflow(workflow_from_dict(_flow(2, {"fraction": 0.1, "mode": "top"})), evolving)
    assert graph.nodes["s"].params == {"fraction": 0.1, "keep_top": True}


def test_a_migrated_value_is_validated_like_any_value(evolving):
    with pytest.raises(WorkflowError, match="parameter 'fraction'.*above the maximum"):
        compile_workflow(workflow_from_dict(_flow(1, {"percent": 250})), evolving)


def test_a_node_saved_with_a_newer_version_names_the_plugin_to_upgrade(evolving):
    with pytest.raises(WorkflowError, match=r"node 's' \(evolving.sample\) was saved with version 4 of its type; "
                                            r"the installed plugin \(evolving\) has version 3: upgrade it"):
        compile_workflow(workflow_from_dict(_flow(4, {"fraction": 0.1})), evolving)


def test_a_migration_that_fails_is_named_not_raised(evolving):
    with pytest.raises(WorkflowError, match="could not be brought from version 1 to 2: TypeError"):
        compile_workflow(workflow_from_dict(_flow(1, {"percent": "twenty"})), evolving)


def test_a_wrong_migration_declaration_fails_at_import():
    with pytest.raises(NodeDefinitionError, match="migrations=.*each key is a version below 2"):
        @node(version=2, migrations={2: _mode_to_flag})
        def wrong(table: Table) -> Table:
            """Doc."""
            return table
