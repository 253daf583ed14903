"""Source connectors for generic read/write nodes: `connectors()` and `connector_for(path)`.

    @node(category="Input")
    def read_any(*, path: Annotated[str, FilePath("read")] = "",
                 format: Annotated[str, FormatChoice("read")] = "auto") -> Table:
        return connector_for(path, format).read(Path(path))

`FormatChoice` makes the app offer "auto" and the installed formats that fit as choices.
"""

from __future__ import annotations

from pathlib import Path

from dataflow.kernel.plugins import run_registry
from dataflow.kernel.sources import SourceConnector, find_connector


def connectors(port_type: str | None = None) -> dict[str, SourceConnector]:
    """Every registered source connector by id (only those producing `port_type` when given)."""
    found = run_registry().sources
    return {cid: c for cid, c in found.items() if port_type is None or c.port_type == port_type}


def connector_for(path: str | Path, format: str = "auto", *, writing: bool = False) -> SourceConnector:
    """The connector named `format`, or the one matching the file's extension when it is "auto";
    a `NodeError` on parameter `format` lists the installed formats otherwise."""
    return find_connector(connectors(), Path(path), format, writing=writing)
