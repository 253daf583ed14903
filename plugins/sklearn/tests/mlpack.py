"""A test-only node pack: an iris source node and a classifier that logs every `fit` call.

Loaded by conftest.py with `load_registry(extra=[("mlpack", module)])`, as a third-party pack
would be installed, to prove that its estimator appears in the train nodes' choices and that
tuning re-fits only new candidates.
"""

from __future__ import annotations

from typing import Annotated

from dataflow.sdk import Bounds, Help, Table, estimator, hookimpl, node


class LoggedCentroid:
    """Nearest shrunken centroid; appends 'shrink rows' to `log` on every fit (scikit-learn API)."""

    def __init__(self, shrink: float = 0.0, log: str = ""):
        self.shrink = shrink
        self.log = log

    def fit(self, X, y):
        import numpy as np

        if self.log:
            with open(self.log, "a") as handle:
                handle.write(f"{self.shrink} {len(X)}\n")
        self.classes_ = np.unique(y)
        overall = X.mean(axis=0)
        self.centroids_ = np.array([(1 - self.shrink / 10) * X[y == c].mean(axis=0) + self.shrink / 10 * overall
                                    for c in self.classes_])
        return self

    def predict_proba(self, X):
        import numpy as np

        distance = ((X[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        weight = np.exp(-(distance - distance.min(axis=1, keepdims=True)))
        return weight / weight.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y):
        return float((self.predict(X) == y).mean())


@estimator(kind="classifier", label="Logged centroid")
def logged_centroid(*, shrink: Annotated[float, Bounds(0.0, 10.0), Help("Pull towards the overall mean")] = 0.0,
                    log: Annotated[str, Help("File that gets one line per fit")] = ""):
    """Nearest centroid that writes a line to a log file on every fit."""
    return LoggedCentroid(shrink=shrink, log=log)


@node(category="Test")
def iris_table() -> Table:
    """The iris data set with its species as text."""
    import pandas as pd
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    table = iris.data.copy()
    table["species"] = pd.Series(iris.target_names[iris.target], dtype="str")
    return table


@hookimpl
def register_nodes(register):
    register(iris_table)


@hookimpl
def register_estimators(register):
    register(logged_centroid)
