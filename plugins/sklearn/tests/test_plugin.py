"""The plugin registers every node with a complete declaration, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

from dataflow_sklearn.plugin import NODES

from dataflow.sdk import ModelChoice, check_node, spec_of

TYPE_IDS = {"sklearn.train_test_split", "sklearn.scale", "sklearn.encode", "sklearn.apply_transformer",
            "sklearn.train_classifier", "sklearn.train_regressor", "sklearn.predict", "sklearn.evaluate", "sklearn.compare_metrics",
            "sklearn.cross_validate", "sklearn.tune", "sklearn.cluster", "sklearn.pca", "sklearn.feature_importance",
            "sklearn.save_model", "sklearn.load_model"}


def test_every_node_is_registered_under_its_promised_type_id(registry):
    assert {t for t in registry.nodes if t.startswith("sklearn.")} == TYPE_IDS
    assert registry.plugins["sklearn"].ok


def test_every_node_passes_check_node():
    assert {spec_of(fn).name: check_node(fn) for fn in NODES} == {spec_of(fn).name: [] for fn in NODES}


def test_train_nodes_pick_their_model_from_the_registry(registry):
    spec = registry.nodes["sklearn.train_classifier"]
    model = spec.param_index["model"]
    assert isinstance(model.widget, ModelChoice) and model.widget.kind == "classifier"
    assert model.default == "sklearn.logistic_regression"
    assert spec.param_index["hyperparameters"].type_name == "dict[str, json]"
    assert registry.nodes["sklearn.train_regressor"].param_index["model"].widget.kind == "regressor"
    assert registry.nodes["sklearn.cluster"].param_index["model"].widget.kind == "clusterer"


def test_the_two_outputs_of_split_and_the_model_outputs():
    assert [p.name for p in spec_of(NODES[0]).outputs] == ["train", "test"]
    assert [p.type.name for p in spec_of(NODES[1]).outputs] == ["table", "model"]


def test_importing_the_plugin_imports_neither_scikit_learn_nor_skops():
    code = ("import sys, dataflow_sklearn.plugin; "
            "print(sorted(m for m in ('sklearn', 'skops', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
