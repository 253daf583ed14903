"""The compiled graph: nodes with their specs, effective parameters and resolved input wiring.

Built by `compile_workflow` once every problem has been ruled out, so the engine can trust it:
every type is known, every port resolved and type-checked, every parameter valid, no cycle.
Traversals are iterative, so a 10,000-deep chain never meets the recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .keys import key_head
from .params import canonical_json
from .spec import NodeSpec
from .workflow import Workflow


@dataclass(slots=True)
class GraphNode:
    """A node ready to run: `params` are complete (defaults filled in) and validated;
    `inputs` maps each connected input port to `(source node id, source port)`."""

    id: str
    spec: NodeSpec
    params: dict[str, Any]
    inputs: dict[str, tuple[str, str]]
    label: str
    params_json: str = ""
    param_texts: dict[str, str] = field(default_factory=dict)  # canonical JSON per parameter (KeyParts.canonical_params)
    #: the serializer of each input and output port's type (None: unregistered), for hand-offs,
    #: output checks and executors that move values between processes
    input_codecs: dict[str, Any] = field(default_factory=dict)
    output_codecs: dict[str, Any] = field(default_factory=dict)
    extra_fingerprint: str = ""  # appended to the source fingerprint: chosen items' versions (keys.chosen_versions_text)
    #: what the cache key needs from the node itself, fixed at compile time (see keys.key_head)
    key_head: str = ""
    #: (input port, source node id, source port), sorted by port: the order the key hashes them in
    key_inputs: tuple[tuple[str, str, str], ...] = ()
    #: input port -> source node id (shared by every KeyParts of this node; never mutated)
    upstream: dict[str, str] = field(default_factory=dict)
    #: the source node of each connected input, in port order (a source feeding two ports twice)
    sources: tuple[str, ...] = ()
    source_set: frozenset[str] = frozenset()
    #: parameter -> the workflow parameter it is bound to (its value is in `params`): for stale reasons
    bindings: dict[str, str] = field(default_factory=dict)
    #: a loop node's `loops.LoopPlan` (None: an ordinary node): the run expands it (`iterations.run_loop`)
    loop: Any = None

    def __post_init__(self) -> None:
        if not self.key_head:
            self.params_json = self.params_json or canonical_json(self.params)
            self.key_head = key_head(self.spec, self.params_json)
        wiring = [(port, source, source_port) for port, (source, source_port) in self.inputs.items()]
        self.upstream = {port: source for port, source, _ in wiring}
        self.sources = tuple(self.upstream.values())
        self.source_set = frozenset(self.sources)
        if len(wiring) > 1:
            wiring.sort()
        self.key_inputs = tuple(wiring)


@dataclass
class Graph:
    workflow: Workflow
    nodes: dict[str, GraphNode]
    order: list[str]
    consumers: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    #: every node id, and how many inputs each node feeds: fixed by the structure, so a run of the
    #: whole graph starts from them instead of counting again
    node_set: frozenset[str] = field(init=False)
    consumer_counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.node_set = frozenset(self.order)
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            for source in node.sources:
                counts[source] = counts.get(source, 0) + 1
        self.consumer_counts = counts

    def ancestors(self, node_ids: Iterable[str], include_self: bool = True) -> set[str]:
        """Every node the given nodes need, transitively."""
        seen: set[str] = set()
        stack = list(node_ids)
        result = set(stack) if include_self else set()
        while stack:
            current = stack.pop()
            for source, _ in self.nodes[current].inputs.values():
                if source not in seen:
                    seen.add(source)
                    result.add(source)
                    stack.append(source)
        return result
