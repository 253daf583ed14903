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


@pytest.fixture
def sensors() -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(3)
    n = 200
    return pd.DataFrame({
        "timestamp": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 40, n), unit="min"),
        "sensor": pd.Categorical(rng.choice(["a", "b", None], n)), "site": rng.choice(["x", "y"], n),
        "temperature": np.where(rng.random(n) < 0.1, np.nan, rng.normal(20, 3, n)),
        "ok": rng.random(n) < 0.5}).assign(timestamp=lambda t: t["timestamp"].where(rng.random(n) > 0.05))


@pytest.mark.parametrize("params", [
    {"on": "timestamp", "period": "D", "aggregations": ["temperature:mean", "ok:sum"], "by": ["sensor"]},
    {"on": "timestamp", "period": "W"}, {"on": "timestamp", "period": "MS", "by": ["site", "sensor"]},
    {"on": "timestamp", "period": " 7D ", "aggregations": ["temperature:max", "site:first", "temperature:count"]}])
def test_resample_code_gives_the_nodes_table(sensors, params):
    from dataflow_time import series

    same_as_node(series.resample, EXPORTERS["time.resample"], {"table": sensors}, **params)


@pytest.mark.parametrize("params", [
    {"columns": ["temperature"], "window": "time", "span": "7D", "on": "timestamp", "by": ["sensor"]},
    {"columns": ["temperature", "ok"], "function": "sum", "rows": 3}, {"columns": ["temperature"], "rows": 5,
                                                                        "on": "timestamp", "min_periods": 2},
    {"columns": ["temperature"], "function": "std", "rows": 4, "by": ["site", "sensor"], "center": True},
    {"columns": ["temperature"], "function": "max", "window": "time", "span": "12h", "on": "timestamp"}])
def test_rolling_code_gives_the_nodes_table(sensors, params):
    from dataflow_time import series

    same_as_node(series.rolling, EXPORTERS["time.rolling"], {"table": sensors.set_index(sensors.index + 10)}, **params)


@pytest.mark.parametrize("params", [
    {"columns": ["temperature"]}, {"columns": ["temperature", "site"], "direction": "lead", "periods": 3},
    {"columns": ["temperature"], "order_by": "timestamp", "by": ["sensor"]},
    {"columns": ["ok", "temperature"], "direction": "lead", "order_by": "timestamp", "by": ["site", "sensor"],
     "periods": 2}, {"columns": ["timestamp"], "order_by": "temperature"}])
def test_lag_lead_code_gives_the_nodes_table(sensors, params):
    from dataflow_time import series

    same_as_node(series.lag_lead, EXPORTERS["time.lag_lead"], {"table": sensors.set_index(sensors.index * 2 + 5)},
                 **params)


@pytest.fixture
def trips() -> pd.DataFrame:
    start = pd.to_datetime(["2024-01-31 10:00", "2024-01-15 00:00", None, "2023-03-26 02:30", "2024-12-31 23:59",
                            "2020-02-29 12:00"])
    end = pd.to_datetime(["2024-02-29 09:00", "2024-03-15 00:00", "2024-01-01 00:00", "2023-03-27 03:00", "2023-01-01 00:00",
                          "2024-02-28 12:00"])
    return pd.DataFrame({"start": start, "end": end, "place": list("abcdef")}, index=[4, 8, 15, 16, 23, 42])


@pytest.mark.parametrize("unit", ["days", "weeks", "hours", "minutes", "seconds", "months", "years"])
def test_date_difference_code_gives_the_nodes_column(trips, unit):
    from dataflow_time import dates as nodes

    same_as_node(nodes.date_difference, EXPORTERS["time.date_difference"], {"table": trips}, start="start", end="end",
                 unit=unit)
    same_as_node(nodes.date_difference, EXPORTERS["time.date_difference"], {"table": trips}, start="end",
                 end="start", unit=unit, output="back")


@pytest.mark.parametrize(("amount", "unit"), [(36, "hours"), (-2, "days"), (3, "business_days"), (1, "months"),
                                              (2, "quarters"), (-1, "years"), (5, "weeks"), (90, "seconds")])
def test_shift_dates_code_gives_the_nodes_column(trips, amount, unit):
    from dataflow_time import dates as nodes

    same_as_node(nodes.shift_dates, EXPORTERS["time.shift_dates"], {"table": trips}, column="start", amount=amount,
                 unit=unit)


@pytest.mark.parametrize("params", [
    {"operation": "localize", "timezone": "Europe/Paris", "nonexistent": "shift_forward"},
    {"operation": "localize", "timezone": "UTC", "output": "start_utc"},
    {"operation": "localize", "timezone": "Europe/Paris", "nonexistent": "missing", "ambiguous": "missing"}])
def test_time_zone_code_gives_the_nodes_column(trips, params):
    from dataflow_time import dates as nodes

    same_as_node(nodes.time_zone, EXPORTERS["time.time_zone"], {"table": trips}, column="start", **params)
    local = trips.assign(start=trips["start"].dt.tz_localize("UTC"))
    for operation in ("convert", "remove"):
        same_as_node(nodes.time_zone, EXPORTERS["time.time_zone"], {"table": local}, column="start",
                     operation=operation, timezone="America/New_York")
