"""The reliability campaign (issue 16): fuzzed workflow files, kill -9 during runs and saves (of
the command and of the app), the cache fault matrix, concurrent runs and app processes on one
cache, broken plugins and load, each counted in a table printed at the end of the session, with
the load figures under it. The fast part runs with the suite; `DATAFLOW_LONG=1` runs the long
part. `DATAFLOW_CAMPAIGN_TABLE=<file>` also writes the tables there (docs/reliability.md quotes
one)."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from tests.campaign.figures import LONG, TALLY, figures_table, table
from tests.campaign.flows import write_flow
from tests.helpers import Cli


def pytest_terminal_summary(terminalreporter) -> None:
    if not TALLY:
        return
    part = "long part (DATAFLOW_LONG=1)" if LONG else "fast part"
    terminalreporter.write_sep("=", f"reliability campaign, {part}")
    terminalreporter.write_line(table())
    load = figures_table()
    if load:
        terminalreporter.write_line("")
        terminalreporter.write_line(load)
    target = os.environ.get("DATAFLOW_CAMPAIGN_TABLE")
    if target:
        with open(target, "w") as handle:
            handle.write(f"{part}\n\n{table()}\n" + (f"\n{load}\n" if load else ""))


@pytest.fixture(scope="session")
def reference(tmp_path_factory, pack_site) -> tuple[pd.DataFrame, bytes]:
    """A fresh uncached run's results of the campaign's workflow (flows.py): the sorted table and
    the CSV file's bytes."""
    folder = tmp_path_factory.mktemp("reference")
    flow = write_flow(folder / "work")
    done = Cli(pack_site, folder / "cache")("run", flow, "--no-cache", "--output-dir", folder / "out", "--quiet")
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(folder / "out" / "order.parquet"), (folder / "work" / "out.csv").read_bytes()
