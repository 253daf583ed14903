"""Port assignment for the canvas, whose nodes have one handle per side and no port ids.

A connection drawn between two nodes is made at once when exactly one free compatible
(output, input) pair fits; when several fit, the user picks one (`free_pairs`, the canvas's port
chooser) before the edge exists. A connection that cannot fit is refused with a message that says
why, so nothing is ever left half-wired. `port_feeds` says what feeds each input, which every
node shows on the canvas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .kernel_api import LOOP, NodeInstance, NodeSpec, Workflow

#: `actions.specs` holds a loop node's own spec (its collected outputs) under this prefix and its id
LOOP_SPEC = "loop:"


def spec_of(specs: Mapping[str, NodeSpec], node: NodeInstance | None) -> NodeSpec | None:
    """A placed node's spec: a loop node's own when `specs` has it (its outputs are collected
    tables), else its type's."""
    if node is None:
        return None
    if LOOP in node.extra:
        return specs.get(f"{LOOP_SPEC}{node.id}") or specs.get(node.type)
    return specs.get(node.type)


def compatible_pairs(source: NodeSpec, target: NodeSpec) -> list[tuple[str, str]]:
    """Every (output port, input port) pair whose types match, in declaration order."""
    return [(o.name, i.name) for i in target.inputs for o in source.outputs if o.type.name == i.type.name]


def taken_inputs(workflow: Workflow, target: str, specs: dict[str, NodeSpec], skip: object = None) -> set[str]:
    """Input ports of `target` already fed by an edge (edges without a port name count for the
    input they resolve to). `skip` is an edge to leave out (the one being re-assigned)."""
    taken: set[str] = set()
    target_spec = specs.get(target)
    for edge in workflow.edges:
        if edge is skip or edge.target != target:
            continue
        if edge.target_port:
            taken.add(edge.target_port)
        elif target_spec is not None and (source_spec := specs.get(edge.source)) is not None:
            pair = resolve_edge_ports(edge.source_port, None, source_spec, target_spec, taken)
            if pair:
                taken.add(pair[1])
    return taken


def resolve_edge_ports(source_port: str | None, target_port: str | None, source: NodeSpec, target: NodeSpec,
                       taken: Iterable[str] = ()) -> tuple[str, str] | None:
    """The ports an edge with possibly missing port names stands for, or None if it is ambiguous
    or does not fit (the kernel's validation says why)."""
    pairs = [(o, i) for o, i in compatible_pairs(source, target)
             if source_port in (None, o) and target_port in (None, i)]
    if target_port is None and len(pairs) > 1:
        free = [p for p in pairs if p[1] not in set(taken)]
        pairs = free or pairs
    return pairs[0] if len(pairs) == 1 else None


def free_pairs(source: NodeSpec, target: NodeSpec, taken: set[str]) -> tuple[list[tuple[str, str]], str]:
    """Every compatible pair whose input is free (in declaration order), or ([], why none is)."""
    pairs = [p for p in compatible_pairs(source, target) if p[1] not in taken]
    if pairs:
        return pairs, ""
    return [], first_free_pair(source, target, taken)[1]


def port_feeds(workflow: Workflow, node_id: str, specs: Mapping[str, NodeSpec]) -> dict[str, tuple[str, str]]:
    """What feeds each input of node `node_id`: {input port: (source node id, output port)}, with
    ports left out in the file resolved where unambiguous. `specs` are keyed by node type."""
    feeds: dict[str, tuple[str, str]] = {}
    target = workflow.nodes.get(node_id)
    target_spec = spec_of(specs, target)
    for edge in workflow.edges:
        if edge.target != node_id:
            continue
        source_port, target_port = edge.source_port, edge.target_port
        if source_port is None or target_port is None:
            source = workflow.nodes.get(edge.source)
            source_spec = spec_of(specs, source)
            if source_spec is not None and target_spec is not None:
                pair = resolve_edge_ports(source_port, target_port, source_spec, target_spec, set(feeds))
                if pair:
                    source_port, target_port = pair
        if target_port is not None:
            feeds[target_port] = (edge.source, source_port or "?")
    return feeds


def first_free_pair(source: NodeSpec, target: NodeSpec, taken: set[str]) -> tuple[tuple[str, str] | None, str]:
    """The first compatible pair whose input is free, or (None, why not)."""
    pairs = compatible_pairs(source, target)
    if not pairs:
        outs = ", ".join(f"{p.name} ({p.type.name})" for p in source.outputs) or "none"
        ins = ", ".join(f"{p.name} ({p.type.name})" for p in target.inputs) or "none"
        return None, (f"{source.label} cannot feed {target.label}: its outputs [{outs}] fit none of the "
                      f"inputs [{ins}]")
    for pair in pairs:
        if pair[1] not in taken:
            return pair, ""
    busy = ", ".join(sorted({i for _, i in pairs}))
    return None, (f"every input of {target.label} that fits ({busy}) is already connected; remove that "
                  f"connection first")


def would_cycle(workflow: Workflow, source: str, target: str) -> bool:
    """True when an edge source -> target would close a cycle (target already reaches source)."""
    if source == target:
        return True
    downstream: dict[str, list[str]] = {}
    for edge in workflow.edges:
        downstream.setdefault(edge.source, []).append(edge.target)
    stack, seen = [target], {target}
    while stack:
        current = stack.pop()
        if current == source:
            return True
        for nxt in downstream.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False
