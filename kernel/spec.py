"""What a node is, as data: port types, parameter metadata, and the frozen node specification.

The SDK's `@node` decorator builds a `NodeSpec` from a plain function (`dataflow.sdk.declare`);
the engine, the validator, the CLI and the UI only ever read these objects and never look at
the function itself. The widget protocol is in `widgets.py`; the widgets are the SDK's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .widgets import ParamWidget, overrides

__all__ = ["ARRAY", "BUILTIN_PORT_TYPES", "FIGURE", "METRICS", "MODEL", "NODE_ATTRIBUTE", "PARAMS", "SERIES", "TABLE",
           "Bounds", "CachePolicy", "Help", "Label", "NodeSpec", "OptionalPort", "ParamSpec", "ParamWidget", "PortSpec",
           "PortType", "Step"]

#: the attribute `@node` sets on a function: the `NodeSpec` that `register_nodes` hands the kernel
NODE_ATTRIBUTE = "__dataflow_node__"

@dataclass(frozen=True, slots=True)
class PortType:
    """A kind of value that travels along an edge (`table`, `model`, ...).

    Ports connect when their types have the same name. A node pack declares a new one with
    `PortType("graph", "a networkx graph")` and registers a serializer for it.
    """

    name: str
    description: str = ""

    def __or__(self, other: object) -> OptionalPort:
        if other is None or other is type(None):
            return OptionalPort(self)
        return NotImplemented

    def __ror__(self, other: object) -> OptionalPort:
        return self.__or__(other)

    def __repr__(self) -> str:
        return f"PortType({self.name!r})"


@dataclass(frozen=True, slots=True)
class OptionalPort:
    """`Table | None` in an input annotation: the input may be left unconnected."""

    port_type: PortType


TABLE = PortType("table", "a table (pandas DataFrame)")
SERIES = PortType("series", "a column (pandas Series)")
MODEL = PortType("model", "a fitted model (scikit-learn estimator)")
METRICS = PortType("metrics", "named scores (dict of numbers)")
PARAMS = PortType("params", "a dictionary of settings")
ARRAY = PortType("array", "an array (numpy ndarray)")
FIGURE = PortType("figure", "a chart (Plotly figure)")
BUILTIN_PORT_TYPES = {t.name: t for t in (TABLE, SERIES, MODEL, METRICS, PARAMS, ARRAY, FIGURE)}


# --- parameter metadata, used inside Annotated[...] -------------------------------------

@dataclass(frozen=True, slots=True)
class Help:
    """Help text shown under the parameter's field."""

    text: str


@dataclass(frozen=True, slots=True)
class Label:
    """The parameter's label in the form (defaults to its name, humanised)."""

    text: str


@dataclass(frozen=True, slots=True)
class Bounds:
    """Inclusive numeric bounds; either side may be None."""

    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """Increment of a number field."""

    value: float


# --- specifications ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PortSpec:
    """One input or output port."""

    name: str
    type: PortType
    optional: bool = False
    help: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type.name, "optional": self.optional, "help": self.help}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: its JSON-level type, default and the metadata that builds its form field.

    `kind` is one of "bool", "int", "float", "str", "list", "dict"; `item_kind` gives the
    element kind of lists and the value kind of dicts. `choices` comes from `Literal[...]`.
    """

    name: str
    kind: str
    default: Any
    item_kind: str | None = None
    nullable: bool = False
    choices: tuple[Any, ...] | None = None
    bounds: Bounds | None = None
    step: float | None = None
    help: str = ""
    label: str = ""
    widget: ParamWidget | None = None

    @property
    def type_name(self) -> str:
        """The human/JSON name of the type: `int`, `list[str]`, `str | None`, ..."""
        base = self.kind
        if self.kind == "list":
            base = f"list[{self.item_kind}]"
        elif self.kind == "dict":
            base = f"dict[str, {self.item_kind}]"
        return f"{base} | None" if self.nullable else base

    def to_dict(self) -> dict[str, Any]:
        widget = self.widget.to_dict() if self.widget is not None else None
        return {
            "name": self.name,
            "type": self.type_name,
            "default": self.default,
            "choices": list(self.choices) if self.choices is not None else None,
            "min": self.bounds.min if self.bounds else None,
            "max": self.bounds.max if self.bounds else None,
            "step": self.step,
            "help": self.help,
            "label": self.label,
            "widget": widget,
        }


CachePolicy = Literal["all", "keep", "memory", "none"]


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """Everything the kernel knows about a node type. Built once by `@node`, never mutated.

    `type_id` is None until a plugin registers the function: the registry then fills it in as
    `<entry point name>.<function name>` unless the decorator named one.
    """

    fn: Callable[..., Any]
    name: str
    category: str
    label: str
    version: int
    description: str
    help: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    params: tuple[ParamSpec, ...]
    multi_output: bool
    type_id: str | None = None
    cache: CachePolicy = "all"
    fingerprint: Callable[[dict[str, Any]], str] | None = None
    deprecated: str | None = None
    plugin: str | None = None
    renamed: tuple[tuple[str, str], ...] = ()  # (old parameter name, new name) for old workflow files
    #: (version, fn): `fn(params) -> params` turns a node's parameters saved with `version` into
    #: those of `version + 1` (applied in order when a file saved with an older version is compiled)
    migrations: tuple[tuple[int, Callable[[dict[str, Any]], dict[str, Any]]], ...] = ()
    #: how the output schemas follow from the input schemas and parameters, without data (see `@node`)
    schema: Callable[..., Any] | None = None
    param_index: dict[str, ParamSpec] = field(default_factory=dict, compare=False, repr=False)
    #: facts that follow from the fields above, fixed at construction: the input ports' names in
    #: call order, each port's type name, the parameters whose widget resolves their value for the
    #: call or fingerprints what it reads, whether the key needs such a fingerprint, and the
    #: parameters whose choice adds a version to it
    input_names: tuple[str, ...] = field(init=False, default=(), compare=False, repr=False)
    input_types: dict[str, str] = field(init=False, default_factory=dict, compare=False, repr=False)
    output_types: dict[str, str] = field(init=False, default_factory=dict, compare=False, repr=False)
    resolved_params: tuple[str, ...] = field(init=False, default=(), compare=False, repr=False)
    fingerprinted_params: tuple[str, ...] = field(init=False, default=(), compare=False, repr=False)
    reads_sources: bool = field(init=False, default=False, compare=False, repr=False)
    versioned_params: tuple[ParamSpec, ...] = field(init=False, default=(), compare=False, repr=False)
    #: the digest of the node's code and what it is defined with (`dataflow.sdk.codeprint`): a
    #: zero-argument callable supplied by the SDK, computed on its first call (None: no code print)
    code_print: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        derived = {
            "input_names": tuple(p.name for p in self.inputs),
            "input_types": {p.name: p.type.name for p in self.inputs},
            "output_types": {p.name: p.type.name for p in self.outputs},
            "resolved_params": tuple(p.name for p in self.params if overrides(p.widget, "resolve")),
            "fingerprinted_params": tuple(p.name for p in self.params if overrides(p.widget, "fingerprint")),
            "versioned_params": tuple(p for p in self.params if overrides(p.widget, "chosen_version")),
        }
        derived["reads_sources"] = self.fingerprint is not None or bool(derived["fingerprinted_params"])
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def code_fingerprint(self) -> str:
        """Part of the cache key, so an edited node recomputes; "" for a spec built without the SDK."""
        return self.code_print() if self.code_print is not None else ""

    def input(self, name: str) -> PortSpec | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> PortSpec | None:
        return next((p for p in self.outputs if p.name == name), None)

    @property
    def qualname(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape `dataflow nodes --json` prints and the app's palette reads."""
        return {
            "type": self.type_id,
            "plugin": self.plugin,
            "label": self.label,
            "category": self.category,
            "description": self.description,
            "help": self.help,
            "version": self.version,
            "deprecated": self.deprecated,
            "inputs": [p.to_dict() for p in self.inputs],
            "outputs": [p.to_dict() for p in self.outputs],
            "params": [p.to_dict() for p in self.params],
            "declares_schema": self.schema is not None,
        }
