"""Compile what can be compiled of a workflow under edit, and say what is wrong with the rest.

A workflow on the canvas is often incomplete (an input not yet connected, a plugin missing).
`analyse` drops the nodes with problems, and everything downstream of them, until the rest
compiles, so the valid part can still be planned (stale / cached status) and run. A workflow
parameter whose declaration is wrong is dropped too, with the nodes bound to it (each gets the
problem at its parameter).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from .kernel_api import (
    BIND,
    Graph,
    Problem,
    Registry,
    Workflow,
    WorkflowError,
    compile_workflow,
    is_binding,
    missing_node_types,
)


@dataclass
class Analysis:
    """The compiled valid part of a workflow plus every problem, by node."""

    graph: Graph | None
    problems: dict[str, list[Problem]] = field(default_factory=dict)   # node id -> its problems
    general: list[Problem] = field(default_factory=list)                # problems tied to no node
    blocked: dict[str, str] = field(default_factory=dict)               # node id -> upstream node with a problem
    missing: dict[str, str] = field(default_factory=dict)               # node type -> install hint

    def runnable(self, node_id: str) -> bool:
        return self.graph is not None and node_id in self.graph.nodes

    @property
    def problem_count(self) -> int:
        return sum(len(v) for v in self.problems.values()) + len(self.general)


def _downstream(workflow: Workflow, roots: set[str]) -> set[str]:
    out: dict[str, list[str]] = {}
    for edge in workflow.edges:
        out.setdefault(edge.source, []).append(edge.target)
    seen, stack = set(roots), list(roots)
    while stack:
        for nxt in out.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def owner(node_id: str | None, workflow: Workflow) -> str | None:
    """The node of `workflow` that `node_id` is, or the component node it lies inside (`clean/dedupe`
    is inside `clean`); None when neither."""
    if node_id is None or node_id in workflow.nodes:
        return node_id
    head = node_id.split("/", 1)[0]
    return head if "/" in node_id and head in workflow.nodes else None


def _problem_node(problem: Problem, workflow: Workflow) -> str | None:
    if owner(problem.node, workflow):
        return owner(problem.node, workflow)
    if problem.edge is not None and 0 <= problem.edge < len(workflow.edges):
        edge = workflow.edges[problem.edge]
        return edge.target if edge.target in workflow.nodes else None
    return None


def _bound_nodes(workflow: Workflow, problem: Problem, result: Analysis) -> set[str]:
    """The nodes bound to the workflow parameter of a declaration problem, each given the problem
    at the bound parameter."""
    nodes = set()
    for node in workflow.nodes.values():
        for param, value in node.params.items():
            if is_binding(value) and value.get(BIND) == problem.workflow_param:
                result.problems.setdefault(node.id, []).append(
                    Problem(problem.code, problem.message, node=node.id, param=param,
                            workflow_param=problem.workflow_param))
                nodes.add(node.id)
    return nodes


def analyse(workflow: Workflow, registry: Registry, max_rounds: int = 8, component_dirs: tuple[Path, ...] = ()) -> Analysis:
    """Compile the largest valid part of `workflow` (see the module docstring); components are also
    looked for in `component_dirs`."""
    result = Analysis(graph=None, missing=missing_node_types(workflow, registry))
    excluded: set[str] = set()
    dropped_params: set[str] = set()
    current = workflow
    for _ in range(max_rounds):
        try:
            result.graph = compile_workflow(current, registry, component_dirs=component_dirs)
            break
        except WorkflowError as exc:
            bad: set[str] = set()
            params_before = len(dropped_params)
            for problem in exc.problems:
                node = _problem_node(problem, current)
                if node is None:
                    result.general.append(problem)
                    if problem.code == "bad_workflow_param" and problem.workflow_param in workflow.parameters:
                        dropped_params.add(problem.workflow_param)
                        bad |= _bound_nodes(workflow, problem, result)
                    continue
                result.problems.setdefault(node, []).append(problem)
                bad.add(node)
            if not bad and len(dropped_params) == params_before:
                break
            dropped = _downstream(workflow, bad | excluded) - excluded
            for node in dropped - bad:
                if node not in result.problems:
                    result.blocked.setdefault(node, next(iter(sorted(bad))))
            excluded |= dropped
            current = dataclasses.replace(
                workflow, nodes={k: v for k, v in workflow.nodes.items() if k not in excluded},
                edges=[e for e in workflow.edges if e.source not in excluded and e.target not in excluded],
                parameters={k: v for k, v in workflow.parameters.items() if k not in dropped_params})
    return result
