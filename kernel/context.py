"""What a running node can tell the engine besides its outputs: warnings and progress.

`dataflow.sdk.warn("3 rows had no date")` inside a node attaches a warning to that node; the
CLI prints it, the app shows it on the node, and it is kept with the cache entry so a cache hit
still shows it.

`dataflow.sdk.progress(0.3, "fit 3 of 10")` tells how far the node is: the engine turns it into a
`progress` run event (the CLI's progress line, the app's run panel). It is also where a long node
notices that the run was stopped: once it is, `progress` raises `Cancelled`, so the node ends at
its next report. Reports are throttled here (`REPORT_INTERVAL`), so a node may call it per row.
Outside a run that listens (a unit test calling the node, a run nobody watches) it does nothing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .errors import Cancelled

if TYPE_CHECKING:
    from .steps import StepCache

log = logging.getLogger(__name__)
#: (warnings list, step cache or None, progress reporter or None, registry or None) of the node
#: running in this context (set by `executor.call_node`)
NODE_CONTEXT: ContextVar[tuple[list[str], Any, Any, Any] | None] = ContextVar("dataflow_node_context", default=None)
#: at most this many seconds between two reports that reach the engine (the last one always does)
REPORT_INTERVAL = 0.1
MAX_MESSAGE = 120


def warn(message: str) -> None:
    """Attach a warning to the node that is running (logged when called outside a node)."""
    current = NODE_CONTEXT.get()
    if current is None:
        log.warning("%s", message)
    else:
        current[0].append(str(message))


def progress(fraction: float | None = None, message: str = "") -> None:
    """Report how far the running node is: `fraction` from 0 to 1 (None when unknown) and a short
    `message` ("fit 3 of 10"). Raises `Cancelled` when the run was stopped; does nothing outside a
    run that listens.

        for i, fold in enumerate(folds):
            progress(i / len(folds), f"fold {i + 1} of {len(folds)}")
            fit(fold)
    """
    current = NODE_CONTEXT.get()
    if current is not None and current[2] is not None:
        current[2](fraction, message)


def current_steps() -> StepCache | None:
    """The step cache of the node running in this context (None outside a node or without a cache)."""
    current = NODE_CONTEXT.get()
    return None if current is None else current[1]


#: the plugins a node reaches outside a run (`dataflow.sdk.testing.using_plugins`); None: installed
PLUGINS: ContextVar[Any] = ContextVar("dataflow_plugins", default=None)


def current_registry() -> Any:
    """The registry of the run the calling node belongs to; outside a run the one `PLUGINS` holds
    (None: the caller falls back to the installed plugins)."""
    current = NODE_CONTEXT.get()
    if current is not None and current[3] is not None:
        return current[3]
    return PLUGINS.get()


def current_cancelled() -> bool:
    """True when the run of the node running in this context was stopped (its work is abandoned)."""
    current = NODE_CONTEXT.get()
    reporter = None if current is None else current[2]
    return reporter is not None and reporter.cancelled()


class Reporter:
    """One node call's `progress`: checks the run's stop flag, cleans the report, throttles it and
    hands `(fraction, message)` to `send`. `cancelled` is a callable (the engine's token) or None
    (a worker process, which is killed instead of asked)."""

    __slots__ = ("_send", "cancelled", "_last", "_interval")

    def __init__(self, send: Callable[[float | None, str], None], cancelled: Callable[[], bool] | None = None,
                 interval: float = REPORT_INTERVAL):
        self._send = send
        self.cancelled = cancelled or _never
        self._last = -math.inf
        self._interval = interval

    def __call__(self, fraction: float | None = None, message: str = "") -> None:
        if self.cancelled():
            raise Cancelled("the run was stopped")
        value = clean_fraction(fraction)
        now = time.monotonic()
        if now - self._last < self._interval and value != 1.0:
            return
        self._last = now
        self._send(value, str(message)[:MAX_MESSAGE])


def clean_fraction(fraction: Any) -> float | None:
    """`fraction` as a float within [0, 1], or None (unknown, not a number)."""
    if fraction is None or isinstance(fraction, bool):
        return None
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        return None
    if math.isnan(value):
        return None
    return min(1.0, max(0.0, value))


def _never() -> bool:
    return False
