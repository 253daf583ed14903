"""Parameter widgets: metadata inside `Annotated[...]` that says how a parameter is edited and,
optionally, how its value is checked, resolved for the call, and what else the cache key holds.

The kernel knows no widget by name: it calls every widget through the methods of `ParamWidget`.
The widgets themselves live with their domain: `Column`, `FilePath`, `Secret` and `FormatChoice`
in the SDK (`dataflow.sdk.widgets`: the schema pass's column checks and the granted folders are
theirs), `Formula` in the SDK's formula interpreter, `ModelChoice` in the sklearn plugin.

- `check(value, context)` when a workflow is compiled: every problem as `(parameter, message)`;
- `check_schema(value, schema)` in the schema pass, with the schema of the table input the widget's
  `port` attribute names (the first table input when it has none), None while that is unknown;
- `chosen_version(value, context)` when the graph is built, for a parameter that picks a
  registered contribution with a version of its own: a new version misses the cache and is
  explained as "<what> version changed";
- `resolve(value, place, param)` before the node is called: a file path made absolute and
  checked against the granted folders, say (a `NodeError` refuses the call);
- `fingerprint(value)` when the key is computed: what the value reads besides itself (a file's
  size and time), so a change re-runs the node.

    @dataclass(frozen=True, slots=True)
    class Even(ParamWidget):
        def check(self, value, context):
            return [] if value % 2 == 0 else [(context.param.name, f"{value} is odd")]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .registry import Registry
    from .spec import NodeSpec, ParamSpec


@dataclass(frozen=True, slots=True)
class ParamContext:
    """What a widget's checks may consult besides the value: the node, its parameters, the
    installed plugins, the workflow's folder, and "did you mean" within validation's budget."""

    node_id: str
    param: ParamSpec
    #: the node's effective parameter values (defaults filled in, each type-checked and coerced)
    params: Mapping[str, Any]
    registry: Registry
    folder: Path | None = None
    #: `spell(word, candidates, memo key)` -> " (did you mean `x`?)" or ""
    spell: Callable[[str, Iterable[str], Any], str] = lambda word, candidates, key=None: ""


@dataclass(frozen=True, slots=True)
class CallPlace:
    """Where a node is called from: the workflow's folder and file, and the data folders the
    caller granted besides the workflow's own (`dataflow run --data-dir`, the app's settings)."""

    folder: Path | None = None
    workflow_file: Path | None = None
    grants: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class ChosenVersion:
    """A registered item a parameter picked and its version: `what` names the kind of item
    ("model") in the stale reason, `version` is any text that changes with the item."""

    what: str
    id: str
    version: str


class ParamWidget:
    """Base of every widget metadata class; subclasses are frozen dataclasses and override what
    they need. The defaults accept every value, call the node with it as it is and add nothing to
    the cache key."""

    __slots__ = ()
    #: False for a widget whose values are never written into a workflow file (a password)
    saved: ClassVar[bool] = True

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """Problems with the (type-checked) value as `(parameter name, message)`; none by default."""
        return ()

    def check_schema(self, value: Any, schema: Any) -> str | None:
        """A problem of the value against the columns of the table it refers to (None: not known
        before running), or None."""
        return None

    def chosen_version(self, value: Any, context: ParamContext) -> ChosenVersion | None:
        """The registered item the value picks and its version, when that belongs in the cache key."""
        return None

    def resolve(self, value: Any, place: CallPlace, param: str) -> Any:
        """The value the node is called with (a non-empty value only); raise a `NodeError` naming
        `param` to refuse the call."""
        return value

    def fingerprint(self, value: Any) -> str | None:
        """What the resolved value reads besides itself, for the cache key; None for nothing."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON the app and `dataflow nodes --json` read: `kind` (the class name, lower case)
        and each field, tuples as lists."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} if dataclasses.is_dataclass(self) else {}
        return {"kind": type(self).__name__.lower(),
                **{k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}}


def overrides(widget: ParamWidget | None, method: str) -> bool:
    """True when the widget's class has its own `method` (the kernel calls only those)."""
    return widget is not None and getattr(type(widget), method) is not getattr(ParamWidget, method)


def resolve_params(spec: NodeSpec, params: dict[str, Any], place: CallPlace) -> dict[str, Any]:
    """The parameters a node is called with: each non-empty value whose widget resolves values
    (`spec.resolved_params`) replaced by its resolution; `params` itself when there is none."""
    names = [name for name in spec.resolved_params if params.get(name)]
    if not names:
        return params
    resolved = dict(params)
    for name in names:
        resolved[name] = spec.param_index[name].widget.resolve(params[name], place, name)
    return resolved
