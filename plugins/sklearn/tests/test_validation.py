"""Cross-validation and tuning: scikit-learn's numbers, clear errors, and per-fold caching."""

from __future__ import annotations

import numpy as np
import pytest
from dataflow_sklearn.training import train_classifier, train_regressor
from dataflow_sklearn.validation import cross_validate, tune

from dataflow.sdk import NodeError, run_node

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def test_cross_validation_matches_scikit_learn_on_the_same_folds(iris):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    metrics = run_node(cross_validate, {"model": model, "table": iris}, folds=5, seed=2)["metrics"]
    folds = StratifiedKFold(5, shuffle=True, random_state=2)
    expected = cross_val_score(LogisticRegression(max_iter=1000, random_state=0), iris[FEATURES].to_numpy(),
                               iris["species"].to_numpy(dtype=object), cv=folds)
    assert metrics["scoring"] == "accuracy" and metrics["folds"] == 5
    assert metrics["fold_scores"] == pytest.approx(list(expected))
    assert metrics["mean"] == pytest.approx(expected.mean()) and metrics["mean"] > 0.9


def test_regression_cross_validation_scores_rmse(diabetes):
    model = run_node(train_regressor, {"table": diabetes}, target="target")["model"]
    metrics = run_node(cross_validate, {"model": model, "table": diabetes}, folds=3, scoring="rmse")["metrics"]
    assert 45 < metrics["mean"] < 65 and len(metrics["fold_scores"]) == 3
    with pytest.raises(NodeError, match="parameter 'scoring': 'accuracy' does not score a regression model"):
        run_node(cross_validate, {"model": model, "table": diabetes}, scoring="accuracy")


def test_too_few_rows_for_the_folds_is_a_clear_error(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    with pytest.raises(NodeError, match="parameter 'folds': the table has 4 rows, too few for 5 folds"):
        run_node(cross_validate, {"model": model, "table": iris.iloc[[0, 1, 50, 100]]}, folds=5)
    with pytest.raises(NodeError, match="parameter 'folds': class 'virginica' has 2 row.s., fewer than the 5 folds"):
        run_node(cross_validate, {"model": model, "table": iris.iloc[list(range(20)) + list(range(50, 70)) + [100, 101]]},
                 folds=5)


def test_tune_finds_the_best_candidate_and_retrains_it(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.knn_classifier")["model"]
    out = run_node(tune, {"model": model, "table": iris}, grid={"n_neighbors": [1, 15, 100]}, folds=3)
    results, best = out["results"], out["best"]
    assert list(results.columns) == ["n_neighbors", "mean_score", "std_score", "rank"]
    assert results["rank"].tolist() == [1, 2, 3] and results["n_neighbors"].iloc[-1] == 100
    assert best["hyperparameters"]["n_neighbors"] == results["n_neighbors"].iloc[0]
    assert best["changed"] == {"n_neighbors": int(results["n_neighbors"].iloc[0])}
    assert out["model"].hyperparameters["n_neighbors"] == best["hyperparameters"]["n_neighbors"]
    assert out["model"].estimator.n_neighbors == best["hyperparameters"]["n_neighbors"]


def test_random_search_draws_the_same_candidates_for_a_seed(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "max_iter": [200, 500, 1000]}
    first = run_node(tune, {"model": model, "table": iris}, grid=grid, search="random", candidates=4, folds=3, seed=5)
    again = run_node(tune, {"model": model, "table": iris}, grid=grid, search="random", candidates=4, folds=3, seed=5)
    assert len(first["results"]) == 4
    assert first["results"].equals(again["results"])
    assert not first["results"][["C", "max_iter"]].duplicated().any()


def test_tune_errors_name_the_grid(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    with pytest.raises(NodeError, match="parameter 'grid': model 'sklearn.logistic_regression' has no hyperparameter "
                                        "'c' .did you mean `C`"):
        run_node(tune, {"model": model, "table": iris}, grid={"c": [1, 2]})
    with pytest.raises(NodeError, match="parameter 'grid': hyperparameter 'C' .* below the minimum"):
        run_node(tune, {"model": model, "table": iris}, grid={"C": [1, -2]})
    with pytest.raises(NodeError, match="parameter 'grid': give values to try"):
        run_node(tune, {"model": model, "table": iris})


def _iris_flow(train_params: dict, tune_params: dict) -> tuple[list[dict], list[dict]]:
    nodes = [{"id": "iris", "type": "mlpack.iris_table", "params": {}},
             {"id": "train", "type": "sklearn.train_classifier", "params": train_params},
             {"id": "tune", "type": "sklearn.tune", "params": tune_params}]
    edges = [{"source": "iris", "target": "train", "target_port": "table"},
             {"source": "train", "target": "tune", "target_port": "model"},
             {"source": "iris", "target": "tune", "target_port": "table"}]
    return nodes, edges


def _fits(log) -> list[tuple[float, int]]:
    lines = log.read_text().split("\n") if log.exists() else []
    log.unlink(missing_ok=True)
    return sorted((float(s), int(n)) for s, n in (line.split() for line in lines if line))


def test_a_second_tune_run_with_one_more_candidate_fits_only_its_folds(engine_run, tmp_path):
    log = tmp_path / "fits.log"
    train = {"target": "species", "model": "mlpack.logged_centroid", "hyperparameters": {"log": str(log)}}
    nodes, edges = _iris_flow(train, {"grid": {"shrink": [0.0, 5.0]}, "folds": 3})
    first = engine_run(nodes, edges, tmp_path / "cache")
    assert first.status == "ok", [r.error for r in first.nodes.values()]
    fold_fits = [f for f in _fits(log) if f[1] == 100]  # 3 folds of 150 rows: 100 training rows each
    assert fold_fits == [(0.0, 100)] * 3 + [(5.0, 100)] * 3

    nodes, edges = _iris_flow(train, {"grid": {"shrink": [0.0, 5.0, 9.0]}, "folds": 3})
    second = engine_run(nodes, edges, tmp_path / "cache")  # a new engine on the same cache folder
    assert second.status == "ok"
    assert (second.nodes["train"].status, second.nodes["tune"].status) == ("cached", "computed")
    fits = _fits(log)
    assert [f for f in fits if f[1] == 100] == [(9.0, 100)] * 3  # only the new candidate's folds
    assert len(fits) == 4  # ... and the best candidate retrained on all 150 rows
    results = second.outputs["tune"]["results"]
    assert sorted(results["shrink"]) == [0.0, 5.0, 9.0]

    nodes, edges = _iris_flow(train, {"grid": {"shrink": [0.0, 5.0, 9.0]}, "folds": 3, "seed": 1})
    engine_run(nodes, edges, tmp_path / "cache")
    assert len([f for f in _fits(log) if f[1] == 100]) == 9  # new folds: every candidate again


def test_a_plain_call_computes_every_fold(iris, mlpack, tmp_path):
    log = tmp_path / "fits.log"
    model = run_node(train_classifier, {"table": iris}, target="species", model="mlpack.logged_centroid",
                     hyperparameters={"log": str(log)})["model"]
    _fits(log)
    metrics = run_node(cross_validate, {"model": model, "table": iris}, folds=3)["metrics"]
    assert _fits(log) == [(0.0, 100)] * 3
    assert metrics["mean"] > 0.85
    assert not np.isnan(metrics["std"])


def test_cross_validation_reports_progress_per_fit(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    out = run_node(cross_validate, {"model": model, "table": iris}, folds=4)
    assert out.progress == [(0.0, "fit 1 of 4 (fold 1)"), (0.25, "fit 2 of 4 (fold 2)"),
                            (0.5, "fit 3 of 4 (fold 3)"), (0.75, "fit 4 of 4 (fold 4)"), (1.0, "4 fits done")]


def test_tune_reports_progress_per_fit_and_for_the_final_fit(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.knn_classifier")["model"]
    out = run_node(tune, {"model": model, "table": iris}, grid={"n_neighbors": [1, 15]}, folds=3)
    messages = [message for _, message in out.progress]
    assert messages == [
        "fit 1 of 7 (candidate 1 of 2, fold 1 of 3)", "fit 2 of 7 (candidate 1 of 2, fold 2 of 3)",
        "fit 3 of 7 (candidate 1 of 2, fold 3 of 3)", "fit 4 of 7 (candidate 2 of 2, fold 1 of 3)",
        "fit 5 of 7 (candidate 2 of 2, fold 2 of 3)", "fit 6 of 7 (candidate 2 of 2, fold 3 of 3)",
        "fit 7 of 7 (the best candidate on the whole table)", "7 fits done"]
    fractions = [fraction for fraction, _ in out.progress]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_a_stopped_run_ends_tune_at_its_next_fit(iris):
    from dataflow.kernel.context import NODE_CONTEXT, Reporter
    from dataflow.sdk import Cancelled

    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.knn_classifier")["model"]
    stopped = {"now": False}
    fits = []

    def send(fraction, message):
        fits.append(message)
        if len(fits) == 2:
            stopped["now"] = True  # the user pressed Stop during the second fit

    token = NODE_CONTEXT.set(([], None, Reporter(send, lambda: stopped["now"], interval=0.0), None))
    try:
        with pytest.raises(Cancelled):
            tune(model, iris, grid={"n_neighbors": [1, 15, 30]}, folds=3)
    finally:
        NODE_CONTEXT.reset(token)
    assert len(fits) == 2  # the third fit never started


def _tune_workflow(grid: dict | None):
    from dataflow.kernel import workflow_from_dict

    tune_params = {} if grid is None else {"grid": grid}
    return workflow_from_dict({"version": "0.1.0", "nodes": [
        {"id": "iris", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "train", "type": "sklearn.train_classifier", "params": {"target": "target"}},
        {"id": "tune", "type": "sklearn.tune", "params": tune_params}], "edges": [
        {"source": "iris", "target": "train", "target_port": "table"},
        {"source": "train", "target": "tune", "target_port": "model"},
        {"source": "iris", "target": "tune", "target_port": "table"}]})


def test_validation_says_a_tune_node_with_its_default_empty_grid_has_nothing_to_try_before_running():
    from dataflow.kernel import WorkflowError, compile_workflow, load_registry

    registry = load_registry()
    if "samples.dataset" not in registry.nodes:
        pytest.skip("the samples plugin is not installed")
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(_tune_workflow(None), registry)
    (problem,) = caught.value.problems
    assert (problem.node, problem.param) == ("tune", "grid")
    assert "give values to try" in problem.message
    with pytest.raises(WorkflowError, match="'C' has an empty list of values"):
        compile_workflow(_tune_workflow({"C": []}), registry)
    compile_workflow(_tune_workflow({"C": [0.1, 1.0]}), registry)   # a grid with values is valid
