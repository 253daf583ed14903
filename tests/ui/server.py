"""Start and stop the real app on 127.0.0.1 (a free port) for browser tests and benchmarks, the way
a user does (`python -m dataflow.ui`, which prints a link with the launch's secret), or any app
with `streamlit run`; it runs in its own process group, and only that group is stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
STREAMLIT = str(Path(sys.executable).with_name("streamlit"))
LAUNCHER = [sys.executable, "-m", "dataflow.ui"]
LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+)")


def free_port() -> int:
    """A free port on 127.0.0.1: the first free one in `DATAFLOW_TEST_PORTS` ("8800-8819") when
    set (a machine shared by several people), else any the system picks."""
    low, _, high = os.environ.get("DATAFLOW_TEST_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low else [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in DATAFLOW_TEST_PORTS={os.environ['DATAFLOW_TEST_PORTS']}")


class StreamlitServer:
    """`with StreamlitServer(env={...}) as srv: srv.url`"""

    def __init__(self, env: dict[str, str], log_path: Path, app: Path = APP, port: int | None = None,
                 cwd: Path = ROOT, launcher: list[str] | None = None):
        """`cwd` decides which `.streamlit/config.toml` applies: the project's by default. `launcher`:
        the command before the options; by default DataFlow's own launcher for DataFlow's app and
        `streamlit run <app>` for any other (pass `[STREAMLIT, "run", str(APP)]` for a plain run)."""
        self.launcher = launcher or (LAUNCHER if app == APP else [STREAMLIT, "run", str(app)])
        self.token: str | None = None  # the launch's secret, read from the link the launcher prints
        self.app = app
        self.cwd = cwd
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 90) -> StreamlitServer:
        cmd = [*self.launcher, "--server.headless", "true", "--server.address", "127.0.0.1",
               "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--server.runOnSave", "false", "--global.developmentMode", "false"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited rc={self.proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as r:
                    if r.read().strip() == b"ok" and self._read_link():
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"streamlit not healthy after {timeout}s: {self.log_tail()}")

    def _read_link(self) -> bool:
        """True once the server is usable: for DataFlow's launcher, once it printed the link (kept in
        `token`); `streamlit run` prints none."""
        if self.launcher[-2:] != LAUNCHER[-2:]:  # also `strace ... python -m dataflow.ui`
            return True
        found = LINK.search(self.log_tail(100_000))
        if found and int(found.group(1)) == self.port:
            self.token = found.group(2)
        return self.token is not None

    @property
    def link(self) -> str:
        """The link the launcher printed (with the secret), or the plain URL for `streamlit run`."""
        return f"{self.url}/?token={self.token}" if self.token else self.url

    def cookies(self) -> list[dict]:
        """The cookie the app sets after the link was opened, for a Playwright context's
        `add_cookies` (none for a plain `streamlit run`)."""
        if not self.token:
            return []
        from dataflow.ui.gate import cookie_name

        return [{"name": cookie_name(self.port), "value": self.token, "url": self.url, "httpOnly": True,
                 "sameSite": "Strict"}]

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
