"""Check a workflow against the installed plugins and compile it into a runnable `Graph`.

Every problem is collected before anything is raised: unknown node types (naming the plugin
or package to install), unknown or invalid parameters, dangling edges, ports that do not
exist or do not fit, two edges into one input, required inputs left open, and cycles
(naming the nodes in the cycle). Component nodes are first replaced by the nodes inside them
(`components.py`), so every check looks inside them. Workflow parameters are checked as declared, set and bound;
a bound node parameter gets its workflow parameter's value, so the graph holds plain values.
"""

from __future__ import annotations

import graphlib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .bindings import bind_param, is_binding, workflow_param_values
from .components import PREFIX, expand_components
from .errors import Problem, Speller, WorkflowError
from .graph import Graph, GraphNode
from .keys import chosen_versions_text
from .loops import LoopPlan, loop_node_spec
from .migrations import upgrade_node
from .params import canonical_json, check_value, coerce_value
from .registry import Registry
from .spec import NodeSpec, ParamSpec
from .widgets import ChosenVersion, ParamContext
from .workflow import LOOP, Edge, NodeInstance, Workflow


def compile_workflow(
    workflow: Workflow,
    registry: Registry,
    overrides: Mapping[tuple[str, str], Any] | None = None,
    *,
    parse_text: Callable[[ParamSpec, str], Any] | None = None,
    params: Mapping[str, Any] | None = None,
    component_dirs: Iterable[Path] = (),
) -> Graph:
    """Validate `workflow` and return its graph, or raise WorkflowError listing every problem.

    `overrides` maps `(node id, parameter)` to a new value; with `parse_text` (the command line's
    reader of `--set node.param=TEXT`) a text value is read for the parameter's type first, and its
    `ValueError` is a problem. `params`
    maps workflow parameter names to values (JSON values, checked as declared) instead of their
    defaults. `component_dirs`: more folders to find components in, after the workflow's own
    `components` folder (the app's workspace, the folder of a template an unsaved copy came from).
    """
    problems: list[Problem] = []
    spell = Speller()  # one budget of spelling searches for the whole file: linear in its size
    component_dirs = (*component_dirs, *registry.components.values())  # packs' components come last
    flattened = expand_components(workflow, problems, component_dirs)
    workflow, origins = flattened.workflow, flattened.origins
    workflow, loops = _read_loops(workflow, registry, component_dirs, problems)
    specs = _resolve_types(workflow, registry, problems, spell, loops)
    values = workflow_param_values(workflow, params or {}, problems, spell)
    bindings: dict[str, dict[str, str]] = {}
    params = _resolve_params(workflow, specs, overrides or {}, parse_text, registry, problems, spell,
                             (values, bindings))
    inputs = _resolve_edges(workflow, specs, problems, spell, origins)
    order = _order(workflow, inputs, problems)
    if problems:
        raise WorkflowError(problems, str(workflow.path) if workflow.path else None)
    nodes = {node_id: _graph_node(node_id, specs[node_id], params[node_id], inputs[node_id],
                                  workflow.nodes[node_id].label, registry, workflow) for node_id in order}
    for node_id, (_, loop) in loops.items():
        nodes[node_id].loop = loop
    for node_id, chain in flattened.inside.items():  # a component's version joins its nodes' keys
        if node_id in nodes:
            nodes[node_id].extra_fingerprint += chosen_versions_text(
                ChosenVersion("component", name, str(version)) for name, version in chain)
    for node_id, bound in bindings.items():
        nodes[node_id].bindings = bound
    consumers: dict[str, list[tuple[str, str, str]]] = {}
    for node in nodes.values():
        for port, (source, source_port) in node.inputs.items():
            consumers.setdefault(source, []).append((node.id, port, source_port))
    return Graph(workflow, nodes, order, consumers)


def _graph_node(node_id: str, spec: NodeSpec, params: dict[str, Any], inputs: dict[str, tuple[str, str]],
                label: str | None, registry: Registry, workflow: Workflow) -> GraphNode:
    """A graph node with what the engine would otherwise recompute on every run precomputed."""
    picking = spec.versioned_params
    return GraphNode(
        node_id, spec, params, inputs, label or spec.label,
        params_json=canonical_json(params),
        input_codecs={port: registry.serializers.get(kind) for port, kind in spec.input_types.items()},
        output_codecs={port: registry.serializers.get(kind) for port, kind in spec.output_types.items()},
        extra_fingerprint=chosen_versions(node_id, picking, params, registry, workflow) if picking else "",
    )


def chosen_versions(node_id: str, picking: tuple, params: dict[str, Any], registry: Registry,
                     workflow: Workflow) -> str:
    """For a node whose parameters pick registered items with versions of their own (an estimator):
    those versions, so that a new version of the item (or of the pack providing it) misses the cache."""
    chosen = []
    for param in picking:
        context = ParamContext(node_id, param, params, registry, workflow.folder)
        found = param.widget.chosen_version(params[param.name], context)
        if found is not None:
            chosen.append(found)
    return chosen_versions_text(chosen)


def missing_node_types(workflow: Workflow, registry: Registry) -> dict[str, str]:
    """Node types the workflow uses that no plugin provides, each with what to install (components,
    `component.<name>`, are files: `compile_workflow` names one that is missing)."""
    result = {}
    for node in workflow.nodes.values():
        if node.type not in registry.nodes and node.type not in result and not node.type.startswith(PREFIX):
            result[node.type] = _install_hint(node.type, workflow, registry)
    return result


#: A distribution name as PEP 508 allows it, and a version as PEP 440 spells it: only text that passes
#: is shown from a workflow file in a "pip install" hint (anything else could be a shell command).
DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?")
VERSION_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}")


def _install_hint(type_id: str, workflow: Workflow, registry: Registry) -> str:
    node_types = workflow.meta.get("node_types")
    saved = node_types.get(type_id) if isinstance(node_types, dict) else None
    reason = registry.why_missing(type_id)
    name = saved.get("distribution") if isinstance(saved, dict) else None
    if not isinstance(name, str) or not DISTRIBUTION_NAME.fullmatch(name):
        return reason
    version = saved.get("version")
    shown = f" {version}" if isinstance(version, str) and VERSION_TEXT.fullmatch(version) else ""
    return f"{reason}; the workflow was saved with {name}{shown}: install it with `pip install {shlex.quote(name)}`"


def _read_loops(workflow: Workflow, registry: Registry, component_dirs: Iterable[Path],
                problems: list[Problem]) -> tuple[Workflow, dict[str, tuple[NodeSpec, LoopPlan]]]:
    """Each loop node's own spec and plan (`loops.py`), and the workflow with the parameters that
    its items set left out of its nodes (a value there is never used)."""
    loops = {}
    for node in workflow.nodes.values():
        if LOOP in node.extra:
            made = loop_node_spec(node, registry, workflow, component_dirs, problems, compile_workflow)
            if made is not None:
                loops[node.id] = made
    if not loops:
        return workflow, loops
    nodes = dict(workflow.nodes)
    for node_id, (_, plan) in loops.items():
        looped = plan.loop.looped_params
        nodes[node_id] = replace(nodes[node_id], params={k: v for k, v in nodes[node_id].params.items() if k not in looped})
    return replace(workflow, nodes=nodes), loops


def _resolve_types(workflow: Workflow, registry: Registry, problems: list[Problem],
                   spell: Speller, loops: Mapping[str, tuple[NodeSpec, Any]]) -> dict[str, NodeSpec]:
    specs = {}
    hints = missing_node_types(workflow, registry)
    for node in workflow.nodes.values():
        if node.id in loops:
            specs[node.id] = loops[node.id][0]
            continue
        if LOOP in node.extra and (node.type.startswith(PREFIX) or node.type in registry.nodes):
            continue  # its loop's problem is reported
        spec = registry.nodes.get(node.type)
        if spec is None:
            problems.append(Problem("unknown_type", f"node '{node.id}' has type '{node.type}', which is not "
                                    f"available: {hints[node.type]}{spell(node.type, registry.nodes, 'types')}",
                                    node=node.id))
        else:
            specs[node.id] = spec
    return specs


def _resolve_params(workflow: Workflow, specs: dict[str, NodeSpec], overrides: Mapping[tuple[str, str], Any],
                    parse_text: Callable[[ParamSpec, str], Any] | None, registry: Registry, problems: list[Problem], spell: Speller,
                    workflow_params: tuple[dict[str, tuple[ParamSpec, Any]], dict[str, dict[str, str]]]
                    ) -> dict[str, dict[str, Any]]:
    values, bindings = workflow_params
    by_node: dict[str, dict[str, Any]] = {}
    for (node_id, name), value in overrides.items():
        if node_id not in workflow.nodes:
            problems.append(Problem("unknown_node", f"--set names node '{node_id}', which is not in the workflow"
                                    f"{spell(node_id, workflow.nodes, 'nodes')}", node=node_id, param=name))
            continue
        by_node.setdefault(node_id, {})[name] = value

    result: dict[str, dict[str, Any]] = {}
    for node_id, spec in specs.items():
        node: NodeInstance = workflow.nodes[node_id]
        upgrade_node(node, spec, by_node.get(node_id), problems)
        given = dict(node.params)
        effective: dict[str, Any] = {}
        bound: dict[str, str] = {}
        for name, value in given.items():
            if name not in spec.param_index:
                problems.append(Problem("unknown_param", f"node '{node_id}' ({spec.type_id}) has no parameter "
                                        f"'{name}'{spell(name, spec.param_index, ('params', spec.type_id))}", node=node_id,
                                        param=name))
            elif is_binding(value):
                source = bind_param(node_id, spec.param_index[name], value, workflow, values, problems, spell)
                if source is not None:
                    bound[name], given[name] = source, values[source][1]
        for name, value in by_node.get(node_id, {}).items():
            param = spec.param_index.get(name)
            if param is None:
                problems.append(Problem("unknown_param", f"--set: node '{node_id}' ({spec.type_id}) has no "
                                        f"parameter '{name}'{spell(name, spec.param_index, ('params', spec.type_id))}",
                                        node=node_id, param=name))
                continue
            if parse_text is not None and isinstance(value, str):
                try:
                    value = parse_text(param, value)
                except ValueError as exc:
                    problems.append(Problem("bad_param", f"--set {node_id}.{name}: {exc}", node=node_id,
                                            param=name))
                    continue
            given[name] = value
            bound.pop(name, None)  # --set node.param wins over a binding
        for param in spec.params:
            value = given.get(param.name, param.default)
            if is_binding(value):
                continue  # a binding that could not be resolved: reported
            problem = check_value(param, value)
            if problem:
                source = f" (the value of workflow parameter '{bound[param.name]}')" if param.name in bound else ""
                problems.append(Problem("bad_param", f"node '{node_id}', parameter '{param.name}' "
                                        f"({param.type_name}): {problem}{source}", node=node_id, param=param.name,
                                        workflow_param=bound.get(param.name)))
                continue
            effective[param.name] = coerce_value(param, value)
        problems += widget_problems(node_id, spec, effective, registry, workflow, spell)
        result[node_id] = effective
        if bound:
            bindings[node_id] = bound
    return result


def widget_problems(node_id: str, spec: NodeSpec, effective: dict[str, Any], registry: Registry,
                    workflow: Workflow, spell: Speller) -> list[Problem]:
    """Each widget's own check of its parameter's valid value (a formula's syntax, a path that can
    name a file, a chosen estimator and its hyperparameters), with every parameter known."""
    problems: list[Problem] = []
    for param in spec.params:
        if param.widget is None or param.name not in effective:
            continue
        context = ParamContext(node_id, param, effective, registry, workflow.folder, spell)
        for name, message in param.widget.check(effective[param.name], context):
            target = spec.param_index.get(name, param)
            problems.append(Problem("bad_param", f"node '{node_id}', parameter '{name}' ({target.type_name}): "
                                    f"{message}", node=node_id, param=name))
    return problems


def _resolve_edges(workflow: Workflow, specs: dict[str, NodeSpec], problems: list[Problem],
                   spell: Speller, origins: list[int | None]) -> dict[str, dict[str, tuple[str, str]]]:
    """Each node's inputs; a problem for each edge that does not fit, naming it by its place in the
    file (`origins`: a flattened edge's index in the file, None inside a component)."""
    inputs: dict[str, dict[str, tuple[str, str]]] = {node_id: {} for node_id in workflow.nodes}
    for flat_index, edge in enumerate(workflow.edges):
        index = origins[flat_index]
        where = _EdgeWhere(index, edge)
        missing = [n for n in (edge.source, edge.target) if n not in workflow.nodes]
        if missing:
            problems.append(Problem("dangling_edge", f"{where} refers to node '{missing[0]}', which is not in the "
                                    f"workflow{spell(missing[0], workflow.nodes, 'nodes')}", edge=index))
            continue
        if edge.source == edge.target:
            problems.append(Problem("cycle", f"{where} connects node '{edge.source}' to itself", edge=index,
                                    node=edge.source))
            continue
        source_spec, target_spec = specs.get(edge.source), specs.get(edge.target)
        if source_spec is None or target_spec is None:
            continue  # an unknown type was already reported
        resolved = _resolve_ports(edge, source_spec, target_spec, inputs[edge.target], where, index, problems,
                                  spell)
        if resolved is None:
            continue
        source_port, target_port = resolved
        if target_port in inputs[edge.target]:
            other = inputs[edge.target][target_port]
            problems.append(Problem("two_edges", f"{where}: input '{target_port}' of node '{edge.target}' is "
                                    f"already fed by {other[0]}.{other[1]}; an input takes one edge",
                                    edge=index, node=edge.target))
            continue
        inputs[edge.target][target_port] = (edge.source, source_port)
    for node_id, spec in specs.items():
        for port in spec.inputs:
            if not port.optional and port.name not in inputs[node_id]:
                problems.append(Problem("missing_input", f"node '{node_id}' ({spec.type_id}): required input "
                                        f"'{port.name}' ({port.type.name}) is not connected", node=node_id))
    return inputs


class _EdgeWhere:
    """"edge #3 (a -> b)", made only when a problem is reported (compiling 1,000 edges builds none)."""

    __slots__ = ("index", "edge")

    def __init__(self, index: int | None, edge: Edge):
        self.index, self.edge = index, edge

    def __str__(self) -> str:
        if self.index is None:
            return f"an edge inside a component ({self.edge.describe()})"
        return f"edge #{self.index + 1} ({self.edge.describe()})"


def _resolve_ports(edge: Edge, source: NodeSpec, target: NodeSpec, taken: dict[str, Any], where: _EdgeWhere,
                   index: int | None, problems: list[Problem], spell: Speller) -> tuple[str, str] | None:
    def bad(code: str, message: str) -> None:
        problems.append(Problem(code, f"{where}: {message}", edge=index, node=edge.target))

    outs = [p for p in source.outputs if edge.source_port in (None, p.name)]
    ins = [p for p in target.inputs if edge.target_port in (None, p.name)]
    if edge.source_port and not outs:
        names = [p.name for p in source.outputs]
        bad("unknown_port", f"node '{edge.source}' ({source.type_id}) has no output '{edge.source_port}'; "
            f"outputs: {', '.join(names) or 'none'}{spell(edge.source_port, names, ('outputs', source.type_id))}")
        return None
    if edge.target_port and not ins:
        names = [p.name for p in target.inputs]
        bad("unknown_port", f"node '{edge.target}' ({target.type_id}) has no input '{edge.target_port}'; "
            f"inputs: {', '.join(names) or 'none'}{spell(edge.target_port, names, ('inputs', target.type_id))}")
        return None
    pairs = [(o, i) for o in outs for i in ins if o.type.name == i.type.name]
    if edge.target_port is None and len(pairs) > 1:
        free = [(o, i) for o, i in pairs if i.name not in taken]
        pairs = free or pairs
    if len(pairs) == 1:
        return pairs[0][0].name, pairs[0][1].name
    if not pairs:
        out_types = ", ".join(f"{p.name} ({p.type.name})" for p in outs) or "none"
        in_types = ", ".join(f"{p.name} ({p.type.name})" for p in ins) or "none"
        bad("type_mismatch", f"the types do not fit: output {out_types} of '{edge.source}' cannot feed input "
            f"{in_types} of '{edge.target}'")
        return None
    options = ", ".join(f"{o.name} -> {i.name}" for o, i in pairs)
    bad("ambiguous_port", f"several ports fit ({options}); name source_port and target_port")
    return None


def _order(workflow: Workflow, inputs: dict[str, dict[str, tuple[str, str]]],
           problems: list[Problem]) -> list[str]:
    sorter = graphlib.TopologicalSorter({n: [s for s, _ in inputs[n].values()] for n in workflow.nodes})
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        problems.append(Problem("cycle", f"the workflow has a cycle: {' -> '.join(cycle)}; remove one of its "
                                "edges", node=cycle[0]))
        return []
