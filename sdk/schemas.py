"""Table schemas for node authors: read one off a DataFrame, compare a declared one with the real.

`TableSchema` and `ColumnSchema` are plain values (`tableschema.py`); what needs pandas lives here.

    schema_of(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))   # a (integer), b (text)
"""

from __future__ import annotations

from typing import Any

from .tableschema import (
    BOOLEAN,
    CATEGORY,
    DATETIME,
    INTEGER,
    NUMBER,
    OTHER,
    TEXT,
    ColumnSchema,
    TableSchema,
)

#: a category column's categories are part of its schema up to this many (the target classes)
MAX_CATEGORIES = 1000

__all__ = ["column_kind", "schema_differences", "schema_of"]


def column_kind(dtype: Any) -> str:
    """The schema kind of a pandas dtype: number, integer, text, category, boolean, datetime or other."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        return CATEGORY
    if pd.api.types.is_bool_dtype(dtype):
        return BOOLEAN
    if pd.api.types.is_integer_dtype(dtype):
        return INTEGER
    if pd.api.types.is_numeric_dtype(dtype):
        return NUMBER
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATETIME
    if pd.api.types.is_string_dtype(dtype):
        return TEXT
    return OTHER


def schema_of(table: Any, *, exact: bool = True) -> TableSchema:
    """The schema of a DataFrame: its column names (as text) in order, their kinds, and the
    categories of category columns with at most `MAX_CATEGORIES` of them."""
    columns = []
    for name, dtype in table.dtypes.items():
        kind = column_kind(dtype)
        categories = None
        if kind == CATEGORY and len(dtype.categories) <= MAX_CATEGORIES:
            categories = tuple(dtype.categories.tolist())
        columns.append(ColumnSchema(str(name), kind, categories))
    return TableSchema(tuple(columns), exact)


def schema_differences(declared: TableSchema, real: TableSchema) -> list[str]:
    """How a declared schema contradicts the real one, as sentences; [] when it does not.

    The names must be the same, in the same order (an incomplete schema's names must begin the real
    ones). A declared kind may be broader than the real
    one (`other` fits anything, `number` fits an integer column; a schema that is not `exact` may
    differ in kinds); declared categories must be the real ones.
    """
    known = real.names if declared.complete else real.names[:len(declared.names)]
    if declared.names != known:
        return [f"columns: declared {declared.names}, the node returned {real.names}"]
    problems = []
    for said, got in zip(declared.columns, real.columns[:len(declared.columns)], strict=True):
        if said.kind in (OTHER, got.kind) or (said.kind == NUMBER and got.kind == INTEGER) or not declared.exact:
            pass
        else:
            problems.append(f"column '{said.name}': declared {said.kind}, the node returned {got.kind}")
        if said.categories is not None and got.kind == CATEGORY and tuple(said.categories) != tuple(got.categories or ()):
            problems.append(f"column '{said.name}': declared categories {list(said.categories)}, "
                            f"the node returned {list(got.categories or ())}")
    return problems
