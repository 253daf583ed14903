"""Nodes that prove branches really run at the same time (owned by the executor tests).

A rendezvous is file-based, so it works across threads and processes alike: each participant
creates `<folder>/<name>.arrived`, then waits until every name in `others` has arrived too. If
an executor ran the branches one after the other, the first one would wait in vain and fail
with a NodeError after `timeout` seconds: the proof is in the outcome, not in a stopwatch.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Literal

from dataflow.sdk import Bounds, Help, NodeError, Params, Serializer, Table, node

Folder = Annotated[str, Help("A folder shared by the participants (a temporary folder)")]
Name = Annotated[str, Help("This participant's name")]
Others = Annotated[str, Help("Comma-separated names of the participants to wait for")]
Timeout = Annotated[float, Bounds(0, 600), Help("Seconds to wait before giving up")]


def meet(folder: str, name: str, others: str, timeout: float) -> list[str]:
    """Announce `name` in `folder`, wait for every name in `others`; NodeError on timeout."""
    place = Path(folder)
    place.mkdir(parents=True, exist_ok=True)
    (place / f"{name}.arrived").write_text(str(os.getpid()))
    expected = [n.strip() for n in others.split(",") if n.strip()]
    deadline = time.monotonic() + timeout
    while True:
        missing = [n for n in expected if not (place / f"{n}.arrived").exists()]
        if not missing:
            return expected
        if time.monotonic() > deadline:
            raise NodeError(f"rendezvous '{name}': {', '.join(missing)} never arrived within {timeout} s")
        time.sleep(0.01)


@node(category="Test/Parallel", cache="none")
def rendezvous(data: Params | None = None, *, folder: Folder = "", name: Name = "a", others: Others = "",
               timeout: Timeout = 20.0) -> Params:
    """Wait until the other named participants are running too, then pass the values on."""
    met = meet(folder, name, others, timeout)
    return {"values": list((data or {}).get("values", [])), "met": met, "pid": os.getpid(),
            "thread": threading.get_ident()}


@node(category="Test/Parallel", cache="none")
def trace(data: Params | None = None, *, log: Annotated[str, Help("A file to append start/end lines to")] = "",
          name: Name = "step") -> Params:
    """Append 'start NAME' and 'end NAME' to a log file; add NAME to the trail passed downstream."""
    with open(log, "a") as handle:
        handle.write(f"start {name}\n")
    trail = [*(data or {}).get("trail", []), name]
    with open(log, "a") as handle:
        handle.write(f"end {name}\n")
    return {"trail": trail}


@node(category="Test/Faults", cache="none")
def kill_worker(data: Params | None = None, *, how: Annotated[Literal["exit", "segfault"], Help("How to die")] = "exit",
                code: Annotated[int, Bounds(0, 255), Help("Exit code for 'exit'")] = 3,
                folder: Folder = "", name: Name = "killer", others: Others = "", timeout: Timeout = 20.0) -> Params:
    """End the process running it (os._exit or SIGSEGV), after an optional rendezvous. Never run inline."""
    if folder:
        meet(folder, name, others, timeout)
    if how == "segfault":
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file left behind
        except (ImportError, ValueError, OSError):
            pass
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(5)  # the signal is delivered asynchronously
    os._exit(code)


class StubbornError(Exception):
    """An exception that pickles but cannot be rebuilt: its __init__ wants two arguments."""

    def __init__(self, what: str, why: str):
        super().__init__(f"{what} because {why}")


@node(category="Test/Faults", cache="none")
def odd_error(data: Params | None = None, *,
              kind: Annotated[Literal["unpicklable", "system_exit"], Help("What to raise")] = "unpicklable") -> Params:
    """Raise an exception that does not survive pickling, or SystemExit."""
    if kind == "system_exit":
        sys.exit(7)
    raise StubbornError("the cupboard is empty", "nobody went shopping")


@node(category="Test/Tables")
def same_table(table: Table) -> Table:
    """Return a copy of the table, unchanged."""
    return table.copy()


@node(category="Test/Tables")
def table_dtypes(table: Table) -> Params:
    """Report the dtypes of the table as the node saw them, and the process it ran in."""
    return {"dtypes": {str(c): str(t) for c, t in table.dtypes.items()}, "rows": len(table), "pid": os.getpid()}


@node(category="Test/Process", cache="none")
def environment(*, name: Annotated[str, Help("An environment variable")] = "HOME") -> Params:
    """Report an environment variable as the process running the node sees it."""
    return {"value": os.environ.get(name), "pid": os.getpid()}


class HopCountingCodec(Serializer):
    """A params codec for the executor tests (not registered by the pack; a test installs it):
    JSON bytes, and every decode appends the decoding process id to the value's "hops", so a test
    sees each crossing of a process boundary and which side decoded it."""

    id = "test-hops"
    port_type = "params"
    python_type = "dict"

    def check(self, value):
        if not isinstance(value, dict):
            raise TypeError(f"expected a dict, got {type(value).__name__}")

    def dumps(self, value):
        return memoryview(json.dumps(value).encode())

    def loads(self, data):
        value = json.loads(bytes(data))
        value["hops"] = [*value.get("hops", []), os.getpid()]
        return value
