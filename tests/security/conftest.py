"""The security suite (issue 15): what a hostile file, web page, local program or user can try.

Every test here carries `@pytest.mark.security_check("<check>")`; at the end of the run the suite
prints one table row per check: its cases (test items, each parametrised case counted), passes,
failures and skips. The fast part runs with the rest of the tests; the long part (the
network-namespace run under strace) runs when `DATAFLOW_SECURITY_LONG=1` is set:

    .venv/bin/python -m pytest tests/security -q                               # fast part
    DATAFLOW_SECURITY_LONG=1 .venv/bin/python -m pytest tests/security -q      # everything
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from pathlib import Path

import pytest

LONG = os.environ.get("DATAFLOW_SECURITY_LONG", "") not in ("", "0")
long_only = pytest.mark.skipif(not LONG, reason="long part of the security suite: set DATAFLOW_SECURITY_LONG=1")
PORTS = range(8640, 8660)  # the ports this suite's servers use

_results: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "passed": 0, "failed": 0, "skipped": 0})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "security_check(name): the row of the security table a test counts in")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each security test once: its call, or the setup that failed or skipped it."""
    check = getattr(report, "security_check", None)
    if check is None:
        return
    row = _results[check]
    if report.when == "call" or (report.when == "setup" and not report.passed):
        row["cases"] += 1
        row["passed" if report.passed else "skipped" if report.skipped else "failed"] += 1
    elif report.when == "teardown" and report.failed:
        row["failed"] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    marker = item.get_closest_marker("security_check")
    if marker is not None:
        outcome.get_result().security_check = marker.args[0]


def table() -> str:
    """The suite's table (Markdown), as printed at the end of a run and kept in docs/security.md."""
    rows = ["| check | cases | passed | failed | skipped |", "|---|---:|---:|---:|---:|"]
    total = {"cases": 0, "passed": 0, "failed": 0, "skipped": 0}
    for check in sorted(_results):
        row = _results[check]
        rows.append(f"| {check} | {row['cases']} | {row['passed']} | {row['failed']} | {row['skipped']} |")
        for key in total:
            total[key] += row[key]
    rows.append(f"| **all** | {total['cases']} | {total['passed']} | {total['failed']} | {total['skipped']} |")
    return "\n".join(rows)


def pytest_terminal_summary(terminalreporter) -> None:
    if _results:
        terminalreporter.section("security suite (issue 15)")
        terminalreporter.write_line(table())


def free_port() -> int:
    """A free port in this suite's range on 127.0.0.1."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def app_env(base: Path) -> dict[str, str]:
    """A private cache and workflows folder for one app server."""
    (base / "workflows").mkdir(parents=True, exist_ok=True)
    return {"DATAFLOW_CACHE_DIR": str(base / "cache"), "DATAFLOW_WORKFLOWS_DIR": str(base / "workflows")}


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app as a user starts it (`python -m dataflow.ui`), behind its per-launch secret."""
    from tests.ui.server import StreamlitServer

    base = tmp_path_factory.mktemp("secure_app")
    with StreamlitServer(app_env(base), base / "app.log", port=free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium, the one the app's e2e tests use too (one Playwright per process)."""
    from tests.ui.browser import CHROMIUM, shared_chromium

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium, as .ci/run does")
    return shared_chromium()
