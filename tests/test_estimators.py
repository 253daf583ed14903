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
    assert "testpack.constant" in estimators("regressor") and estimators("classifier") == {}


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
