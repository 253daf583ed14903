"""The process executor: nodes run in worker processes, values cross as their serializers' bytes.

**Start method.** Workers start with "forkserver" where the platform has it (Linux, macOS) and
"spawn" elsewhere (Windows), never with "fork". The engine is multi-threaded when a pool runs
(the engine's thread, the pool's manager thread, the cache's background writer, Streamlit's
server threads, Arrow's and OpenMP's own thread pools). `fork` copies the parent's memory with
every lock some other thread held at that instant still locked and no thread left to release
it, so a child can hang forever on a logging, allocator or Arrow lock; CPython 3.12 warns about
it and 3.14 made forkserver the POSIX default. A forkserver is a small single-threaded process,
started once with a clean interpreter, that forks each worker on request: as safe as spawn, and
cheaper per worker. A worker gets `sys.path`, the working directory and the environment
variables of the engine's process as they are when the worker starts, as a spawned one would
(the forkserver's own environment dates from its start, so the pool passes the current one).

**A call.** `submit` names the node's function by module and qualified name (the spec is never
pickled), encodes each input with its port's codec (`wire.py`), and hands the job to the pool
(`pool.py`). The worker imports the function, gets its spec with `spec_of`, calls the node and
sends back encoded outputs, seconds and warnings, or the exception: pickled when it survives a
round trip (a `NodeError` stays a `NodeError`), otherwise a RuntimeError carrying its type name
and message; either way with the worker's traceback chained as the cause. A worker that dies
fails only the node it was running, with "worker process died while running node X".
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import threading
import weakref
from collections.abc import Iterable
from concurrent.futures import Future
from functools import partial
from typing import Any, ClassVar

from dataflow.sdk import Executor, NodeOutcome, NodeSpec, NodeTask

from .pool import WorkerDiedError, WorkerPool
from .wire import Done, Failed, Job, decode, encode, pack

__all__ = ["ProcessExecutor", "RemoteTraceback", "WorkerDiedError", "default_start_method"]


def default_start_method() -> str:
    """'forkserver' where available, else 'spawn' (see the module docstring for why not 'fork')."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class RemoteTraceback(Exception):
    """The traceback text of an exception raised in a worker, chained as its `__cause__`."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


class ProcessExecutor(Executor):
    """Runs nodes in up to `max_workers` worker processes, started on first use and kept until
    `shutdown`. Best for pure-Python nodes that hold the GIL; tables pay an Arrow round trip."""

    id = "processes"
    description = "nodes in worker processes (values cross as Arrow/serializer bytes)"
    start_method: ClassVar[str] = default_start_method()

    def __init__(self, max_workers: int | None = None):
        super().__init__(max_workers)
        self._pool: WorkerPool | None = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.Lock()

    def submit(self, task: NodeTask) -> Future:
        """Send `task` to a worker; the future resolves to its `NodeOutcome` or its exception.
        A task that cannot be sent (an unencodable input) comes back as a failed future."""
        try:
            frames = request_for(task)
        except Exception as exc:
            future: Future = Future()
            future.set_exception(exc)
            return future
        return self._ensure_pool().submit(task.node_id, frames, partial(outcome_from, task), task.progress)

    def cancel(self, futures: Iterable[Future]) -> None:
        """Kill the workers running these nodes (queued ones are dropped); the pool starts fresh
        workers for the next nodes."""
        pool = self._pool
        if pool is not None:
            pool.cancel(list(futures))

    def shutdown(self, *, wait: bool | None = None) -> None:
        """Let running nodes finish, then stop the workers (a later `submit` starts new ones).

        `wait=False` aborts instead: queued nodes fail and running workers are killed. The default
        aborts when called while a KeyboardInterrupt is being handled, which is how the engine is
        closed after a second Ctrl-C (`with engine:`): the user asked to stop, not to wait for the
        nodes that are still running, and unlike threads, processes can be stopped.
        """
        if wait is None:
            wait = not isinstance(sys.exc_info()[1], KeyboardInterrupt)
        with self._lock:
            pool, self._pool = self._pool, None
            finalizer, self._finalizer = self._finalizer, None
        if pool is not None:
            pool.shutdown(wait=True, cancel=not wait)
        if finalizer is not None:
            finalizer.detach()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        return self._pool.worker_pids if self._pool is not None else []

    def _ensure_pool(self) -> WorkerPool:
        with self._lock:
            if self._pool is None or self._pool.closed:
                if self._finalizer is not None:
                    self._finalizer.detach()
                context = multiprocessing.get_context(self.start_method)
                self._pool = WorkerPool(self.max_workers, context)
                # an executor dropped without shutdown() still releases its workers
                self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False)
            return self._pool


# --- the engine's side of a call --------------------------------------------------------

def function_reference(spec: NodeSpec) -> tuple[str, str]:
    """(module, qualified name) by which a worker imports the node's function; ValueError when
    the name does not lead back to the function (defined inside another function, replaced)."""
    fn = spec.fn
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    obj: Any = sys.modules.get(module) if module else None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if obj is not fn or not module:
        raise ValueError(f"node '{spec.name}' cannot run in a worker process: its function "
                         f"{module}.{qualname} cannot be imported by that name (is it defined inside "
                         "another function?); run it with the 'threads' executor")
    return module, qualname


def job_for(task: NodeTask) -> Job:
    """The worker's job for `task`: the function by reference, inputs encoded by their ports'
    codecs. Raises, naming the node and port, when an input cannot be encoded."""
    module, qualname = function_reference(task.spec)
    inputs = {}
    for port, value in task.inputs.items():
        codec = task.input_codecs.get(port)
        try:
            inputs[port] = encode(value, codec)
        except Exception as exc:
            raise RuntimeError(f"input '{port}' of node '{task.node_id}' could not be encoded by "
                               f"serializer '{getattr(codec, 'id', codec)}': {exc}") from exc
    return Job(task.node_id, module, qualname, inputs, task.params,
               dict(task.input_codecs), dict(task.output_codecs), task.progress is not None)


def request_for(task: NodeTask) -> list[bytes | memoryview]:
    """The frames of the message for a worker (`job_for`, pickled). Raises, naming the node and
    port, when something cannot be sent."""
    job = job_for(task)
    try:
        return pack(job)
    except Exception as exc:
        raise RuntimeError(f"node '{task.node_id}' cannot be sent to a worker process (an input without "
                           f"serializer, a parameter or a serializer does not pickle): "
                           f"{type(exc).__name__}: {exc}") from exc


def outcome_from(task: NodeTask, reply: Any) -> NodeOutcome:
    """Turn a worker's reply into the task's `NodeOutcome`, or raise the node's exception."""
    if isinstance(reply, Failed):
        raise rebuild_exception(reply)
    if not isinstance(reply, Done):
        raise RuntimeError(f"a worker sent an unexpected reply for node '{task.node_id}': {type(reply).__name__}")
    outputs = {}
    for port, item in reply.outputs.items():
        try:
            outputs[port] = decode(item, task.output_codecs.get(port))
        except Exception as exc:
            raise RuntimeError(f"output '{port}' of node '{task.node_id}' could not be decoded: "
                               f"{type(exc).__name__}: {exc}") from exc
    return NodeOutcome(outputs, reply.seconds, reply.warnings)


def rebuild_exception(failed: Failed) -> Exception:
    """The worker's exception as the engine should see it, with the worker's traceback as cause."""
    exc: Any = None
    if failed.exception is not None:
        try:
            exc = pickle.loads(failed.exception)  # our own worker's bytes, never a file's
        except Exception:
            exc = None
    if not isinstance(exc, Exception):  # unpicklable, or SystemExit & co., which must not stop the engine
        exc = RuntimeError(f"{failed.type_name}: {failed.message}")
    exc.__cause__ = RemoteTraceback(failed.traceback)
    return exc
