"""Keep a node's `sys.exit()` inside the node."""

from __future__ import annotations

from dataflow.sdk import NodeOutcome, NodeTask, run_task


def run_contained(task: NodeTask) -> NodeOutcome:
    """`task.run()`, with SystemExit (or any other BaseException but Ctrl-C) turned into a
    RuntimeError naming it, as the engine's `run_task` does: for callers of `submit`."""
    ended: list[tuple[NodeOutcome | None, BaseException | None]] = []
    run_task(task, lambda _task, outcome, error: ended.append((outcome, error)))
    outcome, error = ended[0]
    if error is not None:
        raise error
    return outcome
