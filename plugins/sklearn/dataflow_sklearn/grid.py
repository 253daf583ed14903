"""`ValuesToTry`: the widget of the tune node's `grid` parameter.

Validation asks it to check the grid before anything runs, so an empty grid (the node's default)
or a hyperparameter given no values is a problem shown at the field and by `dataflow validate`,
not a failure minutes into a run. The names are checked at run time, against the estimator of
the model that arrives on the node's input (validation does not know it yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dataflow.sdk import ParamContext, ParamWidget

EMPTY = 'give values to try, e.g. {"name": [1, 2]}'


def grid_problem(grid: Any) -> str | None:
    """What is wrong with a grid before its names are known (None: nothing)."""
    if not grid:
        return EMPTY
    empty = [str(name) for name, values in grid.items() if isinstance(values, list) and not values]
    if empty:
        return f"'{empty[0]}' has an empty list of values; give at least one"
    return None


@dataclass(frozen=True, slots=True)
class ValuesToTry(ParamWidget):
    """The `dict` parameter maps hyperparameter names to the values to try; validation refuses an
    empty one with the same words as the run would."""

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """An empty grid, or a name given no values, is a problem of this parameter."""
        problem = grid_problem(value)
        if problem is None:
            return []
        return [(context.param.name, f"{problem}; the connected model's settings list its hyperparameters")]
