"""`dataflow run` and Ctrl-C: the first one stops the run within 2 s (nodes in flight abandoned,
exit code 130); progress reports of a long node reach the progress line on stderr, throttled."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.helpers import edge, write_workflow


def _start(cli, workflow, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dataflow.cli", "run", str(workflow), *extra],
                            env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_lines(stream, lines: list[str]) -> threading.Thread:
    def pump():
        for line in stream:
            lines.append(line.rstrip("\n"))
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _wait_for(lines: list[str], text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line for line in lines):
            return
        time.sleep(0.05)
    raise AssertionError(f"never saw {text!r}; stderr so far:\n" + "\n".join(lines))


@pytest.mark.parametrize("executor", ["sequential", "threads", "processes"])
def test_ctrl_c_during_a_60_second_node_exits_130_within_2_seconds(cli, tmp_path, executor):
    workflow = write_workflow(tmp_path / "slow.json", [
        {"id": "numbers", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "slow", "type": "testpack.slow", "params": {"seconds": 60}},
    ], [edge("numbers", "slow")])
    process = _start(cli, workflow, "--executor", executor)
    lines: list[str] = []
    reader = _read_lines(process.stderr, lines)
    try:
        _wait_for(lines, "computed numbers")
        time.sleep(0.5)  # slow is computing now
        pressed = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        took = time.monotonic() - pressed
    finally:
        process.kill()
    reader.join(5)
    text = "\n".join(lines)
    assert code == 130, text
    assert took < 2.0, f"exited {took:.2f} s after Ctrl-C\n{text}"
    assert "stopping: running nodes are abandoned, no new ones start (Ctrl-C again to abort)" in text
    assert "skipped  slow (testpack.slow)  run cancelled while this node was running" in text
    assert "run cancelled in" in text

    again = cli("run", workflow, "--set", "slow.seconds=0", "--json")
    assert again.returncode == 0, again.stderr


def test_the_stopped_node_is_not_cached_and_the_next_run_computes_it(cli, tmp_path):
    workflow = write_workflow(tmp_path / "slow.json", [
        {"id": "numbers", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "slow", "type": "testpack.slow", "params": {"seconds": 1.5}},
    ], [edge("numbers", "slow")])
    process = _start(cli, workflow)
    lines: list[str] = []
    reader = _read_lines(process.stderr, lines)
    _wait_for(lines, "computed numbers")
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    reader.join(5)
    time.sleep(1.5)

    code, report = cli.json("run", workflow)
    assert code == 0
    assert {n["id"]: n["status"] for n in report["nodes"]} == {"numbers": "cached", "slow": "computed"}


def test_a_long_node_reports_progress_on_the_progress_line(cli, tmp_path):
    workflow = write_workflow(tmp_path / "steps.json", [
        {"id": "numbers", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "steps", "type": "testpack.stepper", "params": {"steps": 5, "seconds": 0.6}},
    ], [edge("numbers", "steps")])
    done = cli("run", workflow)
    assert done.returncode == 0, done.stderr
    reports = [line for line in done.stderr.splitlines() if line.startswith("[1/2] running  steps")]
    assert reports[0] == "[1/2] running  steps (testpack.stepper)    0%  step 1 of 5"
    # 3 s of reports every 0.6 s, at most one line per 2 s when stderr is not a terminal
    assert 1 <= len(reports) <= 3, done.stderr
    assert "[2/2] computed steps (testpack.stepper)" in done.stderr
