"""Components: a workflow used as one node, flattened into the workflow that uses it when compiled.

A component is a workflow file with a top-level `"component"` object naming its ports, and the
workflow parameters a user of it may set:

    {"version": "0.1.0",
     "component": {"label": "Clean sales", "description": "Drop bad rows, add the revenue",
                   "inputs": [{"name": "table", "type": "table", "to": ["positive.table"]}],
                   "outputs": [{"name": "table", "type": "table", "from": "revenue.table"}]},
     "parameters": {"min_quantity": {"type": "int", "default": 1}},
     "nodes": [...], "edges": [...]}

A workflow uses it as a node of type `component.<file name>` (`component.clean_sales` for
`clean_sales.json`), found in the `components` folder beside the workflow, then in the folders of
`DATAFLOW_COMPONENTS_DIRS` (the caller may name more: the app's workspace); a component finds the
components it uses beside itself first. The
node's parameters set the component's parameters (a value, or a binding to a parameter of the
workflow using it); an input may feed several inner ports (`"to"`), an output comes from one.

`expand_components` replaces each such node `c` by the component's nodes with ids prefixed `c/`
(`clean/positive`), each inner binding replaced by the value the node gives (or the declared
default), and rewires the edges into and out of `c` to the inner ports named. Components nest
(`a/b/x`); one that includes itself is a problem. Every inner node keeps its own Merkle key, so a
change inside a component recomputes only what depends on it, and problems, statuses and stale
reasons name inner nodes by their path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .bindings import BIND, declared_param, is_binding
from .errors import DataflowError, Problem, WorkflowError
from .spec import NodeSpec, PortSpec, PortType
from .workflow import LOOP, Edge, NodeInstance, Workflow, load_workflow, short_repr

PREFIX = "component."
#: a component's name: its file's name without `.json` (never a path)
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
MAX_NESTING = 8


@dataclass(frozen=True, slots=True)
class Component:
    """A component file, read: its workflow and, by port name, where each port goes inside."""

    name: str
    workflow: Workflow
    #: input port -> the inner (node, port) pairs it feeds
    inputs: dict[str, list[tuple[str, str]]]
    #: output port -> the inner (node, port) it comes from
    outputs: dict[str, tuple[str, str]]
    #: the component's own version (`"component": {"version": 2}`, default 1): raising it recomputes
    #: every node inside, and the stale reason says "component version changed"
    version: int = 1
    #: the component nodes inside it, by inner id, as they were flattened
    nested: dict[str, Component] = field(default_factory=dict)
    #: each declared parameter's default, or the ValueError of a bad declaration (read once)
    defaults: dict[str, Any] = field(default_factory=dict)


def component_folders(folder: Path | None, extra: Iterable[Path] = ()) -> list[Path]:
    """Where `component.<name>` types are looked for, for a workflow in `folder`."""
    found = [folder / "components"] if folder is not None else []
    found += [Path(p) for p in extra]
    found += [Path(p).expanduser() for p in os.environ.get("DATAFLOW_COMPONENTS_DIRS", "").split(os.pathsep) if p.strip()]
    return found


def find_component(name: str, folders: list[Path]) -> Path | None:
    """The first `<name>.json` in `folders`, or None."""
    if not NAME.fullmatch(name):
        return None
    return next((f / f"{name}.json" for f in folders if (f / f"{name}.json").is_file()), None)


#: components read, by (path, size, modification time): a loop compiles its body once per item
_READ: dict[tuple[str, int, int], Component] = {}
_READ_LIMIT = 256


def read_component(name: str, path: Path) -> Component:
    """The component in `path` (read again only when its file changed); `ValueError` says what is
    wrong with it. The same file read twice gives the same object: treat it as read-only."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ValueError(f"its file {path} cannot be read: {exc.strerror}") from None
    key = (str(path), info.st_size, info.st_mtime_ns)
    found = _READ.get(key)
    if found is not None and found.name == name:
        return found
    component = _read_component(name, path)
    if len(_READ) >= _READ_LIMIT:
        _READ.clear()
    _READ[key] = component
    return component


def _read_component(name: str, path: Path) -> Component:
    try:
        workflow = load_workflow(path)
    except WorkflowError as exc:
        raise ValueError(f"its file {path} is not a valid workflow: {exc.problems[0].message}") from None
    declared = workflow.component
    if not isinstance(declared, dict):
        raise ValueError(f"{path} is a workflow, not a component: it has no \"component\" object naming its ports")

    def ref(text: Any, where: str) -> tuple[str, str]:
        node, dot, port = text.rpartition(".") if isinstance(text, str) else ("", "", "")
        if not dot or node not in workflow.nodes:
            raise ValueError(f"{where} names {short_repr(text)}; write NODE.PORT with a node of the component")
        return node, port

    version = declared.get("version", 1)
    if type(version) is not int or not 1 <= version <= 2**31:
        raise ValueError(f"'component.version' must be a whole number from 1, not {short_repr(version)}")
    ports: dict[str, dict[str, Any]] = {"inputs": {}, "outputs": {}}
    for kind, key in (("inputs", "to"), ("outputs", "from")):
        listed = declared.get(kind, [])
        if not isinstance(listed, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str) for p in listed):
            raise ValueError(f"'component.{kind}' must be a list of ports, each with a 'name'")
        for port in listed:
            where = f"{kind[:-1]} '{port['name']}'"
            if kind == "inputs":
                targets = port.get(key, [])
                ports[kind][port["name"]] = [ref(t, where) for t in (targets if isinstance(targets, list) else [targets])]
            else:
                ports[kind][port["name"]] = ref(port.get(key), where)
    return Component(name, workflow, ports["inputs"], ports["outputs"], version, defaults=_defaults(workflow))


@dataclass(frozen=True, slots=True)
class Flattened:
    """A workflow with its component nodes replaced by their nodes (`expand_components`)."""

    workflow: Workflow
    #: for each edge of `workflow`, the index of the file's edge it comes from (None: inside a component)
    origins: list[int | None]
    #: inner node id -> the (component name, version) of each component it is inside, outermost first
    inside: dict[str, tuple[tuple[str, int], ...]]


def expand_components(workflow: Workflow, problems: list[Problem], extra: Iterable[Path] = ()) -> Flattened:
    """`workflow` with every component node replaced by the component's nodes (see the module
    docstring); a problem for each component that cannot be found, read or used as written.
    `extra`: folders to look in after the workflow's own `components` folder."""
    flat, expanded, origins = _expand(workflow, problems, (), tuple(extra))
    inside: dict[str, tuple[tuple[str, int], ...]] = {}
    for node_id in flat.nodes:
        path = node_id.split("/")[:-1]
        chain = []
        found = expanded
        for part in path:
            component = found.get(part)
            if component is None:
                break
            chain.append((component.name, component.version))
            found = component.nested
        if chain:
            inside[node_id] = tuple(chain)
    return Flattened(flat, origins, inside)


def _expand(workflow: Workflow, problems: list[Problem], chain: tuple[str, ...],
            extra: tuple[Path, ...]) -> tuple[Workflow, dict[str, Component], list[int | None]]:
    """The flattened workflow, each component node it replaced with its ports' inner ends, and
    each flattened edge's origin (the index of `workflow`'s edge, None for an inner one)."""
    if not any(n.type.startswith(PREFIX) and LOOP not in n.extra for n in workflow.nodes.values()):
        return workflow, {}, list(range(len(workflow.edges)))
    folders = component_folders(workflow.folder, extra)
    if chain:  # inside a component: the components beside it first
        folders = [workflow.folder, *folders] if workflow.folder else folders
    nodes: dict[str, NodeInstance] = {}
    edges: list[Edge] = []
    expanded: dict[str, Component] = {}
    for node in workflow.nodes.values():
        if not node.type.startswith(PREFIX) or LOOP in node.extra:  # a loop expands its body when it runs
            nodes[node.id] = node
            continue
        try:
            component = _component(node, folders, chain, extra, problems)
        except ValueError as exc:
            problems.append(Problem("component", f"node '{node.id}' ({short_repr(node.type)}): {exc}", node=node.id))
            continue
        expanded[node.id] = component
        inner = component.workflow
        values = _parameter_values(node, component, problems)
        for inner_node in inner.nodes.values():
            path = f"{node.id}/{inner_node.id}"
            if path in workflow.nodes:
                problems.append(Problem("duplicate_id", f"node id '{path}' is used twice: by the workflow and inside "
                                        f"component node '{node.id}'", node=path))
            params = {k: _bound(v, values, node, component, problems) for k, v in inner_node.params.items()}
            nodes[path] = replace(inner_node, id=path, params=params, label=inner_node.label)
        edges += [Edge(f"{node.id}/{e.source}", f"{node.id}/{e.target}", e.source_port, e.target_port) for e in inner.edges]
    outer: list[Edge] = []
    origins: list[int | None] = []
    for index, edge in enumerate(workflow.edges):
        if edge.source in expanded:
            found = _port(expanded[edge.source].outputs, edge.source_port, edge.source, "output", index, problems)
            if found is None:
                continue
            edge = Edge(f"{edge.source}/{found[0]}", edge.target, found[1], edge.target_port)
        targets = [(edge.target, edge.target_port)]
        if edge.target in expanded:
            found = _port(expanded[edge.target].inputs, edge.target_port, edge.target, "input", index, problems)
            if found is None:
                continue
            targets = [(f"{edge.target}/{inner}", port) for inner, port in found]
        outer += [Edge(edge.source, target, edge.source_port, port) for target, port in targets]
        origins += [index] * len(targets)
    return replace(workflow, nodes=nodes, edges=outer + edges), expanded, origins + [None] * len(edges)


def load_component(node: NodeInstance, workflow: Workflow, extra: Iterable[Path] = ()) -> tuple[Component, NodeSpec]:
    """The component a `component.<name>` node of `workflow` uses, flattened, and its spec
    (`component_spec`); `ValueError` says why it cannot be used (its first problem)."""
    problems: list[Problem] = []
    component = _component(node, component_folders(workflow.folder, extra), (), tuple(extra), problems)
    if problems:
        raise ValueError(problems[0].message)
    return component, component_spec(component)


def _component(node: NodeInstance, folders: list[Path], chain: tuple[str, ...], extra: tuple[Path, ...],
               problems: list[Problem]) -> Component:
    name = node.type[len(PREFIX):]
    if name in chain:
        raise ValueError(f"component '{name}' includes itself ({' -> '.join((*chain, name))})")
    if len(chain) >= MAX_NESTING:
        raise ValueError(f"components nest deeper than {MAX_NESTING} levels ({' -> '.join(chain)})")
    path = find_component(name, folders)
    if path is None:
        shown = ", ".join(str(f) for f in folders) or "no folder (save the workflow first)"
        raise ValueError(f"no component '{name}' was found; put {name}.json in {shown}")
    component = read_component(name, path)
    inner: list[Problem] = []
    flat, nested, _ = _expand(component.workflow, inner, (*chain, name), extra)
    problems += [replace(p, message=f"in component '{name}' of node '{node.id}': {p.message}") for p in inner]

    def through(node_id: str, port: str, kind: str) -> list[tuple[str, str]]:
        """A port's inner end, followed into a nested component's node."""
        if node_id not in nested:
            return [(node_id, port)]
        ends = getattr(nested[node_id], kind).get(port)
        if ends is None:
            raise ValueError(f"its {kind[:-1]} names port '{port}' of component node '{node_id}', which has no such {kind[:-1]}")
        return [(f"{node_id}/{n}", p) for n, p in (ends if kind == "inputs" else [ends])]

    inputs = {port: [end for n, p in ends for end in through(n, p, "inputs")] for port, ends in component.inputs.items()}
    outputs = {port: through(*end, "outputs")[0] for port, end in component.outputs.items()}
    return Component(name, flat, inputs, outputs, component.version, nested, component.defaults)


def _defaults(inner: Workflow) -> dict[str, Any]:
    """Each declared parameter's default, or the `ValueError` saying what is wrong with its declaration."""
    made: dict[str, Any] = {}
    for name, declaration in inner.parameters.items():
        try:
            made[name] = declared_param(name, declaration).default
        except ValueError as exc:
            made[name] = exc
    return made


def _parameter_values(node: NodeInstance, component: Component, problems: list[Problem]) -> dict[str, Any]:
    """What each of the component's parameters is for this node: the node's value, else the default."""
    values = {}
    inner = component.workflow
    for name, default in component.defaults.items():
        if isinstance(default, ValueError):
            problems.append(Problem("bad_workflow_param", f"node '{node.id}' ({node.type}): its parameter "
                                    f"{short_repr(name)}: {default}", node=node.id))
        else:
            values[name] = default
    for name, value in node.params.items():
        if name not in inner.parameters:
            declared = ", ".join(inner.parameters) or "none"
            problems.append(Problem("unknown_param", f"node '{node.id}' ({node.type}) has no parameter "
                                    f"{short_repr(name)}; its parameters: {declared}", node=node.id, param=name))
        else:
            values[name] = value
    return values


def _bound(value: Any, values: dict[str, Any], node: NodeInstance, component: Component, problems: list[Problem]) -> Any:
    """An inner parameter's value with its binding to a component parameter replaced."""
    if not is_binding(value):
        return value
    name = value.get(BIND)
    if isinstance(name, str) and name in values:
        return values[name]
    problems.append(Problem("unknown_workflow_param", f"node '{node.id}': component '{component.name}' binds a "
                            f"parameter to {short_repr(name)}, which it does not declare", node=node.id))
    return value


def _port(ports: dict[str, Any], name: str | None, node_id: str, kind: str, index: int,
          problems: list[Problem]) -> Any:
    """The inner end of a component's port `name` (the only one when None), or None after a problem."""
    if name is None and len(ports) == 1:
        return next(iter(ports.values()))
    if name in ports:
        return ports[name]
    listed = ", ".join(ports) or "none"
    problems.append(Problem("unknown_port", f"edge #{index + 1}: component node '{node_id}' has no {kind} "
                            f"{short_repr(name)}; its {kind}s: {listed}", edge=index, node=node_id))
    return None


def component_spec(component: Component) -> NodeSpec:
    """The component as a node type (`component.<name>`): its ports and parameters as declared, for
    the app's palette, form and ports. Its function is never called: the component runs as its nodes."""
    declared = component.workflow.component or {}

    def ports(kind: str) -> tuple[PortSpec, ...]:
        return tuple(PortSpec(p["name"], PortType(str(p.get("type", "table")))) for p in declared.get(kind, []))

    params = []
    for name, declaration in component.workflow.parameters.items():
        try:
            params.append(declared_param(name, declaration))
        except ValueError:
            continue  # compiling the workflow names it
    text = declared.get("description")
    return NodeSpec(_runs_as_its_nodes, component.name, str(declared.get("category") or "Components"),
                    str(declared.get("label") or component.name), component.version,
                    text if isinstance(text, str) else "", "",
                    ports("inputs"), ports("outputs"), tuple(params), True, type_id=f"{PREFIX}{component.name}",
                    param_index={p.name: p for p in params},
                    plugin="components")


def components_in(folders: Iterable[Path]) -> dict[str, Component]:
    """Every component in `folders` (their `*.json` files that are components), by type id; the
    first folder wins a name."""
    found: dict[str, Component] = {}
    for folder in folders:
        for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else ():
            type_id = f"{PREFIX}{path.stem}"
            if type_id not in found and NAME.fullmatch(path.stem):
                try:
                    found[type_id] = read_component(path.stem, path)
                except ValueError:
                    continue  # not a component, or a broken one: using it names the problem
    return found


def _runs_as_its_nodes(**_: Any) -> None:
    raise DataflowError("a component runs as the nodes inside it; compile the workflow that uses it")
