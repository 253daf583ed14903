"""Source connectors for generic read/write nodes: `connectors()` and `connector_for(path)`.

    @node(category="Input")
    def read_any(*, path: Annotated[str, FilePath("read")] = "",
                 format: Annotated[str, FormatChoice("read")] = "auto") -> Table:
        return connector_for(path, format).read(Path(path))

`FormatChoice` makes the app offer "auto" and the installed formats that fit as choices.
"""

from __future__ import annotations

from pathlib import Path

from dataflow.kernel.errors import NodeError
from dataflow.kernel.plugins import run_registry
from dataflow.kernel.sources import SourceConnector

from .widgets import FormatChoice


def connectors(port_type: str | None = None) -> dict[str, SourceConnector]:
    """Every registered source connector by id (only those producing `port_type` when given)."""
    found = run_registry().sources
    return {cid: c for cid, c in found.items() if port_type is None or c.port_type == port_type}


def connector_for(path: str | Path, format: str = "auto", *, writing: bool = False) -> SourceConnector:
    """The connector named `format`, or the one matching the file's extension when it is "auto";
    a `NodeError` on parameter `format` lists the installed formats otherwise."""
    return find_connector(connectors(), Path(path), format, writing=writing)


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
