"""What a running node can tell the engine besides its outputs: warnings.

`dataflow.sdk.warn("3 rows had no date")` inside a node attaches a warning to that node; the
CLI prints it, the app shows it on the node, and it is kept with the cache entry so a cache hit
still shows it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

log = logging.getLogger(__name__)
_current: ContextVar[list[str] | None] = ContextVar("dataflow_node_warnings", default=None)


def warn(message: str) -> None:
    """Attach a warning to the node that is running (logged when called outside a node)."""
    collected = _current.get()
    if collected is None:
        log.warning("%s", message)
    else:
        collected.append(str(message))


def collecting(target: list[str]):
    """Start collecting warnings into `target`; returns the token for `stop_collecting`."""
    return _current.set(target)


def stop_collecting(token) -> None:
    _current.reset(token)
