"""Behaviour every executor shares with the engine: order, concurrency, failures, cancellation."""

from __future__ import annotations

import pytest

from .conftest import ALL_EXECUTORS, POOLED, edge, n


@pytest.mark.parametrize("executor", POOLED)
def test_independent_branches_really_run_at_the_same_time(executor, build, engine_for, tmp_path):
    meeting = str(tmp_path / "meeting")
    graph = build([
        n("left", "rendezvous", folder=meeting, name="left", others="right", timeout=30),
        n("right", "rendezvous", folder=meeting, name="right", others="left", timeout=30),
        n("both", "combine"),
    ], [edge("left", "both", target_port="left"), edge("right", "both", target_port="right")])

    result = engine_for(executor, max_workers=2).run(graph, keep_outputs=True)

    assert {r.id: (r.status, r.error) for r in result.nodes.values()} == {
        "left": ("computed", None), "right": ("computed", None), "both": ("computed", None)}
    assert result.status == "ok"


def test_threads_run_each_branch_in_its_own_thread(build, engine_for, tmp_path):
    meeting = str(tmp_path / "meeting")
    graph = build([
        n("left", "rendezvous", folder=meeting, name="left", others="right"),
        n("right", "rendezvous", folder=meeting, name="right", others="left"),
    ])
    result = engine_for("threads", max_workers=2).run(graph, keep_outputs=True)
    threads = {result.outputs[b]["params"]["thread"] for b in ("left", "right")}
    assert len(threads) == 2


def test_a_single_worker_cannot_meet_itself_so_the_rendezvous_really_proves_overlap(build, engine_for, tmp_path):
    """The control experiment: with one thread the branches run one after the other and the first
    one gives up waiting. Without this, the rendezvous tests could pass for a wrong reason."""
    meeting = str(tmp_path / "meeting")
    graph = build([
        n("left", "rendezvous", folder=meeting, name="left", others="right", timeout=0.3),
        n("right", "rendezvous", folder=meeting, name="right", others="left", timeout=0.3),
    ])
    result = engine_for("threads", max_workers=1).run(graph)
    failed = [r for r in result.nodes.values() if r.status == "failed"]
    assert len(failed) == 1  # the first gave up; by then it had arrived, so the second met it
    first, second = ("left", "right") if failed[0].id == "left" else ("right", "left")
    assert failed[0].error == f"rendezvous '{first}': {second} never arrived within 0.3 s"
    assert result.nodes[second].status == "computed"


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_a_chain_runs_in_order(executor, build, engine_for, tmp_path):
    log = tmp_path / "steps.log"
    steps = ["one", "two", "three", "four"]
    graph = build([n(s, "trace", log=str(log), name=s) for s in steps],
                  [edge(a, b) for a, b in zip(steps, steps[1:], strict=False)])

    result = engine_for(executor, max_workers=4).run(graph, keep_outputs=True)

    assert result.status == "ok"
    assert log.read_text().split("\n")[:-1] == [f"{what} {s}" for s in steps for what in ("start", "end")]
    assert result.outputs["four"]["params"] == {"trail": steps}


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_a_failing_node_skips_its_downstream_and_spares_its_independent_sibling(executor, build, engine_for):
    graph = build([
        n("numbers", "numbers", count=3),
        n("bad", "fail", message="prices must be positive"),
        n("after_bad", "total"),
        n("sibling", "add", amount=10),
        n("after_sibling", "total"),
    ], [edge("numbers", "bad"), edge("bad", "after_bad"), edge("numbers", "sibling"),
        edge("sibling", "after_sibling")])

    result = engine_for(executor).run(graph, keep_outputs=True)

    statuses = {r.id: r.status for r in result.nodes.values()}
    assert statuses == {"numbers": "computed", "bad": "failed", "after_bad": "skipped",
                        "sibling": "computed", "after_sibling": "computed"}
    assert result.nodes["bad"].error == "parameter 'message': prices must be positive"
    assert result.nodes["after_bad"].error == "upstream 'bad' failed"
    assert result.outputs["after_sibling"]["params"] == {"total": 10 + 11 + 12}
    assert result.status == "failed"


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_a_run_cancelled_before_it_starts_runs_nothing_even_without_a_listener(executor, build, engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers"), n("add", "add")], [edge("numbers", "add")])
    token = CancelToken()
    token.cancel()

    result = engine_for(executor).run(graph, cancel=token)

    assert token.cancelled and result.status == "cancelled"
    assert {r.id: r.status for r in result.nodes.values()} == {"numbers": "skipped", "add": "skipped"}
    assert result.nodes["numbers"].error == "run cancelled before this node started"


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_cancelling_after_the_first_node_skips_the_rest(executor, build, engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers"), n("add", "add"), n("scale", "scale"), n("total", "total")],
                  [edge("numbers", "add"), edge("add", "scale"), edge("scale", "total")])
    token = CancelToken()
    seen = []

    def listener(event):
        seen.append((event.kind, event.node_id))
        if event.kind == "computed" and event.node_id == "numbers":
            token.cancel()

    result = engine_for(executor).run(graph, listener=listener, cancel=token)

    assert {r.id: r.status for r in result.nodes.values()} == {
        "numbers": "computed", "add": "skipped", "scale": "skipped", "total": "skipped"}
    assert result.nodes["add"].error == "run cancelled before this node started"
    assert result.status == "cancelled"
    assert ("running", "add") not in seen
    assert seen[-1] == ("run_end", None)


@pytest.mark.parametrize("executor", ALL_EXECUTORS)
def test_an_engine_runs_again_after_a_run(executor, build, engine_for):
    graph = build([n("numbers", "numbers", count=4), n("total", "total")], [edge("numbers", "total")])
    engine = engine_for(executor)
    first = engine.run(graph, keep_outputs=True)
    second = engine.run(graph, keep_outputs=True)
    assert first.outputs == second.outputs == {"total": {"params": {"total": 6}}}


@pytest.mark.parametrize("executor", POOLED)
def test_sys_exit_in_a_node_fails_that_node_and_spares_its_sibling(executor, build, engine_for):
    graph = build([n("numbers", "numbers", count=2), n("bye", "odd_error", kind="system_exit"),
                   n("sibling", "total")], [edge("numbers", "sibling")])
    result = engine_for(executor).run(graph)
    assert {r.id: (r.status, r.error) for r in result.nodes.values()} == {
        "numbers": ("computed", None), "bye": ("failed", "RuntimeError: SystemExit: 7"),
        "sibling": ("computed", None)}


def test_sys_exit_in_a_node_fails_that_node_with_the_sequential_executor(build, engine_for):
    graph = build([n("bye", "odd_error", kind="system_exit")])
    assert engine_for("sequential").run(graph).nodes["bye"].status == "failed"


@pytest.mark.parametrize("executor", [
    "sequential", "threads", "processes",
])
def test_cancelling_while_a_batch_starts_runs_none_of_the_rest(executor, build, engine_for):
    from dataflow.kernel import CancelToken

    graph = build([n("numbers", "numbers"), n("a", "add"), n("b", "add"), n("c", "add")],
                  [edge("numbers", "a"), edge("numbers", "b"), edge("numbers", "c")])
    token = CancelToken()
    started = []

    def listener(event):
        if event.kind == "running" and event.node_id in ("a", "b", "c"):
            started.append(event.node_id)
            token.cancel()

    result = engine_for(executor, max_workers=4).run(graph, listener=listener, cancel=token)

    assert result.status == "cancelled"
    assert len(started) == 1
    # the node in flight when the run was stopped is abandoned: skipped, its result discarded
    assert sorted(r.status for r in result.nodes.values()) == ["computed", "skipped", "skipped", "skipped"]
    assert result.nodes[started[0]].error == "run cancelled while this node was running; its result is discarded"
