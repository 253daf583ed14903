"""Phase 1 of a run, and all of `Engine.plan`: every selected node's key, cache state and reason.

In topological order each node gets its Merkle key (`keys.py`) from its compiled identity, its
inputs' keys and, for a source, the fingerprint of what it reads. One `contains` per node (no
data read) says whether it is cached; a node that misses gets the reason from comparing its key
parts with the last run's (`history.py`). Last, `unneeded_nodes` lets a node that a tier
declined to store stay unrun when everything that consumes it is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .cache import TieredCache
from .errors import DataflowError, NodeError
from .graph import Graph, GraphNode
from .history import History, explain
from .keys import KeyParts, hash_key, source_fingerprint

NOT_STORED = "not stored (cheaper to recompute); everything downstream is cached"

#: a node's call parameters (file paths resolved and checked): `Engine.call_params`
ParamsFor = Callable[[GraphNode], dict[str, Any]]


@dataclass(slots=True)
class Plan:
    """Per node id, in run order: its key parts, whether it must compute, and why."""

    keys: dict[str, KeyParts]
    must_compute: dict[str, bool]
    reasons: dict[str, str]


def select(graph: Graph, targets: Iterable[str] | None) -> frozenset[str] | set[str]:
    """The nodes a run of `targets` touches: the targets and everything they need (all when None)."""
    if targets is None:
        return graph.node_set
    targets = list(targets)
    unknown = [t for t in targets if t not in graph.nodes]
    if unknown:
        raise DataflowError(f"no node '{unknown[0]}' in the workflow; nodes: {', '.join(graph.order)}")
    return graph.ancestors(targets)


def kept(graph: Graph, order: list[str], selected: Iterable[str], keep_outputs: Iterable[str] | bool) -> set[str]:
    """The nodes whose outputs a run hands back: `keep_outputs`, or with True every selected node
    that no selected node consumes."""
    if keep_outputs is True:
        return {n for n in order if not any(t in selected for t, _, _ in graph.consumers.get(n, ()))}
    return set(keep_outputs or ()) & set(selected)


def node_key(node: GraphNode, keys: dict[str, KeyParts], params_for: ParamsFor) -> KeyParts:
    """A node's key parts, given its upstream nodes' (`keys`)."""
    input_text = {port: f"{keys[source].key}:{source_port}" for port, source, source_port in node.key_inputs}
    fingerprint = ""
    if node.spec.reads_sources:
        try:
            fingerprint = source_fingerprint(node.spec, params_for(node))
        except (NodeError, OSError, RuntimeError, ValueError):
            # a refused path, or none at all (a symlink loop made since validation): never stat it;
            # the node fails with the error when it runs
            fingerprint = "refused"
    if node.extra_fingerprint:
        fingerprint = f"{fingerprint}{node.extra_fingerprint}"
    spec = node.spec
    return KeyParts(hash_key(node.key_head, input_text, fingerprint), spec.type_id or spec.name, spec.version,
                    node.params, input_text, fingerprint, node.upstream, spec.code_fingerprint, node.param_texts)


def plan(graph: Graph, order: list[str], selected: Iterable[str], keep: set[str], cache: TieredCache | None,
         history: History, params_for: ParamsFor) -> Plan:
    """Keys, cache lookups and reasons for `order` (the selected nodes in topological order).
    `cache` None: nothing is cached (no tier, or `--no-cache`)."""
    keys: dict[str, KeyParts] = {}
    must_compute: dict[str, bool] = {}
    reasons: dict[str, str] = {}
    for node_id in order:
        node = graph.nodes[node_id]
        parts = keys[node_id] = node_key(node, keys, params_for)
        policy = node.spec.cache
        if cache is None or policy == "none":
            must_compute[node_id] = True
            reasons[node_id] = "cache disabled" if cache is None else "node is never cached"
        elif cache.contains(parts.key, policy):
            must_compute[node_id] = False
        else:
            must_compute[node_id] = True
            reasons[node_id] = explain(parts, history.get(node_id), node.bindings)
    if cache is not None:
        for node_id in unneeded_nodes(graph, order, set(selected), must_compute, keep):
            must_compute[node_id] = False
            reasons[node_id] = NOT_STORED
    return Plan(keys, must_compute, reasons)


def unneeded_nodes(graph: Graph, order: list[str], selected: set[str], must_compute: dict[str, bool],
                   keep: set[str]) -> set[str]:
    """Nodes without a cache entry that need not run: every consumer in the run has its own entry
    (or is itself unneeded), and nobody asks for their values. A tier may decline to store a large
    output that is cheap to recompute; its results downstream are stored, so only a change further
    down brings it back. Nodes that are never cached (side effects, such as writing a file) always run."""
    unneeded: set[str] = set()
    if all(must_compute.values()):
        return unneeded  # a node is unneeded only below a cached one: none here (a first run)
    for node_id in reversed(order):
        if not must_compute[node_id] or node_id in keep or graph.nodes[node_id].spec.cache == "none":
            continue
        consumers = [c for c, _, _ in graph.consumers.get(node_id, ()) if c in selected]
        if consumers and all(not must_compute[c] or c in unneeded for c in consumers):
            unneeded.add(node_id)
    return unneeded


def work_set(graph: Graph, order: list[str], must_compute: dict[str, bool],
             keep: set[str]) -> tuple[list[str], dict[str, int], set[str]]:
    """Phase 2 of a run: (the nodes to compute plus the cached nodes whose values are needed, in
    order; how many consumers each needed node has among them; the *held* nodes). Held nodes are
    the cached ancestors of loaded nodes outside the work set: should a load find its entry
    unreadable, the node is recomputed from them, so they are reported once that is known."""
    needed = set(keep)
    consumers_left: dict[str, int] = {}
    for node_id in order:
        if must_compute[node_id]:
            for source in graph.nodes[node_id].sources:
                needed.add(source)
                consumers_left[source] = consumers_left.get(source, 0) + 1
    work = [n for n in order if must_compute[n] or n in needed]
    loaded = [n for n in work if not must_compute[n]]
    held = graph.ancestors(loaded, include_self=False) - set(work) if loaded else set()
    return work, consumers_left, held
