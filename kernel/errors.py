"""The kernel's exceptions: one root, a few meaningful subclasses.

Every message says what happened, where (node, parameter, file, line) and what to do next.
Validation collects every problem before raising, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


class DataflowError(Exception):
    """Root of every error the kernel raises on purpose."""


class PluginLoadError(DataflowError):
    """A plugin could not be imported or could not register its contributions."""


class NodeDefinitionError(DataflowError):
    """A node declaration is invalid; raised at import time, naming the node and the fix."""


class CacheError(DataflowError):
    """A cache entry could not be read or written; the engine treats it as a miss."""


class Cancelled(BaseException):  # noqa: N818  (named for what happened, as asyncio.CancelledError)
    """The run was stopped: raised inside a node by `dataflow.sdk.progress` once the user pressed
    Stop (or Ctrl-C), so a long node ends at its next report instead of running on abandoned.

    A BaseException on purpose, as `asyncio.CancelledError` and `KeyboardInterrupt` are: the
    `except Exception:` that a node (or a library it calls) wraps around a step must not swallow
    it. A node that must clean up uses `try/finally`. The engine reports the node as skipped,
    caches nothing for it, and the next run computes it again."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a workflow, tied to where it is."""

    code: str
    message: str
    node: str | None = None
    edge: int | None = None
    param: str | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "node": self.node,
                "edge": self.edge, "param": self.param}

    def __str__(self) -> str:
        return self.message


class WorkflowError(DataflowError):
    """A workflow file is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{where}{count} problem{'s' if count != 1 else ''} found:\n{lines}")


class NodeError(DataflowError):
    """Raised by a node for a user mistake (bad column, empty file): shown without a traceback.

        raise NodeError("column 'price' does not exist", param="column")
    """

    def __init__(self, message: str, *, param: str | None = None):
        self.param = param
        super().__init__(f"parameter '{param}': {message}" if param else message)


class OutputTypeError(DataflowError, TypeError):
    """A node returned a value that is not of its output port's type (its serializer's `check` said so)."""


class NodeExecutionError(DataflowError):
    """A node raised while running; names the node and keeps the traceback for the curious."""

    def __init__(self, node_id: str, node_type: str, message: str, traceback: str = ""):
        self.node_id = node_id
        self.node_type = node_type
        self.traceback = traceback
        super().__init__(f"node '{node_id}' ({node_type}) failed: {message}")


def did_you_mean(word: str, options) -> str:
    """A ' (did you mean `x`?)' suffix when a close option exists, else ''.

    A case slip ("PRICE" for "price") is the likeliest mistake, so it wins over spelling neighbours."""
    import difflib

    options = [str(o) for o in options]
    close = [o for o in options if o.lower() == str(word).lower()]
    if not close:
        close = difflib.get_close_matches(str(word), options, n=1)
    if not close:
        lowered = {o.lower(): o for o in options}
        close = difflib.get_close_matches(str(word).lower(), list(lowered), n=1)
        close = [lowered[close[0]]] if close else []
    return f" (did you mean `{close[0]}`?)" if close else ""
