"""Model files: skops round trips, atomic writes, and tampered files refused before any code runs."""

from __future__ import annotations

import importlib
import io
import json
import os
import zipfile

import numpy as np
import pytest
from dataflow_sklearn.model_files import load_model, save_model
from dataflow_sklearn.models import FittedTransformer, TrainedModel
from dataflow_sklearn.preprocessing import apply_transformer, encode
from dataflow_sklearn.training import predict, train_classifier, train_regressor

from dataflow.sdk import NodeError, run_node


@pytest.fixture
def forest(iris):
    return run_node(train_classifier, {"table": iris}, target="species", model="sklearn.random_forest_classifier",
                    hyperparameters={"n_estimators": 10})["model"]


def test_a_saved_model_loads_with_its_metadata_and_predicts_the_same(iris, forest, tmp_path):
    path = tmp_path / "forest.skops"
    report = run_node(save_model, {"model": forest}, path=str(path))["params"]
    loaded = run_node(load_model, path=str(path))["model"]
    assert report == {"path": str(path), "bytes": path.stat().st_size, "kind": "trained",
                      "model": "sklearn.random_forest_classifier"}
    assert isinstance(loaded, TrainedModel) and loaded.metadata() == forest.metadata()
    before = run_node(predict, {"model": forest, "table": iris})["table"]
    after = run_node(predict, {"model": loaded, "table": iris})["table"]
    assert before.equals(after) and after.attrs == before.attrs


@pytest.mark.parametrize("model_id", ["sklearn.gradient_boosting_regressor", "sklearn.lasso"])
def test_regressors_round_trip(diabetes, tmp_path, model_id):
    model = run_node(train_regressor, {"table": diabetes}, target="target", model=model_id,
                     hyperparameters={"n_estimators": 5} if "boosting" in model_id else {})["model"]
    run_node(save_model, {"model": model}, path=str(tmp_path / "m.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "m.skops"))["model"]
    X = diabetes.drop(columns="target").to_numpy()
    assert np.array_equal(loaded.estimator.predict(X), model.estimator.predict(X))


@pytest.mark.parametrize("model_id", ["sklearn.knn_classifier", "sklearn.svm_classifier",
                                      "sklearn.gradient_boosting_classifier", "sklearn.logistic_regression"])
def test_classifiers_round_trip(iris, tmp_path, model_id):
    model = run_node(train_classifier, {"table": iris}, target="species", model=model_id,
                     hyperparameters={"n_estimators": 5} if "boosting" in model_id else {})["model"]
    run_node(save_model, {"model": model}, path=str(tmp_path / "m.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "m.skops"))["model"]
    X = iris.drop(columns="species").to_numpy()
    assert np.array_equal(loaded.estimator.predict_proba(X), model.estimator.predict_proba(X))


def test_a_fitted_encoder_round_trips(iris, tmp_path):
    model = run_node(encode, {"table": iris})["model"]
    run_node(save_model, {"model": model}, path=str(tmp_path / "encoder.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "encoder.skops"))["model"]
    assert isinstance(loaded, FittedTransformer) and loaded.output_columns == model.output_columns
    assert run_node(apply_transformer, {"model": loaded, "table": iris})["table"].equals(
        run_node(apply_transformer, {"model": model, "table": iris})["table"])


def test_saving_replaces_the_file_atomically(forest, tmp_path, monkeypatch):
    path = tmp_path / "model.skops"
    path.write_bytes(b"the previous file")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        run_node(save_model, {"model": forest}, path=str(path))
    assert path.read_bytes() == b"the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skops"]  # no temporary file left
    monkeypatch.undo()
    run_node(save_model, {"model": forest}, path=str(path))
    assert zipfile.is_zipfile(path) and sorted(p.name for p in tmp_path.iterdir()) == ["model.skops"]


def test_only_skops_paths_are_accepted(forest, tmp_path):
    with pytest.raises(NodeError, match="parameter 'path': model files end in .skops, got 'model.pkl'"):
        run_node(save_model, {"model": forest}, path=str(tmp_path / "model.pkl"))
    with pytest.raises(NodeError, match="parameter 'path': file not found"):
        run_node(load_model, path=str(tmp_path / "missing.skops"))
    (tmp_path / "fake.skops").write_bytes(b"not a zip")
    with pytest.raises(NodeError, match="parameter 'path': not a skops model file"):
        run_node(load_model, path=str(tmp_path / "fake.skops"))


def test_a_model_of_an_unreviewed_type_cannot_be_saved(iris, tmp_path):
    model = run_node(train_classifier, {"table": iris}, target="species", model="mlpack.logged_centroid")["model"]
    with pytest.raises(NodeError, match="outside the trust list .*LoggedCentroid"):
        run_node(save_model, {"model": model}, path=str(tmp_path / "m.skops"))
    assert not (tmp_path / "m.skops").exists()


def _tampered(source, target, edit) -> None:
    """Copy a skops file, changing its schema with `edit(schema)`."""
    with zipfile.ZipFile(source) as original:
        members = {name: original.read(name) for name in original.namelist()}
    schema = json.loads(members["schema.json"])
    edit(schema)
    members["schema.json"] = json.dumps(schema).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())


def test_a_tampered_file_naming_an_importable_class_is_refused_before_it_is_imported(
        forest, tmp_path, monkeypatch):
    marker = tmp_path / "marker.txt"
    (tmp_path / "evil_marker_module.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n\nclass Evil:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    run_node(save_model, {"model": forest}, path=str(tmp_path / "good.skops"))

    def swap_estimator(schema):
        schema["content"]["estimator"].update({"__module__": "evil_marker_module", "__class__": "Evil"})

    _tampered(tmp_path / "good.skops", tmp_path / "bad.skops", swap_estimator)
    with pytest.raises(NodeError, match="refused to load bad.skops: .*evil_marker_module.Evil"):
        run_node(load_model, path=str(tmp_path / "bad.skops"))
    assert not marker.exists()
    importlib.import_module("evil_marker_module")  # the marker works: importing the class would have made it
    assert marker.read_text() == "imported"


def test_a_tampered_file_calling_os_system_is_refused(forest, tmp_path):
    marker = tmp_path / "pwned"
    run_node(save_model, {"model": forest}, path=str(tmp_path / "good.skops"))

    def call_system(schema):
        schema["content"]["metadata"] = {"__class__": "system", "__module__": "os", "__loader__": "FunctionNode",
                                         "content": {"module_path": "os", "function": "system"}}
        schema["content"]["kind"] = {"__class__": "exec", "__module__": "builtins", "__loader__": "ObjectNode",
                                     "content": f"touch {marker}"}

    _tampered(tmp_path / "good.skops", tmp_path / "bad.skops", call_system)
    with pytest.raises(NodeError, match=r"outside DataFlow's trust list \(FunctionNode .*builtins.exec, os.system"):
        run_node(load_model, path=str(tmp_path / "bad.skops"))
    assert not marker.exists()


def test_a_support_vector_machine_saved_before_version_2_still_loads(iris, tmp_path):
    """Files saved when the SVM was a plain SVC(probability=True) keep loading and predicting."""
    import copy
    import warnings

    from sklearn.svm import SVC

    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.svm_classifier")["model"]
    old = copy.copy(model)
    X = iris[model.features].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # what version 1 did
        old.estimator = SVC(probability=True, random_state=0).fit(X, iris["species"].to_numpy(dtype=object))
    run_node(save_model, {"model": old}, path=str(tmp_path / "svm1.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "svm1.skops"))["model"]
    assert np.array_equal(loaded.estimator.predict_proba(X), old.estimator.predict_proba(X))
