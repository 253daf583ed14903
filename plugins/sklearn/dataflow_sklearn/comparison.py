"""Metrics side by side: several models' scores in one table, one row per model.

Each input is a metrics output (sklearn.evaluate, sklearn.cross_validate, or any node's
metrics): its single values (numbers, text such as the averaging used) become the columns,
in the order they first appear; lists such as the per-fold scores are left out. A score one
input lacks (ROC AUC of a model without probabilities) is left empty, with a warning.

The `best` output names the model with the best value of one score (`rank_by`; auto: ROC AUC,
else accuracy, else R2, else a cross-validation mean), lower being better for MAE and RMSE.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from dataflow.sdk import Help, Metrics, NodeError, Table, did_you_mean, node, warn

from .metrics import LOWER_IS_BETTER

AUTO_RANKING = ("roc_auc", "accuracy", "r2", "mean")
INPUTS = ("first", "second", "third", "fourth", "fifth")
LABEL = "model"
Scores = Annotated[Metrics, Help("Scores of one model (from sklearn.evaluate or sklearn.cross_validate)")]
MoreScores = Annotated[Metrics | None, Help("Scores of one more model (optional)")]


class Compared(TypedDict):
    table: Annotated[Table, Help("One row per model, one column per score")]
    best: Annotated[Metrics, Help("The model with the best `rank_by` score, and that score")]


@node(category="Machine learning/Evaluate", label="Compare metrics")
def compare_metrics(first: Scores, second: Scores, third: MoreScores = None, fourth: MoreScores = None,
                    fifth: MoreScores = None, *,
                    names: Annotated[list[str], Help("Row label of each connected input, in order (empty: the model "
                                                     "the metrics name, else the input's name)")] = [],  # noqa: B006
                    rank_by: Annotated[str, Help("The score that picks the best model (empty: roc_auc, else accuracy, "
                                                 "else r2, else mean); lower is better for mae and rmse")] = "",
                    ) -> Compared:
    """Put the scores of two to five models side by side: one row per model, one column per score."""
    import pandas as pd

    connected = [(port, value) for port, value in zip(INPUTS, (first, second, third, fourth, fifth), strict=True)
                 if value is not None]
    if names and len(names) != len(connected):
        ports = ", ".join(port for port, _ in connected)
        raise NodeError(f"{len(names)} name(s) for {len(connected)} connected inputs ({ports}); give one name per "
                        "connected input, in that order, or none", param="names")
    labels = list(names) or [_default_label(port, value) for port, value in connected]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise NodeError(f"two rows would be labelled '{repeated[0]}'; give each input its own name", param="names")
    rows = []
    for (port, value), label in zip(connected, labels, strict=True):
        if not isinstance(value, dict):
            raise NodeError(f"input '{port}' is not a metrics output (got {type(value).__name__})")
        scores = {key: item for key, item in value.items() if key != LABEL and _is_single(item)}
        if not scores:
            raise NodeError(f"input '{port}' holds no single-valued scores to compare")
        rows.append({LABEL: label, **scores})
    table = pd.DataFrame(rows)
    table[LABEL] = table[LABEL].astype("str")
    for column in table.columns:
        lacking = table.loc[table[column].isna(), LABEL].tolist()
        if lacking:
            warn(f"no '{column}' for {', '.join(lacking)}: left empty")
    return {"table": table, "best": _best(table, rank_by)}


def _best(table: Any, rank_by: str) -> dict[str, Any]:
    """The row with the best `rank_by` value (the first one on a tie) as metrics."""
    import pandas as pd

    scores = [c for c in table.columns if c != LABEL and pd.api.types.is_numeric_dtype(table[c].dtype)
              and not pd.api.types.is_bool_dtype(table[c].dtype)]
    name = rank_by or next((c for c in AUTO_RANKING if c in scores), "")
    if not name:
        raise NodeError(f"choose the score that picks the best model; the scores are: {', '.join(scores)}",
                        param="rank_by")
    if name not in scores:
        known = ", ".join(map(str, scores))
        raise NodeError(f"'{name}' is not a score of every input{did_you_mean(name, scores)}; the scores are: {known}",
                        param="rank_by")
    scoring = set(table["scoring"].dropna()) if name == "mean" and "scoring" in table.columns else {name}
    lower = bool(scoring) and scoring <= LOWER_IS_BETTER
    values = table[name].astype(float)
    if values.isna().all():
        raise NodeError(f"no input has a '{name}' score", param="rank_by")
    row = table.loc[values.idxmin() if lower else values.idxmax()]
    return {LABEL: str(row[LABEL]), "rank_by": name, "score": float(row[name]), "lower_is_better": lower,
            "models": len(table)}


def _default_label(port: str, value: Any) -> str:
    """The model the metrics name (sklearn.cross_validate records it), else the input's name."""
    model = value.get(LABEL) if isinstance(value, dict) else None
    return str(model) if isinstance(model, str) and model else port


def _is_single(value: Any) -> bool:
    """True for a number, a bool or a text: what fits in one cell."""
    return isinstance(value, (int, float, str, bool)) or (hasattr(value, "item") and getattr(value, "ndim", 1) == 0)
