"""Packs add models to the train nodes with `@estimator` + `register_estimators`."""

from __future__ import annotations

from typing import Annotated

import pytest
from dataflow_sklearn import estimator, estimators

from dataflow.sdk import Bounds, NodeDefinitionError, using_plugins


def test_a_registered_estimator_gets_a_pack_id_hyperparameters_and_a_version(registry):
    spec = registry.contributions("estimators")["testpack.constant"]
    assert (spec.kind, spec.label, spec.version, spec.plugin) == ("regressor", "Constant guess", 2, "testpack")
    assert spec.description == "Predicts one number for every row (a baseline)."
    assert [p["name"] for p in spec.to_dict()["params"]] == ["strategy", "quantile"]
    assert spec.to_dict()["params"][0]["choices"] == ["mean", "median"]
    with using_plugins(registry):  # not the process's installed plugins, which an earlier test may have loaded
        assert "testpack.constant" in estimators("regressor") and "testpack.constant" not in estimators("classifier")


def test_hyperparameters_are_validated_by_name_before_the_model_is_built(registry):
    spec = registry.contributions("estimators")["testpack.constant"]
    model = spec.build({"strategy": "median"})
    assert type(model).__name__ == "DummyRegressor" and model.strategy == "median"
    with pytest.raises(ValueError, match="has no hyperparameter 'strategi'"):
        spec.build({"strategi": "median"})
    with pytest.raises(ValueError, match="hyperparameter 'quantile' .* above the maximum 1.0"):
        spec.build({"quantile": 2.0})


def test_a_bad_estimator_declaration_fails_at_import_naming_it():
    with pytest.raises(NodeDefinitionError, match="estimator .*positional.*keyword-only"):
        @estimator(kind="classifier")
        def positional(alpha: float = 1.0):
            """Doc."""
    with pytest.raises(NodeDefinitionError, match="kind must be one of"):
        @estimator(kind="ranker")
        def ranker(*, alpha: float = 1.0):
            """Doc."""
    with pytest.raises(NodeDefinitionError, match="needs a default"):
        @estimator(kind="regressor")
        def no_default(*, alpha: Annotated[float, Bounds(0, 1)]):
            """Doc."""


def model_flow(tmp_path, model="testpack.constant", hyperparameters=None):
    from tests.helpers import write_workflow

    params = {"model": model}
    if hyperparameters is not None:
        params["hyperparameters"] = hyperparameters
    return write_workflow(tmp_path / "models.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 4}},
        {"id": "fit", "type": "testpack.fit_model", "params": params}], [{"source": "n", "target": "fit"}])


def test_a_node_picking_a_model_runs_it_with_its_hyperparameters(cli, tmp_path):
    code, out = cli.json("run", model_flow(tmp_path, hyperparameters={"strategy": "median"}))
    assert code == 0, out
    assert out["nodes"][1]["status"] == "computed"


def test_an_unknown_model_or_hyperparameter_is_a_validation_error_before_running(cli, tmp_path):
    code, out = cli.json("validate", model_flow(tmp_path, model="testpack.constnat"))
    assert code == 2
    text = " ".join(p["message"] for p in out["problems"])
    assert "no regressor 'testpack.constnat'" in text and "did you mean `testpack.constant`" in text
    code, out = cli.json("validate", model_flow(tmp_path, hyperparameters={"strategy": "mode"}))
    assert code == 2
    assert "hyperparameter 'strategy'" in out["problems"][0]["message"]
    assert "'mode' is not one of the choices" in out["problems"][0]["message"]


def test_the_chosen_models_version_is_part_of_the_cache_key(registry, tmp_path):
    import dataclasses

    from dataflow.kernel import Engine, compile_workflow, load_workflow

    flow = load_workflow(model_flow(tmp_path))
    with Engine.open(registry, executor="sequential", directory=tmp_path / "cache") as engine:
        assert engine.run(compile_workflow(flow, registry)).nodes["fit"].status == "computed"
        assert engine.run(compile_workflow(flow, registry)).nodes["fit"].status == "cached"
        spec = registry.contributions("estimators")["testpack.constant"]
        registry.contributions("estimators")["testpack.constant"] = dataclasses.replace(spec, version=3)
        plan = engine.plan(compile_workflow(flow, registry))["fit"]
        assert not plan.cached and plan.reason == "model version changed"


def test_a_packs_estimator_trains_predicts_and_scores_through_the_built_in_nodes_and_is_cached(cli, registry,
                                                                                                tmp_path):
    import json

    from sklearn.datasets import load_diabetes
    from sklearn.dummy import DummyRegressor
    from sklearn.metrics import mean_absolute_error
    from sklearn.model_selection import train_test_split

    from tests.helpers import edge, write_workflow

    needed = ("samples.dataset", "sklearn.train_test_split", "sklearn.train_regressor", "sklearn.predict",
              "sklearn.evaluate")
    if any(t not in registry.nodes for t in needed):
        pytest.skip("the built-in samples and sklearn packs are not installed")
    path = write_workflow(tmp_path / "pack_model.json", [
        {"id": "load", "type": "samples.dataset", "params": {"name": "diabetes"}},
        {"id": "split", "type": "sklearn.train_test_split", "params": {"test_fraction": 0.25, "seed": 42}},
        {"id": "train", "type": "sklearn.train_regressor",
         "params": {"target": "target", "model": "testpack.constant", "hyperparameters": {"strategy": "median"}}},
        {"id": "predict", "type": "sklearn.predict", "params": {}},
        {"id": "evaluate", "type": "sklearn.evaluate", "params": {}},
    ], [edge("load", "split"), edge("split", "train", "train", "table"), edge("train", "predict", "model", "model"),
        edge("split", "predict", "test", "table"), edge("predict", "evaluate", "table", "predictions")])
    code, first = cli.json("run", path, "--output-dir", tmp_path / "out")
    assert code == 0, first
    assert {n["id"]: n["status"] for n in first["nodes"]} == dict.fromkeys(
        ["load", "split", "train", "predict", "evaluate"], "computed")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=42)
    expected = mean_absolute_error(y_test, DummyRegressor(strategy="median").fit(X_train, y_train).predict(X_test))
    metrics = json.loads((tmp_path / "out" / "evaluate.json").read_text())
    assert metrics["rows"] == len(y_test) and metrics["mae"] == pytest.approx(expected)
    code, second = cli.json("run", path)  # a new process: served from the disk cache
    assert code == 0 and {n["status"] for n in second["nodes"]} == {"cached"}, second


def test_choosing_another_model_is_reported_as_a_parameter_change_not_a_new_model_version():
    from dataflow.kernel.history import explain
    from dataflow.kernel.keys import KeyParts

    def parts(model: str, version: int) -> KeyParts:
        return KeyParts("k", "testpack.fit_model", 1, {"model": model}, {}, f"|model:{model}@{version}/1.0")
    old = parts("testpack.constant", 1).to_dict()
    assert explain(parts("sklearn.ridge", 1), old) == "parameter model changed"
    assert explain(parts("testpack.constant", 2), old) == "model version changed"


def test_the_cache_key_part_of_a_chosen_model_is_spelt_as_before_so_saved_caches_still_hit(registry, tmp_path):
    from dataflow.kernel import compile_workflow, load_workflow

    graph = compile_workflow(load_workflow(model_flow(tmp_path)), registry)
    assert graph.nodes["fit"].extra_fingerprint == "|model:testpack.constant@2/1.2.3"


def test_the_sdks_model_names_say_to_install_dataflow_sklearn_when_it_is_missing():
    import subprocess
    import sys

    script = ("import sys\nsys.modules['dataflow_sklearn'] = None  # as if not installed\n"
              "import dataflow.sdk\nfrom dataflow.sdk import *  # every listed name loads\n"
              "assert 'estimator' not in dataflow.sdk.__all__ and node and Formula\n"
              "try:\n    from dataflow.sdk import estimator\nexcept ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "dataflow.sdk.estimator comes from DataFlow's sklearn plugin" in done.stdout
    assert "pip install dataflow-sklearn" in done.stdout
