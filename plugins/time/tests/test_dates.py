"""parse_dates, date_difference, shift_dates, time_zone: equal to pandas, and clear about bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.sdk import NodeError, check_schema, run_node
from dataflow_time.dates import date_difference, parse_dates, shift_dates, time_zone


def _error(fn, table, **params) -> NodeError:
    with pytest.raises(NodeError) as caught:
        run_node(fn, {"table": table}, **params)
    return caught.value


def _parsed(orders: pd.DataFrame) -> pd.DataFrame:
    out = run_node(parse_dates, {"table": orders}, column="ordered", format="%d/%m/%Y")["table"]
    return run_node(parse_dates, {"table": out}, column="delivered", format="%d/%m/%Y %H:%M")["table"]


# --- parse_dates -----------------------------------------------------------------------------------

def test_parse_dates_reads_the_format_and_warns_with_the_count_and_examples_of_what_does_not_match(run, orders):
    outputs = run_node(parse_dates, {"table": orders}, column="ordered", format="%d/%m/%Y")
    got = outputs["table"]["ordered"]
    expected = pd.to_datetime(orders["ordered"], format="%d/%m/%Y", errors="coerce")
    pd.testing.assert_series_equal(got, expected)
    (warning,) = outputs.warnings
    assert "1 of 4 value(s) in column 'ordered' do not match format '%d/%m/%Y'" in warning
    assert "'not a date' (row 2)" in warning and "NaT" in warning


def test_parse_dates_can_fail_instead_naming_the_rows(orders):
    error = _error(parse_dates, orders, column="ordered", format="%d/%m/%Y", errors="fail")
    assert error.param == "format"
    assert "1 of 4 value(s)" in str(error) and "'not a date' (row 2)" in str(error)


def test_parse_dates_with_an_empty_format_reads_iso_8601_and_writes_a_new_column(run):
    table = pd.DataFrame({"when": pd.Series(["2024-03-31", "2024-03-31T14:05:00", None], dtype="str")})
    out = run(parse_dates, table, column="when", format="", output="when_date")
    assert list(out.columns) == ["when", "when_date"]
    assert out["when_date"].tolist()[:2] == [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-03-31 14:05")]
    assert pd.isna(out["when_date"].iloc[2])


@pytest.mark.parametrize(("format", "words"), [
    ("dd/mm/yyyy", "has no % code"),
    ("%d/%m/%Q", "is malformed"),
    ("%Y-%m-%d %", "is malformed"),
])
def test_a_malformed_date_format_is_an_error_on_the_format(orders, format, words):
    error = _error(parse_dates, orders, column="ordered", format=format)
    assert error.param == "format" and words in str(error)
    with pytest.raises(NodeError, match=words):
        check_schema(parse_dates, {"table": orders}, column="ordered", format=format)


def test_parse_dates_names_a_missing_column_and_refuses_a_column_that_is_not_text(orders):
    error = _error(parse_dates, orders, column="orderd")
    assert error.param == "column" and "did you mean `ordered`" in str(error)
    error = _error(parse_dates, orders, column="order_id")
    assert error.param == "column" and "holds number values, not text" in str(error)


def test_parse_dates_asks_for_utc_when_offsets_differ_and_converts_with_it(run):
    table = pd.DataFrame({"at": pd.Series(["2024-01-10 10:00 +0100", "2024-07-10 10:00 +0200"], dtype="str")})
    error = _error(parse_dates, table, column="at", format="%Y-%m-%d %H:%M %z")
    assert error.param == "utc" and "different UTC offsets" in str(error)
    out = run(parse_dates, table, column="at", format="%Y-%m-%d %H:%M %z", utc=True)
    assert out["at"].tolist() == [pd.Timestamp("2024-01-10 09:00", tz="UTC"), pd.Timestamp("2024-07-10 08:00", tz="UTC")]


# --- date_difference -------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "per"), [("days", "1D"), ("hours", "1h"), ("weeks", "7D"), ("minutes", "1min")])
def test_the_difference_in_elapsed_units_equals_pandas(run, orders, unit, per):
    table = _parsed(orders)
    out = run(date_difference, table, start="ordered", end="delivered", unit=unit)
    expected = (table["delivered"] - table["ordered"]) / pd.Timedelta(per)
    pd.testing.assert_series_equal(out[f"ordered_to_delivered_{unit}"], expected.rename(f"ordered_to_delivered_{unit}"))


def test_months_and_years_are_complete_calendar_ones_as_an_age_is_counted(run):
    table = pd.DataFrame({
        "start": pd.to_datetime(["2024-01-31", "2024-01-15", "2000-02-29", "2024-03-15", None]),
        "end": pd.to_datetime(["2024-02-29", "2024-03-15", "2024-02-28", "2024-01-20", "2024-01-01"]),
    })
    months = run(date_difference, table, start="start", end="end", unit="months", output="m")["m"]
    years = run(date_difference, table, start="start", end="end", unit="years", output="y")["y"]
    assert months.tolist()[:4] == [0.0, 2.0, 287.0, -1.0] and pd.isna(months.iloc[4])
    assert years.tolist()[:4] == [0.0, 0.0, 23.0, 0.0]


def test_date_difference_refuses_text_and_a_mix_of_zoned_and_plain_dates(orders):
    error = _error(date_difference, orders, start="ordered", end="delivered")
    assert error.param == "start" and "not dates" in str(error) and "time.parse_dates" in str(error)
    table = _parsed(orders)
    table["delivered"] = table["delivered"].dt.tz_localize("UTC")
    error = _error(date_difference, table, start="ordered", end="delivered")
    assert error.param == "end" and "time zone" in str(error)
    with pytest.raises(NodeError, match="holds text values, not dates"):
        check_schema(date_difference, {"table": orders}, start="ordered", end="delivered")


# --- shift_dates ----------------------------------------------------------------------------------

def test_calendar_shifts_follow_pandas_date_offsets(run):
    table = pd.DataFrame({"d": pd.to_datetime(["2024-01-31", "2024-03-29 12:00", None], format="ISO8601")})
    assert run(shift_dates, table, column="d", amount=1, unit="months")["d"].tolist()[:2] == [
        pd.Timestamp("2024-02-29"), pd.Timestamp("2024-04-29 12:00")]
    assert run(shift_dates, table, column="d", amount=-1, unit="years")["d"].tolist()[0] == pd.Timestamp("2023-01-31")
    assert run(shift_dates, table, column="d", amount=1, unit="business_days")["d"].tolist()[1] == \
        pd.Timestamp("2024-04-01 12:00")  # Friday -> Monday
    assert run(shift_dates, table, column="d", amount=1, unit="quarters")["d"].tolist()[0] == pd.Timestamp("2024-04-30")
    shifted = run(shift_dates, table, column="d", amount=90, unit="minutes", output="later")
    assert shifted["later"].tolist()[0] == pd.Timestamp("2024-01-31 01:30") and pd.isna(shifted["later"].iloc[2])


def test_across_a_dst_change_a_day_keeps_the_clock_time_and_24_hours_do_not(run):
    table = pd.DataFrame({"t": pd.to_datetime(["2024-03-30 12:00"]).tz_localize("Europe/Paris")})
    day = run(shift_dates, table, column="t", amount=1, unit="days")["t"].iloc[0]
    hours = run(shift_dates, table, column="t", amount=24, unit="hours")["t"].iloc[0]
    assert day == pd.Timestamp("2024-03-31 12:00", tz="Europe/Paris")
    assert hours == pd.Timestamp("2024-03-31 13:00", tz="Europe/Paris")


def test_a_calendar_shift_into_a_dst_gap_is_an_error_naming_the_unit():
    table = pd.DataFrame({"t": pd.to_datetime(["2024-03-30 02:30"]).tz_localize("Europe/Paris")})
    error = _error(shift_dates, table, column="t", amount=1, unit="days")
    assert error.param == "unit" and "Europe/Paris" in str(error)


def test_shift_dates_names_a_non_date_column(orders):
    error = _error(shift_dates, orders, column="order_id")
    assert error.param == "column" and "holds number values, not dates" in str(error)


# --- time_zone -------------------------------------------------------------------------------------

def test_localize_then_convert_equals_pandas(run):
    table = pd.DataFrame({"t": pd.to_datetime(["2024-01-15 09:00", "2024-07-15 09:00"])})
    local = run(time_zone, table, column="t", operation="localize", timezone="Europe/Paris")
    assert local["t"].tolist() == table["t"].dt.tz_localize("Europe/Paris").tolist()
    utc = run(time_zone, local, column="t", operation="convert", timezone="UTC", output="t_utc")
    assert [t.hour for t in utc["t_utc"]] == [8, 7]  # +01:00 in winter, +02:00 in summer
    plain = run(time_zone, utc, column="t_utc", operation="remove", timezone="America/New_York")
    assert plain["t_utc"].tolist() == [pd.Timestamp("2024-01-15 03:00"), pd.Timestamp("2024-07-15 03:00")]


def test_an_unknown_time_zone_is_named_with_a_suggestion_before_running():
    table = pd.DataFrame({"t": pd.to_datetime(["2024-01-15 09:00"])})
    error = _error(time_zone, table, column="t", operation="localize", timezone="Europe/Pariss")
    assert error.param == "timezone" and "unknown time zone 'Europe/Pariss'" in str(error)
    assert "Europe/Paris" in str(error)
    with pytest.raises(NodeError, match="unknown time zone"):
        check_schema(time_zone, {"table": table}, column="t", operation="localize", timezone="Mars/Olympus")


def test_localize_and_convert_say_which_one_fits(run):
    plain = pd.DataFrame({"t": pd.to_datetime(["2024-01-15 09:00"])})
    error = _error(time_zone, plain, column="t", operation="convert", timezone="UTC")
    assert error.param == "operation" and "has no time zone" in str(error)
    zoned = run(time_zone, plain, column="t", operation="localize", timezone="UTC")
    error = _error(time_zone, zoned, column="t", operation="localize", timezone="UTC")
    assert error.param == "operation" and "already has the time zone UTC" in str(error)


def test_ambiguous_and_nonexistent_clock_times_fail_by_default_and_follow_the_choice(run):
    table = pd.DataFrame({"t": pd.to_datetime(["2024-10-27 02:30", "2024-03-31 02:30", "2024-06-01 12:00"], format="ISO8601")})
    error = _error(time_zone, table.iloc[[0]], column="t", operation="localize", timezone="Europe/Paris")
    assert error.param == "ambiguous" and "happens twice" in str(error)
    error = _error(time_zone, table.iloc[[1]], column="t", operation="localize", timezone="Europe/Paris")
    assert error.param == "nonexistent" and "never happens" in str(error)
    out = run(time_zone, table, column="t", operation="localize", timezone="Europe/Paris", ambiguous="missing",
              nonexistent="shift_forward")
    expected = table["t"].dt.tz_localize("Europe/Paris", ambiguous="NaT", nonexistent="shift_forward")
    pd.testing.assert_series_equal(out["t"], expected)
    assert pd.isna(out["t"].iloc[0]) and out["t"].iloc[1] == pd.Timestamp("2024-03-31 03:00", tz="Europe/Paris")


# --- schemas -----------------------------------------------------------------------------------------

def test_the_declared_schemas_are_the_real_ones(orders):
    table = _parsed(orders)
    check_schema(parse_dates, {"table": orders}, column="ordered", format="%d/%m/%Y", output="o")
    check_schema(date_difference, {"table": table}, start="ordered", end="delivered", unit="months")
    check_schema(shift_dates, {"table": table}, column="ordered", amount=3, unit="weeks", output="later")
    check_schema(time_zone, {"table": table}, column="ordered", operation="localize", timezone="Asia/Tokyo")


def test_a_missing_column_is_named_in_the_schema_pass(orders):
    with pytest.raises(NodeError, match="did you mean `ordered`") as caught:
        check_schema(shift_dates, {"table": _parsed(orders)}, column="Ordered")
    assert caught.value.param == "column"
