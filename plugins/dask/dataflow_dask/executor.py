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
`run_on_worker` decodes, calls the node, encodes the outputs the same way and returns a `Done`,
or a `Failed` carrying the node's exception and traceback text. A future's end is reported from
Dask's callback thread: the reply is fetched, decoded and told to the engine's `done`.

**Faults.** A node that raises fails that node with its original exception, the worker's
traceback chained as its cause (`RemoteTraceback`). A worker that dies mid-task is Dask's to
handle: its nanny restarts it and the scheduler runs the task again, up to
`distributed.scheduler.allowed-failures` times (3 by default); when they run out the node fails
with `WorkerLostError`, naming the node, the last worker and the count. `cancel` (a stopped run)
cancels the run's futures on the cluster: queued tasks never start; a running one finishes on
its worker thread (Dask cannot interrupt a thread) and its result is dropped.

**What is not done yet.** Every output comes back to this process, because the engine checks,
caches and hands on values it holds. Keeping tables on the workers needs an engine that accepts
a handle as an output; see docs/dask.md. A node's progress reports are not forwarded from the
workers (it shows running, then its end).
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from dataflow_executors.processes import job_for as process_job_for
from dataflow_executors.processes import outcome_from
from dataflow_executors.wire import CODEC, Encoded, Job
from dataflow_executors.wire import Done as Reply

from dataflow.sdk import Cancelled, Done, Executor, NodeTask

from .metadata import import_distributed, restore_stdlib_finder
from .versions import check_workers

log = logging.getLogger(__name__)

#: the environment variable naming an existing scheduler (`tcp://HOST:PORT`)
SCHEDULER_ENV = "DATAFLOW_DASK_SCHEDULER"
#: how long to wait for a scheduler to answer, or a local cluster to start
CONNECT_SECONDS = 30


class WorkerLostError(RuntimeError):
    """The workers running a node died each time it was tried (killed, out of memory, a crash)."""


class DaskExecutor(Executor):
    """Runs nodes as tasks on a Dask cluster; see the module docstring."""

    id = "dask"
    description = ("nodes as tasks on a Dask cluster: a local one on 127.0.0.1, or the scheduler "
                   f"named by --scheduler / {SCHEDULER_ENV}")

    def __init__(self, max_workers: int | None = None, *, scheduler: str | None = None,
                 announce: Callable[[str], None] | None = None, cluster_options: dict[str, Any] | None = None):
        """`scheduler`: an existing cluster's address (default: `DATAFLOW_DASK_SCHEDULER`, else a
        local cluster of `max_workers` processes). `announce(text)` is told where the cluster is
        and its dashboard when it starts (default: logged at INFO). `cluster_options` go to
        `LocalCluster` on top of ours."""
        super().__init__(max_workers)
        self.scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
        self.announce = announce
        self.cluster_options = dict(cluster_options or {})
        #: tasks sent to the cluster since this executor was made (diagnostics and tests)
        self.submitted = 0
        #: serializer bytes of the outputs pulled back to this process (diagnostics and benchmarks)
        self.bytes_pulled = 0
        self._client: Any = None
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
                job = job_for(task)
                future = client.submit(run_on_worker, job, key=task_key(task), pure=False)
            except Exception as exc:
                done(task, None, exc)
                handles.append(None)
                continue
            self.submitted += 1
            future.add_done_callback(partial(_report, task, done, self._count_pulled))
            handles.append(future)
        return handles

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

    def _count_pulled(self, size: int) -> None:
        self.bytes_pulled += size  # Dask runs every done-callback in one thread: no race

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
    return LocalCluster(**settings)


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


def job_for(task: NodeTask) -> Job:
    """The process executor's job for a worker (`dataflow_executors.processes.job_for`), with
    each serializer's bytes in a `Blob` and no progress reports (not forwarded from Dask yet)."""
    job = process_job_for(task)
    job.inputs = wrap(job.inputs)
    job.report_progress = False
    return job


def run_on_worker(job: Job) -> Any:
    """On a worker: call the node; a `Done` with encoded outputs, or a `Failed`. Never raises, so
    even `sys.exit()` in a node fails that node, not the worker's thread."""
    from dataflow_executors.worker import failure, run_job

    restore_stdlib_finder()  # before a node loads the installed plugins (see metadata.py)
    job.inputs = unwrap(job.inputs)
    try:
        reply = run_job(job)
    except BaseException as exc:
        return failure(exc)
    reply.outputs = wrap(reply.outputs)
    return reply


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


def _report(task: NodeTask, done: Done, pulled: Callable[[int], None], future: Any) -> None:
    """A task's end (in Dask's callback thread): fetch the reply, decode it, tell the engine."""
    try:
        if future.cancelled():
            done(task, None, Cancelled("the run was stopped"))
            return
        try:
            reply = future.result()
        except Exception as exc:
            done(task, None, explain(task, exc))
            return
        if isinstance(reply, Reply):
            reply.outputs = unwrap(reply.outputs)
            pulled(sum(memoryview(payload).nbytes for how, payload in reply.outputs.values() if how == CODEC))
        try:
            outcome = outcome_from(task, reply)
        except Exception as exc:
            done(task, None, exc)
        else:
            done(task, outcome, None)
    finally:
        future.release()  # the cluster frees the reply now, not when the future is collected


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
