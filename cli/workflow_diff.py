"""What changed between two versions of a workflow, node by node: not a text diff.

    diff = diff_workflows(old, new)
    diff.summary()   # "1 node added, 2 parameters changed, 3 nodes moved"
    diff.lines()     # one line per change, "~ filter.formula: 'price > 10' -> 'price > 20'"
    diff.to_dict()   # the same for --json

Nodes are matched by id. For a node in both: its type, its parameters (a parameter left at
its default is shown as `(default)`), its label; a moved node only counts ("3 nodes moved").
A node that left the workflow for a component node added beside it (the component's file holds
a node of its id and type), or came out of a component node that left (expanded: its id is the
component node's id, `_`, its id inside), *moved between components*: it is neither added nor
removed. Component files are looked for as `compile_workflow` looks for them, beside the workflow.
Edges are compared whole (source and port, target and port); an edge of a removed node is
a removed edge. Workflow parameters are compared by name, their declarations whole; of `meta`,
the name and the description (which plugin provides a type is derived, not an edit).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from dataflow.kernel import Workflow, component_folders, find_component, read_component

DEFAULT = "(default)"
PREFIX = "component."  # a component node's type: component.<name>
MOVE_TOLERANCE = 0.5


def plural(count: int, noun: str) -> str:
    """"1 node", "2 nodes"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _value(value: Any) -> str:
    """A parameter value in a line: its repr, cut to fit."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


@dataclass
class WorkflowDiff:
    """Every change from one version of a workflow to another."""

    nodes_added: list[dict[str, Any]] = field(default_factory=list)      # {"id", "type", "label"}
    nodes_removed: list[dict[str, Any]] = field(default_factory=list)
    types_changed: list[dict[str, Any]] = field(default_factory=list)    # {"node", "old", "new"}
    #: {"node", "param", "old", "new"}: the values as in the files; "(default)" where a file leaves it out
    params_changed: list[dict[str, Any]] = field(default_factory=list)
    labels_changed: list[dict[str, Any]] = field(default_factory=list)   # {"node", "old", "new"}
    edges_added: list[str] = field(default_factory=list)                 # "load.table -> filter.table"
    edges_removed: list[str] = field(default_factory=list)
    workflow_params_changed: list[dict[str, Any]] = field(default_factory=list)  # {"name", "old", "new"}
    meta_changed: list[dict[str, Any]] = field(default_factory=list)     # {"key", "old", "new"}
    nodes_moved: int = 0
    #: {"node", "component" (the component node's id), "type" (component.<name>), "direction": "into"|"out of"}
    moved_between_components: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(asdict(self).values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary()}

    def summary(self) -> str:
        """The changes counted, in one short line ("no changes" when there are none)."""
        counts = [(len(self.nodes_added), "node", "added"), (len(self.nodes_removed), "node", "removed"),
                  (len(self.types_changed), "node type", "changed"),
                  (len(self.params_changed), "parameter", "changed"), (len(self.labels_changed), "label", "changed"),
                  (len(self.edges_added), "edge", "added"), (len(self.edges_removed), "edge", "removed"),
                  (len(self.workflow_params_changed), "workflow parameter", "changed"),
                  (len(self.meta_changed), "name/description", "changed"), (self.nodes_moved, "node", "moved"),
                  (len(self.moved_between_components), "node", "moved between components")]
        return ", ".join(f"{plural(n, what)} {verb}" for n, what, verb in counts if n) or "no changes"

    def lines(self) -> list[str]:
        """One line per change: `+` added, `-` removed, `~` changed."""
        out = [f"+ node {n['id']} ({n['type']})" + (f" {n['label']!r}" if n["label"] else "") for n in self.nodes_added]
        out += [f"- node {n['id']} ({n['type']})" + (f" {n['label']!r}" if n["label"] else "")
                for n in self.nodes_removed]
        out += [f"~ node {c['node']}: type {c['old']} -> {c['new']}" for c in self.types_changed]
        out += [f"~ {c['node']}.{c['param']}: {_param(c['old'])} -> {_param(c['new'])}" for c in self.params_changed]
        out += [f"~ label of {c['node']}: {c['old']!r} -> {c['new']!r}" for c in self.labels_changed]
        out += [f"+ edge {e}" for e in self.edges_added] + [f"- edge {e}" for e in self.edges_removed]
        out += [f"{'+' if c['old'] is None else '-' if c['new'] is None else '~'} workflow parameter {c['name']}: "
                f"{_value(c['old']) if c['old'] is not None else '(none)'} -> "
                f"{_value(c['new']) if c['new'] is not None else '(none)'}" for c in self.workflow_params_changed]
        out += [f"~ {c['key']}: {c['old']!r} -> {c['new']!r}" for c in self.meta_changed]
        out += [f"> node {m['node']} moved {m['direction']} component {m['component']} ({m['type']})"
                for m in self.moved_between_components]
        if self.nodes_moved:
            out.append(f"{plural(self.nodes_moved, 'node')} moved")
        return out


def _param(value: Any) -> str:
    """A node parameter's value in a line; `(default)` where the file leaves it out."""
    return DEFAULT if value is DEFAULT else _value(value)


def _moved(old: dict | None, new: dict | None) -> bool:
    if old is None or new is None:
        return old is not new
    return any(abs(float(old.get(k, 0)) - float(new.get(k, 0))) > MOVE_TOLERANCE for k in ("x", "y"))


def diff_workflows(old: Workflow, new: Workflow) -> WorkflowDiff:
    """What changed from `old` to `new`."""
    diff = WorkflowDiff()
    for node_id, node in new.nodes.items():
        if node_id not in old.nodes:
            diff.nodes_added.append({"id": node_id, "type": node.type, "label": node.label})
    for node_id, node in old.nodes.items():
        if node_id not in new.nodes:
            diff.nodes_removed.append({"id": node_id, "type": node.type, "label": node.label})
            continue
        after = new.nodes[node_id]
        if node.type != after.type:
            diff.types_changed.append({"node": node_id, "old": node.type, "new": after.type})
        for name in [*node.params, *(p for p in after.params if p not in node.params)]:
            before_value, after_value = node.params.get(name, DEFAULT), after.params.get(name, DEFAULT)
            if before_value != after_value or type(before_value) is not type(after_value):
                diff.params_changed.append({"node": node_id, "param": name, "old": before_value, "new": after_value})
        if node.label != after.label:
            diff.labels_changed.append({"node": node_id, "old": node.label, "new": after.label})
        diff.nodes_moved += _moved(node.position, after.position)
    old_edges, new_edges = Counter(e.describe() for e in old.edges), Counter(e.describe() for e in new.edges)
    diff.edges_added = list((new_edges - old_edges).elements())
    diff.edges_removed = list((old_edges - new_edges).elements())
    for name in [*old.parameters, *(p for p in new.parameters if p not in old.parameters)]:
        before_decl, after_decl = old.parameters.get(name), new.parameters.get(name)
        if before_decl != after_decl:
            diff.workflow_params_changed.append({"name": name, "old": before_decl, "new": after_decl})
    for key in ("name", "description"):
        if old.meta.get(key) != new.meta.get(key):
            diff.meta_changed.append({"key": key, "old": old.meta.get(key), "new": new.meta.get(key)})
    _moves_between_components(diff, old, new)
    return diff


def _moves_between_components(diff: WorkflowDiff, old: Workflow, new: Workflow) -> None:
    """Take the nodes that moved into or out of a component out of the added and removed ones."""
    removed = {n["id"]: n for n in diff.nodes_removed}
    added = {n["id"]: n for n in diff.nodes_added}
    moves = []
    for holder in [n for n in diff.nodes_added if n["type"].startswith(PREFIX)]:
        inside = _inner_types(holder["type"], new)
        moves += [(node_id, holder, "into") for node_id, node in removed.items() if inside.get(node_id) == node["type"]]
    for holder in [n for n in diff.nodes_removed if n["type"].startswith(PREFIX)]:
        inside, prefix = _inner_types(holder["type"], old), f"{holder['id']}_"
        moves += [(node_id, holder, "out of") for node_id, node in added.items()
                  if node_id.startswith(prefix) and inside.get(node_id[len(prefix):]) == node["type"]]
    moved = {node_id for node_id, _, _ in moves}
    diff.nodes_added = [n for n in diff.nodes_added if n["id"] not in moved]
    diff.nodes_removed = [n for n in diff.nodes_removed if n["id"] not in moved]
    diff.moved_between_components = [{"node": node_id, "component": holder["id"], "type": holder["type"],
                                      "direction": direction} for node_id, holder, direction in moves]


def _inner_types(type_id: str, workflow: Workflow) -> dict[str, str]:
    """Node id -> type inside the component `type_id` as found beside `workflow` ({}: not found)."""
    name = type_id[len(PREFIX):]
    path = find_component(name, component_folders(workflow.folder))
    try:
        return {n.id: n.type for n in read_component(name, path).workflow.nodes.values()} if path else {}
    except ValueError:
        return {}
