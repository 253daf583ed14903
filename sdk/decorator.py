"""The `@node` decorator: attach a frozen spec to a function and return the function unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dataflow.kernel.declare import NODE_ATTRIBUTE, declare_node, spec_of
from dataflow.kernel.spec import CachePolicy

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["node", "spec_of"]


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
    schema: Callable[..., Any] | None = None,
) -> Any:
    """Declare a node. Use bare (`@node`) or with options (`@node(category="Transform", version=2)`).

    - `category`: where the palette files it ("Transform/Rows").
    - `label`: the name on the canvas (default: the function name, humanised).
    - `version`: bump it when the node's results change; old cache entries stop matching. Edits
      of the function itself (and of the helpers and constants of its module it uses) are seen
      without a bump: the cache key includes a fingerprint of its code.
    - `type_id`: the full type id, when `<entry point>.<function name>` is not wanted.
    - `cache`: "all" (memory and disk), "memory" (cheap to redo, e.g. figures) or "none".
    - `fingerprint`: for sources that read something other than a file parameter, a function
      of the parameters returning a string that changes when the data changes.
    - `deprecated`: a message shown when the node is used.
    - `renamed`: `{"old name": "new name"}` for parameters renamed in a new version: a workflow
      file saved with the old name loads with its value moved to the new one.
    - `schema`: how the output's columns follow from the inputs' columns and the parameters,
      without data. It is called like the node, each table input replaced by its `TableSchema`
      (None where unknown), and returns a `TableSchema` (a dict of them by output name for
      several outputs), or None when the columns depend on the data. Raise `NodeError(param=...)`
      for a mistake you are sure of. Without it the node's output columns are unknown downstream.

          def _keep_schema(table, *, columns, mode):
              return table.select(columns) if mode == "keep" else table.drop(columns)

          @node(schema=_keep_schema)
          def keep(table: Table, *, columns: list[str] = [], mode: str = "keep") -> Table: ...

    Raises NodeDefinitionError at import when the declaration is wrong, naming the node.
    """

    def decorate(function: F) -> F:
        spec = declare_node(function, category=category, label=label, version=version, type_id=type_id,
                            cache=cache, fingerprint=fingerprint, deprecated=deprecated,
                            renamed=renamed, schema=schema)
        setattr(function, NODE_ATTRIBUTE, spec)
        return function

    return decorate(fn) if fn is not None else decorate
