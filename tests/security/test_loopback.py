"""The app, a CLI run and every executor listen on, bind to and reach this machine's loopback only.

The app's sockets are read from /proc for its whole process group (server, workers) after a
browser session; a `dataflow run` with each executor (sequential, threads, processes), loading a
model file (which predicts in the model worker process), runs under `strace -f`, which records
every bind, connect and send with an IP address that any of its processes made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_workflow
from tests.security.netwatch import LOOPBACK, STRACE, inet_calls, listening, outbound

pytestmark = pytest.mark.security_check("loopback only: app, CLI run, executors")
ROOT = Path(__file__).resolve().parents[2]
needs_strace = pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")


def test_the_app_listens_on_loopback_only_after_a_browser_session(app, chromium):
    page = chromium.new_page()
    page.context.add_cookies(app.cookies())
    page.goto(app.url)
    page.get_by_test_id("stSidebar").wait_for(timeout=60_000)
    sockets = listening(os.getpgid(app.proc.pid))
    page.close()
    assert ("tcp", "127.0.0.1", app.port) in sockets
    assert all(address in LOOPBACK for _, address, _ in sockets), sockets


def _strace(log: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([STRACE, "-f", "-qq", "-e", "trace=bind,connect,sendto,sendmsg", "-o", str(log), *args],
                          env=env, capture_output=True, text=True, timeout=600)


@needs_strace
def test_the_strace_measurement_sees_an_address_outside_127_0_0_1(tmp_path):
    # 127.0.0.2 is still this machine (nothing leaves it), but not an address DataFlow may use
    log = tmp_path / "control.strace"
    _strace(log, sys.executable, "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
            ".sendto(b'x', ('127.0.0.2', 9))", env=dict(os.environ))
    assert outbound(inet_calls(log)) == [("sendto", "127.0.0.2")]


@pytest.fixture(scope="module")
def model_flow(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The iris example plus a model file loaded and used: (workflow, environment)."""
    base = tmp_path_factory.mktemp("cli_loopback")
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(base / "cache")}
    example = json.loads((ROOT / "workflows" / "iris_classification.json").read_text())
    (base / "save.json").write_text(json.dumps({**example, "nodes": [*example["nodes"], {
        "id": "save", "type": "sklearn.save_model", "params": {"path": "iris.skops"}}],
        "edges": [*example["edges"], {"source": "train", "source_port": "model", "target": "save",
                                      "target_port": "model"}]}))
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "run", str(base / "save.json"), "--json",
                           "--no-cache"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    flow = write_workflow(base / "use.json", [
        {"id": "data", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "model", "type": "sklearn.load_model", "params": {"path": "iris.skops"}},
        {"id": "scored", "type": "sklearn.predict"}],
        [{"source": "model", "source_port": "model", "target": "scored", "target_port": "model"},
         {"source": "data", "source_port": "table", "target": "scored", "target_port": "table"}])
    return flow, env


@needs_strace
@pytest.mark.parametrize("executor", ["sequential", "threads", "processes"])
def test_a_cli_run_with_each_executor_binds_and_connects_to_loopback_only(model_flow, tmp_path, executor):
    flow, env = model_flow
    log = tmp_path / "run.strace"
    done = _strace(log, sys.executable, "-m", "dataflow.cli", "run", str(flow), "--executor", executor,
                   "--no-cache", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {n["id"]: n["status"] for n in json.loads(done.stdout)["nodes"]}["scored"] == "computed"
    assert outbound(inet_calls(log)) == []
