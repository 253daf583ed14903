"""One run of a compiled graph: plan, run what must run in dependency order, report every step.

**Phases.** (1) *Plan* (`planning.py`): keys, one cache lookup per node, reasons. (2) *Work set*:
the nodes that compute, plus the cached nodes whose values a computing node (or the caller)
needs; every other cached node is reported at once and never touched, so a fully cached re-run
costs lookups only. (3) *Schedule*: one loop for every executor, as in `dask/local.py`. Nodes
whose inputs are all settled wait in `ready`; a cached one is loaded, a computing one becomes a
`NodeTask` that the executor `start`s (the sequential executor runs it here and now, a pool
elsewhere); each task's end arrives on one queue and is accepted (outputs checked, kept for
consumers, cached); a settled node's consumers wait for one input fewer. Values pass in memory
and are dropped after their last consumer ran. A failed node skips its downstream only.

**Handles.** An executor that runs nodes elsewhere may return, per output, a `Handle` instead of
the value (`NodeOutcome.handles`; see executor.py). The run keeps it in `values` like a value,
hands it unchanged (no `share`: each task decodes its own copy) to consumers' tasks on the same
executor, and fetches the value (`executor.fetch`) only when it must: to check it (unless
checked where it was made, `outcome.checked`), for a kept output, for a loop node's inputs.
What it fetched it also caches; a handle it never fetched is cached only when the executor wrote
the entry itself (`outcome.cached`), else the node is listed in `RunResult.not_cached`. When a
value is dropped, its handles go back to the executor (`executor.release`).

**State**, guarded by `lock`:

    keys            node id -> KeyParts          {"load": KeyParts(key="3f2a...", ...)}
    results         node id -> NodeResult        in run order; "pending" until settled
    values          node id -> outputs by port   {"load": {"table": <DataFrame>}} while needed
    remote          node ids                     their `values` hold handles        {"load"}
    consumers_left  node id -> int               consumers in the work set yet to run
    waiting         node id -> int               inputs not settled yet          {"filter": 1}
    ready           deque of node ids            inputs all settled, not started
    running         node id -> handle            tasks an executor has (its Future, or None)
    finished        queue of (node id, NodeOutcome | None, error | None)
    held            node ids                     cached ancestors of loaded nodes, reported last
    recorded        node ids                     computed or loaded: saved to the run history
    not_cached      node ids                     computed, their entry not written (handles)

**Cancelling.** A thread cannot be killed and a node may sit in C code for minutes, so a run
given a `CancelToken` runs its phases in a *driver* thread while the caller waits for the driver
or the token. The driver holds the lock except while nodes run, while it waits and while it
reads a cache entry. On a cancel the caller takes the lock, marks the run *abandoned* and
settles it: nodes in flight and not started are *skipped*, the executor is asked to `cancel`
their handles (the process executor kills the workers). The driver then finds the run abandoned
and ends without touching anything: a late result is never cached. A node that reports progress
gets `Cancelled` at its next report. A cached entry found unreadable is recomputed on the spot.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from functools import partial
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from . import results
from .cache import CacheEntry
from .cancel import WAIT_SECONDS, Abandoned, CancelToken, drive_beside
from .context import Reporter
from .errors import DataflowError, NodeError, OutputTypeError
from .executor import Handle, NodeOutcome, NodeTask
from .graph import Graph, GraphNode
from .iterations import run_loop
from .planning import plan, select, work_set
from .results import CACHED, COMPUTED, FAILED, SKIPPED, Listener, NodeResult, Reports, RunResult
from .serializer import check_output
from .steps import StepCache

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)


class Run:
    """The state of one run (see the module docstring); `execute()` drives it."""

    def __init__(self, engine: Engine, graph: Graph, targets: Iterable[str] | None, use_cache: bool,
                 listener: Listener | None, cancel: CancelToken | None, keep_outputs: Iterable[str] | bool | Callable,
                 given: dict[str, dict[str, Any]] | None = None):
        self.engine, self.graph, self.listener = engine, graph, listener
        #: node id -> outputs handed in, never computed (a loop's inputs to its iterations)
        self.given = given or {}
        self.cache = engine.cache if use_cache else None
        self.registry = engine.registry
        self.cancellable = cancel is not None
        self.cancel = cancel or CancelToken()
        self.lock = threading.Lock()
        self.abandoned = False  # set under the lock by the caller: the driver must touch nothing more
        self.run_id = results.new_run_id()
        self.selected = select(graph, targets)
        self.order = graph.order if targets is None else [n for n in graph.order if n in self.selected]
        #: keep_outputs as a function of the planned keys, called once they are known
        self.keep_for = keep_outputs if callable(keep_outputs) else None
        if keep_outputs is True:
            self.keep = {n for n in self.order
                         if not any(t in self.selected for t, _, _ in graph.consumers.get(n, ()))}
        else:
            self.keep = set(() if self.keep_for else keep_outputs or ()) & self.selected
        self.history = engine.history_for(graph)
        self.keys: dict = {}
        self.results: dict[str, NodeResult] = {}
        self.values: dict[str, dict[str, Any]] = {}
        self.remote: set[str] = set()
        self.consumers_left: dict[str, int] = {}
        self.running: dict[str, Future | None] = {}
        self.finished: SimpleQueue = SimpleQueue()
        self.waiting: dict[str, int] = {}
        self.ready: deque[str] = deque()
        self.held: set[str] = set()
        self.recorded: list[str] = []
        self.not_cached: list[str] = []
        self.loads_left = 0  # cached nodes of the work set not loaded yet
        self.reports = Reports(self.registry.emit, listener, self.run_id, len(self.order))

    def _progress(self, node_id: str, fraction: float | None, message: str) -> None:
        """A node's report, from whichever thread runs it: a `progress` event while it runs."""
        if self.listener is None:
            return
        with self.lock:
            result = self.results.get(node_id)
            if not self.abandoned and result is not None and result.status == "pending":
                self.reports.event("progress", result, fraction, message)

    def _finish(self, node_id: str, status: str) -> None:
        self.reports.settled(self.results[node_id], status)

    def execute(self) -> RunResult:
        started = time.perf_counter()
        self.reports.run_start(self.graph.workflow, self.order)
        self.lock.acquire()
        abandoned: list[Future] = []
        try:
            if self.cancellable:
                drive_beside(self._drive, self.lock, self.cancel, f"dataflow-run-{self.run_id}", self._abandon)
            else:
                self._drive()
        finally:
            # the caller holds the lock and the driver is done or abandoned: the state is ours
            self.abandoned = True
            self._release_held()
            if self.reports.done < len(self.order):  # cancelled, or stopped by an error: settle the rest
                abandoned = [h for h in self.running.values() if h is not None]
                self._settle_rest()
            if self.cache is not None:  # a run that stores nothing leaves the record of the last one that did
                self.history.record(self.recorded, self.keys)
            held = [h for n in self.remote for h in self.values.get(n, {}).values() if isinstance(h, Handle)]
            self.remote.clear()
            self.lock.release()
            if held:
                self.engine.executor.release(held)
            if abandoned:
                try:
                    self.engine.executor.cancel(abandoned)
                except Exception as exc:
                    log.warning("executor '%s' could not cancel abandoned nodes: %s", self.engine.executor.id, exc)
        status = "cancelled" if self.cancel.cancelled else (
            "failed" if any(r.status == FAILED for r in self.results.values()) else "ok")
        seconds = time.perf_counter() - started
        outputs = {n: self.values[n] for n in self.keep if n in self.values}
        if self.not_cached:
            log.warning("%d computed node(s) were not cached (%s): their outputs stayed on the '%s' executor's "
                        "workers, which share no cache folder with this process", len(self.not_cached),
                        ", ".join(self.not_cached[:10]) + (", ..." if len(self.not_cached) > 10 else ""),
                        self.engine.executor.id)
        self.reports.run_end(status, seconds)
        return RunResult(self.run_id, status, seconds, self.results, outputs, self.not_cached)

    def _abandon(self) -> None:
        self.abandoned = True

    def _drive(self) -> None:
        """The three phases, holding the lock (released while nodes run)."""
        if self.abandoned:  # cancelled before the driver thread started
            return
        graph = self.graph
        planned = plan(graph, self.order, self.selected, self.keep, self.cache, self.history,
                       partial(self.engine.call_params, graph))
        self.keys = planned.keys
        if self.keep_for is not None:
            self.keep = set(self.keep_for({n: k.key for n, k in planned.keys.items()})) & self.selected
        for node_id in self.order:
            self.results[node_id] = NodeResult(node_id, graph.nodes[node_id].spec.type_id,
                                               reason=planned.reasons.get(node_id, ""), key=planned.keys[node_id].key)
        compute = planned.must_compute
        for node_id in self.given:
            compute[node_id] = False
            self.results[node_id].reason = ""
        work, self.consumers_left, self.held = work_set(graph, self.order, compute, self.keep)
        in_work = set(work)
        self.loads_left = sum(1 for n in work if not compute[n])
        for node_id in self.order:
            if node_id not in in_work and node_id not in self.held:
                self._finish(node_id, CACHED)
            elif node_id in in_work:
                self.reports.event("queued", self.results[node_id])
        self._schedule(work, in_work, compute)

    def _schedule(self, work: list[str], in_work: set[str], compute: dict[str, bool]) -> None:
        """Phase 3: the scheduling loop (see the module docstring)."""
        nodes = self.graph.nodes
        self.waiting = {n: sum(s in in_work for s in nodes[n].sources) for n in work}
        self.ready = deque(n for n in work if not self.waiting[n])
        while (self.ready or self.running) and not self.cancel.cancelled:
            tasks = []
            while self.ready and not self.cancel.cancelled:
                node_id = self.ready.popleft()
                if not compute[node_id] and self._settle_cached(node_id, compute):
                    self._done(node_id)
                    continue
                task = self._task(node_id)
                if task is None:  # settled here: skipped or failed
                    self._release(node_id)
                    self._done(node_id)
                else:
                    tasks.append(task)
            if tasks:
                self._start(tasks, self._ended)
            for node_id in self._wait_for_ends():
                self._done(node_id)
        # cancelled: what still runs is abandoned (the caller settles it and cancels the handles)

    def _done(self, node_id: str) -> None:
        """`node_id` is settled: its consumers in the work set wait for one input fewer."""
        for consumer, _, _ in self.graph.consumers.get(node_id, ()):
            left = self.waiting.get(consumer)
            if left is not None:
                self.waiting[consumer] = left - 1
                if left == 1:
                    self.ready.append(consumer)

    def _unlocked(self, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)` with the lock released (a node runs, a wait, a large read), then the lock
        again; `Abandoned` when the caller settled the run meanwhile."""
        self.lock.release()
        try:
            return call(*args)
        finally:
            self.lock.acquire()
            if self.abandoned:
                raise Abandoned

    def _start(self, tasks: list[NodeTask], done: Callable) -> None:
        """Hand `tasks` to the executor, which may run them in this thread, the lock released; a
        loop node runs in a thread of its own, its iterations on the executor (`iterations.run_loop`)."""
        for task in tasks:
            self.running[task.node_id] = None  # in flight from here: a cancel reports it abandoned
        if any(self.graph.nodes[t.node_id].loop is not None for t in tasks):
            for task in [t for t in tasks if self.graph.nodes[t.node_id].loop is not None]:
                threading.Thread(target=self._run_loop, args=(task, done), name=f"dataflow-loop-{task.node_id}",
                                 daemon=True).start()
            tasks = [t for t in tasks if self.graph.nodes[t.node_id].loop is None]
        handles = self._unlocked(self.engine.executor.start, tasks, done)
        for task, handle in zip(tasks, handles, strict=False):
            if task.node_id in self.running:
                self.running[task.node_id] = handle

    def _run_loop(self, task: NodeTask, done: Callable) -> None:
        """A loop node's iterations, run by this engine (in a thread of its own; the lock not held).
        Its inputs are values here (a loop lists its items from them: groups split a table)."""
        node = self.graph.nodes[task.node_id]
        try:
            if any(isinstance(v, Handle) for v in task.inputs.values()):
                task.inputs = self._fetched(task.inputs, locked=False)
            outcome = run_loop(self.engine, self.graph, node, task.inputs, self.keys[task.node_id],
                               task.progress, self.cancel)
        except BaseException as exc:  # noqa: BLE001  (reported as the node's error, as an executor does)
            done(task, None, exc)
            return
        done(task, outcome, None)

    def _ended(self, task: NodeTask, outcome: NodeOutcome | None, error: BaseException | None) -> None:
        self.finished.put((task.node_id, outcome, error))

    def _wait(self) -> None:
        """Block until a task ends (or WAIT_SECONDS pass), then put its end back for the caller."""
        with contextlib.suppress(Empty):
            self.finished.put(self.finished.get(timeout=WAIT_SECONDS))

    def _wait_for_ends(self) -> list[str]:
        """Accept every task that ended; when tasks run and none has ended, wait (lock released)."""
        ended: list[str] = []
        while self.running and not ended and not self.cancel.cancelled:
            if self.finished.empty():
                self._unlocked(self._wait)
            while not self.finished.empty():
                item = self.finished.get()
                self._collect(*item)
                ended.append(item[0])
        return ended

    # --- per node ---------------------------------------------------------------------

    def _task(self, node_id: str) -> NodeTask | None:
        """What a node is called with, or None when it was settled here instead: skipped after a
        failed upstream, or failed (an input or a file parameter could not be prepared)."""
        result = self.results[node_id]
        node = self.graph.nodes[node_id]
        complete = self.values.keys() >= node.source_set
        blocker = None if complete else next(
            (s for s in node.sources if s in self.results and self.results[s].status in (FAILED, SKIPPED)), None)
        if blocker is not None:
            result.error = f"upstream '{blocker}' {self.results[blocker].status}"
            result.reason = result.reason or "upstream failed"
            self._finish(node_id, SKIPPED)
            return None
        try:
            if not complete:
                self._ensure_inputs(node_id)
            inputs = self._shared_inputs(node)
            params = node.params if node.loop is not None else self.engine.call_params(self.graph, node)
        except Exception as exc:
            self._fail(node_id, exc)
            return None
        self.reports.running(result)
        steps = StepCache(self.cache, self.keys[node_id]) if self.cache is not None and node.spec.cache != "none" \
            else None
        reporter = None
        if self.listener is not None or self.cancellable:
            reporter = Reporter(partial(self._progress, node_id), lambda: self.cancel.cancelled or self.abandoned)
        return NodeTask(node_id, node.spec, inputs, params, node.input_codecs, node.output_codecs, steps, reporter,
                        self.registry)

    def _shared_inputs(self, node: GraphNode) -> dict[str, Any]:
        """The node's input values by port, each as its serializer's `share` (a copy the node may
        change); a handle as it is (the executor's task decodes its own copy)."""
        inputs = {}
        remote = self.remote
        for port, (source, source_port) in node.inputs.items():
            serializer = node.input_codecs[port]
            value = self.values[source][source_port]
            inputs[port] = serializer.share(value) if serializer is not None and not (remote and source in remote) \
                else value
        return inputs

    def _fetched(self, outputs: dict[str, Any], locked: bool = True) -> dict[str, Any]:
        """`outputs` with every handle replaced by its value, fetched from the executor. `locked`:
        called by the driver, which releases the lock meanwhile and then releases the handles
        (the values replace them); otherwise the handles stay the run's."""
        ports = [p for p, v in outputs.items() if isinstance(v, Handle)]
        handles = [outputs[p] for p in ports]
        executor = self.engine.executor
        fetched = self._unlocked(executor.fetch, handles) if locked else executor.fetch(handles)
        if locked:
            executor.release(handles)
        return {**outputs, **dict(zip(ports, fetched, strict=True))}

    def _collect(self, node_id: str, outcome: NodeOutcome | None, error: BaseException | None) -> None:
        """A task that ended: accept its outputs, or fail it; drop it if the run was stopped."""
        self.running.pop(node_id, None)
        if self.cancel.cancelled:
            self.results[node_id].error = results.ABANDONED
            self._finish(node_id, SKIPPED)
        elif error is not None:
            self._fail(node_id, error)
        else:
            self._accept(node_id, outcome)
        self._release(node_id)

    def _fail(self, node_id: str, exc: BaseException) -> None:
        result = self.results[node_id]
        result.error = str(exc) if isinstance(exc, DataflowError) else f"{type(exc).__name__}: {exc}"
        result.traceback = None if isinstance(exc, NodeError) else "".join(traceback.format_exception(exc))
        self._finish(node_id, FAILED)

    def _accept(self, node_id: str, outcome: NodeOutcome) -> None:
        """Check a node's outputs, keep them for consumers, cache them, report it computed (handles:
        fetched only to be checked or kept; see the module docstring)."""
        node = self.graph.nodes[node_id]
        spec, outputs, held = node.spec, outcome.outputs, outcome.handles
        if held and (not outcome.checked or node_id in self.keep):
            try:
                outputs, held = self._fetched(outputs), False
            except Exception as exc:
                self._fail(node_id, exc)
                return
        try:
            if not outcome.checked:
                for port, serializer in node.output_codecs.items():
                    if serializer is not None:
                        check_output(serializer, port, outputs[port])
        except OutputTypeError as exc:
            self._fail(node_id, exc)
            return
        result = self.results[node_id]
        result.seconds, result.warnings = outcome.seconds, outcome.warnings
        if node_id in self.graph.consumer_counts or node_id in self.keep:
            self.values[node_id] = outputs  # a node nothing reads and nobody keeps holds no memory
            if held:
                self.remote.add(node_id)
        elif held:
            self.engine.executor.release([v for v in outputs.values() if isinstance(v, Handle)])
        if self.cache is not None and spec.cache != "none" and not outcome.cached:
            if held:
                self.not_cached.append(node_id)
            else:
                entry = CacheEntry(outputs, spec.output_types, outcome.warnings, outcome.seconds,
                                   node.spec.reads_sources)
                self.cache.put(self.keys[node_id].key, entry, spec.cache)
        self.recorded.append(node_id)
        self._finish(node_id, COMPUTED)

    def _release(self, node_id: str) -> None:
        """Drop input values whose last consumer has now run (the cache keeps its own copy)."""
        for source in self.graph.nodes[node_id].sources:
            left = self.consumers_left.get(source)
            if left is None:
                continue
            self.consumers_left[source] = left - 1
            if left <= 1 and source not in self.keep:
                dropped = self.values.pop(source, None)
                if source in self.remote:
                    self.remote.discard(source)
                    self.engine.executor.release([v for v in dropped.values() if isinstance(v, Handle)])

    # --- cached nodes -----------------------------------------------------------------

    def _load(self, node_id: str) -> bool:
        """Load a cached node's outputs; False when the entry turned out unreadable."""
        if node_id in self.given:
            self.values[node_id] = self.given[node_id]
            return True
        if self.cache is None:
            return False
        entry = self._unlocked(self.cache.get, self.keys[node_id].key, self.graph.nodes[node_id].spec.cache)
        if entry is None:
            return False
        self.values[node_id] = entry.outputs
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

    def _settle_rest(self) -> None:
        """Skip every node without a final status, saying whether it was in flight."""
        nodes = self.graph.nodes
        if len(self.results) < len(self.order):  # stopped before planning ended
            self.results = {n: self.results.get(n) or NodeResult(n, nodes[n].spec.type_id) for n in self.order}
        for node_id in self.order:
            result = self.results[node_id]
            if result.status == "pending":
                result.error = results.ABANDONED if node_id in self.running else results.NOT_STARTED
                self._finish(node_id, SKIPPED)

