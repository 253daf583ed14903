"""Loops: a node (or a component) run once per item, its results collected into one output.

A node becomes a loop when it carries a `"loop"` object saying what it runs over:

    {"id": "months", "type": "component.clean_month", "params": {"min_quantity": 1},
     "loop": {"over": "files", "folder": "monthly", "pattern": "*.csv", "param": "path"}}
    {"id": "grid", "type": "component.fit_and_score",
     "loop": {"over": "values", "values": {"max_depth": [2, 4, 8], "n_estimators": [50, 100]}}}
    {"id": "per_region", "type": "transform.aggregate",
     "loop": {"over": "groups", "port": "table", "keys": ["region"]}}

- `files`: every file of `folder` (relative to the workflow's folder) matching `pattern`, in name
  order; each item sets the parameter `param` (a file path) to the file. The item is named by
  its name in the folder, in the column `item_column` (default `file`).
- `values`: each combination of the listed parameter values (`"combine": "grid"`, the default),
  or the lists taken side by side (`"zip"`); each item sets those parameters, and is named by
  them (one column per parameter).
- `groups`: the table on input `port` split by the `keys` columns; each group goes to `port`.

Outputs: each output whose port type's serializer can `collect` (tables, series and metrics:
`Serializer.collects_to`) becomes one table, the items' results concatenated with columns
naming the item; other outputs (a model, a chart) are not collected and the loop node has no such
output. Inputs other than a groups `port` reach every iteration unchanged.

**How it runs.** The loop node is one node of its graph, with its own Merkle key (its parameters,
the loop object, the body's definition, its inputs' keys and, for files, each matched file's name,
size and time), so a fully cached run never looks inside. When it must compute, the run (not an
executor) calls `iterations.run_loop`: the items are listed (a files loop's, as its key listed them), one
workflow holding an instance of the body per item is compiled (the first instance compiled, the others
copied from it: `instances.py`) and run by the same engine, on the same cache and executor (so iterations run in
parallel on a pool), and the results are collected. Each iteration's nodes keep their own keys: a
changed file recomputes its iteration, a new file computes one. Inputs enter that workflow as
*given* nodes whose keys are the upstream key (and the group's name), never data. A failing
iteration fails the loop node, naming the item; the others' results are cached by then.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import loopkeys
from .bindings import BIND
from .components import PREFIX, load_component
from .errors import DataflowError, NodeError, Problem, WorkflowError
from .params import canonical_json, check_value, coerce_value
from .spec import NodeSpec, ParamSpec, PortSpec, PortType
from .workflow import LOOP, Edge, NodeInstance, Workflow, short_repr

if TYPE_CHECKING:
    from .graph import Graph, GraphNode
    from .registry import Registry

OVER = ("files", "values", "groups")
_KEYS = {"files": {"over", "folder", "pattern", "param", "item_column"},
         "values": {"over", "values", "combine", "item_column"},
         "groups": {"over", "port", "keys", "item_column"}}
MAX_ITEMS = 100_000
GIVEN = "loop.input"  # the type id prefix of the nodes that hand a value into an iteration


@dataclass(frozen=True, slots=True)
class Loop:
    """A node's loop object, read and checked (see the module docstring)."""

    over: str
    folder: str = ""
    pattern: str = "*"
    param: str = ""
    values: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    combine: str = "grid"
    port: str = ""
    keys: tuple[str, ...] = ()
    item_column: str = ""

    @property
    def looped_params(self) -> set[str]:
        """The body's parameters each item sets (the node's own values for them are not used)."""
        return {self.param} if self.over == "files" else {name for name, _ in self.values}


@dataclass(frozen=True, slots=True)
class LoopPlan:
    """What the run needs to expand a loop node: the loop, its body and where the body is found."""

    loop: Loop
    body: NodeSpec
    #: output port -> (path inside the body, or "" for a node body; the inner port)
    ends: dict[str, tuple[str, str]]
    workflow: Workflow
    #: `compile_workflow`, for the iterations' workflow and the body alone (handed in by it)
    compile: Callable[..., Graph] = field(compare=False)
    component_dirs: tuple[Path, ...] = ()
    #: a files loop's matching files, each with its `os.stat` (`loopkeys.list_files`), listed anew per call
    files: Callable[[], loopkeys.Listing] = field(default=list, compare=False)
    #: the listing the loop node's key was last made of, by its digest (`listing_for`)
    listed: dict[str, tuple[str, loopkeys.Listing]] = field(default_factory=dict, compare=False)

    def listing_for(self, key_fingerprint: str) -> loopkeys.Listing:
        """The files a run's loop node was keyed by (its key's fingerprint holds their digest): the
        iterations are exactly the items the key names, and the folder is not listed again."""
        digest, listing = self.listed.pop("last", ("", []))  # taken: not kept alive with the graph
        return listing if digest and digest in key_fingerprint else self.files()


def is_loop(node: NodeInstance) -> bool:
    return LOOP in node.extra


def read_loop(node: NodeInstance, body: NodeSpec, problems: list[Problem]) -> Loop | None:
    """The node's loop object checked against its body's ports and parameters; None after a problem."""
    raw = node.extra[LOOP]
    where = f"node '{node.id}', its loop"

    def bad(message: str, param: str | None = None) -> None:
        problems.append(Problem("bad_loop", f"{where}: {message}", node=node.id, param=param))

    if not isinstance(raw, dict) or raw.get("over") not in OVER:
        bad(f"write {{\"over\": \"files\" | \"values\" | \"groups\", ...}}; got {short_repr(raw)}")
        return None
    over = raw["over"]
    unknown = sorted(set(raw) - _KEYS[over])
    if unknown:
        bad(f"unknown keys {', '.join(short_repr(k) for k in unknown)}; a loop over {over} takes "
            f"{', '.join(sorted(_KEYS[over] - {'over'}))}")
        return None
    column = raw.get("item_column", "")
    if not isinstance(column, str) or len(column) > 200:
        bad("'item_column' must be a column name")
        return None
    if over == "files":
        return _files_loop(raw, body, bad, column)
    if over == "values":
        return _values_loop(raw, body, bad, column)
    port = raw.get("port") or next((p.name for p in body.inputs if p.type.name == "table"), "")
    keys = raw.get("keys")
    if body.input(port) is None:
        inputs = ", ".join(p.name for p in body.inputs) or "none"
        bad(f"'port' names {short_repr(port)}, which is not an input of {body.type_id}; its inputs: {inputs}")
        return None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        bad("'keys' must list the columns to group by, for example [\"region\"]")
        return None
    return Loop("groups", port=port, keys=tuple(keys), item_column=column)


def _files_loop(raw: dict, body: NodeSpec, bad: Callable[..., None], column: str) -> Loop | None:
    folder, pattern, param = raw.get("folder"), raw.get("pattern", "*"), raw.get("param")
    if not isinstance(folder, str) or not folder.strip() or "\x00" in folder:
        bad("'folder' must name the folder holding the files (relative to the workflow's folder)")
        return None
    if not isinstance(pattern, str) or not pattern or ".." in PurePosixPath(pattern).parts or pattern.startswith("/"):
        bad(f"'pattern' must be a file name pattern inside the folder, such as \"*.csv\"; got {short_repr(pattern)}")
        return None
    spec = body.param_index.get(param) if isinstance(param, str) else None
    if spec is None or spec.kind != "str":
        names = ", ".join(p.name for p in body.params if p.kind == "str") or "none"
        bad(f"'param' must name the text parameter of {body.type_id} that each file's path goes to; "
            f"its text parameters: {names}", param)
        return None
    return Loop("files", folder=folder, pattern=pattern, param=param, item_column=column or "file")


def _values_loop(raw: dict, body: NodeSpec, bad: Callable[..., None], column: str) -> Loop | None:
    values, combine = raw.get("values"), raw.get("combine", "grid")
    if not isinstance(values, dict) or not values:
        bad("'values' must map parameter names to lists of values, for example {\"max_depth\": [2, 4, 8]}")
        return None
    if combine not in ("grid", "zip"):
        bad(f"'combine' is \"grid\" (every combination) or \"zip\" (the lists side by side); got {short_repr(combine)}")
        return None
    checked = []
    for name, listed in values.items():
        spec = body.param_index.get(name)
        if spec is None:
            names = ", ".join(p.name for p in body.params) or "none"
            bad(f"'values' names {short_repr(name)}, which is not a parameter of {body.type_id}; its parameters: {names}")
            return None
        if not isinstance(listed, list) or not listed:
            bad(f"the values of '{name}' must be a non-empty list", name)
            return None
        for value in listed:
            problem = check_value(spec, value)
            if problem:
                bad(f"a value of '{name}' ({spec.type_name}), {short_repr(value)}: {problem}", name)
                return None
        checked.append((name, tuple(coerce_value(spec, v) for v in listed)))
    sizes = [len(v) for _, v in checked]
    count = len(checked[0][1]) if combine == "zip" else _product(sizes)
    if combine == "zip" and len(set(sizes)) > 1:
        bad(f"\"zip\" takes lists of one length; the lengths are {', '.join(map(str, sizes))}")
        return None
    if count > MAX_ITEMS:
        bad(f"{count:,} items; a loop runs at most {MAX_ITEMS:,}")
        return None
    return Loop("values", values=tuple(checked), combine=combine, item_column=column)


def _product(sizes: Iterable[int]) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


# --- compile time ----------------------------------------------------------------------

def loop_node_spec(node: NodeInstance, registry: Registry, workflow: Workflow, component_dirs: Iterable[Path],
                   problems: list[Problem], compile: Callable[..., Graph]) -> tuple[NodeSpec, LoopPlan] | None:
    """The loop node's own spec (its body's inputs and parameters, the collected outputs as tables)
    and its plan; None after a problem."""
    extra = tuple(component_dirs)
    ends: dict[str, tuple[str, str]]
    if node.type.startswith(PREFIX):
        try:
            component, body = load_component(node, workflow, extra)
        except ValueError as exc:
            problems.append(Problem("component", f"node '{node.id}' ({short_repr(node.type)}): {exc}", node=node.id))
            return None
        ends = {port: (f"/{inner}", inner_port) for port, (inner, inner_port) in component.outputs.items()}
        definition = _component_definition(component.workflow, registry)
    else:
        body = registry.nodes.get(node.type)
        if body is None:
            return None  # compiling names the unknown type
        ends = {p.name: ("", p.name) for p in body.outputs}
        definition = f"{body.type_id}@{body.version}:{body.code_fingerprint}"
    loop = read_loop(node, body, problems)
    if loop is None:
        return None
    outputs = []
    for port in body.outputs:
        serializer = registry.serializers.get(port.type.name)
        collects_to = getattr(serializer, "collects_to", None)
        if collects_to:
            outputs.append(PortSpec(port.name, PortType(collects_to), help=port.help))
        else:
            ends.pop(port.name, None)
    params = tuple(p for p in body.params if p.name not in loop.looped_params)
    digest = hashlib.blake2b(f"{canonical_json(node.extra[LOOP])}\x1f{definition}".encode(), digest_size=16).hexdigest()
    files = loopkeys.lister(loop.folder, loop.pattern, workflow.folder) if loop.over == "files" else list
    inside = node.type.startswith(PREFIX) and _reads_sources(component.workflow, registry)

    def fingerprint(params: dict[str, Any]) -> str:
        """What the iterations read (`loopkeys.py`); a folder that cannot be listed fails the run, not this."""
        try:
            listing = files() if loop.over == "files" else []  # one listing, one stat a file
            items = loopkeys.item_values(loop, listing)
        except (NodeError, OSError) as exc:
            return f"unlisted: {exc}"
        listed = loopkeys.files_fingerprint(listing) if loop.over == "files" else ""
        if listed:
            plan.listed["last"] = (listed, listing)
        # a files loop's own files are in `listed`: a body's other sources are read for every item alike
        looped = [] if loop.over == "files" else items
        if not inside:
            return listed + loopkeys.body_sources_fingerprint(body, params, looped, workflow.folder)
        try:
            first = _body_graph(plan, node.type, params, body.input_names, registry, items[0] if items else None)
        except ValueError as exc:
            return f"{listed}uncompiled: {exc}"
        return listed + loopkeys.component_sources_fingerprint(first, looped, workflow.folder)

    plan = LoopPlan(loop, body, ends, workflow, compile, extra, files)
    spec = replace(body, outputs=tuple(outputs), params=tuple(params), param_index={p.name: p for p in params},
                   multi_output=True, code_print=lambda: digest, migrations=(),
                   schema=_schema_function(plan, node.type, registry),
                   fingerprint=fingerprint if loop.over == "files" or inside or body.reads_sources else None)
    return spec, plan


def _component_definition(inner: Workflow, registry: Registry) -> str:
    """What a component body is made of, for the loop's key: its flattened nodes and edges, and
    each inner node type's version and code fingerprint."""
    types = sorted({n.type for n in inner.nodes.values()})
    made = [f"{t}@{s.version}:{s.code_fingerprint}" for t in types if (s := registry.nodes.get(t)) is not None]
    return canonical_json([inner.to_dict()["nodes"], [e.to_dict() for e in inner.edges], made])


def _reads_sources(inner: Workflow, registry: Registry) -> bool:
    """Whether a component's nodes (or a component inside it) may read sources."""
    return any(n.type.startswith(PREFIX) or getattr(registry.nodes.get(n.type), "reads_sources", False)
               for n in inner.nodes.values())


# --- the body alone: for export and for the schema pass -------------------------------

#: the workflow parameter type that binds a looped parameter of each kind (`body_graph`)
_DECLARED = {"int": "int", "float": "float", "bool": "bool", "str": "text"}


def body_graph(node: GraphNode, registry: Registry) -> Graph:
    """A loop node's body compiled once as a workflow of its own, for `dataflow export`: the body
    as node `body` (`body/inner` inside a component), each looped parameter bound to a workflow
    parameter of its name, each input fed by a given node `in.<port>`. `ValueError` when a looped
    parameter's kind cannot be a workflow parameter (a list)."""
    plan: LoopPlan = node.loop
    ports = node.inputs.keys() | ({plan.loop.port} if plan.loop.over == "groups" else set())
    return _body_graph(plan, node.spec.type_id, node.params, sorted(ports), registry)


def _body_graph(plan: LoopPlan, type_id: str, params: dict[str, Any], ports: Iterable[str], registry: Registry,
                values: dict[str, Any] | None = None) -> Graph:
    """The body as node `body`, fed by given nodes `in.<port>`, its looped parameters bound to workflow
    parameters (set to `values` when given). `ValueError` says why it cannot be built."""
    nodes: dict[str, NodeInstance] = {}
    edges: list[Edge] = []
    types: dict[str, NodeSpec] = {}
    for port in ports:
        kind = plan.body.input_types[port]
        given_type = f"{GIVEN}.{kind}"
        types.setdefault(given_type, given_spec(given_type, kind))
        nodes[f"in.{port}"] = NodeInstance(f"in.{port}", given_type, {})
        edges.append(Edge(f"in.{port}", "body", "value", port))
    declared = {}
    for name in sorted(plan.loop.looped_params):
        param = plan.body.param_index[name]
        if param.kind not in _DECLARED:
            raise ValueError(f"the looped parameter '{name}' is a {param.type_name}")
        declared[name] = {"type": _DECLARED[param.kind], "default": param.default}
    nodes["body"] = NodeInstance("body", type_id, {**params, **{n: {BIND: n} for n in declared}})
    workflow = Workflow(nodes=nodes, edges=edges, meta={"name": "loop body"}, path=plan.workflow.path,
                        parameters=declared)
    overlay = copy.copy(registry)
    overlay.nodes = {**registry.nodes, **types}
    try:
        return plan.compile(workflow, overlay, component_dirs=plan.component_dirs, params=values)
    except WorkflowError as exc:
        raise ValueError(exc.problems[0].message) from None


def _schema_function(plan: LoopPlan, type_id: str, registry: Registry) -> Callable[..., dict[str, Any]]:
    """The loop node's `schema`: its body's output schemas for the first item (the schema pass run
    on the body alone), each collected as its serializer says (`Serializer.collect_schema`: the
    columns naming the item first). Raises (the outputs are then unknown) when there is no item."""
    def schema(*inputs: Any, **params: Any) -> dict[str, Any]:
        from .schemapass import infer_schemas
        from .widgets import CallPlace, resolve_params

        loop = plan.loop
        schemas = dict(zip(plan.body.input_names, inputs, strict=True))
        values: dict[str, Any] = {}
        label: dict[str, Any] = {}
        if loop.over == "files":
            found = plan.files()
            if not found:
                raise LookupError(f"no file in '{loop.folder}' matches '{loop.pattern}'")
            values[loop.param] = str(found[0][0])
            label[loop.item_column] = found[0][0].name
        elif loop.over == "values":
            label = values = {name: listed[0] for name, listed in loop.values}
        else:
            label = dict.fromkeys(loop.keys)
        body = _body_graph(plan, type_id, params, plan.body.input_names, registry, values)
        for port in plan.body.input_names:
            given = body.nodes[f"in.{port}"]
            given.spec = replace(given.spec, schema=lambda *_, known=schemas[port], **__: known)
        place = CallPlace(plan.workflow.folder, plan.workflow.path)
        report = infer_schemas(body, lambda n: resolve_params(n.spec, n.params, place))
        made = {}
        for port, (path, inner_port) in plan.ends.items():
            inner = report.outputs.get(f"body{path}", {}).get(inner_port)
            serializer = registry.serializers.get(plan.body.output_types[port])
            made[port] = serializer.collect_schema(label, inner) if serializer is not None else None
        return made
    return schema

def _given(**_: Any) -> None:
    raise DataflowError("a loop's given value is handed to its iteration, never computed")


def given_spec(type_id: str, kind: str) -> NodeSpec:
    """The node type that hands a loop's input value to its iterations (never computed)."""
    params = (ParamSpec("upstream", "str", ""), ParamSpec("item", "str", ""))
    return NodeSpec(_given, "loop_input", "Loops", "Loop input", 1, "", "", (), (PortSpec("value", PortType(kind)),),
                    params, False, type_id=type_id, cache="none", plugin="loops",
                    param_index={p.name: p for p in params})


__all__ = ["GIVEN", "LOOP", "OVER", "Loop", "LoopPlan", "body_graph", "given_spec", "is_loop", "loop_node_spec",
           "read_loop"]
