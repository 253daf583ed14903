"""Checks on the columns a node is told to use, with errors that name the column and the fix.

Every check raises `NodeError(..., param=...)`, so the user sees which setting to change:
a misspelt column gets a "did you mean", a text column fed to a model points at
`sklearn.encode`, missing values point at `transform.fill_missing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dataflow.sdk import NodeError, did_you_mean


def require_columns(table: Any, names: Sequence[str], param: str, *, what: str = "the table") -> None:
    """NodeError naming every name in `names` that is not a column of `table`."""
    columns = list(table.columns)
    missing = [n for n in names if n not in columns]
    if not missing:
        return
    hints = "".join(did_you_mean(n, columns) for n in missing[:1])
    shown = ", ".join(f"'{n}'" for n in missing)
    listed = ", ".join(str(c) for c in columns[:30]) + (", ..." if len(columns) > 30 else "")
    plural = "s" if len(missing) > 1 else ""
    raise NodeError(f"column{plural} {shown} not in {what}{hints}; its columns are: {listed}", param=param)


def require_column(table: Any, name: str, param: str, *, what: str = "the table") -> str:
    """`name` when it is a column of `table`; a NodeError asking to choose one when it is empty."""
    if not name:
        raise NodeError("choose a column", param=param)
    require_columns(table, [name], param, what=what)
    return name


def is_numeric(series: Any) -> bool:
    """True for numbers and booleans (what a model can use as they are)."""
    import pandas as pd

    dtype = series.dtype
    return (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)) and not isinstance(
        dtype, pd.CategoricalDtype)


def numeric_columns(table: Any, exclude: Iterable[str] = ()) -> list[str]:
    """The numeric (and boolean) columns of `table`, in order, minus `exclude`."""
    skip = set(exclude)
    return [c for c in table.columns if c not in skip and is_numeric(table[c])]


def resolve_features(table: Any, target: str | None, features: Sequence[str], param: str = "features") -> list[str]:
    """The feature columns: `features` checked, or every column but the target when it is empty."""
    if features:
        if len(set(features)) != len(features):
            twice = sorted({f for f in features if list(features).count(f) > 1})
            raise NodeError(f"column '{twice[0]}' is listed twice", param=param)
        require_columns(table, features, param)
        if target is not None and target in features:
            raise NodeError(f"the target '{target}' is also listed as a feature: a model must not see the "
                            "answer it predicts; remove it from the features", param=param)
        return list(features)
    chosen = [c for c in table.columns if c != target]
    if not chosen:
        raise NodeError("the table has no column besides the target to learn from", param=param)
    return chosen


def check_numeric(table: Any, columns: Sequence[str], param: str | None, *, where: str = "") -> None:
    """NodeError naming the columns that hold text or categories (models need numbers).

    `where` ("the `table` input") is for nodes whose columns come from a trained model: the
    message names that input and the model's feature columns instead of the `features` setting."""
    text = [c for c in columns if not is_numeric(table[c])]
    if not text:
        return
    described = ", ".join(f"'{c}' ({table[c].dtype})" for c in text)
    plural = "s hold" if len(text) > 1 else " holds"
    them = "them" if len(text) > 1 else "it"
    advice = (f"turn {them} into numbers the way the training rows were (sklearn.apply_transformer of the same "
              "encoder)" if where else
              f"turn {them} into numbers with sklearn.encode (one-hot or ordinal) first, or leave {them} out")
    subject = f"in {where}, the model's feature column{plural}" if where else f"column{plural}"
    raise NodeError(f"{subject} text or categories, not numbers: {described}; {advice}", param=param)


def check_no_missing(table: Any, columns: Sequence[str], param: str | None, *, where: str = "") -> None:
    """NodeError naming each column with missing values and how many (`where`: as for check_numeric)."""
    counts = table[list(columns)].isna().sum()
    bad = [(c, int(n)) for c, n in counts.items() if n]
    if not bad:
        return
    described = ", ".join(f"'{c}' ({n} missing)" for c, n in bad[:10])
    place = f" of {where} (the model's feature columns)" if where else ""
    raise NodeError(f"missing values in {described} of {len(table)} rows{place}; fill them with transform.fill_missing "
                    "or drop those rows first", param=param)


def feature_matrix(table: Any, columns: Sequence[str], param: str | None = "features", *, allow_nan: bool = False,
                   where: str = "") -> Any:
    """The columns as a float numpy matrix, after checking they are numeric (and complete)."""
    import numpy as np

    check_numeric(table, columns, param, where=where)
    if not allow_nan:
        check_no_missing(table, columns, param, where=where)
    X = table[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)
    counts = np.isinf(X).sum(axis=0)
    if counts.any():
        described = ", ".join(f"'{c}' ({int(n)} infinite)" for c, n in zip(columns, counts, strict=True) if n)
        place = f" of {where} (the model's feature columns)" if where else ""
        raise NodeError(f"infinite values in {described} of {len(table)} rows{place}; no model can use them: "
                        "replace them (transform.derive) or drop those rows first", param=param)
    return X


def json_value(value: Any) -> Any:
    """A class label as plain JSON data (numpy scalars become Python ones)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
