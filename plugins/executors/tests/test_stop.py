"""Stop ends a run within 2 s with every executor, even while a node computes, and caches nothing
half-done: the node in flight is abandoned (a thread) or killed (a worker process)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from .conftest import ALL_EXECUTORS, edge, n

STOP_WITHIN = 2.0


def _stop_when_running(token, node_id: str, events: list):
    """A listener that records events and cancels the run 0.3 s after `node_id` starts."""
    def listener(event):
        events.append((time.perf_counter(), event.kind, event.node_id, event.fraction, event.message))
        if event.kind == "running" and event.node_id == node_id:
            threading.Timer(0.3, token.cancel).start()
    return listener


def _cancel_time(events) -> float:
    return next(t for t, kind, node_id, *_ in events if kind == "running" and node_id == "slow") + 0.3


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_stop_during_a_60_second_node_ends_the_run_within_2_seconds_and_caches_nothing(executor, build,
                                                                                        engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=60), n("after", "total")],
                  [edge("numbers", "slow"), edge("slow", "after")])
    engine = engine_for(executor, use_cache=True)
    token, events = CancelToken(), []

    result = engine.run(graph, listener=_stop_when_running(token, "slow", events), cancel=token)
    ended = time.perf_counter()

    assert ended - _cancel_time(events) < STOP_WITHIN
    assert result.status == "cancelled"
    assert {r.id: r.status for r in result.nodes.values()} == {
        "numbers": "computed", "slow": "skipped", "after": "skipped"}
    assert result.nodes["slow"].error == "run cancelled while this node was running; its result is discarded"
    assert result.nodes["after"].error == "run cancelled before this node started"
    assert events[-1][1] == "run_end"
    plans = engine.plan(graph)
    assert plans["numbers"].cached and not plans["slow"].cached and not plans["after"].cached


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_a_stopped_node_that_returns_later_is_discarded_and_the_next_run_recomputes_it(executor, build,
                                                                                      engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=1.5)], [edge("numbers", "slow")])
    engine = engine_for(executor, use_cache=True)
    token, events = CancelToken(), []
    engine.run(graph, listener=_stop_when_running(token, "slow", events), cancel=token)

    time.sleep(2.0)  # the abandoned call has returned by now (or its worker was killed)
    assert not engine.plan(graph)["slow"].cached
    again = engine.run(graph, cancel=CancelToken())
    assert {r.id: r.status for r in again.nodes.values()} == {"numbers": "cached", "slow": "computed"}


def test_stop_kills_the_worker_process_of_the_node_and_the_pool_starts_a_fresh_one(build, engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=60)], [edge("numbers", "slow")])
    engine = engine_for("processes", max_workers=1)
    token, events = CancelToken(), []
    engine.run(graph, listener=_stop_when_running(token, "slow", events), cancel=token)
    workers = list(engine.executor.worker_pids)
    deadline = time.monotonic() + STOP_WITHIN
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "the worker running the stopped node still lives"

    quick = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=0)], [edge("numbers", "slow")])
    assert engine.run(quick).status == "ok"


def test_a_stopped_thread_does_not_hold_a_slot_of_the_pool(build, engine_for):
    from dataflow.kernel import CancelToken

    engine = engine_for("threads", max_workers=1)
    slow = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=60)], [edge("numbers", "slow")])
    token, events = CancelToken(), []
    engine.run(slow, listener=_stop_when_running(token, "slow", events), cancel=token)

    started = time.perf_counter()
    both = build([n("a", "numbers"), n("b", "numbers"), n("x", "slow", seconds=0.2), n("y", "slow", seconds=0.2)],
                 [edge("a", "x"), edge("b", "y")])
    assert engine.run(both, cancel=CancelToken()).status == "ok"
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_a_node_reports_progress_as_run_events(executor, build, engine_for):
    graph = build([n("numbers", "numbers", count=3), n("steps", "stepper", steps=4, seconds=0.15)],
                  [edge("numbers", "steps")])
    events = []
    result = engine_for(executor).run(graph, listener=events.append)
    assert result.status == "ok"
    reports = [(e.fraction, e.message) for e in events if e.kind == "progress"]
    assert reports[0] == (0.0, "step 1 of 4")
    assert reports[-1] == (1.0, "4 steps done")
    assert [m for _, m in reports[:4]] == [f"step {i} of 4" for i in range(1, 5)]
    assert all(e.node_id == "steps" and e.node_type == "testpack.stepper" for e in events if e.kind == "progress")


@pytest.mark.parametrize("executor", ["sequential", "threads"])
def test_a_node_reporting_progress_stops_at_its_next_report_and_frees_its_thread(executor, build, engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers", count=3), n("slow", "stepper", steps=600, seconds=0.1)],
                  [edge("numbers", "slow")])
    token, events = CancelToken(), []
    engine_for(executor).run(graph, listener=_stop_when_running(token, "slow", events), cancel=token)
    deadline = time.monotonic() + STOP_WITHIN
    while time.monotonic() < deadline and _node_threads():
        time.sleep(0.05)
    assert not _node_threads()


def _node_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("dataflow-run", "dataflow-node"))
            and t.is_alive() and _busy(t)]


def _busy(thread: threading.Thread) -> bool:
    """A pool thread waiting for work is idle; the run driver thread is busy while it lives."""
    import sys
    import traceback

    frame = sys._current_frames().get(thread.ident)
    stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
    return "stepper" in stack


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_closing_the_engine_after_a_stop_does_not_wait_for_the_abandoned_node(executor, build, registry, tmp_path):
    from dataflow.kernel import CancelToken, Engine

    graph = build([n("numbers", "numbers", count=3), n("slow", "slow", seconds=60)], [edge("numbers", "slow")])
    engine = Engine.open(registry, executor=executor, max_workers=2, directory=tmp_path / "cache")
    token, events = CancelToken(), []
    engine.run(graph, listener=_stop_when_running(token, "slow", events), cancel=token)
    started = time.perf_counter()
    engine.close()
    assert time.perf_counter() - started < STOP_WITHIN
