"""A small pool of worker processes in which a crash costs one job, not the pool.

Why not `concurrent.futures.ProcessPoolExecutor`: when one of its workers dies it declares the
whole pool broken, kills every other worker and fails every job running or queued with
`BrokenProcessPool`. A node that segfaults would then fail its independent siblings too, while
DataFlow promises that one failing node leaves independent branches alone.

State, all owned by one manager thread (`_manage`), so no lock guards the workers:

- `_queue`: jobs submitted and not yet handed to a worker (the only state shared with callers,
  under `_lock`; `submit` appends and pokes the manager through a wake-up pipe);
- `_workers`: live worker processes, each with its end of a duplex pipe and the job it runs (or
  None when idle). Workers start lazily, one per queued job that finds no idle worker, up to
  `max_workers`, and live until `shutdown`.

The manager loop hands queued jobs to idle workers, then waits on the wake-up pipe, every
worker's pipe (a reply) and every worker's sentinel (an exit). A reply resolves the job's future
through the job's `on_reply`; an exit without a reply fails the job that worker held with
`WorkerDiedError` and drops the worker, so the next job starts a fresh one. A `Progress` message
is a running node's report: it goes to the job's `on_progress` and the job stays. `cancel`
(a stopped run) drops queued jobs and has the manager kill the workers that run the others:
their exit is handled as any death, and the next job starts a fresh worker. `shutdown` lets
queued and running jobs finish (or, with `cancel=True`, fails the queued ones and kills the
running ones), then stops every worker.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import multiprocessing.util  # noqa: F401  its atexit hook must run after ours (atexit is LIFO)
import os
import signal
import threading
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import Any

from .wire import Progress, pack, receive_frames, send_frames, unpack
from .worker import serve

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 5.0


class WorkerDiedError(RuntimeError):
    """A worker process exited (os._exit, a segfault, killed) while running a node."""


@dataclass(slots=True, eq=False)
class _Job:
    label: str
    frames: list[bytes | memoryview]
    on_reply: Callable[[Any], Any]
    future: Future
    on_progress: Callable[[float | None, str], None] | None = None


@dataclass(slots=True, eq=False)
class _Worker:
    process: Any
    pid: int
    conn: Connection
    job: _Job | None = None


def describe_exit(exitcode: int | None) -> str:
    """'exit code 3', 'killed by signal SIGSEGV' or 'exit status unknown'."""
    if exitcode is None:
        return "exit status unknown"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerPool:
    """Runs jobs in up to `max_workers` processes made by `context`; see the module docstring."""

    def __init__(self, max_workers: int, context: BaseContext, name: str = "dataflow-worker"):
        self.max_workers = max_workers
        self._context = context
        self._name = name
        self._numbers = itertools.count(1)
        # reentrant: a garbage-collected executor's finalizer may call shutdown() in any thread,
        # including this pool's manager while it holds the lock
        self._lock = threading.RLock()
        self._queue: deque[_Job] = deque()
        self._workers: list[_Worker] = []
        self._closing = False
        self._cancel = False
        self._doomed: set[Future] = set()  # futures of jobs to stop: their workers are killed
        self._poked = False
        self._wake_reader, self._wake_writer = context.Pipe(duplex=False)
        self._thread = threading.Thread(target=self._manage, name=f"{name}-manager", daemon=True)
        self._thread.start()
        _live_pools.add(self)

    # --- callers' side ----------------------------------------------------------------

    def submit(self, label: str, frames: list[bytes | memoryview], on_reply: Callable[[Any], Any],
               on_progress: Callable[[float | None, str], None] | None = None) -> Future:
        """Queue a job (its request frames); the future gets `on_reply(reply message)` or its exception.
        `on_progress(fraction, message)` receives the job's `Progress` reports, in the manager thread."""
        job = _Job(label, frames, on_reply, Future(), on_progress)
        with self._lock:
            if self._closing:
                raise RuntimeError("the worker pool is shut down")
            self._queue.append(job)
        self._wake()
        return job.future

    def shutdown(self, *, wait: bool = True, cancel: bool = False) -> None:
        """Stop accepting jobs, then stop the workers once the jobs are done (`cancel`: fail queued
        jobs and kill running workers instead of waiting)."""
        with self._lock:
            self._closing = True
            self._cancel = self._cancel or cancel
        self._wake()
        if wait and self._thread is not threading.current_thread():
            self._thread.join()

    def cancel(self, futures: list[Future]) -> None:
        """Stop these jobs: a queued one is dropped, the worker running one is killed (the next job
        starts a fresh worker). Returns at once; the manager does the killing."""
        wanted = set(futures)
        with self._lock:
            self._queue = deque(job for job in self._queue if job.future not in wanted or not job.future.cancel())
            self._doomed.update(wanted)
        self._wake()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        return [w.pid for w in list(self._workers)]

    @property
    def closed(self) -> bool:
        """True once the pool stopped accepting jobs (shut down, or its manager failed)."""
        return self._closing

    def _wake(self) -> None:
        """Poke the manager out of its wait (one pending poke is enough)."""
        with self._lock:
            if self._poked:
                return
            self._poked = True
            with contextlib.suppress(OSError):  # OSError: the manager finished and closed the pipe
                self._wake_writer.send_bytes(b"")

    # --- manager thread ---------------------------------------------------------------

    def _manage(self) -> None:
        try:
            while True:
                self._kill_doomed()
                self._dispatch()
                with self._lock:
                    if self._cancel:
                        break
                    if self._closing and not self._queue and all(w.job is None for w in self._workers):
                        break
                self._wait_and_handle()
        except Exception:  # a bug here must not leave callers waiting forever
            log.exception("the worker pool manager failed; failing its jobs")
        finally:
            self._stop_all()

    def _wait_and_handle(self) -> None:
        owners: dict[Any, _Worker | None] = {self._wake_reader: None}
        for worker in self._workers:
            owners[worker.conn] = worker
            owners[worker.process.sentinel] = worker
        for ready in wait(list(owners)):
            worker = owners[ready]
            if worker is None:
                with self._lock:
                    self._poked = False
                    while self._wake_reader.poll():
                        self._wake_reader.recv_bytes()
            elif worker in self._workers:
                if ready is worker.conn or worker.conn.poll():
                    self._receive(worker)
                else:
                    self._bury(worker)

    def _kill_doomed(self) -> None:
        """Kill the workers whose jobs were cancelled; their exit is handled as a death (`_bury`)."""
        with self._lock:
            if not self._doomed:
                return
            doomed, self._doomed = self._doomed, set()
        for worker in self._workers:
            if worker.job is not None and worker.job.future in doomed:
                worker.process.kill()

    def _dispatch(self) -> None:
        """Hand queued jobs to idle workers, starting workers while below `max_workers`."""
        while True:
            with self._lock:
                if not self._queue or self._cancel:
                    return
                worker = next((w for w in self._workers if w.job is None), None)
                if worker is None and len(self._workers) >= self.max_workers:
                    return
                job = self._queue.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue
            if worker is not None and worker.process.exitcode is not None:
                self._bury(worker)  # died while idle: not this job's fault
                worker = None
            if worker is None:
                try:
                    worker = self._start_worker()
                except Exception as exc:
                    job.future.set_exception(RuntimeError(f"could not start a worker process: {exc}"))
                    continue
            worker.job = job
            frames, job.frames = job.frames, []
            try:
                send_frames(worker.conn, frames)
            except OSError:
                self._bury(worker)
            finally:
                # Sent: drop the frames now, by reference count. Kept on the job, they would sit in
                # the reference cycle a failing node's exception makes (future -> exception ->
                # traceback -> frame -> job -> future); the garbage collector clears a cycle in
                # any order, and memoryviews over Arrow buffers cleared before their exporters
                # crashed the process ("memoryview has 1 exported buffer", SIGSEGV).
                del frames

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        # the environment as it is now, as a spawned process would get it (a forkserver's is older)
        process = self._context.Process(target=serve, args=(child_end, dict(os.environ)),
                                        name=f"{self._name}-{next(self._numbers)}")
        try:
            process.start()
        finally:
            child_end.close()
        worker = _Worker(process, process.pid, parent_end)
        self._workers.append(worker)
        return worker

    def _receive(self, worker: _Worker) -> None:
        try:
            frames = receive_frames(worker.conn)
        except (EOFError, OSError):
            self._bury(worker)
            return
        try:
            message = unpack(frames)
        except Exception as exc:
            message = exc
        if isinstance(message, Progress):
            job = worker.job
            if job is not None and job.on_progress is not None:
                try:
                    job.on_progress(message.fraction, message.message)
                except BaseException as exc:  # a listener's problem (or a stopped run) never stops the pool
                    log.debug("progress of node '%s' not delivered: %r", job.label, exc)
            return
        job, worker.job = worker.job, None
        if job is None:
            log.warning("worker %s sent a reply nobody asked for; ignored", worker.pid)
            return
        try:
            if isinstance(message, Exception):
                raise message
            job.future.set_result(job.on_reply(message))
        except Exception as exc:
            job.future.set_exception(exc)

    def _bury(self, worker: _Worker) -> None:
        """Drop a dead worker; fail the job it was running."""
        self._workers.remove(worker)
        worker.conn.close()
        worker.process.join(STOP_GRACE_SECONDS)
        if worker.process.exitcode is None:  # its pipe broke but it lives on: do not leave it behind
            worker.process.kill()
            worker.process.join()
        job, worker.job = worker.job, None
        if job is not None:
            job.future.set_exception(WorkerDiedError(
                f"worker process died while running node '{job.label}' ({describe_exit(worker.process.exitcode)})"))
        worker.process.close()

    def _stop_all(self) -> None:
        """Fail what is queued, stop every worker (a running one is killed), close the pipes."""
        with self._lock:
            self._closing = True
            queued, self._queue = list(self._queue), deque()
        for job in queued:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(RuntimeError(f"node '{job.label}' was not run: the worker pool stopped"))
        for worker in self._workers:
            if worker.job is None:
                with contextlib.suppress(OSError):
                    send_frames(worker.conn, pack(None))
            else:
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(STOP_GRACE_SECONDS)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
            job, worker.job = worker.job, None
            if job is not None and not job.future.done():
                job.future.set_exception(RuntimeError(f"node '{job.label}' was stopped: the worker pool shut down"))
            worker.process.close()
        self._workers.clear()
        with self._lock:
            self._wake_reader.close()
            self._wake_writer.close()
        _live_pools.discard(self)


_live_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _stop_live_pools() -> None:
    """At interpreter exit, stop workers that were never shut down (their pipes would otherwise keep
    them alive while multiprocessing's own exit hook waits for them)."""
    for pool in list(_live_pools):
        pool.shutdown(wait=True, cancel=True)
