"""The values one run holds in memory: each settled node's outputs by port, kept while a consumer
still has to run (or the caller keeps them), then dropped; the cache keeps its own copy.

**Handles.** An executor that runs nodes elsewhere may return, per output, a `Handle` instead of
the value (`NodeOutcome.handles`; see executor.py). The run keeps it here like a value and hands it
unchanged (no `share`: each task decodes its own copy) to consumers' tasks on the same executor;
it fetches the value (`Executor.fetch`) only when it must: to check it (unless checked where it
was made), for a kept output, for a loop node's inputs. When a value is dropped, its handles go
back to the executor (`Executor.release`). What the run fetched it also caches; a handle it never
fetched is cached only when the executor wrote the entry itself (`NodeOutcome.cached`), else the
node is listed in `not_cached` (`RunResult.not_cached`, and a warning).

**State** (the run's lock guards it):

    outputs         node id -> outputs by port   {"load": {"table": <DataFrame>}} while needed
    remote          node ids                     their outputs hold handles      {"load"}
    consumers_left  node id -> int               consumers in the work set yet to run
    not_cached      node ids                     computed, their entry not written (handles)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .executor import Executor, Handle
from .graph import Graph, GraphNode

log = logging.getLogger(__name__)


class RunValues:
    """One run's values in memory and the executor's handles among them (see the module docstring)."""

    def __init__(self, graph: Graph, executor: Executor, keep: set[str]):
        self.graph, self.executor, self.keep = graph, executor, keep
        self.outputs: dict[str, dict[str, Any]] = {}
        self.remote: set[str] = set()
        self.consumers_left: dict[str, int] = {}
        self.not_cached: list[str] = []

    def __contains__(self, node_id: str) -> bool:
        return node_id in self.outputs

    def has_inputs_of(self, node: GraphNode) -> bool:
        """Whether every node feeding `node` has its outputs here."""
        return self.outputs.keys() >= node.source_set

    def put(self, node_id: str, outputs: dict[str, Any], remote: bool = False) -> None:
        """Keep a settled node's outputs (`remote`: they hold handles) if a consumer or the caller
        needs them; a node nothing reads and nobody keeps holds no memory."""
        if node_id in self.graph.consumer_counts or node_id in self.keep:
            self.outputs[node_id] = outputs
            if remote:
                self.remote.add(node_id)
            else:
                self.remote.discard(node_id)
        elif remote:
            self.executor.release(_handles(outputs.values()))

    def inputs_of(self, node: GraphNode) -> dict[str, Any]:
        """The node's input values by port, each as its serializer's `share` (a copy the node may
        change); a handle as it is (the executor's task decodes its own copy)."""
        inputs = {}
        remote = self.remote
        for port, (source, source_port) in node.inputs.items():
            serializer = node.input_codecs[port]
            value = self.outputs[source][source_port]
            inputs[port] = serializer.share(value) if serializer is not None and not (remote and source in remote) \
                else value
        return inputs

    def fetched(self, outputs: Mapping[str, Any], call: Callable[..., Any] | None = None) -> dict[str, Any]:
        """`outputs` with every handle replaced by its value, fetched from the executor. With `call`
        (the driver's way to wait with its lock released) the handles are released afterwards: the
        values replace them; without it (a loop's thread) they stay the run's."""
        ports = [p for p, v in outputs.items() if isinstance(v, Handle)]
        handles = [outputs[p] for p in ports]
        fetched = call(self.executor.fetch, handles) if call is not None else self.executor.fetch(handles)
        if call is not None:
            self.executor.release(handles)
        return {**outputs, **dict(zip(ports, fetched, strict=True))}

    def consumed_by(self, node_id: str) -> None:
        """`node_id` has run: drop the input values whose last consumer it was."""
        for source in self.graph.nodes[node_id].sources:
            left = self.consumers_left.get(source)
            if left is None:
                continue
            self.consumers_left[source] = left - 1
            if left <= 1 and source not in self.keep:
                dropped = self.outputs.pop(source, None)
                if source in self.remote:
                    self.remote.discard(source)
                    self.executor.release(_handles(dropped.values()))

    def drop(self, node_id: str) -> None:
        """Forget a node's outputs (its handles released): it failed after they were pending."""
        dropped = self.outputs.pop(node_id, None)
        if node_id in self.remote:
            self.remote.discard(node_id)
            self.executor.release(_handles(dropped.values()))

    def kept(self) -> dict[str, dict[str, Any]]:
        """The outputs the caller asked to keep, of the nodes that settled."""
        return {n: self.outputs[n] for n in self.keep if n in self.outputs}

    def release_remote(self) -> None:
        """Give every handle still held back to the executor: the run has ended."""
        held = _handles(v for n in self.remote for v in self.outputs.get(n, {}).values())
        self.remote.clear()
        if held:
            self.executor.release(held)


    def warn_not_cached(self) -> None:
        """Log which computed nodes were not cached because their outputs never left the workers."""
        if self.not_cached:
            listed = ", ".join(self.not_cached[:10]) + (", ..." if len(self.not_cached) > 10 else "")
            log.warning("%d computed node(s) were not cached (%s): their outputs stayed on the '%s' executor's "
                        "workers, which share no cache folder with this process", len(self.not_cached), listed,
                        self.executor.id)


def _handles(values: Iterable[Any]) -> list[Handle]:
    return [v for v in values if isinstance(v, Handle)]
