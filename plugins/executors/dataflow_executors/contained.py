"""Keep a node's `sys.exit()` inside the node."""

from __future__ import annotations

from dataflow.sdk import Cancelled, NodeOutcome, NodeTask


def run_contained(task: NodeTask) -> NodeOutcome:
    """`task.run()`, with SystemExit (or any other BaseException but Ctrl-C) turned into a
    RuntimeError naming it: the engine fails that node instead of stopping the whole run, as it
    does when a worker process reports the same thing."""
    try:
        return task.run()
    except (Exception, KeyboardInterrupt, Cancelled):  # Cancelled: the run was stopped, the engine knows
        raise
    except BaseException as exc:
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from exc
