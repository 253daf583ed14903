"""The canvas protocol: what Python sends to streamlit-flow, and how its replies become edits.

streamlit-flow takes a state (nodes, edges, timestamp) and replies with the whole graph after
every interaction. It accepts a state from Python only if `state.timestamp` is at least the
timestamp of the last value it sent, so Python *pushes* by sending new content stamped with
the canvas's latest timestamp: if the user changed something meanwhile, the push is dropped
(no user edit is lost), and since Python compares what it wants shown with what the canvas
last reported, the next reply shows the difference and the push is made again (no status
update is lost). Python never pushes with its own clock.

The canvas cannot tell "Python's push was dropped" from "the user deleted it", so deletions are
read only for nodes and edges the canvas had already reported (`CanvasSync.seen_*`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import escape, placement
from .document import Document, edge_id
from .kernel_api import LOOP, NodeSpec, Workflow
from .ports import port_feeds, resolve_edge_ports, spec_of
from .status import COLORS, ICONS, NodeView

NEW_EDGE_PREFIX = "st-flow-edge_"
PENDING_EDGE_ID = "pending-connection"   # the dashed edge shown while the user picks its ports
NODE_WIDTH = f"{placement.NODE_W}px"
DETAILED = ("stale", "failed", "invalid", "missing", "skipped")   # statuses whose detail the node shows
MAX_REPEATS = 3   # pushes of identical content the canvas still shows differently before giving up


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def ports_html(spec: NodeSpec | None, feeds: Mapping[str, tuple[str, str]]) -> str:
    """Every input by name with what feeds it (`split.test → table`), then the outputs by name,
    so a wrong wire shows on the node itself. A placeholder (no spec) lists the fed inputs."""
    lines = []
    inputs = [p.name for p in spec.inputs] if spec is not None else sorted(feeds)
    optional = {p.name for p in spec.inputs if p.optional} if spec is not None else set()
    for name in inputs:
        port = f"<b>{escape.text(name, 30)}</b>"
        if name in feeds:
            source, out = feeds[name]
            lines.append(f"{escape.text(source, 30)}.{escape.text(out, 30)} → {port}")
        else:
            lines.append(f"{port} ← {'optional' if name in optional else 'not connected'}")
    if spec is not None and spec.outputs:
        lines.append("→ " + ", ".join(f"<b>{escape.text(p.name, 30)}</b>" for p in spec.outputs))
    if not lines:
        return ""
    return "<div style='text-align:left;margin-top:3px;line-height:1.35'>" + \
        "<br>".join(lines) + "</div>"


def node_content(label: str, type_id: str, view: NodeView, ports: str = "") -> str:
    """The node's Markdown/HTML: label, type, status (colour is the style's), time, table shape,
    then its ports (`ports_html`). Every variable part is escaped. Kept short: it travels to the
    canvas for every node."""
    text = f"<b title='{escape.text(type_id, 60)}'>{escape.text(label, 60)}</b><br>" \
           f"{ICONS.get(view.status, '')} {escape.text(view.status)}"
    if view.seconds and view.status in ("computed", "cached", "failed"):
        text += f" · {escape.text(fmt_seconds(view.seconds))}"
    if view.shape is not None:
        text += f" · {view.shape[0]} × {view.shape[1]}"
    if view.detail and view.status in DETAILED:
        text += f"<br><span style='color:#57534e'>{escape.text(view.detail, 90)}</span>"
    return text + ports


def node_style(view: NodeView) -> dict[str, Any]:
    """A fresh style dict for every node (streamlit-flow's default `style={}` is shared and mutated)."""
    background, border = COLORS.get(view.status, COLORS["not run"])
    dashed = "dashed" if view.status in ("missing", "stale") else "solid"
    return {"background": background, "border": f"2px {dashed} {border}", "width": NODE_WIDTH, "height": "auto",
            "fontSize": "13px"}


def edge_label(workflow: Workflow, edge, specs: Mapping[str, NodeSpec], taken: set[str] | None = None) -> str:
    """`output -> input`, with ports left out in the file resolved when that is unambiguous."""
    source_port, target_port = edge.source_port, edge.target_port
    if source_port is None or target_port is None:
        s, t = workflow.nodes.get(edge.source), workflow.nodes.get(edge.target)
        s_spec, t_spec = spec_of(specs, s), spec_of(specs, t)
        if s_spec is not None and t_spec is not None:
            pair = resolve_edge_ports(source_port, target_port, s_spec, t_spec, taken or ())
            if pair:
                source_port, target_port = pair
    return f"{source_port or '?'} → {target_port or '?'}"


@dataclass(frozen=True)
class PendingConnection:
    """A connection drawn on the canvas that fits several port pairs: it waits for the user's pick."""

    source: str
    target: str
    pairs: tuple[tuple[str, str], ...]
    #: the document's revision right after the palette added the target: if nothing changed since,
    #: the connection joins that undo step (one undo takes back the node and its connection)
    added_at: int | None = None


def desired_graph(doc: Document, specs: Mapping[str, NodeSpec], views: Mapping[str, NodeView],
                  pending: PendingConnection | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The nodes and edges (as streamlit-flow dicts) the canvas should show for `doc`, and the
    connection waiting for its ports (dashed, labelled) if any."""
    wf = doc.workflow
    nodes = []
    for node_id, node in wf.nodes.items():
        spec = spec_of(specs, node)
        view = views.get(node_id) or NodeView("not run")
        has_in = spec is None or bool(spec.inputs)
        has_out = spec is None or bool(spec.outputs)
        kind = "default" if has_in and has_out else ("input" if has_out else "output")
        label = node.label or (spec.label if spec else node.type.rsplit(".", 1)[-1])
        if LOOP in node.extra:
            label = f"↻ {label}"  # runs once per file, group or value (its Loop section says which)
        pos = node.position or {"x": 0.0, "y": 0.0}
        doc.heights.setdefault(node_id, placement.node_height(spec, view.detail if view.status in DETAILED else ""))
        nodes.append({
            "id": node_id, "position": {"x": pos["x"], "y": pos["y"]},
            "data": {"content": node_content(label, node.type, view, ports_html(spec, port_feeds(wf, node_id, specs)))},
            "type": kind,
            "sourcePosition": "right", "targetPosition": "left", "hidden": False, "selected": False,
            "dragging": False, "draggable": True, "selectable": True, "connectable": True,
            "resizing": False, "deletable": False, "zIndex": 0, "focusable": True,   # keys: ui/keyboard.py
            "style": node_style(view)})
    edges = []
    for edge in wf.edges:
        edges.append({
            "id": edge_id(edge), "source": edge.source, "target": edge.target,
            "type": _edge_type(doc, edge.source, edge.target),
            "markerStart": {}, "markerEnd": {"type": "arrowclosed"}, "hidden": False, "animated": False,
            "selected": False, "deletable": False, "focusable": True, "zIndex": 0,
            "label": edge_label(wf, edge, specs), "labelStyle": {"fontSize": "11px"}, "labelShowBg": True,
            "labelBgStyle": {"fill": "#f8fafc"}, "style": {}})
    if pending is not None and pending.source in wf.nodes and pending.target in wf.nodes:
        edges.append({
            "id": PENDING_EDGE_ID, "source": pending.source, "target": pending.target,
            "type": _edge_type(doc, pending.source, pending.target),
            "markerStart": {}, "markerEnd": {"type": "arrowclosed"}, "hidden": False, "animated": True,
            "selected": False, "deletable": True, "focusable": True, "zIndex": 0,
            "label": "which ports?", "labelStyle": {"fontSize": "11px", "fill": "#b45309"},
            "labelShowBg": True, "labelBgStyle": {"fill": "#fef3c7"},
            "style": {"stroke": "#d97706", "strokeDasharray": "6 4"}})
    return nodes, edges


def _edge_type(doc: Document, source: str, target: str) -> str:
    """How the canvas draws the connection from where its two nodes are (`placement.edge_kind`): a
    connection back to the left is a smoothstep path between the rows, not a bezier across the
    target's corner. The type is not part of what `differs` compares: a drag alone pushes nothing,
    and the next push (a layout, a status) draws the connection anew."""
    def box(node_id: str) -> placement.Box:
        pos = doc.workflow.nodes[node_id].position or {"x": 0.0, "y": 0.0}
        return (pos["x"], pos["y"], placement.NODE_W, doc.heights.get(node_id, placement.NODE_H))
    return placement.edge_kind(box(source), box(target))


def _node_sig(n: Mapping[str, Any]) -> tuple:
    pos = n.get("position") or {}
    return (round(float(pos.get("x", 0))), round(float(pos.get("y", 0))),
            (n.get("data") or {}).get("content"), repr(sorted((n.get("style") or {}).items())))


def _edge_sig(e: Mapping[str, Any]) -> tuple:
    return (e.get("source"), e.get("target"), e.get("label") or "")


def differs(nodes: list[dict], edges: list[dict], shown_nodes: list[dict], shown_edges: list[dict]) -> bool:
    """True when the canvas shows something else than `nodes`/`edges` (positions to the pixel,
    content, style, edge set and labels)."""
    if {n["id"] for n in nodes} != {n.get("id") for n in shown_nodes}:
        return True
    by_id = {n.get("id"): n for n in shown_nodes}
    if any(_node_sig(n) != _node_sig(by_id.get(n["id"], {})) for n in nodes):
        return True
    shown = {e.get("id"): _edge_sig(e) for e in shown_edges}
    return shown != {e["id"]: _edge_sig(e) for e in edges}


@dataclass
class CanvasSync:
    """Per-session memory of the conversation with the canvas."""

    last_ts: int | None = None                 # timestamp of the last canvas value applied
    seen_nodes: set[str] = field(default_factory=set)
    seen_edges: set[str] = field(default_factory=set)
    handled_new_edges: set[str] = field(default_factory=set)
    shown_nodes: list[dict] = field(default_factory=list)   # what the canvas last reported (or was sent)
    shown_edges: list[dict] = field(default_factory=list)
    sent: dict[str, Any] | None = None           # the args last passed (same object = no push)
    sent_key: tuple | None = None
    pushes: int = 0
    repeats: int = 0
    checked: tuple = ()                          # the lists last found equal to what the canvas shows
    pending: PendingConnection | None = None     # a drawn connection waiting for the user's choice of ports
    selected_edge: str | None = None             # the edge last clicked (Delete removes it), until a node click

    def receive(self, doc: Document, value: Mapping[str, Any] | None, specs: Mapping[str, NodeSpec]) -> list[str]:
        """Apply a value reported by the canvas to `doc` (once per value). Returns messages for
        the user (refused connections)."""
        if not value or value.get("timestamp") is None or value.get("timestamp") == self.last_ts:
            return []
        self.last_ts = value["timestamp"]
        nodes, edges = list(value.get("nodes") or []), list(value.get("edges") or [])
        node_ids = {n.get("id") for n in nodes}
        edge_ids = {e.get("id") for e in edges}
        messages: list[str] = []
        wf = doc.workflow
        # deletions the user made on the canvas (only of what the canvas had already shown)
        for node_id in [n for n in wf.nodes if n in self.seen_nodes and n not in node_ids]:
            doc.remove_node(node_id)
        for eid in [edge_id(e) for e in wf.edges]:
            if eid in self.seen_edges and eid not in edge_ids:
                doc.remove_edge(eid)
        # sizes as measured by the canvas (placement and auto-layout use them)
        doc.heights.update({n["id"]: float(n["height"]) for n in nodes
                            if n.get("id") in wf.nodes and isinstance(n.get("height"), (int, float))})
        # moves
        positions = {n["id"]: (float(n["position"]["x"]), float(n["position"]["y"]))
                     for n in nodes if n.get("id") in wf.nodes and n.get("position")}
        doc.move_nodes(positions)
        # connections drawn on the canvas
        self.handled_new_edges &= edge_ids
        for e in edges:
            eid = e.get("id") or ""
            if eid.startswith(NEW_EDGE_PREFIX) and eid not in self.handled_new_edges:
                self.handled_new_edges.add(eid)
                source, target = e.get("source"), e.get("target")
                pairs, why = doc.connection_choices(source, target, dict(specs))
                if len(pairs) == 1:
                    made, why = doc.add_edge(source, pairs[0][0], target, pairs[0][1])
                    pairs = [] if made is None else pairs
                if not pairs:
                    messages.append(f"Connection refused: {why}")
                elif len(pairs) > 1:
                    self.pending = PendingConnection(source, target, tuple(pairs))
        if self.pending is not None and PENDING_EDGE_ID in self.seen_edges and PENDING_EDGE_ID not in edge_ids:
            self.pending = None                  # the user deleted the dashed edge on the canvas
        # selection: a node click selects it; None (pane click, drag, echo) keeps the selection
        selected = value.get("selectedId")
        if selected in wf.nodes:
            doc.selected = selected
            self.selected_edge = None
        elif selected and (edge := doc.edge_by_id(selected)) is not None:
            doc.selected = edge.target
            self.selected_edge = selected
        self.seen_nodes = {n for n in node_ids if n in wf.nodes}
        self.seen_edges = {e for e in edge_ids if e and not e.startswith(NEW_EDGE_PREFIX)}
        if self.pending is None:
            self.seen_edges.discard(PENDING_EDGE_ID)
        self.shown_nodes, self.shown_edges = nodes, edges
        return messages

    def args_for(self, nodes: list[dict], edges: list[dict]) -> dict[str, Any] | None:
        """The state to pass to the canvas: the previous args object when nothing needs showing
        (no re-render, no echo), else new content stamped with the canvas's latest timestamp."""
        check = (id(nodes), id(edges), id(self.shown_nodes), id(self.shown_edges))
        if self.sent is not None and check == self.checked:
            return self.sent                     # same lists as last time: nothing to compare again
        if self.sent is not None and not differs(nodes, edges, self.shown_nodes, self.shown_edges):
            self.checked = check
            return self.sent
        content = (repr([_node_sig(n) for n in nodes]), repr(sorted(_edge_sig(e) + (e["id"],) for e in edges)))
        if self.sent is not None and (content, self.last_ts) == self.sent_key:
            return self.sent                     # already pushed this exact content; waiting for the echo
        self.repeats = self.repeats + 1 if self.sent_key and self.sent_key[0] == content else 0
        if self.repeats > MAX_REPEATS and self.sent is not None:
            return self.sent                     # the canvas keeps showing it differently: stop pushing
        self.sent_key = (content, self.last_ts)
        stamp = self.last_ts if self.last_ts is not None else int(time.time() * 1000)
        self.sent = {"nodes": nodes, "edges": edges, "timestamp": stamp}
        self.pushes += 1
        if self.last_ts is None:                 # nothing reported yet: this is the initial state
            self.shown_nodes, self.shown_edges = nodes, edges
        return self.sent
