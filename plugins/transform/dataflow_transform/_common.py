"""What every transform node shares: checking column names, describing column kinds, new names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from dataflow.sdk import NodeError

COLUMNS = "Transform/Columns"
ROWS = "Transform/Rows"
MISSING = "Transform/Missing values"
COMBINE = "Transform/Combine"
RESHAPE = "Transform/Reshape"
TEXT = "Transform/Text"
DATES = "Transform/Dates"
ENCODE = "Transform/Encode"
EXPLORE = "Explore"

_SHOWN = 15


def require_columns(table: Any, names: Iterable[str], param: str, port: str = "table") -> list[str]:
    """Return `names` as a list when every one is a column of `table`.

    Otherwise raise a NodeError naming the parameter, the column, the closest existing name and
    the available columns, e.g. `parameter 'by': column 'regoin' is not in the input table (did
    you mean 'region'?); its columns are: ...`. A name listed twice is refused too.
    """
    names = list(names)
    available = list(table.columns)
    present = set(available)
    for name in names:
        if name not in present:
            raise NodeError(_unknown(name, available, port), param=param)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise NodeError(f"column {name!r} is listed twice; list each column once", param=param)
        seen.add(name)
    return names


def require_column(table: Any, name: str, param: str, port: str = "table") -> str:
    """Like `require_columns` for one column; an empty name asks the user to pick one."""
    if not name:
        raise NodeError(f"pick a column of the {_where(port)}", param=param)
    return require_columns(table, [name], param, port)[0]


def _where(port: str) -> str:
    return "input table" if port == "table" else f"{port} table"


def _unknown(name: str, available: list[Any], port: str) -> str:
    labels = [str(c) for c in available]
    lowered = {c.lower(): c for c in labels}
    close = [lowered[name.lower()]] if isinstance(name, str) and name.lower() in lowered else \
        difflib.get_close_matches(str(name), labels, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if not labels:
        return f"column {name!r} is not in the {_where(port)}, which has no columns"
    shown = ", ".join(repr(c) for c in labels[:_SHOWN])
    more = f" and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else ""
    return f"column {name!r} is not in the {_where(port)}{hint}; its columns are: {shown}{more}"


def kind(series: Any) -> str:
    """A newcomer's name for a column's type: number, text, date, true/false, category, ..."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "true/false"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_string_dtype(dtype) or str(dtype) == "object":
        return "text"
    return str(dtype)


def value_kind(series: Any) -> str:
    """`kind`, looking through a category column to the kind of its values (for key matching)."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        return kind(pd.Series(series.cat.categories))
    return kind(series)


def is_number(series: Any) -> bool:
    """True for number columns (true/false columns are not numbers here)."""
    return kind(series) == "number"


def new_columns(table: Any, names: list[str], param: str) -> None:
    """Refuse new column names that are empty, repeated, or already in the table."""
    seen: set[str] = set()
    for name in names:
        if not name:
            raise NodeError("a new column name is empty", param=param)
        if name in seen:
            raise NodeError(f"the new column name {name!r} is used twice", param=param)
        if name in table.columns:
            raise NodeError(f"the table already has a column {name!r}; choose another name", param=param)
        seen.add(name)


def parse_dates(text: Any) -> Any:
    """Dates read from a text column; values that are not dates become missing (NaT).

    pandas infers one format from the first value; when that leaves values unread (a date next to
    a date-time), ISO 8601 parsing, which accepts both, is tried and kept if it reads more.
    """
    import pandas as pd

    dates = pd.to_datetime(text, errors="coerce")
    unread = int((dates.isna() & text.notna()).sum())
    if unread:
        iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
        if int((iso.isna() & text.notna()).sum()) < unread:
            dates = iso
    return dates


def example(values: Any) -> str:
    """The first value of a Series and its row label, for error messages: `'abc' (row 17)`."""
    return f"{values.iloc[0]!r} (row {values.index[0]!r})"
