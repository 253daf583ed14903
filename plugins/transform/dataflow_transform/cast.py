"""The cast node: change the type of columns, saying which value could not be converted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from dataflow.sdk import Help, NodeError, Table, node, warn

from . import schemas
from ._common import COLUMNS, example, kind, parse_dates, require_columns

TYPES = ("int", "float", "str", "bool", "date", "category")
_ALIASES = {"integer": "int", "number": "float", "double": "float", "text": "str", "string": "str",
            "boolean": "bool", "datetime": "date", "timestamp": "date"}
_TRUE = ["true", "t", "yes", "y", "1", "on"]
_FALSE = ["false", "f", "no", "n", "0", "off"]


@node(category=COLUMNS, label="Change column types", schema=schemas.cast)
def cast(
    table: Table,
    *,
    types: Annotated[dict[str, str], Help(
        'Column -> new type, e.g. {"price": "float", "order_date": "date"}. Types: int (whole numbers), '
        "float (numbers), str (text), bool (true/false: true/false, yes/no, 1/0), date (dates and times, "
        "e.g. 2024-03-31), category (text with few distinct values, stored compactly).")] = {},
    errors: Annotated[Literal["raise", "null"], Help(
        "What to do with a value that cannot be converted (e.g. 'abc' to a number): raise stops with an "
        "error naming the column and the value; null turns such values into missing values and warns.")] = "raise",
) -> Table:
    """Change the type of columns: text to numbers or dates, numbers to text, and so on."""
    require_columns(table, types, "types")
    targets = {column: _type_name(column, name) for column, name in types.items()}
    out = table.copy(deep=False)
    for column, target in targets.items():
        source = table[column]
        converted, failed = _CONVERTERS[target](source, column)
        if failed is not None and bool(failed.any()):
            count = int(failed.sum())
            bad = example(source[failed])
            if errors == "raise":
                raise NodeError(f"column {column!r}: {count} value(s) cannot be converted to {target}, e.g. {bad}; "
                                "correct them, or set errors to 'null' to turn them into missing values",
                                param="types")
            warn(f"column {column!r}: {count} value(s) could not be converted to {target} and became missing, "
                 f"e.g. {bad}")
        out[column] = converted
    return out


def _type_name(column: str, name: str) -> str:
    target = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if target not in TYPES:
        raise NodeError(f"column {column!r}: unknown type {name!r}; use one of {', '.join(TYPES)}", param="types")
    return target


def _refuse(source: Any, column: str, target: str) -> NodeError:
    return NodeError(f"column {column!r} holds {kind(source)} values, which cannot become {target}", param="types")


def _number_from(source: Any, column: str, target: str) -> tuple[Any, Any]:
    """Numbers (float64) from a column, and which values failed to convert (or None)."""
    import pandas as pd

    flavour = kind(source)
    if flavour == "number":
        return source.astype("float64"), None
    if flavour == "true/false":
        return source.astype("float64"), None
    if flavour in ("text", "category"):
        numbers = pd.to_numeric(source.astype("str").str.strip(), errors="coerce").astype("float64")
        return numbers, numbers.isna() & source.notna()
    raise _refuse(source, column, target)


def _to_int(source: Any, column: str) -> tuple[Any, Any]:
    import numpy as np

    if kind(source) == "number" and source.dtype.kind in "iu":
        return source, None
    numbers, failed = _number_from(source, column, "int")
    whole = np.isfinite(numbers) & (numbers == np.trunc(numbers)) & (numbers.abs() < 2.0 ** 63)
    bad = numbers.notna() & ~whole
    failed = bad if failed is None else failed | bad
    numbers = numbers.where(whole)
    if numbers.isna().any():
        return numbers.astype("Int64"), failed
    return numbers.astype("int64"), failed


def _to_float(source: Any, column: str) -> tuple[Any, Any]:
    return _number_from(source, column, "float")


def _to_str(source: Any, column: str) -> tuple[Any, Any]:
    return source.astype("str"), None


def _to_bool(source: Any, column: str) -> tuple[Any, Any]:
    flavour = kind(source)
    if flavour == "true/false":
        return source, None
    if flavour == "number":
        truth, falsity = source == 1, source == 0
    elif flavour in ("text", "category"):
        words = source.astype("str").str.strip().str.lower()
        truth, falsity = words.isin(_TRUE), words.isin(_FALSE)
    else:
        raise _refuse(source, column, "bool")
    failed = source.notna() & ~truth & ~falsity
    missing = ~truth & ~falsity
    if missing.any():
        return truth.astype("boolean").mask(missing), failed
    return truth.astype(bool), failed


def _to_date(source: Any, column: str) -> tuple[Any, Any]:
    flavour = kind(source)
    if flavour == "date":
        return source, None
    if flavour not in ("text", "category"):
        raise _refuse(source, column, "date")
    dates = parse_dates(source.astype("str").str.strip())
    return dates, dates.isna() & source.notna()


def _to_category(source: Any, column: str) -> tuple[Any, Any]:
    return source.astype("category"), None


_CONVERTERS: dict[str, Callable[[Any, str], tuple[Any, Any]]] = {
    "int": _to_int, "float": _to_float, "str": _to_str, "bool": _to_bool, "date": _to_date,
    "category": _to_category,
}
