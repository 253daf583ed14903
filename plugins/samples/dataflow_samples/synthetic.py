"""Synthetic tables from a seed: classification, regression, blobs (clusters) and a daily time series.

The same parameters always give the same table (the seed drives every random draw), so the
node is cached like any pure node. `noise` is one knob with one meaning: the standard
deviation of Gaussian noise, added to the features (classification), to the target
(regression), around each cluster centre (blobs) or to the daily values (time series).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Help, NodeError, Table, TableSchema, node

# 100 million cells (800 MB of float64) for one table: the bounds of rows and columns alone
# would allow 10 billion.
MAX_CELLS = 100_000_000


def _synthetic_schema(*, kind: str, rows: int, columns: int, classes: int, noise: float, seed: int) -> TableSchema:
    if kind == "time_series":
        return TableSchema.of(("date", "datetime"), ("value", "number"))
    if rows * columns > MAX_CELLS:
        raise NodeError(f"{rows:,} rows x {columns:,} columns is {rows * columns:,} values, over the "
                        f"{MAX_CELLS:,} a synthetic table may hold; lower rows or columns", param="rows")
    target = "number" if kind == "regression" else "integer"
    return TableSchema.of(*((f"x{i + 1}", "number") for i in range(columns)), ("target", target))


@node(category="Input/Samples", label="Synthetic data", schema=_synthetic_schema)
def synthetic(
    *,
    kind: Annotated[Literal["classification", "regression", "blobs", "time_series"],
                    Help("classification: features x1..xN and an integer class label; regression: a numeric "
                         "target; blobs: clusters around random centres; time_series: daily dates from "
                         "2020-01-01 and a value with trend, weekly seasonality and noise")] = "classification",
    rows: Annotated[int, Bounds(1, 10_000_000), Help("How many rows to generate")] = 200,
    columns: Annotated[int, Bounds(1, 1000), Help("How many feature columns (x1..xN); not used by "
                                                  "time_series")] = 4,
    classes: Annotated[int, Bounds(2, 50), Help("Classes (classification) or clusters (blobs); "
                                                "classification needs 2^columns >= classes")] = 2,
    noise: Annotated[float, Bounds(0, 100), Help("Standard deviation of the Gaussian noise: on the features "
                                                 "(classification), the target (regression), around each "
                                                 "centre (blobs) or on each day's value (time_series)")] = 0.1,
    seed: Annotated[int, Bounds(0, 2**32 - 1), Help("Random seed: the same seed gives the same table")] = 0,
) -> Table:
    """Generate a table of synthetic data for trying out models and charts, reproducible by its seed."""
    if kind == "time_series":
        return _time_series(rows, noise, seed)
    if rows * columns > MAX_CELLS:
        raise NodeError(f"{rows:,} rows x {columns:,} columns is {rows * columns:,} values, over the "
                        f"{MAX_CELLS:,} a synthetic table may hold; lower rows or columns", param="rows")
    if kind == "classification":
        features, target = _classification(rows, columns, classes, noise, seed)
    elif kind == "regression":
        features, target = _regression(rows, columns, noise, seed)
    else:
        features, target = _blobs(rows, columns, classes, noise, seed)
    return _table(features, target)


def _classification(rows: int, columns: int, classes: int, noise: float, seed: int) -> tuple[Any, Any]:
    import numpy as np
    from sklearn.datasets import make_classification

    if classes > 2 ** columns:
        need = int(np.ceil(np.log2(classes)))
        raise NodeError(f"{classes} classes need at least {need} feature columns (each class sits on a corner "
                        f"of a {columns}-dimensional cube, which has {2 ** columns}); raise columns to {need} "
                        "or lower classes", param="classes")
    features, target = make_classification(
        n_samples=rows, n_features=columns, n_informative=columns, n_redundant=0, n_repeated=0,
        n_classes=classes, n_clusters_per_class=1, flip_y=0.0, random_state=seed)
    if noise:
        features += np.random.default_rng(seed).normal(0.0, noise, size=features.shape)
    return features, target


def _regression(rows: int, columns: int, noise: float, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_regression

    return make_regression(n_samples=rows, n_features=columns, n_informative=columns, noise=noise,
                           random_state=seed)


def _blobs(rows: int, columns: int, clusters: int, noise: float, seed: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=rows, n_features=columns, centers=clusters, cluster_std=noise,
                      random_state=seed)


def _table(features: Any, target: Any) -> Any:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(features, columns=[f"x{i + 1}" for i in range(features.shape[1])])
    kind = np.float64 if target.dtype.kind == "f" else np.int64
    frame["target"] = target.astype(kind, copy=False)
    return frame


def _time_series(rows: int, noise: float, seed: int) -> Any:
    """date: one row per day from 2020-01-01; value = 10 + 0.05 * day + 2 * sin(2 pi day / 7) + noise."""
    import numpy as np
    import pandas as pd

    day = np.arange(rows, dtype=np.float64)
    value = 10.0 + 0.05 * day + 2.0 * np.sin(2 * np.pi * day / 7)
    if noise:
        value += np.random.default_rng(seed).normal(0.0, noise, size=rows)
    return pd.DataFrame({"date": pd.date_range("2020-01-01", periods=rows, freq="D"), "value": value})
