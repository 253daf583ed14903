"""Date columns: read text as dates with a format, the difference between two dates, shift dates,
and time zones (localize, convert, remove).

pandas does the date work (`to_datetime`, `DateOffset`, `tz_localize`, `tz_convert`), so its
calendar and daylight-saving rules hold: a month added to 31 January is 29 February in a leap
year, and one day added to a time in Europe/Paris keeps the clock time across a DST change while
24 hours do not.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node, warn

from . import schemas
from ._common import DATES, check_time_zone, examples, kind, require_column, require_dates, zone_of

_FORMAT_HELP = (
    "How the text is written, with strftime codes: %Y-%m-%d reads 2024-03-31, %d/%m/%Y %H:%M reads "
    "31/03/2024 14:05, %Y-%m-%dT%H:%M:%S%z reads an ISO time with its UTC offset. Codes: %Y year, %m month, "
    "%d day, %H hour, %M minute, %S second, %f fraction, %b month name (Mar), %z offset. "
    "Leave empty to accept any ISO 8601 date or date-time.")
_OUTPUT_HELP = "Name of the result column (empty: replace the column in place)."


@node(category=DATES, label="Parse dates", schema=schemas.parse_dates)
def parse_dates(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("text", "category"), required=True), Help(
        "The text column holding dates, e.g. order_date.")] = "",
    format: Annotated[str, Help(_FORMAT_HELP)] = "%Y-%m-%d",
    errors: Annotated[Literal["missing", "fail"], Help(
        "What a value that does not match the format becomes: missing (a warning gives how many and "
        "examples), or fail (the node stops and names them).")] = "missing",
    utc: Annotated[bool, Help(
        "Convert every date to UTC. Needed when the values carry different UTC offsets "
        "(+01:00 in winter, +02:00 in summer); dates without an offset are taken as UTC.")] = False,
    output: Annotated[str, Help(_OUTPUT_HELP)] = "",
) -> Table:
    """Read a text column as dates with a format; values that do not match are reported."""
    import pandas as pd

    require_column(table, column, "column")
    text = table[column]
    if kind(text) not in ("text", "category"):
        raise NodeError(f"column {column!r} holds {kind(text)} values, not text; parse dates from a text column",
                        param="column")
    fmt = schemas.check_format(format)
    text = text.astype("str") if kind(text) == "category" else text
    try:
        dates = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=utc)
    except ValueError as exc:
        if "timezone" in str(exc).lower() or "offset" in str(exc).lower():
            raise NodeError(f"column {column!r}: the values carry different UTC offsets; switch on utc to "
                            "convert them all to UTC", param="utc") from None
        raise NodeError(f"format {format!r} cannot be used: {str(exc).splitlines()[0]}", param="format") from None
    failed = dates.isna() & text.notna() & (text.astype("str").str.strip() != "")
    count = int(failed.sum())
    if count:
        described = (f"{count:,} of {int(text.notna().sum()):,} value(s) in column {column!r} do not match "
                     f"{'ISO 8601' if not fmt else 'format ' + repr(fmt)}, e.g. {examples(text[failed])}")
        if errors == "fail":
            raise NodeError(f"{described}; fix the format, or set errors to 'missing'", param="format")
        warn(f"{described}; they became missing (NaT)")
    out = table.copy(deep=False)
    out[output or column] = dates
    return out


_UNITS = {"weeks": "W", "days": "D", "hours": "h", "minutes": "min", "seconds": "s"}


@node(category=DATES, label="Date difference", schema=schemas.date_difference)
def date_difference(
    table: Table,
    *,
    start: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The earlier date column, e.g. order_date.")] = "",
    end: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The later date column, e.g. delivery_date; the result is end - start (negative when end is earlier).")]
    = "",
    unit: Annotated[Literal["days", "weeks", "hours", "minutes", "seconds", "months", "years"], Help(
        "The unit of the result. days ... seconds: elapsed time as a decimal number (36 hours = 1.5 days). "
        "months, years: complete calendar months or years, as an age is counted "
        "(31 Jan -> 29 Feb is 0 months, 15 Jan -> 15 Mar is 2).")] = "days",
    output: Annotated[str, Help("Name of the result column (empty: start_to_end_unit, e.g. "
                                "order_date_to_delivery_date_days); an existing column of that name is replaced.")]
    = "",
) -> Table:
    """The time between two date columns, in days, hours, ... or whole months or years."""
    import pandas as pd

    first, last = require_dates(table, start, "start"), require_dates(table, end, "end")
    if (zone_of(first) is None) != (zone_of(last) is None):
        aware = start if zone_of(first) else end
        raise NodeError(f"column {aware!r} has a time zone and the other does not; give both one with "
                        "'Time zone' (time.time_zone, localize) first", param="end")
    if unit in _UNITS:
        values = (last - first) / pd.Timedelta(1, unit=_UNITS[unit])
    else:
        values = _calendar_difference(first, last, 12 if unit == "months" else 1)
    out = table.copy(deep=False)
    out[output or f"{start}_to_{end}_{unit}"] = values.astype("float64")
    return out


def _calendar_difference(first: Any, last: Any, per_year: int) -> Any:
    """Complete calendar months (per_year=12) or years (1) from `first` to `last`, as an age is
    counted: the count of month (year) boundaries, less one when the end's place in its month
    (year) comes before the start's. Negative when `last` is earlier."""
    import numpy as np

    def place(dates: Any) -> tuple[Any, Any]:
        months = dates.dt.year * 12 + dates.dt.month - 1
        within = dates - dates.dt.normalize()  # time of day
        if per_year == 12:
            rest = dates.dt.day * 86_400 + within.dt.total_seconds()
        else:
            rest = (dates.dt.month * 32 + dates.dt.day) * 86_400 + within.dt.total_seconds()
        return months // (12 // per_year), rest

    (start, start_rest), (end, end_rest) = place(first), place(last)
    whole = (end - start).astype("float64")
    short = np.where(whole > 0, (end_rest < start_rest).astype("float64"), 0.0)
    over = np.where(whole < 0, (end_rest > start_rest).astype("float64"), 0.0)
    return whole - short + over


_FIXED = {"seconds", "minutes", "hours"}


@node(category=DATES, label="Shift dates", schema=schemas.shift_dates)
def shift_dates(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The date column to shift, e.g. invoice_date.")] = "",
    amount: Annotated[int, Bounds(-1_000_000, 1_000_000), Help(
        "How many units to move the dates: positive moves later, negative earlier.")] = 1,
    unit: Annotated[Literal["seconds", "minutes", "hours", "days", "business_days", "weeks", "months", "quarters",
                            "years"], Help(
        "seconds, minutes, hours: elapsed time (24 hours across a DST change is not the same clock time). "
        "days, weeks, months, quarters, years: calendar steps that keep the clock time (31 Jan + 1 month = "
        "29 Feb in 2024). business_days: Monday to Friday.")] = "days",
    output: Annotated[str, Help(_OUTPUT_HELP)] = "",
) -> Table:
    """Move dates later or earlier by an amount of seconds, hours, days, months, years ..."""
    import pandas as pd

    dates = require_dates(table, column, "column")
    if unit in _FIXED:
        step: Any = pd.Timedelta(amount, unit=unit)
    elif unit == "business_days":
        step = pd.offsets.BDay(amount)
    elif unit == "quarters":
        step = pd.DateOffset(months=3 * amount)
    else:
        step = pd.DateOffset(**{unit: amount})
    try:
        shifted = dates + step
    except ValueError as exc:  # a calendar step landing in a DST gap or overlap of the column's zone
        raise NodeError(f"shifting column {column!r} lands on a clock time that does not exist or exists "
                        f"twice in {zone_of(dates)} ({str(exc).split(',')[0]}); shift by hours instead",
                        param="unit") from None
    except OverflowError:
        raise NodeError(f"shifting by {amount} {unit} leaves the dates pandas can hold (years 1677-2262)",
                        param="amount") from None
    out = table.copy(deep=False)
    out[output or column] = shifted
    return out


@node(category=DATES, label="Time zone", schema=schemas.time_zone)
def time_zone(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("datetime",), required=True), Help(
        "The date column, e.g. timestamp.")] = "",
    operation: Annotated[Literal["localize", "convert", "remove"], Help(
        "localize: say in which time zone dates without one were written (14:00 stays 14:00, now in that zone). "
        "convert: show dates that have a time zone in another one (14:00 UTC becomes 15:00 Europe/Paris). "
        "remove: convert to the time zone, then drop it, keeping the local clock time.")] = "convert",
    timezone: Annotated[str, Help(
        "An IANA time zone name: Europe/Paris, America/New_York, Asia/Tokyo, UTC ...")] = "UTC",
    ambiguous: Annotated[Literal["fail", "missing", "infer"], Help(
        "localize only: a clock time that happens twice when clocks go back (02:30 on the last Sunday of October "
        "in Europe/Paris). fail: stop and name it; missing: make it NaT; infer: tell the two apart from the "
        "order of the rows (sorted times needed).")] = "fail",
    nonexistent: Annotated[Literal["fail", "missing", "shift_forward", "shift_backward"], Help(
        "localize only: a clock time that never happens when clocks go forward (02:30 on the last Sunday of "
        "March in Europe/Paris). fail: stop and name it; missing: make it NaT; shift_forward / shift_backward: "
        "move it to the nearest real time after / before.")] = "fail",
    output: Annotated[str, Help(_OUTPUT_HELP)] = "",
) -> Table:
    """Give dates a time zone (localize), show them in another one (convert), or drop it (remove)."""
    dates = require_dates(table, column, "column")
    zone = check_time_zone(timezone)
    current = zone_of(dates)
    if operation == "localize":
        if current is not None:
            raise NodeError(f"column {column!r} already has the time zone {current}; use operation 'convert' to "
                            "show it in another one", param="operation")
        options = {"fail": "raise", "missing": "NaT"}
        try:
            result = dates.dt.tz_localize(zone, ambiguous=options.get(ambiguous, ambiguous),
                                          nonexistent=options.get(nonexistent, nonexistent))
        except ValueError as exc:
            message = str(exc).split(",")[0]
            param = "nonexistent" if "nonexistent" in message else "ambiguous"
            what = "never happens" if param == "nonexistent" else "happens twice"
            raise NodeError(f"column {column!r}: {message.split(' is ')[0].removeprefix('Cannot infer dst time from ')}"
                            f" {what} in {zone} (a daylight-saving change); choose what to do with such times",
                            param=param) from None
    else:
        if current is None:
            raise NodeError(f"column {column!r} has no time zone; use operation 'localize' to say in which one "
                            "its dates were written", param="operation")
        result = dates.dt.tz_convert(zone)
        if operation == "remove":
            result = result.dt.tz_localize(None)
    out = table.copy(deep=False)
    out[output or column] = result
    return out
