"""resample, lag_lead, rolling: equal to the same pandas code, per group, and clear about bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow.sdk import NodeError, check_schema, run_node
from dataflow_time.series import lag_lead, resample, rolling


def _error(fn, table, **params) -> NodeError:
    with pytest.raises(NodeError) as caught:
        run_node(fn, {"table": table}, **params)
    return caught.value


# --- resample ----------------------------------------------------------------------------------------

def test_resample_per_group_equals_pandas_and_keeps_the_silent_days_as_missing_means(readings):
    outputs = run_node(resample, {"table": readings}, on="time", period="D", by=["sensor"],
                       aggregations=["temperature:mean", "count:sum", "temperature:count"])
    out = outputs["table"]
    dated = readings[readings["time"].notna()]
    expected = (dated.groupby("sensor").resample("D", on="time")
                .agg(temperature_mean=("temperature", "mean"), count_sum=("count", "sum"),
                     temperature_count=("temperature", "count")).reset_index())
    pd.testing.assert_frame_equal(out, expected)
    silent = out[(out["sensor"] == "b") & out["time"].between("2024-03-04", "2024-03-06")]
    assert len(silent) == 3 and silent["temperature_mean"].isna().all() and (silent["temperature_count"] == 0).all()
    assert outputs.warnings == ["1 row(s) have no date in column 'time' and are left out"]


def test_resample_without_aggregations_counts_rows_per_period(run, readings):
    out = run(resample, readings.dropna(subset=["time"]), on="time", period="MS")
    assert list(out.columns) == ["time", "count"] and out["count"].tolist() == [len(readings) - 1]
    assert out["time"].tolist() == [pd.Timestamp("2024-03-01")]


def test_resample_in_a_time_zone_cuts_days_at_local_midnight_across_dst(run):
    times = pd.date_range("2024-03-30", "2024-04-01", freq="h", inclusive="left", tz="Europe/Paris")
    table = pd.DataFrame({"t": times, "v": 1})
    out = run(resample, table, on="t", period="D", aggregations=["v:sum"])
    assert out["v_sum"].tolist() == [24, 23]  # clocks went forward on 31 March


@pytest.mark.parametrize(("params", "param", "words"), [
    ({"period": "M"}, "period", "no longer supported"),
    ({"period": "fortnight"}, "period", "is not a period"),
    ({"aggregations": ["sensor:mean"]}, "aggregations", "mean needs numbers"),
    ({"aggregations": ["temperature:avg"]}, "aggregations", "unknown function 'avg'"),
    ({"aggregations": ["temprature:mean"]}, "aggregations", "did you mean `temperature`"),
    ({"on": "sensor"}, "on", "holds text values, not dates"),
    ({"by": ["sensr"]}, "by", "did you mean `sensor`"),
    ({"by": ["sensor"], "aggregations": ["sensor:nunique"]}, "aggregations", "is a group column"),
])
def test_resample_bad_input_is_named_by_the_node_and_by_the_schema_pass(readings, params, param, words):
    full = {"on": "time", "period": "D", **params}
    error = _error(resample, readings, **full)
    assert error.param == param and words in str(error)
    with pytest.raises(NodeError, match=words):
        check_schema(resample, {"table": readings}, **full)


# --- lag_lead --------------------------------------------------------------------------------------

def test_lag_per_group_in_time_order_equals_pandas_and_keeps_the_row_order(run, readings):
    out = run(lag_lead, readings, columns=["temperature", "count"], periods=2, order_by="time", by=["sensor"])
    ordered = readings.sort_values("time", kind="stable", na_position="last")
    expected = ordered.groupby("sensor")[["temperature", "count"]].shift(2).sort_index()
    assert list(out.columns) == [*readings.columns, "temperature_lag2", "count_lag2"]
    np.testing.assert_array_equal(out["temperature_lag2"], expected["temperature"])
    np.testing.assert_array_equal(out["count_lag2"], expected["count"])
    pd.testing.assert_frame_equal(out[readings.columns], readings)


def test_lead_without_order_uses_the_rows_own_order(run):
    table = pd.DataFrame({"v": [1, 2, 3]}, index=[10, 20, 30])
    out = run(lag_lead, table, columns=["v"], direction="lead")
    assert out["v_lead1"].tolist()[:2] == [2.0, 3.0] and pd.isna(out["v_lead1"].iloc[2])
    assert list(out.index) == [10, 20, 30]


def test_lag_lead_refuses_an_existing_result_name_and_a_missing_column(readings):
    table = readings.assign(temperature_lag1=0.0)
    error = _error(lag_lead, table, columns=["temperature"])
    assert error.param == "columns" and "already has a column 'temperature_lag1'" in str(error)
    error = _error(lag_lead, readings, columns=["temperature"], order_by="tme")
    assert error.param == "order_by" and "did you mean `time`" in str(error)


# --- rolling ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", ["mean", "sum", "min", "max", "std"])
def test_a_rolling_window_of_rows_per_group_equals_pandas(run, readings, function):
    out = run(rolling, readings, columns=["temperature"], function=function, rows=3, on="time", by=["sensor"])
    dated = readings[readings["time"].notna()].sort_values("time", kind="stable")
    expected = getattr(dated.groupby("sensor")["temperature"].rolling(3), function)().droplevel(0)
    got = out[f"temperature_{function}_3"]
    np.testing.assert_allclose(got[expected.index], expected, equal_nan=True)
    assert pd.isna(got[readings["time"].isna()]).all()


def test_a_rolling_window_in_time_per_group_equals_pandas(readings):
    outputs = run_node(rolling, {"table": readings}, columns=["temperature"], window="time", span="1D",
                       on="time", by=["sensor"])
    out = outputs["table"]
    dated = readings[readings["time"].notna()].sort_values("time", kind="stable")
    expected = pd.concat([group.rolling("1D", on="time")["temperature"].mean()
                          for _, group in dated.groupby("sensor")])
    np.testing.assert_allclose(out.loc[expected.index, "temperature_mean_1D"], expected)
    assert outputs.warnings == ["1 row(s) have no date in column 'time': they get no rolling value"]
    # just after sensor b's silence the window holds one reading, not the readings of three days before
    after = out[(out["sensor"] == "b") & (out["time"] == pd.Timestamp("2024-03-07"))]
    assert after["temperature_mean_1D"].tolist() == after["temperature"].tolist()


def test_rolling_without_groups_or_dates_follows_the_rows_order(run):
    table = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]})
    out = run(rolling, table, columns=["v"], function="sum", rows=2, min_periods=1)
    assert out["v_sum_2"].tolist() == [1.0, 3.0, 5.0, 7.0]
    centred = run(rolling, table, columns=["v"], rows=3, center=True)
    np.testing.assert_allclose(centred["v_mean_3"], table["v"].rolling(3, center=True).mean())


@pytest.mark.parametrize(("params", "param", "words"), [
    ({"window": "time", "span": "1MS"}, "span", "no fixed length"),
    ({"window": "time", "span": "soon"}, "span", "is not a period"),
    ({"window": "time", "on": ""}, "on", "needs the date column"),
    ({"columns": ["sensor"]}, "columns", "needs numbers"),
    ({"columns": []}, "columns", "pick the number column"),
    ({"on": "sensor"}, "on", "not dates"),
])
def test_rolling_bad_input_is_named_by_the_node_and_by_the_schema_pass(readings, params, param, words):
    full = {"columns": ["temperature"], "on": "time", **params}
    error = _error(rolling, readings, **full)
    assert error.param == param and words in str(error)
    with pytest.raises(NodeError, match=words):
        check_schema(rolling, {"table": readings}, **full)


# --- schemas -----------------------------------------------------------------------------------------

def test_the_declared_schemas_are_the_real_ones(readings):
    dated = readings.dropna(subset=["time"])
    check_schema(resample, {"table": dated}, on="time", period="12h", by=["sensor"],
                 aggregations=["temperature:max", "count:first", "temperature:nunique", "count:mean"])
    check_schema(resample, {"table": dated}, on="time", period="W")
    check_schema(lag_lead, {"table": readings}, columns=["count", "sensor"], direction="lead", by=["sensor"])
    check_schema(rolling, {"table": readings}, columns=["count", "temperature"], function="std", window="time",
                 span="36h", on="time", by=["sensor"])


def test_a_missing_group_key_is_a_group_of_its_own_for_text_and_category_keys(run):
    table = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=6, freq="D"),
                          "g": pd.Series(["a", None, "a", None, "b", "b"], dtype="str"), "v": [1.0, 2, 3, 4, 5, 6]})
    for key in (table, table.assign(g=table["g"].astype("category"))):
        rolled = run(rolling, key, columns=["v"], rows=2, min_periods=1, on="d", by=["g"])
        assert rolled["v_mean_2"].tolist() == [1.0, 2.0, 2.0, 3.0, 5.0, 5.5]
        assert run(lag_lead, key, columns=["v"], by=["g"])["v_lag1"].tolist()[3] == 2.0
        daily = check_schema(resample, {"table": key}, on="d", period="2D", by=["g"], aggregations=["v:sum"])
        assert daily["table"].names == ["g", "d", "v_sum"]
        out = run(resample, key, on="d", period="2D", by=["g"], aggregations=["v:sum"])
        assert out["v_sum"].tolist() == [1.0, 3.0, 11.0, 2.0, 4.0] and out["g"].dtype == key["g"].dtype


def test_every_node_handles_an_empty_table(readings):
    empty = readings.head(0)
    assert run_node(resample, {"table": empty}, on="time", aggregations=["temperature:mean"])["table"].empty
    assert run_node(lag_lead, {"table": empty}, columns=["count"], by=["sensor"])["table"].empty
    assert run_node(rolling, {"table": empty}, columns=["count"], on="time", by=["sensor"])["table"].empty
