"""Packs add models to the train nodes with `@estimator` + `register_estimators`."""

from __future__ import annotations

from typing import Annotated

import pytest

from dataflow.kernel.errors import NodeDefinitionError
from dataflow.sdk import Bounds, estimator, estimators


def test_a_registered_estimator_gets_a_pack_id_hyperparameters_and_a_version(registry):
    spec = registry.estimators["testpack.constant"]
    assert (spec.kind, spec.label, spec.version, spec.plugin) == ("regressor", "Constant guess", 2, "testpack")
    assert spec.description == "Predicts one number for every row (a baseline)."
    assert [p["name"] for p in spec.to_dict()["params"]] == ["strategy", "quantile"]
    assert spec.to_dict()["params"][0]["choices"] == ["mean", "median"]
    assert "testpack.constant" in estimators("regressor") and "testpack.constant" not in estimators("classifier")


def test_hyperparameters_are_validated_by_name_before_the_model_is_built(registry):
    spec = registry.estimators["testpack.constant"]
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
        spec = registry.estimators["testpack.constant"]
        registry.estimators["testpack.constant"] = dataclasses.replace(spec, version=3)
        plan = engine.plan(compile_workflow(flow, registry))["fit"]
        assert not plan.cached and plan.reason == "model version changed"
