"""Fixtures: real data sets as tables, and model results made by the sklearn plugin's nodes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def registry():
    """The installed plugins (the sklearn nodes used to make model results read the estimators from it)."""
    from dataflow.kernel import load_registry

    return load_registry()


@pytest.fixture
def iris():
    """Iris: four numeric features and the species as text."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    table = data.data.copy()
    table["species"] = pd.Series(data.target_names[data.target], dtype="str")
    return table


@pytest.fixture
def big(iris):
    """30,000 rows: iris repeated 200 times, with a little seeded noise so points differ."""
    import numpy as np

    table = pd.concat([iris] * 200, ignore_index=True)
    noise = np.random.default_rng(0).normal(0, 0.05, (len(table), 4))
    table[table.columns[:4]] = table[table.columns[:4]].to_numpy() + noise
    return table


@pytest.fixture
def run_warned():
    """`run_warned(fn, inputs, **params)` -> (figure, warnings), called as the engine calls a node."""
    from dataflow.kernel import call_node
    from dataflow.sdk import spec_of

    def run(fn: Any, inputs: dict[str, Any], **params: Any):
        spec = spec_of(fn)
        values = {p.name: params.pop(p.name, p.default) for p in spec.params}
        assert not params, f"unknown parameters {params}"
        outcome = call_node(spec, inputs, values)
        return outcome.outputs["figure"], outcome.warnings

    return run
