"""The kinds of values a formula handles (number, text, true/false, date) and their checks."""


from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUM, TEXT, BOOL, DATE, NONE, ANY = "number", "text", "true/false", "date", "None", "any"
_KNOWN_KINDS = (NUM, TEXT, BOOL, DATE)
_UNKNOWN = object()     # the value of a column when checking without data


# --- values and kinds ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Val:
    """A value during evaluation: its kind, its value (scalar, Series or _UNKNOWN), whether it is
    one value for all rows, and for text how many times longer than its inputs it may be."""

    kind: str
    value: Any
    scalar: bool
    growth: float = 1.0

    @property
    def known(self) -> bool:
        return self.value is not _UNKNOWN


def _describe(kind: str) -> str:
    return {NUM: "a number", TEXT: "text", BOOL: "a true/false value", DATE: "a date", NONE: "None",
            ANY: "a column"}.get(kind, f"a value of type {kind}")


_HINTS = {
    BOOL: "; turn it into 0/1 with int(...)",
    DATE: "; take a part of it with year(), month(), day(), weekday() or hour()",
    NONE: "; to test for missing values use isnull(x), to replace them fillna(x, value)",
    TEXT: "; if it holds numbers, convert it with float(...)",
}


def _common(*kinds: str) -> str | None:
    """The kind shared by values that must agree (None is compatible with all); None if they clash."""
    found = {k for k in kinds if k not in (NONE, ANY)}
    if len(found) > 1:
        return None
    if found:
        return found.pop()
    return ANY if ANY in kinds else NONE


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _as_bool(series: Any) -> Any:
    """A plain bool Series: missing conditions become False."""
    if str(series.dtype) == "bool":
        return series
    return series.fillna(False).astype(bool)


def _series_kind(series: Any) -> str:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return BOOL
    if pd.api.types.is_numeric_dtype(dtype):
        return NUM
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATE
    if pd.api.types.is_string_dtype(dtype) or str(dtype) == "object":
        return TEXT
    return str(dtype)


def _literal_kind(value: bool | int | float | str) -> str:
    """The kind of a fixed value in `x in [...]`."""
    if isinstance(value, bool):
        return BOOL
    return NUM if isinstance(value, (int, float)) else TEXT
