"""The serializer interface: how values of one port type are checked, stored, exported and collected.

The kernel never looks inside a value. It asks the serializer registered for the port type
to check a node's output, to estimate its size for the memory tier, to hand out a copy that
a downstream node may not corrupt, to turn it into bytes for the disk tier and the process
pool, and to export it for `dataflow run --output-dir`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from .errors import OutputTypeError


class Serializer(ABC):
    """Stores values of one port type.

    Example, for a pack's own `graph` port type:

        class GraphSerializer(Serializer):
            id = "networkx-json"
            port_type = "graph"
            python_type = "networkx.Graph"
            export_suffix = ".json"

            def check(self, value):
                if not isinstance(value, nx.Graph):
                    raise TypeError(f"expected a networkx graph, got {type(value).__name__}")

            def dumps(self, value):
                return json.dumps(nx.node_link_data(value)).encode()

            def loads(self, data):
                return nx.node_link_graph(json.loads(bytes(data)))
    """

    id: ClassVar[str]
    port_type: ClassVar[str]
    python_type: ClassVar[str] = "object"
    #: file suffix of `export`, or None when values of this type are not exported
    export_suffix: ClassVar[str | None] = None
    #: the port type `collect` returns (a loop's output), or None when values are not collected
    collects_to: ClassVar[str | None] = None

    def check(self, value: Any) -> None:
        """Raise TypeError with a readable message when `value` is not of this port type."""

    @abstractmethod
    def dumps(self, value: Any) -> bytes | memoryview:
        """Encode a value as bytes."""

    @abstractmethod
    def loads(self, data: memoryview) -> Any:
        """Decode bytes made by `dumps`; `data` may be a memory map, valid while the value lives."""

    def dump_file(self, value: Any, path: Path) -> bool:
        """Write bytes that `loads` reads back as it reads `dumps(value)` (the same bytes, or a
        layout suited to a large value) into the new file `path`, without building them in memory
        first, and return True; or return False (the default) to let the caller use `dumps`. The
        disk tier calls it for large values: streaming a 100 MB table into its file costs one copy
        instead of two."""
        return False

    def dump_compact(self, value: Any, path: Path) -> bool:
        """As `dump_file`, smaller on disk at some cost in reading speed: the disk tier calls it for
        a large output of a node that reads outside data (a CSV's table), whose stored copy is
        compared with reading its source again, not with a memory copy. Default: `dump_file`."""
        return self.dump_file(value, path)

    def sizeof(self, value: Any) -> int:
        """Approximate bytes held in memory by `value` (bounds the memory tier)."""
        import sys

        return sys.getsizeof(value)

    def share(self, value: Any) -> Any:
        """A view of `value` safe to hand to a node: nothing the node does to it (in-place edits,
        forcing a read-only array writable, editing mutable objects it holds) may change `value`,
        which other consumers and the cache keep. Called once per consumer: keep it cheap."""
        return value

    def collect(self, items: list[tuple[dict[str, Any], Any]]) -> Any:
        """One value of type `collects_to` from a loop's results: `items` pairs the columns naming
        each iteration (`{"file": "2024-01.csv"}`) with its value, in item order."""
        raise NotImplementedError(f"{type(self).__name__} does not collect values")

    def collect_again(self, items: list[tuple[dict[str, Any], Any]], previous: tuple[Any, list[Any]] | None,
                      reused: dict[int, int]) -> tuple[Any, list[Any]] | None:
        """`collect`, plus a small JSON note per item (its rows, its columns' types), so that a loop
        that runs again after some items changed can reuse the other items' rows of its previous
        result. `previous`: (the value, its notes) this method returned last time, or None.
        `reused`: item index -> the index of a previous item whose rows it takes unchanged; those
        items' values in `items` are None (never read back). Return None (the default) when the
        result cannot be guaranteed equal, table and types, to `collect` of every item's value: the
        loop then collects every item. Notes None: no later collect could reuse this result's rows."""
        return None

    def collect_schema(self, label: dict[str, Any], schema: Any) -> Any:
        """The schema of what `collect` returns, from one item's `label` (its naming columns, a value
        each, None when unknown) and the schema of its value (None when unknown); None: unknown."""
        return None

    def split(self, value: Any, keys: list[str]) -> list[tuple[dict[str, Any], Any]]:
        """`value` split into groups by the `keys` columns, each with its key values, for a loop
        over groups; KeyError naming a key that is not there."""
        raise NotImplementedError(f"{type(self).__name__} does not split values into groups")

    def export(self, value: Any, path: Path) -> None:
        """Write `value` to `path` (suffix `export_suffix`) in a format people open elsewhere."""
        raise NotImplementedError(f"{type(self).__name__} does not export values")


def check_output(serializer: Serializer, port: str, value: Any) -> None:
    """Raise `OutputTypeError` naming the port when `value`, returned on output `port`, fails the
    check of its port type's serializer. The engine checks every computed output so, and the SDK's
    `run_node` does the same, so a pack's own test fails where a workflow would."""
    try:
        serializer.check(value)
    except TypeError as exc:
        raise OutputTypeError(f"output '{port}' is not a {serializer.port_type}: {exc}") from exc


def check_outputs(codecs: Mapping[str, Serializer | None], outputs: Mapping[str, Any]) -> None:
    """`check_output` for each output that has a serializer (`codecs`: port -> serializer)."""
    for port, serializer in codecs.items():
        if serializer is not None:
            check_output(serializer, port, outputs[port])
