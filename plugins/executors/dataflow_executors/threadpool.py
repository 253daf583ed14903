"""A thread pool whose running tasks can be abandoned, for the `threads` executor.

Why not `concurrent.futures.ThreadPoolExecutor`: a stopped run abandons a node that is still
computing (a thread cannot be killed), and that pool would hold on to it twice. Its threads are
joined at interpreter exit, so `dataflow run` stopped with Ctrl-C would hang until the abandoned
node returned (a minute, an hour); and the abandoned thread keeps its slot, so the next run in
the app would get one worker fewer.

Here the threads are daemons (the interpreter exits without waiting for them), and `abandon`
retires the thread that runs an abandoned task: it leaves the pool's count at once, so the next
task starts a replacement, and it ends after its task returns. Threads start lazily, one per
task that finds no idle thread, up to `max_workers` live (not retired) ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Any

_STOP = None


class AbandonablePool:
    """Runs callables in up to `max_workers` daemon threads; see the module docstring."""

    def __init__(self, max_workers: int, name: str = "dataflow-node"):
        self.max_workers = max_workers
        self._name = name
        self._queue: SimpleQueue = SimpleQueue()
        self._lock = threading.Lock()
        self._live: set[threading.Thread] = set()     # threads that take tasks
        self._idle = 0
        self._running: dict[Future, threading.Thread] = {}
        self._numbers = iter(range(1, 1 << 62))
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Queue `fn(*args)`; the future gets its result or its exception."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the thread pool is shut down")
            self._queue.put((future, fn, args))
            if self._idle > 0:
                self._idle -= 1
            elif len(self._live) < self.max_workers:
                thread = threading.Thread(target=self._work, name=f"{self._name}_{next(self._numbers)}", daemon=True)
                self._live.add(thread)
                thread.start()
        return future

    def idle(self) -> bool:
        """True when no task runs or waits (abandoned ones do not count)."""
        with self._lock:
            return not self._running and self._queue.empty()

    def abandon(self, futures: Iterable[Future]) -> None:
        """Cancel the tasks that have not started; retire the threads that run the others, so
        their slots are free at once (each ends when its task returns, its outcome unread)."""
        with self._lock:
            for future in futures:
                if future.cancel():
                    continue
                thread = self._running.pop(future, None)
                if thread is not None:
                    self._live.discard(thread)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the threads once the queued tasks ran; `wait`: join the live ones (never an
        abandoned one)."""
        with self._lock:
            self._closed = True
            live = list(self._live)
        for _ in live:
            self._queue.put(_STOP)
        if wait:
            current = threading.current_thread()
            for thread in live:
                if thread is not current:
                    thread.join()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            item = self._queue.get()
            if item is _STOP:
                with self._lock:
                    self._live.discard(me)
                return
            future, fn, args = item
            with self._lock:
                if not future.set_running_or_notify_cancel():
                    self._idle += 1
                    continue
                self._running[future] = me
            try:
                result = fn(*args)
            except BaseException as exc:
                self._finish(future, exc, None)
            else:
                self._finish(future, None, result)
            del item, future, fn, args
            with self._lock:
                if me not in self._live:  # retired: a replacement has its slot
                    return
                self._idle += 1

    def _finish(self, future: Future, exc: BaseException | None, result: Any) -> None:
        with self._lock:
            self._running.pop(future, None)
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
