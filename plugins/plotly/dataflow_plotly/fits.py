"""Trend lines computed with numpy, so they need no statsmodels (Plotly Express needs it for its own).

- OLS: the least-squares straight line, with its R2.
- LOWESS: locally weighted linear regression (tricube weights over the nearest `frac` of the
  points, as in Cleveland 1979 without the robustness iterations), evaluated on at most 100
  evenly spaced x values, so a 20,000-point chart costs about 100 weighted fits.
"""

from __future__ import annotations

from typing import Any

GRID = 100


def _numeric_x(x: Any) -> tuple[Any, bool]:
    """x as float64 (dates as nanoseconds) and whether it held dates."""
    import numpy as np

    values = np.asarray(x)
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[ns]").astype(np.int64).astype(np.float64), True
    return values.astype(np.float64), False


def _back(x: Any, dates: bool) -> Any:
    import numpy as np

    return x.astype(np.int64).astype("datetime64[ns]") if dates else x


def _clean(x: Any, y: Any) -> tuple[Any, Any, bool] | None:
    import numpy as np

    try:
        xs, dates = _numeric_x(x)
        ys = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return None  # text on an axis: no trend line
    keep = np.isfinite(xs) & np.isfinite(ys)
    if keep.sum() < 2 or np.ptp(xs[keep]) == 0:
        return None
    return xs[keep], ys[keep], dates


def ols(x: Any, y: Any) -> dict[str, Any] | None:
    """The least-squares line through (x, y): its two end points, slope, intercept and R2 (None if undefined)."""
    import numpy as np

    cleaned = _clean(x, y)
    if cleaned is None:
        return None
    xs, ys, dates = cleaned
    slope, intercept = np.polyfit(xs, ys, 1)
    fitted = slope * xs + intercept
    total = float(((ys - ys.mean()) ** 2).sum())
    r2 = 1.0 - float(((ys - fitted) ** 2).sum()) / total if total > 0 else float("nan")
    ends = np.array([xs.min(), xs.max()])
    return {"x": _back(ends, dates), "y": slope * ends + intercept, "slope": float(slope),
            "intercept": float(intercept), "r2": r2}


def lowess(x: Any, y: Any, frac: float = 2 / 3) -> dict[str, Any] | None:
    """A LOWESS curve through (x, y), evaluated on up to 100 points across the x range."""
    import numpy as np

    cleaned = _clean(x, y)
    if cleaned is None:
        return None
    xs, ys, dates = cleaned
    n = len(xs)
    k = min(n, max(3, int(np.ceil(frac * n))))
    grid = np.unique(xs) if len(np.unique(xs)) <= GRID else np.linspace(xs.min(), xs.max(), GRID)
    smooth = np.empty(len(grid))
    for i, g in enumerate(grid):
        distance = np.abs(xs - g)
        reach = np.partition(distance, k - 1)[k - 1]
        weight = np.clip(1 - (distance / reach) ** 3, 0, None) ** 3 if reach > 0 else (distance == 0).astype(float)
        total = weight.sum()
        mean_x, mean_y = (weight * xs).sum() / total, (weight * ys).sum() / total
        spread = (weight * (xs - mean_x) ** 2).sum()
        slope = (weight * (xs - mean_x) * (ys - mean_y)).sum() / spread if spread > 0 else 0.0
        smooth[i] = mean_y + slope * (g - mean_x)
    return {"x": _back(grid, dates), "y": smooth}
