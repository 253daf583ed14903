"""Turning node outputs into what the output panel shows: capped previews, summaries, downloads.

Only cheap work happens per rerun: previews are cut to `PREVIEW_ROWS`, statistics are computed
on at most `STATS_ROWS` rows, and downloads are produced only when clicked.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from .kernel_api import Registry, call_node

PREVIEW_ROWS = 500
STATS_ROWS = 100_000


def is_table(value: Any) -> bool:
    """A pandas DataFrame (checked without importing pandas)."""
    return type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas")


def is_figure(value: Any) -> bool:
    return type(value).__module__.startswith("plotly") and hasattr(value, "to_html")


def table_summary(table: Any) -> dict[str, Any]:
    """Rows, columns and the dtype of each column."""
    return {"rows": int(table.shape[0]), "columns": int(table.shape[1]),
            "dtypes": {str(c): str(t) for c, t in table.dtypes.items()}}


def preview(table: Any, rows: int = PREVIEW_ROWS) -> Any:
    return table.head(rows)


def statistics(table: Any) -> Any:
    """`describe()` over all columns of (at most the first STATS_ROWS rows of) the table, or None.
    A statistic that mixes kinds (a date column's mean beside numbers') is shown as text, which the
    page's table can draw."""
    part = table.head(STATS_ROWS)
    try:
        stats = part.describe(include="all").T
    except (ValueError, TypeError):
        return None
    mixed = [c for c in stats.columns if stats[c].dtype == object]
    return stats.astype({c: "string" for c in mixed}) if mixed else stats


#: the node the output panel's Profile view runs (the Explore node of the same name, dataflow-transform)
PROFILE_NODE = "transform.profile"


def profile(table: Any, registry: Registry) -> tuple[Any, list[str]] | None:
    """The column profile of `table` and its notes (a sample is said there), computed by the installed
    `transform.profile` node with its defaults, as a run would call it; None when no plugin provides it."""
    spec = registry.nodes.get(PROFILE_NODE)
    if spec is None:
        return None
    outcome = call_node(spec, {"table": table}, {p.name: p.default for p in spec.params}, registry=registry)
    return outcome.outputs["table"], outcome.warnings


def csv_bytes(table: Any) -> bytes:
    return table.to_csv(index=False).encode("utf-8")


def parquet_bytes(table: Any) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def figure_html(figure: Any) -> bytes:
    """A standalone HTML file of the chart (plotly.js embedded: works offline)."""
    return figure.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, (int, str, bool, type(None))):
        return value
    if isinstance(value, float):
        return value if value == value else None          # NaN -> null
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in list(value)[:100]]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def model_summary(model: Any) -> dict[str, Any]:
    """Type, parameters, features and training score of a fitted model, as far as it says.

    A pack may wrap the estimator (an object with `estimator`, `features`, `training_score`,
    `describe()` or `metadata()`); both the wrapper and the estimator are read, by duck typing."""
    inner = getattr(model, "estimator", None) or model
    summary: dict[str, Any] = {"type": f"{type(inner).__module__.split('.')[0]}.{type(inner).__name__}"}
    describe = getattr(model, "describe", None)
    if callable(describe):
        with contextlib.suppress(Exception):
            summary["summary"] = str(describe())
    get_params = getattr(inner, "get_params", None)
    if callable(get_params):
        with contextlib.suppress(Exception):
            summary["parameters"] = _plain(get_params(deep=False))
    features = getattr(model, "features", None)
    if features is None:
        features = getattr(inner, "feature_names_in_", None)
    if features is not None:
        summary["features"] = [str(f) for f in list(features)]
    elif getattr(inner, "n_features_in_", None) is not None:
        summary["features"] = f"{inner.n_features_in_} features"
    for owner in (model, inner):
        for attr in ("training_score", "training_score_", "train_score_", "score_", "best_score_", "oob_score_"):
            value = getattr(owner, attr, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                summary.setdefault("training score", _plain(float(value)))
    classes = getattr(model, "classes", None) or getattr(inner, "classes_", None)
    if classes is not None and len(classes):
        summary["classes"] = [str(c) for c in list(classes)[:50]]
    metadata = getattr(model, "metadata", None)
    if callable(metadata):
        with contextlib.suppress(Exception):
            summary["details"] = _plain(metadata())
    return summary


def metric_items(metrics: dict[str, Any]) -> list[tuple[str, Any]]:
    """Scalar metrics first (as cards), in the node's order."""
    return [(str(k), v) for k, v in metrics.items()]


def columns_of(value: Any) -> list[str]:
    """Column names of a table (for column pickers)."""
    return [str(c) for c in value.columns] if is_table(value) else []
