"""The canvas protocol: what Python sends, how replies become edits, when Python pushes."""

from __future__ import annotations

import copy

import pytest

from dataflow.ui import escape
from dataflow.ui.canvas import CanvasSync, desired_graph, node_content, node_style
from dataflow.ui.document import Document
from dataflow.ui.status import NodeView


@pytest.fixture
def specs(ui_registry):
    return ui_registry.nodes


def reply(nodes, edges, ts, selected=None):
    """A value as the canvas sends it."""
    return {"nodes": copy.deepcopy(nodes), "edges": copy.deepcopy(edges), "selectedId": selected, "timestamp": ts}


def two_nodes(specs) -> Document:
    doc = Document()
    doc.add_node(specs["uipack.points"])
    doc.add_node(specs["uipack.keep_above"], near="points")
    return doc


def test_user_text_is_escaped_in_node_content():
    payload = '<img src=x onerror=alert(1)> **bold** $x$ [a](javascript:alert(1)) `code`'
    html = node_content(payload, "t.<b>", NodeView("failed", "<script>alert(2)</script>"))
    for dangerous in ("<img", "<script", "**", "$x$", "](", "`code`", "t.<b>"):
        assert dangerous not in html
    assert escape.text("a<b") == "a&#60;b"


def test_every_node_gets_its_own_style_dict(specs):
    doc = two_nodes(specs)
    nodes, _ = desired_graph(doc, specs, {})
    assert nodes[0]["style"] is not nodes[1]["style"]
    assert node_style(NodeView("computed")) is not node_style(NodeView("computed"))


def test_no_push_while_the_canvas_shows_the_workflow(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    nodes, edges = desired_graph(doc, specs, {})
    first = sync.args_for(nodes, edges)
    sync.receive(doc, reply(nodes, edges, ts=100), specs)
    nodes, edges = desired_graph(doc, specs, {})
    assert sync.args_for(nodes, edges) is first          # same object: no re-render, no echo


def test_a_push_carries_the_canvas_timestamp_never_a_newer_one(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    nodes, edges = desired_graph(doc, specs, {})
    sync.args_for(nodes, edges)
    sync.receive(doc, reply(nodes, edges, ts=100), specs)
    nodes, edges = desired_graph(doc, specs, {"points": NodeView("computed", seconds=0.1, shape=(30, 3))})
    pushed = sync.args_for(nodes, edges)
    assert pushed["timestamp"] == 100
    assert "30 × 3" in pushed["nodes"][0]["data"]["content"]


def test_a_dropped_push_is_made_again_and_does_not_delete_the_new_node(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    shown_nodes, shown_edges = desired_graph(doc, specs, {})
    sync.args_for(shown_nodes, shown_edges)
    sync.receive(doc, reply(shown_nodes, shown_edges, ts=100), specs)
    doc.add_node(specs["uipack.scatter"])                 # Python adds a node and pushes it ...
    sync.args_for(*desired_graph(doc, specs, {}))
    # ... but the user dragged a node meanwhile: the canvas drops the push and reports without it
    moved = copy.deepcopy(shown_nodes)
    moved[0]["position"] = {"x": 40.0, "y": 80.0}
    sync.receive(doc, reply(moved, shown_edges, ts=200), specs)
    assert "scatter" in doc.workflow.nodes                 # not taken for a deletion
    assert doc.positions()["points"] == (40.0, 80.0)       # the user's move is kept
    again = sync.args_for(*desired_graph(doc, specs, {}))
    assert again["timestamp"] == 200 and [n["id"] for n in again["nodes"]][-1] == "scatter"


def test_a_node_deleted_on_the_canvas_is_deleted(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    nodes, edges = desired_graph(doc, specs, {})
    sync.receive(doc, reply(nodes, edges, ts=100), specs)
    sync.receive(doc, reply(nodes[:1], edges, ts=200), specs)
    assert list(doc.workflow.nodes) == ["points"]


def test_a_drawn_connection_gets_ports_and_an_incompatible_one_is_removed(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    doc.add_node(specs["uipack.scatter"])
    nodes, edges = desired_graph(doc, specs, {})
    sync.receive(doc, reply(nodes, edges, ts=100), specs)
    drawn = [{"id": "st-flow-edge_points-keep_above", "source": "points", "target": "keep_above"},
             {"id": "st-flow-edge_scatter-keep_above", "source": "scatter", "target": "keep_above"}]
    messages = sync.receive(doc, reply(nodes, drawn, ts=200), specs)
    assert [(e.source, e.source_port, e.target, e.target_port) for e in doc.workflow.edges] == [
        ("points", "table", "keep_above", "table")]
    assert len(messages) == 1 and "refused" in messages[0]
    pushed = sync.args_for(*desired_graph(doc, specs, {}))
    assert [(e["id"], e["label"]) for e in pushed["edges"]] == [("points:table>keep_above:table", "table → table")]
    # the same reply again (the push is still in flight) is not applied twice
    sync.receive(doc, reply(nodes, drawn, ts=300), specs)
    assert len(doc.workflow.edges) == 1


def test_a_click_selects_and_an_empty_selection_keeps_it(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    nodes, edges = desired_graph(doc, specs, {})
    sync.receive(doc, reply(nodes, edges, ts=100, selected="points"), specs)
    assert doc.selected == "points"
    sync.receive(doc, reply(nodes, edges, ts=200, selected=None), specs)
    assert doc.selected == "points"


def test_pushing_stops_when_the_canvas_never_shows_the_content(specs):
    doc, sync = two_nodes(specs), CanvasSync()
    nodes, edges = desired_graph(doc, specs, {})
    sync.args_for(nodes, edges)
    odd = copy.deepcopy(nodes)
    odd[0]["style"]["extra"] = "added by the canvas"
    for ts in range(100, 110):
        sync.receive(doc, reply(odd, edges, ts=ts), specs)
        sync.args_for(*desired_graph(doc, specs, {}))
    assert sync.pushes <= 6
