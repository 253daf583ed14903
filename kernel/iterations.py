"""A loop node's run: its items listed, one workflow of every iteration run on the same engine,
the results collected (see `loops.py` for the loop object and the loop node's spec and key).

`run_loop` is called by the run (`run.py`), in a thread of its own, when a loop node must compute.
The items are listed (files by name, values as declared, groups as the table's serializer splits
them); one workflow holds an instance of the body per item (`#k`, `#k/inner` inside a component),
its inputs handed in by *given* nodes keyed by the upstream key (and the group's name), never by
data; it is compiled (the first iteration, the others copied from it: `instances.py`) and run by
the same engine, on the same cache and executor, so iterations
run side by side and each keeps its own Merkle keys. A failing iteration fails the loop node,
naming the item; the others' results are cached by then. When the loop ran before, only the items
its previous result does not hold are read or computed; the others' rows come from that result
(`run_loop`'s docstring).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import CacheEntry
from .errors import Cancelled, NodeError
from .executor import Handle, NodeOutcome, NodeTask
from .instances import iterations_graph
from .loops import GIVEN, MAX_ITEMS, LoopPlan, given_spec
from .params import canonical_json
from .results import RunEvent
from .spec import NodeSpec
from .workflow import Edge, NodeInstance, Workflow

if TYPE_CHECKING:
    from .engine import Engine
    from .graph import Graph, GraphNode
    from .keys import KeyParts
    from .registry import Registry


@dataclass(frozen=True, slots=True)
class Item:
    """One iteration: the columns naming it, the parameters it sets, the value it hands to a port."""

    label: dict[str, Any]
    params: dict[str, Any]
    value: Any = None


def list_items(plan: LoopPlan, inputs: dict[str, Any], registry: Registry, key_fingerprint: str = "") -> list[Item]:
    """The loop's items, in order (files by name, values as declared, groups as the split gives them);
    `key_fingerprint`: the loop node's, whose files are the items (`LoopPlan.listing_for`)."""
    loop = plan.loop
    if loop.over == "files":
        base = Path(loop.folder).expanduser()
        base = base if base.is_absolute() else (plan.workflow.folder or Path.cwd()) / base
        start = len(str(base).rstrip(os.sep)) + 1
        names = [str(path)[start:].replace(os.sep, "/") for path, _ in plan.listing_for(key_fingerprint)]  # as relative_to, 10x cheaper
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


def start_loop(engine: Engine, graph: Graph, task: NodeTask, key: KeyParts, cancel: Any,
               fetched: Callable[[dict[str, Any]], dict[str, Any]], done: Callable[..., None]) -> None:
    """Run a loop node's task in a thread of its own (its iterations go to the engine's executor),
    then `done(task, outcome, error)` as an executor would. `fetched` turns handles among its
    inputs into values: a loop lists its items from them (groups split a table)."""
    def run() -> None:
        try:
            if any(isinstance(v, Handle) for v in task.inputs.values()):
                task.inputs = fetched(task.inputs)
            outcome = run_loop(engine, graph, graph.nodes[task.node_id], task.inputs, key, task.progress, cancel)
        except BaseException as exc:  # noqa: BLE001  (reported as the node's error, as an executor does)
            done(task, None, exc)
            return
        done(task, outcome, None)

    threading.Thread(target=run, name=f"dataflow-loop-{task.node_id}", daemon=True).start()


def run_loop(engine: Engine, graph: Graph, node: GraphNode, inputs: dict[str, Any], key: KeyParts,
             progress: Callable[[float | None, str], None] | None, cancel: Any) -> NodeOutcome:
    """Run a loop node's iterations as one workflow on `engine` and collect their outputs.
    `key`: the loop node's key parts (its inputs' key texts are what the given nodes are keyed by).

    Collecting again: the loop's last collected outputs are found through its last key in the run
    history, with an index stored beside them (`_index_key`): each item's label and iteration keys,
    and the serializers' notes. Once the iterations' keys are planned, only the items not found
    there keep their outputs (are read or computed); the others' rows come from the last outputs
    (`Serializer.collect_again`). When a serializer cannot guarantee the same result, every item
    is read and collected."""
    started = time.perf_counter()
    plan: LoopPlan = node.loop
    items = list_items(plan, inputs, engine.registry, key.fingerprint)
    workflow, given, registry = _iterations(plan, node, items, inputs, key.inputs, engine.registry, graph)
    nested = iterations_graph(plan, workflow, items, registry)  # the first compiled, the others copied
    ends = {port: [f"#{k}{path}" for k in range(len(items))] for port, (path, _) in plan.ends.items()}
    every = sorted({n for ids in ends.values() for n in ids})
    labels = [json.dumps(item.label, sort_keys=True, default=str) for item in items] if ends else []
    previous = _previous(engine, graph, node, key.key) if ends else None  # nothing collected: nothing to reuse
    found = {} if previous is None else {row: k for k, row in enumerate(previous[1]["items"])}
    reused: dict[int, int] = {}
    item_keys: list[str] = []  # per item: its iteration's end keys and its label, joined

    def keep(keys: dict[str, str]) -> list[str]:
        """The ends of the items not found in the previous result (called once keys are planned)."""
        item_keys[:] = ["\x1f".join([*(keys[ends[port][k]] for port in ends), labels[k]]) for k in range(len(labels))]
        reused.update((k, found[row]) for k, row in enumerate(item_keys) if row in found)
        return [end for ids in ends.values() for k, end in enumerate(ids) if k not in reused]

    listener = _Progress(nested.order, len(items), progress) if progress is not None else None
    result = engine.run(nested, listener=listener, cancel=cancel, keep_outputs=keep,
                        given=given)
    if result.status == "cancelled":
        raise Cancelled("the run was stopped")
    failed = next((r for r in result.nodes.values() if r.status == "failed"), None)
    if failed is not None:
        index = int(_iteration(failed.id)[1:])
        inner = failed.id.split("/", 1)[1] if "/" in failed.id else plan.body.type_id
        raise NodeError(f"iteration {index + 1} of {len(items)} ({item_text(items[index])}) failed: "
                        f"{inner}: {failed.error}")
    warned: dict[str, list[str]] = {}
    for r in result.nodes.values():
        if r.id.startswith("#") and r.warnings:
            warned.setdefault(_iteration(r.id)[1:], []).extend(r.warnings)
    if previous is not None:
        old = previous[1]["warnings"]
        warned.update((str(k), old[str(j)]) for k, j in reused.items() if isinstance(old.get(str(j)), list))
    indexed = engine.cache is not None and node.spec.cache != "none"  # else nothing keeps the notes
    outputs, notes = _collected(engine, plan, items, ends, result.outputs, previous, reused, indexed)
    if outputs is None:  # a serializer could not reuse rows: read every item's outputs
        again = engine.run(nested, cancel=cancel, keep_outputs=every, given=given)
        if again.status != "ok":
            raise NodeError(f"the loop's iterations could not be read back ({again.status})")
        outputs, notes = _collected(engine, plan, items, ends, again.outputs, None, {}, indexed)
    if notes and engine.cache is not None and node.spec.cache != "none":
        # a few long strings, not thousands of small objects: the memory tier sizes it, the disk tier encodes it
        index = {"items": "\n".join(item_keys), "notes": json.dumps(notes), "warnings": json.dumps(warned)}
        engine.cache.put(_index_key(key.key), CacheEntry({"index": index}, {"index": "params"}), node.spec.cache)
    warnings = [f"{item_text(items[int(k)])}: {w}" for k in sorted(warned, key=int) for w in warned[k]]
    return NodeOutcome(outputs, time.perf_counter() - started, warnings[:100])


def _index_key(loop_key: str) -> str:
    """Where the index of a loop's collected outputs is kept, beside the entry of its key."""
    return hashlib.blake2b(f"loop-index\x1f{loop_key}".encode(), digest_size=16).hexdigest()


def _previous(engine: Engine, graph: Graph, node: GraphNode, key: str) -> tuple[dict[str, Any], dict] | None:
    """The loop node's last collected outputs and their index (its last key is in the run history),
    or None: never run, not cached any more, unreadable."""
    record = engine.history_for(graph).get(node.id) if engine.cache is not None else None
    last = record.get("key") if isinstance(record, dict) else None
    if not isinstance(last, str) or last == key:
        return None
    index = engine.cache.get(_index_key(last), node.spec.cache)
    try:
        stored = index.outputs["index"]  # type: ignore[union-attr]
        parsed = {"items": stored["items"].split("\n"), "notes": json.loads(stored["notes"]),
                  "warnings": json.loads(stored["warnings"])}
    except (AttributeError, KeyError, TypeError, ValueError):  # none, or not an index
        return None
    if not isinstance(parsed["notes"], dict) or not isinstance(parsed["warnings"], dict):
        return None
    entry = engine.cache.get(last, node.spec.cache)
    return None if entry is None else (entry.outputs, parsed)


def _collected(engine: Engine, plan: LoopPlan, items: list[Item], ends: dict[str, list[str]],
               kept: dict[str, dict[str, Any]], previous: tuple[dict[str, Any], dict] | None,
               reused: dict[int, int], indexed: bool) -> tuple[dict[str, Any] | None, dict[str, list] | None]:
    """Each collected output, and each port's notes (None when a serializer keeps none, or when
    not `indexed`: no cache keeps them, so none are made); (None, None) when rows were to be reused
    and a serializer could not."""
    outputs: dict[str, Any] = {}
    notes: dict[str, list] | None = {} if indexed else None
    for port, (_, inner_port) in plan.ends.items():
        serializer = engine.registry.serializers[plan.body.output_types[port]]
        values = [(item.label, None if k in reused else kept[end][inner_port])
                  for k, (item, end) in enumerate(zip(items, ends[port], strict=True))]
        if not indexed:
            outputs[port] = serializer.collect(values)
            continue
        last = None
        if previous is not None and port in previous[0] and isinstance(previous[1].get("notes", {}).get(port), list):
            last = (previous[0][port], previous[1]["notes"][port])
        made = serializer.collect_again(values, last, reused)
        if made is None and reused:
            return None, None
        if made is None:
            outputs[port], notes = serializer.collect(values), None
        else:
            outputs[port] = made[0]
            if notes is not None and made[1] is not None:
                notes[port] = made[1]
            else:  # this result's rows cannot be reused: no index
                notes = None
    return outputs, notes


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
