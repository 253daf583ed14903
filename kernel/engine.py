"""The execution engine: decide what must run, run it in dependency order, report every step.

A run goes through three phases.

1. **Keys.** In topological order, each selected node gets its Merkle key (`keys.py`) from its
   type, version, code fingerprint, parameters, its inputs' keys and, for sources, a file fingerprint. Then one
   cache lookup per node (`contains`, no data read) says whether it is *cached*; a node that
   misses gets a *reason* by comparing its key parts with the last run's (`history.py`).
2. **Work set.** A node must *compute* when it missed. A cached node must be *loaded* only when
   a computing node consumes it, or when the caller wants its outputs. Every other cached node
   is reported at once and never touched: a fully cached re-run costs lookups only.
3. **Execution.** The work set runs in dependency order. An inline executor is driven by a
   plain loop over the static order; a pool executor by graphlib's `get_ready()` / `done()`
   protocol, so independent branches run side by side. Results pass to consumers in memory
   (the cache may evict what it was just given) and are dropped once their last consumer has
   run. A failed node marks its downstream *skipped* and leaves independent branches alone.

**Cancelling.** A Python thread cannot be killed, and a node may sit in C code for minutes, so
a run that can be cancelled (a `CancelToken` was passed) does not wait for its nodes to stop.
Its phases run in a helper thread (the *driver*) while the calling thread waits for the driver
to finish or for the token, whichever comes first. All run state is guarded by one lock, which
the driver holds except while a node runs, while it waits on the executor's futures and while
it reads a cache entry. On a cancel the caller takes the lock, marks the run *abandoned* and
settles it at once: a node in flight and every node not started are *skipped*, the run ends
"cancelled", and the executor is asked to `cancel` the futures (the process executor kills
their workers). The driver, when its node returns, finds the run abandoned and ends without
touching anything: the late result is discarded, never cached, and the next run computes that
node again. A node that reports progress (`dataflow.sdk.progress`) gets `Cancelled` at its next
report, so a cooperative node also frees its thread. This is the one scheduling path for every
executor: only *where* the driver runs changes, and a run nobody can cancel (no token) keeps
it in the calling thread, as cheap as before. The same choices as elsewhere: Dask's local
scheduler waits on a queue that Ctrl-C breaks out of (polling with a timeout where a blocking
get cannot be interrupted) and leaves submitted tasks running; `concurrent.futures` cancels only
what has not started (`Future.cancel`, `shutdown(cancel_futures=True)`) and never a running
thread; only a process can really be stopped (Python 3.14's `ProcessPoolExecutor.kill_workers`).

If a cached entry turns out unreadable when loaded (corrupt, evicted meanwhile), the node is
recomputed on the spot, after its own inputs are loaded or recomputed the same way.
"""

from __future__ import annotations

import graphlib
import itertools
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet  # what `in` needs: a set or a frozenset
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

from .access import granted_folders, resolve_file_params
from .cache import CacheEntry, CacheSettings, TieredCache
from .context import Reporter
from .errors import Cancelled, DataflowError, NodeError, OutputTypeError
from .executor import Executor, NodeTask, invoke_node
from .graph import Graph, GraphNode
from .history import History, explain
from .keys import KeyParts, hash_key, source_fingerprint
from .paths import cache_dir
from .plugins import activate_registry
from .registry import Registry
from .schemapass import SchemaReport, infer_schemas
from .serializer import check_output
from .spec import NodeSpec
from .steps import StepCache

log = logging.getLogger(__name__)

COMPUTED, CACHED, FAILED, SKIPPED = "computed", "cached", "failed", "skipped"


@dataclass(slots=True)
class NodeResult:
    """How one node fared in a run."""

    id: str
    type: str
    status: str = "pending"
    seconds: float = 0.0
    reason: str = ""
    error: str | None = None
    traceback: str | None = None
    warnings: list[str] = field(default_factory=list)
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "status": self.status, "seconds": round(self.seconds, 6),
                "reason": self.reason, "error": self.error, "warnings": list(self.warnings)}


@dataclass
class RunResult:
    """A whole run: overall status ("ok", "failed" or "cancelled"), node results in order, outputs kept."""

    run_id: str
    status: str
    seconds: float
    nodes: dict[str, NodeResult]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failed(self) -> list[NodeResult]:
        return [r for r in self.nodes.values() if r.status == FAILED]

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "seconds": round(self.seconds, 6),
                "nodes": [r.to_dict() for r in self.nodes.values()]}


@dataclass(slots=True)
class RunEvent:
    """A state change: `kind` is run_start, queued, running, computed, cached, failed, skipped or
    run_end; or `progress`, a running node's report (`fraction` 0..1 or None, `message`)."""

    kind: str
    node_id: str | None = None
    node_type: str | None = None
    seconds: float = 0.0
    reason: str = ""
    error: str | None = None
    done: int = 0
    total: int = 0
    fraction: float | None = None
    message: str = ""


@dataclass(slots=True)
class NodePlan:
    """What a run would do with a node now: its key, whether it is cached, and why it would compute."""

    id: str
    key: KeyParts
    cached: bool
    reason: str


class CancelToken:
    """Shared between the caller and a run: `cancel()` ends the run within moments. Nodes not
    started are skipped; nodes in flight are abandoned (see the module docstring). Safe to call
    from any thread and from a signal handler."""

    def __init__(self) -> None:
        # a plain flag the run reads per node, and callbacks that wake a waiting run
        self._cancelled = False
        self._wakers: list[Callable[[], None]] = []

    def cancel(self) -> None:
        self._cancelled = True
        for wake in list(self._wakers):
            wake()

    @property
    def cancelled(self) -> bool:
        return self._cancelled


Listener = Callable[[RunEvent], None]


class Engine:
    """Runs compiled graphs with a cache and an executor. Create once per process and reuse."""

    def __init__(self, registry: Registry, executor: Executor, cache: TieredCache | None = None,
                 history_dir: Path | None = None, data_dirs: Iterable[Path | str] = ()):
        self.registry = registry
        activate_registry(registry)  # what `dataflow.sdk.connectors()` and `estimators()` see in nodes
        #: folders granted besides the workflow's own and DATAFLOW_DATA_DIRS (the app adds uploads)
        self.data_dirs: list[Path] = [Path(p) for p in data_dirs]
        self.executor = executor
        self.cache = cache
        self.history_dir = history_dir
        self._history_folder = os.path.join(history_dir, "history") if history_dir is not None else None
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
        `DATAFLOW_DATA_DIRS` (see `dataflow.kernel.access`).

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
            else:
                log.warning("no cache tier is installed (is dataflow-cache installed?); nothing will be cached")
        return cls(registry, registry.executors[executor](max_workers), cache, folder, data_dirs)

    def close(self) -> None:
        """Wait for pending cache and history writes, stop the executor's workers, release the cache."""
        for history in self._histories.values():
            history.flush()
        if self.cache is not None:
            self.cache.close()
        self.executor.shutdown()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- planning ---------------------------------------------------------------------

    def history_for(self, graph: Graph) -> History:
        workflow = graph.workflow
        identity = str(workflow.path) if workflow.path else f"name:{workflow.meta.get('name', '')}"
        if identity not in self._histories:
            self._histories[identity] = History(self._history_folder if self.cache else None, identity)
        return self._histories[identity]

    def granted_folders(self, graph: Graph) -> tuple[Path, ...]:
        """The folders this graph's file parameters may name."""
        return granted_folders(graph.workflow.folder, self.data_dirs)

    def call_params(self, graph: Graph, node: GraphNode) -> dict[str, Any]:
        """The parameters a node is called with: file paths resolved against the workflow's folder
        and checked against the granted folders (`AccessDenied` names the path and the fix)."""
        if not node.file_params:
            return node.params
        return resolve_file_params(node, graph.workflow.folder, self.granted_folders(graph), graph.workflow.path)

    def schemas(self, graph: Graph) -> SchemaReport:
        """Every table's columns and every column parameter's problems, without running anything
        (see `schemapass`); repeated calls recompute only what changed."""
        return infer_schemas(graph, lambda node: self.call_params(graph, node), self._schema_memo)

    def plan(self, graph: Graph, targets: Iterable[str] | None = None, *, use_cache: bool = True) -> dict[str, NodePlan]:
        """Keys, cache state and reasons for the selected nodes, without running anything (the app
        shows *stale* nodes with it)."""
        selected = self._select(graph, targets)
        history = self.history_for(graph)
        plans: dict[str, NodePlan] = {}
        keys: dict[str, KeyParts] = {}
        for node_id in graph.order:
            if node_id not in selected:
                continue
            node = graph.nodes[node_id]
            parts = self._key(graph, node, keys)
            keys[node_id] = parts
            policy = node.spec.cache if (use_cache and self.cache is not None) else "none"
            cached = policy != "none" and self.cache.contains(parts.key, policy)
            reason = "" if cached else self._reason(node_id, parts, history, policy, use_cache)
            plans[node_id] = NodePlan(node_id, parts, cached, reason)
        if use_cache and self.cache is not None:
            order = [n for n in graph.order if n in selected]
            for node_id in unneeded_nodes(graph, order, selected, {n: not p.cached for n, p in plans.items()},
                                          set()):
                plans[node_id].cached, plans[node_id].reason = True, NOT_STORED
        return plans

    def _select(self, graph: Graph, targets: Iterable[str] | None) -> AbstractSet[str]:
        if targets is None:
            return graph.node_set
        targets = list(targets)
        unknown = [t for t in targets if t not in graph.nodes]
        if unknown:
            raise DataflowError(f"no node '{unknown[0]}' in the workflow; nodes: {', '.join(graph.order)}")
        return graph.ancestors(targets)

    def _key(self, graph: Graph, node: GraphNode, keys: dict[str, KeyParts]) -> KeyParts:
        input_text = {}
        for port, source, source_port in node.key_inputs:  # a loop: a comprehension is a call per node
            input_text[port] = f"{keys[source].key}:{source_port}"
        fingerprint = ""
        if node.reads_sources:
            try:
                fingerprint = source_fingerprint(node.spec, self.call_params(graph, node))
            except (NodeError, OSError, RuntimeError, ValueError):  # refused, or no path at all (a
                # symlink loop made since validation, say): the node fails with the error when it runs
                fingerprint = "refused"  # never stat a refused path
        if node.extra_fingerprint:
            fingerprint = f"{fingerprint}{node.extra_fingerprint}"
        spec = node.spec
        return KeyParts(hash_key(node.key_head, input_text, fingerprint), spec.type_id or spec.name, spec.version, node.params,
                        input_text, fingerprint, node.upstream, spec.code_fingerprint, node.param_texts)

    def _reason(self, node_id: str, parts: KeyParts, history: History, policy: str, use_cache: bool) -> str:
        if not use_cache or self.cache is None:
            return "cache disabled"
        if policy == "none":
            return "node is never cached"
        return explain(parts, history.get(node_id))

    # --- running ----------------------------------------------------------------------

    def run(self, graph: Graph, *, targets: Iterable[str] | None = None, use_cache: bool = True,
            listener: Listener | None = None, cancel: CancelToken | None = None,
            keep_outputs: Iterable[str] | bool = False) -> RunResult:
        """Run the graph (or `targets` and what they need) and return every node's result.

        `keep_outputs`: True keeps the outputs of the nodes nothing consumes, or pass node ids.
        `listener` receives a `RunEvent` for every state change, one at a time, in order: in the
        calling thread, or, when the run can be cancelled, in the run's driver thread until the
        run ends or is cancelled. `progress` events come from the thread of the node reporting.
        `cancel`: a `CancelToken` whose `cancel()` makes this call return within moments, with
        status "cancelled", even while a node is computing (see the module docstring).
        """
        activate_registry(self.registry)
        return _Run(self, graph, targets, use_cache, listener, cancel, keep_outputs).execute()

    def load_outputs(self, graph: Graph, node_id: str) -> CacheEntry | None:
        """The cached outputs of a node as it stands now, or None when it would need to run."""
        plan = self.plan(graph, [node_id])[node_id]
        if not plan.cached:
            return None
        return self.cache.get(plan.key.key, graph.nodes[node_id].spec.cache)


def unneeded_nodes(graph: Graph, order: list[str], selected: set[str], missing: dict[str, bool],
                   keep: set[str]) -> set[str]:
    """Nodes without a cache entry that need not run: every consumer in the run has its own entry
    (or is itself unneeded), and nobody asks for their values. A tier may decline to store a large
    output that is cheap to recompute; its results downstream are stored, so only a change further
    down brings it back. Nodes that are never cached (side effects, such as writing a file) always run."""
    unneeded: set[str] = set()
    if all(missing.values()):
        return unneeded  # a node is unneeded only below a cached one: none here (a first run)
    for node_id in reversed(order):
        if not missing[node_id] or node_id in keep or graph.nodes[node_id].spec.cache == "none":
            continue
        consumers = [c for c, _, _ in graph.consumers.get(node_id, ()) if c in selected]
        if consumers and all(not missing[c] or c in unneeded for c in consumers):
            unneeded.add(node_id)
    return unneeded


NOT_STORED = "not stored (cheaper to recompute); everything downstream is cached"


# run ids: random per process, numbered within it (no system call per run)
_RUN_PREFIX = os.urandom(4).hex()
_RUN_NUMBERS = itertools.count()


def _ignore(event: str, **kwargs: Any) -> None:
    """Stands in for `Registry.emit` when no plugin observes run events."""


class _Abandoned(BaseException):
    """Raised in a stopped run's driver thread when it finds the run settled by the caller."""


NOT_STARTED = "run cancelled before this node started"
ABANDONED = "run cancelled while this node was running; its result is discarded"


class _Run:
    """The state of one run; `execute()` drives it. Kept apart from Engine so runs never share state."""

    def __init__(self, engine: Engine, graph: Graph, targets: Iterable[str] | None, use_cache: bool,
                 listener: Listener | None, cancel: CancelToken | None, keep_outputs: Iterable[str] | bool):
        self.engine = engine
        self.graph = graph
        self.cache = engine.cache if use_cache else None
        self.use_cache = use_cache
        self.listener = listener
        self.cancellable = cancel is not None
        self.cancel = cancel or CancelToken()
        # the run state's guard: held by whoever drives the run, released while a node computes
        self.lock = threading.Lock()
        self.abandoned = False  # set under the lock by the caller: the driver must touch nothing more
        self.error: BaseException | None = None  # what stopped the driver thread
        self.running: dict[Future, str] = {}  # nodes in an executor's hands
        self.calling: str | None = None  # the node the driver called itself, last
        self.reports = listener is not None or self.cancellable  # who needs `progress` reports
        self.run_id = f"{_RUN_PREFIX}{next(_RUN_NUMBERS):04x}"
        self.selected = engine._select(graph, targets)
        # read only: a run of the whole graph shares the compiled order
        self.order = graph.order if targets is None else [n for n in graph.order if n in self.selected]
        if keep_outputs is True:
            keep = {n for n in self.order if not any(t in self.selected for t, _, _ in graph.consumers.get(n, ()))}
        else:
            keep = set(keep_outputs or ()) & self.selected
        self.keep = keep
        self.results: dict[str, NodeResult] = {}  # filled in order by _plan
        self.values: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, KeyParts] = {}
        self.history = engine.history_for(graph)
        self.recorded: list[str] = []  # nodes computed or loaded: their keys go to the history at the end
        self.done = 0
        self.serializers = engine.registry.serializers
        self.observed = any(engine.registry.observers.values())
        self.emit_hooks = engine.registry.emit if self.observed else _ignore
        self.quiet = listener is None and not self.observed  # nobody to tell about each node
        self.wants_codecs = engine.executor.wants_codecs
        self.output_types: dict[str, tuple[dict[str, str], list[tuple[str, Any]]]] = {}
        self.held: set[str] = set()  # cached nodes reported later (`_held_back`)
        self.loads_left = 0  # cached nodes of the work set not loaded yet

    # --- events -----------------------------------------------------------------------

    def _event(self, kind: str, node_id: str | None = None, result: NodeResult | None = None) -> None:
        if self.listener is None:
            return
        self._deliver(RunEvent(kind, node_id, result.type if result else None, result.seconds if result else 0.0,
                               result.reason if result else "", result.error if result else None, self.done,
                               len(self.order)))

    def _deliver(self, event: RunEvent) -> None:
        try:
            self.listener(event)
        except Exception as exc:  # a broken progress display must not break the run
            log.warning("run listener failed on %s: %s", event.kind, exc)

    def _reporter(self, node_id: str) -> Reporter:
        """The `progress` of one node call: events for the listener, `Cancelled` once stopped."""
        return Reporter(partial(self._progress, node_id), self._stopped)

    def _stopped(self) -> bool:
        return self.cancel._cancelled or self.abandoned

    def _progress(self, node_id: str, fraction: float | None, message: str) -> None:
        """A node's report, from whichever thread runs it: a `progress` event while it runs."""
        if self.listener is None:
            return
        with self.lock:
            result = self.results.get(node_id)
            if self.abandoned or result is None or result.status != "pending":
                return
            self._deliver(RunEvent("progress", node_id, result.type, 0.0, "", None, self.done, len(self.order),
                                   fraction, message))

    def _finish(self, node_id: str, status: str) -> None:
        result = self.results[node_id]
        result.status = status
        self.done += 1
        if self.quiet:
            return
        if self.listener is not None:
            self._event(status, node_id, result)
        if not self.observed:
            return
        if status == FAILED:
            self.emit_hooks("on_node_error", run_id=self.run_id, node_id=node_id, node_type=result.type,
                            error=result.error or "")
        else:
            self.emit_hooks("on_node_end", run_id=self.run_id, node_id=node_id, node_type=result.type,
                            status=status, seconds=result.seconds)

    # --- phases -----------------------------------------------------------------------

    def execute(self) -> RunResult:
        started = time.perf_counter()
        if self.observed:
            self.emit_hooks("on_run_start", run_id=self.run_id, workflow=self.graph.workflow,
                            node_ids=list(self.order))
        self._event("run_start")
        lock = self.lock
        lock.acquire()
        abandoned: list[Future] = []
        try:
            if self.cancellable:
                self._drive_aside()
            else:
                self._drive()
        finally:
            # the caller holds the lock and the driver is done or abandoned: the state is ours
            self.abandoned = True
            self._release_held()
            if self.done < len(self.order):  # cancelled, or stopped by an error: settle the rest
                abandoned = list(self.running)
                self._settle_rest()
            self.history.record(self.recorded, self.keys)
            self.history.save_soon()
            lock.release()
            if abandoned:
                try:
                    self.engine.executor.cancel(abandoned)
                except Exception as exc:
                    log.warning("executor '%s' could not cancel abandoned nodes: %s", self.engine.executor.id, exc)
        status = "cancelled" if self.cancel.cancelled else ("failed" if any(
            r.status == FAILED for r in self.results.values()) else "ok")
        seconds = time.perf_counter() - started
        outputs = {n: self.values[n] for n in self.keep if n in self.values}
        self._event("run_end")
        self.emit_hooks("on_run_end", run_id=self.run_id, status=status, seconds=seconds)
        return RunResult(self.run_id, status, seconds, self.results, outputs)

    def _drive(self) -> None:
        """Phases 1 to 3, holding the lock (released while a node computes)."""
        compute = self._plan()
        work = self._work_set(compute)
        if len(work) < len(self.order) or self.listener is not None:
            in_work = set(work)
            self.held = self._held_back(work, in_work, compute)
            self.loads_left = sum(1 for n in work if not compute[n])
            for node_id in self.order:
                if node_id not in in_work and node_id not in self.held:
                    self._finish(node_id, CACHED)
                elif self.listener is not None:
                    self._event("queued", node_id, self.results[node_id])
        if self.engine.executor.inline:
            self._run_inline(work, compute)
        else:
            self._run_pooled(work, compute)

    def _drive_aside(self) -> None:
        """Run `_drive` in a driver thread; return (holding the lock again) once it finished or the
        token was cancelled, whichever comes first. Re-raises what stopped the driver."""
        wake: SimpleQueue = SimpleQueue()
        waker = partial(wake.put, None)
        token = self.cancel
        token._wakers.append(waker)
        driver = threading.Thread(target=self._drive_guarded, args=(waker,), name=f"dataflow-run-{self.run_id}",
                                  daemon=True)
        self.lock.release()
        try:
            driver.start()
            while not token._cancelled:
                try:
                    wake.get(timeout=0.5)  # the driver's end or a cancel; the timeout keeps Ctrl-C live
                except Empty:
                    continue
                break
        finally:
            token._wakers.remove(waker)
            self.lock.acquire()
            self.abandoned = True
        if self.error is not None:
            raise self.error

    def _drive_guarded(self, done: Callable[[], None]) -> None:
        """The driver thread: `_drive` under the lock, unless the caller settled the run first."""
        lock = self.lock
        lock.acquire()
        try:
            if not self.abandoned:
                self._drive()
        except _Abandoned:
            pass
        except BaseException as exc:  # the caller re-raises it
            self.error = exc
        finally:
            lock.release()
            done()

    def _settle_rest(self) -> None:
        """Skip every node without a final status, saying whether it was in flight."""
        in_flight = set(self.running.values())
        if self.calling is not None:
            in_flight.add(self.calling)
        results, nodes = self.results, self.graph.nodes
        if len(results) < len(self.order):  # stopped before planning ended: results in order
            self.results = results = {n: results.get(n) or NodeResult(n, nodes[n].spec.type_id) for n in self.order}
        for node_id in self.order:
            result = results[node_id]
            if result.status == "pending":
                result.error = ABANDONED if node_id in in_flight else NOT_STARTED
                self._finish(node_id, SKIPPED)

    def _plan(self) -> dict[str, bool]:
        """Phase 1: keys, cache lookups, reasons. Returns node id -> must compute."""
        compute: dict[str, bool] = {}
        engine, graph, cache, history = self.engine, self.graph, self.cache, self.history
        nodes, keys, results, key_of = graph.nodes, self.keys, self.results, engine._key
        for node_id in self.order:
            node = nodes[node_id]
            parts = keys[node_id] = key_of(graph, node, keys)
            result = results[node_id] = NodeResult(node_id, node.spec.type_id, key=parts.key)
            policy = node.spec.cache
            if cache is None or policy == "none":
                compute[node_id] = True
                result.reason = "cache disabled" if cache is None else "node is never cached"
            elif cache.contains(parts.key, policy):
                compute[node_id] = False
            else:
                compute[node_id] = True
                result.reason = explain(parts, history.get(node_id))
        if cache is not None:
            for node_id in unneeded_nodes(graph, self.order, self.selected, compute, self.keep):
                compute[node_id] = False
                self.results[node_id].reason = NOT_STORED
        return compute

    def _held_back(self, work: list[str], in_work: set[str], compute: dict[str, bool]) -> set[str]:
        """Cached nodes outside the work set that a recomputation could still need: the ancestors
        of the cached nodes the run loads. Should a load find its entry unreadable, the node is
        recomputed from them (`_ensure_inputs`), so they are reported once, when that is known:
        as computed if recomputed, else as cached at the end. Each node gets one progress line."""
        loaded = [n for n in work if not compute[n]]
        if not loaded:
            return set()
        return self.graph.ancestors(loaded, include_self=False) - in_work

    def _release_held(self) -> None:
        """Report the held-back nodes that were not recomputed as cached, in order."""
        held, self.held = self.held, set()
        for node_id in self.order if held else ():
            if node_id in held and self.results[node_id].status == "pending":
                self._finish(node_id, CACHED)

    def _work_set(self, compute: dict[str, bool]) -> list[str]:
        """Phase 2: the nodes to compute, plus the cached nodes whose values are needed."""
        graph = self.graph
        if len(self.order) == len(graph.order) and all(compute.values()):
            # the whole graph computes (a first run): every consumer is in the run
            self.remaining_consumers = dict(graph.consumer_counts)
            return self.order
        nodes = graph.nodes
        needed = set(self.keep)
        remaining: dict[str, int] = {}
        for node_id in self.order:
            if compute[node_id]:
                for source in nodes[node_id].sources:
                    needed.add(source)
                    remaining[source] = remaining.get(source, 0) + 1
        work = [n for n in self.order if compute[n] or n in needed]
        self.remaining_consumers = {n: remaining.get(n, 0) for n in work}
        return work

    # --- per node ---------------------------------------------------------------------

    def _blocked_by(self, node: GraphNode) -> str | None:
        for source in node.sources:
            status = self.results[source].status if source in self.results else CACHED
            if status in (FAILED, SKIPPED):
                return source
        return None

    def _load(self, node_id: str) -> bool:
        """Load a cached node's outputs; False when the entry turned out unreadable."""
        node = self.graph.nodes[node_id]
        if self.cache is None:
            return False
        lock = self.lock
        lock.release()  # a large entry takes a while to read: a cancel need not wait for it
        try:
            entry = self.cache.get(self.keys[node_id].key, node.spec.cache)
        finally:
            lock.acquire()
        if self.abandoned:
            raise _Abandoned
        if entry is None:
            return False
        self.values[node_id] = entry.outputs
        self.results[node_id].warnings = list(entry.warnings)
        return True

    def _ensure_inputs(self, node_id: str) -> None:
        """Make every input value of `node_id` available, loading or recomputing upstream nodes
        that were skipped as cached but turn out unreadable (rare: a corrupt or evicted entry)."""
        values = self.values
        missing = [s for s, _ in self.graph.nodes[node_id].inputs.values() if s not in values]
        if not missing:
            return
        upstream_nodes = self.graph.ancestors(missing)
        for upstream in [n for n in self.order if n in upstream_nodes]:
            if upstream in values:
                continue
            if not self._load(upstream):  # held back from the progress lines (`_held_back`) until now
                result = self.results[upstream]
                result.reason = "cache entry unreadable"
                self._compute_inline(upstream)  # reports it computed (or failed), once
                if result.status != COMPUTED:
                    raise DataflowError(f"upstream '{upstream}' {result.status} while being recomputed")
            elif upstream in self.held:  # its value is here now: it will not be recomputed
                self.held.discard(upstream)
                self._finish(upstream, CACHED)

    def _prepare(self, node_id: str) -> tuple[dict[str, Any], dict[str, Any], StepCache | None] | None:
        """What a node is called with: (input values a node may change, parameters, its step cache).
        None when the node was settled here instead: skipped after a failed upstream, or failed."""
        result = self.results[node_id]
        node = self.graph.nodes[node_id]
        values = self.values
        # a failed or skipped node has no values: when every input has one, nothing blocks this node
        complete = values.keys() >= node.source_set
        blocker = None if complete else self._blocked_by(node)
        if blocker is not None:
            result.error = f"upstream '{blocker}' {self.results[blocker].status}"
            result.reason = result.reason or "upstream failed"
            self._finish(node_id, SKIPPED)
            return None
        try:
            if not complete:
                self._ensure_inputs(node_id)
            inputs = self._shared_inputs(node)
            params = self.engine.call_params(self.graph, node) if node.file_params else node.params
        except Exception as exc:
            self._fail(node_id, exc)
            return None
        if self.listener is not None:
            self._event("running", node_id, result)
        if self.observed:
            self.emit_hooks("on_node_start", run_id=self.run_id, node_id=node_id, node_type=result.type)
        return inputs, params, self._step_cache(node)

    def _shared_inputs(self, node: GraphNode) -> dict[str, Any]:
        """The node's input values by port, each as its serializer's `share` (a copy the node may change)."""
        serializers, values, input_types = self.serializers, self.values, node.input_types
        inputs = {}
        for port, (source, source_port) in node.inputs.items():
            serializer = serializers.get(input_types[port])
            value = values[source][source_port]
            inputs[port] = serializer.share(value) if serializer is not None else value
        return inputs

    def _step_cache(self, node: GraphNode) -> StepCache | None:
        """Where the node's `cached_step` calls store their results (None without a cache)."""
        if self.cache is None or node.spec.cache == "none":
            return None
        return StepCache(self.cache, self.keys[node.id])

    def _start(self, node_id: str) -> NodeTask | None:
        """A node's task for the executor; None when it was settled here (skipped or failed)."""
        prepared = self._prepare(node_id)
        if prepared is None:
            return None
        inputs, params, steps = prepared
        node = self.graph.nodes[node_id]
        spec = node.spec
        if self.wants_codecs:
            serializers = self.serializers
            codecs_in = {port: serializers.get(node.input_types[port]) for port in node.inputs}
            codecs_out = {p.name: serializers.get(p.type.name) for p in spec.outputs}
        else:
            codecs_in = codecs_out = {}
        return NodeTask(node_id, spec, inputs, params, codecs_in, codecs_out, steps,
                        self._reporter(node_id) if self.reports else None)

    def _fail(self, node_id: str, exc: BaseException) -> None:
        result = self.results[node_id]
        if isinstance(exc, DataflowError):
            result.error = str(exc)
            result.traceback = None if isinstance(exc, NodeError) else traceback.format_exc()
        else:
            result.error = f"{type(exc).__name__}: {exc}"
            result.traceback = "".join(traceback.format_exception(exc))
        self._finish(node_id, FAILED)

    def _accept(self, node_id: str, outputs: dict[str, Any], seconds: float, warnings: list[str]) -> None:
        """Check a node's outputs, keep them for consumers, cache them, report it computed."""
        node = self.graph.nodes[node_id]
        spec = node.spec
        port_types, checks = self.output_types.get(spec.type_id) or self._output_checks(spec)
        for port, serializer in checks:
            try:
                check_output(serializer, port, outputs[port])
            except OutputTypeError as exc:
                self._fail(node_id, exc)
                return
        result = self.results[node_id]
        result.seconds = seconds
        result.warnings = warnings
        if node_id in self.graph.consumer_counts or node_id in self.keep:
            self.values[node_id] = outputs  # a node nothing reads and nobody keeps holds no memory
        parts = self.keys[node_id]
        if self.cache is not None and spec.cache != "none":
            entry = CacheEntry(outputs, port_types, warnings, seconds, node.reads_sources)
            self.cache.put(parts.key, entry, spec.cache)
        self.recorded.append(node_id)
        self._finish(node_id, COMPUTED)

    def _output_checks(self, spec: NodeSpec) -> tuple[dict[str, str], list[tuple[str, Any]]]:
        """A node type's output port types, and the serializer that checks each typed output."""
        checks = self.output_types[spec.type_id] = (
            {p.name: p.type.name for p in spec.outputs},
            [(p.name, self.serializers[p.type.name]) for p in spec.outputs if p.type.name in self.serializers])
        return checks

    def _compute_inline(self, node_id: str) -> None:
        prepared = self._prepare(node_id)
        if prepared is not None:
            self._call(node_id, self.graph.nodes[node_id].spec, *prepared)

    def _call(self, node_id: str, spec: NodeSpec, inputs: dict[str, Any], params: dict[str, Any],
              steps: StepCache | None) -> None:
        """Call the node in this thread (no task, no future), the lock released meanwhile, and
        accept what it returns unless the run was stopped."""
        lock = self.lock
        reporter = self._reporter(node_id) if self.reports else None
        self.calling = node_id
        lock.release()
        try:
            outputs, seconds, warnings = invoke_node(spec, inputs, params, steps, reporter)
        except (Exception, SystemExit, Cancelled) as exc:  # a node calling sys.exit() fails that node only
            lock.acquire()
            if self.abandoned:
                raise _Abandoned from None
            if self.cancel._cancelled:
                self._discard(node_id)
            else:
                self._fail(node_id, exc)
            return
        except BaseException:
            lock.acquire()
            raise
        lock.acquire()
        if self.abandoned:
            raise _Abandoned
        if self.cancel._cancelled:
            self._discard(node_id)
            return
        self._accept(node_id, outputs, seconds, warnings)

    def _discard(self, node_id: str) -> None:
        """A node that ended after the run was stopped: its outputs are dropped, nothing is cached."""
        self.results[node_id].error = ABANDONED
        self._finish(node_id, SKIPPED)

    def _settle_cached(self, node_id: str, compute: dict[str, bool]) -> bool:
        """For a cached node in the work set: load it. True when settled, False when it must compute."""
        self.loads_left -= 1
        if self._load(node_id):
            self.recorded.append(node_id)
            if not self.loads_left:  # every load succeeded: nothing upstream will be recomputed
                self._release_held()
            self._finish(node_id, CACHED)
            return True
        self.results[node_id].reason = "cache entry unreadable"
        compute[node_id] = True
        return False

    def _release(self, node_id: str) -> None:
        """Drop input values whose last consumer has now run (the cache keeps its own copy)."""
        for source in self.graph.nodes[node_id].sources:
            left = self.remaining_consumers.get(source)
            if left is None:
                continue
            left -= 1
            self.remaining_consumers[source] = left
            if left <= 0 and source not in self.keep:
                self.values.pop(source, None)

    # --- drivers ----------------------------------------------------------------------

    def _run_inline(self, work: list[str], compute: dict[str, bool]) -> None:
        token = self.cancel
        nodes, values, quiet = self.graph.nodes, self.values, self.quiet
        shared_inputs, step_cache, call = self._shared_inputs, self._step_cache, self._call
        for node_id in work:
            if token._cancelled:
                return
            if not compute[node_id] and self._settle_cached(node_id, compute):
                continue
            node = nodes[node_id]
            # The common case in a straight line: nobody listens, every input has its value (a failed
            # or skipped node has none, so no upstream failed) and no file parameter to resolve.
            if quiet and not node.file_params and values.keys() >= node.source_set:
                try:
                    inputs = shared_inputs(node)
                except Exception as exc:
                    self._fail(node_id, exc)
                else:
                    call(node_id, node.spec, inputs, node.params, step_cache(node))
            else:
                self._compute_inline(node_id)
            self._release(node_id)

    def _run_pooled(self, work: list[str], compute: dict[str, bool]) -> None:
        in_work = set(work)
        sorter = graphlib.TopologicalSorter(
            {n: [s for s, _ in self.graph.nodes[n].inputs.values() if s in in_work] for n in work})
        sorter.prepare()
        running = self.running
        executor = self.engine.executor
        lock = self.lock
        while sorter.is_active() and not self.cancel.cancelled:
            tasks: list[tuple[str, NodeTask]] = []
            for node_id in sorter.get_ready():
                if self.cancel.cancelled:
                    break
                if not compute[node_id] and self._settle_cached(node_id, compute):
                    sorter.done(node_id)
                    continue
                task = self._start(node_id)
                if task is None:
                    self._release(node_id)
                    sorter.done(node_id)
                    continue
                tasks.append((node_id, task))
            if len(tasks) == 1 and not running and executor.run_alone_inline:
                # nothing to overlap with (a chain): a hand-off to a pool thread would only add latency
                node_id, task = tasks[0]
                self._call(node_id, task.spec, task.inputs, task.params, task.steps)
                self._release(node_id)
                sorter.done(node_id)
                continue
            for node_id, task in tasks:
                try:
                    running[executor.submit(task)] = node_id
                except Exception as exc:
                    self._fail(node_id, exc)
                    self._release(node_id)
                    sorter.done(node_id)
            if not running:
                continue
            lock.release()
            try:
                finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            finally:
                lock.acquire()
            if self.abandoned:
                raise _Abandoned
            for future in finished:
                node_id = running.pop(future)
                self._collect(node_id, future)
                sorter.done(node_id)
        # cancelled: what still runs is abandoned (the caller settles it and cancels the futures)

    def _collect(self, node_id: str, future: Future) -> None:
        if self.cancel._cancelled:
            self._discard(node_id)
            self._release(node_id)
            return
        try:
            outcome = future.result()
        except (Exception, SystemExit, Cancelled) as exc:
            self._fail(node_id, exc)
        else:
            self._accept(node_id, outcome.outputs, outcome.seconds, outcome.warnings)
        self._release(node_id)
