"""Unsupervised nodes: find clusters of rows, and reduce columns to principal components."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from dataflow.sdk import Bounds, Column, Help, Model, NodeError, Table, node, warn

from . import schemas
from .choice import ModelChoice
from .columns import feature_matrix, numeric_columns, require_columns
from .fitting import build_estimator, estimator_spec, fit
from .models import FittedTransformer, with_facts
from .preprocessing import transform

CLUSTER = "cluster"
Columns = Annotated[list[str], Column("table"), Help("Numeric columns to use (empty: every numeric column)")]
Standardize = Annotated[bool, Help("Scale each column to mean 0 and standard deviation 1 first, so no column "
                                   "dominates because of its unit")]


@node(category="Machine learning/Cluster", schema=schemas.cluster)
def cluster(table: Table, *, columns: Columns = [],  # noqa: B006
            model: Annotated[str, ModelChoice("clusterer"), Help("Which clustering method")] = "sklearn.kmeans",
            hyperparameters: Annotated[dict[str, Any], Help("The method's settings by name, e.g. "
                                                            "{\"n_clusters\": 4}")] = {},  # noqa: B006
            standardize: Standardize = True) -> Table:
    """Group similar rows: add a `cluster` column with each row's cluster number.

    k-means finds the number of clusters you ask for; DBSCAN finds dense groups itself and
    marks outliers as cluster -1. plotly.clusters draws the result.
    """
    import numpy as np

    chosen = _columns(table, columns)
    X = feature_matrix(table, chosen, "columns")
    if len(X) < 2:
        raise NodeError(f"the table has {len(X)} row(s); clustering needs at least 2")
    if standardize:
        X = _standardized(X)
    spec = estimator_spec("clusterer", model)
    estimator, values = build_estimator(spec, hyperparameters)
    wanted = values.get("n_clusters")
    if isinstance(wanted, int) and wanted > len(X):
        raise NodeError(f"n_clusters is {wanted} but the table has only {len(X)} rows", param="hyperparameters")
    fit(estimator, X, what=f"clustering '{model}'")
    labels = getattr(estimator, "labels_", None)
    if labels is None:
        labels = estimator.predict(X)
    out = table.copy(deep=False)
    if CLUSTER in table.columns:
        warn(f"replaced the existing column '{CLUSTER}'")
    out[CLUSTER] = np.asarray(labels, dtype=np.int64)
    found = sorted(set(out[CLUSTER].tolist()) - {-1})
    if len(found) <= 1:
        warn(f"only {len(found)} cluster found: try other settings (for DBSCAN a larger eps)")
    return with_facts(out, "clusters", {"column": CLUSTER, "features": chosen, "model": model,
                                        "standardized": standardize, "clusters": len(found),
                                        "noise": int((out[CLUSTER] == -1).sum())})


class Components(TypedDict):
    table: Annotated[Table, Help("The table with the chosen columns replaced by PC1, PC2, ...")]
    model: Annotated[Model, Help("The fitted PCA: apply it to other tables with sklearn.apply_transformer")]
    variance: Annotated[Table, Help("Share of the variance each component explains")]


@node(category="Machine learning/Prepare", label="PCA", schema=schemas.pca)
def pca(table: Table, *, columns: Columns = [],  # noqa: B006
        components: Annotated[int, Bounds(1, 10_000), Help("How many principal components to keep")] = 2,
        standardize: Standardize = True,
        keep_other_columns: Annotated[bool, Help("Keep the columns that were not reduced (e.g. the target)")] = True
        ) -> Components:
    """Replace numeric columns by their principal components (PC1, PC2, ...).

    Also outputs the share of the variance each component explains, and the fitted PCA to
    apply to other tables with sklearn.apply_transformer.
    """
    import numpy as np
    import pandas as pd
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    chosen = _columns(table, columns)
    X = feature_matrix(table, chosen, "columns")
    limit = min(len(chosen), len(X))
    if components > limit:
        raise NodeError(f"{components} components asked, but {len(chosen)} column(s) and {len(X)} row(s) give at "
                        f"most {limit}", param="components")
    steps = [StandardScaler()] if standardize else []
    pipeline = make_pipeline(*steps, PCA(n_components=components, svd_solver="full"))
    pipeline.fit(X)
    names = [f"PC{i + 1}" for i in range(components)]
    fitted = FittedTransformer(pipeline, "pca", "standardized" if standardize else "raw", chosen, names,
                               {"keep_other_columns": keep_other_columns})
    ratio = pipeline[-1].explained_variance_ratio_
    variance = pd.DataFrame({"component": names, "explained_variance_ratio": ratio,
                             "cumulative": np.cumsum(ratio)})
    return {"table": transform(fitted, table), "model": fitted, "variance": variance}


def _columns(table: Any, columns: list[str]) -> list[str]:
    if columns:
        require_columns(table, columns, "columns")
        return list(columns)
    chosen = [c for c in numeric_columns(table) if c != CLUSTER]
    if not chosen:
        raise NodeError("the table has no numeric column; encode text columns with sklearn.encode first",
                        param="columns")
    return chosen


def _standardized(X: Any) -> Any:
    """Columns scaled to mean 0 and standard deviation 1 (constant columns stay 0)."""
    import numpy as np

    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)
