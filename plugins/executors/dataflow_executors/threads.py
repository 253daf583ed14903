"""The thread executor: nodes run in a thread pool, so independent branches overlap."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future

from dataflow.sdk import Done, Executor, NodeTask, run_task

from .contained import run_contained
from .threadpool import AbandonablePool


class ThreadExecutor(Executor):
    """Runs nodes in a pool of `max_workers` daemon threads, created on first use.

    Threads share memory, so inputs reach a node without any copy or encoding; pandas, NumPy,
    Arrow and scikit-learn release the GIL in their heavy loops, which is where the overlap comes
    from. Pure-Python nodes that hold the GIL gain more from the `processes` executor. A node
    abandoned by a stopped run keeps its thread until it returns, but not its slot in the pool
    (see `threadpool.py`).
    """

    id = "threads"
    description = "independent branches side by side in a thread pool"

    def __init__(self, max_workers: int | None = None):
        super().__init__(max_workers)
        self._pool: AbandonablePool | None = None
        self._lock = threading.Lock()

    def submit(self, task: NodeTask) -> Future:
        """Queue `task` on the pool (started on first call); returns the future of its outcome."""
        return self._ensure_pool().submit(run_contained, task)

    def start(self, tasks: list[NodeTask], done: Done) -> list[Future | None]:
        """Queue `tasks` on the pool; a lone task while no other runs (a chain) runs in the calling
        thread instead, since nothing could overlap it and a hand-off would only add latency."""
        pool = self._ensure_pool()
        if len(tasks) == 1 and pool.idle():
            run_task(tasks[0], done)
            return [None]
        return [pool.submit(run_task, task, done) for task in tasks]

    def _ensure_pool(self) -> AbandonablePool:
        with self._lock:
            if self._pool is None:
                self._pool = AbandonablePool(self.max_workers, "dataflow-node")
            return self._pool

    def cancel(self, futures: Iterable[Future]) -> None:
        """Drop the queued ones; leave the running ones behind, their threads retired."""
        pool = self._pool
        if pool is not None:
            pool.abandon(futures)

    def shutdown(self) -> None:
        """Wait for running nodes (not abandoned ones), then release the threads (a later
        `submit` starts a new pool)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
