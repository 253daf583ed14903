"""The fixed table of functions a formula may call."""


from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dataflow.kernel.context import warn

from .kinds import BOOL, DATE, NUM, TEXT, _as_bool, _is_missing

# --- the function table -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Function:
    """A formula function: its signature, help, argument kinds, result kind and implementation.

    Argument kinds: a kind (NUM, TEXT, DATE), "same" (these arguments share a kind, which is also
    the result when `result` is "same"), "anything", "castable" (number, text or true/false),
    "digits" (a fixed whole number) and "fixed text" (text that is the same for every row).
    The implementation receives a pandas Series first and Series or scalars after it.
    """

    signature: str
    help: str
    params: tuple[str, ...]
    result: str
    impl: Callable[..., Any]
    required: int = 1
    variadic: bool = False


def _np(name: str) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        import numpy as np

        return getattr(np, name)(x)
    return apply


def _pick(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(x: Any, y: Any) -> Any:
        import pandas as pd

        if isinstance(y, pd.Series):
            keep = _as_bool(op(x, y)) | y.isna()
        elif _is_missing(y):
            return x
        else:
            keep = _as_bool(op(x, y))
        return x.where(keep, y)
    return apply


def _fillna(x: Any, *values: Any) -> Any:
    for value in values:
        if value is not None:
            x = x.fillna(value)
    return x


def _to_text(x: Any) -> Any:
    import pandas as pd

    return x if pd.api.types.is_string_dtype(x.dtype) else x.astype("str")


def _to_number(integer: bool) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        import numpy as np
        import pandas as pd

        if pd.api.types.is_bool_dtype(x.dtype):
            return x.astype("int64" if integer else "float64")
        if not pd.api.types.is_numeric_dtype(x.dtype):
            numbers = pd.to_numeric(x, errors="coerce")
            failed = numbers.isna() & x.notna()
            if failed.any():
                example = x[failed].iloc[0]
                warn(f"{'int' if integer else 'float'}(...): {int(failed.sum())} value(s) are not numbers "
                     f"(e.g. {example!r}) and became missing")
            x = numbers
        x = x.astype("float64")
        if not integer:
            return x
        x = np.trunc(x)
        if x.isna().any() or bool((x.abs() >= 2.0 ** 63).any()):
            return x  # missing or beyond the int64 range: whole numbers kept as floats
        return x.astype("int64")
    return apply


def _str(method: str, **options: Any) -> Callable[..., Any]:
    return lambda x, *args: getattr(x.str, method)(*args, **options)


def _dt(part: str) -> Callable[[Any], Any]:
    return lambda x: getattr(x.dt, part)


FUNCTIONS: Mapping[str, Function] = MappingProxyType({
    "abs": Function("abs(x)", "the absolute value of a number", (NUM,), NUM, lambda x: x.abs()),
    "round": Function("round(x, digits)", "x rounded to `digits` decimals (0 when left out)",
                      (NUM, "digits"), NUM, lambda x, digits=0: x.round(int(digits))),
    "floor": Function("floor(x)", "the largest whole number <= x", (NUM,), NUM, _np("floor")),
    "ceil": Function("ceil(x)", "the smallest whole number >= x", (NUM,), NUM, _np("ceil")),
    "sqrt": Function("sqrt(x)", "the square root (missing for negative x)", (NUM,), NUM, _np("sqrt")),
    "log": Function("log(x)", "the natural logarithm", (NUM,), NUM, _np("log")),
    "log10": Function("log10(x)", "the base-10 logarithm", (NUM,), NUM, _np("log10")),
    "exp": Function("exp(x)", "e to the power x", (NUM,), NUM, _np("exp")),
    "min": Function("min(a, b)", "the smaller of two values, row by row (ignores a missing one)",
                    ("same", "same"), "same", _pick(operator.le), required=2),
    "max": Function("max(a, b)", "the larger of two values, row by row (ignores a missing one)",
                    ("same", "same"), "same", _pick(operator.ge), required=2),
    "isnull": Function("isnull(x)", "true where x is missing", ("anything",), BOOL, lambda x: x.isna()),
    "notnull": Function("notnull(x)", "true where x is not missing", ("anything",), BOOL, lambda x: x.notna()),
    "fillna": Function("fillna(x, value)", "x with its missing values replaced by value",
                       ("same", "same"), "same", _fillna, required=2),
    "coalesce": Function("coalesce(a, b, ...)", "the first value that is not missing, row by row",
                         ("same",), "same", _fillna, variadic=True),
    "len": Function("len(s)", "the number of characters of a text", (TEXT,), NUM, lambda x: x.str.len()),
    "lower": Function("lower(s)", "the text in lower case", (TEXT,), TEXT, _str("lower")),
    "upper": Function("upper(s)", "the text in upper case", (TEXT,), TEXT, _str("upper")),
    "strip": Function("strip(s)", "the text without leading and trailing spaces", (TEXT,), TEXT, _str("strip")),
    "contains": Function("contains(s, 'part')", "true where the text contains the part (exact, case-sensitive)",
                         (TEXT, "fixed text"), BOOL, _str("contains", regex=False, na=False), required=2),
    "startswith": Function("startswith(s, 'part')", "true where the text starts with the part",
                           (TEXT, "fixed text"), BOOL, _str("startswith", na=False), required=2),
    "endswith": Function("endswith(s, 'part')", "true where the text ends with the part",
                         (TEXT, "fixed text"), BOOL, _str("endswith", na=False), required=2),
    "replace": Function("replace(s, 'old', 'new')", "the text with every `old` replaced by `new` (exact text)",
                        (TEXT, "fixed text", "fixed text"), TEXT, _str("replace", regex=False), required=3),
    "year": Function("year(d)", "the year of a date", (DATE,), NUM, _dt("year")),
    "month": Function("month(d)", "the month of a date (1-12)", (DATE,), NUM, _dt("month")),
    "day": Function("day(d)", "the day of the month (1-31)", (DATE,), NUM, _dt("day")),
    "weekday": Function("weekday(d)", "the day of the week, Monday = 0 ... Sunday = 6", (DATE,), NUM,
                        _dt("day_of_week")),
    "hour": Function("hour(d)", "the hour of a date-time (0-23)", (DATE,), NUM, _dt("hour")),
    "str": Function("str(x)", "x as text", ("anything",), TEXT, _to_text),
    "int": Function("int(x)", "x as a whole number (cut towards zero; text that is not a number becomes missing)",
                    ("castable",), NUM, _to_number(integer=True)),
    "float": Function("float(x)", "x as a number (text that is not a number becomes missing)",
                      ("castable",), NUM, _to_number(integer=False)),
})


def formula_functions() -> dict[str, str]:
    """Signature -> one-line help of every formula function, for an editor's help panel."""
    return {f.signature: f.help for f in FUNCTIONS.values()}
