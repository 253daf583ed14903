"""The executor interface and the unit of work it runs.

The engine decides *what* runs and in which order; an executor decides *where*: inline, in a
thread pool, in worker processes, on a cluster. It receives `NodeTask`s for nodes whose inputs
are ready and returns `concurrent.futures.Future`s of their outputs.

An executor that runs nodes elsewhere (a cluster) may keep an output where it was made and
return a `Handle` in its place (`NodeOutcome.handles`): the engine then holds the handle like a
value, passes it unchanged to the next task it gives the same executor (which moves the data
itself, worker to worker), asks for the value (`Executor.fetch`) only when it must, and says when
it no longer needs it (`Executor.release`). The in-process and process executors return values.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import Any, ClassVar

from .context import NODE_CONTEXT, Reporter
from .errors import Cancelled, DataflowError
from .serializer import Serializer
from .spec import NodeSpec
from .steps import StepCache


@dataclass(slots=True)
class NodeTask:
    """One node call: the function, its input values by port, its parameter values.

    `codecs` maps each input and output port to its serializer, for executors that move values
    between processes (they encode with `dumps` and decode with `loads`). `progress` receives the
    node's `dataflow.sdk.progress` reports (None: nobody listens); an executor that runs the node
    elsewhere forwards them, throttled, to it.
    """

    node_id: str
    spec: NodeSpec
    inputs: dict[str, Any]
    params: dict[str, Any]
    input_codecs: dict[str, Serializer | None]
    output_codecs: dict[str, Serializer | None]
    steps: StepCache | None = None
    progress: Callable[[float | None, str], None] | None = None
    #: the run's registry: what the node sees through `dataflow.sdk.connectors()` and the like
    registry: Any = None

    def run(self) -> NodeOutcome:
        """Call the node here and now."""
        return call_node(self.spec, self.inputs, self.params, self.steps, self.progress, self.registry)


class Handle:
    """An output an executor kept where it was made (a table on a cluster worker). Opaque to the
    engine: it passes a handle to the executor that made it (in a `NodeTask`'s inputs, in `fetch`
    and `release`) and to nobody else."""

    __slots__ = ()


@dataclass(slots=True)
class NodeOutcome:
    """What a node call produced: outputs by port, seconds spent, warnings the node raised.

    The flags are for executors that run nodes elsewhere; the defaults describe a call made here.
    `handles`: some outputs are `Handle`s. `checked`: every output passed its serializer's check
    (`check_output`) where it was made, so the engine need not fetch it to check it. `cached`: the
    executor wrote the node's cache entry itself (under the task's `cache_key`)."""

    outputs: dict[str, Any]
    seconds: float
    warnings: list[str]
    handles: bool = False
    checked: bool = False
    cached: bool = False


def call_node(spec: NodeSpec, inputs: dict[str, Any], params: dict[str, Any],
              steps: StepCache | None = None,
              progress: Callable[[float | None, str], None] | None = None, registry: Any = None) -> NodeOutcome:
    """Call `spec.fn` with inputs as positional arguments and params as keywords; name its outputs.

    `steps` lets the node cache parts of its work with `cached_step` (see kernel/steps.py);
    `progress` receives its `dataflow.sdk.progress` reports (see kernel/context.py); `registry`
    is what the node reaches through the SDK (None: the installed plugins)."""
    args = [inputs.get(name) for name in spec.input_names]
    warnings: list[str] = []
    if progress is not None and not isinstance(progress, Reporter):
        progress = Reporter(progress)  # a plain callback (a worker process's pipe): throttled here
    token = NODE_CONTEXT.set((warnings, steps, progress, registry))
    try:
        start = perf_counter()
        result = spec.fn(*args, **params)
        seconds = perf_counter() - start
    finally:
        NODE_CONTEXT.reset(token)
    return NodeOutcome(name_outputs(spec, result), seconds, warnings)


def name_outputs(spec: NodeSpec, result: Any) -> dict[str, Any]:
    """Map a node's return value onto its output ports, or raise TypeError saying what was expected."""
    outputs = spec.outputs
    if not spec.multi_output:
        return {outputs[0].name: result} if outputs else {}
    if not isinstance(result, dict):
        expected = ", ".join(p.name for p in outputs)
        raise TypeError(f"expected a dict with keys {expected}, got {type(result).__name__}")
    missing = [p.name for p in outputs if p.name not in result]
    extra = [k for k in result if spec.output(k) is None]
    if missing or extra:
        raise TypeError(f"returned outputs do not match the declaration: missing {missing}, unexpected {extra}")
    return {p.name: result[p.name] for p in outputs}


#: what an executor calls once per task when it ends: (task, outcome, None) or (task, None, error)
Done = Callable[[NodeTask, "NodeOutcome | None", "BaseException | None"], None]


def run_task(task: NodeTask, done: Done) -> None:
    """Run `task` in this thread and report it to `done`. A node's `sys.exit()` (or any other
    BaseException but Ctrl-C and `Cancelled`) becomes a RuntimeError naming it: it fails that node
    instead of stopping the whole run, as it does when a worker process reports the same thing."""
    try:
        outcome = task.run()
    except (Exception, Cancelled) as exc:
        done(task, None, exc)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        done(task, None, RuntimeError(f"{type(exc).__name__}: {exc}"))
    else:
        done(task, outcome, None)


def _report(task: NodeTask, done: Done, future: Future) -> None:
    """A future's end, told to `done` (a future cancelled before it started is a `Cancelled`)."""
    if future.cancelled():
        done(task, None, Cancelled("the run was stopped"))
    elif future.exception() is not None:
        done(task, None, future.exception())
    else:
        done(task, future.result(), None)


class Executor(ABC):
    """An execution back end. Subclasses set `id` and implement `submit`; the engine calls `start`.

        class ThreadExecutor(Executor):
            id = "threads"

            def __init__(self, max_workers=None):
                super().__init__(max_workers)
                self._pool = ThreadPoolExecutor(self.max_workers)

            def submit(self, task):
                return self._pool.submit(task.run)
    """

    id: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, max_workers: int | None = None):
        """`max_workers`: how many nodes may run at once (None: one per CPU). DataflowError when it
        is not a whole number of at least 1 (a pool of -1 workers would never start a node)."""
        if max_workers is not None and (type(max_workers) is not int or max_workers < 1):
            raise DataflowError(f"the number of workers must be a whole number of at least 1, got {max_workers!r}")
        self.max_workers = max_workers or max(1, os.cpu_count() or 1)

    @abstractmethod
    def submit(self, task: NodeTask) -> Future:
        """Start `task` and return a future of the `NodeOutcome` that `task.run()` returns."""

    def start(self, tasks: list[NodeTask], done: Done) -> list[Future | None]:
        """Start `tasks` (the nodes ready now) and call `done` once for each when it ends, from
        whichever thread ran it. Returns one handle per task for `cancel` (None: it ended already).

        The default submits each task and reports through its future. An executor may run a task
        in the calling thread instead, when nothing could run beside it: the sequential executor
        always does; the thread pool does for a lone ready task while none runs (a chain), where a
        hand-off to a pool thread would add latency and nothing else."""
        handles: list[Future | None] = []
        for task in tasks:
            try:
                future = self.submit(task)
            except Exception as exc:  # a task that cannot be sent fails its node only
                done(task, None, exc)
                handles.append(None)
                continue
            future.add_done_callback(partial(_report, task, done))
            handles.append(future)
        return handles

    def pending_outputs(self, task: NodeTask, started: Any) -> dict[str, Handle] | None:
        """The outputs of `task`, just started (`started`: what `start` returned for it), as
        handles that tasks given to this executor later may take as inputs before it ends; None
        (the default): its consumers wait for its end. A back end that chains tasks itself (Dask's
        scheduler) answers, so a chain of nodes is sent at once, not one round trip per node."""
        return None

    def fetch(self, handles: list[Handle]) -> list[Any]:
        """The values behind `handles` (outputs this executor kept where they were made), in order:
        fresh copies, which the caller may keep or change. Only executors that return handles
        are asked."""
        raise NotImplementedError(f"executor '{self.id}' returned handles but cannot fetch them")

    def release(self, handles: list[Handle]) -> None:
        """The engine no longer needs these outputs (their last consumer ran, or the run ended):
        free what holds them. Never raises; the default has nothing to free."""

    def cancel(self, futures: Iterable[Future]) -> None:
        """Stop the work behind `futures`, which a stopped run abandoned: the engine has already
        settled those nodes and ignores whatever they return. Do not wait for them.

        The default cancels what has not started; a node already running in this process runs
        on, abandoned (a Python thread cannot be killed). Executors that can do better override
        it: the process executor kills the workers that run them."""
        for future in futures:
            future.cancel()

    def shutdown(self) -> None:
        """Release workers. The engine calls it when it is closed."""
