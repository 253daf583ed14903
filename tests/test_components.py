"""Components: a workflow file with declared ports, used as a node of type `component.<name>`,
flattened when compiled so every inner node keeps its own cache key and is named by its path."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dataflow.kernel import (
    Engine,
    WorkflowError,
    compile_workflow,
    load_registry,
    load_workflow,
    save_workflow,
)
from tests.helpers import edge

ROWS = pd.DataFrame({"x": [1, 2, 2, 3, 4], "y": [10.0, 20.0, 20.0, None, 40.0]})


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def component(folder: Path, name: str, nodes: list[dict], edges: list[dict], inputs: list, outputs: list,
              parameters: dict | None = None) -> Path:
    path = folder / "components" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    data = {"version": "0.1.0", "component": {"inputs": inputs, "outputs": outputs}, "parameters": parameters or {},
            "nodes": nodes, "edges": edges, "meta": {"name": name}}
    path.write_text(json.dumps(data))
    return path


def clean(folder: Path) -> Path:
    """dedupe -> drop_missing -> filter(keep), input `table`, output `table`, parameter `keep`."""
    return component(folder, "clean",
                     [{"id": "dedupe", "type": "transform.dedupe", "params": {}},
                      {"id": "complete", "type": "transform.drop_missing", "params": {}},
                      {"id": "keep", "type": "transform.filter", "params": {"formula": {"$param": "keep"}}}],
                     [edge("dedupe", "complete"), edge("complete", "keep")],
                     [{"name": "table", "type": "table", "to": ["dedupe.table"]}],
                     [{"name": "table", "type": "table", "from": "keep.table"}],
                     {"keep": {"type": "text", "default": "x > 1"}})


def user(folder: Path, nodes: list[dict], edges: list[dict], **extra) -> Path:
    (folder / "rows.csv").write_text(ROWS.to_csv(index=False))
    path = folder / "user.json"
    data = {"version": "0.1.0", "nodes": [{"id": "rows", "type": "io.read_csv", "params": {"path": "rows.csv"}}, *nodes],
            "edges": edges, "meta": {"name": "user"}, **extra}
    path.write_text(json.dumps(data))
    return path


def run(registry, path: Path, cache: Path, **kwargs):
    graph = compile_workflow(load_workflow(path), registry, **kwargs)
    with Engine.open(registry, executor="sequential", directory=cache) as engine:
        return graph, engine.run(graph, keep_outputs=True)


def problems(registry, path: Path) -> list[str]:
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(load_workflow(path), registry)
    return [p.message for p in caught.value.problems]


def test_a_component_used_twice_runs_as_its_nodes_named_by_path(registry, tmp_path):
    clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {}},
                           {"id": "b", "type": "component.clean", "params": {"keep": "x > 3"}}],
                [edge("rows", "a"), edge("rows", "b")])
    graph, result = run(registry, path, tmp_path / "cache")
    assert result.status == "ok"
    assert set(result.nodes) == {"rows", *(f"{c}/{n}" for c in "ab" for n in ("dedupe", "complete", "keep"))}
    plain = ROWS.drop_duplicates().dropna()
    assert result.outputs["a/keep"]["table"]["x"].tolist() == plain[plain["x"] > 1]["x"].tolist()  # the default
    assert result.outputs["b/keep"]["table"]["x"].tolist() == plain[plain["x"] > 3]["x"].tolist()  # the node's value


def test_an_edit_inside_a_component_recomputes_only_what_depends_on_it(registry, tmp_path):
    definition = clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {}},
                           {"id": "after", "type": "transform.sort", "params": {"columns": ["x"]}}],
                [edge("rows", "a"), edge("a", "after")])
    run(registry, path, tmp_path / "cache")
    _, again = run(registry, path, tmp_path / "cache")
    assert {r.status for r in again.nodes.values()} == {"cached"}
    data = json.loads(definition.read_text())
    data["parameters"]["keep"]["default"] = "x > 2"
    definition.write_text(json.dumps(data))
    _, edited = run(registry, path, tmp_path / "cache")
    assert {n: r.status for n, r in edited.nodes.items() if r.status == "computed"} == \
        {"a/keep": "computed", "after": "computed"}
    assert edited.nodes["a/keep"].reason == "parameter formula changed"


def test_a_workflow_parameter_reaches_inside_through_the_component_node(registry, tmp_path):
    clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {"keep": {"$param": "threshold"}}}],
                [edge("rows", "a")], parameters={"threshold": {"type": "text", "default": "x > 3"}})
    _, result = run(registry, path, tmp_path / "cache", params={"threshold": "x >= 2"})
    assert result.outputs["a/keep"]["table"]["x"].tolist() == [2, 4]


def test_components_nest_and_their_nodes_are_named_by_the_whole_path(registry, tmp_path):
    clean(tmp_path)
    component(tmp_path, "outer", [{"id": "inner", "type": "component.clean", "params": {"keep": {"$param": "rule"}}},
                                  {"id": "sort", "type": "transform.sort", "params": {"columns": ["x"]}}],
              [edge("inner", "sort")], [{"name": "rows", "type": "table", "to": ["inner.table"]}],
              [{"name": "sorted", "type": "table", "from": "sort.table"}], {"rule": {"type": "text", "default": "x < 4"}})
    path = user(tmp_path, [{"id": "o", "type": "component.outer", "params": {}}], [edge("rows", "o", None, "rows")])
    _, result = run(registry, path, tmp_path / "cache")
    assert result.outputs["o/sort"]["table"]["x"].tolist() == [1, 2]
    assert "o/inner/dedupe" in result.nodes


def test_a_component_that_includes_itself_is_named_with_the_chain(registry, tmp_path):
    component(tmp_path, "loop", [{"id": "me", "type": "component.loop", "params": {}}], [],
              [{"name": "table", "type": "table", "to": ["me.table"]}], [{"name": "table", "type": "table", "from": "me.table"}])
    path = user(tmp_path, [{"id": "l", "type": "component.loop", "params": {}}], [edge("rows", "l")])
    assert any("includes itself (loop -> loop)" in m for m in problems(registry, path))


@pytest.mark.parametrize("type_id", ["component.missing", "component.../../etc/passwd", "component."])
def test_a_component_that_cannot_be_found_says_where_it_was_looked_for(registry, tmp_path, type_id):
    path = user(tmp_path, [{"id": "c", "type": type_id, "params": {}}], [edge("rows", "c")])
    found = problems(registry, path)
    assert any("was found; put" in m and str(tmp_path / "components") in m for m in found), found


def test_mistakes_in_using_a_component_are_named(registry, tmp_path):
    clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {"kep": "x > 1"}},
                           {"id": "s", "type": "transform.sort", "params": {}}],
                [edge("rows", "a", None, "rows"), edge("a", "s")])
    found = problems(registry, path)
    assert any("node 'a' (component.clean) has no parameter 'kep'; its parameters: keep" in m for m in found), found
    assert any("component node 'a' has no input 'rows'; its inputs: table" in m for m in found), found


def test_a_problem_inside_a_component_is_named_by_its_path(registry, tmp_path):
    clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {"keep": "x >"}}], [edge("rows", "a")])
    assert any(m.startswith("node 'a/keep'") for m in problems(registry, path))


def test_a_plain_workflow_is_not_a_component(registry, tmp_path):
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "plain.json").write_text(json.dumps({"version": "0.1.0", "nodes": [], "edges": []}))
    path = user(tmp_path, [{"id": "p", "type": "component.plain", "params": {}}], [edge("rows", "p")])
    assert any("is a workflow, not a component" in m for m in problems(registry, path))


def test_a_component_file_saves_back_with_its_ports(tmp_path):
    definition = clean(tmp_path)
    saved = save_workflow(load_workflow(definition), tmp_path / "again.json")
    assert json.loads(saved.read_text())["component"] == json.loads(definition.read_text())["component"]


def test_a_bad_edge_after_a_component_is_named_by_its_place_in_the_file(registry, tmp_path):
    component(tmp_path, "twice", [{"id": "a", "type": "transform.dedupe", "params": {}},
                                  {"id": "b", "type": "transform.dedupe", "params": {}}], [],
              [{"name": "table", "type": "table", "to": ["a.table", "b.table"]}],   # one input, two inner ends
              [{"name": "table", "type": "table", "from": "a.table"}])
    path = user(tmp_path, [{"id": "c", "type": "component.twice", "params": {}},
                           {"id": "d", "type": "transform.dedupe", "params": {}}],
                [edge("rows", "c"), edge("c", "d"), {"source": "d", "target": "rows"}])  # #3 feeds a source
    found = problems(registry, path)
    assert any(m.startswith("edge #3 (d.? -> rows.?)") for m in found), found


def test_a_component_whose_version_changed_recomputes_and_says_so(registry, tmp_path):
    definition = clean(tmp_path)
    path = user(tmp_path, [{"id": "a", "type": "component.clean", "params": {}}], [edge("rows", "a")])
    run(registry, path, tmp_path / "cache")
    data = json.loads(definition.read_text())
    data["component"]["version"] = 2
    definition.write_text(json.dumps(data))
    graph, bumped = run(registry, path, tmp_path / "cache")
    reasons = {n: r.reason for n, r in bumped.nodes.items() if r.status == "computed"}
    assert set(reasons) == {f"a/{inner}" for inner in ("dedupe", "complete", "keep")}
    assert all(reason.startswith("component version changed") for reason in reasons.values()), reasons
    data["component"]["version"] = "two"
    definition.write_text(json.dumps(data))
    assert any("'component.version' must be a whole number from 1, not 'two'" in m for m in problems(registry, path))


def test_a_pack_ships_components_that_workflows_use_like_their_own(tmp_path, monkeypatch):
    from tests.helpers import install_module_pack

    site = tmp_path / "site"
    site.mkdir()
    shipped = site / "shipped_components"
    shipped.mkdir()
    component(tmp_path, "clean", [{"id": "keep", "type": "transform.filter", "params": {"formula": "x > 2"}}], [],
              [{"name": "table", "type": "table", "to": ["keep.table"]}], [{"name": "table", "type": "table",
                                                                             "from": "keep.table"}])
    (tmp_path / "components" / "clean.json").rename(shipped / "clean.json")
    install_module_pack(site, "shippack", "from pathlib import Path\nfrom dataflow.sdk import hookimpl\n\n"
                        "@hookimpl\ndef register_components(register):\n"
                        "    register(Path(__file__).parent / 'shipped_components')\n")
    monkeypatch.syspath_prepend(str(site))
    registry = load_registry()
    assert registry.plugins["shippack"].ok, registry.plugins["shippack"]
    path = user(tmp_path, [{"id": "c", "type": "component.clean", "params": {}}], [edge("rows", "c")])
    _, result = run(registry, path, tmp_path / "cache")
    assert result.outputs["c/keep"]["table"]["x"].tolist() == [3, 4]
