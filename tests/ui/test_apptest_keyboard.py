"""What the keyboard shortcuts do, without a browser (the browser test presses the keys): Delete
removes the selected node, or the edge last clicked, at once; Ctrl+D duplicates a node with its
parameters; the canvas itself deletes nothing on its own (it would not tell Python)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_apptest import APP, add, canvas_args, canvas_reply, three_connected


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def test_delete_removes_the_selected_node_at_once_and_the_counts_follow(at):
    three_connected(at)
    canvas_reply(at, selected="keep_above")
    at.button(key="kb_delete").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == ["points", "scatter"]
    assert [n["id"] for n in canvas_args(at)["nodes"]] == ["points", "scatter"]
    assert any(c.value.startswith("2 nodes · 0 connections · selected: none") for c in at.caption)
    assert not [b for b in at.button if (b.key or "").startswith("del:")]       # its panel is gone


def test_delete_after_clicking_an_edge_removes_that_edge_not_its_node(at):
    three_connected(at)
    edge = canvas_args(at)["edges"][0]["id"]
    canvas_reply(at, selected=edge)
    at.button(key="kb_delete").click().run()
    doc = at.session_state["doc"]
    assert list(doc.workflow.nodes) == ["points", "keep_above", "scatter"]
    assert [(e.source, e.target) for e in doc.workflow.edges] == [("keep_above", "scatter")]


def test_duplicate_copies_a_node_with_its_parameters_and_undo_takes_it_back(at):
    add(at, "uipack.points")
    doc = at.session_state["doc"]
    doc.set_param("points", "rows", 12, 30)
    at.run()
    at.button(key="kb_duplicate").click().run()
    assert doc.workflow.nodes["points_2"].params == {"rows": 12} and doc.selected == "points_2"
    assert doc.workflow.nodes["points_2"].position != doc.workflow.nodes["points"].position
    at.button(key="tb_undo").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == ["points"]


def test_the_canvas_deletes_nothing_by_itself(at):
    three_connected(at)
    args = canvas_args(at)
    assert not any(n["deletable"] for n in args["nodes"]) and not any(e["deletable"] for e in args["edges"])


def test_the_page_uses_no_deprecated_streamlit_api(app_env, monkeypatch):
    """`components.v1.html` (the key listener's old frame) is deprecated in favour of `st.iframe`;
    the listener is a `st.components.v2` component now, and nothing else the page draws warns."""
    from streamlit import deprecation_util

    warned: list[str] = []
    monkeypatch.setattr(deprecation_util, "show_deprecation_warning",
                        lambda message, *args, **kwargs: warned.append(message))
    at = AppTest.from_file(APP, default_timeout=60).run()
    three_connected(at)
    canvas_reply(at, selected="keep_above")
    assert not at.exception
    assert warned == []


def test_layout_takes_the_heights_the_page_measured_when_it_was_pressed(at):
    three_connected(at)
    at.session_state["kb_listener"] = {"sizes": {"points": 300, "keep_above": 95, "gone": 50}}
    at.button(key="tb_layout").click().run()
    assert not at.exception
    heights = at.session_state["doc"].heights
    assert heights["points"] == 300 and heights["keep_above"] == 95 and "gone" not in heights
