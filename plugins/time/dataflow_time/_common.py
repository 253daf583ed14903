"""What the time nodes share: column checks, date-column checks, time zone and period names,
group columns, and the positional bookkeeping that lets a node sort rows and put results back.

Every check raises a NodeError naming the parameter at fault and saying what to do next.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from dataflow.sdk import NodeError, column_kind, did_you_mean

DATES = "Transform/Dates"
SERIES = "Transform/Time series"

#: the functions an aggregation item (`column:function`) may name, and those that need numbers
AGGREGATIONS = ("sum", "mean", "median", "min", "max", "count", "nunique", "std", "first", "last")
NEEDS_NUMBERS = frozenset({"sum", "mean", "median", "std"})

_SHOWN = 15


def require_column(table: Any, name: str, param: str) -> str:
    """`name` when it is a column of `table`; an empty name asks the user to pick one."""
    if not name:
        raise NodeError("pick a column of the input table", param=param)
    require_columns(table, [name], param)
    return name


def require_columns(table: Any, names: Iterable[str], param: str) -> list[str]:
    """`names` as a list when each is a column of `table` (once); else a NodeError with a hint."""
    names = list(names)
    labels = [str(c) for c in table.columns]
    for name in names:
        if name not in table.columns:
            raise NodeError(missing_message(name, labels), param=param)
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise NodeError(f"column {twice!r} is listed twice; list each column once", param=param)
    return names


def missing_message(name: str, labels: list[str]) -> str:
    """`column 'regoin' is not in the input table (did you mean `region`?); its columns are: ...`"""
    if not labels:
        return f"column {name!r} is not in the input table, which has no columns"
    shown = ", ".join(repr(c) for c in labels[:_SHOWN])
    more = f" and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else ""
    return f"column {name!r} is not in the input table{did_you_mean(str(name), labels)}; its columns are: {shown}{more}"


#: the nodes' words for the SDK's column kinds, in messages ("holds number values, not dates")
WORDS = {"integer": "number", "number": "number", "boolean": "true/false", "datetime": "date", "text": "text",
         "category": "category"}


def kind(series: Any) -> str:
    """A newcomer's name for a column's type: date, number, text, true/false, category or other."""
    found = column_kind(series.dtype)
    return WORDS.get(found, found)


def require_dates(table: Any, name: str, param: str) -> Any:
    """The column `name` when it holds dates (with or without a time zone); else a NodeError that
    says how to get dates (text: time.parse_dates)."""
    require_column(table, name, param)
    series = table[name]
    found = kind(series)
    if found == "date":
        return series
    hint = ("; read it as dates with 'Parse dates' (time.parse_dates) first" if found == "text"
            else "; pick a date column")
    raise NodeError(f"column {name!r} holds {found} values, not dates{hint}", param=param)


def zone_of(series: Any) -> str | None:
    """The time zone of a date column, or None for dates without one."""
    tz = getattr(series.dtype, "tz", None)
    return None if tz is None else str(tz)


@functools.lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """Every IANA time zone name the machine knows (the system database or the tzdata package)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def check_time_zone(name: str, param: str = "timezone") -> str:
    """`name` when it is an IANA time zone such as Europe/Paris or UTC; else a NodeError with a hint."""
    name = name.strip()
    if not name:
        raise NodeError("type a time zone, e.g. Europe/Paris, America/New_York or UTC", param=param)
    if name not in time_zones():
        raise NodeError(f"unknown time zone {name!r}{did_you_mean(name, sorted(time_zones()))}; use an IANA name "
                        "such as Europe/Paris, America/New_York, Asia/Tokyo or UTC", param=param)
    return name


def check_period(text: str, param: str, *, fixed: bool = False) -> Any:
    """The pandas offset for a period such as D, 7D, W, MS, h or 15min; NodeError naming `param`
    when pandas does not know it (or, with `fixed`, when its length varies, as a month's does)."""
    from pandas.tseries.frequencies import to_offset

    text = text.strip()
    examples = "e.g. D (day), 7D, W (week), MS (month, labelled by its start), QS, YS, h (hour), 15min"
    if fixed:
        examples = "e.g. 7D, 12h, 30min or 90s"
    if not text:
        raise NodeError(f"type a period, {examples}", param=param)
    try:
        offset = to_offset(text)
    except ValueError as exc:
        reason = str(exc).split("Failed to parse with error message: ")[-1].strip()
        detail = f" ({reason})" if "no longer supported" in reason or "Did you mean" in reason else ""
        raise NodeError(f"{text!r} is not a period{detail}; {examples}", param=param) from None
    if fixed:
        import pandas as pd

        try:
            pd.Timedelta(offset)
        except ValueError:
            raise NodeError(f"{text!r} has no fixed length (a month or a year varies); {examples}",
                            param=param) from None
    return offset


def parse_aggregation(item: str, param: str = "aggregations") -> tuple[str, str]:
    """("price", "sum") from "price:sum" (the function after the last colon); NodeError otherwise."""
    column, sep, function = item.rpartition(":")
    column, function = column.strip(), function.strip().lower()
    if not sep or not column:
        raise NodeError(f"{item!r}: write column:function, e.g. price:sum", param=param)
    if function not in AGGREGATIONS:
        raise NodeError(f"{item!r}: unknown function {function!r}; use one of {', '.join(AGGREGATIONS)}", param=param)
    return column, function


def new_names(existing: Iterable[str], names: list[str], param: str) -> list[str]:
    """Names of added columns, refused when one is already a column or repeats another."""
    present = set(existing)
    seen: set[str] = set()
    for name in names:
        if name in present:
            raise NodeError(f"the table already has a column {name!r}; rename it first", param=param)
        if name in seen:
            raise NodeError(f"the new column name {name!r} would be used twice", param=param)
        seen.add(name)
    return names


def examples(values: Any, count: int = 3) -> str:
    """The first few values of a Series with their row labels: `'abc' (row 3), '31/02' (row 9)`."""
    shown = values.head(count)
    return ", ".join(f"{value!r} (row {label!r})" for label, value in zip(shown.index, shown.tolist(), strict=True))
