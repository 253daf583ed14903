"""Consumers started before their producers end (kernel/chains.py, issue 22): on an executor that
hands back a started task's outputs as pending handles, a chain is sent at once; ends that come
back out of order are still accepted in dependency order; a node sent before its producer failed
is reported skipped, as if it had waited. The executor here is a real one: a thread that runs
what it was sent in dependency order once nothing more comes, then reports the ends in the order
a test asks for (the reverse, by default), as a cluster's events may arrive."""

from __future__ import annotations

import threading
import time

from dataflow.kernel import Engine, Handle
from dataflow.kernel.executor import Executor
from tests.helpers import edge


class Later(Handle):
    """An output that will exist once its node ran."""

    __slots__ = ("node_id", "port")

    def __init__(self, node_id: str, port: str):
        self.node_id, self.port = node_id, port


class ChainingExecutor(Executor):
    """Collects what it is sent; once nothing more came for `quiet` seconds, runs the batch in the
    order sent (producers first: the engine sends them first) and reports the ends reversed. Its
    outcomes hold handles, or (`handles=False`) the values, which the engine then caches."""

    id = "chaining"

    def __init__(self, reverse: bool = True, quiet: float = 0.3, handles: bool = True):
        super().__init__(1)
        self.reverse, self.quiet, self.handles = reverse, quiet, handles
        self.sent: list[str] = []
        self.sent_before_first_end: int | None = None
        self.values: dict[tuple[str, str], object] = {}
        self.batch: list = []
        self.last_sent = 0.0
        self.lock = threading.Lock()
        self.worker: threading.Thread | None = None

    def submit(self, task):
        raise AssertionError("start is used")

    def start(self, tasks, done):
        with self.lock:
            self.batch += [(task, done) for task in tasks]
            self.sent += [task.node_id for task in tasks]
            self.last_sent = time.monotonic()
            if self.worker is None or not self.worker.is_alive():
                self.worker = threading.Thread(target=self._work, daemon=True)
                self.worker.start()
        return [task.node_id for task in tasks]

    def pending_outputs(self, task, started):
        return {port.name: Later(task.node_id, port.name) for port in task.spec.outputs}

    def _work(self):
        while time.monotonic() - self.last_sent < self.quiet:
            time.sleep(0.02)
        with self.lock:
            batch, self.batch = self.batch, []
        ends = []
        for task, done in batch:
            try:
                task.inputs = {p: self.values[(v.node_id, v.port)] if isinstance(v, Later) else v
                               for p, v in task.inputs.items()}
                outcome = task.run()
            except Exception as exc:  # a missing input (its producer failed) included
                ends.append((task, done, None, exc))
                continue
            for port, value in outcome.outputs.items():
                self.values[(task.node_id, port)] = value
            if self.handles:
                outcome.outputs = {port: Later(task.node_id, port) for port in outcome.outputs}
                outcome.handles = outcome.checked = True
            ends.append((task, done, outcome, None))
        if self.sent_before_first_end is None:
            self.sent_before_first_end = len(self.sent)
        for task, done, outcome, error in reversed(ends) if self.reverse else ends:
            done(task, outcome, error)

    def fetch(self, handles):
        return [self.values[(h.node_id, h.port)] for h in handles]


def n(node_id, node_type, **params):
    return {"id": node_id, "type": f"testpack.{node_type}", "params": params}


def test_a_chain_is_sent_at_once_and_its_ends_out_of_order_give_the_same_results(registry, graph_of):
    graph = graph_of([n("numbers", "numbers", count=4), n("add", "add", amount=1), n("scale", "scale", factor=3),
                      n("sum", "total")],
                     [edge("numbers", "add"), edge("add", "scale"), edge("scale", "sum")])
    executor = ChainingExecutor()
    result = Engine(registry, executor).run(graph, keep_outputs=["sum"], use_cache=False)
    plain = Engine.open(registry, executor="sequential", use_cache=False).run(graph, keep_outputs=["sum"])

    assert result.status == "ok"
    assert executor.sent_before_first_end == 4  # every node sent before any ended
    assert [r.status for r in result.nodes.values()] == ["computed"] * 4
    assert result.outputs["sum"] == plain.outputs["sum"]


def test_a_node_sent_before_its_producer_failed_is_skipped_naming_it(registry, graph_of):
    graph = graph_of([n("numbers", "numbers", count=3), n("broken", "fail", message="no luck"), n("add", "add"),
                      n("sum", "total"), n("side", "total")],
                     [edge("numbers", "broken"), edge("broken", "add"), edge("add", "sum"), edge("numbers", "side")])
    executor = ChainingExecutor()
    result = Engine(registry, executor).run(graph, use_cache=False)

    assert executor.sent_before_first_end == 5
    statuses = {r.id: r.status for r in result.nodes.values()}
    assert statuses == {"numbers": "computed", "broken": "failed", "add": "skipped", "sum": "skipped",
                        "side": "computed"}
    assert "no luck" in result.nodes["broken"].error
    assert result.nodes["add"].error == "upstream 'broken' failed"
    assert result.nodes["sum"].error == "upstream 'add' skipped"
    assert result.status == "failed"


def test_ends_in_order_and_cached_inputs_mix_with_pending_ones(registry, graph_of, tmp_path):
    nodes = [n("numbers", "numbers", count=5), n("add", "add", amount=2), n("other", "numbers", count=5),
             n("both", "combine"), n("sum", "total")]
    edges = [edge("numbers", "add"), edge("add", "both", target_port="left"),
             edge("other", "both", target_port="right"), edge("both", "sum")]
    opened = Engine.open(registry, executor="sequential", directory=tmp_path / "cache")
    engine = Engine(registry, ChainingExecutor(reverse=False, handles=False), opened.cache, opened.cache_root)
    first = engine.run(graph_of(nodes, edges), keep_outputs=["sum"])
    nodes[1] = n("add", "add", amount=3)  # "other" stays cached, "add" and after compute again
    second = engine.run(graph_of(nodes, edges), keep_outputs=["sum"])
    plain = Engine.open(registry, executor="sequential", use_cache=False).run(graph_of(nodes, edges),
                                                                              keep_outputs=["sum"])

    assert first.status == second.status == "ok"
    assert {r.id: r.status for r in second.nodes.values()} == {
        "numbers": "cached", "add": "computed", "other": "cached", "both": "computed", "sum": "computed"}
    assert second.outputs["sum"] == plain.outputs["sum"] != first.outputs["sum"]
