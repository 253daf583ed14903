"""Statuses shown on nodes, partial compilation of workflows under edit, and placeholders."""

from __future__ import annotations

import pytest

from dataflow.kernel import Engine, workflow_from_dict
from dataflow.ui.analysis import analyse
from dataflow.ui.document import Document
from dataflow.ui.status import node_views, summary


@pytest.fixture
def engine(ui_registry, tmp_path):
    with Engine.open(ui_registry, executor="inline" if "inline" in ui_registry.executors else "threads",
                     directory=tmp_path / "cache") as eng:
        yield eng


def chain(specs) -> Document:
    doc = Document()
    doc.add_node(specs["uipack.points"])
    doc.add_node(specs["uipack.keep_above"], near="points")
    doc.add_node(specs["uipack.scatter"], near="keep_above")
    doc.connect("points", "keep_above", specs)
    doc.connect("keep_above", "scatter", specs)
    return doc


def views(doc, registry, engine, results=None, shapes=None):
    result = analyse(doc.workflow, registry)
    plans = engine.plan(result.graph) if result.graph else {}
    return node_views(doc.workflow, result, plans, results or {}, shapes or {})


def test_an_incomplete_workflow_still_compiles_its_valid_part(ui_registry):
    doc = chain(ui_registry.nodes)
    doc.add_node(ui_registry.nodes["uipack.stats"])            # input not connected
    result = analyse(doc.workflow, ui_registry)
    assert set(result.graph.nodes) == {"points", "keep_above", "scatter"}
    assert "stats" in result.problems and "not connected" in result.problems["stats"][0].message


def test_statuses_go_not_run_computed_stale_with_the_reason(ui_registry, engine):
    doc = chain(ui_registry.nodes)
    assert {v.status for v in views(doc, ui_registry, engine).values()} == {"not run"}
    graph = analyse(doc.workflow, ui_registry).graph
    run = engine.run(graph, keep_outputs=["points"])
    shapes = {run.nodes["points"].key: (30, 3)}
    after = views(doc, ui_registry, engine, run.nodes, shapes)
    assert {v.status for v in after.values()} == {"computed"}
    assert after["points"].shape == (30, 3)
    doc.set_param("keep_above", "threshold", 3.0, 0.0)
    changed = views(doc, ui_registry, engine, run.nodes, shapes)
    assert changed["points"].status == "computed"
    assert changed["keep_above"].status == "stale" and "threshold" in changed["keep_above"].detail
    assert changed["scatter"].status == "stale" and "upstream keep_above" in changed["scatter"].detail
    assert summary(changed) == {"stale": 2, "computed": 1}


def test_a_failed_node_shows_failed_and_its_downstream_skipped(ui_registry, engine):
    doc = Document()
    specs = ui_registry.nodes
    doc.add_node(specs["uipack.points"])
    doc.add_node(specs["uipack.broken"])
    doc.add_node(specs["uipack.scatter"])
    doc.connect("points", "broken", specs)
    doc.connect("broken", "scatter", specs)
    run = engine.run(analyse(doc.workflow, ui_registry).graph)
    shown = views(doc, ui_registry, engine, run.nodes)
    assert shown["broken"].status == "failed" and "broken on purpose" in shown["broken"].detail
    assert shown["scatter"].status == "skipped"


def test_a_missing_plugin_becomes_a_placeholder_that_keeps_its_parameters(ui_registry, engine, tmp_path):
    data = {"version": "0.1.0",
            "nodes": [{"id": "p", "type": "uipack.points", "params": {"rows": 5}},
                      {"id": "x", "type": "gone.magic", "params": {"power": 9000, "names": ["a"]},
                       "position": {"x": 300, "y": 0}, "label": "Magic"},
                      {"id": "s", "type": "uipack.scatter", "params": {}}],
            "edges": [{"source": "p", "target": "x"}, {"source": "x", "target": "s"}],
            "meta": {"name": "m", "node_types": {"gone.magic": {"plugin": "gone", "distribution": "dataflow-gone",
                                                                "version": "2.0"}}}}
    doc = Document.opened(workflow_from_dict(data))
    result = analyse(doc.workflow, ui_registry)
    assert "dataflow-gone" in result.missing["gone.magic"]
    shown = views(doc, ui_registry, engine)
    assert shown["x"].status == "missing" and "pip install dataflow-gone" in shown["x"].detail
    assert shown["s"].status == "invalid"                          # waits for the placeholder, which is drawn
    assert shown["s"].detail == "waits for x, whose plugin is not installed"
    assert shown["p"].status == "not run"
    from dataflow.kernel import load_workflow, save_workflow
    path = save_workflow(doc.workflow, tmp_path / "m.json", ui_registry)
    again = load_workflow(path).to_dict()
    assert again["nodes"][1] == data["nodes"][1] and len(again["edges"]) == 2
