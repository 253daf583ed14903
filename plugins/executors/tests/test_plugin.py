"""The plugin as the app sees it: registered from its distribution, executors cheap to create and close."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

import pytest

from dataflow.sdk import NodeTask, Params, node, spec_of

from .conftest import edge, n

EXECUTOR_IDS = {"sequential", "threads", "processes"}


def test_the_plugin_registers_three_executors_from_its_distribution(registry):
    record = registry.plugins["executors"]
    assert record.ok and record.distribution == "dataflow-executors"
    assert set(record.contributions["executors"]) == EXECUTOR_IDS
    assert {registry.executors[i].id for i in EXECUTOR_IDS} == EXECUTOR_IDS
    assert all(registry.executors[i].description for i in EXECUTOR_IDS)


@pytest.mark.parametrize("executor_id", sorted(EXECUTOR_IDS))
def test_shutdown_is_safe_when_nothing_ran_and_when_repeated(registry, executor_id):
    executor = registry.executors[executor_id](2)
    executor.shutdown()
    executor.shutdown()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no forkserver")
def test_workers_start_with_forkserver_never_fork(registry):
    assert registry.executors["processes"].start_method == "forkserver"


def task_for(registry, type_id: str, inputs=None, **params) -> NodeTask:
    spec = registry.nodes[type_id]
    values = {p.name: p.default for p in spec.params} | params
    return NodeTask("x", spec, dict(inputs or {}), values, {}, {})


def test_sequential_submit_returns_a_finished_future(registry):
    executor = registry.executors["sequential"]()
    done = executor.submit(task_for(registry, "testpack.numbers", count=3))
    assert done.done() and done.result().outputs == {"params": {"values": [0, 1, 2]}}
    failed = executor.submit(task_for(registry, "testpack.crash", {"data": {"values": []}}))
    assert failed.done() and isinstance(failed.exception(), IndexError)


def test_threads_start_on_first_submit_and_stop_on_shutdown(registry):
    def node_threads():
        return [t for t in threading.enumerate() if t.name.startswith("dataflow-node")]

    before = set(node_threads())
    executor = registry.executors["threads"](2)
    assert set(node_threads()) == before
    outcome = executor.submit(task_for(registry, "testpack.numbers", count=2)).result(timeout=30)
    assert outcome.outputs == {"params": {"values": [0, 1]}}
    started = set(node_threads()) - before
    assert started
    executor.shutdown()
    assert not any(t.is_alive() for t in started)


def test_processes_start_on_first_submit_and_stop_on_shutdown(registry):
    before = set(multiprocessing.active_children())
    executor = registry.executors["processes"](2)
    assert executor.worker_pids == [] and set(multiprocessing.active_children()) == before
    outcome = executor.submit(task_for(registry, "testpack.pid", {"data": {"values": [1]}})).result(timeout=60)
    worker = outcome.outputs["params"]["pid"]
    assert worker != os.getpid() and executor.worker_pids == [worker]
    executor.shutdown()
    assert executor.worker_pids == [] and set(multiprocessing.active_children()) == before


def test_a_closed_engine_has_no_worker_processes_left(build, engine_for):
    before = set(multiprocessing.active_children())
    engine = engine_for("processes", max_workers=2)
    engine.run(build([n("numbers", "numbers"), n("where", "pid")], [edge("numbers", "where")]))
    assert engine.executor.worker_pids
    engine.close()
    assert set(multiprocessing.active_children()) == before


def gone(pid: int, within: float = 30.0) -> bool:
    """Whether process `pid` has ended (and been reaped) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_an_executor_dropped_without_shutdown_still_releases_its_workers(registry):
    import gc

    executor = registry.executors["processes"](1)
    task = task_for(registry, "testpack.pid", {"data": {"values": []}})
    worker = executor.submit(task).result(timeout=60).outputs["params"]["pid"]
    del executor
    gc.collect()
    assert gone(worker)


def test_the_spec_is_found_again_in_the_worker_by_reference(registry):
    from dataflow_executors.processes import function_reference

    spec = registry.nodes["testpack.numbers"]
    assert function_reference(spec) == ("dataflow_testpack.nodes", "numbers")
    assert spec_of(spec.fn).name == "numbers"


def test_where_start_runs_a_task_sequential_here_threads_here_only_when_alone(registry):
    here = threading.get_ident()
    seen: list[tuple[str, bool]] = []

    def done(task, outcome, error):
        assert error is None
        seen.append((task.node_id, outcome.outputs["params"]["thread"] == here))

    @node(category="Test")
    def where() -> Params:
        """Which thread ran me."""
        return {"thread": threading.get_ident()}

    def task(node_id):
        return NodeTask(node_id, spec_of(where), {}, {}, {}, {})

    sequential = registry.executors["sequential"]()
    sequential.start([task("a"), task("b")], done)
    threads = registry.executors["threads"](2)
    threads.start([task("alone")], done)
    futures = threads.start([task("c"), task("d")], done)
    for future in futures:
        future.result(timeout=10)
    threads.shutdown()
    assert sorted(seen) == [("a", True), ("alone", True), ("b", True), ("c", False), ("d", False)]
