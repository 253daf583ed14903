"""What a running node can tell the engine besides its outputs: warnings.

`dataflow.sdk.warn("3 rows had no date")` inside a node attaches a warning to that node; the
CLI prints it, the app shows it on the node, and it is kept with the cache entry so a cache hit
still shows it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .steps import StepCache

log = logging.getLogger(__name__)
#: (warnings list, step cache or None) of the node running in this context: one variable, so a
#: node call costs one `set` and one `reset` (the executor calls them directly, see call_node)
NODE_CONTEXT: ContextVar[tuple[list[str], Any] | None] = ContextVar("dataflow_node_context", default=None)


def warn(message: str) -> None:
    """Attach a warning to the node that is running (logged when called outside a node)."""
    current = NODE_CONTEXT.get()
    if current is None:
        log.warning("%s", message)
    else:
        current[0].append(str(message))


def current_steps() -> StepCache | None:
    """The step cache of the node running in this context (None outside a node or without a cache)."""
    current = NODE_CONTEXT.get()
    return None if current is None else current[1]
