"""`@node`: turn a typed Python function into a `NodeSpec`, the one way a node is declared.

Positional parameters are input ports (annotated with port types, `Table | None` for an
optional input), keyword-only parameters are node parameters with Python defaults
(`Literal[...]` for choices, `Annotated[...]` for bounds/step/help/widgets), the docstring's
first line is the description and the return annotation gives the outputs: one port type,
a TypedDict of port types for several named outputs, or `None` for a sink.

The kernel never reads a function: it receives the `NodeSpec` built here, which carries the
code fingerprint (`codeprint.py`) as a memoized callable the kernel only calls.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable
from types import NoneType, UnionType
from typing import Any, Literal, TypeVar, get_args, get_origin

from dataflow.kernel.errors import NodeDefinitionError
from dataflow.kernel.params import check_value, coerce_value
from dataflow.kernel.spec import (
    NODE_ATTRIBUTE,
    Bounds,
    CachePolicy,
    Help,
    Label,
    NodeSpec,
    OptionalPort,
    ParamSpec,
    ParamWidget,
    PortSpec,
    PortType,
    Step,
)

from .codeprint import CodePrint

F = TypeVar("F", bound=Callable[..., Any])
Fail = Callable[[str], NodeDefinitionError]
_SCALARS = {bool: "bool", int: "int", float: "float", str: "str"}

#: what other declarations (the sklearn plugin's `@estimator`) build on: the parameter rules of nodes
__all__ = ["ParamSpec", "check_value", "coerce_value", "keyword_params", "node", "param_spec", "spec_of"]


def spec_of(fn: Any) -> NodeSpec | None:
    """The spec attached by `@node`, or None when `fn` is not a node."""
    return getattr(fn, NODE_ATTRIBUTE, None)


def node(
    fn: F | None = None,
    *,
    category: str = "Other",
    label: str | None = None,
    version: int = 1,
    type_id: str | None = None,
    cache: CachePolicy = "all",
    fingerprint: Callable[[dict[str, Any]], str] | None = None,
    deprecated: str | None = None,
    renamed: dict[str, str] | None = None,
    migrations: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    schema: Callable[..., Any] | None = None,
) -> Any:
    """Declare a node. Use bare (`@node`) or with options (`@node(category="Transform", version=2)`).

    - `category`: where the palette files it ("Transform/Rows").
    - `label`: the name on the canvas (default: the function name, humanised).
    - `version`: bump it when the node's results change; old cache entries stop matching. Edits
      of the function itself (and of the helpers and constants of its module it uses) are seen
      without a bump: the cache key includes a fingerprint of its code.
    - `type_id`: the full type id, when `<entry point>.<function name>` is not wanted.
    - `cache`: "all" (memory and disk; on disk, an output of 32 MB or more is kept only when the node
      reads outside data, anything else that large is recomputed from its cached inputs), "keep"
      (as "all", large outputs kept too: recomputing them costs more than reading them back),
      "memory" (cheaper to redo than to read back from disk) or "none".
    - `fingerprint`: for sources that read something other than a file parameter, a function
      of the parameters returning a string that changes when the data changes.
    - `deprecated`: a message shown when the node is used.
    - `renamed`: `{"old name": "new name"}` for parameters renamed in a new version: a workflow
      file saved with the old name loads with its value moved to the new one.
    - `migrations`: `{old version: fn}` where `fn(params) -> params` turns the parameters a workflow
      saved with that version of the node into those of the next version (change a value, split
      one into two): a file saved with version 1 of a version-3 node runs `{1: ..., 2: ...}` in
      order when it is opened. Workflow files record each node's version (format 0.2.0).

          @node(version=2, migrations={1: lambda p: {**p, "fraction": p.pop("percent", 30) / 100}})
          def split(table: Table, *, fraction: float = 0.3) -> ...: ...
    - `schema`: how the output's columns follow from the inputs' columns and the parameters,
      without data. It is called like the node, each table input replaced by its `TableSchema`
      (None where unknown), and returns a `TableSchema` (a dict of them by output name for
      several outputs), or None when the columns depend on the data. Raise `NodeError(param=...)`
      for a mistake you are sure of. Without it the node's output columns are unknown downstream.

          def _keep_schema(table, *, columns, mode):
              return table.select(columns) if mode == "keep" else table.drop(columns)

          @node(schema=_keep_schema)
          def keep(table: Table, *, columns: list[str] = [], mode: str = "keep") -> Table: ...

    The function is returned unchanged (a unit test is a plain call), with its `NodeSpec` attached
    (`spec_of(fn)`). Raises NodeDefinitionError at import when the declaration is wrong, naming the node.
    """
    options = {"category": category, "label": label, "version": version, "type_id": type_id, "cache": cache,
               "fingerprint": fingerprint, "deprecated": deprecated, "renamed": renamed, "schema": schema,
               "migrations": migrations}

    def decorate(function: F) -> F:
        setattr(function, NODE_ATTRIBUTE, _declare(function, **options))
        return function

    return decorate(fn) if fn is not None else decorate


def _declare(
    fn: Callable[..., Any],
    *,
    category: str,
    label: str | None,
    version: int,
    type_id: str | None,
    cache: CachePolicy,
    fingerprint: Callable[[dict[str, Any]], str] | None,
    deprecated: str | None,
    renamed: dict[str, str] | None,
    migrations: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] | None,
    schema: Callable[..., Any] | None,
) -> NodeSpec:
    """Read `fn` and return its spec; raise NodeDefinitionError naming the node on any mistake."""
    where = f"node '{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}'"

    def fail(message: str) -> NodeDefinitionError:
        return NodeDefinitionError(f"{where}: {message}")

    if not callable(fn) or not hasattr(fn, "__code__"):
        raise fail("@node decorates plain functions only")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail(f"version must be a positive integer, got {version!r}")
    if cache not in ("all", "keep", "memory", "none"):
        raise fail(f"cache must be 'all', 'keep', 'memory' or 'none', got {cache!r}")
    if schema is not None and not callable(schema):
        raise fail(f"schema must be a function of the input schemas and parameters, got {schema!r}")
    if type_id is not None and (not isinstance(type_id, str) or "." not in type_id or " " in type_id):
        raise fail(f"type_id must look like 'pack.name', got {type_id!r}")
    hints = _hints(fn, fail)

    inputs: list[PortSpec] = []
    params: list[ParamSpec] = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise fail(f"'{p.name}': *args and **kwargs are not supported; declare each port and parameter")
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            inputs.append(_input_port(p, hints.get(p.name, p.empty), fail))
        else:
            params.append(param_spec(p, hints.get(p.name, p.empty), fail))

    if "return" not in hints:
        raise fail("annotate the return type: a port type (-> Table), a TypedDict of port types, or None")
    outputs, multi = _outputs(hints["return"], fail)

    names = [p.name for p in inputs] + [p.name for p in params]
    doc = inspect.getdoc(fn) or ""
    if not doc.strip():
        raise fail('add a docstring: its first line is the description users see (""" Keep rows where ... """)')
    description, _, rest = doc.strip().partition("\n")
    if len(set(names)) != len(names):
        raise fail("a name is used twice")
    param_names = {p.name for p in params}
    for old, new in (renamed or {}).items():
        if new not in param_names:
            raise fail(f"renamed={{{old!r}: {new!r}}}: there is no parameter '{new}'")
        if old in param_names:
            raise fail(f"renamed={{{old!r}: {new!r}}}: '{old}' is still a parameter")
    for old_version, step in (migrations or {}).items():
        if not isinstance(old_version, int) or not 1 <= old_version < version or not callable(step):
            raise fail(f"migrations={{{old_version!r}: ...}}: each key is a version below {version} and each value "
                       "a function turning that version's parameters into the next version's")
    spec = NodeSpec(
        fn=fn,
        name=fn.__name__,
        category=category,
        label=label or fn.__name__.replace("_", " ").capitalize(),
        version=version,
        description=description.strip(),
        help=rest.strip(),
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        params=tuple(params),
        multi_output=multi,
        type_id=type_id,
        cache=cache,
        fingerprint=fingerprint,
        deprecated=deprecated,
        renamed=tuple((renamed or {}).items()),
        migrations=tuple(sorted((migrations or {}).items())),
        schema=schema,
        code_print=CodePrint(fn),
    )
    spec.param_index.update({p.name: p for p in params})
    return spec


def _hints(fn: Callable[..., Any], fail: Fail) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # a NameError in a string annotation, for instance
        raise fail(f"its annotations cannot be resolved: {exc}") from exc


def keyword_params(fn: Callable[..., Any], fail: Fail, what: str = "parameters") -> tuple[ParamSpec, ...]:
    """A function's keyword-only parameters read with the node-parameter rules (for declarations
    like the sklearn plugin's `@estimator`); any other parameter is a mistake raised with `fail`."""
    hints = _hints(fn, fail)
    params = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is not p.KEYWORD_ONLY:
            raise fail(f"'{p.name}' is positional: {what} are keyword-only (put them after `*`)")
        params.append(param_spec(p, hints.get(p.name, p.empty), fail))
    return tuple(params)


def _split_annotated(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(annotation) is typing.Annotated:
        base, *meta = get_args(annotation)
        return base, tuple(meta)
    return annotation, ()


def _input_port(p: inspect.Parameter, annotation: Any, fail: Fail) -> PortSpec:
    base, meta = _split_annotated(annotation)
    optional = False
    if isinstance(base, OptionalPort):
        base, optional = base.port_type, True
    if not isinstance(base, PortType):
        raise fail(
            f"input '{p.name}' must be annotated with a port type (Table, Model, ...), got {base!r}; "
            "make node parameters keyword-only (put them after `*`)"
        )
    if p.default is not p.empty and p.default is not None:
        raise fail(f"input '{p.name}' may only default to None (an optional input)")
    optional = optional or p.default is None
    help_text = next((m.text for m in meta if isinstance(m, Help)), "")
    return PortSpec(p.name, base, optional, help_text)


def _outputs(annotation: Any, fail: Fail) -> tuple[list[PortSpec], bool]:
    base, meta = _split_annotated(annotation)
    if base is None or base is NoneType:
        return [], False
    if isinstance(base, PortType):
        help_text = next((m.text for m in meta if isinstance(m, Help)), "")
        return [PortSpec(base.name, base, False, help_text)], False
    if typing.is_typeddict(base):
        ports = []
        for name, ann in typing.get_type_hints(base, include_extras=True).items():
            port_base, port_meta = _split_annotated(ann)
            if not isinstance(port_base, PortType):
                raise fail(f"output '{name}' of {base.__name__} must be a port type, got {port_base!r}")
            ports.append(PortSpec(name, port_base, False,
                                  next((m.text for m in port_meta if isinstance(m, Help)), "")))
        if not ports:
            raise fail(f"{base.__name__} declares no outputs")
        return ports, True
    raise fail(f"the return annotation must be a port type, a TypedDict of port types or None, got {base!r}")


def param_spec(p: inspect.Parameter, annotation: Any, fail: Fail) -> ParamSpec:
    """One keyword-only parameter as a `ParamSpec` (type, default, choices, bounds, help, widget)."""
    name = p.name
    if annotation is p.empty:
        raise fail(f"parameter '{name}' needs a type annotation (int, float, str, bool, Literal[...], list[str])")
    if p.default is p.empty:
        raise fail(f"parameter '{name}' needs a default value, so a new node is valid as dropped on the canvas")
    base, meta = _split_annotated(annotation)
    nullable = False
    if get_origin(base) in (typing.Union, UnionType):
        members = [a for a in get_args(base) if a is not NoneType]
        if len(members) != 1:
            raise fail(f"parameter '{name}': only `X | None` unions are supported")
        base, nullable = members[0], True
        base, more = _split_annotated(base)
        meta = meta + more
    kind, item_kind, choices = _kind_of(base, name, fail)
    bounds = next((m for m in meta if isinstance(m, Bounds)), None)
    step = next((m.value for m in meta if isinstance(m, Step)), None)
    widget = next((m for m in meta if isinstance(m, ParamWidget)), None)
    if bounds is not None and kind not in ("int", "float"):
        raise fail(f"parameter '{name}': Bounds apply to int and float parameters only")
    spec = ParamSpec(
        name=name,
        kind=kind,
        default=p.default,
        item_kind=item_kind,
        nullable=nullable,
        choices=choices,
        bounds=bounds,
        step=step,
        help=next((m.text for m in meta if isinstance(m, Help)), ""),
        label=next((m.text for m in meta if isinstance(m, Label)), name.replace("_", " ").capitalize()),
        widget=widget,
    )
    if isinstance(p.default, float) and not math.isfinite(p.default):
        raise fail(f"parameter '{name}': the default must be a finite number")
    problem = check_value(spec, p.default)
    if problem:
        raise fail(f"the default of parameter '{name}' is invalid: {problem}")
    return spec


def _kind_of(base: Any, name: str, fail: Fail) -> tuple[str, str | None, tuple[Any, ...] | None]:
    if base in _SCALARS:
        return _SCALARS[base], None, None
    origin = get_origin(base)
    if origin is Literal:
        choices = get_args(base)
        kinds = {type(c) for c in choices}
        if len(kinds) != 1 or next(iter(kinds)) not in (str, int, float):
            raise fail(f"parameter '{name}': Literal choices must all be str, or all int/float")
        return _SCALARS[next(iter(kinds))], None, tuple(choices)
    if origin is list:
        (item,) = get_args(base) or (None,)
        if item not in _SCALARS:
            raise fail(f"parameter '{name}': lists must hold str, int, float or bool, e.g. list[str]")
        return "list", _SCALARS[item], None
    if origin is dict:
        key, value = get_args(base) or (None, None)
        if key is str and value is Any:
            return "dict", "json", None
        if key is not str or value not in _SCALARS:
            raise fail(f"parameter '{name}': dicts must map str to str, int, float, bool or Any")
        return "dict", _SCALARS[value], None
    raise fail(
        f"parameter '{name}' has an unsupported type {base!r}; use int, float, str, bool, "
        "Literal[...], list[...] or dict[str, ...] (workflow files store parameters as JSON)"
    )
