"""The run panel (AppTest): a Stopping notice that lasts as long as the run does, a moving
clock, and each running node's progress report."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _panel(elapsed: float, stopping: bool, finished: bool = False) -> None:
    import streamlit as st

    from dataflow.ui import run_view
    from dataflow.ui.runner import Snapshot

    class Job:   # what run_view reads of a RunJob
        def __init__(self):
            self.finished = finished

        def snapshot(self):
            return Snapshot({}, 1, 3, ["train"], finished, None, None, elapsed,
                            progress={"train": (0.3, "fit 3 of 10")}, stopping=stopping)

    if "runs" not in st.session_state:
        st.session_state.runs = type("Runs", (), {"last_summary": "Run 1 cancelled in 0.40 s"})()
    st.session_state.job = Job()
    run_view.panel()


def _run(elapsed: float, stopping: bool, finished: bool = False) -> AppTest:
    return AppTest.from_function(_panel, args=(elapsed, stopping, finished), default_timeout=30).run()


def test_the_stopping_notice_stays_while_the_run_has_not_ended_and_the_clock_runs_on():
    for elapsed in (12.5, 19.0, 40.2):       # no timer takes it away: only the run's end does
        at = _run(elapsed, stopping=True)
        assert not at.exception
        assert [w.value for w in at.warning] == [f"Stopping… the run ends within 2 s · {elapsed:.1f} s"]
        progress = at.get("progress")[0].proto.text
        assert progress.endswith(f"· {elapsed:.1f} s") and "now: train" in progress


def test_a_running_node_shows_its_progress_report():
    at = _run(3.0, stopping=False)
    assert not at.warning
    assert any("30%" in c.value and "fit 3 of 10" in c.value for c in at.caption)


def test_after_the_run_the_panel_shows_the_summary_not_the_notice():
    at = _run(3.0, stopping=True, finished=True)
    assert not at.warning
    assert [c.value for c in at.caption] == ["Run 1 cancelled in 0.40 s"]
