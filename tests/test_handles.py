"""The engine's side of outputs kept by an executor (`Handle`s, issue 22): handed on unchanged,
fetched only when they must be here (kept, unchecked, a loop's inputs), released when their last
consumer ran, cached only when fetched or written by the executor. The executor here is a real
one that keeps every output in its own store, as a cluster's workers would."""

from __future__ import annotations

import itertools
import threading

from dataflow.kernel import Engine, Handle, NodeOutcome
from dataflow.kernel.executor import Executor
from tests.helpers import edge


class Held(Handle):
    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = key


class StoreExecutor(Executor):
    """Runs each node here, keeps its outputs in `store` and returns handles to them; its tasks
    read handles from the store. Records what the engine fetched and released."""

    id = "store"

    def __init__(self, checked: bool = True, cached: bool = False):
        super().__init__(1)
        self.checked, self.cached = checked, cached
        self.store: dict[int, object] = {}
        self.fetched: list[int] = []
        self.released: list[int] = []
        self.inputs_seen: list[object] = []
        self._keys = itertools.count()
        self._lock = threading.Lock()

    def submit(self, task):
        raise AssertionError("start is used")

    def start(self, tasks, done):
        for task in tasks:
            self.inputs_seen += list(task.inputs.values())
            task.inputs = {p: self.store[v.key] if isinstance(v, Held) else v for p, v in task.inputs.items()}
            try:
                outcome = task.run()
            except Exception as exc:
                done(task, None, exc)
                continue
            handles = {}
            for port, value in outcome.outputs.items():
                with self._lock:
                    key = next(self._keys)
                    self.store[key] = value
                handles[port] = Held(key)
            done(task, NodeOutcome(handles, outcome.seconds, outcome.warnings, handles=True, checked=self.checked,
                                   cached=self.cached), None)
        return [None] * len(tasks)

    def fetch(self, handles):
        self.fetched += [h.key for h in handles]
        return [self.store[h.key] for h in handles]

    def release(self, handles):
        for handle in handles:
            self.released.append(handle.key)
            self.store.pop(handle.key, None)


def n(node_id, node_type, **params):
    return {"id": node_id, "type": f"testpack.{node_type}", "params": params}


def chain(graph_of):
    return graph_of([n("numbers", "numbers", count=4), n("add", "add", amount=1), n("sum", "total")],
                    [edge("numbers", "add"), edge("add", "sum")])


def test_handles_pass_between_tasks_unfetched_and_only_kept_outputs_are_fetched(registry, graph_of):
    executor = StoreExecutor()
    result = Engine(registry, executor).run(chain(graph_of), keep_outputs=["sum"])
    assert result.status == "ok"
    assert result.outputs["sum"]["params"]["total"] == 10  # 1 + 2 + 3 + 4
    assert sum(isinstance(v, Held) for v in executor.inputs_seen) == 2  # add and sum got handles
    assert len(executor.fetched) == 1  # only the kept summary came here
    assert executor.store == {}  # every output released: consumed, or fetched and kept here


def test_a_value_is_released_when_its_last_consumer_has_run(registry, graph_of):
    executor = StoreExecutor()
    order: list[tuple[str, list[int]]] = []

    def listener(event):
        if event.kind in ("computed", "running"):
            order.append((f"{event.kind} {event.node_id}", list(executor.released)))

    graph = graph_of([n("numbers", "numbers"), n("a", "add"), n("b", "total"), n("c", "total")],
                     [edge("numbers", "a"), edge("numbers", "b"), edge("a", "c")])
    Engine(registry, executor).run(graph, listener=listener)
    released_when = dict(order)
    assert released_when["computed a"] == []  # b has not run yet: numbers is still needed
    assert 0 in released_when["running c"]  # numbers' output (key 0) went once a and b had run


def test_unchecked_handles_are_fetched_and_checked_by_the_engine(registry, graph_of):
    executor = StoreExecutor(checked=False)
    graph = graph_of([n("numbers", "numbers"), n("wrong", "wrong_output")], [edge("numbers", "wrong")])
    result = Engine(registry, executor).run(graph)
    assert result.nodes["wrong"].status == "failed"
    assert "output 'table' is not a table" in result.nodes["wrong"].error
    assert len(executor.fetched) == 2


def test_outputs_left_on_the_executor_are_not_cached_and_the_run_says_which(registry, graph_of, tmp_path):
    opened = Engine.open(registry, executor="sequential", directory=tmp_path / "cache")
    executor = StoreExecutor()
    engine = Engine(registry, executor, opened.cache, opened.cache_root)
    result = engine.run(chain(graph_of), keep_outputs=["sum"])
    assert result.not_cached == ["numbers", "add"]  # the kept summary was fetched, so it was cached
    engine.cache.flush()
    stored = {k: engine.cache.contains(r.key) for k, r in result.nodes.items()}
    assert stored == {"numbers": False, "add": False, "sum": True}
    opened.close()


def test_entries_the_executor_wrote_are_trusted(registry, graph_of, tmp_path):
    opened = Engine.open(registry, executor="sequential", directory=tmp_path / "cache")
    executor = StoreExecutor(cached=True)
    result = Engine(registry, executor, opened.cache, opened.cache_root).run(chain(graph_of), keep_outputs=["sum"])
    assert result.status == "ok" and result.not_cached == []
    opened.close()


def test_a_loop_over_groups_gets_its_table_fetched(registry, graph_of):
    executor = StoreExecutor()
    graph = graph_of([n("numbers", "numbers", count=6), n("table", "frame"),
                      {"id": "per", "type": "transform.sort", "params": {"columns": ["value"]},
                       "loop": {"over": "groups", "port": "table", "keys": ["cat"]}}],
                     [edge("numbers", "table"), edge("table", "per")])
    result = Engine(registry, executor).run(graph, keep_outputs=["per"])
    assert result.status == "ok", {k: r.error for k, r in result.nodes.items() if r.error}
    assert sorted(result.outputs["per"]["table"]["value"]) == list(range(6))
