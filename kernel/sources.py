"""The data-source connector interface used by generic read/write nodes.

A new file format (or a database) is a new connector registered through `register_sources`,
not a new node: the generic `io.read_file` node offers every registered connector, and its
`FormatChoice` parameter lists them in the app's form (`dataflow.sdk.sources`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar


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
