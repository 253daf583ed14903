"""Parameter widgets: metadata inside `Annotated[...]` that says how a parameter is edited and,
optionally, how its value is checked and what else the node's cache key depends on.

The kernel calls every widget through the three methods of `ParamWidget` and knows no widget
by name beyond its own (`Column` and `FilePath` also drive the schema pass and file access):

- `check(value, context)` when a workflow is compiled: every problem as `(parameter, message)`;
- `check_schema(value, schema)` in the schema pass, when the first table input's columns are known;
- `chosen_version(value, context)` when the graph is built, for a parameter that picks a
  registered contribution with a version of its own: a new version misses the cache and is
  explained as "<what> version changed".

Domain widgets live with their domain: `Formula` in the SDK (its checker is the formula
interpreter), `ModelChoice` in the sklearn plugin (it checks the chosen estimator).

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
from typing import TYPE_CHECKING, Any, Literal

from .pathcheck import path_problem

if TYPE_CHECKING:
    from .registry import Registry
    from .schema import TableSchema
    from .spec import ParamSpec


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
class ChosenVersion:
    """A registered item a parameter picked and its version: `what` names the kind of item
    ("model") in the stale reason, `version` is any text that changes with the item."""

    what: str
    id: str
    version: str


class ParamWidget:
    """Base of every widget metadata class; subclasses are frozen dataclasses and override what
    they need. The defaults accept every value and add nothing to the cache key."""

    __slots__ = ()

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """Problems with the (type-checked) value as `(parameter name, message)`; none by default."""
        return ()

    def check_schema(self, value: Any, schema: TableSchema) -> str | None:
        """A problem of the value against the columns of the node's first table input, or None."""
        return None

    def chosen_version(self, value: Any, context: ParamContext) -> ChosenVersion | None:
        """The registered item the value picks and its version, when that belongs in the cache key."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON the app and `dataflow nodes --json` read: `kind` (the class name, lower case)
        and each field, tuples as lists."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} if dataclasses.is_dataclass(self) else {}
        return {"kind": type(self).__name__.lower(),
                **{k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}}


def versioned(widget: ParamWidget | None) -> bool:
    """True when the widget may add a chosen item's version to the cache key."""
    return widget is not None and type(widget).chosen_version is not ParamWidget.chosen_version


@dataclass(frozen=True, slots=True)
class Column(ParamWidget):
    """The parameter names column(s) of the table on input `port` (the first table input if None).

    The app fills a picker from the upstream columns; `list[str]` parameters pick several.
    `kinds` limits the columns to those kinds ("number", "text", ... as in `dataflow.kernel.schema`;
    an integer column is a number); `required` says an empty value is a mistake. Validation checks
    all three against the upstream table's schema before anything runs.
    """

    port: str | None = None
    kinds: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True, slots=True)
class FilePath(ParamWidget):
    """The parameter is a path to a file.

    With mode "read" the engine resolves it against the workflow's folder and adds the
    file's fingerprint (path, size, modification time) to the node's cache key, so an edited
    file re-runs the node and its downstream.
    """

    mode: Literal["read", "write"] = "read"
    extensions: tuple[str, ...] = ()

    def check(self, value: Any, context: ParamContext) -> Iterable[tuple[str, str]]:
        """A path that cannot name a file (a folder, a device, a name too long) is a problem."""
        problem = path_problem(value, context.folder) if isinstance(value, str) and value else None
        return [(context.param.name, problem)] if problem else []


@dataclass(frozen=True, slots=True)
class Secret(ParamWidget):
    """The parameter holds a secret: shown masked, never written into a workflow file."""


@dataclass(frozen=True, slots=True)
class FormatChoice(ParamWidget):
    """The `str` parameter names a registered source connector (a file format) by id, or "auto"
    for the one matching the file's extension. The app offers the installed formats: for `mode`
    "write" only those that can write, and only those producing `port_type` (None: any). Like
    a plain `str` parameter it accepts any text; the node reports an unknown format when it runs.
    """

    mode: Literal["read", "write"] = "read"
    port_type: str | None = "table"
