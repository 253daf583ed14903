"""The workbench a newcomer can trust, without a browser: a connection that fits several port pairs
waits for the user's choice, every node shows its ports and what feeds them, a join's inputs swap
in one action, and the unsaved marker and prompt keep work from being lost."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_apptest import APP, add, canvas_args, canvas_reply


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def split_and_combine(at: AppTest) -> None:
    """numbers -> split, and a combine node; then the user draws split -> combine (two pairs fit)."""
    for type_id in ("testpack.numbers", "testpack.split", "testpack.combine"):
        add(at, type_id)
    canvas_reply(at, edges=[{"id": "st-flow-edge_numbers-split", "source": "numbers", "target": "split"}])
    canvas_reply(at, edges=canvas_args(at)["edges"] + [
        {"id": "st-flow-edge_split-combine", "source": "split", "target": "combine"}])


def contents(at: AppTest) -> dict[str, str]:
    return {n["id"]: n["data"]["content"] for n in canvas_args(at)["nodes"]}


def test_a_connection_that_fits_several_port_pairs_waits_for_the_users_choice(at):
    split_and_combine(at)
    edges = at.session_state["doc"].workflow.edges
    assert [(e.source, e.target) for e in edges] == [("numbers", "split")]      # nothing guessed
    labels = [b.label for b in at.button if (b.key or "").startswith("pick_ports:")]
    assert labels == ["evens → left", "odds → left", "evens → right", "odds → right", "Cancel"]
    assert all(b.type != "primary" for b in at.button if (b.key or "").startswith("pick_ports:"))
    pending = [e for e in canvas_args(at)["edges"] if e["id"] == "pending-connection"]
    assert pending and pending[0]["label"] == "which ports?"
    at.button(key="pick_ports:1").click().run()                                 # odds → left
    edges = at.session_state["doc"].workflow.edges
    assert [(e.source_port, e.target_port) for e in edges if e.target == "combine"] == [("odds", "left")]
    assert not [b for b in at.button if (b.key or "").startswith("pick_ports:")]
    assert "pending-connection" not in [e["id"] for e in canvas_args(at)["edges"]]


def test_cancelling_the_port_choice_leaves_no_connection(at):
    split_and_combine(at)
    at.button(key="pick_ports:cancel").click().run()
    assert [(e.source, e.target) for e in at.session_state["doc"].workflow.edges] == [("numbers", "split")]
    assert "pending-connection" not in [e["id"] for e in canvas_args(at)["edges"]]


def test_a_connection_with_one_free_pair_is_made_at_once(at):
    split_and_combine(at)
    at.button(key="pick_ports:0").click().run()                                 # evens → left
    canvas_reply(at)                                                            # the canvas's echo
    canvas_reply(at, edges=canvas_args(at)["edges"] + [           # again: only `right` is free now
        {"id": "st-flow-edge_split-combine", "source": "split", "target": "combine"}])
    labels = [b.label for b in at.button if (b.key or "").startswith("pick_ports:")]
    assert labels == ["evens → right", "odds → right", "Cancel"]


def test_every_node_shows_its_ports_and_what_feeds_each_input(at):
    split_and_combine(at)
    at.button(key="pick_ports:1").click().run()
    shown = contents(at)
    assert "numbers.params → <b>data</b>" in shown["split"]
    assert "→ <b>evens</b>, <b>odds</b>" in shown["split"]
    assert "split.odds → <b>left</b>" in shown["combine"]
    assert "<b>right</b> ← optional" in shown["combine"]
    add(at, "testpack.total")
    assert "<b>data</b> ← not connected" in contents(at)["total"]


def test_a_joins_left_and_right_swap_in_one_action(at):
    split_and_combine(at)
    at.button(key="pick_ports:0").click().run()                                 # evens → left
    canvas_reply(at)                                                            # the canvas's echo
    canvas_reply(at, edges=canvas_args(at)["edges"] + [
        {"id": "st-flow-edge_split-combine", "source": "split", "target": "combine"}])
    at.button(key="pick_ports:1").click().run()                                 # odds → right
    canvas_reply(at, selected="combine")
    at.button(key="swap:combine").click().run()
    edges = at.session_state["doc"].workflow.edges
    assert sorted((e.source_port, e.target_port) for e in edges if e.target == "combine") == [
        ("evens", "right"), ("odds", "left")]
    assert "split.odds → <b>left</b>" in contents(at)["combine"]
    at.button(key="tb_undo").click().run()                                      # one step back
    edges = at.session_state["doc"].workflow.edges
    assert sorted((e.source_port, e.target_port) for e in edges if e.target == "combine") == [
        ("evens", "left"), ("odds", "right")]


def test_the_canvas_caption_counts_in_words_and_hides_its_sync_stamp(at):
    add(at, "uipack.points")
    caption = next(c.value for c in at.caption if "connection" in c.value)
    assert caption.startswith("1 node · 0 connections")
    assert "display:none" in caption.split("ts=")[0]


def test_a_node_added_while_another_is_selected_is_connected_to_it_and_one_undo_takes_both(at):
    add(at, "uipack.points")
    add(at, "uipack.keep_above", connect=True)          # points is selected: one pair fits
    d = at.session_state["doc"]
    assert [(e.source, e.source_port, e.target, e.target_port) for e in d.workflow.edges] == \
        [("points", "table", "keep_above", "table")]
    assert d.selected == "keep_above"
    at.button(key="tb_undo").click().run()
    assert list(d.workflow.nodes) == ["points"] and d.workflow.edges == []


def test_a_node_added_after_one_with_several_fitting_outputs_asks_which_pair(at):
    add(at, "testpack.numbers")
    add(at, "testpack.split", connect=True)
    add(at, "testpack.combine", connect=True)           # evens/odds x left/right: nothing made yet
    d = at.session_state["doc"]
    assert len(d.workflow.edges) == 1
    chooser = [b for b in at.button if (b.key or "").startswith("pick_ports:")]
    assert {b.label for b in chooser} >= {"evens → left", "odds → right"}
    next(b for b in chooser if b.label == "odds → left").click().run()
    assert ("split", "odds", "combine", "left") in [(e.source, e.source_port, e.target, e.target_port)
                                                    for e in d.workflow.edges]
    at.button(key="tb_undo").click().run()               # the node and its chosen connection together
    assert "combine" not in d.workflow.nodes and len(d.workflow.edges) == 1
