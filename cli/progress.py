"""The progress lines of `dataflow run`: one per finished node, and what a running node reports."""

from __future__ import annotations

import sys
import time
from typing import Any

from dataflow.kernel import RunEvent

from .terminal import echo, printable


class Progress:
    """Prints one line per finished node on stderr, and what a running node reports
    (`dataflow.sdk.progress`): on a terminal as one line rewritten in place at most
    `TERMINAL_INTERVAL` apart, otherwise as a line at most `LOG_INTERVAL` apart."""

    TERMINAL_INTERVAL, LOG_INTERVAL = 0.25, 2.0

    def __init__(self, quiet: bool, stream: Any = None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = self.TERMINAL_INTERVAL if self.live else self.LOG_INTERVAL
        self.last_report = -float("inf")
        self.transient = False  # a progress line is on the terminal, to be replaced

    def __call__(self, event: RunEvent) -> None:
        if self.quiet or event.node_id is None or event.kind in ("queued", "running"):
            return
        if event.kind == "progress":
            self._report(event)
            return
        self.clear()
        width = len(str(event.total))
        line = f"[{event.done:>{width}}/{event.total}] {event.kind:<8} {event.node_id} ({event.node_type})"
        if event.kind == "computed":
            line += f"  {event.seconds:.3f}s"
            if event.reason:
                line += f"  ({event.reason})"
        elif event.error:
            line += f"  {event.error}"
        echo(line, self.stream)

    def _report(self, event: RunEvent) -> None:
        now = time.monotonic()
        if now - self.last_report < self.interval:
            return
        self.last_report = now
        width = len(str(event.total))
        line = f"[{event.done:>{width}}/{event.total}] running  {event.node_id} ({event.node_type})"
        if event.fraction is not None:
            line += f"  {event.fraction:4.0%}"
        if event.message:
            line += f"  {event.message}"
        if self.live:  # our own control sequences around text made printable
            self.stream.write(f"\r\x1b[K{printable(line)}")
            self.stream.flush()
            self.transient = True
        else:
            echo(line, self.stream)

    def clear(self) -> None:
        """Erase the progress line a running node left on the terminal, if there is one."""
        if self.transient:
            self.stream.write("\r\x1b[K")
            self.transient = False
