"""Zero outbound attempts, proven in an empty network namespace (issue 15, item 2; long part).

`unshare -n` gives the run a network with only loopback: nothing could leave even by mistake, and
`strace -f -e trace=bind,connect,sendto,sendmsg` records every attempt anyway. Inside it
(netns_driver.py): the app from DataFlow's launcher with a Chromium session opening the example
workflow, a foreign-origin WebSocket and one from another localhost port; a `dataflow run` of
the iris example with the process executor. The control: a plain `streamlit run` of the app, sent
the same foreign-origin WebSocket, tries 8.8.8.8, so the measurement would see a leak.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.conftest import long_only
from tests.security.netwatch import inet_calls, outbound

pytestmark = [pytest.mark.security_check("0 outbound attempts in an empty network namespace (long)"), long_only]
DRIVER = Path(__file__).with_name("netns_driver.py")


@pytest.fixture(scope="module")
def netns_run(tmp_path_factory) -> tuple[dict, Path]:
    if not all(shutil.which(tool) for tool in ("unshare", "strace", "ip")):
        pytest.fail("the network-namespace run needs unshare, strace and ip (apt-get install strace iproute2)")
    base = tmp_path_factory.mktemp("netns")
    out = base / "seen.json"
    done = subprocess.run(["unshare", "-n", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{DRIVER}" "{out}"'],
                          env=dict(os.environ), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), base


def test_the_app_with_a_browser_session_and_hostile_websockets_makes_no_outbound_attempt(netns_run):
    seen, base = netns_run
    assert seen["foreign_ws"] == 403 and seen["other_port_ws"] == 403
    assert seen["page_title"] == "DataFlow"
    calls = inet_calls(base / "app.strace")
    assert ("bind", "127.0.0.1") in calls  # the trace saw the server itself
    assert outbound(calls) == []


def test_a_cli_run_with_the_process_executor_makes_no_outbound_attempt(netns_run):
    seen, base = netns_run
    assert seen["cli_returncode"] == 0
    assert outbound(inet_calls(base / "cli.strace")) == []


def test_the_browser_session_is_traced_too(netns_run):
    seen, _ = netns_run
    # reported, not asserted: what Chromium itself tried (the page icon's font host is issue 15's
    # item 2, second half, fixed in the UI separately)
    print("browser outbound attempts:", seen["browser_outbound"])
    assert isinstance(seen["browser_outbound"], list)


def test_the_control_a_plain_streamlit_run_is_seen_reaching_out(netns_run):
    seen, base = netns_run
    assert seen["plain_foreign_ws"] == 403
    assert ("connect", "8.8.8.8") in outbound(inet_calls(base / "plain.strace"))
