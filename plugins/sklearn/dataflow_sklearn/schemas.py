"""How the scikit-learn nodes' output columns follow from their inputs' columns, without data.

Each function is called like its node with `TableSchema`s in place of tables (the SDK's
`@node(schema=...)`). A model port carries a `ModelSchema` or a `TransformerSchema` instead: what
predict and apply_transformer need to know about the model before it exists. Columns that depend
on the data (one-hot categories, a classifier's probability columns) leave the schema incomplete
or unknown, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dataflow.sdk import ColumnSchema, NodeError, TableSchema

from .models import PREDICTION, PROBABILITY_PREFIX

_NUMERIC = ("number", "integer", "boolean", "other")


@dataclass(frozen=True)
class ModelSchema:
    """A trained model as the schema pass sees it: its task, target column and features."""

    task: str
    target: ColumnSchema
    features: tuple[str, ...]


@dataclass(frozen=True)
class TransformerSchema:
    """A fitted transformer as the schema pass sees it: which columns it replaces, by which."""

    columns: tuple[str, ...]
    outputs: tuple[ColumnSchema, ...] | None  # None: they depend on the data (one-hot categories)
    keep_other_columns: bool = True


def _non_numeric(table: TableSchema, names: list[str]) -> list[str]:
    if not table.exact:
        return []
    return [n for n in names if table.kind(n) not in _NUMERIC]


def _numeric_columns(table: TableSchema, exclude: tuple[str, ...] = ()) -> list[str]:
    return [c.name for c in table.columns if c.kind in ("number", "integer", "boolean") and c.name not in exclude]


# --- training and predicting ---------------------------------------------------------------------

def _trained(table: TableSchema, task: str, target: str, features: list[str]) -> ModelSchema:
    if target in features:
        raise NodeError(f"the target '{target}' is also listed as a feature: a model must not see the answer it "
                        "predicts; remove it from the features", param="features")
    chosen = list(features) or [n for n in table.names if n != target]
    if not chosen and table.complete:
        raise NodeError("the table has no column besides the target to learn from", param="features")
    text = _non_numeric(table, chosen)
    if text:
        shown = ", ".join(f"'{t}'" for t in text[:10])
        raise NodeError(f"feature column(s) {shown} hold text or categories, and models need numbers: encode them "
                        "first (sklearn.encode), or leave them out of the features",
                        param="features" if features else "target")
    if task == "regression" and table.exact and table.kind(target) not in _NUMERIC:
        raise NodeError(f"the target '{target}' holds {table.kind(target)} values; a regressor predicts numbers "
                        "(use sklearn.train_classifier for classes)", param="target")
    column = table.get(target) or ColumnSchema(target)
    return ModelSchema(task, column, tuple(chosen) if features or table.complete else ())


def train_classifier(table: TableSchema, *, target: str, features: list[str], model: str,
                     hyperparameters: dict[str, Any]) -> ModelSchema:
    return _trained(table, "classification", target, features)


def train_regressor(table: TableSchema, *, target: str, features: list[str], model: str,
                    hyperparameters: dict[str, Any]) -> ModelSchema:
    return _trained(table, "regression", target, features)


def predict(model: ModelSchema | None, table: TableSchema) -> TableSchema:
    if isinstance(model, ModelSchema) and table.complete:
        missing = [f for f in model.features if f not in table]
        if missing:
            shown = ", ".join(f"'{m}'" for m in missing)
            raise NodeError(f"the table lacks the model's feature column(s) {shown}; the model is trained on "
                            f"{', '.join(model.features)}")
    if not isinstance(model, ModelSchema):
        return table.with_column(PREDICTION, "other").incomplete(PROBABILITY_PREFIX)
    if model.task == "regression":
        return table.with_column(PREDICTION, "number")
    kind = "text" if model.target.kind == "text" else "other"
    # a classifier adds probability_<class> columns: the classes are known only from the data
    return table.with_column(PREDICTION, kind).incomplete(PROBABILITY_PREFIX)


def split(table: TableSchema, *, test_fraction: float, stratify: str, seed: int) -> dict[str, TableSchema]:
    return {"train": table, "test": table}


# --- transformers ------------------------------------------------------------------------------------

def _replaced(table: TableSchema, old: list[str], new: list[ColumnSchema]) -> TableSchema:
    """What `preprocessing._replace_columns` makes: the new columns where the first old one was."""
    drop, new_names = set(old), {c.name for c in new}
    first = next(i for i, c in enumerate(table.columns) if c.name in drop)
    kept = [c for c in table.columns if c.name not in drop and c.name not in new_names]
    before = [c for c in table.columns[:first] if c in kept]
    after = [c for c in kept if c not in before]
    return replace(table, columns=(*before, *new, *after))


def _chosen(table: TableSchema, columns: list[str], numeric: bool) -> list[str] | None:
    if columns:
        return list(columns)
    if not table.exact or not table.complete:
        return None  # which columns hold numbers is a reading of the first rows only
    if numeric:
        return _numeric_columns(table)
    return [c.name for c in table.columns if c.kind not in ("number", "integer", "boolean")]


def scale(table: TableSchema, *, columns: list[str], method: str) -> dict[str, Any]:
    chosen = _chosen(table, columns, numeric=True)
    if chosen is None:
        return {}
    if not chosen:
        raise NodeError("the table has no numeric column to scale", param="columns")
    text = _non_numeric(table, chosen)
    if text:
        raise NodeError(f"column(s) {', '.join(map(repr, text))} hold text or categories; scaling needs numbers",
                        param="columns")
    outputs = tuple(ColumnSchema(c, "number") for c in chosen)
    return {"table": _replaced(table, chosen, list(outputs)), "model": TransformerSchema(tuple(chosen), outputs)}


def encode(table: TableSchema, *, columns: list[str], method: str) -> dict[str, Any]:
    chosen = _chosen(table, columns, numeric=False)
    if chosen is None:
        return {}
    if not chosen:
        raise NodeError("the table has no text or category column to encode", param="columns")
    if method == "onehot":  # one column per category seen while fitting
        return {"model": TransformerSchema(tuple(chosen), None)}
    outputs = tuple(ColumnSchema(c, "integer") for c in chosen)
    return {"table": _replaced(table, chosen, list(outputs)), "model": TransformerSchema(tuple(chosen), outputs)}


def pca(table: TableSchema, *, columns: list[str], components: int, standardize: bool,
        keep_other_columns: bool) -> dict[str, Any]:
    variance = TableSchema.of(("component", "text"), ("explained_variance_ratio", "number"), ("cumulative", "number"))
    chosen = _chosen(table, columns, numeric=True)
    if chosen is None:
        return {"variance": variance}
    if not chosen:
        raise NodeError("the table has no numeric column; encode text columns with sklearn.encode first",
                        param="columns")
    outputs = tuple(ColumnSchema(f"PC{i + 1}", "number") for i in range(components))
    fitted = TransformerSchema(tuple(chosen), outputs, keep_other_columns)
    return {"table": apply_transformer(fitted, table), "model": fitted, "variance": variance}


def apply_transformer(model: TransformerSchema | None, table: TableSchema) -> TableSchema | None:
    if not isinstance(model, TransformerSchema) or model.outputs is None:
        return None
    if table.complete:
        missing = [c for c in model.columns if c not in table]
        if missing:
            raise NodeError(f"the table lacks column(s) {', '.join(map(repr, missing))} that the transformer was "
                            f"fitted on ({', '.join(model.columns)})")
    if not model.keep_other_columns:
        return TableSchema(model.outputs)
    if not any(c in table for c in model.columns):
        return None
    return _replaced(table, list(model.columns), list(model.outputs))


def cluster(table: TableSchema, *, columns: list[str], model: str, hyperparameters: dict[str, Any],
            standardize: bool) -> TableSchema:
    text = _non_numeric(table, list(columns))
    if text:
        raise NodeError(f"column(s) {', '.join(map(repr, text))} hold text or categories; clustering needs numbers: "
                        "encode them first (sklearn.encode)", param="columns")
    return table.with_column("cluster", "integer")


# --- evaluating -----------------------------------------------------------------------------------------

def feature_importance(model: ModelSchema | None, table: TableSchema | None, *, method: str, repeats: int,
                       seed: int) -> TableSchema:
    return TableSchema.of(("feature", "text"), ("importance", "number"), ("std", "number"))


def tune(model: ModelSchema | None, table: TableSchema, *, grid: dict[str, Any], search: str, candidates: int,
         folds: int, scoring: str, seed: int) -> dict[str, Any]:
    # the results table has one column per tuned hyperparameter: known only from the grid's search
    return {"model": model}
