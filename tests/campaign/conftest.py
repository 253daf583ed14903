"""The reliability campaign (issue 16): fuzzed workflow files, kill -9 during runs and saves, the
cache fault matrix, concurrent runs and broken plugins, each counted in a table printed at the end
of the session. The fast part runs with the suite; `DATAFLOW_LONG=1` runs the long part.
`DATAFLOW_CAMPAIGN_TABLE=<file>` also writes the table there (docs/reliability.md quotes one)."""

from __future__ import annotations

import os

from tests.campaign.figures import LONG, TALLY, table


def pytest_terminal_summary(terminalreporter) -> None:
    if not TALLY:
        return
    part = "long part (DATAFLOW_LONG=1)" if LONG else "fast part"
    terminalreporter.write_sep("=", f"reliability campaign, {part}")
    terminalreporter.write_line(table())
    target = os.environ.get("DATAFLOW_CAMPAIGN_TABLE")
    if target:
        with open(target, "w") as handle:
            handle.write(f"{part}\n\n{table()}\n")
