"""The workflow being edited: every change goes through `Document`, which keeps a revision
counter (caches key on it), the saved revision (unsaved-changes indicator), undo and redo.

It holds a kernel `Workflow` and edits it in place; nothing here knows about Streamlit, so the
whole editing model is tested with plain pytest.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import placement
from .forms import declaration_for
from .kernel_api import (
    BIND,
    LOOP,
    Edge,
    NodeInstance,
    NodeSpec,
    ParamSpec,
    Workflow,
    is_binding,
    workflow_from_dict,
)
from .ports import first_free_pair, free_pairs, port_feeds, spec_of, taken_inputs, would_cycle

UNDO_LIMIT = 100


def edge_id(edge: Edge) -> str:
    """A stable id for an edge on the canvas (the model's edges have none)."""
    return f"{edge.source}:{edge.source_port or ''}>{edge.target}:{edge.target_port or ''}"


def new_workflow(name: str = "Untitled") -> Workflow:
    """An empty workflow."""
    return Workflow(meta={"name": name, "description": ""})


@dataclass
class Document:
    """A workflow under edit, with history. `revision` grows on every change (undo included)."""

    workflow: Workflow = field(default_factory=new_workflow)
    revision: int = 0
    saved_revision: int = 0
    selected: str | None = None
    undo_stack: list[dict[str, Any]] = field(default_factory=list)
    redo_stack: list[dict[str, Any]] = field(default_factory=list)
    layout_revision: int = 0  # bumped when positions change from Python (auto-layout, undo): push them
    #: the nodes' heights on the canvas: measured there, else estimated (ui/canvas.py), for placement and layout
    heights: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    # --- state -----------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """True when there are changes since the last save or open."""
        return self.revision != self.saved_revision

    @property
    def name(self) -> str:
        return str(self.workflow.meta.get("name") or (self.workflow.path.stem if self.workflow.path else "Untitled"))

    def mark_saved(self) -> None:
        self.saved_revision = self.revision

    def edge_by_id(self, eid: str) -> Edge | None:
        return next((e for e in self.workflow.edges if edge_id(e) == eid), None)

    def positions(self) -> dict[str, tuple[float, float]]:
        return {n.id: ((n.position or {}).get("x", 0.0), (n.position or {}).get("y", 0.0))
                for n in self.workflow.nodes.values()}

    # --- history ---------------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return {"workflow": copy.deepcopy(self.workflow.to_dict()), "selected": self.selected}

    def checkpoint(self) -> None:
        """Call before every change: records the state for undo and bumps the revision."""
        self.undo_stack.append(self._snapshot())
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.revision += 1

    def _restore(self, snap: dict[str, Any]) -> None:
        path, migrations = self.workflow.path, self.workflow.migrations
        self.workflow = workflow_from_dict(copy.deepcopy(snap["workflow"]), path=path)
        self.workflow.migrations = migrations
        self.selected = snap["selected"] if snap["selected"] in self.workflow.nodes else None
        self.revision += 1
        self.layout_revision += 1

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        if not self.undo_stack:
            return False
        self.redo_stack.append(self._snapshot())
        self._restore(self.undo_stack.pop())
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change; False when there is none."""
        if not self.redo_stack:
            return False
        self.undo_stack.append(self._snapshot())
        self._restore(self.redo_stack.pop())
        return True

    # --- components ------------------------------------------------------------------

    def expand_component(self, node_id: str, inner: Workflow, inputs: dict[str, list[tuple[str, str]]],
                         outputs: dict[str, tuple[str, str]]) -> list[str]:
        """Replace component node `node_id` by the nodes of its workflow `inner` (one level), placed
        where it stood, each binding to a component parameter given the node's value (else the
        declared default), edges into and out of it rewired to the inner ports (`inputs`, `outputs`:
        port -> inner ends); one undo step. Returns the new nodes' ids."""
        node = self.workflow.nodes.get(node_id)
        if node is None:
            return []
        values = {name: node.params.get(name, declaration.get("default"))
                  for name, declaration in inner.parameters.items()}
        origin = (node.position or {"x": 0, "y": 0})
        left = min(((n.position or {}).get("x", 0) for n in inner.nodes.values()), default=0)
        top = min(((n.position or {}).get("y", 0) for n in inner.nodes.values()), default=0)
        self.checkpoint()
        del self.workflow.nodes[node_id]
        ids: dict[str, str] = {}
        for inner_node in inner.nodes.values():
            new_id = ids[inner_node.id] = self._new_id(f"{node_id}_{inner_node.id}")
            params = {k: values.get(v[BIND], v) if is_binding(v) and v.get(BIND) in values else copy.deepcopy(v)
                      for k, v in inner_node.params.items()}
            at = inner_node.position or {"x": 0, "y": 0}
            self.workflow.nodes[new_id] = NodeInstance(
                new_id, inner_node.type, params, {"x": origin["x"] + at["x"] - left, "y": origin["y"] + at["y"] - top},
                inner_node.label, copy.deepcopy(inner_node.extra), inner_node.version)
        edges = []
        for edge in self.workflow.edges:
            if edge.target == node_id:
                ends = inputs.get(edge.target_port) if edge.target_port else next(iter(inputs.values()), None)
                edges += [Edge(edge.source, ids[n], edge.source_port, p) for n, p in ends or [] if n in ids]
            elif edge.source == node_id:
                end = outputs.get(edge.source_port) if edge.source_port else next(iter(outputs.values()), None)
                if end is not None and end[0] in ids:
                    edges.append(Edge(ids[end[0]], edge.target, end[1], edge.target_port))
            else:
                edges.append(edge)
        edges += [Edge(ids[e.source], ids[e.target], e.source_port, e.target_port) for e in inner.edges
                  if e.source in ids and e.target in ids]
        self.workflow.edges = edges
        self.selected = None
        self.layout_revision += 1
        return list(ids.values())

    def make_component(self, node_ids: list[str], name: str, specs: dict[str, NodeSpec]) -> dict[str, Any]:
        """Turn the nodes `node_ids` into one component node of type `component.<name>`: the edges
        from outside become its inputs (one per outside output they come from), the edges to the
        outside its outputs, and a workflow parameter the nodes are bound to becomes a parameter of
        the component, passed on by the new node; one undo step. Returns the component's document
        (to be saved as `components/<name>.json`)."""
        chosen = [n for n in node_ids if n in self.workflow.nodes]
        inside = set(chosen)
        feeds = {n: port_feeds(self.workflow, n, specs) for n in self.workflow.nodes}
        inputs: dict[tuple[str, str], dict[str, Any]] = {}
        outputs: dict[tuple[str, str], dict[str, Any]] = {}
        taken: set[str] = set()

        def port_name(wanted: str) -> str:
            name_, number = wanted, 1
            while name_ in taken:
                number += 1
                name_ = f"{wanted}_{number}"
            taken.add(name_)
            return name_

        outside_in, outside_out = [], []
        for target in chosen:
            spec = spec_of(specs, self.workflow.nodes[target])
            for port, (source, source_port) in feeds[target].items():
                if source in inside:
                    continue
                kind = spec.input(port).type.name if spec and spec.input(port) else "table"
                entry = inputs.setdefault((source, source_port), {"name": port_name(port), "type": kind, "to": []})
                entry["to"].append(f"{target}.{port}")
                outside_in.append((source, source_port, entry["name"]))
        for target, ports in feeds.items():
            if target in inside:
                continue
            for port, (source, source_port) in ports.items():
                if source in inside:
                    spec = spec_of(specs, self.workflow.nodes[source])
                    out = spec.output(source_port) if spec else None
                    entry = outputs.setdefault((source, source_port), {
                        "name": port_name(source_port), "type": out.type.name if out else "table",
                        "from": f"{source}.{source_port}"})
                    outside_out.append((entry["name"], target, port))
        bound = {v[BIND] for n in chosen for v in self.workflow.nodes[n].params.values() if is_binding(v)}
        left = min((self.workflow.nodes[n].position or {}).get("x", 0) for n in chosen)
        top = min((self.workflow.nodes[n].position or {}).get("y", 0) for n in chosen)
        document = {
            "version": self.workflow.version,
            "component": {"label": name.replace("_", " ").capitalize(), "inputs": [
                {**e, "to": list(e["to"])} for e in inputs.values()], "outputs": list(outputs.values())},
            "parameters": {p: copy.deepcopy(self.workflow.parameters[p]) for p in sorted(bound)
                           if p in self.workflow.parameters},
            "nodes": [{**self.workflow.nodes[n].to_dict(), "position": {
                "x": (self.workflow.nodes[n].position or {}).get("x", 0) - left,
                "y": (self.workflow.nodes[n].position or {}).get("y", 0) - top}} for n in chosen],
            "edges": [{"source": s, "source_port": sp, "target": t, "target_port": tp}
                      for t in chosen for tp, (s, sp) in feeds[t].items() if s in inside],
            "meta": {"name": name.replace("_", " ").capitalize()},
        }
        self.checkpoint()
        node_id = self._new_id(name)
        for n in chosen:
            del self.workflow.nodes[n]
        self.workflow.edges = [e for e in self.workflow.edges if e.source not in inside and e.target not in inside]
        self.workflow.nodes[node_id] = NodeInstance(node_id, f"component.{name}",
                                                    {p: {BIND: p} for p in document["parameters"]},
                                                    {"x": left, "y": top}, None)
        self.workflow.edges += [Edge(s, node_id, sp, port) for s, sp, port in dict.fromkeys(outside_in)]
        self.workflow.edges += [Edge(node_id, t, port, tp) for port, t, tp in outside_out]
        self.selected = node_id
        self.layout_revision += 1
        return document

    # --- nodes -----------------------------------------------------------------------

    def _new_id(self, type_id: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", type_id.rsplit(".", 1)[-1].lower()).strip("_") or "node"
        if base not in self.workflow.nodes:
            return base
        n = 2
        while f"{base}_{n}" in self.workflow.nodes:
            n += 1
        return f"{base}_{n}"

    def add_node(self, spec: NodeSpec, near: str | None = None) -> str:
        """Add a node of `spec`'s type next to node `near` (or in free space); select it; return its id."""
        taken = [(*p, placement.NODE_W, self.heights.get(n, placement.NODE_H)) for n, p in self.positions().items()]
        anchor = next((t for n, t in zip(self.positions(), taken, strict=True) if n == near), None)
        x, y = placement.free_position(taken, anchor, placement.node_height(spec))
        node_id = self._new_id(spec.type_id or spec.name)
        self.checkpoint()
        self.workflow.nodes[node_id] = NodeInstance(node_id, spec.type_id or spec.name, {}, {"x": x, "y": y}, None)
        self.selected = node_id
        self.layout_revision += 1
        return node_id

    def duplicate_node(self, node_id: str) -> str | None:
        """Add a copy of a node (type, parameters, label) next to it, unconnected; select it."""
        node = self.workflow.nodes.get(node_id)
        if node is None:
            return None
        taken = [(*p, placement.NODE_W, self.heights.get(n, placement.NODE_H)) for n, p in self.positions().items()]
        x, y = placement.free_position(taken, taken[list(self.positions()).index(node_id)],
                                       self.heights.get(node_id, placement.NODE_H))
        copy_id = self._new_id(node.type)
        self.checkpoint()
        self.workflow.nodes[copy_id] = NodeInstance(copy_id, node.type, copy.deepcopy(node.params), {"x": x, "y": y},
                                                    node.label, copy.deepcopy(node.extra))
        self.selected = copy_id
        self.layout_revision += 1
        return copy_id

    def remove_node(self, node_id: str) -> bool:
        """Delete a node and every edge touching it."""
        return self.remove_nodes([node_id])

    def remove_nodes(self, node_ids: list[str]) -> bool:
        """Delete nodes and every edge touching them, in one undo step."""
        gone = {n for n in node_ids if n in self.workflow.nodes}
        if not gone:
            return False
        self.checkpoint()
        for node_id in gone:
            del self.workflow.nodes[node_id]
        self.workflow.edges = [e for e in self.workflow.edges if e.source not in gone and e.target not in gone]
        if self.selected in gone:
            self.selected = None
        return True

    def set_label(self, node_id: str, label: str) -> None:
        """Rename a node on the canvas (an empty label falls back to the node type's label)."""
        node = self.workflow.nodes[node_id]
        value = label.strip() or None
        if node.label == value:
            return
        self.checkpoint()
        node.label = value

    def set_param(self, node_id: str, name: str, value: Any, default: Any = None) -> None:
        """Set a parameter; a value equal to the declared default is removed from the file."""
        node = self.workflow.nodes[node_id]
        present = name in node.params
        if (present and node.params[name] == value) or (not present and value == default):
            return
        self.checkpoint()
        if value == default:
            node.params.pop(name, None)
        else:
            node.params[name] = copy.deepcopy(value)

    def set_loop(self, node_id: str, loop: dict[str, Any] | None) -> None:
        """Make the node run once per item (`loop`, as `docs/loops.md` writes it), or once (None)."""
        node = self.workflow.nodes[node_id]
        if node.extra.get(LOOP) == loop:
            return
        self.checkpoint()
        if loop is None:
            node.extra.pop(LOOP, None)
        else:
            node.extra[LOOP] = copy.deepcopy(loop)

    def move_nodes(self, positions: dict[str, tuple[float, float]], tolerance: float = 0.5) -> bool:
        """Apply positions reported by the canvas; True (and one undo step) if any node moved."""
        current = self.positions()
        moved = {n: p for n, p in positions.items() if n in current and
                 (abs(p[0] - current[n][0]) > tolerance or abs(p[1] - current[n][1]) > tolerance)}
        if not moved:
            return False
        self.checkpoint()
        for node_id, (x, y) in moved.items():
            self.workflow.nodes[node_id].position = {"x": round(float(x), 1), "y": round(float(y), 1)}
        return True

    def auto_layout(self) -> None:
        """Arrange the nodes in layers, left to right."""
        ids = list(self.workflow.nodes)
        layout = placement.layered_layout(ids, [(e.source, e.target) for e in self.workflow.edges], self.positions(),
                                          self.heights)
        self.checkpoint()
        for node_id, (x, y) in layout.items():
            self.workflow.nodes[node_id].position = {"x": x, "y": y}
        self.layout_revision += 1

    # --- workflow parameters -----------------------------------------------------------

    def set_workflow_param(self, name: str, declaration: dict[str, Any]) -> None:
        """Add a workflow parameter, or change its declaration (its value is the default)."""
        if self.workflow.parameters.get(name) == declaration:
            return
        self.checkpoint()
        self.workflow.parameters[name] = copy.deepcopy(declaration)

    def remove_workflow_param(self, name: str) -> bool:
        """Delete a workflow parameter; the node parameters bound to it keep its value as their own."""
        declaration = self.workflow.parameters.get(name)
        if declaration is None:
            return False
        self.checkpoint()
        del self.workflow.parameters[name]
        for node_id, param in self.bound_to(name):
            self.workflow.nodes[node_id].params[param] = copy.deepcopy(declaration.get("default"))
        return True

    def bound_to(self, name: str) -> list[tuple[str, str]]:
        """(node id, parameter) of every node parameter bound to workflow parameter `name`."""
        return [(node.id, param) for node in self.workflow.nodes.values() for param, value in node.params.items()
                if is_binding(value) and value.get(BIND) == name]

    def bind(self, node_id: str, param: str, name: str) -> None:
        """Make a node parameter take its value from workflow parameter `name`."""
        node = self.workflow.nodes[node_id]
        if node.params.get(param) == {BIND: name}:
            return
        self.checkpoint()
        node.params[param] = {BIND: name}

    def unbind(self, node_id: str, param: str) -> None:
        """Cut a node parameter loose from its workflow parameter, keeping that one's value."""
        node = self.workflow.nodes[node_id]
        value = node.params.get(param)
        if not is_binding(value):
            return
        declaration = self.workflow.parameters.get(value.get(BIND))
        self.checkpoint()
        if isinstance(declaration, dict) and "default" in declaration:
            node.params[param] = copy.deepcopy(declaration["default"])
        else:
            del node.params[param]

    def promote(self, node_id: str, param: ParamSpec, value: Any) -> str | None:
        """A new workflow parameter made from a node parameter (its kind, bounds, help and current
        value), the node parameter bound to it, in one undo step; its name, or None when no
        workflow parameter can feed this parameter."""
        declaration = declaration_for(param, value)
        if declaration is None:
            return None
        base = re.sub(r"[^A-Za-z0-9_]+", "_", param.name)[:60].strip("_") or "param"
        base = base if not base[0].isdigit() else f"p_{base}"
        name, n = base, 2
        while name in self.workflow.parameters:
            name, n = f"{base}_{n}", n + 1
        self.checkpoint()
        self.workflow.parameters[name] = declaration
        self.workflow.nodes[node_id].params[param.name] = {BIND: name}
        return name

    # --- edges -----------------------------------------------------------------------

    def connect(self, source: str, target: str, specs: dict[str, NodeSpec]) -> tuple[str | None, str]:
        """Connect two nodes with the first free compatible port pair.
        Returns (edge id, "") or (None, why the connection is refused)."""
        nodes = self.workflow.nodes
        if source not in nodes or target not in nodes:
            return None, "that node no longer exists"
        source_spec, target_spec = spec_of(specs, nodes[source]), spec_of(specs, nodes[target])
        if source_spec is None or target_spec is None:
            missing = nodes[source].type if source_spec is None else nodes[target].type
            return None, f"cannot connect: the plugin for node type '{missing}' is not installed"
        by_node = {n: spec for n, i in nodes.items() if (spec := spec_of(specs, i)) is not None}
        pair, why = first_free_pair(source_spec, target_spec, taken_inputs(self.workflow, target, by_node))
        if pair is None:
            return None, why
        if would_cycle(self.workflow, source, target):
            return None, f"connecting {source} to {target} would create a cycle"
        return self.add_edge(source, pair[0], target, pair[1])

    def connection_choices(self, source: str, target: str, specs: dict[str, NodeSpec]
                           ) -> tuple[list[tuple[str, str]], str]:
        """The (output, input) pairs a connection source -> target could take (inputs already fed
        left out), or ([], why it is refused). More than one pair: the user must choose."""
        nodes = self.workflow.nodes
        if source not in nodes or target not in nodes:
            return [], "that node no longer exists"
        source_spec, target_spec = spec_of(specs, nodes[source]), spec_of(specs, nodes[target])
        if source_spec is None or target_spec is None:
            missing = nodes[source].type if source_spec is None else nodes[target].type
            return [], f"cannot connect: the plugin for node type '{missing}' is not installed"
        by_node = {n: spec for n, i in nodes.items() if (spec := spec_of(specs, i)) is not None}
        pairs, why = free_pairs(source_spec, target_spec, taken_inputs(self.workflow, target, by_node))
        if pairs and would_cycle(self.workflow, source, target):
            return [], f"connecting {source} to {target} would create a cycle"
        return pairs, why

    def swap_inputs(self, node_id: str, first: str, second: str) -> bool:
        """Exchange what feeds inputs `first` and `second` of a node (a join's left and right), in
        one undo step; False when neither is fed."""
        edges = [e for e in self.workflow.edges if e.target == node_id and e.target_port in (first, second)]
        if not edges:
            return False
        self.checkpoint()
        for edge in edges:
            edge.target_port = second if edge.target_port == first else first
        return True

    def add_edge(self, source: str, source_port: str, target: str, target_port: str,
                 amend: bool = False) -> tuple[str | None, str]:
        """Add an edge with explicit ports (the caller has checked the types). `amend` makes it
        part of the last change (a node added from the palette and its connection: one undo)."""
        if would_cycle(self.workflow, source, target):
            return None, f"connecting {source} to {target} would create a cycle"
        if any(e.target == target and e.target_port == target_port for e in self.workflow.edges):
            return None, f"input '{target_port}' of {target} is already connected"
        if amend and self.undo_stack:
            self.redo_stack.clear()
            self.revision += 1
        else:
            self.checkpoint()
        edge = Edge(source, target, source_port, target_port)
        self.workflow.edges.append(edge)
        return edge_id(edge), ""

    def remove_edge(self, eid: str) -> bool:
        edge = self.edge_by_id(eid)
        if edge is None:
            return False
        self.checkpoint()
        self.workflow.edges.remove(edge)
        return True

    def reassign_edge(self, eid: str, source_port: str, target_port: str) -> tuple[str | None, str]:
        """Change which ports an edge joins; refused if that input is already fed by another edge."""
        edge = self.edge_by_id(eid)
        if edge is None:
            return None, "that connection no longer exists"
        if any(e is not edge and e.target == edge.target and e.target_port == target_port
               for e in self.workflow.edges):
            return None, f"input '{target_port}' of {edge.target} is already connected"
        self.checkpoint()
        edge.source_port, edge.target_port = source_port, target_port
        return edge_id(edge), ""

    # --- files -----------------------------------------------------------------------

    @classmethod
    def opened(cls, workflow: Workflow) -> Document:
        """A document for a freshly opened workflow (clean, empty history)."""
        return cls(workflow=workflow)

    def replace_workflow(self, workflow: Workflow) -> None:
        """Put another version of the workflow in place (one from its history), in one undo step;
        it stays the document of the same file."""
        self.checkpoint()
        workflow.path, workflow.migrations = self.workflow.path, self.workflow.migrations
        self.workflow = workflow
        self.selected = self.selected if self.selected in workflow.nodes else None
        self.layout_revision += 1

    def saved_as(self, path: Path) -> None:
        self.workflow.path = path.resolve()
        self.mark_saved()
