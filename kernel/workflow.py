"""The workflow file: a JSON document of nodes, edges and meta. Parsed strictly, saved atomically.

    {"version": "0.1.0",
     "parameters": {"threshold": {"type": "float", "default": 0.5, "min": 0, "max": 1}},
     "nodes": [{"id": "load", "type": "samples.dataset", "params": {"name": "iris"},
                "position": {"x": 0, "y": 0}, "label": "Iris"}],
     "edges": [{"source": "load", "source_port": "table", "target": "split", "target_port": "table"}],
     "meta": {"name": "Iris", "description": "...", "node_types": {"samples.dataset":
              {"plugin": "samples", "distribution": "dataflow-samples", "version": "0.1.0"}}}}

A port name may be left out (null or absent) where exactly one port fits. Parsing is strict
(`files.py`). A workflow never holds code or pickles.

Workflow parameters (optional) are declared under `"parameters"`, keyed by name, with the kinds
and metadata of node parameters (`PARAM_TYPES`; min, max, step, choices, help, label); a node
parameter bound to one holds `{"$param": "threshold"}`. `compile_workflow` resolves bindings to
values, so the compiled graph and its cache keys hold plain values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, WorkflowError
from .files import MAX_DEPTH, atomic_write, depth_ok, parse_json_strict, read_regular_file
from .migrations import CURRENT_VERSION, migrate
from .params import INT_MAX

FREE_FORM_DEPTH = MAX_DEPTH - 4  # parameters sit 4 levels down: document, nodes, node, params
LOOP = "loop"  # a node's loop object (`loops.py`), kept in `NodeInstance.extra`
MAX_PARAMETERS = 1000


@dataclass
class NodeInstance:
    """A node placed in a workflow. `params` holds only what the file says (defaults are not filled in)."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: dict[str, float] | None = None
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the version of the node type the file was saved with (None: a file older than format 0.2.0)
    version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.version is not None:
            data["version"] = self.version
        data["params"] = self.params
        if self.position is not None:
            data["position"] = self.position
        if self.label is not None:
            data["label"] = self.label
        return {**data, **self.extra}


@dataclass
class Edge:
    """A connection from an output port to an input port; a port may be None (inferred)."""

    source: str
    target: str
    source_port: str | None = None
    target_port: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "source_port": self.source_port,
                "target": self.target, "target_port": self.target_port}

    def describe(self) -> str:
        return f"{self.source}.{self.source_port or '?'} -> {self.target}.{self.target_port or '?'}"


@dataclass
class Workflow:
    """A workflow in memory. `path` is where it was read from, used to resolve relative file paths."""

    nodes: dict[str, NodeInstance] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    version: str = CURRENT_VERSION
    path: Path | None = None
    migrations: list[str] = field(default_factory=list)
    #: workflow parameter declarations by name, as in the file (`declared_param` reads one)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: a component's ports, as in the file (`components.py` reads them); None: not a component
    component: dict[str, Any] | None = None

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version}
        if self.parameters:
            data["parameters"] = self.parameters
        if self.component is not None:
            data["component"] = self.component
        return {**data, "nodes": [n.to_dict() for n in self.nodes.values()],
                "edges": [e.to_dict() for e in self.edges], "meta": self.meta}


def short_repr(value: Any) -> str:
    """`repr(value)`, cut to fit in a message."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def workflow_from_dict(data: Any, source: str = "workflow", path: Path | None = None) -> Workflow:
    """Check the document's shape and build a Workflow; every shape problem is reported together."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise WorkflowError([Problem("schema", "the top level must be a JSON object")], source)
    if not isinstance(data.get("version"), str):
        problems.append(Problem("schema", "'version' must be a string such as \"0.1.0\""))
        raise WorkflowError(problems, source)
    try:
        data, applied = migrate(dict(data))
    except ValueError as exc:
        raise WorkflowError([Problem("version", str(exc))], source) from None
    raw_nodes, raw_edges, meta = data.get("nodes"), data.get("edges", []), data.get("meta", {})
    parameters = data.get("parameters", {})
    unknown = sorted(set(data) - {"version", "parameters", "component", "nodes", "edges", "meta"})
    if unknown:
        problems.append(Problem("schema", f"unknown top-level keys: {', '.join(unknown)}"))
    if not isinstance(raw_nodes, list):
        problems.append(Problem("schema", "'nodes' must be a list"))
        raw_nodes = []
    if not isinstance(raw_edges, list):
        problems.append(Problem("schema", "'edges' must be a list"))
        raw_edges = []
    if not isinstance(meta, dict):
        problems.append(Problem("schema", "'meta' must be an object"))
        meta = {}

    if not depth_ok(meta, FREE_FORM_DEPTH):
        problems.append(Problem("json", f"'meta' is nested deeper than {FREE_FORM_DEPTH} levels"))
        meta = {}
    if not isinstance(parameters, dict) or len(parameters) > MAX_PARAMETERS or not depth_ok(parameters, 3) \
            or not all(isinstance(d, dict) for d in parameters.values()):
        problems.append(Problem("schema", f"'parameters' must be an object of at most {MAX_PARAMETERS} declarations "
                                "keyed by name, each an object of plain values, such as "
                                '{"threshold": {"type": "float", "default": 0.5}}'))
        parameters = {}
    component = data.get("component")
    if component is not None and (not isinstance(component, dict) or not depth_ok(component, 4)):
        problems.append(Problem("schema", "'component' must be an object naming the component's inputs and outputs"))
        component = None
    workflow = Workflow(meta=meta, version=data["version"], path=path, migrations=applied, parameters=parameters,
                        component=component)
    for index, raw in enumerate(raw_nodes):
        node = _node_from(raw, index, problems)
        if node is None:
            continue
        if node.id in workflow.nodes:
            problems.append(Problem("duplicate_id", f"node id '{node.id}' is used twice", node=node.id))
            continue
        workflow.nodes[node.id] = node
    for index, raw in enumerate(raw_edges):
        edge = _edge_from(raw, index, problems)
        if edge is not None:
            workflow.edges.append(edge)
    if problems:
        raise WorkflowError(problems, source)
    return workflow


_NODE_KEYS = frozenset({"id", "type", "version", "params", "position", "label"})


def _node_from(raw: Any, index: int, problems: list[Problem]) -> NodeInstance | None:
    if not isinstance(raw, dict):
        problems.append(Problem("schema", f"node #{index + 1} must be an object"))
        return None
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id.strip() or len(node_id) > 200:
        problems.append(Problem("schema", f"node #{index + 1} needs an 'id': a non-empty string of at most 200 "
                                          "characters"))
        return None
    where = f"node '{node_id}'"
    ok = True
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        problems.append(Problem("schema", f"{where} needs a 'type' string such as \"transform.filter\"", node=node_id))
        ok = False
    params = raw.get("params", {})
    if not isinstance(params, dict):
        problems.append(Problem("schema", f"{where}: 'params' must be an object", node=node_id))
        ok = False
    position = raw.get("position")
    if position is not None and not (isinstance(position, dict) and is_number(position.get("x"))
                                     and is_number(position.get("y"))):
        problems.append(Problem("schema", f"{where}: 'position' must be {{\"x\": number, \"y\": number}}",
                                node=node_id))
        ok = False
    label = raw.get("label")
    if label is not None and not isinstance(label, str):
        problems.append(Problem("schema", f"{where}: 'label' must be a string", node=node_id))
        ok = False
    version = raw.get("version")
    if version is not None and (type(version) is not int or not 1 <= version <= INT_MAX):
        problems.append(Problem("schema", f"{where}: 'version' (the node type's version) must be a whole number "
                                "from 1", node=node_id))
        ok = False
    if not ok:
        return None
    extra = {} if raw.keys() <= _NODE_KEYS else {k: v for k, v in raw.items() if k not in _NODE_KEYS}
    if not depth_ok(params, FREE_FORM_DEPTH) or (extra and not depth_ok(extra, FREE_FORM_DEPTH)):
        problems.append(Problem("json", f"{where}: its parameters are nested deeper than {FREE_FORM_DEPTH} levels",
                                node=node_id))
        return None
    return NodeInstance(node_id, raw["type"], params, position, label, extra, version)


def _edge_from(raw: Any, index: int, problems: list[Problem]) -> Edge | None:
    if not isinstance(raw, dict):
        problems.append(Problem("schema", f"edge #{index + 1} must be an object", edge=index))
        return None
    source, target = raw.get("source"), raw.get("target")
    source_port, target_port = raw.get("source_port"), raw.get("target_port")
    if (isinstance(source, str) and source and isinstance(target, str) and target
            and (source_port is None or isinstance(source_port, str))
            and (target_port is None or isinstance(target_port, str))):
        return Edge(source, target, source_port or None, target_port or None)
    bad = [k for k in ("source", "target") if not isinstance(raw.get(k), str) or not raw.get(k)]
    bad += [k for k in ("source_port", "target_port") if raw.get(k) is not None and not isinstance(raw[k], str)]
    problems.append(Problem("schema", f"edge #{index + 1}: {', '.join(bad)} must be strings", edge=index))
    return None


def load_workflow(path: str | os.PathLike) -> Workflow:
    """Read and shape-check a workflow file (run `compile_workflow` to check it against plugins).
    Only a regular file is read (see `files.read_regular_file`)."""
    path = Path(path)
    text = read_regular_file(path)
    return workflow_from_dict(parse_json_strict(text, str(path), check_depth=False), str(path), path.resolve())


def save_workflow(workflow: Workflow, path: str | os.PathLike, registry: Any = None) -> Path:
    """Write the workflow atomically (a temp file renamed over the target), recording in `meta`
    which plugin, distribution and version provide each node type, and on each node its type's
    version, when `registry` is given.
    With a registry, values of parameters whose widget is not `saved` (a `Secret`) are left out."""
    path = Path(path)
    if registry is not None:
        known = dict(workflow.meta.get("node_types") or {})
        for node in workflow.nodes.values():
            provenance = registry.provenance(node.type)
            if provenance is not None:
                known[node.type] = provenance
        workflow.meta["node_types"] = {t: known[t] for t in sorted(known)
                                       if any(n.type == t for n in workflow.nodes.values())}
        for node in workflow.nodes.values():
            spec = registry.nodes.get(node.type)
            node.version = spec.version if spec is not None else node.version
    data = workflow.to_dict()
    if registry is not None:
        _drop_secrets(data, registry)
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write(path, text.encode("utf-8"))
    workflow.path = path.resolve()
    return path


def _drop_secrets(data: dict[str, Any], registry: Any) -> None:
    """Remove the values of parameters whose widget is not `saved` from a workflow about to be
    written: a file is shared, a password is not (the in-memory workflow keeps them for the session)."""
    for node in data.get("nodes", []):
        spec = registry.nodes.get(node.get("type"))
        if spec is None:
            continue
        secrets = {p.name for p in spec.params if p.widget is not None and not p.widget.saved}
        if secrets and node.get("params"):
            node["params"] = {k: v for k, v in node["params"].items() if k not in secrets}
