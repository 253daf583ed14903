"""Estimators: models that packs add to the train nodes, declared like nodes (`@estimator`).

A pack that depends on dataflow-sklearn declares a factory function whose keyword-only
parameters are the model's hyperparameters (same annotations as node parameters, so the app
builds the same form), and registers it with this plugin's own hook, `register_estimators`:

    from dataflow_sklearn import estimator

    @estimator(kind="classifier", label="XGBoost", version=1)
    def xgboost(*, n_estimators: Annotated[int, Bounds(1, 5000)] = 100, max_depth: int = 6):
        \"\"\"Gradient-boosted trees from xgboost.\"\"\"
        from xgboost import XGBClassifier
        return XGBClassifier(n_estimators=n_estimators, max_depth=max_depth)

    @hookimpl
    def register_estimators(register):
        register(xgboost)

Its id is `<entry point name>.<function name>` unless `estimator_id` is given; the train node
of its kind (`sklearn.train_classifier` for "classifier") then offers it. The factory must
return an unfitted scikit-learn-compatible estimator (fit / predict).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dataflow.sdk import NodeDefinitionError, contributions
from dataflow.sdk.declare import ParamSpec, check_value, coerce_value, keyword_params

F = TypeVar("F", bound=Callable[..., Any])

ESTIMATOR_ATTRIBUTE = "__dataflow_estimator__"
ESTIMATOR_KINDS = ("classifier", "regressor", "clusterer", "transformer")


@dataclass(frozen=True, slots=True)
class EstimatorSpec:
    """A registered estimator factory: its kind, label, version and hyperparameters."""

    fn: Callable[..., Any]
    name: str
    kind: str
    label: str
    version: int
    description: str
    params: tuple[ParamSpec, ...]
    id: str | None = None
    plugin: str | None = None
    param_index: dict[str, ParamSpec] = field(default_factory=dict, compare=False, repr=False)

    def defaults(self) -> dict[str, Any]:
        """Each hyperparameter's default by name."""
        return {p.name: p.default for p in self.params}

    def check(self, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with `values`, validated; ValueError names the hyperparameter."""
        unknown = sorted(set(values) - set(self.param_index))
        if unknown:
            known = ", ".join(self.param_index) or "none"
            raise ValueError(f"model '{self.id}' has no hyperparameter '{unknown[0]}'; it has: {known}")
        merged = self.defaults()
        for name, value in values.items():
            problem = check_value(self.param_index[name], value)
            if problem:
                raise ValueError(f"hyperparameter '{name}' of model '{self.id}': {problem}")
            merged[name] = coerce_value(self.param_index[name], value)
        return merged

    def build(self, values: dict[str, Any]) -> Any:
        """A new, unfitted estimator with these hyperparameters (validated first)."""
        return self.fn(**self.check(values))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape `dataflow nodes --json` and the app read."""
        return {"id": self.id, "kind": self.kind, "label": self.label, "version": self.version,
                "plugin": self.plugin, "description": self.description,
                "params": [p.to_dict() for p in self.params]}


def estimator(fn: F | None = None, *, kind: str, label: str | None = None, version: int = 1,
              estimator_id: str | None = None) -> Any:
    """Declare a model factory of `kind` ("classifier", "regressor", "clusterer" or "transformer").

    Keyword-only parameters are the hyperparameters (with defaults, bounds, choices and help as
    for node parameters). Bump `version` when the model's results change: cached models trained
    with the old version stop matching. Returns the function unchanged.
    """
    def attach(target: F) -> F:
        spec = declare_estimator(target, kind=kind, label=label, version=version, estimator_id=estimator_id)
        setattr(target, ESTIMATOR_ATTRIBUTE, spec)
        return target

    return attach(fn) if fn is not None else attach


def estimators(kind: str | None = None) -> dict[str, EstimatorSpec]:
    """The registered estimators by id (only those of `kind` when given), as the running engine sees them."""
    found = contributions("estimators")
    return {eid: spec for eid, spec in found.items() if kind is None or spec.kind == kind}


def declare_estimator(fn: Callable[..., Any], *, kind: str, label: str | None = None, version: int = 1,
                      estimator_id: str | None = None) -> EstimatorSpec:
    """Read a factory function's hyperparameters; raise NodeDefinitionError naming it on a mistake."""
    where = f"estimator '{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}'"

    def fail(message: str) -> NodeDefinitionError:
        return NodeDefinitionError(f"{where}: {message}")

    if not callable(fn) or not hasattr(fn, "__code__"):
        raise fail("@estimator decorates plain functions only")
    if kind not in ESTIMATOR_KINDS:
        raise fail(f"kind must be one of {', '.join(ESTIMATOR_KINDS)}, got {kind!r}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail(f"version must be a positive integer, got {version!r}")
    if estimator_id is not None and (not isinstance(estimator_id, str) or "." not in estimator_id):
        raise fail(f"estimator_id must look like 'pack.name', got {estimator_id!r}")
    params = keyword_params(fn, fail, what="hyperparameters")  # the same rules as node parameters
    doc = (inspect.getdoc(fn) or "").strip()
    if not doc:
        raise fail("add a docstring: its first line describes the model to users")
    spec = EstimatorSpec(fn=fn, name=fn.__name__, kind=kind,
                         label=label or fn.__name__.replace("_", " ").capitalize(), version=version,
                         description=doc.partition("\n")[0].strip(), params=params, id=estimator_id)
    spec.param_index.update({p.name: p for p in params})
    return spec


def estimator_of(fn: Any) -> EstimatorSpec | None:
    """The spec attached by `@estimator`, or None."""
    return getattr(fn, ESTIMATOR_ATTRIBUTE, None)


def registered_estimator(plugin: str, fn: Any) -> tuple[str, EstimatorSpec]:
    """The registry's check for `register_estimators`: fills in the id and the plugin."""
    spec = estimator_of(fn)
    if spec is None:
        raise TypeError(f"register_estimators got {fn!r}, which is not decorated with @estimator")
    estimator_id = spec.id or f"{plugin}.{spec.name}"
    replaced = dataclasses.replace(spec, id=estimator_id, plugin=plugin)
    replaced.param_index.update(spec.param_index)
    return estimator_id, replaced
