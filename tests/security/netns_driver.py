"""Run inside an empty network namespace (only loopback, up) by test_netns.py: the app under strace
with a browser session and hostile WebSockets, a plain `streamlit run` as the control, and a CLI
run of an example under strace. Writes what it saw as JSON to argv[1]; the strace logs go next to it.

    unshare -n sh -c 'ip link set lo up && exec python tests/security/netns_driver.py OUT.json'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.security.conftest import app_env, free_port  # noqa: E402
from tests.security.probes import websocket  # noqa: E402
from tests.ui.browser import CHROME_ARGS, CHROMIUM  # noqa: E402
from tests.ui.server import APP, LAUNCHER, STREAMLIT, StreamlitServer  # noqa: E402

TRACE = ["strace", "-f", "-qq", "-e", "trace=bind,connect,sendto,sendmsg", "-o"]


def main(out: Path) -> None:
    base = out.parent
    seen: dict[str, object] = {}
    with StreamlitServer(app_env(base / "app"), base / "app.log", port=free_port(),
                         launcher=[*TRACE, str(base / "app.strace"), *LAUNCHER]) as app:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            traced = base / "chromium-traced"  # the browser runs under strace too (reported, not asserted)
            traced.write_text(f'#!/bin/sh\nexec {" ".join(TRACE)} {base / "browser.strace"} {CHROMIUM} "$@"\n')
            traced.chmod(0o755)
            browser = p.chromium.launch(executable_path=str(traced), headless=True, args=CHROME_ARGS)
            page = browser.new_page()
            page.goto(app.link)
            page.get_by_test_id("stSidebar").wait_for(timeout=90_000)
            page.goto(f"{app.url}/?open=iris_classification")
            page.get_by_test_id("stSidebar").wait_for(timeout=90_000)
            page.wait_for_timeout(3000)
            seen["page_title"] = page.title()
            browser.close()
        seen["foreign_ws"] = websocket(app.port, {"Origin": "http://evil.example"})
        seen["other_port_ws"] = websocket(app.port, {"Origin": "http://127.0.0.1:8659",
                                                     "Cookie": f"dataflow-token-{app.port}={app.token}"})
    # the control: Streamlit without DataFlow's launcher looks itself up for a foreign Origin
    with StreamlitServer(app_env(base / "plain"), base / "plain.log", port=free_port(),
                         launcher=[*TRACE, str(base / "plain.strace"), STREAMLIT, "run", str(APP)]) as plain:
        seen["plain_foreign_ws"] = websocket(plain.port, {"Origin": "http://evil.example"})
    done = subprocess.run([*TRACE, str(base / "cli.strace"), sys.executable, "-m", "dataflow.cli", "run",
                           str(ROOT / "workflows" / "iris_classification.json"), "--executor", "processes", "--json"],
                          env={**os.environ, "DATAFLOW_CACHE_DIR": str(base / "cli_cache")}, capture_output=True,
                          text=True, timeout=600)
    seen["cli_returncode"] = done.returncode
    from tests.security.netwatch import inet_calls, outbound

    seen["browser_outbound"] = sorted(set(outbound(inet_calls(base / "browser.strace"))))
    out.write_text(json.dumps(seen))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
