"""What travels on a `Model` port, and the facts a node records in `table.attrs["dataflow"]`.

`TrainedModel` is a fitted estimator plus what it was trained on (features, target, classes,
which registered estimator and hyperparameters), so `predict`, `evaluate`, `cross_validate`
and `tune` need no column typed twice. `FittedTransformer` is a fitted scaler, encoder or PCA
with the columns it applies to. Both are cached with joblib inside DataFlow's private cache
only; files that leave it are written by `model_files.py` with skops.

Facts recorded in `DataFrame.attrs["dataflow"]` (JSON data; the table serializer keeps them):

    "predictions": {"task": "classification" | "regression",
                    "truth": "species" | None,          # the target column, when the table has it
                    "prediction": "prediction",
                    "classes": ["setosa", ...],         # classification only, the model's order
                    "probabilities": ["probability_setosa", ...],   # aligned with classes, or []
                    "model": "sklearn.logistic_regression", "features": [...]}
    "clusters":    {"column": "cluster", "features": [...], "model": "sklearn.kmeans"}
    "importance":  {"method": "builtin" | "permutation", "model": "...", "target": "..."}
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

ATTRS_KEY = "dataflow"
PREDICTION = "prediction"
PROBABILITY_PREFIX = "probability_"


@dataclass
class TrainedModel:
    """A fitted supervised model and what it was trained on."""

    estimator: Any
    task: str  # "classification" or "regression"
    features: list[str]
    target: str
    classes: list[Any] = field(default_factory=list)  # JSON values, in the estimator's order
    training_score: float = float("nan")  # accuracy or R2 on the training rows
    estimator_id: str = ""
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    estimator_version: int = 1
    all_features: bool = False  # trained on "every column but the target"
    # every column of the training table, so predict can tell a column left out on purpose from one the
    # model never saw; None for a model made before this was recorded
    columns: list[Any] | None = None

    def metadata(self) -> dict[str, Any]:
        """Everything but the estimator, as JSON data (kept next to the estimator in model files)."""
        meta = asdict(self)
        meta.pop("estimator")
        return meta

    @classmethod
    def from_metadata(cls, estimator: Any, meta: dict[str, Any]) -> TrainedModel:
        known = {k: v for k, v in meta.items() if k in cls.__dataclass_fields__ and k != "estimator"}
        return cls(estimator=estimator, **known)

    def describe(self) -> str:
        return f"{self.task} model '{self.estimator_id}' predicting '{self.target}' from {len(self.features)} features"

    def __repr__(self) -> str:
        return f"TrainedModel({self.describe()}, training score {self.training_score:.4g})"


@dataclass
class FittedTransformer:
    """A fitted scaler, encoder or PCA and the columns it reads and writes."""

    transformer: Any
    kind: str  # "scale", "encode" or "pca"
    method: str
    columns: list[str]
    output_columns: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        meta = asdict(self)
        meta.pop("transformer")
        return meta

    @classmethod
    def from_metadata(cls, transformer: Any, meta: dict[str, Any]) -> FittedTransformer:
        known = {k: v for k, v in meta.items() if k in cls.__dataclass_fields__ and k != "transformer"}
        return cls(transformer=transformer, **known)

    def __repr__(self) -> str:
        return f"FittedTransformer({self.kind}/{self.method} of {len(self.columns)} columns)"


def with_facts(table: Any, name: str, facts: dict[str, Any]) -> Any:
    """`table` (not a copy) with `attrs["dataflow"][name] = facts`; the attrs dict is replaced, never
    edited in place, because an input table may share it."""
    current = table.attrs.get(ATTRS_KEY)
    merged = copy.deepcopy(current) if isinstance(current, dict) else {}
    merged[name] = facts
    table.attrs = {**{k: v for k, v in table.attrs.items() if k != ATTRS_KEY}, ATTRS_KEY: merged}
    return table


def facts_of(table: Any, name: str) -> dict[str, Any] | None:
    """The facts a node recorded under `name`, or None."""
    recorded = table.attrs.get(ATTRS_KEY)
    if isinstance(recorded, dict) and isinstance(recorded.get(name), dict):
        return recorded[name]
    return None
