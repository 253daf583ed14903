"""The execution engine: runs compiled graphs with a cache and an executor, and plans without running.

An `Engine` holds what outlives a run: the registry, the executor, the composed cache tiers, the
granted data folders, the run history of each workflow and the schema pass's memo. Each call of
`run` is a `Run` of its own (`run.py`: the phases, the scheduling loop, cancelling), so runs
never share state; `plan` answers from the same planning code without running anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from .cache import CacheEntry, CacheSettings, TieredCache
from .cancel import CancelToken
from .errors import DataflowError
from .executor import Executor
from .graph import Graph, GraphNode
from .history import History
from .paths import cache_dir
from .planning import NOT_STORED, plan, select
from .registry import Registry
from .results import CACHED, COMPUTED, FAILED, SKIPPED, Listener, NodePlan, NodeResult, RunEvent, RunResult
from .run import Run
from .schemapass import SchemaReport, infer_schemas
from .widgets import CallPlace, resolve_params

log = logging.getLogger(__name__)

__all__ = ["CACHED", "COMPUTED", "FAILED", "NOT_STORED", "SKIPPED", "CancelToken", "Engine", "Listener", "NodePlan",
           "NodeResult", "RunEvent", "RunResult"]


class Engine:
    """Runs compiled graphs with a cache and an executor. Create once per process and reuse."""

    def __init__(self, registry: Registry, executor: Executor, cache: TieredCache | None = None,
                 cache_root: Path | None = None, data_dirs: Iterable[Path | str] = ()):
        self.registry = registry
        #: folders granted besides the workflow's own and DATAFLOW_DATA_DIRS (the app adds uploads)
        self.data_dirs: list[Path] = [Path(p) for p in data_dirs]
        self.executor = executor
        self.cache = cache
        #: the folder of the cache and of the run histories (None: nothing kept between processes)
        self.cache_root = cache_root
        self._histories: dict[str, History] = {}
        self._schema_memo: dict[tuple[str, str], Any] = {}

    @classmethod
    def open(cls, registry: Registry, *, executor: str = "threads", max_workers: int | None = None,
             use_cache: bool = True, directory: Path | None = None, memory_bytes: int | None = None,
             tiers: Iterable[str] | None = None, data_dirs: Iterable[Path | str] = (),
             memory_tiers: bool = True) -> Engine:
        """An engine with the registered executor `executor` and every registered cache tier
        (or only those named in `tiers`), storing in `directory` (default: the private cache folder).
        File parameters may only name paths inside `data_dirs`, the workflow's folder and
        `DATAFLOW_DATA_DIRS` (see `dataflow.sdk.access`).

        `memory_tiers=False` leaves out the in-process tiers when a persistent one is installed: for
        a process that runs once and exits (`dataflow run`). Values pass between nodes in memory
        anyway; an in-process tier would only keep every output alive until exit, so that each new
        table needs fresh memory instead of reusing what finished nodes freed (measured: the data
        pipeline's first run 0.363 s with it, 0.311 s without; benchmarks/README.md)."""
        if executor not in registry.executors:
            available = ", ".join(sorted(registry.executors)) or "none (is dataflow-executors installed?)"
            raise DataflowError(f"unknown executor '{executor}'; available: {available}")
        folder = directory or cache_dir()
        cache = None
        if use_cache:
            settings = CacheSettings(directory=folder, serializers=registry.serializers)
            if memory_bytes is not None:
                settings.memory_bytes = memory_bytes
            wanted = set(tiers) if tiers is not None else set(registry.caches)
            if not memory_tiers and any(registry.caches[t].persistent for t in wanted if t in registry.caches):
                wanted = {t for t in wanted if t in registry.caches and registry.caches[t].persistent}
            built = []
            for tier_id, tier_class in registry.caches.items():
                if tier_id not in wanted:
                    continue
                try:
                    built.append(tier_class(settings))
                except Exception as exc:
                    log.warning("cache tier '%s' could not start and is off for this run: %s", tier_id, exc)
            if built:
                cache = TieredCache(built)
            elif not wanted & set(registry.caches):  # a tier that could not start has said so above
                log.warning("no cache tier is installed (is dataflow-cache installed?); nothing will be cached")
        return cls(registry, registry.executors[executor](max_workers), cache, folder, data_dirs)

    def close(self) -> None:
        """Stop the executor's workers and release the cache (waiting for its pending writes)."""
        if self.cache is not None:
            self.cache.close()
        self.executor.shutdown()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def history_for(self, graph: Graph) -> History:
        """The run history of the graph's workflow (by its file, else its name)."""
        workflow = graph.workflow
        identity = str(workflow.path) if workflow.path else f"name:{workflow.meta.get('name', '')}"
        folder = self.cache_root / "history" if self.cache is not None and self.cache_root else None
        if "loop_of" in workflow.meta:
            # a loop's iterations keep a history of their own, in memory only: it explains their misses,
            # which nobody is shown, and a file of 1,000 iterations' keys was rewritten on every run
            identity, folder = f"{identity}#loop:{workflow.meta['loop_of']}", None
        if identity not in self._histories:
            self._histories[identity] = History(folder, identity)
        return self._histories[identity]

    def call_params(self, graph: Graph, node: GraphNode) -> dict[str, Any]:
        """The parameters a node is called with, each resolved by its widget (`ParamWidget.resolve`:
        a file path made absolute and checked against the granted folders)."""
        if not node.spec.resolved_params:
            return node.params
        place = CallPlace(graph.workflow.folder, graph.workflow.path, tuple(self.data_dirs))
        return resolve_params(node.spec, node.params, place)

    def schemas(self, graph: Graph) -> SchemaReport:
        """Every table's columns and every column parameter's problems, without running anything
        (see `schemapass`); repeated calls recompute only what changed."""
        return infer_schemas(graph, partial(self.call_params, graph), self._schema_memo)

    def plan(self, graph: Graph, targets: Iterable[str] | None = None, *, use_cache: bool = True) -> dict[str, NodePlan]:
        """Keys, cache state and reasons for the selected nodes, without running anything (the app
        shows *stale* nodes with it)."""
        selected = select(graph, targets)
        order = [n for n in graph.order if n in selected]
        planned = plan(graph, order, selected, set(), self.cache if use_cache else None, self.history_for(graph),
                       partial(self.call_params, graph))
        return {n: NodePlan(n, planned.keys[n], not planned.must_compute[n], planned.reasons.get(n, ""))
                for n in order}

    def run(self, graph: Graph, *, targets: Iterable[str] | None = None, use_cache: bool = True,
            listener: Listener | None = None, cancel: CancelToken | None = None,
            keep_outputs: Iterable[str] | bool | Callable[[dict[str, str]], Iterable[str]] = False,
            given: dict[str, dict[str, Any]] | None = None) -> RunResult:
        """Run the graph (or `targets` and what they need) and return every node's result.

        `keep_outputs`: True keeps the outputs of the nodes nothing consumes, or pass node ids, or a
        function of every node's key (node id -> key) that returns them once the keys are planned.
        `listener` receives a `RunEvent` for every state change, one at a time, in order: in the
        calling thread, or, when the run can be cancelled, in the run's driver thread until the
        run ends or is cancelled. `progress` events come from the thread of the node reporting.
        `cancel`: a `CancelToken` whose `cancel()` makes this call return within moments, with
        status "cancelled", even while a node is computing (see `run.py`). `given`: outputs by
        node id handed in instead of computed (a loop's values for its iterations, `loops.py`).
        """
        return Run(self, graph, targets, use_cache, listener, cancel, keep_outputs, given).execute()

    def load_outputs(self, graph: Graph, node_id: str) -> CacheEntry | None:
        """The cached outputs of a node as it stands now, or None when it would need to run."""
        node_plan = self.plan(graph, [node_id])[node_id]
        if not node_plan.cached:
            return None
        return self.cache.get(node_plan.key.key, graph.nodes[node_id].spec.cache)
