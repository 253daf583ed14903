"""The time plugin's exporters: the plain parse gives the node's dates, and stops where the node stops."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_time import dates
from dataflow_time.export import EXPORTERS

from dataflow.sdk import NodeError
from tests.exporting import exported, same_as_node


@pytest.fixture
def readings() -> pd.DataFrame:
    return pd.DataFrame({"when": ["31/01/2024 14:05", None, "01/02/2024 00:00", " "],
                         "iso": ["2024-01-31", "2024-02-01T10:00", None, "2024-03-01"],
                         "kind": pd.Categorical(["2024-01-01", "2024-01-02", None, "2024-01-02"]),
                         "zoned": ["2024-01-31T10:00+01:00", "2024-07-01T10:00+02:00", None, None]})


@pytest.mark.parametrize("params", [
    {"column": "when", "format": "%d/%m/%Y %H:%M", "errors": "fail"}, {"column": "iso", "format": ""},
    {"column": "iso", "format": "%Y-%m-%d", "output": "day"}, {"column": "kind"},
    {"column": "zoned", "format": "", "utc": True}])
def test_parse_dates_code_gives_the_nodes_dates(readings, params):
    same_as_node(dates.parse_dates, EXPORTERS["time.parse_dates"], {"table": readings}, **params)


def test_parse_dates_code_stops_where_the_node_stops(readings):
    with pytest.raises(NodeError):
        dates.parse_dates(readings, column="iso", format="%Y-%m-%d", errors="fail")
    with pytest.raises(ValueError, match="do not match"):
        exported(dates.parse_dates, EXPORTERS["time.parse_dates"], {"table": readings}, column="iso",
                 format="%Y-%m-%d", errors="fail")
