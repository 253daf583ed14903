"""The properties panel reuses one widget per place and kind for every node (`ui/slots.py`): a
selection updates the fields in place instead of mounting new ones. These check that a reused
field never shows another node's value, problem or open menu, and that undo still reaches it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.fields import menu_key, open_menu, param_key
from tests.ui.test_apptest import APP, add, canvas_reply


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def two_filters(at) -> tuple[str, str]:
    add(at, "uipack.keep_above")
    add(at, "uipack.keep_above")
    first, second = at.session_state["doc"].workflow.nodes
    return first, second


def threshold(at, node_id: str):
    return at.number_input(key=param_key(at.number_input, at, node_id, "threshold"))


def test_selecting_another_node_of_the_type_shows_its_values_in_the_same_widgets(at):
    first, second = two_filters(at)
    canvas_reply(at, selected=first)
    field = threshold(at, first)
    field.set_value(7.5).run()
    assert at.session_state["doc"].workflow.nodes[first].params["threshold"] == 7.5
    key = param_key(at.number_input, at, first, "threshold")
    canvas_reply(at, selected=second)
    assert param_key(at.number_input, at, second, "threshold") == key       # the same widget...
    assert threshold(at, second).value == 0.0                              # ...showing the second node's value
    assert at.text_input(key="node_label").value == ""
    canvas_reply(at, selected=first)
    assert threshold(at, first).value == 7.5
    assert not at.exception


def test_undo_and_redo_reach_a_reused_field(at):
    first, second = two_filters(at)
    canvas_reply(at, selected=first)
    threshold(at, first).set_value(3.0).run()
    canvas_reply(at, selected=second)
    canvas_reply(at, selected=first)
    at.button(key="tb_undo").click().run()
    assert threshold(at, first).value == 0.0
    at.button(key="tb_redo").click().run()
    assert threshold(at, first).value == 3.0


def test_a_problem_and_an_open_menu_stay_with_their_node(at):
    first, second = two_filters(at)
    canvas_reply(at, selected=first)
    key = param_key(at.text_input, at, first, "column")
    at.session_state[f"err:{key}"] = "not a column of the table"   # what a refused entry leaves
    open_menu(at, "bind_menu:", first, "threshold")
    assert "not a column of the table" in [e.value for e in at.error]
    assert [b for b in at.button if b.key == f"promote:{first}:threshold"]
    canvas_reply(at, selected=second)
    assert "not a column of the table" not in [e.value for e in at.error]
    assert not [b for b in at.button if (b.key or "").startswith("promote:")]   # its menu is closed
    assert at.session_state[menu_key(at, "bind_menu:", second, "threshold")] is False


def test_an_edit_committed_by_the_delete_that_removes_its_node_is_dropped(at):
    """A Delete key press that also commits the field the focus left: the node goes, and the
    field's callback, run in the same interaction, finds no node and does nothing."""
    first, _ = two_filters(at)
    canvas_reply(at, selected=first)
    threshold(at, first).set_value(4.0)
    at.text_input(key="node_label").set_value("renamed")
    at.button(key="kb_delete").click().run()
    assert not at.exception
    assert first not in at.session_state["doc"].workflow.nodes
