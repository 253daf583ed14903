"""Stopping a run: the token the caller holds, and the driver thread that lets a run return at once.

A Python thread cannot be killed and a node may sit in C code for minutes, so a run that can be
cancelled does its work in a *driver* thread while the calling thread waits for the driver or
for the token, whichever comes first (Dask's local scheduler, too, waits on a queue that Ctrl-C
breaks out of, and leaves running tasks behind).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from queue import Empty, SimpleQueue

WAIT_SECONDS = 0.5  # the longest a wait blocks: Ctrl-C is handled between two waits


class CancelToken:
    """Shared between the caller and a run: `cancel()` ends the run within moments. Nodes not
    started are skipped; nodes in flight are abandoned (see `run.py`). Safe to call from any
    thread and from a signal handler."""

    def __init__(self) -> None:
        self.cancelled = False
        self.wakers: list[Callable[[], None]] = []  # wake a caller waiting in `drive_beside`

    def cancel(self) -> None:
        self.cancelled = True
        for wake in list(self.wakers):
            wake()


class Abandoned(BaseException):
    """Raised in a driver thread that finds its run settled by the caller: it must stop at once."""


def drive_beside(drive: Callable[[], None], lock: threading.Lock, token: CancelToken, name: str,
                 abandon: Callable[[], None]) -> None:
    """Call `drive()` in a driver thread that holds `lock` (the caller holds it on entry), and
    return holding `lock` again once `drive` ended or `token` was cancelled, whichever comes
    first. `abandon()` then runs under the lock: from there on the driver, which checks for it
    whenever it takes the lock back, raises `Abandoned` and touches nothing. Re-raises what
    stopped the driver."""
    wake: SimpleQueue = SimpleQueue()
    waker = partial(wake.put, None)
    failures: list[BaseException] = []

    def guarded() -> None:
        try:
            with lock:
                drive()
        except Abandoned:
            pass
        except BaseException as exc:  # the caller re-raises it
            failures.append(exc)
        finally:
            waker()

    token.wakers.append(waker)
    lock.release()
    try:
        threading.Thread(target=guarded, name=name, daemon=True).start()
        while not token.cancelled:
            try:
                wake.get(timeout=WAIT_SECONDS)  # the driver's end or a cancel
                break
            except Empty:
                continue
    finally:
        token.wakers.remove(waker)
        lock.acquire()
        abandon()
    if failures:
        raise failures[0]
