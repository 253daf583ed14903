"""Consumers started before their producers end, on an executor that chains tasks itself.

For a task it just started, an executor may hand back its outputs as handles
(`Executor.pending_outputs`): they are then *pending*. A computing node whose every input is
settled or pending starts at once, given those handles, and the back end (Dask's scheduler) runs
it when its inputs exist: a chain of nodes costs no round trip through this process per node.

Its end may reach the run before its producers' ends. It is then held until they are settled, so
ends are still accepted in dependency order, and the end of a node whose producer failed is
reported as skipped, exactly as if it had waited.

**State** (the run's lock guards it):

    unstarted   node id -> int      inputs neither settled nor pending      {"sort": 1}
    pending     node ids            started with pending outputs, not settled
    early       node ids            started before every input settled
    held        node id -> end      (outcome, error) that came before its inputs settled
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .graph import Graph


class Chains:
    """Which consumers may start early, and the ends held until their inputs settle."""

    def __init__(self, graph: Graph, waiting: dict[str, int], may_start: Callable[[str], bool]):
        """`waiting`: the run's count of unsettled inputs per node (shared, kept by the run);
        `may_start(node_id)`: whether a node may start on pending inputs (it computes, and is not
        a loop node, whose items are listed from values)."""
        self.graph, self.waiting, self.may_start = graph, waiting, may_start
        self.unstarted = dict(waiting)
        self.pending: set[str] = set()
        self.early: set[str] = set()
        self.held: dict[str, tuple[Any, BaseException | None]] = {}

    def started(self, node_id: str) -> list[str]:
        """`node_id` started with pending outputs: the consumers that may start now."""
        self.pending.add(node_id)
        return self._count(node_id)

    def settled(self, node_id: str) -> list[str]:
        """`node_id` settled: the consumers that may start now (none if it was counted as pending)."""
        if node_id in self.pending:
            self.pending.discard(node_id)
            return []
        return self._count(node_id)

    def hold(self, node_id: str, outcome: Any, error: BaseException | None) -> bool:
        """Keep the end of an early node whose inputs have not all settled yet; False: accept it now."""
        if node_id not in self.early or not self.waiting.get(node_id):
            return False
        self.held[node_id] = (outcome, error)
        return True

    def released(self, node_id: str) -> list[tuple[str, Any, BaseException | None]]:
        """After `node_id` settled: the held ends of its consumers whose inputs are all settled now."""
        ends = []
        for consumer, _, _ in self.graph.consumers.get(node_id, ()):
            if consumer in self.held and not self.waiting.get(consumer):
                ends.append((consumer, *self.held.pop(consumer)))
        return ends

    def _count(self, node_id: str) -> list[str]:
        now = []
        for consumer, _, _ in self.graph.consumers.get(node_id, ()):
            left = self.unstarted.get(consumer)
            if left is None:
                continue
            self.unstarted[consumer] = left - 1
            if left == 1 and self.waiting.get(consumer) and consumer not in self.early and self.may_start(consumer):
                self.early.add(consumer)
                now.append(consumer)
        return now
