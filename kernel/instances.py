"""A loop's iterations compiled once: the body compiled for the first item, then copied per item.

The iterations' workflow (`iterations._iterations`) holds the body once per item, `#k` (and
`#k/inner` inside a component), and the items differ only in the looped parameters (and, for a
groups loop, in the name of the group each `#k.in` hands in). Compiling that workflow whole checked
every parameter of every node 1,000 times over; here only iteration `#0` is compiled, with
`compile_workflow` as any workflow, and every other iteration's graph nodes are copies of it:

- the nodes the looped parameters reach are found by compiling them as workflow parameters bound
  to the body's (a component's parameters are workflow parameters already; a node body's are its own);
- a copy takes the item's values there: each checked and coerced against the parameter it reaches,
  and that node's widget checks run again with them (an estimator's settings), so a value that does
  not fit fails the loop as compiling it did; its key's head, and the versions of registered items
  its parameters pick, are made again. A files loop's items differ in the path alone, a regular file
  its listing found and stat'ed: the path's widget check (can it name a file?) ran for the first, and
  the listing answered it for the others, so it is not asked a thousand times (each asks `stat`
  again). The access check, whether the file lies in a granted folder, is the run's, per iteration;
- everything else (specs, codecs, labels, the other parameters and their canonical JSON, component
  versions) is shared with `#0`, and edges are renamed.

The graph is the one compiling the whole workflow gives, node for node, key for key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .bindings import BIND
from .components import PREFIX
from .errors import NodeError, Problem, Speller, WorkflowError
from .graph import Graph, GraphNode
from .loops import GIVEN, LoopPlan
from .params import canonical_json, check_value, coerce_value
from .validate import chosen_versions, widget_problems
from .workflow import Workflow

if TYPE_CHECKING:
    from .registry import Registry

#: the workflow parameter type that carries a looped parameter of each kind into a component
_DECLARED = {"int": "int", "float": "float", "bool": "bool", "str": "text"}


def iterations_graph(plan: LoopPlan, workflow: Workflow, items: list[Any], registry: Registry) -> Graph:
    """The compiled graph of `workflow` (every item's iteration, `iterations._iterations`), made
    from its first iteration compiled alone; `NodeError` naming the first problem."""
    first = {n: node for n, node in workflow.nodes.items() if not n.startswith("#") or _item_of(n) == "#0"}
    looped = sorted(plan.loop.looped_params)
    body = first.get("#0")
    component = body is not None and body.type.startswith(PREFIX)
    declared: dict[str, dict[str, Any]] = {}
    values: dict[str, Any] = {}
    if component and looped:  # the component's parameters reach its nodes as workflow parameters do
        for name in looped:
            param = plan.body.param_index[name]
            if param.kind not in _DECLARED:  # a component's parameters are declared as these: never seen
                raise NodeError(f"the loop's iterations do not compile: the looped parameter '{name}' is a "
                                f"{param.type_name}")
            declared[name] = {"type": _DECLARED[param.kind], "default": param.default}
            values[name] = items[0].params[name]
        first["#0"] = replace(body, params={**body.params, **{n: {BIND: n} for n in looped}})
    template = Workflow(nodes=first, edges=[e for e in workflow.edges if e.source in first and e.target in first],
                        meta=workflow.meta, path=workflow.path, parameters=declared)
    try:
        compiled = plan.compile(template, registry, component_dirs=plan.component_dirs, params=values)
    except WorkflowError as exc:
        raise NodeError(f"the loop's iterations do not compile: {exc.problems[0].message}") from None
    reach = {t: ({p: n for p, n in g.bindings.items() if n in looped} if component else
                 ({n: n for n in looped} if t == "#0" else {})) for t, g in compiled.nodes.items()}
    nodes: dict[str, GraphNode] = {}
    order: list[str] = []
    for node_id in compiled.order:
        node = compiled.nodes[node_id]
        node.bindings = {}  # as compiling every item: the looped values are plain values there
        nodes[node_id] = node
        order.append(node_id)
    copies = [n for n in compiled.order if n.startswith("#")]
    heads = {t: chosen_versions(t, compiled.nodes[t].spec.versioned_params, compiled.nodes[t].params, registry,
                                template) if reach[t] and compiled.nodes[t].spec.versioned_params else ""
             for t in copies}
    for k in range(1, len(items)):
        prefix = f"#{k}"

        def rename(node_id: str, prefix: str = prefix) -> str:
            return prefix + node_id[2:] if node_id.startswith("#") else node_id

        for t in copies:
            source = compiled.nodes[t]
            node_id = rename(t)
            inputs = {port: (rename(s), p) for port, (s, p) in source.inputs.items()}
            if source.spec.type_id.startswith(GIVEN):  # a group handed in: named by its item
                params = {**source.params, **workflow.nodes[node_id].params}
            elif reach[t]:
                params = _item_params(node_id, source, reach[t], items[k].params, registry, workflow,
                                      plan.loop.over != "files")
            else:
                params = None
            nodes[node_id] = _copy(source, node_id, inputs, params, heads[t], registry, workflow)
            order.append(node_id)
    consumers: dict[str, list[tuple[str, str, str]]] = {}
    for node in nodes.values():
        for port, (source_id, source_port) in node.inputs.items():
            consumers.setdefault(source_id, []).append((node.id, port, source_port))
    return Graph(workflow, nodes, order, consumers)


def _item_of(node_id: str) -> str:
    """`#3` for `#3`, `#3/clean/positive` and `#3.in`."""
    return node_id.split("/", 1)[0].split(".", 1)[0]


def _item_params(node_id: str, source: GraphNode, reach: dict[str, str], item: dict[str, Any], registry: Registry,
                 workflow: Workflow, widgets: bool) -> dict[str, Any]:
    """`source`'s parameters with the item's values where the looped parameters reach, each checked
    and coerced, then (`widgets`) the node's widget checks; `NodeError` naming the first problem."""
    params = dict(source.params)
    problems: list[Problem] = []
    for name, looped in reach.items():
        spec = source.spec.param_index[name]
        problem = check_value(spec, item[looped])
        if problem:
            problems.append(Problem("bad_param", f"node '{node_id}', parameter '{name}' ({spec.type_name}): {problem}",
                                    node=node_id, param=name))
        else:
            params[name] = coerce_value(spec, item[looped])
    if not problems and widgets:
        problems = widget_problems(node_id, source.spec, params, registry, workflow, Speller())
    if problems:
        raise NodeError(f"the loop's iterations do not compile: {problems[0].message}")
    return params


def _copy(source: GraphNode, node_id: str, inputs: dict[str, tuple[str, str]], params: dict[str, Any] | None,
          chosen_head: str, registry: Registry, workflow: Workflow) -> GraphNode:
    """`source` as node `node_id`: its own parameters when `params` is None (everything made of them shared)."""
    if params is None:
        return GraphNode(node_id, source.spec, source.params, inputs, source.label, params_json=source.params_json,
                         param_texts=source.param_texts, input_codecs=source.input_codecs,
                         output_codecs=source.output_codecs, extra_fingerprint=source.extra_fingerprint,
                         key_head=source.key_head, loop=source.loop)
    extra = source.extra_fingerprint
    if source.spec.versioned_params:  # the versions its parameters pick, then its components' (as compiled)
        extra = chosen_versions(node_id, source.spec.versioned_params, params, registry, workflow) + \
            extra[len(chosen_head):]
    return GraphNode(node_id, source.spec, params, inputs, source.label, params_json=canonical_json(params),
                     input_codecs=source.input_codecs, output_codecs=source.output_codecs, extra_fingerprint=extra,
                     loop=source.loop)


__all__ = ["iterations_graph"]
