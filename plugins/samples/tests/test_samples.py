"""samples.dataset and samples.synthetic: the promised signatures, real data, reproducible tables."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from dataflow_samples.synthetic import synthetic
from dataflow_samples.toys import dataset

from dataflow.kernel import load_registry
from dataflow.sdk import NodeError, check_node, run_node, spec_of


def make(**params) -> pd.DataFrame:
    return run_node(synthetic, **params)["table"]


# --- declarations ----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [dataset, synthetic], ids=lambda fn: fn.__name__)
def test_every_node_passes_check_node(fn):
    assert check_node(fn) == []


def test_the_plugin_registers_the_promised_type_ids():
    registry = load_registry()  # the installed plugins, as the app and the CLI see them
    record = registry.plugins["samples"]
    assert record.ok, record.error
    assert record.module == "dataflow_samples.plugin" and record.distribution == "dataflow-samples"
    assert set(record.contributions["nodes"]) == {"samples.dataset", "samples.synthetic"}
    assert registry.nodes["samples.dataset"].fn is dataset


def test_dataset_signature_is_the_contract():
    spec = spec_of(dataset)
    assert spec.inputs == () and [p.name for p in spec.outputs] == ["table"]
    (name,) = spec.params
    assert (name.name, name.kind, name.default) == ("name", "str", "iris")
    assert name.choices == ("iris", "wine", "breast_cancer", "diabetes", "digits")


def test_synthetic_parameters_are_the_contract():
    params = {p.name: (p.type_name, p.default, p.bounds and (p.bounds.min, p.bounds.max), p.choices)
              for p in spec_of(synthetic).params}
    assert params == {
        "kind": ("str", "classification", None, ("classification", "regression", "blobs", "time_series")),
        "rows": ("int", 200, (1, 10_000_000), None),
        "columns": ("int", 4, (1, 1000), None),
        "classes": ("int", 2, (2, 50), None),
        "noise": ("float", 0.1, (0, 100), None),
        "seed": ("int", 0, (0, 2**32 - 1), None),
    }


def test_out_of_bounds_values_are_refused_before_running():
    with pytest.raises(ValueError, match="rows"):
        make(rows=0)
    with pytest.raises(ValueError, match="classes"):
        make(classes=51)


def test_importing_the_plugin_imports_no_heavy_library():
    code = ("import sys, dataflow_samples.plugin; "
            "print(','.join(m for m in ('pandas', 'numpy', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# --- dataset ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "shape", "first_column", "classes"), [
    ("iris", (150, 5), "sepal length (cm)", {"setosa", "versicolor", "virginica"}),
    ("wine", (178, 14), "alcohol", {"class_0", "class_1", "class_2"}),
    ("breast_cancer", (569, 31), "mean radius", {"malignant", "benign"}),
    ("digits", (1797, 65), "pixel_0_0", {str(d) for d in range(10)}),
])
def test_classification_sets_have_sklearn_columns_and_class_names(name, shape, first_column, classes):
    table = run_node(dataset, name=name)["table"]
    assert table.shape == shape
    assert table.columns[0] == first_column and table.columns[-1] == "target"
    assert table["target"].dtype == "str" and set(table["target"]) == classes
    assert all(table[c].dtype == "float64" for c in table.columns[:-1])


def test_iris_matches_scikit_learn_row_for_row():
    from sklearn.datasets import load_iris

    bunch = load_iris(as_frame=True)
    table = run_node(dataset)["table"]
    pd.testing.assert_frame_equal(table.drop(columns="target"), bunch.data)
    assert table["target"].tolist() == [bunch.target_names[i] for i in bunch.target]
    assert table["target"].iloc[0] == "setosa"


def test_diabetes_has_a_numeric_target():
    table = run_node(dataset, name="diabetes")["table"]
    assert table.shape == (442, 11) and table["target"].dtype == "float64"
    assert table.columns.tolist()[:3] == ["age", "sex", "bmi"]


def test_an_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="name"):
        run_node(dataset, name="titanic")


# --- synthetic -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["classification", "regression", "blobs"])
def test_feature_columns_are_x1_to_xn_and_a_target(kind):
    table = make(kind=kind, rows=300, columns=6)
    assert table.columns.tolist() == ["x1", "x2", "x3", "x4", "x5", "x6", "target"]
    assert len(table) == 300 and all(table[f"x{i}"].dtype == "float64" for i in range(1, 7))
    assert table["target"].dtype == ("float64" if kind == "regression" else "int64")


@pytest.mark.parametrize("kind", ["classification", "regression", "blobs", "time_series"])
def test_the_same_seed_gives_the_same_table_and_another_seed_another(kind):
    pd.testing.assert_frame_equal(make(kind=kind, seed=7), make(kind=kind, seed=7))
    assert not make(kind=kind, seed=7).equals(make(kind=kind, seed=8))


@pytest.mark.parametrize("kind", ["classification", "blobs"])
def test_labels_are_the_requested_number_of_classes(kind):
    table = make(kind=kind, rows=500, columns=3, classes=5)
    assert sorted(table["target"].unique()) == [0, 1, 2, 3, 4]


def test_noise_makes_classes_harder_to_separate():
    from sklearn.linear_model import LogisticRegression

    def accuracy(noise):
        table = make(rows=600, columns=2, noise=noise, seed=3)
        features = table[["x1", "x2"]]
        return LogisticRegression().fit(features, table["target"]).score(features, table["target"])

    assert accuracy(0.0) > accuracy(5.0) + 0.2


def test_regression_without_noise_is_an_exact_linear_function():
    table = make(kind="regression", rows=100, columns=3, noise=0.0)
    features = table[["x1", "x2", "x3"]].to_numpy()
    _, residuals, *_ = np.linalg.lstsq(features, table["target"].to_numpy(), rcond=None)
    assert residuals[0] < 1e-12
    noisy = make(kind="regression", rows=100, columns=3, noise=10.0)
    _, residuals, *_ = np.linalg.lstsq(noisy[["x1", "x2", "x3"]].to_numpy(), noisy["target"].to_numpy(), rcond=None)
    assert residuals[0] > 1000


def test_blobs_without_noise_sit_on_their_centres():
    table = make(kind="blobs", rows=90, columns=2, classes=3, noise=0.0)
    assert len(table.drop_duplicates()) == 3


def test_too_many_classes_for_the_columns_says_how_many_columns_are_needed():
    with pytest.raises(NodeError) as error:
        make(kind="classification", columns=2, classes=5)
    assert error.value.param == "classes" and "at least 3 feature columns" in str(error.value)
    assert make(kind="blobs", columns=2, classes=5)["target"].nunique() == 5  # blobs have no such limit


def test_a_table_too_large_for_memory_is_refused():
    with pytest.raises(NodeError) as error:
        make(rows=10_000_000, columns=1000)
    assert error.value.param == "rows" and "10,000,000,000 values" in str(error.value)


def test_time_series_is_daily_from_2020_with_trend_and_weekly_seasonality():
    table = make(kind="time_series", rows=70, noise=0.0)
    assert table.columns.tolist() == ["date", "value"]
    assert pd.api.types.is_datetime64_any_dtype(table["date"])
    assert table["date"].iloc[0] == pd.Timestamp("2020-01-01")
    assert (table["date"].diff().dropna() == pd.Timedelta(days=1)).all()
    value = table["value"].to_numpy()
    assert np.allclose(value[7:] - value[:-7], 0.05 * 7)  # same weekday a week later: trend only
    assert value[1] - value[0] != pytest.approx(0.05)  # within a week the seasonality shows


def test_time_series_noise_has_the_requested_spread():
    quiet = make(kind="time_series", rows=5000, noise=0.0)["value"]
    noisy = make(kind="time_series", rows=5000, noise=3.0)["value"]
    assert (noisy - quiet).std() == pytest.approx(3.0, rel=0.05)


def test_a_single_row_works_for_every_kind():
    for kind in ["classification", "regression", "blobs", "time_series"]:
        assert len(make(kind=kind, rows=1, columns=1)) == 1
