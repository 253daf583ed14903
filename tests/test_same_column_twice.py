"""A node given the same column for two roles (truth and prediction, x and y, ...) fails with a NodeError
naming the parameter, not with pandas' or plotly's raw exception (issue 16)."""

from __future__ import annotations

import pandas as pd
import pytest

from dataflow.sdk import NodeError, run_node

CASES = [
    ("plotly.confusion_matrix", {"truth": "species", "prediction": "species"}, "prediction",
     "truth and prediction are both column 'species'"),
    ("plotly.residuals", {"truth": "a", "prediction": "a"}, "prediction", "truth and prediction are both column 'a'"),
    ("sklearn.evaluate", {"truth": "species", "prediction": "species"}, "prediction",
     "truth and prediction are both column 'species'"),
    ("plotly.clusters", {"x": "a", "y": "a", "cluster": "species"}, "y", "x and y are both column 'a'"),
    ("plotly.histogram", {"x": "a", "color": "species", "facet": "species"}, "facet",
     "color and facet are both column 'species'"),
    ("transform.pivot", {"index": ["a"], "columns": "species", "values": "a"}, "values",
     "'a' is also a row \\(index\\) column"),
]


@pytest.fixture(scope="module")
def table():
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.data.copy()
    frame.columns = ["a", "b", "c", "d"]
    frame["species"] = pd.Series(data.target_names[data.target], dtype="str")
    return frame


@pytest.mark.parametrize(("type_id", "params", "param", "message"), CASES, ids=[c[0] for c in CASES])
def test_one_column_in_two_roles_is_a_node_error_naming_the_parameter(registry, table, type_id, params, param,
                                                                      message):
    spec = registry.nodes[type_id]
    with pytest.raises(NodeError, match=message) as caught:
        run_node(spec.fn, {spec.inputs[0].name: table}, **params)
    assert caught.value.param == param
