"""The open workflow's history in the sidebar: each Save keeps the version it replaces, the
History section lists the versions and what changed from one to the open workflow, and Restore
brings one back in one action that Undo takes back."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_apptest import APP, add, open_section


@pytest.fixture
def at(app_env) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def saved_as_mine(at: AppTest, app_env):
    add(at, "uipack.points")
    open_section(at, "sb_saveas")
    at.sidebar.text_input(key="saveas_name").input("mine").run()
    at.sidebar.button(key="saveas_go").click().run()
    return app_env / "workflows" / "mine.json"


def test_an_unsaved_workflow_says_how_its_history_starts(at):
    open_section(at, "sb_history")
    assert any("Save the workflow to start its history" in c.value for c in at.sidebar.caption)


def test_save_keeps_the_previous_version_and_restore_brings_it_back_undoably(at, app_env):
    path = saved_as_mine(at, app_env)
    first = path.read_bytes()
    open_section(at, "sb_history")
    assert any("No versions yet" in c.value for c in at.sidebar.caption)

    add(at, "uipack.keep_above", connect=True)
    at.sidebar.button(key="wf_save").click().run()
    assert [n["id"] for n in json.loads(path.read_text())["nodes"]] == ["points", "keep_above"]
    assert len(list((app_env / "workflows" / ".dataflow-history" / "mine.json").iterdir())) == 1
    choice = at.sidebar.selectbox(key="history_choice")
    assert len(choice.options) == 1 and "oldest kept (1 node)" in choice.options[0]
    assert any(c.value == "From this version to the open workflow: 1 node added, 1 edge added"
               for c in at.sidebar.caption)
    assert any("+ node keep_above (uipack.keep_above)" in c.value for c in at.sidebar.code)

    at.sidebar.button(key="history_restore").click().run()
    assert not at.exception
    doc = at.session_state["doc"]
    assert list(doc.workflow.nodes) == ["points"] and not doc.dirty
    assert json.loads(path.read_bytes()) == json.loads(first)                       # saved at once
    assert any("Restored the version of" in s.value for s in at.success)
    assert len(at.sidebar.selectbox(key="history_choice").options) == 2             # what it replaced is kept

    at.button(key="tb_undo").click().run()
    doc = at.session_state["doc"]
    assert list(doc.workflow.nodes) == ["points", "keep_above"] and doc.dirty       # back, to be saved again
