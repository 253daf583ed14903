"""The Dask executor on a real LocalCluster: same results and statuses as running in-process,
failures contained to their node, a killed worker survived, nothing sent for a cached run."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

from dataflow.kernel import CancelToken

from .conftest import ALLOWED_FAILURES, edge, n


def chain_with_branches(build):
    return build([
        n("numbers", "numbers", count=6, start=-2),
        n("halves", "scale", factor=2, mode="divide"),
        n("parts", "split"),
        n("back", "combine"),
        n("sum", "total"),
        n("table", "frame"),
    ], [edge("numbers", "halves"), edge("halves", "parts"),
        edge("parts", "back", "odds", "left"), edge("parts", "back", "evens", "right"), edge("back", "sum"),
        edge("numbers", "table")])


def test_nodes_run_on_the_cluster_workers_not_in_this_process(dask_executor, engine_on, build):
    graph = build([n("numbers", "numbers"), n("where", "pid")], [edge("numbers", "where")])
    result = engine_on(dask_executor).run(graph, keep_outputs=True)
    assert result.status == "ok"
    worker_pids = set(dask_executor.client().run(os.getpid).values())
    assert result.outputs["where"]["params"]["pid"] in worker_pids
    assert result.outputs["where"]["params"]["pid"] != os.getpid()


def test_the_cluster_announces_its_dashboard_on_loopback(dask_executor):
    assert len(dask_executor.notices) == 1
    notice = dask_executor.notices[0]
    assert "local cluster of 2 worker processes on 127.0.0.1" in notice
    assert "dashboard: http://127.0.0.1:" in notice
    assert dask_executor.dashboard_link.startswith("http://127.0.0.1:")


def test_outputs_statuses_and_warnings_equal_a_sequential_run(dask_executor, engine_on, build, module_registry):
    from dataflow.kernel import Engine

    graph = chain_with_branches(build)
    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline_engine:
        inline = inline_engine.run(graph, keep_outputs=True)
    on_dask = engine_on(dask_executor).run(graph, keep_outputs=True)
    assert on_dask.status == inline.status == "ok"
    assert {k: r.status for k, r in on_dask.nodes.items()} == {k: r.status for k, r in inline.nodes.items()}
    assert on_dask.outputs["sum"] == inline.outputs["sum"]
    assert on_dask.outputs["table"]["table"].equals(inline.outputs["table"]["table"])
    assert {k: r.warnings for k, r in on_dask.nodes.items()} == {k: r.warnings for k, r in inline.nodes.items()}


def test_a_failing_node_fails_with_its_own_error_and_traceback_and_spares_its_sibling(dask_executor, engine_on,
                                                                                       build):
    graph = build([n("numbers", "numbers"), n("bad", "crash"), n("after", "total"), n("fine", "total")],
                  [edge("numbers", "bad"), edge("bad", "after"), edge("numbers", "fine")])
    result = engine_on(dask_executor).run(graph, keep_outputs=True)
    assert result.status == "failed"
    statuses = {k: r.status for k, r in result.nodes.items()}
    assert statuses == {"numbers": "computed", "bad": "failed", "after": "skipped", "fine": "computed"}
    assert result.nodes["bad"].error.startswith("IndexError: list index out of range")
    assert "in crash" in result.nodes["bad"].traceback  # the worker's frames, chained as the cause
    assert result.nodes["after"].error == "upstream 'bad' failed"
    assert result.outputs["fine"]["params"]["total"] == 10


def test_a_node_error_reads_as_it_does_in_process(dask_executor, engine_on, build):
    graph = build([n("numbers", "numbers"), n("bad", "fail", message="no such column")], [edge("numbers", "bad")])
    result = engine_on(dask_executor).run(graph)
    assert result.nodes["bad"].error == "parameter 'message': no such column"
    assert result.nodes["bad"].traceback is None


def test_sys_exit_in_a_node_fails_that_node_and_leaves_the_worker_alive(dask_executor, engine_on, build):
    graph = build([n("bye", "odd_error", kind="system_exit"), n("fine", "numbers")])
    result = engine_on(dask_executor).run(graph)
    assert result.nodes["bye"].status == "failed"
    assert "SystemExit" in result.nodes["bye"].error
    assert result.nodes["fine"].status == "computed"
    assert len(dask_executor.client().scheduler_info()["workers"]) == 2


def test_a_worker_killed_mid_task_has_its_task_retried_and_the_run_completes(dask_executor, engine_on, build):
    client = dask_executor.client()
    graph = build([n("numbers", "numbers"), n("nap", "slow", seconds=4.0)], [edge("numbers", "nap")])
    killed: list[int] = []

    def kill_the_worker_running_nap():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not killed:
            for address, keys in client.processing().items():
                if any("nap" in str(key) for key in keys):
                    time.sleep(0.5)  # let it start
                    pid = client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_worker_running_nap)
    killer.start()
    result = engine_on(dask_executor).run(graph, keep_outputs=True)
    killer.join()
    assert killed, "the test never saw the node running"
    assert result.status == "ok", result.nodes["nap"].error
    assert result.outputs["nap"]["params"]["values"] == [0, 1, 2, 3, 4]
    client.wait_for_workers(2, timeout=30)  # the nanny restarts it


def test_a_node_that_kills_every_worker_it_runs_on_fails_naming_the_lost_worker(dask_executor, engine_on, build):
    graph = build([n("killer", "kill_worker"), n("fine", "numbers")])
    result = engine_on(dask_executor).run(graph)
    assert result.nodes["fine"].status == "computed"
    assert result.nodes["killer"].status == "failed"
    error = result.nodes["killer"].error
    assert error.startswith(f"WorkerLostError: node 'killer' lost its worker each time it ran "
                            f"({ALLOWED_FAILURES + 1} tries; the last worker was tcp://127.0.0.1:")
    dask_executor.client().wait_for_workers(2, timeout=30)


def test_a_fully_cached_run_submits_nothing(dask_executor, engine_on, build):
    engine = engine_on(dask_executor, cache=True)
    graph = chain_with_branches(build)
    first = engine.run(graph, keep_outputs=True)
    assert first.status == "ok"
    engine.cache.flush() if hasattr(engine.cache, "flush") else None
    before = dask_executor.submitted
    again = engine.run(graph, keep_outputs=True)
    assert {r.status for r in again.nodes.values()} == {"cached"}
    assert dask_executor.submitted == before
    assert again.outputs["sum"] == first.outputs["sum"]


def test_a_fully_cached_run_starts_no_cluster(module_registry, engine_on, build):
    from dataflow_executors import SequentialExecutor

    from dataflow.kernel import Engine
    from dataflow_dask import DaskExecutor

    graph = chain_with_branches(build)
    inline = engine_on(SequentialExecutor(), cache=True)
    assert inline.run(graph).status == "ok"
    lazy = DaskExecutor(2)
    result = Engine(module_registry, lazy, inline.cache, inline.cache_root).run(graph)
    assert {r.status for r in result.nodes.values()} == {"cached"}
    assert lazy.dashboard_link is None and lazy.submitted == 0  # never connected
    lazy.shutdown()


def test_stop_cancels_the_runs_tasks_on_the_cluster(dask_executor, engine_on, build):
    client = dask_executor.client()
    graph = build([n("numbers", "numbers"), n("a", "slow", seconds=3.0), n("b", "slow", seconds=3.0),
                   n("c", "slow", seconds=3.0)],
                  [edge("numbers", "a"), edge("numbers", "b"), edge("numbers", "c")])
    token = CancelToken()

    def listener(event):
        if event.kind == "running" and event.node_id == "a":
            threading.Timer(0.5, token.cancel).start()

    started = time.monotonic()
    result = engine_on(dask_executor).run(graph, cancel=token, listener=listener)
    assert result.status == "cancelled"
    assert time.monotonic() - started < 3.0
    assert {result.nodes[x].status for x in "abc"} == {"skipped"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(client.processing().values()):
        time.sleep(0.1)
    assert not any(client.processing().values())  # the third task never started: it was cancelled


def listening_sockets() -> list[tuple[str, int]]:
    """(local address, pid) of every listening TCP socket, read from `ss -ltnp`."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        local = fields[3]
        for pid in re.findall(r"pid=(\d+)", line):
            found.append((local.rsplit(":", 1)[0].strip("[]"), int(pid)))
    return found


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_every_socket_of_the_cluster_listens_on_loopback_only(dask_executor):
    import psutil

    pids = {os.getpid(), *dask_executor.client().run(os.getpid).values()}  # nannies and scheduler: here
    pids.update(child.pid for child in psutil.Process().children(recursive=True))
    ours = [(address, pid) for address, pid in listening_sockets() if pid in pids]
    assert len(ours) >= 6, ours  # scheduler, dashboard, two nannies, two workers
    assert {address for address, _ in ours} == {"127.0.0.1"}, ours


def test_tables_stay_on_the_workers_and_only_the_kept_summary_reaches_the_driver(dask_executor, engine_on, build,
                                                                                 module_registry):
    """The measurement of issue 22: on a chain over a table ending in a small summary, the
    serializer bytes that reach the driver are the summary's, not the tables'."""
    graph = build([n("numbers", "numbers", count=20_000), n("table", "frame"), n("copy", "same_table"),
                   n("summary", "table_dtypes")],
                  [edge("numbers", "table"), edge("table", "copy"), edge("copy", "summary")])
    before = dask_executor.bytes_pulled
    result = engine_on(dask_executor).run(graph, keep_outputs=["summary"])
    assert result.status == "ok"
    assert result.outputs["summary"]["params"]["rows"] == 20_000
    table = module_registry.serializers.get("table")
    from dataflow.kernel import Engine

    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline:
        frame = inline.run(graph, keep_outputs=["table"]).outputs["table"]["table"]
    table_bytes = memoryview(table.dumps(frame)).nbytes
    pulled = dask_executor.bytes_pulled - before
    assert 0 < pulled < table_bytes / 10, (pulled, table_bytes)  # the summary only


def test_an_output_of_the_wrong_type_is_checked_on_the_worker_and_fails_the_node_as_in_process(
        dask_executor, engine_on, build, module_registry):
    from dataflow.kernel import Engine

    graph = build([n("numbers", "numbers"), n("wrong", "wrong_output"), n("after", "table_dtypes")],
                  [edge("numbers", "wrong"), edge("wrong", "after")])
    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline_engine:
        inline = inline_engine.run(graph)
    before = dask_executor.bytes_pulled
    on_dask = engine_on(dask_executor).run(graph)
    assert dask_executor.bytes_pulled == before  # nothing fetched to check it
    assert on_dask.nodes["wrong"].status == inline.nodes["wrong"].status == "failed"
    assert on_dask.nodes["wrong"].error == inline.nodes["wrong"].error
    assert "output 'table' is not a table" in on_dask.nodes["wrong"].error
    assert on_dask.nodes["after"].status == "skipped"


def scheduler_keys(client) -> set[str]:
    """The keys whose results the cluster holds in memory (a released reply is freed; its task may
    stay known to the scheduler, released, while a dependent's result is held)."""
    return set(client.run_on_scheduler(
        lambda dask_scheduler: [str(k) for k, ts in dask_scheduler.tasks.items() if ts.state == "memory"]))


def test_a_table_is_freed_on_the_cluster_once_its_last_consumer_ran(dask_executor, engine_on, build):
    client = dask_executor.client()
    graph = build([n("numbers", "numbers", count=1000), n("table", "frame"), n("copy", "same_table"),
                   n("summary", "table_dtypes"), n("nap", "slow", seconds=2.0)],
                  [edge("numbers", "table"), edge("table", "copy"), edge("copy", "summary"), edge("summary", "nap")])
    seen: dict[str, set[str]] = {}

    def watch():
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # the release reaches the scheduler moments later
            keys = scheduler_keys(client)
            seen["while nap ran"] = {k.split("-")[1] for k in keys if k.startswith("dataflow-")}
            if not seen["while nap ran"] & {"table", "copy", "numbers"}:
                return
            time.sleep(0.1)

    def listener(event):
        if event.kind == "running" and event.node_id == "nap":
            watcher = threading.Thread(target=watch)
            watcher.start()
            seen["thread"] = watcher

    result = engine_on(dask_executor).run(graph, listener=listener, keep_outputs=["nap"])
    seen.pop("thread").join()
    assert result.status == "ok"
    assert not seen["while nap ran"] & {"numbers", "table", "copy"}, seen  # dropped by the engine: released
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(k.startswith("dataflow-") for k in scheduler_keys(client)):
        time.sleep(0.1)
    assert not [k for k in scheduler_keys(client) if k.startswith("dataflow-")]  # nothing left after the run


def test_a_loop_over_groups_of_a_table_held_on_the_cluster_equals_a_sequential_run(dask_executor, engine_on, build,
                                                                                    module_registry):
    from dataflow.kernel import Engine

    graph = build([n("numbers", "numbers", count=12), n("table", "frame"),
                   {"id": "per_kind", "type": "transform.sort", "params": {"columns": ["value"], "order": "descending"},
                    "loop": {"over": "groups", "port": "table", "keys": ["cat"]}}],
                  [edge("numbers", "table"), edge("table", "per_kind")])
    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline_engine:
        inline = inline_engine.run(graph, keep_outputs=["per_kind"])
    on_dask = engine_on(dask_executor).run(graph, keep_outputs=["per_kind"])
    assert inline.status == on_dask.status == "ok", {k: r.error for k, r in on_dask.nodes.items() if r.error}
    assert on_dask.outputs["per_kind"]["table"].equals(inline.outputs["per_kind"]["table"])


@pytest.fixture
def joined(dask_executor):
    """`joined(shared_cache=None)` -> a Dask executor connected to the module's cluster by its
    address, as to a remote one (its workers reach this machine's folders only when shared)."""
    from dataflow_dask import DaskExecutor

    made = []

    def make(shared_cache=None):
        executor = DaskExecutor(scheduler=dask_executor.client().scheduler_info()["address"],
                                shared_cache=shared_cache, announce=lambda _text: None)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.shutdown()


def test_with_a_shared_cache_folder_workers_write_every_entry_and_a_rerun_submits_nothing(joined, engine_on, build,
                                                                                          tmp_path):
    executor = joined(shared_cache=tmp_path)  # the engine's cache folder is tmp_path / "cache"
    engine = engine_on(executor, cache=True)
    graph = chain_with_branches(build)
    first = engine.run(graph, keep_outputs=["sum"])
    assert first.status == "ok" and first.not_cached == []
    assert all(engine.cache.contains(r.key) for r in first.nodes.values())  # written by the workers
    before = executor.submitted
    again = engine.run(graph, keep_outputs=True)
    assert {r.status for r in again.nodes.values()} == {"cached"}
    assert executor.submitted == before
    assert again.outputs["sum"] == first.outputs["sum"]


def test_without_a_shared_cache_folder_the_driver_caches_what_it_fetched_and_names_the_rest(
        joined, engine_on, build, module_registry, tmp_path, caplog):
    from dataflow.kernel import Engine

    engine = engine_on(joined(), cache=True)
    graph = chain_with_branches(build)
    with caplog.at_level("WARNING", logger="dataflow.kernel.run"):
        result = engine.run(graph, keep_outputs=["sum"])
    assert result.status == "ok"
    assert sorted(result.not_cached) == ["back", "halves", "numbers", "parts", "table"]
    assert "5 computed node(s) were not cached" in caplog.text
    engine.cache.flush()
    assert {k for k, r in result.nodes.items() if engine.cache.contains(r.key)} == {"sum"}
    with Engine.open(module_registry, executor="sequential", directory=tmp_path / "inline") as inline:
        keys = {k: r.key for k, r in inline.run(graph).nodes.items()}
    assert keys == {k: r.key for k, r in result.nodes.items()}  # the same keys as any other executor


def test_a_task_whose_end_event_never_arrives_is_reported_by_its_summary_task(dask_executor, engine_on, build):
    from dataflow_dask import DaskExecutor

    class Deaf(DaskExecutor):
        def _on_event(self, event):
            pass  # as if the scheduler had dropped every event

    executor = Deaf(scheduler=dask_executor.client().scheduler_info()["address"], announce=lambda _text: None)
    try:
        graph = build([n("numbers", "numbers"), n("sum", "total"), n("bad", "crash")],
                      [edge("numbers", "sum"), edge("numbers", "bad")])
        result = engine_on(executor).run(graph, keep_outputs=["sum"])
    finally:
        executor.shutdown()
    assert result.outputs["sum"]["params"]["total"] == 10
    assert {k: r.status for k, r in result.nodes.items()} == {"numbers": "computed", "sum": "computed",
                                                              "bad": "failed"}
    assert result.nodes["bad"].error.startswith("IndexError: list index out of range")


def test_a_chain_is_on_the_cluster_before_its_first_node_ends_and_gives_the_same_results(
        dask_executor, engine_on, build, module_registry):
    from dataflow.kernel import Engine

    nodes = [n("numbers", "numbers", count=5)] + [n(f"add{i}", "add", amount=i) for i in range(5)] + [
        n("sum", "total")]
    names = [node["id"] for node in nodes]
    graph = build(nodes, [edge(a, b) for a, b in zip(names, names[1:], strict=False)])
    sent_at_first_end = []

    def listener(event):
        if event.kind == "computed" and not sent_at_first_end:
            sent_at_first_end.append(dask_executor.submitted - before)

    before = dask_executor.submitted
    result = engine_on(dask_executor).run(graph, keep_outputs=["sum"], listener=listener)
    with Engine.open(module_registry, executor="sequential", use_cache=False) as inline_engine:
        inline = inline_engine.run(graph, keep_outputs=["sum"])
    assert sent_at_first_end == [7]  # every node was sent before the first end was accepted
    assert result.outputs["sum"] == inline.outputs["sum"]
    assert all(r.status == "computed" for r in result.nodes.values())
    assert all(0 <= r.seconds <= 0.05 for r in result.nodes.values())  # quick nodes: no end event, timed here


def test_a_nodes_progress_on_a_worker_reaches_the_run(dask_executor, engine_on, build):
    graph = build([n("numbers", "numbers"), n("steps", "stepper", steps=4, seconds=0.3)], [edge("numbers", "steps")])
    events = []
    result = engine_on(dask_executor).run(graph, listener=lambda e: events.append((e.kind, e.node_id, e.message)))
    assert result.status == "ok"
    progress = [message for kind, node_id, message in events if kind == "progress" and node_id == "steps"]
    assert "step 1 of 4" in progress and "4 steps done" not in progress[:1]
    assert events.index(("computed", "steps", "")) > events.index(("progress", "steps", progress[-1]))
    assert result.nodes["steps"].seconds >= 1.2  # a slow node's seconds come from its worker


def test_a_fault_while_learning_how_a_task_ended_fails_its_node_instead_of_hanging_the_run(dask_executor, engine_on,
                                                                                           build):
    from dataflow_dask import DaskExecutor

    class Broken(DaskExecutor):
        def _quiet_end(self, key, task, sent):
            raise ValueError("a bug in the executor")

    executor = Broken(scheduler=dask_executor.client().scheduler_info()["address"], announce=lambda _text: None)
    try:
        result = engine_on(executor).run(build([n("numbers", "numbers"), n("sum", "total")],
                                               [edge("numbers", "sum")]))
    finally:
        executor.shutdown()
    assert result.status == "failed"
    assert "its end could not be read from the cluster: ValueError: a bug in the executor" in \
        result.nodes["numbers"].error
    assert result.nodes["sum"].status == "skipped"
