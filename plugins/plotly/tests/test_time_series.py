"""The time-series chart: several series, and missing periods drawn as gaps rather than joined lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_plotly.timeseries import time_series

from dataflow.sdk import NodeError, run_node


def draw(table, **params):
    outputs = run_node(time_series, {"table": table}, **params)
    return outputs["figure"], outputs.warnings


def _daily(days: int = 10, skip: tuple[int, ...] = ()) -> pd.DataFrame:
    dates = pd.date_range("2024-03-01", periods=days, freq="D")
    table = pd.DataFrame({"date": dates, "sales": np.arange(days, dtype=float), "visits": np.arange(days) * 10})
    return table.drop(index=list(skip)).reset_index(drop=True)


def _values(trace) -> list:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in trace.y]


def test_a_complete_daily_series_is_one_unbroken_line():
    fig, warnings = draw(_daily(), x="date", y=["sales"])
    (trace,) = fig.data
    assert _values(trace) == list(np.arange(10.0)) and trace.connectgaps is False
    assert warnings == [] and len(fig.layout.annotations) == 0


def test_a_missing_day_is_a_gap_not_a_joined_line():
    fig, _ = draw(_daily(skip=(4, 5)), x="date", y=["sales"])
    (trace,) = fig.data
    assert _values(trace) == [0.0, 1.0, 2.0, 3.0, None, 6.0, 7.0, 8.0, 9.0]
    assert pd.Timestamp(trace.x[4]) == pd.Timestamp("2024-03-05 12:00")  # between 4 and 7 March
    assert fig.layout.annotations[0].text == "1 gap where periods have no rows: lines are not joined across"


def test_months_of_different_lengths_are_no_gap_and_a_missing_month_is():
    months = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=12, freq="MS"), "revenue": np.arange(12.0)})
    fig, _ = draw(months, x="month", y=["revenue"])
    assert None not in _values(fig.data[0])
    fig, _ = draw(months.drop(index=[6]), x="month", y=["revenue"])
    assert _values(fig.data[0]).count(None) == 1
    fig, _ = draw(months.drop(index=[6]), x="month", y=["revenue"], period="MS")  # by the calendar
    assert _values(fig.data[0]).count(None) == 1


def test_several_series_from_a_column_each_with_its_own_gaps():
    a = _daily().assign(store="north")
    b = _daily(skip=(2,)).assign(store="south")
    fig, _ = draw(pd.concat([a, b]), x="date", y=["sales", "visits"], color="store")
    names = [t.name for t in fig.data]
    assert names == ["north · sales", "north · visits", "south · sales", "south · visits"]
    assert [_values(t).count(None) for t in fig.data] == [0, 0, 1, 1]


def test_missing_values_are_gaps_and_connect_joins_across_everything():
    table = _daily(skip=(6,))
    table.loc[2, "sales"] = np.nan
    fig, _ = draw(table, x="date", y=["sales"])
    assert _values(fig.data[0]).count(None) == 2
    fig, _ = draw(table, x="date", y=["sales"], gaps="connect")
    assert None not in _values(fig.data[0]) and fig.data[0].connectgaps is True


def test_rows_without_a_date_are_left_out_with_a_note():
    table = _daily()
    table.loc[3, "date"] = pd.NaT
    fig, warnings = draw(table, x="date", y=["sales"])
    assert warnings == ["1 row with missing values in 'date' not drawn"]
    assert len(fig.data[0].x) == 10  # 9 points and the gap the missing day leaves


@pytest.mark.parametrize(("params", "param", "words"), [
    ({"x": "sales", "y": ["visits"]}, "x", "not dates"),
    ({"x": "date", "y": []}, "y", "at least one column"),
    ({"x": "date", "y": ["sale"]}, "y", "did you mean `sales`"),
    ({"x": "date", "y": ["store"]}, "y", "not numbers"),
    ({"x": "date", "y": ["sales"], "period": "fortnight"}, "period", "not a period"),
])
def test_bad_input_names_the_parameter(params, param, words):
    with pytest.raises(NodeError) as caught:
        draw(_daily().assign(store="north"), **params)
    assert caught.value.param == param and words in str(caught.value)
