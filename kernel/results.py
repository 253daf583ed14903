"""What a run reports: each node's result, the whole run's result, the events on the way, and
the token that stops a run."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .keys import KeyParts

log = logging.getLogger(__name__)

COMPUTED, CACHED, FAILED, SKIPPED = "computed", "cached", "failed", "skipped"
NOT_STARTED = "run cancelled before this node started"
ABANDONED = "run cancelled while this node was running; its result is discarded"
UNREADABLE = "cache entry unreadable"

# run ids: random per process, numbered within it
_RUN_PREFIX = os.urandom(4).hex()
_RUN_NUMBERS = itertools.count()


def new_run_id() -> str:
    return f"{_RUN_PREFIX}{next(_RUN_NUMBERS):04x}"


@dataclass(slots=True)
class NodeResult:
    """How one node fared in a run."""

    id: str
    type: str
    status: str = "pending"
    seconds: float = 0.0
    reason: str = ""
    error: str | None = None
    traceback: str | None = None
    warnings: list[str] = field(default_factory=list)
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "status": self.status, "seconds": round(self.seconds, 6),
                "reason": self.reason, "error": self.error, "warnings": list(self.warnings)}


@dataclass
class RunResult:
    """A whole run: overall status ("ok", "failed" or "cancelled"), node results in order, outputs kept."""

    run_id: str
    status: str
    seconds: float
    nodes: dict[str, NodeResult]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: computed nodes whose cache entry was not written: their outputs stayed on an executor's
    #: workers, which share no cache folder with the engine (see run.py, "Handles")
    not_cached: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[NodeResult]:
        return [r for r in self.nodes.values() if r.status == FAILED]

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "seconds": round(self.seconds, 6),
                "nodes": [r.to_dict() for r in self.nodes.values()]}


@dataclass(slots=True)
class RunEvent:
    """A state change: `kind` is run_start, queued, running, computed, cached, failed, skipped or
    run_end; or `progress`, a running node's report (`fraction` 0..1 or None, `message`)."""

    kind: str
    node_id: str | None = None
    node_type: str | None = None
    seconds: float = 0.0
    reason: str = ""
    error: str | None = None
    done: int = 0
    total: int = 0
    fraction: float | None = None
    message: str = ""


Listener = Callable[[RunEvent], None]


@dataclass(slots=True)
class NodePlan:
    """What a run would do with a node now: its key, whether it is cached, and why it would compute."""

    id: str
    key: KeyParts
    cached: bool
    reason: str


class Reports:
    """Tells a run's listener and the plugins' run observers (`on_*` hooks) each state change, in
    order, with how many nodes are settled so far. A raising listener is logged, never propagated."""

    def __init__(self, emit: Callable[..., None], listener: Listener | None, run_id: str, total: int):
        self.emit, self.listener, self.run_id, self.total = emit, listener, run_id, total
        self.done = 0

    def event(self, kind: str, result: NodeResult | None = None, fraction: float | None = None,
              message: str = "") -> None:
        if self.listener is None:
            return
        if result is None:
            event = RunEvent(kind, done=self.done, total=self.total)
        else:
            event = RunEvent(kind, result.id, result.type, result.seconds, result.reason, result.error, self.done,
                             self.total, fraction, message)
        try:
            self.listener(event)
        except Exception as exc:  # a broken progress display must not break the run
            log.warning("run listener failed on %s: %s", kind, exc)

    def run_start(self, workflow: Any, node_ids: list[str]) -> None:
        self.emit("on_run_start", run_id=self.run_id, workflow=workflow, node_ids=list(node_ids))
        self.event("run_start")

    def run_end(self, status: str, seconds: float) -> None:
        self.event("run_end")
        self.emit("on_run_end", run_id=self.run_id, status=status, seconds=seconds)

    def running(self, result: NodeResult) -> None:
        if self.listener is not None:
            self.event("running", result)
        self.emit("on_node_start", run_id=self.run_id, node_id=result.id, node_type=result.type)

    def settled(self, result: NodeResult, status: str) -> None:
        """`result` ends with `status` (computed, cached, failed or skipped)."""
        result.status = status
        self.done += 1
        if self.listener is not None:
            self.event(status, result)
        if status == FAILED:
            self.emit("on_node_error", run_id=self.run_id, node_id=result.id, node_type=result.type,
                      error=result.error or "")
        else:
            self.emit("on_node_end", run_id=self.run_id, node_id=result.id, node_type=result.type, status=status,
                      seconds=result.seconds)
