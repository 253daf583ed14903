"""One run of a compiled graph: plan, run what must run in dependency order, report every step.

**Phases.** (1) *Plan* (`planning.py`): keys, one cache lookup per node, reasons. (2) *Work set*:
the nodes that compute, plus the cached nodes whose values a computing node (or the caller)
needs; every other cached node is reported at once and never touched, so a fully cached re-run
costs lookups only. (3) *Schedule*: one loop for every executor, as in `dask/local.py`. Nodes
whose inputs are all settled wait in `ready`; a cached one is loaded (`loading.py`), a computing
one becomes a `NodeTask` that the executor `start`s (the sequential executor runs it here and
now, a pool elsewhere); each task's end arrives on one queue and is accepted (outputs checked,
kept for consumers, cached); a settled node's consumers wait for one input fewer. On an executor
that chains tasks itself, consumers start before their producers end (`chains.py`). Values pass
in memory (`values.py`, handles included) and are dropped after their last consumer ran. A
failed node skips its downstream only.

**State**, guarded by `lock`:

    keys            node id -> KeyParts          {"load": KeyParts(key="3f2a...", ...)}
    results         node id -> NodeResult        in run order; "pending" until settled
    values          RunValues                    outputs kept for consumers (values.py)
    waiting         node id -> int               inputs not settled yet          {"filter": 1}
    chains          Chains                       consumers started early (chains.py)
    ready           deque of node ids            inputs all settled, not started
    running         node id -> handle            tasks an executor has (its Future, or None)
    finished        queue of (node id, NodeOutcome | None, error | None)
    held            node ids                     cached ancestors of loaded nodes, reported last
    recorded        node ids                     computed or loaded: saved to the run history

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
from .chains import Chains
from .context import Reporter
from .errors import DataflowError, NodeError, OutputTypeError
from .executor import NodeOutcome, NodeTask
from .graph import Graph
from .iterations import start_loop
from .loading import CachedNodes
from .planning import kept, plan, select, work_set
from .results import CACHED, COMPUTED, FAILED, SKIPPED, Listener, NodeResult, Reports, RunResult
from .serializer import check_outputs
from .steps import StepCache
from .values import RunValues

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)


class Run(CachedNodes):
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
        self.keep = kept(graph, self.order, self.selected, () if self.keep_for else keep_outputs)
        self.history = engine.history_for(graph)
        self.keys: dict = {}
        self.results: dict[str, NodeResult] = {}
        self.values = RunValues(graph, engine.executor, self.keep)
        self.running: dict[str, Future | None] = {}
        self.finished: SimpleQueue = SimpleQueue()
        self.waiting: dict[str, int] = {}
        self.chains = Chains(graph, self.waiting, lambda _: False)  # made again by _schedule
        self.ready: deque[str] = deque()
        self.held: set[str] = set()
        self.recorded: list[str] = []
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
            self.lock.release()
            self.values.release_remote()
            if abandoned:
                try:
                    self.engine.executor.cancel(abandoned)
                except Exception as exc:
                    log.warning("executor '%s' could not cancel abandoned nodes: %s", self.engine.executor.id, exc)
        status = "cancelled" if self.cancel.cancelled else (
            "failed" if any(r.status == FAILED for r in self.results.values()) else "ok")
        seconds = time.perf_counter() - started
        outputs = self.values.kept()
        self.values.warn_not_cached()
        self.reports.run_end(status, seconds)
        return RunResult(self.run_id, status, seconds, self.results, outputs, self.values.not_cached)

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
            self.keep = self.values.keep = set(self.keep_for({n: k.key for n, k in planned.keys.items()})) & self.selected
        for node_id in self.order:
            self.results[node_id] = NodeResult(node_id, graph.nodes[node_id].spec.type_id,
                                               reason=planned.reasons.get(node_id, ""), key=planned.keys[node_id].key)
        compute = planned.must_compute
        for node_id in self.given:
            compute[node_id] = False
            self.results[node_id].reason = ""
        work, self.values.consumers_left, self.held = work_set(graph, self.order, compute, self.keep)
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
        self.chains = Chains(self.graph, self.waiting, lambda n: compute[n] and nodes[n].loop is None)
        while (self.ready or self.running) and not self.cancel.cancelled:
            tasks = []
            while self.ready and not self.cancel.cancelled:
                node_id = self.ready.popleft()
                if not compute[node_id] and self._settle_cached(node_id, compute):
                    self._done(node_id)
                    continue
                task = self._task(node_id)
                if task is None:  # settled here: skipped or failed
                    self.values.consumed_by(node_id)
                    self._done(node_id)
                else:
                    tasks.append(task)
            for task, started in self._start(tasks, self._ended) if tasks else ():
                pending = self.engine.executor.pending_outputs(task, started) \
                    if task.node_id in self.graph.consumers else None
                if pending:  # its consumers may start now (chains.py)
                    self.values.put(task.node_id, pending, remote=True)
                    self.ready.extend(self.chains.started(task.node_id))
            if not self.ready:
                for node_id in self._wait_for_ends():
                    self._done(node_id)
        # cancelled: what still runs is abandoned (the caller settles it and cancels the handles)

    def _done(self, node_id: str) -> None:
        """`node_id` is settled: its consumers in the work set wait for one input fewer (and the
        held ends of those started early are accepted once their inputs are all settled)."""
        settled = [node_id]
        while settled:
            node_id = settled.pop()
            for consumer, _, _ in self.graph.consumers.get(node_id, ()):
                left = self.waiting.get(consumer)
                if left is not None:
                    self.waiting[consumer] = left - 1
                    if left == 1 and consumer not in self.chains.early:
                        self.ready.append(consumer)
            self.ready.extend(self.chains.settled(node_id))
            for consumer, outcome, error in self.chains.released(node_id):
                self._collect(consumer, outcome, error)
                settled.append(consumer)

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

    def _start(self, tasks: list[NodeTask], done: Callable) -> list[tuple[NodeTask, Any]]:
        """Hand `tasks` to the executor, which may run them in this thread, the lock released; a
        loop node runs in a thread of its own, its iterations on the executor (`iterations.run_loop`).
        Returns each other task with what the executor returned for it."""
        for task in tasks:
            self.running[task.node_id] = None  # in flight from here: a cancel reports it abandoned
        loops = [t for t in tasks if self.graph.nodes[t.node_id].loop is not None]
        for task in loops:
            start_loop(self.engine, self.graph, task, self.keys[task.node_id], self.cancel, self.values.fetched,
                       done)
        tasks = [t for t in tasks if t not in loops] if loops else tasks
        handles = self._unlocked(self.engine.executor.start, tasks, done)
        for task, handle in zip(tasks, handles, strict=False):
            if task.node_id in self.running:
                self.running[task.node_id] = handle
        return list(zip(tasks, handles, strict=False))

    def _ended(self, task: NodeTask, outcome: NodeOutcome | None, error: BaseException | None) -> None:
        self.finished.put((task.node_id, outcome, error))

    def _wait_for_ends(self) -> list[str]:
        """Accept every task that ended; when tasks run and none has ended, wait (lock released)."""
        ended: list[str] = []
        while self.running and not ended and not self.cancel.cancelled:
            if self.finished.empty():  # block until a task ends (or WAIT_SECONDS pass), then put its end back
                with contextlib.suppress(Empty):
                    self.finished.put(self._unlocked(self.finished.get, True, WAIT_SECONDS))
            while not self.finished.empty():
                item = self.finished.get()
                if not self.chains.hold(*item):
                    self._collect(*item)
                    ended.append(item[0])
        return ended

    # --- per node ---------------------------------------------------------------------

    def _task(self, node_id: str) -> NodeTask | None:
        """What a node is called with, or None when it was settled here instead: skipped after a
        failed upstream, or failed (an input or a file parameter could not be prepared)."""
        result = self.results[node_id]
        node = self.graph.nodes[node_id]
        complete = self.values.has_inputs_of(node)
        blocker = None if complete else next(
            (s for s in node.sources if s in self.results and self.results[s].status in (FAILED, SKIPPED)), None)
        if blocker is not None:
            self._skip(node_id, blocker)
            return None
        try:
            if not complete:
                self._ensure_inputs(node_id)
            inputs = self.values.inputs_of(node)
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

    def _collect(self, node_id: str, outcome: NodeOutcome | None, error: BaseException | None) -> None:
        """A task that ended: accept its outputs, or fail it; drop it if the run was stopped."""
        self.running.pop(node_id, None)
        if self.cancel.cancelled:
            self.results[node_id].error = results.ABANDONED
            self._finish(node_id, SKIPPED)
        elif error is not None:
            blocker = next((s for s in self.graph.nodes[node_id].sources if self.results[s].status in (FAILED, SKIPPED)),
                           None) if node_id in self.chains.early else None  # it failed for want of its input
            if blocker is not None:
                self._skip(node_id, blocker)
            else:
                self._fail(node_id, error)
        else:
            self._accept(node_id, outcome)
        self.values.consumed_by(node_id)

    def _skip(self, node_id: str, blocker: str) -> None:
        result = self.results[node_id]
        result.error = f"upstream '{blocker}' {self.results[blocker].status}"
        result.reason = result.reason or "upstream failed"
        self._finish(node_id, SKIPPED)

    def _fail(self, node_id: str, exc: BaseException) -> None:
        result = self.results[node_id]
        result.error = str(exc) if isinstance(exc, DataflowError) else f"{type(exc).__name__}: {exc}"
        result.traceback = None if isinstance(exc, NodeError) else "".join(traceback.format_exception(exc))
        self.values.drop(node_id)  # its pending outputs (chains.py)
        self._finish(node_id, FAILED)

    def _accept(self, node_id: str, outcome: NodeOutcome) -> None:
        """Check a node's outputs, keep them for consumers, cache them, report it computed (handles:
        fetched only to be checked or kept; see the module docstring)."""
        node = self.graph.nodes[node_id]
        spec, outputs, held = node.spec, outcome.outputs, outcome.handles
        if held and (not outcome.checked or node_id in self.keep):
            try:
                outputs, held = self.values.fetched(outputs, self._unlocked), False
            except Exception as exc:
                self._fail(node_id, exc)
                return
        try:
            if not outcome.checked:
                check_outputs(node.output_codecs, outputs)
        except OutputTypeError as exc:
            self._fail(node_id, exc)
            return
        result = self.results[node_id]
        result.seconds, result.warnings = outcome.seconds, outcome.warnings
        self.values.put(node_id, outputs, remote=held)
        if self.cache is not None and spec.cache != "none" and not outcome.cached:
            if held:
                self.values.not_cached.append(node_id)
            else:
                entry = CacheEntry(outputs, spec.output_types, outcome.warnings, outcome.seconds,
                                   node.spec.reads_sources)
                self.cache.put(self.keys[node_id].key, entry, spec.cache)
        self.recorded.append(node_id)
        self._finish(node_id, COMPUTED)

    def _settle_rest(self) -> None:
        """Skip every node without a final status, saying whether it was in flight."""
        if len(self.results) < len(self.order):  # stopped before planning ended
            self.results = {n: self.results.get(n) or NodeResult(n, self.graph.nodes[n].spec.type_id)
                            for n in self.order}
        for node_id in self.order:
            result = self.results[node_id]
            if result.status == "pending":
                result.error = results.ABANDONED if node_id in self.running else results.NOT_STARTED
                self._finish(node_id, SKIPPED)

