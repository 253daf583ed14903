"""`ModelChoice`: the widget of a parameter that picks a registered estimator.

Validation asks it to check the chosen id and the node's hyperparameters against the
estimator's declaration, and the cache key asks it for the estimator's version (with the
version of the pack that provides it), so a new model version re-runs the node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dataflow.sdk import ChosenVersion, ParamContext, ParamWidget


@dataclass(frozen=True, slots=True)
class ModelChoice(ParamWidget):
    """The `str` parameter picks a registered estimator of `kind` ("classifier", "regressor", ...);
    its hyperparameters live in the node's `dict[str, Any]` parameter named `hyperparameters`.
    Validation checks both against the estimator's declaration; the app builds the form from it.
    """

    kind: str
    hyperparameters: str = "hyperparameters"

    def available(self, registry: Any) -> dict[str, Any]:
        """The registered estimators of this kind by id."""
        return {eid: e for eid, e in registry.contributions("estimators").items() if e.kind == self.kind}

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """The chosen estimator exists with the right kind, and the hyperparameters fit it."""
        available = self.available(context.registry)
        chosen = available.get(value)
        if chosen is None:
            listed = ", ".join(sorted(available)) or "none installed"
            hint = context.spell(value, available, ("models", self.kind))
            return [(context.param.name, f"no {self.kind} '{value}'{hint}; available: {listed}")]
        try:
            chosen.check(context.params.get(self.hyperparameters) or {})
        except ValueError as exc:
            return [(self.hyperparameters, str(exc))]
        return []

    def chosen_version(self, value: Any, context: ParamContext) -> ChosenVersion | None:
        """`model:<id>@<version>/<pack version>`: a new version of the model or of its pack misses the cache."""
        chosen = context.registry.contributions("estimators").get(value)
        if chosen is None:
            return None
        record = context.registry.plugins.get(chosen.plugin or "")
        return ChosenVersion("model", chosen.id, f"{chosen.version}/{record.version if record else ''}")

    def to_dict(self) -> dict[str, Any]:
        """`{"kind": "modelchoice", "model_kind": ..., "hyperparameters": ...}` for the app."""
        return {"kind": "modelchoice", "model_kind": self.kind, "hyperparameters": self.hyperparameters}
