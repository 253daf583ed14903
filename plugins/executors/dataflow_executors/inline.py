"""The sequential executor: every node runs in the engine's own thread, one after another."""

from __future__ import annotations

from concurrent.futures import Future

from dataflow.sdk import Done, Executor, NodeTask, run_task

from .contained import run_contained


class SequentialExecutor(Executor):
    """Runs nodes one at a time in the caller's thread: no pool, no futures in the engine's loop.

    `start` runs each task at once; `submit` exists for callers that want the pool interface
    anyway: it runs the task at once and returns a finished future.
    """

    id = "sequential"
    description = "one node at a time in the engine's thread (simplest to debug)"

    def submit(self, task: NodeTask) -> Future:
        """Run `task` now; the returned future holds its outcome or the exception it raised."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            outcome = run_contained(task)
        except Exception as exc:  # the future carries it, as a pool's would (Ctrl-C still propagates)
            future.set_exception(exc)
        else:
            future.set_result(outcome)
        return future

    def start(self, tasks: list[NodeTask], done: Done) -> list[Future | None]:
        """Run each task now, in order, in this thread."""
        for task in tasks:
            run_task(task, done)
        return [None] * len(tasks)
