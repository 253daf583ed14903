"""A new file format for the generic `io.read_file` / `io.write_file` nodes: edge lists.

An `.edgelist` file holds one edge per line, `source target [weight]`, separated by spaces;
`#` starts a comment. It is read as a table with columns source, target and weight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError, SourceConnector


class EdgeListConnector(SourceConnector):
    id = "edgelist"
    label = "Edge list (source target weight)"
    extensions = (".edgelist",)
    port_type = "table"
    can_write = True

    def read(self, path: Path, **options: Any) -> Any:
        import pandas as pd

        rows = []
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            if len(parts) not in (2, 3):
                raise NodeError(f"{path.name}, line {number}: expected 'source target [weight]', got {line!r}")
            try:
                weight = float(parts[2]) if len(parts) == 3 else 1.0
            except ValueError:
                raise NodeError(f"{path.name}, line {number}: the weight {parts[2]!r} is not a number") from None
            rows.append((parts[0], parts[1], weight))
        return pd.DataFrame(rows, columns=["source", "target", "weight"])

    def write(self, value: Any, path: Path, **options: Any) -> None:
        lines = [f"{s} {t} {w:g}" for s, t, w in value[["source", "target", "weight"]].itertuples(index=False)]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
