"""Runs in a background thread, so the page stays responsive and Stop works.

A `RunJob` wraps one `Engine.run`: the engine calls the job's listener from the run's thread,
the job records each node's live state under a lock, and the page polls `snapshot()` from a
fragment that reruns every fraction of a second until the job is done.

Stop cancels the run's token; the engine ends the run within moments even while a node is
computing (it abandons that node, see dataflow.kernel.run), so `finished` turns true soon
after. Until then the snapshot says `stopping`, and the clock keeps running: both stay truthful
until the run has really ended. Nodes' `progress` reports are kept per running node.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .kernel_api import CancelToken, Engine, Graph, RunEvent, RunResult
from .status import Live


@dataclass
class Snapshot:
    """A consistent copy of a job's progress."""

    live: dict[str, Live]
    done: int
    total: int
    running: list[str]
    finished: bool
    result: RunResult | None
    error: str | None
    elapsed: float
    log: list[str] = field(default_factory=list)
    #: node id -> (fraction or None, message) of its latest progress report, while it runs
    progress: dict[str, tuple[float | None, str]] = field(default_factory=dict)
    #: Stop was pressed and the run has not ended yet
    stopping: bool = False


class RunJob:
    """One run of `graph` (or of `targets` and what they need) in a daemon thread."""

    def __init__(self, engine: Engine, graph: Graph, targets: list[str] | None = None,
                 keep_outputs: list[str] | None = None):
        self.engine, self.graph, self.targets = engine, graph, targets
        self.keep = keep_outputs or []
        self.cancel_token = CancelToken()
        self._lock = threading.Lock()
        self._live: dict[str, Live] = {}
        self._log: list[str] = []
        self._done = 0
        self._total = 0
        self._result: RunResult | None = None
        self._error: str | None = None
        self._finished = threading.Event()
        self._progress: dict[str, tuple[float | None, str]] = {}
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._stop_pressed: float | None = None
        self._thread = threading.Thread(target=self._main, name="dataflow-run", daemon=True)

    def start(self) -> RunJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the run: it ends within moments, a node in flight is abandoned (not cached)."""
        if self._stop_pressed is None:
            self._stop_pressed = time.perf_counter()
        self.cancel_token.cancel()

    @property
    def stopping(self) -> bool:
        """Stop was pressed and the run has not ended yet."""
        return self._stop_pressed is not None and not self.finished

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def _listen(self, event: RunEvent) -> None:
        with self._lock:
            if event.kind == "progress":
                self._progress[event.node_id] = (event.fraction, event.message)
                return
            self._total = event.total or self._total
            self._done = event.done
            if event.node_id is None:
                return
            if event.kind != "running":
                self._progress.pop(event.node_id, None)
            detail = event.error or event.reason or ""
            self._live[event.node_id] = Live(event.kind, event.seconds, detail)
            if event.kind not in ("queued",):
                words = f"{event.node_id}: {event.kind}"
                if event.kind in ("computed", "cached", "failed"):
                    words += f" in {event.seconds:.3f} s"
                if detail:
                    words += f" ({detail})"
                self._log.append(words)

    def _main(self) -> None:
        try:
            self._result = self.engine.run(self.graph, targets=self.targets, listener=self._listen,
                                           cancel=self.cancel_token, keep_outputs=self.keep)
        except Exception as exc:  # the page shows it; a run must never take the app down
            self._error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ended = time.perf_counter()
            self._finished.set()

    def snapshot(self) -> Snapshot:
        with self._lock:
            running = [n for n, s in self._live.items() if s.status == "running"]
            end = self._ended or time.perf_counter()
            return Snapshot(dict(self._live), self._done, self._total, running, self.finished, self._result,
                            self._error, end - self._started, list(self._log),
                            {n: p for n, p in self._progress.items() if n in running}, self.stopping)


def table_shapes(result: RunResult, is_table: Any) -> dict[str, tuple[int, int]]:
    """(rows, columns) of every kept table output, by the node's cache key."""
    shapes = {}
    for node_id, outputs in result.outputs.items():
        node = result.nodes.get(node_id)
        for value in outputs.values():
            if is_table(value) and node is not None and node.key:
                shapes[node.key] = (int(value.shape[0]), int(value.shape[1]))
                break
    return shapes
