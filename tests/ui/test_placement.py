"""Where new nodes go and what auto-layout does: a chain built node after node wraps into a block
that fit-view keeps readable, and after auto-layout no edge (drawn as the canvas draws it) runs
through a node it does not join."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataflow.ui.canvas_view import CANVAS_HEIGHT
from dataflow.ui.document import Document
from dataflow.ui.kernel_api import Edge
from dataflow.ui.placement import (
    GAP_X,
    GAP_Y,
    MAX_COLS,
    NODE_H,
    NODE_W,
    bezier_points,
    edge_hits,
    free_position,
    layered_layout,
)

ROOT = Path(__file__).resolve().parents[2]
CANVAS_WIDTH = 720          # the canvas at 1440x900 (sidebar, then canvas | properties as 2:1)
FONT_PX = 13                # node text (ui/canvas.py's node_style)


def test_fifteen_nodes_added_one_after_another_stay_readable_at_fit_view(ui_registry):
    doc = Document()
    for _ in range(15):
        doc.add_node(ui_registry.nodes["uipack.keep_above"], near=doc.selected)
    xs = [x for x, _ in doc.positions().values()]
    ys = [y for _, y in doc.positions().values()]
    assert len({round(x) for x in xs}) == MAX_COLS
    width = max(xs) - min(xs) + NODE_W
    height = max(ys) - min(ys) + max(doc.heights.get(n, NODE_H) for n in doc.workflow.nodes)
    zoom = min(CANVAS_WIDTH * 0.9 / width, CANVAS_HEIGHT * 0.9 / height)   # fit-view keeps a 10% margin
    assert FONT_PX * zoom >= 11, f"{FONT_PX * zoom:.1f} px"


def test_a_new_node_goes_right_of_the_anchor_below_it_as_a_branch_and_wraps_a_full_row():
    assert free_position([(0.0, 0.0)], near=(0.0, 0.0)) == (NODE_W + GAP_X, 0.0)
    two = [(0.0, 0.0), (NODE_W + GAP_X, 0.0)]
    assert free_position(two, near=two[0]) == (0.0, NODE_H + GAP_Y)           # right is taken: below
    row = [(k * (NODE_W + GAP_X), 0.0) for k in range(MAX_COLS)]
    assert free_position(row, near=row[-1]) == (0.0, NODE_H + GAP_Y)          # the row is full: wrap


def boxes_for(layout, heights):
    return {n: (x, y, NODE_W, heights.get(n, NODE_H)) for n, (x, y) in layout.items()}


GRAPHS = {
    "iris": (["iris", "split", "train", "predict", "evaluate", "confusion", "scatter"],
             [("iris", "split"), ("split", "train"), ("train", "predict"), ("split", "predict"),
              ("predict", "evaluate"), ("predict", "confusion"), ("iris", "scatter")]),
    "skip connection": (list("abcd"), [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]),
    "two skips": (list("abcdef"), [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("a", "e"), ("b", "f"),
                                   ("f", "e"), ("a", "d")]),
    "diamond": (list("abcd"), [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
    "fan out and in": (list("abcdefg"), [("a", x) for x in "bcdef"] + [(x, "g") for x in "bcdef"]),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_after_auto_layout_no_edge_runs_behind_a_node_it_does_not_join(name):
    ids, edges = GRAPHS[name]
    heights = {n: NODE_H + 20 * (k % 3) for k, n in enumerate(ids)}
    layout = layered_layout(ids, edges, heights=heights)
    assert edge_hits(boxes_for(layout, heights), edges) == []
    boxes = boxes_for(layout, heights)
    for source, target in edges:       # left to right, or into a band below (a deep workflow is folded)
        assert layout[source][0] < layout[target][0] or layout[target][1] >= boxes[source][1] + boxes[source][3]
    for a in ids:                                       # and no two nodes overlap
        for b in ids:
            if a < b and boxes[a][0] == boxes[b][0]:
                assert boxes[a][1] + boxes[a][3] <= boxes[b][1] or boxes[b][1] + boxes[b][3] <= boxes[a][1]


def fit_view_px(boxes) -> float:
    """The node text's size at fit view on the 1440x900 canvas (fit-view keeps a 10% margin)."""
    width = max(x + w for x, _, w, _ in boxes.values()) - min(x for x, *_ in boxes.values())
    height = max(y + h for _, y, _, h in boxes.values()) - min(y for _, y, *_ in boxes.values())
    return FONT_PX * min(CANVAS_WIDTH * 0.9 / width, CANVAS_HEIGHT * 0.9 / height)


@pytest.mark.parametrize("count", [3, 4, 9, 15])
def test_a_deep_chain_after_auto_layout_stays_readable_at_fit_view(count):
    """Layers beyond `MAX_COLS` fold into bands below, instead of one row fit view shrinks."""
    ids = [f"n{k}" for k in range(count)]
    edges = list(zip(ids, ids[1:], strict=False))
    boxes = boxes_for(layered_layout(ids, edges), {})
    assert fit_view_px(boxes) >= 11, f"{fit_view_px(boxes):.1f} px"
    assert edge_hits(boxes, edges) == []
    assert len({x for x, *_ in boxes.values()}) == min(count, MAX_COLS)


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("*.json")), ids=lambda p: p.stem)
def test_the_shipped_workflows_lay_out_without_an_edge_behind_a_node(path):
    data = json.loads(path.read_text())
    ids = [n["id"] for n in data["nodes"]]
    edges = [(e["source"], e["target"]) for e in data["edges"]]
    layout = layered_layout(ids, edges)
    assert edge_hits(boxes_for(layout, {}), edges) == []


def test_the_edge_check_sees_an_edge_through_a_node():
    boxes = {"a": (0, 0, NODE_W, NODE_H), "b": (300, 0, NODE_W, NODE_H), "c": (600, 0, NODE_W, NODE_H)}
    assert edge_hits(boxes, [("a", "c")]) == [("a", "c", "b")]


def _drawn_path(kind: str, sx: float, sy: float, tx: float, ty: float) -> list[tuple[float, float]]:
    """The path React Flow v11 draws for a streamlit-flow edge of `kind` from a right-side handle to
    a left-side handle: its bezier, or (target left of source) its smoothstep: out 20 px, to
    half-way between the handles, across, and into the target from its left."""
    if kind == "default":
        return bezier_points(sx, sy, tx, ty, 200)
    assert kind == "smoothstep", kind
    mid = (sy + ty) / 2
    corners = [(sx, sy), (sx + 20, sy), (sx + 20, mid), (tx - 20, mid), (tx - 20, ty), (tx, ty)]
    return [(ax + (bx - ax) * k / 50, ay + (by - ay) * k / 50)
            for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False) for k in range(51)]


@pytest.mark.parametrize("name", ["iris", "skip connection", "two skips"])
def test_after_a_fold_no_edge_as_the_canvas_draws_it_crosses_the_corner_of_the_node_it_enters(name, ui_registry):
    """A workflow deeper than three layers is folded into bands; a connection from the first band
    into the second arrives from the upper right. Drawn with the type the canvas is given, it enters
    its target's left handle from the left, crossing neither its target's box nor any other node."""
    from dataflow.ui.canvas import desired_graph

    names, links = GRAPHS[name]
    spec = ui_registry.nodes["uipack.keep_above"]
    doc = Document()
    made = {n: doc.add_node(spec) for n in names}          # every node added apart, in one row or two
    for source, target in links:     # edges as a file may hold them (one input fed twice is not checked here)
        doc.workflow.edges.append(Edge(made[source], made[target], "table", "table"))
    doc.auto_layout()
    _, edges = desired_graph(doc, {spec.type_id: spec}, {})
    pos = {n: (node.position["x"], node.position["y"]) for n, node in doc.workflow.nodes.items()}
    assert max(x for x, _ in pos.values()) < MAX_COLS * (NODE_W + GAP_X), "the layout was not folded"
    crossings = []
    for edge in edges:
        s, t = edge["source"], edge["target"]
        (sx, sy), (tx, ty) = pos[s], pos[t]
        sh, th = doc.heights[s], doc.heights[t]
        path = _drawn_path(edge["type"], sx + NODE_W, sy + sh / 2, tx, ty + th / 2)
        for other, (ox, oy) in pos.items():
            left = ox + (8 if other == t else 0)
            right = ox + NODE_W - (8 if other == s else 0)
            if any(left < px < right and oy < py < oy + doc.heights[other] for px, py in path):
                crossings.append((s, t, other))
    assert crossings == []
