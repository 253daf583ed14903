"""A loop node's run: its items listed, one workflow of every iteration run on the same engine,
the results collected (see `loops.py` for the loop object and the loop node's spec and key).

`run_loop` is called by the run (`run.py`), in a thread of its own, when a loop node must compute.
The items are listed (files by name, values as declared, groups as the table's serializer splits
them); one workflow holds an instance of the body per item (`#k`, `#k/inner` inside a component),
its inputs handed in by *given* nodes keyed by the upstream key (and the group's name), never by
data; it is compiled and run by the same engine, on the same cache and executor, so iterations
run side by side and each keeps its own Merkle keys. A failing iteration fails the loop node,
naming the item; the others' results are cached by then.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Cancelled, NodeError, WorkflowError
from .executor import Handle, NodeOutcome, NodeTask
from .loops import GIVEN, MAX_ITEMS, LoopPlan, given_spec
from .params import canonical_json
from .results import RunEvent
from .spec import NodeSpec
from .workflow import Edge, NodeInstance, Workflow

if TYPE_CHECKING:
    from .engine import Engine
    from .graph import Graph, GraphNode
    from .registry import Registry


@dataclass(frozen=True, slots=True)
class Item:
    """One iteration: the columns naming it, the parameters it sets, the value it hands to a port."""

    label: dict[str, Any]
    params: dict[str, Any]
    value: Any = None


def list_items(plan: LoopPlan, inputs: dict[str, Any], registry: Registry) -> list[Item]:
    """The loop's items, in order (files by name, values as declared, groups as the split gives them)."""
    loop = plan.loop
    if loop.over == "files":
        base = Path(loop.folder).expanduser()
        base = base if base.is_absolute() else (plan.workflow.folder or Path.cwd()) / base
        start = len(str(base).rstrip(os.sep)) + 1
        names = [str(path)[start:].replace(os.sep, "/") for path in plan.files()]  # as relative_to, 10x cheaper
        if not names:
            raise NodeError(f"no file in the loop's folder '{loop.folder}' matches '{loop.pattern}'")
        return [Item({loop.item_column: name}, {loop.param: os.path.join(loop.folder, name)}) for name in names]
    if loop.over == "values":
        names = [name for name, _ in loop.values]
        lists = [values for _, values in loop.values]
        rows = zip(*lists, strict=True) if loop.combine == "zip" else itertools.product(*lists)
        return [Item({n: _named(v) for n, v in zip(names, row, strict=True)}, dict(zip(names, row, strict=True)))
                for row in rows]
    port_type = plan.body.input_types[loop.port]
    serializer = registry.serializers.get(port_type)
    try:
        if serializer is None:
            raise NotImplementedError
        groups = serializer.split(inputs[loop.port], list(loop.keys))
    except NotImplementedError:
        raise NodeError(f"values of type {port_type} cannot be split into groups (input '{loop.port}')") from None
    except KeyError as exc:
        raise NodeError(f"the loop groups by {exc.args[0]!s}, which is not a column of input '{loop.port}'") from None
    if len(groups) > MAX_ITEMS:
        raise NodeError(f"{len(groups):,} groups; a loop runs at most {MAX_ITEMS:,}")
    return [Item(label, {}, value) for label, value in groups]


def _named(value: Any) -> Any:
    """A looped value as its item's column shows it: a list or mapping as its JSON text."""
    return canonical_json(value) if isinstance(value, (list, dict)) else value


def item_text(item: Item) -> str:
    """How an item is named in messages: `file=2024-01.csv`, `max_depth=4, criterion=gini`."""
    return ", ".join(f"{k}={v}" for k, v in item.label.items())[:300]


def start_loop(engine: Engine, graph: Graph, task: NodeTask, upstream: dict[str, str], cancel: Any,
               fetched: Callable[[dict[str, Any]], dict[str, Any]], done: Callable[..., None]) -> None:
    """Run a loop node's task in a thread of its own (its iterations go to the engine's executor),
    then `done(task, outcome, error)` as an executor would. `fetched` turns handles among its
    inputs into values: a loop lists its items from them (groups split a table)."""
    def run() -> None:
        try:
            if any(isinstance(v, Handle) for v in task.inputs.values()):
                task.inputs = fetched(task.inputs)
            outcome = run_loop(engine, graph, graph.nodes[task.node_id], task.inputs, upstream, task.progress, cancel)
        except BaseException as exc:  # noqa: BLE001  (reported as the node's error, as an executor does)
            done(task, None, exc)
            return
        done(task, outcome, None)

    threading.Thread(target=run, name=f"dataflow-loop-{task.node_id}", daemon=True).start()


def run_loop(engine: Engine, graph: Graph, node: GraphNode, inputs: dict[str, Any], upstream: dict[str, str],
             progress: Callable[[float | None, str], None] | None, cancel: Any) -> NodeOutcome:
    """Run a loop node's iterations as one workflow on `engine` and collect their outputs.
    `upstream`: each input port's upstream key text (what the given nodes are keyed by)."""
    started = time.perf_counter()
    plan: LoopPlan = node.loop
    items = list_items(plan, inputs, engine.registry)
    workflow, given, registry = _iterations(plan, node, items, inputs, upstream, engine.registry, graph)
    try:
        from .validate import compile_workflow

        nested = compile_workflow(workflow, registry, component_dirs=plan.component_dirs)
    except WorkflowError as exc:
        raise NodeError(f"the loop's iterations do not compile: {exc.problems[0].message}") from None
    ends = {port: [f"#{k}{path}" for k in range(len(items))] for port, (path, _) in plan.ends.items()}
    keep = sorted({n for ids in ends.values() for n in ids})
    listener = _Progress(nested.order, len(items), progress) if progress is not None else None
    result = engine.run(nested, listener=listener, cancel=cancel, keep_outputs=keep, given=given)
    if result.status == "cancelled":
        raise Cancelled("the run was stopped")
    failed = next((r for r in result.nodes.values() if r.status == "failed"), None)
    if failed is not None:
        index = int(_iteration(failed.id)[1:])
        inner = failed.id.split("/", 1)[1] if "/" in failed.id else plan.body.type_id
        raise NodeError(f"iteration {index + 1} of {len(items)} ({item_text(items[index])}) failed: "
                        f"{inner}: {failed.error}")
    outputs = {}
    for port, (_, inner_port) in plan.ends.items():
        collect = engine.registry.serializers[plan.body.output_types[port]].collect
        outputs[port] = collect([(item.label, result.outputs[end][inner_port])
                                 for item, end in zip(items, ends[port], strict=True)])
    warnings = [f"{item_text(items[int(_iteration(r.id)[1:])])}: {w}" for r in result.nodes.values()
                if r.id.startswith("#") for w in r.warnings]
    return NodeOutcome(outputs, time.perf_counter() - started, warnings[:100])


def _iterations(plan: LoopPlan, node: GraphNode, items: list[Item], inputs: dict[str, Any], upstream: dict[str, str],
                registry: Registry, graph: Graph) -> tuple[Workflow, dict[str, dict[str, Any]], Registry]:
    """The workflow of every iteration (`#k` for item k, `#k/inner` inside a component body), the
    given nodes' values, and a registry that knows the given nodes' types."""
    nodes: dict[str, NodeInstance] = {}
    edges: list[Edge] = []
    given: dict[str, dict[str, Any]] = {}
    types: dict[str, NodeSpec] = {}
    loop = plan.loop

    def give(node_id: str, port: str, value: Any, item: str) -> None:
        kind = plan.body.input_types[port]
        type_id = f"{GIVEN}.{kind}"
        types.setdefault(type_id, given_spec(type_id, kind))
        nodes[node_id] = NodeInstance(node_id, type_id, {"upstream": upstream.get(port, ""), "item": item})
        given[node_id] = {"value": value}

    shared = [port for port in inputs if not (loop.over == "groups" and port == loop.port)]
    for port in shared:
        give(f"in.{port}", port, inputs[port], "")
    for k, item in enumerate(items):
        nodes[f"#{k}"] = NodeInstance(f"#{k}", node.spec.type_id, {**node.params, **item.params})
        edges += [Edge(f"in.{port}", f"#{k}", "value", port) for port in shared]
        if loop.over == "groups":
            give(f"#{k}.in", loop.port, item.value, json.dumps(item.label, sort_keys=True, default=str))
            edges.append(Edge(f"#{k}.in", f"#{k}", "value", loop.port))
    meta = {"name": f"{graph.workflow.meta.get('name', '')}", "loop_of": node.id}
    workflow = Workflow(nodes=nodes, edges=edges, meta=meta, path=plan.workflow.path)
    overlay = copy.copy(registry)
    overlay.nodes = {**registry.nodes, **types}
    return workflow, given, overlay

class _Progress:
    """A nested run's listener: iterations done / total (and, at the end, how many computed),
    reported as the loop node's progress."""

    def __init__(self, order: list[str], total: int, send: Callable[[float | None, str], None]):
        self.send, self.total, self.done = send, total, 0
        self.left: dict[str, int] = {}
        self.computed: set[str] = set()
        for node_id in order:
            if node_id.startswith("#"):
                item = _iteration(node_id)
                self.left[item] = self.left.get(item, 0) + 1

    def __call__(self, event: RunEvent) -> None:
        if event.kind not in ("computed", "cached", "failed", "skipped") or not (event.node_id or "").startswith("#"):
            return
        item = _iteration(event.node_id)
        if event.kind != "cached":
            self.computed.add(item)
        self.left[item] -= 1
        if self.left[item]:
            return
        self.done += 1
        message = f"{self.done}/{self.total} iterations"
        if self.done == self.total:
            message += f" ({len(self.computed)} computed, {self.total - len(self.computed)} cached)"
        with contextlib.suppress(Cancelled):  # the nested run has the same stop token and ends by itself
            self.send(self.done / self.total, message)


def _iteration(node_id: str) -> str:
    """`#3` for `#3`, `#3/clean/positive` and `#3.in`."""
    return node_id.split("/", 1)[0].split(".", 1)[0]


__all__ = ["Item", "item_text", "list_items", "run_loop"]
