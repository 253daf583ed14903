"""The Dask executor: every node that must compute becomes one task on a Dask cluster.

**Which cluster.** The first `start` connects, so a fully cached run starts nothing. With a
scheduler address (the `scheduler` argument, else `DATAFLOW_DASK_SCHEDULER`, which
`dataflow run --scheduler` sets) it joins that cluster and checks that every worker has the same
DataFlow distributions (kernel, plugins, node packs) at the same versions as this process
(`versions.py`); a mismatch fails the nodes of the run with a message naming worker, package and
both versions. Without one it starts a `distributed.LocalCluster` of `max_workers` worker
processes with one thread each, every socket on 127.0.0.1: scheduler, workers, nannies and the
dashboard (Dask's dashboard listens on every interface by default). `shutdown` closes the
cluster it started; a cluster it joined is left running.

**A task.** The engine's scheduling loop (kernel/run.py) hands over the nodes whose inputs are
ready. Each goes to the cluster the way a node goes to the process executor's workers
(`dataflow_executors.wire`): the node's function by module and qualified name (the worker
imports it; a `NodeSpec` is never pickled), every input value as the bytes of its port's
serializer (a table as Arrow IPC: Dask's pickle only wraps those bytes, it never pickles a
DataFrame or anything read from a file), parameters as plain data. On the worker,
`run_on_worker` decodes, calls the node, checks each output against its port type there
(`check_output`: an `OutputTypeError` is the node's error, as in-process), encodes the outputs the
same way and returns a `Done`, or a `Failed` carrying the node's exception and traceback text.

**Outputs stay on the workers.** The reply stays where it was made. The task also logs a small
event (topic `dataflow-ends`: its key, seconds, warnings, output ports, or its failure) that the
scheduler forwards to this client; once both the event and the future's end are here, the
engine gets a `NodeOutcome` whose outputs are `DaskHandle`s (the node's future and a port). No
value is fetched to learn that a node ended. (Should the event not come, a tiny `summarize` task
on the reply's worker says the same.) A quick call with nothing more to say (under
`QUIET_SECONDS`, no warning, its cache entry written if asked) logs no event: its reply is a
`Quiet`, and Dask sends a result's type with every end, so the type says it (an event per task
doubled Dask's own cost per task on this machine: 9.9 -> 19.6 ms on a chain of trivial tasks).
Its seconds are then measured here (at most `QUIET_SECONDS`).

**Chains.** `pending_outputs` hands the engine a just-sent task's outputs as handles on its
future, so the engine sends a consumer at once (kernel/chains.py) and Dask's scheduler starts it
when its inputs exist: a chain of nodes costs no round trip through this process per node. A
task whose producer failed finds a `Failed` reply among its inputs and fails at once; the engine
reports it skipped. A consumer's task gets its producers' futures as arguments, so Dask moves the bytes
worker to worker (a consumer on the producer's worker reads them in place, through the port's
`share`, since other consumers may read the same reply). `fetch` gathers replies in one call and
decodes them here (`bytes_pulled` counts them); `release` releases the futures, so the cluster
frees the reply once no task needs it.

**The cache.** A task of a node the engine would cache (it hands the task a `StepCache`: the
run's cache and the node's key) carries the key and the engine's persistent tiers (their classes
and folders) when every worker can reach those folders: always for a local cluster this executor
started (same machine), else when the folder is inside `shared_cache` (`DATAFLOW_SHARED_CACHE_DIR`:
a folder mounted at the same path on every machine). The worker then writes the entry itself,
with the same key and tiers as the engine would, and the outcome says so (`NodeOutcome.cached`).
Otherwise the engine caches only what it fetched and lists the rest in `RunResult.not_cached`.

**Faults.** A node that raises fails that node with its original exception, the worker's
traceback chained as its cause (`RemoteTraceback`). A worker that dies mid-task is Dask's to
handle: its nanny restarts it and the scheduler runs the task again, up to
`distributed.scheduler.allowed-failures` times (3 by default); when they run out the node fails
with `WorkerLostError`, naming the node, the last worker and the count. `cancel` (a stopped run)
cancels the run's futures on the cluster: queued tasks never start; a running one finishes on
its worker thread (Dask cannot interrupt a thread) and its result is dropped.

**Progress.** When the run listens, a node's `dataflow.sdk.progress` reports (throttled on the
worker, as in-process) travel as `dataflow-progress` events to the task's listener here.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from dataflow_executors.processes import job_for as process_job_for
from dataflow_executors.processes import rebuild_exception
from dataflow_executors.wire import CODEC, PICKLE, Encoded, Failed, Job, decode
from dataflow_executors.wire import Done as Reply

from dataflow.sdk import (
    CacheEntry,
    CacheSettings,
    Cancelled,
    Done,
    Executor,
    Handle,
    NodeOutcome,
    NodeTask,
    check_output,
)

from .metadata import import_distributed, restore_stdlib_finder
from .versions import check_workers

log = logging.getLogger(__name__)

#: the environment variable naming an existing scheduler (`tcp://HOST:PORT`)
SCHEDULER_ENV = "DATAFLOW_DASK_SCHEDULER"
#: the environment variable naming a cache folder every worker reaches at the same path
SHARED_CACHE_ENV = "DATAFLOW_SHARED_CACHE_DIR"
#: how long to wait for a scheduler to answer, or a local cluster to start
CONNECT_SECONDS = 30
#: the topic of the events by which tasks say how they ended
ENDS = "dataflow-ends"
#: the topic of the events by which running nodes report progress (`dataflow.sdk.progress`)
PROGRESS = "dataflow-progress"
#: how long after a task's end its event may lag before `summarize` is asked instead
EVENT_GRACE_SECONDS = 2.0
#: a node that returns within this time, with no warning and its cache entry written if asked, logs
#: no event: its reply's type (`Quiet`, which Dask sends with every end) says all there is to say
QUIET_SECONDS = 0.05


class DaskHandle(Handle):
    """An output kept on the cluster: the future of its node's reply, the port, the port's codec."""

    __slots__ = ("codec", "future", "port")

    def __init__(self, future: Any, port: str, codec: Any):
        self.future, self.port, self.codec = future, port, codec

    def __repr__(self) -> str:
        return f"DaskHandle({self.future.key!r}, {self.port!r})"


class WorkerLostError(RuntimeError):
    """The workers running a node died each time it was tried (killed, out of memory, a crash)."""


class DaskExecutor(Executor):
    """Runs nodes as tasks on a Dask cluster; see the module docstring."""

    id = "dask"
    description = ("nodes as tasks on a Dask cluster: a local one on 127.0.0.1, or the scheduler "
                   f"named by --scheduler / {SCHEDULER_ENV}")

    def __init__(self, max_workers: int | None = None, *, scheduler: str | None = None,
                 announce: Callable[[str], None] | None = None, cluster_options: dict[str, Any] | None = None,
                 shared_cache: str | os.PathLike | None = None):
        """`scheduler`: an existing cluster's address (default: `DATAFLOW_DASK_SCHEDULER`, else a
        local cluster of `max_workers` processes). `announce(text)` is told where the cluster is
        and its dashboard when it starts (default: logged at INFO). `cluster_options` go to
        `LocalCluster` on top of ours. `shared_cache`: a folder every worker reaches at the same
        path (default: `DATAFLOW_SHARED_CACHE_DIR`); workers write the cache entries of an engine
        whose cache is inside it."""
        super().__init__(max_workers)
        self.scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
        shared = shared_cache or os.environ.get(SHARED_CACHE_ENV) or None
        self.shared_cache = os.path.realpath(shared) if shared else None
        self.announce = announce
        self.cluster_options = dict(cluster_options or {})
        #: tasks sent to the cluster since this executor was made (diagnostics and tests)
        self.submitted = 0
        #: serializer bytes of the outputs pulled back to this process (diagnostics and benchmarks)
        self.bytes_pulled = 0
        self._client: Any = None
        #: tasks sent and not reported yet, by Dask key: [task, done, future, event message or None, sent at]
        self._pending: dict[str, list] = {}
        self._pending_lock = threading.Lock()
        self._last_end = 0.0  # when the last `Quiet` task ended (`_quiet_end`)
        self._cluster: Any = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.Lock()

    # --- the engine's side ------------------------------------------------------------

    def submit(self, task: NodeTask) -> Any:
        """Not used by the engine (`start` is); kept for the interface: a concurrent future."""
        from concurrent.futures import Future

        future: Future = Future()
        self.start([task], lambda _t, outcome, error: future.set_exception(error) if error is not None
                   else future.set_result(outcome))
        return future

    def start(self, tasks: list[NodeTask], done: Done) -> list[Any]:
        """Send each task to the cluster (connecting first if needed); `done` is called from
        Dask's callback thread. A task that cannot be sent, or a cluster that cannot be reached,
        fails its nodes and nothing else."""
        try:
            client = self.client()
        except Exception as exc:
            for task in tasks:
                done(task, None, exc)
            return [None] * len(tasks)
        handles: list[Any] = []
        for task in tasks:
            try:
                job, upstream = job_for(task)
                key = task_key(task)
                with self._pending_lock:
                    self._pending[key] = [task, done, None, None, time.perf_counter()]
                future = client.submit(run_on_worker, job, upstream, self._store_for(task), key, key=key, pure=False)
            except Exception as exc:
                self._pending.pop(key, None)
                done(task, None, exc)
                handles.append(None)
                continue
            self.submitted += 1
            self._pending[key][2] = future
            future.add_done_callback(self._ended)
            handles.append(future)
        return handles

    def pending_outputs(self, task: NodeTask, started: Any) -> dict[str, Any] | None:
        """Each output of a task just sent, as a handle on its future: a consumer sent now waits
        for it on the cluster, so a chain of nodes is sent at once (no round trip per node)."""
        if started is None:
            return None
        return {port.name: DaskHandle(started, port.name, task.output_codecs.get(port.name))
                for port in task.spec.outputs}

    # --- a task's end: its event and its future ---------------------------------------

    def _on_event(self, event: tuple) -> None:
        """An `ENDS` event from a worker (in the client's event loop): report it once its future ended."""
        message = event[1]
        with self._pending_lock:
            entry = self._pending.get(message.get("key"))
            if entry is None:
                return  # another client's task, or reported already
            entry[3] = message
            ready = entry[2] is not None and entry[2].done()
        if ready:
            self._settle(message["key"])

    def _on_progress(self, event: tuple) -> None:
        """A `PROGRESS` event: pass it to the task's listener while the task runs."""
        message = event[1]
        with self._pending_lock:
            entry = self._pending.get(message.get("key"))
        progress = entry[0].progress if entry is not None else None
        if progress is not None:
            fraction = message.get("fraction")
            progress(float(fraction) if isinstance(fraction, (int, float)) else None, str(message.get("message", "")))

    def _ended(self, future: Any) -> None:
        """A task's future ended (in Dask's callback thread): report it now when it failed or its
        event is here; else wait for the event, and ask `summarize` should it be late. Whatever
        goes wrong here fails the node: the run must never wait for an end that will not come."""
        try:
            self._end(future)
        except Exception as exc:
            self._fail(future.key, exc)

    def _end(self, future: Any) -> None:
        key = future.key
        with self._pending_lock:
            entry = self._pending.get(key)
            if entry is None:
                return
            if entry[2] is None:
                entry[2] = future
            if future.status == "finished" and entry[3] is None and future.type is Quiet:
                entry[3] = self._quiet_end(key, entry[0], entry[4])
            waiting = future.status == "finished" and entry[3] is None
        if not waiting:
            self._settle(key)
        else:
            timer = threading.Timer(EVENT_GRACE_SECONDS, self._ask_summary, (key,))
            timer.daemon = True
            timer.start()

    def _quiet_end(self, key: str, task: NodeTask, sent: float) -> dict[str, Any]:
        """The end of a `Quiet` task, as its event would say it. Its seconds are measured here:
        since it was sent or since the last end before it, whichever is later (under 50 ms)."""
        now = time.perf_counter()
        seconds = min(QUIET_SECONDS, now - max(sent, self._last_end))
        self._last_end = now
        return {"key": key, "seconds": seconds, "warnings": [], "ports": [p.name for p in task.spec.outputs],
                "cached": self._store_for(task) is not None}

    def _ask_summary(self, key: str) -> None:
        with self._pending_lock:
            entry = self._pending.get(key)
            if entry is None or entry[3] is not None:
                return
        try:
            summary = self.client().submit(summarize, entry[2], key, key=f"{key}-summary", pure=False)
        except Exception as exc:
            log.warning("asking for the end of task %s: %s", key, exc)
            return
        summary.add_done_callback(partial(self._summarized, key))

    def _summarized(self, key: str, summary: Any) -> None:
        try:
            message = summary.result() if summary.status == "finished" else None
        except Exception:
            message = None
        finally:
            summary.release()
        with self._pending_lock:
            entry = self._pending.get(key)
            if entry is None or entry[3] is not None:
                return
            entry[3] = message or {"key": key, "failed": None}
        self._settle(key)

    def _settle(self, key: str) -> None:
        """Tell the engine how the task `key` ended (once)."""
        with self._pending_lock:
            entry = self._pending.pop(key, None)
        if entry is None:
            return
        task, done, future, message, _ = entry
        try:
            _report(task, done, future, message)
        except Exception as exc:
            done(task, None, RuntimeError(f"node '{task.node_id}': its end could not be read from the cluster: "
                                          f"{type(exc).__name__}: {exc}"))

    def _fail(self, key: str, exc: Exception) -> None:
        """Report the task `key` failed for `exc` (once), when learning how it ended went wrong."""
        with self._pending_lock:
            entry = self._pending.pop(key, None)
        if entry is not None:
            entry[1](entry[0], None, RuntimeError(f"node '{entry[0].node_id}': its end could not be read from the "
                                                  f"cluster: {type(exc).__name__}: {exc}"))

    def _store_for(self, task: NodeTask) -> tuple | None:
        """What a worker needs to write the node's cache entry itself (see the module docstring),
        or None when the engine does not cache it or a worker may not reach the folder."""
        steps = task.steps
        if steps is None:
            return None
        tiers = [t for t in steps.cache.tiers if t.persistent] if task.spec.cache == "all" else []
        if not tiers or not all(self._reaches(t.settings.directory) for t in tiers):
            return None
        settings = [(type(t), str(t.settings.directory), t.settings.disk_bytes) for t in tiers]
        return (steps.parts.key, settings, dict(task.spec.output_types), bool(task.spec.reads_sources))

    def _reaches(self, folder: Any) -> bool:
        """True when every worker reaches `folder` at this path."""
        if self._cluster is not None:
            return True  # a local cluster: the workers are processes of this machine
        if self.shared_cache is None:
            return False
        return os.path.commonpath([self.shared_cache, os.path.realpath(folder)]) == self.shared_cache

    def fetch(self, handles: list[Any]) -> list[Any]:
        """The values behind `handles`: their replies gathered in one call, decoded here."""
        futures = list({id(h.future): h.future for h in handles}.values())
        replies = dict(zip((id(f) for f in futures), self.client().gather(futures), strict=True))
        values = []
        for handle in handles:
            how, payload = unwrap({handle.port: replies[id(handle.future)].outputs[handle.port]})[handle.port]
            if how == CODEC:
                self.bytes_pulled += memoryview(payload).nbytes
            values.append(decode((how, payload), handle.codec))
        return values

    def release(self, handles: list[Any]) -> None:
        """Let the cluster free these replies once no task needs them (releasing twice is harmless)."""
        for handle in handles:
            handle.future.release()

    def cancel(self, futures: Iterable[Any]) -> None:
        """Cancel these tasks on the cluster (a running one ends on its worker, its result dropped)."""
        futures = [f for f in futures if f is not None]
        client = self._client
        if futures and client is not None:
            client.cancel(futures)

    def shutdown(self) -> None:
        """Close the connection, and the local cluster when this executor started it."""
        with self._lock:
            client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer.detach()
        _close(client, cluster)

    # --- the cluster ------------------------------------------------------------------

    def client(self) -> Any:
        """The `distributed.Client` of this executor, connecting (or starting a cluster) first."""
        with self._lock:
            if self._client is None:
                self._client, self._cluster = self._connect()
                self._client.subscribe_topic(ENDS, self._on_event)
                self._client.subscribe_topic(PROGRESS, self._on_progress)
                self._finalizer = weakref.finalize(self, _close, self._client, self._cluster)
            return self._client

    @property
    def dashboard_link(self) -> str | None:
        """The dashboard's address, once connected and when the cluster has one."""
        client = self._client
        if client is None:
            return None
        return dashboard_of(client)

    def _connect(self) -> tuple[Any, Any]:
        Client = import_distributed().Client  # noqa: N806

        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
            except Exception as exc:
                raise RuntimeError(f"could not connect to the Dask scheduler at {self.scheduler} "
                                   f"(--scheduler / {SCHEDULER_ENV}): {type(exc).__name__}: {exc}") from exc
            try:
                check_workers(client)
            except Exception:
                client.close()
                raise
            workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
            self._announce(f"dask: connected to the scheduler at {self.scheduler} ({workers} workers); "
                           f"dashboard: {dashboard_of(client) or 'none'}")
            return client, None
        cluster = start_local_cluster(self.max_workers, **self.cluster_options)
        try:
            client = Client(cluster, timeout=CONNECT_SECONDS, set_as_default=False)
        except Exception:
            cluster.close()
            raise
        dashboard = dashboard_of(client)
        self._announce(f"dask: started a local cluster of {self.max_workers} worker processes on 127.0.0.1 "
                       f"(scheduler {cluster.scheduler_address}); dashboard: "
                       f"{dashboard or 'off (install bokeh to get one)'}")
        return client, cluster

    def _announce(self, text: str) -> None:
        if self.announce is not None:
            self.announce(text)
        else:
            log.info("%s", text)


def start_local_cluster(workers: int, **options: Any) -> Any:
    """A `LocalCluster` of `workers` processes, one thread each, with every socket on 127.0.0.1
    (the dashboard on a free port, or none when bokeh is missing)."""
    import importlib.util

    LocalCluster = import_distributed().LocalCluster  # noqa: N806
    settings: dict[str, Any] = {
        "n_workers": workers, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
        "scheduler_port": 0, "worker_dashboard_address": None,
        "dashboard_address": "127.0.0.1:0" if importlib.util.find_spec("bokeh") is not None else None,
        "silence_logs": logging.ERROR,
    }
    settings.update(options)
    _quiet_distributed(settings["silence_logs"])
    return LocalCluster(**settings)


def _quiet_distributed(level: Any) -> None:
    """Turn distributed's loggers down to `level` in this process, unless the root logger is verbose
    (`dataflow run -v`). distributed sets them to INFO when imported, and `silence_logs` only turns
    down stream handlers attached to them; a process whose root logger prints (the command line)
    has none, so the cluster's start-up chatter reached the terminal line by line."""
    if not level or logging.getLogger().isEnabledFor(logging.DEBUG):
        return
    logger = logging.getLogger("distributed")
    if logger.getEffectiveLevel() < level:
        logger.setLevel(level)


def dashboard_of(client: Any) -> str | None:
    """The client's dashboard link, or None when the scheduler serves no dashboard."""
    try:
        info = client.scheduler_info(n_workers=0)
    except TypeError:  # older distributed: no n_workers argument
        info = client.scheduler_info()
    if not info.get("services", {}).get("dashboard"):
        return None
    return client.dashboard_link


def _close(client: Any, cluster: Any) -> None:
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception as exc:  # a cluster already gone: nothing left to release
                log.debug("closing %r: %s", thing, exc)


# --- one task --------------------------------------------------------------------------

def task_key(task: NodeTask) -> str:
    """A unique Dask key that names the node (Dask's dashboard groups tasks by its prefix)."""
    return f"dataflow-{task.node_id}-{uuid.uuid4().hex}"


def job_for(task: NodeTask) -> tuple[Job, dict[str, tuple[Any, str]]]:
    """The process executor's job for a worker (`dataflow_executors.processes.job_for`), with
    each serializer's bytes in a `Blob`, asking for progress reports when someone listens; and
    the inputs held on the cluster, by port: (the producer's future, its port). Dask hands
    `run_on_worker` each future's reply in its place."""
    upstream = {port: (value.future, value.port) for port, value in task.inputs.items()
                if isinstance(value, DaskHandle)}
    here = task if not upstream else replace(task, inputs={p: v for p, v in task.inputs.items() if p not in upstream})
    job = process_job_for(here)
    job.inputs = wrap(job.inputs)
    job.report_progress = task.progress is not None
    return job, upstream


def run_on_worker(job: Job, upstream: dict[str, tuple[Any, str]] | None = None, store: tuple | None = None,
                  key: str | None = None) -> Any:
    """On a worker: call the node; a `Made` with encoded outputs, or a `Failed`. Never raises, so
    even `sys.exit()` in a node fails that node, not the worker's thread. `upstream`: inputs from
    other tasks' replies, by port: (the reply, its port). `store`: write the node's cache entry
    (`DaskExecutor._store_for`). `key`: this task's key, named in the `ENDS` event it logs."""
    reply = _run(job, upstream, store, key)
    if isinstance(reply, Made) and reply.seconds < QUIET_SECONDS and not reply.warnings and \
            (store is None or reply.cached):
        return Quiet(reply.outputs, reply.seconds, reply.warnings, reply.cached)
    if key is not None:
        try:
            import_distributed().get_worker().log_event(ENDS, summarize(reply, key))
        except Exception as exc:  # the engine asks `summarize` instead
            log.warning("task %s could not log its end: %s", key, exc)
    return reply


def _run(job: Job, upstream: dict[str, tuple[Any, str]] | None, store: tuple | None, key: str | None = None) -> Any:
    from dataflow_executors.worker import failure, run_job

    restore_stdlib_finder()  # before a node loads the installed plugins (see metadata.py)
    try:
        job.inputs = unwrap(job.inputs)
        for port, (reply, source_port) in (upstream or {}).items():
            if not isinstance(reply, Made):  # sent before its producer failed: the engine reports it skipped
                raise RuntimeError(f"input '{port}' has no value: its node failed")
            codec = job.input_codecs.get(port)
            value = decode(unwrap({port: reply.outputs[source_port]})[port], codec)
            # the reply may feed other tasks on this worker: this node gets its own share of it
            job.inputs[port] = (PICKLE, codec.share(value) if codec is not None else value)
        reply = run_job(job, report=partial(_report_progress, key) if key is not None else None)
        for port, (how, value) in reply.outputs.items():  # a value its codec rejected comes back as is
            codec = job.output_codecs.get(port)
            if how == PICKLE and codec is not None:
                check_output(codec, port, value)  # OutputTypeError: the node's error, as in-process
    except BaseException as exc:
        return failure(exc)
    cached = store is not None and write_entry(store, reply, job.output_codecs)
    return Made(wrap(reply.outputs), reply.seconds, reply.warnings, cached)


def _report_progress(key: str, fraction: float | None, message: str) -> None:
    """On a worker: a node's progress report (already throttled) as a `PROGRESS` event."""
    try:
        import_distributed().get_worker().log_event(PROGRESS, {"key": key, "fraction": fraction,
                                                                "message": str(message)[:500]})
    except Exception as exc:  # a lost report is not worth failing the node for
        log.debug("task %s could not report progress: %s", key, exc)


#: the cache tiers a worker opened, by (class, folder): opening one costs milliseconds
_TIERS: dict[tuple[type, str], Any] = {}


def write_entry(store: tuple, reply: Reply, codecs: dict[str, Any]) -> bool:
    """On a worker: store the node's outputs under its key in the engine's persistent tiers, as
    the engine would; False (logged) when that failed."""
    key, tiers, port_types, source = store
    try:
        outputs = {port: decode(item, codecs.get(port)) for port, item in reply.outputs.items()}
        entry = CacheEntry(outputs, port_types, list(reply.warnings), reply.seconds, source)
        for tier_class, folder, disk_bytes in tiers:
            tier = _TIERS.get((tier_class, folder))
            if tier is None:
                serializers = {port_types[p]: c for p, c in codecs.items() if c is not None and p in port_types}
                settings = CacheSettings(Path(folder), serializers, disk_bytes=disk_bytes)
                tier = _TIERS[(tier_class, folder)] = tier_class(settings)
            else:
                tier.settings.serializers.update(
                    {port_types[p]: c for p, c in codecs.items() if c is not None and p in port_types})
            tier.put(key, entry)
    except Exception as exc:
        log.warning("a worker could not write the cache entry %s: %s", key, exc)
        return False
    return True


@dataclass(slots=True)
class Made:
    """A node call that returned, as it stays on its worker: outputs encoded by port (serializer
    bytes in `Blob`s), seconds, warnings, and whether the worker wrote its cache entry."""

    outputs: dict[str, Encoded]
    seconds: float
    warnings: list[str]
    cached: bool = False


class Quiet(Made):
    """A `Made` that logged no event (see `QUIET_SECONDS`): a quick call with nothing more to say."""

    __slots__ = ()


def summarize(reply: Any, key: str) -> dict[str, Any]:
    """How a task ended, without its bytes, as plain data (msgpack: an event's message): seconds,
    warnings, output ports, whether the worker cached it; or the `Failed`'s fields."""
    if isinstance(reply, Failed):
        return {"key": key, "failed": [reply.type_name, reply.message, reply.traceback, reply.exception]}
    if not isinstance(reply, Made):
        return {"key": key, "failed": ["RuntimeError", f"unexpected reply {type(reply).__name__}", "", None]}
    return {"key": key, "seconds": reply.seconds, "warnings": list(reply.warnings), "ports": list(reply.outputs),
            "cached": reply.cached}


class Blob:
    """A serializer's bytes on their way through Dask: pickled out of band (no copy into the
    pickle) when Dask pickles with protocol 5 and a buffer callback, as bytes otherwise. (The
    wire format's bare `PickleBuffer` refuses the protocol Dask uses for a task's result.)"""

    __slots__ = ("data",)

    def __init__(self, data: Any):
        self.data = data

    def __reduce_ex__(self, protocol: int) -> tuple:
        if protocol >= 5:
            return (Blob, (pickle.PickleBuffer(self.data),))
        return (Blob, (bytes(self.data),))


def wrap(values: dict[str, Encoded]) -> dict[str, Encoded]:
    """Encoded values by port, with each serializer's bytes in a `Blob`."""
    return {port: (how, Blob(payload.raw() if isinstance(payload, pickle.PickleBuffer) else payload))
            if how == CODEC else (how, payload) for port, (how, payload) in values.items()}


def unwrap(values: dict[str, Encoded]) -> dict[str, Encoded]:
    """The inverse of `wrap`: what `dataflow_executors.wire.decode` reads."""
    return {port: (how, payload.data) if isinstance(payload, Blob) else (how, payload)
            for port, (how, payload) in values.items()}


def _report(task: NodeTask, done: Done, reply: Any, told: dict[str, Any] | None) -> None:
    """Tell the engine how a task ended: a handle per output (the reply stays on the worker), or
    the failure (the reply released at once). `told`: the task's `summarize` message."""
    if reply.cancelled():
        done(task, None, Cancelled("the run was stopped"))
        return
    if reply.status != "finished":
        try:
            exc = reply.exception()
        except Exception as error:  # noqa: BLE001  (whatever stands for the failure)
            exc = error
        reply.release()
        done(task, None, explain(task, exc))
        return
    if told is None or "failed" in told:
        failed = (told or {}).get("failed")
        reply.release()
        done(task, None, rebuild_exception(Failed(*failed)) if failed else
             RuntimeError(f"node '{task.node_id}' ended on the cluster without saying how"))
        return
    outputs = {port: DaskHandle(reply, port, task.output_codecs.get(port)) for port in told["ports"]}
    done(task, NodeOutcome(outputs, told["seconds"], list(told["warnings"]), handles=True, checked=True,
                           cached=told["cached"]), None)


def explain(task: NodeTask, exc: BaseException) -> BaseException:
    """A cluster-side failure said in the node's terms (a lost worker names the node and worker)."""
    KilledWorker = import_distributed().scheduler.KilledWorker  # noqa: N806

    if isinstance(exc, KilledWorker):
        address = getattr(exc.last_worker, "address", None) or "unknown"
        lost = WorkerLostError(
            f"node '{task.node_id}' lost its worker each time it ran ({exc.allowed_failures + 1} tries; the last "
            f"worker was {address}): the worker process died while running it (killed, out of memory, or a "
            "crash in native code)")
        lost.__cause__ = exc
        return lost
    return exc
