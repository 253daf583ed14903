"""No lost work, without a browser: New, Open and "Use this template" ask before they replace a
workflow with unsaved changes (save, discard, cancel), and no action deletes the autosave of
unsaved work."""

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


def autosaves(app_env) -> list:
    return sorted((app_env / "cache" / "app" / "autosave").glob("*.json"))


def prompt_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.sidebar.button if (b.key or "").startswith("unsaved_")]


def test_new_on_a_changed_workflow_asks_and_cancel_keeps_it(at, app_env):
    add(at, "uipack.points")
    at.sidebar.button(key="wf_new").click().run()
    assert prompt_buttons(at) == ["unsaved_save", "unsaved_discard", "unsaved_cancel"]
    assert any("has unsaved changes" in w.value and "start a new workflow" in w.value for w in at.sidebar.warning)
    assert list(at.session_state["doc"].workflow.nodes) == ["points"]            # nothing replaced yet
    at.sidebar.button(key="unsaved_cancel").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == ["points"]
    assert prompt_buttons(at) == []


def test_discarding_keeps_the_autosave_of_the_dropped_work(at, app_env):
    add(at, "uipack.points")
    (before,) = autosaves(app_env)
    at.sidebar.button(key="wf_new").click().run()
    at.sidebar.button(key="unsaved_discard").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == []
    assert before in autosaves(app_env)                                       # offered in the next session
    fresh = AppTest.from_file(APP, default_timeout=60).run()
    assert fresh.button(key="restore_yes")


def test_saving_from_the_prompt_writes_the_file_then_opens_the_other_workflow(at, app_env):
    other = app_env / "workflows" / "other.json"
    other.write_text(json.dumps({"version": "0.1.0", "nodes": [{"id": "stats", "type": "uipack.stats"}],
                                 "edges": [], "meta": {"name": "other"}}))
    add(at, "uipack.points")
    open_section(at, "sb_open")
    at.sidebar.selectbox(key="open_choice").select(other).run()
    at.sidebar.button(key="open_go").click().run()
    assert list(at.session_state["doc"].workflow.nodes) == ["points"]
    at.sidebar.text_input(key="unsaved_name").input("kept").run()
    at.sidebar.button(key="unsaved_save").click().run()
    assert not at.exception
    kept = json.loads((app_env / "workflows" / "kept.json").read_text())
    assert [n["id"] for n in kept["nodes"]] == ["points"]
    assert list(at.session_state["doc"].workflow.nodes) == ["stats"]


def test_a_clean_workflow_is_replaced_without_asking(at):
    at.sidebar.button(key="wf_new").click().run()
    assert prompt_buttons(at) == []
