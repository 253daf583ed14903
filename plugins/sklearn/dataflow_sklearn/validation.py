"""Cross-validation and hyperparameter tuning, with every (candidate, fold) score cached on its own.

Both nodes take a trained model (from a train node) as the recipe: its registered estimator,
hyperparameters, features and target; the table gives the rows to split into k folds
(stratified for classification). Each fold's score is a `cached_step` keyed by everything that
determines it (estimator id and version, full hyperparameters, fold index, k, seed, scoring,
features, target), so adding one candidate to a grid fits only that candidate's folds, and
changing the number of folds or the seed recomputes all of them.

Both report progress per fit (`dataflow.sdk.progress`): "fit 7 of 21 (candidate 2 of 4, fold 2 of
5)". The folds are fitted in a loop here, not by scikit-learn's own `cross_validate` or
`GridSearchCV`, which is what makes each fit reportable, cacheable, and a point where a stopped
run ends the node.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypedDict

from dataflow.sdk import (
    Bounds,
    Help,
    Metrics,
    Model,
    NodeError,
    Params,
    Table,
    cached_step,
    did_you_mean,
    node,
    progress,
)

from . import schemas
from .columns import json_value
from .fitting import TASK_KIND, build_estimator, estimator_spec, fit, model_data, require_trained, train
from .grid import ValuesToTry, grid_problem
from .metrics import LOWER_IS_BETTER, Scoring, resolve_scoring, score
from .models import TrainedModel

MAX_GRID = 500
Folds = Annotated[int, Bounds(2, 50), Help("Number of folds k: each row is scored once by a model that never saw it")]
ScoringParam = Annotated[Scoring, Help("The score to compute (auto: accuracy for classifiers, R2 for regressors); "
                                       "mae and rmse: lower is better")]
Seed = Annotated[int, Bounds(0, 2**31 - 1), Help("Seed of the fold shuffle")]


def fold_indices(y: Any, task: str, k: int, seed: int) -> list[tuple[Any, Any]]:
    """k (train, test) index pairs: stratified for classification, shuffled with `seed`."""
    import numpy as np
    from sklearn.model_selection import KFold, StratifiedKFold

    if len(y) < k:
        raise NodeError(f"the table has {len(y)} rows, too few for {k} folds; use fewer folds or more rows",
                        param="folds")
    if task == "classification":
        labels, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
        if counts.min() < k:
            rare = labels[counts.argmin()]
            raise NodeError(f"class '{rare}' has {counts.min()} row(s), fewer than the {k} folds: each fold needs "
                            f"every class; use at most {max(2, counts.min())} folds", param="folds")
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), np.asarray(y, dtype=object).astype(str)))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y))))


def fold_scores(trained: TrainedModel, data: Any, hyperparameters: dict[str, Any], *, folds: int, seed: int,
                scoring: str, param: str | None = None,
                before_fit: Callable[[int], None] | None = None) -> list[float]:
    """The score of each fold for one candidate, each a cached step; a fit error names `param` (tune: grid).
    `before_fit(fold index)` is called before each fold's fit (or cache lookup): where progress is reported."""
    spec = estimator_spec(TASK_KIND[trained.task], trained.estimator_id, param="model")
    splits = fold_indices(data.y, trained.task, folds, seed)
    classes = sorted({json_value(v) for v in data.y.tolist()}, key=lambda v: (str(type(v)), v))
    scores = []
    for index, (train_rows, test_rows) in enumerate(splits):
        def compute(train_rows=train_rows, test_rows=test_rows, index=index) -> dict[str, float]:
            estimator, _ = build_estimator(spec, hyperparameters, param=param)
            what = f"model '{trained.estimator_id}' (fold {index + 1})"
            fit(estimator, data.X[train_rows], data.y[train_rows], what=what, param=param)
            try:  # some settings only fail when predicting (k neighbours > rows of a fold)
                return {"score": score(scoring, estimator, data.X[test_rows], data.y[test_rows], classes)}
            except ValueError as exc:
                raise NodeError(f"{what} could not be scored: {exc}; use fewer folds or other settings",
                                param=param) from None

        identity = {"estimator": trained.estimator_id, "version": spec.version, "hyperparameters": hyperparameters,
                    "fold": index, "folds": folds, "seed": seed, "scoring": scoring, "task": trained.task,
                    "features": list(data.features), "target": data.target}
        if before_fit is not None:
            before_fit(index)
        scores.append(float(cached_step("fold", identity, compute, port_type="metrics")["score"]))
    return scores


@node(category="Machine learning/Evaluate", label="Cross-validate")
def cross_validate(model: Model, table: Table, *, folds: Folds = 5, scoring: ScoringParam = "auto",
                   seed: Seed = 0) -> Metrics:
    """Score the connected model's recipe by k-fold cross-validation on the table.

    The model (from a train node) gives the estimator, hyperparameters, features and target;
    k new models are fitted, each on all folds but one and scored on the one left out.
    """
    import numpy as np

    trained = require_trained(model, "sklearn.cross_validate")
    chosen = resolve_scoring(scoring, trained.task)
    data = model_data(table, trained)
    def report(index: int) -> None:
        progress(index / folds, f"fit {index + 1} of {folds} (fold {index + 1})")

    scores = fold_scores(trained, data, dict(trained.hyperparameters), folds=folds, seed=seed, scoring=chosen,
                         before_fit=report)
    progress(1.0, f"{folds} fits done")
    return {"scoring": chosen, "mean": float(np.mean(scores)), "std": float(np.std(scores)), "folds": folds,
            "fold_scores": scores, "model": trained.estimator_id, "rows": len(table)}


class Tuned(TypedDict):
    model: Annotated[Model, Help("The best candidate, trained on the whole table")]
    results: Annotated[Table, Help("One row per candidate: its hyperparameters, mean and std score, rank")]
    best: Annotated[Params, Help("The best hyperparameters and their score")]


@node(category="Machine learning/Evaluate", schema=schemas.tune)
def tune(model: Model, table: Table, *,
         grid: Annotated[dict[str, Any], ValuesToTry(),
                         Help("Values to try per hyperparameter, e.g. {\"n_estimators\": [50, 100], "
                              "\"max_depth\": [3, 5]}; the rest keep the model's values")]
         = {},  # noqa: B006
         search: Annotated[Literal["grid", "random"], Help("grid: every combination; random: `candidates` "
                                                           "combinations drawn with the seed")] = "grid",
         candidates: Annotated[int, Bounds(1, MAX_GRID), Help("How many combinations random search tries")] = 10,
         folds: Folds = 5, scoring: ScoringParam = "auto", seed: Seed = 0) -> Tuned:
    """Find the best hyperparameters for the connected model's recipe by cross-validation.

    Every candidate is scored on the same k folds; the best is retrained on the whole table.
    Each (candidate, fold) score is cached, so adding a value re-fits only the new candidates.
    """
    import numpy as np
    import pandas as pd

    trained = require_trained(model, "sklearn.tune")
    spec = estimator_spec(TASK_KIND[trained.task], trained.estimator_id, param="model")
    chosen = resolve_scoring(scoring, trained.task)
    axes = _grid_axes(grid, spec)
    combos = _candidates(axes, search, candidates, seed)
    data = model_data(table, trained)
    rows = []
    fits = len(combos) * folds + 1  # every candidate on every fold, then the best on the whole table
    for number, combo in enumerate(combos):
        values = {**trained.hyperparameters, **combo}
        _, full = build_estimator(spec, values, param="grid")

        def report(index: int, number: int = number) -> None:
            done = number * folds + index
            progress(done / fits, f"fit {done + 1} of {fits} (candidate {number + 1} of {len(combos)}, "
                                  f"fold {index + 1} of {folds})")

        scores = fold_scores(trained, data, full, folds=folds, seed=seed, scoring=chosen, param="grid",
                             before_fit=report)
        rows.append({**combo, "mean_score": float(np.mean(scores)), "std_score": float(np.std(scores))})
    results = pd.DataFrame(rows)
    for name in axes:  # a column mixing text and numbers is shown as text
        if results[name].dtype == object:
            results[name] = results[name].map(lambda v: None if v is None else str(v)).astype("str")
    lower = chosen in LOWER_IS_BETTER
    ranking = results["mean_score"].fillna(np.inf if lower else -np.inf)
    results["rank"] = ranking.rank(ascending=lower, method="min").astype(np.int64)
    best_index = int(np.argmin(ranking.to_numpy()) if lower else np.argmax(ranking.to_numpy()))
    best_combo = combos[best_index]
    progress((fits - 1) / fits, f"fit {fits} of {fits} (the best candidate on the whole table)")
    best_model = train(table, task=trained.task, target=trained.target, features=trained.features,
                       model=trained.estimator_id, hyperparameters={**trained.hyperparameters, **best_combo})
    best_model = dataclasses.replace(best_model, all_features=trained.all_features)
    best = {"hyperparameters": best_model.hyperparameters, "changed": best_combo, "scoring": chosen,
            "mean_score": rows[best_index]["mean_score"], "std_score": rows[best_index]["std_score"],
            "candidates": len(combos), "folds": folds}
    progress(1.0, f"{fits} fits done")
    return {"model": best_model, "results": results.sort_values("rank", kind="stable").reset_index(drop=True),
            "best": best}


def _grid_axes(grid: dict[str, Any], spec: Any) -> dict[str, list[Any]]:
    """The grid as name -> non-empty list of values, names checked against the model's hyperparameters."""
    if not grid:
        names = ", ".join(spec.param_index) or "none"
        raise NodeError(f"{grid_problem(grid)}; model '{spec.id}' has the hyperparameters: {names}", param="grid")
    axes = {}
    for name, values in grid.items():
        if name not in spec.param_index:
            known = ", ".join(spec.param_index) or "none"
            raise NodeError(f"model '{spec.id}' has no hyperparameter '{name}'{did_you_mean(name, spec.param_index)}; "
                            f"it has: {known}", param="grid")
        listed = values if isinstance(values, list) else [values]
        if not listed:
            raise NodeError(f"'{name}' has an empty list of values; give at least one", param="grid")
        axes[name] = list(dict.fromkeys(listed))  # duplicates would be scored twice
    return axes


def _candidates(axes: dict[str, list[Any]], search: str, count: int, seed: int) -> list[dict[str, Any]]:
    """Every combination (grid), or `count` distinct ones drawn with `seed` (random)."""
    import math

    import numpy as np

    names = list(axes)
    sizes = [len(axes[n]) for n in names]
    total = math.prod(sizes)
    if search == "grid":
        if total > MAX_GRID:
            raise NodeError(f"the grid has {total} combinations (more than {MAX_GRID}); give fewer values or use "
                            "search random", param="grid")
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(axes[n] for n in names))]
    rng = np.random.default_rng(seed)
    wanted = min(count, total)
    picked: list[int] = []
    seen: set[int] = set()
    while len(picked) < wanted:
        index = int(rng.integers(total))
        if index not in seen:
            seen.add(index)
            picked.append(index)
    combos = []
    for index in picked:
        combo = {}
        for name, size in zip(reversed(names), reversed(sizes), strict=True):
            index, position = divmod(index, size)
            combo[name] = axes[name][position]
        combos.append({n: combo[n] for n in names})
    return combos
