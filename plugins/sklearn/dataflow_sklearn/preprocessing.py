"""Scale and encode columns with fitted transformers, and apply a fitted one to another table.

The design: `scale` and `encode` fit on their input (the training rows) and output both the
transformed `table` and the fitted `model`; `apply_transformer` applies that model to any other
table (the test rows, new data), so test rows are transformed with what was learnt from the
training rows only. PCA models (`sklearn.pca`) apply the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from dataflow.sdk import Column, Help, Model, NodeError, Table, node, warn

from . import schemas
from .columns import check_no_missing, check_numeric, is_numeric, numeric_columns, require_columns
from .models import FittedTransformer


class Transformed(TypedDict):
    table: Annotated[Table, Help("The table with the columns transformed")]
    model: Annotated[Model, Help("The fitted transformer: apply it to other tables with sklearn.apply_transformer")]


Columns = Annotated[list[str], Column("table"), Help("Columns to transform (empty: see the node's description)")]


@node(category="Machine learning/Prepare", schema=schemas.scale)
def scale(table: Table, *, columns: Columns = [],  # noqa: B006
          method: Annotated[Literal["standard", "minmax"],
                            Help("standard: mean 0 and standard deviation 1; minmax: from 0 to 1")] = "standard"
          ) -> Transformed:
    """Rescale numeric columns (all numeric columns when none are chosen).

    Missing values stay missing and are ignored while fitting. Scale the training rows here,
    then the test rows with sklearn.apply_transformer, so both use the training statistics.
    """
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    chosen = list(columns) or numeric_columns(table)
    if not chosen:
        raise NodeError("the table has no numeric column to scale", param="columns")
    require_columns(table, chosen, "columns")
    check_numeric(table, chosen, "columns")
    scaler = StandardScaler() if method == "standard" else MinMaxScaler()
    scaler.fit(table[chosen].to_numpy(dtype=float, na_value=float("nan")))
    fitted = FittedTransformer(scaler, "scale", method, chosen, chosen)
    return {"table": transform(fitted, table), "model": fitted}


@node(category="Machine learning/Prepare", schema=schemas.encode)
def encode(table: Table, *, columns: Columns = [],  # noqa: B006
           method: Annotated[Literal["onehot", "ordinal"],
                             Help("onehot: one 0/1 column per category; ordinal: one integer code per category")]
           = "onehot") -> Transformed:
    """Turn text or category columns into numbers (all text and category columns when none are chosen).

    One-hot makes a column `<column>_<category>` per category and drops the original; ordinal
    replaces each category by its code (0, 1, ...; categories sorted). A category unseen while
    fitting becomes all zeros (one-hot) or -1 (ordinal), with a warning. Missing values are a
    category of their own (one-hot) or stay missing (ordinal).
    """
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    chosen = list(columns) or [c for c in table.columns if not is_numeric(table[c])]
    if not chosen:
        raise NodeError("the table has no text or category column to encode", param="columns")
    require_columns(table, chosen, "columns")
    if method == "onehot":
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=float)
    else:
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=float)
    encoder.fit(_categories(table, chosen))
    if method == "onehot":
        outputs = [f"{c}_{_category_label(v)}" for c, values in zip(chosen, encoder.categories_, strict=True)
                   for v in values]
        clashes = [o for o in outputs if o in table.columns and o not in chosen]
        if clashes:
            raise NodeError(f"one-hot columns would replace existing column(s) {', '.join(clashes)}; rename them "
                            "first", param="columns")
    else:
        outputs = chosen
    fitted = FittedTransformer(encoder, "encode", method, chosen, outputs)
    return {"table": transform(fitted, table), "model": fitted}


@node(category="Machine learning/Prepare", label="Apply transformer", schema=schemas.apply_transformer)
def apply_transformer(model: Model, table: Table) -> Table:
    """Apply a fitted scaler, encoder or PCA (from sklearn.scale, sklearn.encode, sklearn.pca) to a table.

    The table must hold the columns the transformer was fitted on.
    """
    if not isinstance(model, FittedTransformer):
        hint = (" this is a trained model: use sklearn.predict" if hasattr(model, "estimator") else "")
        raise NodeError("apply_transformer needs a fitted transformer from sklearn.scale, sklearn.encode or "
                        f"sklearn.pca;{hint or ' got ' + type(model).__name__}")
    return transform(model, table)


def transform(fitted: FittedTransformer, table: Any) -> Any:
    """`table` with `fitted` applied (a new table; the input is never changed)."""
    import numpy as np
    import pandas as pd

    missing = [c for c in fitted.columns if c not in table.columns]
    if missing:
        raise NodeError(f"the table lacks column(s) {', '.join(repr(m) for m in missing)} that the {fitted.kind} "
                        f"transformer was fitted on ({', '.join(fitted.columns)})")
    if fitted.kind == "encode":
        values = fitted.transformer.transform(_categories(table, fitted.columns))
        _warn_unknown(fitted, table)
    else:
        check_numeric(table, fitted.columns, None)
        numbers = table[fitted.columns].to_numpy(dtype=np.float64, na_value=np.nan)
        if fitted.kind == "pca":
            check_no_missing(table, fitted.columns, None)
        values = fitted.transformer.transform(numbers)
    if fitted.kind == "encode" and fitted.method == "onehot":
        values = values.astype(np.int64)
    new = pd.DataFrame(values, index=table.index, columns=fitted.output_columns)
    if fitted.kind == "encode" and fitted.method == "ordinal":
        new = new.astype("Int64")  # codes are whole numbers; missing values stay missing
    if fitted.kind == "pca" and not fitted.options.get("keep_other_columns", True):
        return new
    return _replace_columns(table, fitted.columns, new)


def _replace_columns(table: Any, old: list[str], new: Any) -> Any:
    """`table` with the `old` columns replaced by `new`'s, placed where the first old column was."""
    import pandas as pd

    drop = set(old)
    first = next(i for i, c in enumerate(table.columns) if c in drop)
    kept = [c for c in table.columns if c not in drop and c not in new.columns]
    before = [c for c in table.columns[:first] if c in kept]
    after = [c for c in kept if c not in before]
    out = pd.concat([table[before], new, table[after]], axis=1)
    out.attrs = dict(table.attrs)
    return out


def _categories(table: Any, columns: list[str]) -> Any:
    """The columns as an object matrix of text (missing values as NaN), what the encoders expect."""
    import numpy as np

    parts = []
    for column in columns:
        series = table[column]
        text = series.astype(str).to_numpy(dtype=object)
        text[series.isna().to_numpy()] = np.nan
        parts.append(text)
    return np.column_stack(parts) if parts else np.empty((len(table), 0), dtype=object)


def _category_label(value: Any) -> str:
    return "missing" if isinstance(value, float) and value != value else str(value)


def _warn_unknown(fitted: FittedTransformer, table: Any) -> None:
    """Warn about categories the encoder never saw while fitting (they encode as zeros or -1)."""
    for column, known in zip(fitted.columns, fitted.transformer.categories_, strict=True):
        seen = set(known.tolist())
        values = table[column].dropna().astype(str)
        unknown = values[~values.isin(seen)]
        if len(unknown):
            sample = ", ".join(repr(v) for v in unknown.unique()[:5])
            code = "all-zero columns" if fitted.method == "onehot" else "-1"
            warn(f"column '{column}': {len(unknown)} row(s) hold categories not seen while fitting ({sample}); "
                 f"they are encoded as {code}")

