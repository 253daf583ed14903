"""The editing model: adding, connecting, deleting, parameters, undo and redo."""

from __future__ import annotations

import pytest

from dataflow.ui.document import Document, edge_id
from dataflow.ui.placement import NODE_H, NODE_W, free_position, layered_layout


@pytest.fixture
def specs(ui_registry):
    return ui_registry.nodes


def build(specs) -> Document:
    doc = Document()
    doc.add_node(specs["uipack.points"])
    doc.add_node(specs["uipack.keep_above"], near="points")
    doc.add_node(specs["uipack.scatter"], near="keep_above")
    return doc


def test_added_nodes_never_overlap_and_the_new_node_is_selected(specs):
    doc = Document()
    for _ in range(12):
        doc.add_node(specs["uipack.points"], near=doc.selected)
    positions = list(doc.positions().values())
    for i, (x1, y1) in enumerate(positions):
        for x2, y2 in positions[i + 1:]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H
    assert doc.selected == "points_12"
    assert len(set(doc.workflow.nodes)) == 12


def test_free_position_goes_next_to_the_anchor():
    x, y = free_position([(0.0, 0.0)], near=(0.0, 0.0))
    assert x > 0 and y == 0.0


def test_connect_takes_the_first_free_compatible_port_pair(specs):
    doc = build(specs)
    eid, why = doc.connect("points", "keep_above", specs)
    assert why == "" and eid == "points:table>keep_above:table"
    edge = doc.edge_by_id(eid)
    assert (edge.source_port, edge.target_port) == ("table", "table")


def test_incompatible_connection_is_refused_with_a_message(specs):
    doc = build(specs)
    doc.connect("points", "keep_above", specs)
    doc.connect("keep_above", "scatter", specs)
    before = doc.revision
    doc.add_node(specs["uipack.keep_above"])
    eid, why = doc.connect("scatter", "keep_above_2", specs)   # figure -> table
    assert eid is None and "cannot feed" in why
    before = doc.revision
    eid, why = doc.connect("scatter", "points", specs)         # points has no input at all
    assert eid is None and "fit none" in why
    assert doc.revision == before and len(doc.workflow.edges) == 2


def test_a_taken_input_and_a_cycle_are_refused(specs):
    doc = build(specs)
    doc.connect("points", "keep_above", specs)
    doc.add_node(specs["uipack.points"])
    eid, why = doc.connect("points_2", "keep_above", specs)
    assert eid is None and "already connected" in why
    doc.connect("keep_above", "scatter", specs)
    doc.add_node(specs["testpack.add"])
    doc.add_node(specs["testpack.add"])
    doc.connect("add", "add_2", specs)
    eid, why = doc.connect("add_2", "add", specs)
    assert eid is None and "cycle" in why


def test_ports_can_be_reassigned_but_not_onto_a_fed_input(specs):
    doc = Document()
    doc.add_node(specs["testpack.split"])
    doc.add_node(specs["testpack.combine"])
    first, _ = doc.connect("split", "combine", specs)
    assert first == "split:evens>combine:left"
    second, _ = doc.add_edge("split", "odds", "combine", "right")
    moved, why = doc.reassign_edge(second, "evens", "left")
    assert moved is None and "already connected" in why
    moved, why = doc.reassign_edge(second, "evens", "right")
    assert moved == "split:evens>combine:right"


def test_deleting_a_node_removes_its_edges(specs):
    doc = build(specs)
    doc.connect("points", "keep_above", specs)
    doc.connect("keep_above", "scatter", specs)
    doc.remove_node("keep_above")
    assert list(doc.workflow.nodes) == ["points", "scatter"] and doc.workflow.edges == []


def test_undo_and_redo_cover_canvas_and_parameter_edits(specs):
    doc = build(specs)
    eid, _ = doc.connect("points", "keep_above", specs)
    doc.set_param("keep_above", "threshold", 5.0, 0.0)
    doc.move_nodes({"points": (500.0, 500.0)})
    assert doc.undo()                                  # the move
    assert doc.positions()["points"] != (500.0, 500.0)
    assert doc.undo()                                  # the parameter
    assert "threshold" not in doc.workflow.nodes["keep_above"].params
    assert doc.undo()                                  # the connection
    assert doc.edge_by_id(eid) is None
    assert doc.redo() and doc.redo()
    assert doc.edge_by_id(eid) is not None
    assert doc.workflow.nodes["keep_above"].params == {"threshold": 5.0}
    doc.set_label("points", "Data")                    # a new edit clears what could be redone
    assert not doc.redo()


def test_a_default_value_is_not_written_and_dirty_tracks_saves(specs):
    doc = build(specs)
    doc.mark_saved()
    assert not doc.dirty
    doc.set_param("points", "rows", 30, 30)
    assert not doc.dirty and doc.workflow.nodes["points"].params == {}
    doc.set_param("points", "rows", 10, 30)
    assert doc.dirty
    doc.set_param("points", "rows", 30, 30)
    assert doc.workflow.nodes["points"].params == {}


def test_auto_layout_puts_each_node_right_of_its_inputs(specs):
    doc = build(specs)
    doc.connect("points", "keep_above", specs)
    doc.connect("keep_above", "scatter", specs)
    doc.move_nodes({"points": (900.0, 0.0), "scatter": (0.0, 300.0)})
    doc.auto_layout()
    pos = doc.positions()
    assert pos["points"][0] < pos["keep_above"][0] < pos["scatter"][0]


def test_layered_layout_survives_a_cycle():
    layout = layered_layout(["a", "b"], [("a", "b"), ("b", "a")])
    assert set(layout) == {"a", "b"}


def test_edge_ids_are_stable(specs):
    doc = build(specs)
    eid, _ = doc.connect("points", "keep_above", specs)
    assert edge_id(doc.workflow.edges[0]) == eid
