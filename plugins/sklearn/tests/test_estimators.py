"""The built-in models come from the estimator registry, and a pack's model joins them by itself."""

from __future__ import annotations

import pytest

from dataflow.kernel import WorkflowError, compile_workflow, workflow_from_dict
from dataflow.sdk import run_node

CLASSIFIERS = {"sklearn.logistic_regression", "sklearn.random_forest_classifier",
               "sklearn.gradient_boosting_classifier", "sklearn.knn_classifier", "sklearn.svm_classifier"}
REGRESSORS = {"sklearn.linear_regression", "sklearn.ridge", "sklearn.lasso", "sklearn.random_forest_regressor",
              "sklearn.gradient_boosting_regressor"}


def test_the_built_in_models_are_registered_by_kind(registry):
    by_kind = {}
    for estimator_id, spec in registry.contributions("estimators").items():
        if spec.plugin == "sklearn":
            by_kind.setdefault(spec.kind, set()).add(estimator_id)
    assert by_kind == {"classifier": CLASSIFIERS, "regressor": REGRESSORS,
                       "clusterer": {"sklearn.kmeans", "sklearn.dbscan"}}


def test_every_hyperparameter_has_help_and_numbers_have_bounds(registry):
    for estimator_id in CLASSIFIERS | REGRESSORS:
        spec = registry.contributions("estimators")[estimator_id]
        assert spec.description and spec.params, estimator_id
        for param in spec.params:
            assert param.help, f"{estimator_id}.{param.name} has no help"
            if param.kind in ("int", "float"):
                assert param.bounds is not None, f"{estimator_id}.{param.name} has no bounds"
    forest = registry.contributions("estimators")["sklearn.random_forest_classifier"].to_dict()["params"]
    assert [p["name"] for p in forest] == ["n_estimators", "max_depth", "min_samples_leaf", "random_state"]
    assert forest[0]["min"] == 1 and forest[1]["type"] == "int | None"
    assert registry.contributions("estimators")["sklearn.svm_classifier"].to_dict()["params"][1]["choices"] == [
        "rbf", "linear", "poly", "sigmoid"]


def test_each_factory_builds_a_seeded_unfitted_estimator(registry):
    for estimator_id in CLASSIFIERS | REGRESSORS:
        model = registry.contributions("estimators")[estimator_id].build({})
        assert not hasattr(model, "n_features_in_"), estimator_id
        if any(word in estimator_id for word in ("forest", "boosting", "logistic")):  # they draw numbers
            assert model.random_state == 0, estimator_id
    svm = registry.contributions("estimators")["sklearn.svm_classifier"].build({})
    assert svm.method == "sigmoid" and svm.ensemble is False and svm.estimator.random_state == 0


@pytest.mark.parametrize("model_id", sorted(CLASSIFIERS))
def test_every_classifier_learns_iris(iris, model_id):
    from dataflow_sklearn.metrics import evaluate
    from dataflow_sklearn.split import train_test_split
    from dataflow_sklearn.training import predict, train_classifier

    small = {"n_estimators": 10} if "forest" in model_id or "boosting" in model_id else {}
    parts = run_node(train_test_split, {"table": iris}, stratify="species", seed=0)
    model = run_node(train_classifier, {"table": parts["train"]}, target="species", model=model_id,
                     hyperparameters=small)["model"]
    metrics = run_node(evaluate, {"predictions": run_node(predict, {"model": model, "table": parts["test"]})["table"]})
    assert metrics["metrics"]["accuracy"] >= 0.85, model_id
    assert "roc_auc" in metrics["metrics"], model_id  # every built-in classifier gives probabilities


@pytest.mark.parametrize("model_id", sorted(REGRESSORS))
def test_every_regressor_learns_diabetes(diabetes, model_id):
    from dataflow_sklearn.training import train_regressor

    small = {"n_estimators": 10} if "forest" in model_id or "boosting" in model_id else {}
    small |= {"alpha": 0.1} if model_id == "sklearn.lasso" else {}
    model = run_node(train_regressor, {"table": diabetes}, target="target", model=model_id, hyperparameters=small)
    assert model["model"].training_score > 0.4, model_id


def _train_flow(model: str, hyperparameters: dict) -> dict:
    return {"version": "0.1.0", "meta": {"name": "pack model"},
            "nodes": [{"id": "iris", "type": "mlpack.iris_table", "params": {}},
                      {"id": "train", "type": "sklearn.train_classifier",
                       "params": {"target": "species", "model": model, "hyperparameters": hyperparameters}}],
            "edges": [{"source": "iris", "target": "train"}]}


def test_a_packs_estimator_is_offered_validated_and_trained_by_the_built_in_node(registry, engine_run, tmp_path):
    assert registry.contributions("estimators")["mlpack.logged_centroid"].kind == "classifier"
    with pytest.raises(WorkflowError, match="no classifier 'mlpack.loged_centroid'.*did you mean `mlpack.logged_centroid`"):
        compile_workflow(workflow_from_dict(_train_flow("mlpack.loged_centroid", {})), registry)
    with pytest.raises(WorkflowError, match="hyperparameter 'shrink' .* above the maximum"):
        compile_workflow(workflow_from_dict(_train_flow("mlpack.logged_centroid", {"shrink": 50})), registry)
    flow = _train_flow("mlpack.logged_centroid", {"shrink": 1.0})
    result = engine_run(flow["nodes"], flow["edges"])
    model = result.outputs["train"]["model"]
    assert result.status == "ok"
    assert (model.estimator_id, model.hyperparameters) == ("mlpack.logged_centroid", {"shrink": 1.0, "log": ""})
    assert type(model.estimator).__name__ == "LoggedCentroid" and model.training_score > 0.9


def test_a_classifier_model_is_refused_by_the_regressor_node(registry):
    flow = _train_flow("sklearn.ridge", {})
    flow["nodes"][1]["type"] = "sklearn.train_classifier"
    with pytest.raises(WorkflowError, match="no classifier 'sklearn.ridge'"):
        compile_workflow(workflow_from_dict(flow), registry)


def test_the_support_vector_machine_trains_without_a_warning_and_agrees_with_its_probabilities(iris):
    """scikit-learn 1.9 deprecates SVC(probability=True) (a FutureWarning the user cannot act on;
    removed in 1.11): the model is a calibrated SVC, whose predictions are its most probable class."""
    import warnings

    from dataflow_sklearn.training import predict, train_classifier

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.svm_classifier")["model"]
        table = run_node(predict, {"model": model, "table": iris})["table"]
    probabilities = table[[c for c in table.columns if c.startswith("probability_")]]
    assert probabilities.shape[1] == 3
    most_probable = probabilities.idxmax(axis=1).str.removeprefix("probability_")
    assert (most_probable == table["prediction"].astype(str)).all()
    assert (table["prediction"] == iris["species"]).mean() >= 0.9
