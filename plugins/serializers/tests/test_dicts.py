"""The metrics and params serializers store dicts as JSON that round-trips to equal values."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pytest
from dataflow_serializers.dicts import MetricsSerializer, ParamsSerializer


@pytest.fixture(params=[MetricsSerializer, ParamsSerializer], ids=["metrics", "params"])
def dicts(request):
    return request.param()


def test_plain_values_round_trip_equal(dicts, through_file):
    value = {"accuracy": 0.93, "n": 10, "name": "logreg", "ok": True, "none": None, "big": 2**80,
             "nested": {"list": [1, 2.5, "x", [None]], "empty": {}}, "unicode": "café ✓"}
    assert through_file(dicts, value) == value


def test_numpy_scalars_and_arrays_become_python_values(dicts, through_file):
    value = {"f": np.float32(0.5), "i": np.int64(3), "b": np.bool_(True), "s": np.str_("x"),
             "matrix": np.array([[1, 2], [3, 4]]), "labels": np.array(["a", "b"])}
    back = through_file(dicts, value)
    assert back == {"f": 0.5, "i": 3, "b": True, "s": "x", "matrix": [[1, 2], [3, 4]], "labels": ["a", "b"]}
    assert type(back["i"]) is int and type(back["b"]) is bool and type(back["f"]) is float


def test_nan_and_infinity_round_trip(dicts, through_file):
    back = through_file(dicts, {"nan": float("nan"), "inf": np.inf, "neg": -np.inf, "arr": np.array([np.nan, 1.0])})
    assert math.isnan(back["nan"]) and back["inf"] == math.inf and back["neg"] == -math.inf
    assert math.isnan(back["arr"][0]) and back["arr"][1] == 1.0


def test_tuples_and_non_string_keys_round_trip(dicts, through_file):
    value = {"hidden_layer_sizes": (100, 50), 0: "zero", 1.5: "x", None: "n", ("a", 1): [(), (1,)],
             "__dataflow__": "a user key that looks like the tag"}
    back = through_file(dicts, value)
    assert back == value
    assert type(back["hidden_layer_sizes"]) is tuple


def test_values_json_cannot_hold_are_refused_naming_where_they_are(dicts):
    with pytest.raises(TypeError, match=r"\['fit'\]\['when'\] is a datetime"):
        dicts.dumps({"fit": {"when": datetime.datetime(2024, 1, 1)}})
    with pytest.raises(TypeError, match="is a set"):
        dicts.dumps({"s": {1, 2}})


def test_export_writes_strict_json_other_tools_read(dicts, tmp_path):
    path = tmp_path / f"out{dicts.export_suffix}"
    dicts.export({"auc": np.float64(0.8), "nan": float("nan"), "sizes": (1, 2), 3: "three"}, path)
    text = path.read_text("utf-8")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}")) == {
        "auc": 0.8, "nan": None, "sizes": [1, 2], "3": "three"}


def test_share_is_a_deep_copy(dicts):
    value = {"grid": {"C": [0.1, 1.0]}}
    shared = dicts.share(value)
    shared["grid"]["C"].append(10.0)
    shared["new"] = 1
    assert value == {"grid": {"C": [0.1, 1.0]}}


def test_check_names_what_it_got(dicts):
    with pytest.raises(TypeError, match="expected a dict, got list"):
        dicts.check([("a", 1)])
    dicts.check({})


def test_sizeof_counts_nested_arrays(dicts):
    assert dicts.sizeof({"curve": np.zeros(10_000)}) >= 80_000
