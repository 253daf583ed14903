"""The sklearn plugin's exporters: the plain split gives the node's two parts, row for row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn import split
from dataflow_sklearn.export import EXPORTERS

from tests.exporting import same_as_node


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=40), "gap": np.where(rng.random(40) < 0.2, np.nan, 1.0),
                         "species": pd.Categorical(rng.choice(["a", "b", "c"], 40)),
                         "label": rng.choice(["yes", "no"], 40)}, index=range(100, 140))


@pytest.mark.parametrize("params", [{}, {"test_fraction": 0.3, "stratify": "label", "seed": 42},
                                    {"stratify": "species", "seed": 7}, {"test_fraction": 0.5, "seed": 3}])
def test_train_test_split_code_gives_the_same_parts(table, params):
    same_as_node(split.train_test_split, EXPORTERS["sklearn.train_test_split"], {"table": table}, **params)
