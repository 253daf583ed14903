"""How a run settles its cached nodes: load an entry when a computing node (or the caller) needs
it, and recompute on the spot a node whose entry turns out unreadable (rare: a corrupt or evicted
entry), so a run never fails for want of a cached value.

Cached nodes outside the work set are never read (run.py, "Phases"). Cached ancestors of loaded
nodes are *held* back from the progress lines until every load succeeded: one of them may yet be
recomputed should a load fail.
"""

from __future__ import annotations

from queue import SimpleQueue
from typing import Any

from . import results
from .errors import DataflowError
from .results import CACHED, COMPUTED


class CachedNodes:
    """The cached-node part of `run.Run` (a mixin: it works on the run's state, listed in run.py)."""

    given: dict[str, dict[str, Any]]
    held: set[str]
    loads_left: int

    def _load(self, node_id: str) -> bool:
        """Load a cached node's outputs; False when the entry turned out unreadable."""
        if node_id in self.given:
            self.values.put(node_id, self.given[node_id])
            return True
        if self.cache is None:
            return False
        entry = self._unlocked(self.cache.get, self.keys[node_id].key, self.graph.nodes[node_id].spec.cache)
        if entry is None:
            return False
        self.values.put(node_id, entry.outputs)
        self.results[node_id].warnings = list(entry.warnings)
        return True

    def _settle_cached(self, node_id: str, compute: dict[str, bool]) -> bool:
        """For a cached node in the work set: load it. True when settled, False when it must compute."""
        self.loads_left -= 1
        if self._load(node_id):
            self.recorded.append(node_id)
            if not self.loads_left:  # every load succeeded: nothing upstream will be recomputed
                self._release_held()
            self._finish(node_id, CACHED)
            return True
        self.results[node_id].reason = results.UNREADABLE
        compute[node_id] = True
        return False

    def _ensure_inputs(self, node_id: str) -> None:
        """Make every input value of `node_id` available, loading or recomputing upstream nodes
        that were left out as cached but turn out unreadable (rare: a corrupt or evicted entry)."""
        missing = [s for s in self.graph.nodes[node_id].sources if s not in self.values]
        upstream_nodes = self.graph.ancestors(missing)
        for upstream in [n for n in self.order if n in upstream_nodes and n not in self.values]:
            if not self._load(upstream):  # held back from the progress lines until now
                self.results[upstream].reason = results.UNREADABLE
                self._recompute(upstream)
            elif upstream in self.held:  # its value is here now: it will not be recomputed
                self.held.discard(upstream)
                self._finish(upstream, CACHED)

    def _recompute(self, node_id: str) -> None:
        """Run one node now, through the executor like any other, and wait for it."""
        task = self._task(node_id)
        ended: SimpleQueue = SimpleQueue()
        if task is not None:
            self._start([task], lambda t, outcome, error: ended.put((t.node_id, outcome, error)))
            self._collect(*self._unlocked(ended.get))
        if self.results[node_id].status != COMPUTED:
            raise DataflowError(f"upstream '{node_id}' {self.results[node_id].status} while being recomputed")

    def _release_held(self) -> None:
        """Report the held-back nodes that were not recomputed as cached, in order."""
        held, self.held = self.held, set()
        for node_id in self.order if held else ():
            if node_id in held and self.results[node_id].status == "pending":
                self._finish(node_id, CACHED)
