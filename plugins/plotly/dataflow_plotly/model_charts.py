"""Charts of model results: confusion matrix, ROC curve, feature importance, residuals, clusters.

They read what the sklearn nodes record in `table.attrs["dataflow"]` (see dataflow_sklearn's
`models.py`): `predictions` {task, truth, prediction, classes, probabilities}, `clusters`
{column, features, standardized} and `importance` {method}. Column parameters override them,
so tables from elsewhere can be drawn too. Computations use numpy only (no scikit-learn).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Figure, Help, NodeError, Table, node, warn

from .common import (
    MAX_POINTS,
    MaxPoints,
    Title,
    column,
    column_param,
    drop_missing,
    express,
    facts_of,
    finish,
    group_label,
    sample,
)

Truth = column_param("Column with the true values (empty: as recorded by sklearn.predict)", "predictions")
Predicted = column_param("Column with the predictions (empty: as recorded by sklearn.predict)", "predictions")


def _prediction_columns(table: Any, truth: str, prediction: str) -> tuple[str, str, dict[str, Any]]:
    facts = facts_of(table, "predictions")
    truth_col = truth or facts.get("truth")
    if not truth_col:
        raise NodeError("the table has no truth column recorded: predict on a table that still holds the target, "
                        "or choose the truth column", param="truth")
    prediction_col = prediction or facts.get("prediction")
    if not prediction_col:
        raise NodeError("choose the prediction column, or connect the output of sklearn.predict",
                        param="prediction")
    truth_col, prediction_col = column(table, truth_col, "truth"), column(table, prediction_col, "prediction")
    if truth_col == prediction_col:
        raise NodeError(f"truth and prediction are both column {truth_col!r}; choose the column that holds the "
                        "predictions (sklearn.predict adds one)", param="prediction")
    return truth_col, prediction_col, facts


@node(category="Charts/Models", label="Confusion matrix")
def confusion_matrix(predictions: Table, *,
                     normalize: Annotated[Literal["none", "true", "pred", "all"],
                                          Help("none: row counts; true: share of each true class; pred: share "
                                               "of each predicted class; all: share of all rows")] = "none",
                     truth: Truth = "", prediction: Predicted = "", title: Title = "") -> Figure:
    """How often each true class was predicted as each class (from sklearn.predict's output)."""
    import numpy as np
    import plotly.graph_objects as go

    truth_col, prediction_col, facts = _prediction_columns(predictions, truth, prediction)
    if facts.get("task") == "regression" and not (truth or prediction):
        raise NodeError("these are a regressor's predictions; a confusion matrix needs a classifier's. Draw "
                        "plotly.residuals instead")
    rows, missing = drop_missing(predictions[[truth_col, prediction_col]], [truth_col, prediction_col])
    true_labels = rows[truth_col].map(group_label).to_numpy()
    predicted = rows[prediction_col].map(group_label).to_numpy()
    classes = [group_label(c) for c in facts.get("classes") or []]
    extra = sorted((set(true_labels) | set(predicted)) - set(classes))
    classes = classes + [c for c in extra if c not in classes]
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(counts, (np.array([index[v] for v in true_labels], dtype=np.int64),
                       np.array([index[v] for v in predicted], dtype=np.int64)), 1)
    shown = counts.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            shown = shown / counts.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            shown = shown / counts.sum(axis=0, keepdims=True)
        elif normalize == "all":
            shown = shown / max(counts.sum(), 1)
    shown = np.nan_to_num(shown)
    text = [[f"{v:.2f}" if normalize != "none" else f"{int(v)}" for v in row] for row in shown]
    fig = go.Figure(go.Heatmap(z=shown, x=classes, y=classes, text=text, texttemplate="%{text}",
                               colorscale="Blues", colorbar={"title": {"text": "rows" if normalize == "none"
                                                                       else "share"}},
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    fig.update_xaxes(title_text=f"Predicted ({prediction_col})", type="category", side="bottom")
    fig.update_yaxes(title_text=f"True ({truth_col})", type="category", autorange="reversed")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    return finish(fig, title=title or f"Confusion matrix (accuracy {accuracy:.3f}, {counts.sum()} rows)",
                  notes=[missing])


def roc_points(positive: Any, score: Any) -> tuple[Any, Any, float]:
    """False and true positive rates at every distinct threshold, and the area under the curve."""
    import numpy as np

    order = np.argsort(-score, kind="mergesort")
    score, positive = score[order], positive[order]
    last = np.r_[np.nonzero(np.diff(score))[0], len(score) - 1]
    true_pos = np.cumsum(positive)[last]
    false_pos = last + 1 - true_pos
    tpr = np.r_[0.0, true_pos / true_pos[-1]]
    fpr = np.r_[0.0, false_pos / false_pos[-1]]
    return fpr, tpr, float(np.trapezoid(tpr, fpr))


@node(category="Charts/Models", label="ROC curve")
def roc_curve(predictions: Table, *, title: Title = "") -> Figure:
    """True against false positive rate at every threshold, with the AUC (classifier with probabilities).

    Two classes: one curve, for the positive (second) class. More: one curve per class
    against the rest.
    """
    import numpy as np
    import plotly.graph_objects as go

    facts = facts_of(predictions, "predictions")
    if facts.get("task") != "classification" or not facts.get("probabilities"):
        raise NodeError("a ROC curve needs class probabilities: connect sklearn.predict's output of a classifier "
                        "that gives them (every built-in classifier does)")
    truth_col, _, facts = _prediction_columns(predictions, "", "")
    classes, columns = facts["classes"], facts["probabilities"]
    lacking = [name for name in columns if name not in predictions.columns]
    if lacking:
        raise NodeError(f"the predictions table lacks the probability column(s) {', '.join(map(repr, lacking))} that "
                        "sklearn.predict recorded; keep them between sklearn.predict and this chart")
    rows, missing = drop_missing(predictions[[truth_col, *columns]], [truth_col, *columns])
    truth_values = rows[truth_col].map(group_label).to_numpy()
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dash", "color": "#999"})
    curves = [(classes[1], columns[1])] if len(classes) == 2 else list(zip(classes, columns, strict=True))
    for label, probability in curves:
        positive = truth_values == group_label(label)
        if positive.all() or not positive.any():
            warn(f"no ROC curve for class {label!r}: the truth holds {'only' if positive.all() else 'no'} rows of it")
            continue
        fpr, tpr, auc = roc_points(positive, rows[probability].to_numpy(dtype=np.float64))
        fig.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{label} (AUC {auc:.3f})",
                        hovertemplate="false positive rate %{x:.3f}<br>true positive rate %{y:.3f}")
    fig.update_xaxes(title_text="False positive rate", range=[0, 1])
    fig.update_yaxes(title_text="True positive rate", range=[0, 1.02])
    return finish(fig, title=title or "ROC curve", notes=[missing])


@node(category="Charts/Models", label="Feature importance")
def feature_importance(table: Table, *,
                       top: Annotated[int, Bounds(1, 500), Help("How many of the most important features to show")]
                       = 20, title: Title = "") -> Figure:
    """Horizontal bars of feature importance, most important on top (from sklearn.feature_importance)."""
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    feature, importance = "feature", "importance"
    lacking = [c for c in (feature, importance) if c not in table.columns]
    if lacking:
        listed = ", ".join(map(str, list(table.columns)[:30]))
        raise NodeError(f"the table has no {' or '.join(repr(c) for c in lacking)} column (its columns are: {listed}); "
                        "connect the output of sklearn.feature_importance")
    dtype = table[importance].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise NodeError(f"column 'importance' holds {dtype}, not numbers; connect the output of "
                        "sklearn.feature_importance")
    table, missing = drop_missing(table, [importance])
    ordered = table.sort_values(importance, ascending=False, kind="stable")
    notes = [missing]
    if len(ordered) > top:
        notes.append(f"Showing the {top} most important of {len(ordered)} features")
        ordered = ordered.head(top)
    spread = ordered["std"].to_numpy(dtype=np.float64) if "std" in ordered.columns else None
    errors = {"type": "data", "array": spread} if spread is not None and np.isfinite(spread).any() else None
    fig = go.Figure(go.Bar(x=ordered[importance].to_numpy(dtype=np.float64), y=ordered[feature].astype(str).tolist(),
                           orientation="h", error_x=errors))
    fig.update_yaxes(autorange="reversed", type="category")
    method = facts_of(table, "importance").get("method")
    fig.update_xaxes(title_text={"permutation": "Score drop when shuffled", "builtin": "Importance"}.get(
        method, "Importance"))
    return finish(fig, title=title or "Feature importance", notes=notes)


@node(category="Charts/Models")
def residuals(predictions: Table, *,
              kind: Annotated[Literal["residuals", "predicted_vs_actual"],
                              Help("residuals: error against prediction; predicted_vs_actual: prediction against "
                                   "truth, with the ideal diagonal")] = "residuals",
              truth: Truth = "", prediction: Predicted = "", max_points: MaxPoints = MAX_POINTS,
              title: Title = "") -> Figure:
    """Where a regressor errs: residuals (truth - prediction) against predictions, or predicted against actual."""
    import numpy as np
    import plotly.graph_objects as go

    truth_col, prediction_col, facts = _prediction_columns(predictions, truth, prediction)
    if facts.get("task") == "classification" and not (truth or prediction):
        raise NodeError("these are a classifier's predictions; residuals need a regressor's. Draw "
                        "plotly.confusion_matrix instead")
    rows, missing = drop_missing(predictions[[truth_col, prediction_col]], [truth_col, prediction_col])
    try:
        actual = rows[truth_col].to_numpy(dtype=np.float64)
        predicted = rows[prediction_col].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise NodeError(f"'{truth_col}' and '{prediction_col}' must hold numbers for residuals") from None
    error = actual - predicted
    rmse = float(np.sqrt(np.mean(error ** 2))) if len(error) else float("nan")
    drawn, note = sample(rows.assign(_residual=error), max_points)
    fig = go.Figure()
    if kind == "residuals":
        fig.add_scatter(x=drawn[prediction_col], y=drawn["_residual"], mode="markers", name="rows",
                        marker={"size": 5, "opacity": 0.7})
        fig.add_hline(y=0, line={"dash": "dash", "color": "#999"})
        x_title, y_title = f"Predicted ({prediction_col})", f"Residual ({truth_col} - prediction)"
    else:
        fig.add_scatter(x=drawn[truth_col], y=drawn[prediction_col], mode="markers", name="rows",
                        marker={"size": 5, "opacity": 0.7})
        low, high = float(np.nanmin([actual.min(), predicted.min()])), float(np.nanmax([actual.max(),
                                                                                        predicted.max()]))
        fig.add_scatter(x=[low, high], y=[low, high], mode="lines", name="perfect",
                        line={"dash": "dash", "color": "#999"})
        x_title, y_title = f"Actual ({truth_col})", f"Predicted ({prediction_col})"
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return finish(fig, title=title or f"Residuals (RMSE {rmse:.4g}, {len(rows)} rows)", notes=[missing, note])


@node(category="Charts/Models", label="Cluster plot")
def clusters(table: Table, *,
             x: column_param("Column on the horizontal axis (empty: first principal component)") = "",
             y: column_param("Column on the vertical axis (empty: second principal component)") = "",
             cluster: column_param("Column with the cluster numbers (empty: as recorded by sklearn.cluster)") = "",
             max_points: MaxPoints = MAX_POINTS, title: Title = "") -> Figure:
    """The rows as points coloured by cluster (from sklearn.cluster), on two columns or the first two PCA components."""
    px = express()

    facts = facts_of(table, "clusters")
    label_col = column(table, cluster or facts.get("column") or "", "cluster")
    if bool(x) != bool(y):
        raise NodeError("choose both x and y, or neither (then the first two principal components are drawn)",
                        param="x" if not x else "y")
    drawn, note = sample(table, max_points)
    labels = drawn[label_col].map(lambda v: "noise" if v == -1 else group_label(v))
    if x:
        x_col, y_col = column(table, x, "x"), column(table, y, "y")
        if x_col == y_col:
            raise NodeError(f"x and y are both column {x_col!r}; choose two different columns", param="y")
        frame = drawn[[x_col, y_col]].assign(cluster=labels.to_numpy())
        x_title, y_title = x_col, y_col
    else:
        features = [f for f in facts.get("features") or [] if f in table.columns]
        if len(features) < 2:
            raise NodeError("choose x and y: the table records fewer than two clustering features "
                            "(connect sklearn.cluster's output to draw principal components)", param="x")
        components, ratio = _principal_components(table, features, bool(facts.get("standardized", True)))
        frame = components.loc[drawn.index].assign(cluster=labels.to_numpy())
        x_col, y_col = "PC1", "PC2"
        x_title, y_title = (f"PC1 ({ratio[0]:.0%} of variance)", f"PC2 ({ratio[1]:.0%} of variance)")
    order = sorted(frame["cluster"].unique(), key=lambda v: (v == "noise", len(v), v))
    fig = px.scatter(frame, x=x_col, y=y_col, color="cluster", category_orders={"cluster": order})
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    found = len([c for c in order if c != "noise"])
    return finish(fig, title=title or f"{found} cluster{'s' if found != 1 else ''}", notes=[note])


def _principal_components(table: Any, features: list[str], standardize: bool) -> tuple[Any, Any]:
    """The first two principal components of `features` for every row (numpy SVD) and their variance shares."""
    import numpy as np
    import pandas as pd

    values = table[features].to_numpy(dtype=np.float64, na_value=np.nan)
    complete = np.isfinite(values).all(axis=1)
    centred = values[complete] - values[complete].mean(axis=0)
    if standardize:
        spread = centred.std(axis=0)
        centred = centred / np.where(spread == 0, 1.0, spread)
    _, singular, vectors = np.linalg.svd(centred, full_matrices=False)
    projected = np.full((len(values), 2), np.nan)
    projected[complete] = centred @ vectors[:2].T
    variance = singular ** 2
    ratio = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    return pd.DataFrame(projected, index=table.index, columns=["PC1", "PC2"]), ratio
