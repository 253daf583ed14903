"""The process executor: nodes run elsewhere, values cross as serializer bytes, failures stay contained."""

from __future__ import annotations

import os

import pytest

from dataflow.sdk import Params, hookimpl, node

from .conftest import edge, n


@pytest.fixture
def processes(engine_for):
    """An engine running nodes in two worker processes."""
    return engine_for("processes", max_workers=2)


def outputs_and_warnings(result):
    return result.outputs, {r.id: r.warnings for r in result.nodes.values()}


def test_nodes_run_in_worker_processes(build, processes):
    graph = build([n("numbers", "numbers"), n("where", "pid")], [edge("numbers", "where")])
    result = processes.run(graph, keep_outputs=True)
    worker = result.outputs["where"]["params"]["pid"]
    assert worker != os.getpid()
    assert worker in processes.executor.worker_pids


def test_workers_see_the_environment_of_the_engines_process(build, engine_for, monkeypatch):
    first = engine_for("processes", max_workers=1)
    first.run(build([n("warm", "environment")]))  # the forkserver, if new, starts with today's environment
    monkeypatch.setenv("DATAFLOW_EXECUTOR_TEST", "set after the forkserver started")
    result = engine_for("processes", max_workers=1).run(
        build([n("env", "environment", name="DATAFLOW_EXECUTOR_TEST")]), keep_outputs=True)
    assert result.outputs["env"]["params"]["value"] == "set after the forkserver started"
    assert result.outputs["env"]["params"]["pid"] != os.getpid()


def test_outputs_and_warnings_equal_an_inline_run(build, engine_for, tmp_path):
    (tmp_path / "numbers.txt").write_text("4\nfour\n6\n7\n")
    graph = build([
        n("read", "read_numbers", path="numbers.txt"),  # relative: resolved against the workflow folder
        n("numbers", "numbers", count=6, start=-2),
        n("joined", "combine"),
        n("halves", "scale", factor=2, mode="divide"),
        n("parts", "split"),
        n("back", "combine"),
        n("sum", "total"),
    ], [edge("read", "joined", target_port="left"), edge("numbers", "joined", target_port="right"),
        edge("joined", "halves"), edge("halves", "parts"),
        edge("parts", "back", "odds", "left"), edge("parts", "back", "evens", "right"), edge("back", "sum")])

    inline = engine_for("sequential").run(graph, keep_outputs=True)
    pooled = engine_for("processes").run(graph, keep_outputs=True)

    assert inline.status == pooled.status == "ok"
    assert outputs_and_warnings(pooled) == outputs_and_warnings(inline)
    assert pooled.nodes["read"].warnings == ["line 2 is not a number and was skipped"]
    assert pooled.outputs["sum"]["params"] == {"total": 10.0}


def test_values_cross_through_their_ports_codec_in_both_directions(registry, build, processes):
    from dataflow_testpack.parallel_nodes import HopCountingCodec

    registry.serializers["params"] = HopCountingCodec()
    graph = build([n("numbers", "numbers", count=2), n("relay", "slow", seconds=0)], [edge("numbers", "relay")])

    result = processes.run(graph, keep_outputs=True)

    here = os.getpid()
    hops = result.outputs["relay"]["params"]["hops"]
    # numbers' output decoded here; relay's input decoded in a worker; relay's output decoded here
    assert hops[0] == here and hops[1] != here and hops[2] == here
    assert hops[1] in processes.executor.worker_pids
    assert result.outputs["relay"]["params"]["values"] == [0, 1]


def test_a_table_crosses_as_arrow_with_its_dtypes_preserved(registry, build, engine_for):
    import pandas as pd

    if "table" not in registry.serializers:
        pytest.skip("no serializer for the table port type is installed (plugins/serializers, dataflow-serializers)")
    graph = build([n("numbers", "numbers", count=7), n("frame", "frame"), n("copy", "same_table"),
                   n("seen", "table_dtypes")],
                  [edge("numbers", "frame"), edge("frame", "copy"), edge("frame", "seen")])

    inline = engine_for("sequential").run(graph, keep_outputs=True)
    pooled = engine_for("processes").run(graph, keep_outputs=True)

    assert pooled.status == "ok", pooled.failed
    expected, got = inline.outputs["copy"]["table"], pooled.outputs["copy"]["table"]
    pd.testing.assert_frame_equal(got, expected)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    in_worker = pooled.outputs["seen"]["params"]
    assert in_worker["pid"] != os.getpid()
    assert in_worker["dtypes"] == inline.outputs["seen"]["params"]["dtypes"]


def test_a_wrong_output_type_is_reported_as_after_an_inline_run(registry, build, engine_for):
    if "table" not in registry.serializers:
        pytest.skip("no serializer for the table port type is installed (plugins/serializers, dataflow-serializers)")
    graph = build([n("numbers", "numbers"), n("wrong", "wrong_output")], [edge("numbers", "wrong")])
    inline = engine_for("sequential").run(graph).nodes["wrong"]
    pooled = engine_for("processes").run(graph).nodes["wrong"]
    assert pooled.status == inline.status == "failed"
    assert pooled.error == inline.error


def test_a_node_error_keeps_its_message_and_shows_no_traceback(build, processes):
    graph = build([n("numbers", "numbers"), n("bad", "fail", message="column 'price' does not exist")],
                  [edge("numbers", "bad")])
    bad = processes.run(graph).nodes["bad"]
    assert bad.status == "failed"
    assert bad.error == "parameter 'message': column 'price' does not exist"
    assert bad.traceback is None


def test_a_bug_in_a_node_shows_the_workers_traceback(build, processes):
    graph = build([n("numbers", "numbers"), n("buggy", "crash")], [edge("numbers", "buggy")])
    buggy = processes.run(graph).nodes["buggy"]
    assert buggy.status == "failed"
    assert buggy.error == "IndexError: list index out of range"
    assert "dataflow_testpack/nodes.py" in buggy.traceback and "in crash" in buggy.traceback


def test_an_exception_that_cannot_be_rebuilt_arrives_as_a_runtime_error_with_its_text(build, processes):
    graph = build([n("odd", "odd_error", kind="unpicklable")])
    odd = processes.run(graph).nodes["odd"]
    assert odd.status == "failed"
    assert odd.error == "RuntimeError: StubbornError: the cupboard is empty because nobody went shopping"
    assert "raise StubbornError" in odd.traceback


def test_system_exit_in_a_node_fails_that_node_and_keeps_the_worker(build, engine_for):
    engine = engine_for("processes", max_workers=1)
    where = build([n("numbers", "numbers"), n("where", "pid")], [edge("numbers", "where")])
    before = engine.run(where, keep_outputs=True).outputs["where"]["params"]["pid"]

    exiting = engine.run(build([n("odd", "odd_error", kind="system_exit")])).nodes["odd"]

    assert exiting.status == "failed" and exiting.error == "RuntimeError: SystemExit: 7"
    assert engine.run(where, keep_outputs=True).outputs["where"]["params"]["pid"] == before


@pytest.mark.parametrize(("how", "described"), [("exit", "exit code 3"), ("segfault", "killed by signal SIGSEGV")])
def test_a_dying_worker_fails_only_its_node_and_the_next_run_works(how, described, build, processes, tmp_path):
    meeting = str(tmp_path / "meeting")
    graph = build([
        n("numbers", "numbers", count=3),
        n("killer", "kill_worker", how=how, code=3, folder=meeting, name="killer", others="survivor"),
        n("after_killer", "total"),
        n("survivor", "rendezvous", folder=meeting, name="survivor", others="killer"),
        n("after_survivor", "total"),
    ], [edge("numbers", "killer"), edge("killer", "after_killer"), edge("numbers", "survivor"),
        edge("survivor", "after_survivor")])

    result = processes.run(graph, keep_outputs=True)

    statuses = {r.id: r.status for r in result.nodes.values()}
    assert statuses == {"numbers": "computed", "killer": "failed", "after_killer": "skipped",
                        "survivor": "computed", "after_survivor": "computed"}
    assert result.nodes["killer"].error == (
        f"WorkerDiedError: worker process died while running node 'killer' ({described})")
    assert result.outputs["after_survivor"]["params"] == {"total": 3}
    dead = int((tmp_path / "meeting" / "killer.arrived").read_text())
    assert dead not in processes.executor.worker_pids

    again = processes.run(build([n("numbers", "numbers"), n("where", "pid")], [edge("numbers", "where")]),
                          keep_outputs=True)
    assert again.status == "ok"
    assert again.outputs["where"]["params"]["pid"] in processes.executor.worker_pids


def test_a_node_defined_inside_a_function_is_refused_with_a_clear_message(pack_site, tmp_path):
    from types import SimpleNamespace

    from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow

    from .conftest import write_workflow

    @node(category="Test")
    def local_numbers() -> Params:
        """A node nobody can import by name."""
        return {"values": [1]}

    plugin = SimpleNamespace(register_nodes=hookimpl(lambda register: register(local_numbers)))
    registry = load_registry(extra=[("local", plugin)])
    path = write_workflow(tmp_path / "local.json", [{"id": "here", "type": "local.local_numbers", "params": {}}])
    graph = compile_workflow(load_workflow(path), registry)

    with Engine.open(registry, executor="processes", max_workers=1, use_cache=False, directory=tmp_path) as engine:
        here = engine.run(graph).nodes["here"]

    assert here.status == "failed"
    assert "cannot run in a worker process" in here.error and "'threads' executor" in here.error


def test_a_job_queued_behind_a_dying_worker_runs_in_a_fresh_one(registry):
    from dataflow_executors.processes import ProcessExecutor, WorkerDiedError

    from dataflow.sdk import NodeTask

    def task(node_id: str, type_id: str, inputs=None, **params) -> NodeTask:
        spec = registry.nodes[type_id]
        return NodeTask(node_id, spec, dict(inputs or {}), {p.name: p.default for p in spec.params} | params, {}, {})

    executor = ProcessExecutor(1)
    try:
        dying = executor.submit(task("killer", "testpack.kill_worker"))
        queued = executor.submit(task("after", "testpack.pid", {"data": {"values": [5]}}))
        with pytest.raises(WorkerDiedError, match="worker process died while running node 'killer' \\(exit code 3\\)"):
            dying.result(timeout=60)
        assert queued.result(timeout=60).outputs["params"]["values"] == [5]
        assert queued.result().outputs["params"]["pid"] in executor.worker_pids
    finally:
        executor.shutdown()


def test_results_computed_in_workers_are_cached_like_any_other(registry, build, tmp_path):
    from dataflow.kernel import Engine

    if not registry.caches:
        pytest.skip("no cache tier is installed (plugins/cache, dataflow-cache)")
    graph = build([n("numbers", "numbers", count=3), n("sum", "total")], [edge("numbers", "sum")])
    with Engine.open(registry, executor="processes", max_workers=2, directory=tmp_path / "cache") as engine:
        first = engine.run(graph, keep_outputs=True)
        second = engine.run(graph, keep_outputs=True)
    assert {r.status for r in first.nodes.values()} == {"computed"}
    assert {r.status for r in second.nodes.values()} == {"cached"}
    assert second.outputs == first.outputs == {"sum": {"params": {"total": 3}}}


def wait_for_file(path, within: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_aborting_with_ctrl_c_stops_running_workers_instead_of_waiting(registry, build, tmp_path):
    """A second Ctrl-C in `dataflow run` raises KeyboardInterrupt out of `with engine:`; closing the
    engine then must not wait for a node that would run for ten minutes."""
    from dataflow.kernel import Engine

    from .test_plugin import gone

    meeting = tmp_path / "meeting"
    graph = build([n("stuck", "rendezvous", folder=str(meeting), name="stuck", others="nobody", timeout=600),
                   n("numbers", "numbers"), n("after", "total")], [edge("numbers", "after")])

    def listener(event):
        if event.kind == "computed" and event.node_id == "after":
            wait_for_file(meeting / "stuck.arrived")  # the ten-minute node is running in a worker
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), Engine.open(registry, executor="processes", max_workers=3,
                                                       use_cache=False, directory=tmp_path) as engine:
        engine.run(graph, listener=listener)

    assert gone(int((meeting / "stuck.arrived").read_text()))
    assert engine.executor.worker_pids == []


def test_a_plain_shutdown_waits_for_the_running_node(registry, tmp_path):
    import threading
    import time

    from dataflow_executors.processes import ProcessExecutor

    from dataflow.sdk import NodeTask

    spec = registry.nodes["testpack.rendezvous"]
    meeting = tmp_path / "meeting"
    params = {"folder": str(meeting), "name": "slowpoke", "others": "go", "timeout": 120.0}
    executor = ProcessExecutor(1)
    future = executor.submit(NodeTask("slowpoke", spec, {}, params, {}, {}))
    pool = executor._pool
    wait_for_file(meeting / "slowpoke.arrived")
    closing = threading.Thread(target=executor.shutdown)
    closing.start()
    deadline = time.monotonic() + 60
    while not pool.closed:  # shutdown has begun...
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not future.done()  # ...and the node is still running: it was not killed
    (meeting / "go.arrived").write_text("")
    closing.join(120)
    assert future.result(timeout=0).outputs["params"]["met"] == ["go"]
    assert not closing.is_alive() and executor.worker_pids == []
