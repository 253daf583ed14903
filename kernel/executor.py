"""The executor interface and the unit of work it runs.

The engine decides *what* runs and in which order; an executor decides *where*: inline, in a
thread pool, in worker processes, on a cluster. It receives `NodeTask`s for nodes whose inputs
are ready and returns `concurrent.futures.Future`s of their outputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from time import perf_counter
from typing import Any, ClassVar

from .context import NODE_CONTEXT, Reporter
from .errors import DataflowError
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

    def run(self) -> NodeOutcome:
        """Call the node here and now."""
        return call_node(self.spec, self.inputs, self.params, self.steps, self.progress)


@dataclass(slots=True)
class NodeOutcome:
    """What a node call produced: outputs by port, seconds spent, warnings the node raised."""

    outputs: dict[str, Any]
    seconds: float
    warnings: list[str]


def call_node(spec: NodeSpec, inputs: dict[str, Any], params: dict[str, Any],
              steps: StepCache | None = None,
              progress: Callable[[float | None, str], None] | None = None) -> NodeOutcome:
    """Call `spec.fn` with inputs as positional arguments and params as keywords; name its outputs.

    `steps` lets the node cache parts of its work with `cached_step` (see kernel/steps.py);
    `progress` receives its `dataflow.sdk.progress` reports (see kernel/context.py)."""
    return NodeOutcome(*invoke_node(spec, inputs, params, steps, progress))


def invoke_node(spec: NodeSpec, inputs: dict[str, Any], params: dict[str, Any],
                steps: StepCache | None = None,
                progress: Callable[[float | None, str], None] | None = None) -> tuple[dict[str, Any], float, list[str]]:
    """What `call_node` does, as (outputs by port, seconds, warnings): the engine's inline path
    takes it as it is, without a NodeOutcome per node."""
    args = list(map(inputs.get, spec.input_names))
    warnings: list[str] = []
    if progress is not None and not isinstance(progress, Reporter):
        progress = Reporter(progress)  # a plain callback (a worker process's pipe): throttled here
    token = NODE_CONTEXT.set((warnings, steps, progress))  # one set and one reset per node call
    try:
        start = perf_counter()
        result = spec.fn(*args, **params)
        seconds = perf_counter() - start
    finally:
        NODE_CONTEXT.reset(token)
    outputs = spec.outputs
    if len(outputs) == 1 and not spec.multi_output:
        return {outputs[0].name: result}, seconds, warnings
    return name_outputs(spec, result), seconds, warnings


def name_outputs(spec: NodeSpec, result: Any) -> dict[str, Any]:
    """Map a node's return value onto its output ports, or raise TypeError saying what was expected."""
    outputs = spec.outputs
    if not outputs:
        return {}
    if not spec.multi_output:
        return {outputs[0].name: result}
    if not isinstance(result, dict):
        expected = ", ".join(p.name for p in outputs)
        raise TypeError(f"expected a dict with keys {expected}, got {type(result).__name__}")
    missing = [p.name for p in outputs if p.name not in result]
    extra = [k for k in result if spec.output(k) is None]
    if missing or extra:
        raise TypeError(f"returned outputs do not match the declaration: missing {missing}, unexpected {extra}")
    return {p.name: result[p.name] for p in outputs}


class Executor(ABC):
    """An execution back end. Subclasses set `id` and implement `submit`.

    `inline = True` tells the engine to call each node itself, in its own thread, without building
    tasks or futures: the cheapest way to run, which the sequential executor asks for.

        class ThreadExecutor(Executor):
            id = "threads"

            def __init__(self, max_workers=None):
                super().__init__(max_workers)
                self._pool = ThreadPoolExecutor(self.max_workers)

            def submit(self, task):
                return self._pool.submit(task.run)
    """

    id: ClassVar[str]
    inline: ClassVar[bool] = False
    #: True lets the engine run a node in its own thread when it is the only one that could run
    #: (a chain): for in-process pools, where that changes nothing but the hand-off cost.
    run_alone_inline: ClassVar[bool] = False
    #: False for executors that run nodes in this process: the engine then skips building the
    #: output codecs (the serializers that move values between processes).
    wants_codecs: ClassVar[bool] = True
    description: ClassVar[str] = ""

    def __init__(self, max_workers: int | None = None):
        """`max_workers`: how many nodes may run at once (None: one per CPU). DataflowError when it
        is not a whole number of at least 1 (a pool of -1 workers would never start a node)."""
        import os

        if max_workers is not None and (type(max_workers) is not int or max_workers < 1):
            raise DataflowError(f"the number of workers must be a whole number of at least 1, got {max_workers!r}")
        self.max_workers = max_workers or max(1, os.cpu_count() or 1)

    @abstractmethod
    def submit(self, task: NodeTask) -> Future:
        """Start `task` and return a future of the `NodeOutcome` that `task.run()` returns."""

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
