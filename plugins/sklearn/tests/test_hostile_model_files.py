"""Hostile model files: genuine fitted models, saved with skops, with their arrays edited.

Each used to crash the process (a segfault), hang it (a cycle) or predict from memory outside
the input; each must now be a node error naming the file, and the process goes on (the test
that follows each load is the marker that it survived; the CLI test writes a marker file after
the hostile nodes fail). A crash or a hang while predicting with a model from a file costs the
node, not the process: it runs in the model worker process.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from dataflow_sklearn import model_worker
from dataflow_sklearn.model_checks import CHECKERS
from dataflow_sklearn.model_files import TRUSTED, load_model, save_model
from dataflow_sklearn.training import predict, train_classifier, train_regressor

from dataflow.sdk import NodeError, run_node


def _trained(iris, model_id, **hyperparameters):
    return run_node(train_classifier, {"table": iris}, target="species", model=model_id,
                    hyperparameters=hyperparameters)["model"]


def _edited(model, edit):
    """A deep copy of `model` whose estimator went through `edit(estimator)` (arrays edited in place)."""
    hostile = copy.deepcopy(model)
    edit(hostile.estimator)
    return hostile


def _tree(forest, index=0):
    return forest.estimators_[index].tree_


def _inner_node(tree):
    """An internal node whose left child is internal too, so edits stay inside the tree."""
    left = tree.children_left
    return next(n for n in range(1, tree.node_count) if left[n] > 0 and left[left[n]] > 0)


def _child_out_of_range(forest):
    _tree(forest).children_left[0] = 10**6


def _cycle(forest):
    tree = _tree(forest)
    node = _inner_node(tree)
    tree.children_left[tree.children_left[node]] = node  # a grandchild's left child is its grandparent


def _shared_node(forest):
    tree = _tree(forest)
    tree.children_right[0] = tree.children_left[0]


def _feature_beyond_columns(forest):
    _tree(forest, 1).feature[0] = 40


def _leaf_with_one_child(forest):
    tree = _tree(forest)
    leaf = int(np.flatnonzero(tree.children_left == -1)[0])
    tree.children_left[leaf] = 1


def _class_count(forest):
    forest.n_classes_ = 7


def _kd_index_out_of_range(knn):
    knn._tree.get_arrays()[1][3] = 10**6


def _kd_node_range(knn):
    knn._tree.get_arrays()[2]["idx_end"][1] = 10**6


def _kd_last_level_not_leaf(knn):
    nodes = knn._tree.get_arrays()[2]
    nodes["is_leaf"][len(nodes) - 1] = 0


def _knn_fitted_points(knn):
    knn._fit_X = np.ascontiguousarray(knn._fit_X[:, :2])


def _knn_label_index(knn):
    knn._y[0] = 9


def _logistic_coef_shape(model):
    model.coef_ = np.zeros((3, 7))


def _logistic_coef_dtype(model):
    model.coef_ = model.coef_.astype(np.int64)


def _svc(model):
    """The fitted SVC inside the support vector machine's calibrated classifier."""
    return model.calibrated_classifiers_[0].estimator


def _svc_support_counts(model):
    _svc(model)._n_support = np.array([1, 1, 1], dtype=np.int32)


def _svc_vectors(model):
    _svc(model).support_vectors_ = np.ascontiguousarray(_svc(model).support_vectors_[:, :2])


def _sigmoid_not_finite(model):
    model.calibrated_classifiers_[0].calibrators[1].a_ = float("nan")


def _sigmoid_missing(model):
    model.calibrated_classifiers_[0].calibrators.pop()


def _calibrated_other_classes(model):
    model.calibrated_classifiers_[0].classes = np.array(["a", "b", "c"], dtype=object)


def _boosting_stages(model):
    model.estimators_ = model.estimators_[:, :2]


HOSTILE = {
    # id: (model id, hyperparameters, edit, what the error says)
    "tree child index out of range": ("sklearn.random_forest_classifier", {"n_estimators": 3}, _child_out_of_range,
                                      "children_left"),
    "tree with a cycle": ("sklearn.random_forest_classifier", {"n_estimators": 3}, _cycle, "cycle"),
    "tree node with two parents": ("sklearn.random_forest_classifier", {"n_estimators": 3}, _shared_node,
                                   "reached 2 times"),
    "split feature beyond the columns": ("sklearn.random_forest_classifier", {"n_estimators": 3},
                                         _feature_beyond_columns, "splits on feature 40"),
    "leaf with one child": ("sklearn.random_forest_classifier", {"n_estimators": 3}, _leaf_with_one_child,
                            "one child"),
    "forest class count": ("sklearn.random_forest_classifier", {"n_estimators": 3}, _class_count, "classes"),
    "KD-tree idx_array out of range": ("sklearn.knn_classifier", {}, _kd_index_out_of_range, "idx_array"),
    "KD-tree node range beyond the points": ("sklearn.knn_classifier", {}, _kd_node_range, "node_data"),
    "KD-tree inner node without children": ("sklearn.knn_classifier", {}, _kd_last_level_not_leaf, "last level"),
    "k-NN fitted points of the wrong shape": ("sklearn.knn_classifier", {}, _knn_fitted_points, "_fit_X"),
    "k-NN label index beyond the classes": ("sklearn.knn_classifier", {}, _knn_label_index, "_y"),
    "logistic coef_ of the wrong shape": ("sklearn.logistic_regression", {}, _logistic_coef_shape, "coef_"),
    "logistic coef_ of the wrong dtype": ("sklearn.logistic_regression", {}, _logistic_coef_dtype, "dtype"),
    "SVC support counts": ("sklearn.svm_classifier", {}, _svc_support_counts, "_n_support"),
    "SVC support vectors of the wrong width": ("sklearn.svm_classifier", {}, _svc_vectors, "support_vectors_"),
    "SVM sigmoid not a finite number": ("sklearn.svm_classifier", {}, _sigmoid_not_finite, "calibrators[1].a_"),
    "SVM sigmoid missing for a class": ("sklearn.svm_classifier", {}, _sigmoid_missing, "3 sigmoid calibrators"),
    "SVM calibrated on other classes": ("sklearn.svm_classifier", {}, _calibrated_other_classes,
                                        "do not match the model's classes"),
    "boosting stages of the wrong shape": ("sklearn.gradient_boosting_classifier", {"n_estimators": 3},
                                           _boosting_stages, "estimators_"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_model_file_with_edited_arrays_is_refused_naming_the_file(iris, tmp_path, case):
    model_id, hyperparameters, edit, says = HOSTILE[case]
    genuine = _trained(iris, model_id, **hyperparameters)
    run_node(save_model, {"model": _edited(genuine, edit)}, path=str(tmp_path / "shared.skops"))
    with pytest.raises(NodeError, match=r"parameter 'path': refused to load shared\.skops: .*") as refused:
        run_node(load_model, path=str(tmp_path / "shared.skops"))
    assert says in str(refused.value)
    # the marker: this process is alive and a genuine file still loads and predicts right
    run_node(save_model, {"model": genuine}, path=str(tmp_path / "genuine.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "genuine.skops"))["model"]
    assert run_node(predict, {"model": loaded, "table": iris})["table"].equals(
        run_node(predict, {"model": genuine, "table": iris})["table"])


def _edit_first_tree(path: Path, key: str | int, value: int) -> None:
    """Set `key` of the first Tree's state (a name) or constructor arguments (an index) in a skops
    file's schema: numbers skops keeps as JSON text."""
    with zipfile.ZipFile(path) as original:
        members = {name: original.read(name) for name in original.namelist()}
    schema = json.loads(members["schema.json"])

    def visit(item):
        if isinstance(item, dict):
            if item.get("__class__") == "Tree":
                number = (item["__reduce__"]["args"]["content"][key] if isinstance(key, int)
                          else item["content"]["content"][key])
                number.update(content=str(value), __id__=1)  # a new id: skops shares objects by id
                return True
            return any(visit(v) for v in item.values())
        return isinstance(item, list) and any(visit(v) for v in item)

    assert visit(schema)
    members["schema.json"] = json.dumps(schema).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(("key", "value", "says"), [(0, 40, "made for 40 features"), ("max_depth", 1, "max_depth")])
def test_a_tree_whose_counts_disagree_with_its_arrays_is_refused(iris, tmp_path, key, value, says):
    forest = _trained(iris, "sklearn.random_forest_classifier", n_estimators=2)
    path = tmp_path / "forest.skops"
    run_node(save_model, {"model": forest}, path=str(path))
    _edit_first_tree(path, key, value)
    with pytest.raises(NodeError, match=f"refused to load forest.skops: .*{says}"):
        run_node(load_model, path=str(path))


def test_every_trusted_estimator_type_has_a_state_check():
    estimators = {name for name in TRUSTED if name.startswith("sklearn.")
                  and ("._" in name or "pipeline" in name or "calibration" in name)}
    parts = {"sklearn.tree._tree.Tree", "sklearn.neighbors._kd_tree.KDTree", "sklearn.neighbors._ball_tree.BallTree",
             "sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration"}
    unchecked = {n for n in estimators - parts - set(CHECKERS)
                 if not n.startswith(("sklearn._loss.", "sklearn.metrics._dist_metrics."))}
    assert unchecked == set()


def test_a_ball_tree_and_a_brute_force_model_round_trip(iris, tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    genuine = _trained(iris, "sklearn.knn_classifier")
    X = iris[genuine.features].to_numpy()
    for algorithm in ("ball_tree", "brute"):
        model = dataclasses.replace(genuine, estimator=KNeighborsClassifier(algorithm=algorithm).fit(
            X, iris["species"].to_numpy()))
        run_node(save_model, {"model": model}, path=str(tmp_path / f"{algorithm}.skops"))
        loaded = run_node(load_model, path=str(tmp_path / f"{algorithm}.skops"))["model"]
        assert np.array_equal(loaded.estimator.predict_proba(X), model.estimator.predict_proba(X))


def test_a_regressor_round_trips_through_the_worker(diabetes, tmp_path):
    model = run_node(train_regressor, {"table": diabetes}, target="target", model="sklearn.random_forest_regressor",
                     hyperparameters={"n_estimators": 3})["model"]
    run_node(save_model, {"model": model}, path=str(tmp_path / "m.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "m.skops"))["model"]
    assert run_node(predict, {"model": loaded, "table": diabetes})["table"].equals(
        run_node(predict, {"model": model, "table": diabetes})["table"])


def test_a_model_worker_that_dies_is_a_node_error_and_the_next_run_starts_a_fresh_one(iris, tmp_path):
    forest = _trained(iris, "sklearn.random_forest_classifier", n_estimators=3)
    run_node(save_model, {"model": forest}, path=str(tmp_path / "forest.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "forest.skops"))["model"]
    os.kill(model_worker.worker_pid(), signal.SIGSEGV)  # what a crash inside scikit-learn's compiled code does
    with pytest.raises(NodeError, match=r"predict of the model from forest.skops failed: the model worker process "
                                        r"died \(killed by signal SIGSEGV\)"):
        run_node(predict, {"model": loaded, "table": iris})
    assert run_node(predict, {"model": loaded, "table": iris})["table"].equals(
        run_node(predict, {"model": forest, "table": iris})["table"])


def test_a_model_call_past_the_time_limit_is_stopped(iris, tmp_path, monkeypatch):
    forest = _trained(iris, "sklearn.random_forest_classifier", n_estimators=3)
    run_node(save_model, {"model": forest}, path=str(tmp_path / "forest.skops"))
    loaded = run_node(load_model, path=str(tmp_path / "forest.skops"))["model"]
    first = model_worker.worker_pid()
    monkeypatch.setattr(model_worker, "TIME_LIMIT_SECONDS", 0.0)
    many_rows = iris.loc[iris.index.repeat(2000)]  # an answer that cannot be ready the instant it is asked
    with pytest.raises(NodeError, match=r"predict(_proba)? of the model from forest.skops took longer than 0 s and was stopped"):
        run_node(predict, {"model": loaded, "table": many_rows})
    assert model_worker.worker_pid() is None
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)
    monkeypatch.undo()
    assert run_node(predict, {"model": loaded, "table": iris})["table"].equals(
        run_node(predict, {"model": forest, "table": iris})["table"])


def test_dataflow_run_reports_hostile_model_files_as_node_errors_and_finishes_the_rest(iris, tmp_path):
    forest = _trained(iris, "sklearn.random_forest_classifier", n_estimators=3)
    knn = _trained(iris, "sklearn.knn_classifier")
    run_node(save_model, {"model": _edited(forest, _cycle)}, path=str(tmp_path / "cycle.skops"))
    run_node(save_model, {"model": _edited(forest, _feature_beyond_columns)}, path=str(tmp_path / "feature.skops"))
    run_node(save_model, {"model": _edited(knn, _kd_index_out_of_range)}, path=str(tmp_path / "kd.skops"))
    iris.to_csv(tmp_path / "iris.csv", index=False)
    nodes = [{"id": "data", "type": "io.read_file", "params": {"path": "iris.csv"}}]
    edges = []
    for name in ("cycle", "feature", "kd"):
        nodes += [{"id": f"load_{name}", "type": "sklearn.load_model", "params": {"path": f"{name}.skops"}},
                  {"id": f"predict_{name}", "type": "sklearn.predict", "params": {}}]
        edges += [{"source": f"load_{name}", "source_port": "model", "target": f"predict_{name}",
                   "target_port": "model"},
                  {"source": "data", "source_port": "table", "target": f"predict_{name}", "target_port": "table"}]
    nodes.append({"id": "marker", "type": "io.write_file", "params": {"path": "survived.csv"}})
    edges.append({"source": "data", "source_port": "table", "target": "marker", "target_port": "table"})
    workflow = tmp_path / "hostile.json"
    workflow.write_text(json.dumps({"version": "0.1.0", "nodes": nodes, "edges": edges, "meta": {"name": "hostile"}}))
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "run", str(workflow)], capture_output=True,
                          text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # failed nodes, not a signal
    for name in ("cycle", "feature", "kd"):
        assert f"load_{name}" in output and f"refused to load {name}.skops" in output
    assert (tmp_path / "survived.csv").exists()
