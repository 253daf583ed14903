"""The data-source connector interface used by generic read/write nodes.

A new file format (or a database) is a new connector registered through `register_sources`,
not a new node: the generic `io.read_file` node offers every registered connector, and its
`FormatChoice` parameter lists them in the app's form (`format_choices`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from .errors import NodeError
from .spec import FormatChoice


class SourceConnector(ABC):
    """Reads (and optionally writes) one data format.

        class TsvConnector(SourceConnector):
            id = "tsv"
            label = "Tab-separated text"
            extensions = (".tsv", ".tab")

            def read(self, path, **options):
                return pd.read_csv(path, sep="\\t", **options)

            def write(self, value, path, **options):
                value.to_csv(path, sep="\\t", index=False)
    """

    id: ClassVar[str]
    label: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()
    port_type: ClassVar[str] = "table"
    can_write: ClassVar[bool] = False

    @abstractmethod
    def read(self, path: Path, **options: Any) -> Any:
        """Read the file at `path` (already resolved and granted) into a value of `port_type`."""

    def write(self, value: Any, path: Path, **options: Any) -> None:
        """Write `value` to `path`; only called when `can_write` is True."""
        raise NotImplementedError(f"connector '{self.id}' cannot write")

    def matches(self, path: Path) -> bool:
        """True when this connector handles the file's extension."""
        return path.suffix.lower() in self.extensions


def usable_connectors(connectors: dict[str, SourceConnector], *, writing: bool = False,
                      port_type: str | None = None) -> dict[str, SourceConnector]:
    """The connectors that can write (when `writing`) and produce `port_type` (None: any), by id."""
    return {cid: c for cid, c in connectors.items()
            if (c.can_write or not writing) and (port_type is None or c.port_type == port_type)}


def format_choices(connectors: dict[str, SourceConnector], choice: FormatChoice) -> dict[str, str]:
    """What a `FormatChoice` parameter offers, id -> label for a form: "auto", then every installed
    connector that fits, sorted by id ("tsv" -> "tsv: Tab-separated text · .tsv, .tab")."""
    usable = usable_connectors(connectors, writing=choice.mode == "write", port_type=choice.port_type)
    choices = {"auto": "auto: from the file's extension"}
    for cid, connector in sorted(usable.items()):
        extensions = f" · {', '.join(connector.extensions)}" if connector.extensions else ""
        choices[cid] = f"{cid}: {connector.label or cid}{extensions}"
    return choices


def find_connector(connectors: dict[str, SourceConnector], path: Path, format: str = "auto", *,
                   writing: bool = False) -> SourceConnector:
    """The connector for `path`: the one named by `format`, else the one whose extensions match.

    Raises `NodeError` (parameter `format`) listing the formats that are installed.
    """
    usable = usable_connectors(connectors, writing=writing)
    verb = "write" if writing else "read"
    available = ", ".join(f"{cid} ({', '.join(c.extensions) or 'any'})" for cid, c in sorted(usable.items()))
    if format and format != "auto":
        if format in usable:
            return usable[format]
        raise NodeError(f"no installed connector can {verb} format '{format}'; installed: {available or 'none'}",
                        param="format")
    for connector in usable.values():
        if connector.matches(path):
            return connector
    raise NodeError(f"cannot tell how to {verb} '{path.name}' from its extension '{path.suffix}'; choose a "
                    f"format, one of: {available or 'none (is dataflow-io installed?)'}", param="format")
