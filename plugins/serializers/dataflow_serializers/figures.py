"""The `figure` serializer: Plotly figures as Plotly JSON, exported as standalone HTML.

The exported HTML embeds plotly.js (about 4.5 MB), so it opens offline and sends nothing anywhere.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from dataflow.sdk import Serializer

from ._common import deep_sizeof, loaded_class, type_name


class FigureSerializer(Serializer):
    """`plotly.graph_objects.Figure` as Plotly JSON."""

    id = "plotly-figure"
    port_type = "figure"
    python_type = "plotly.graph_objects.Figure"
    export_suffix = ".html"

    def check(self, value: Any) -> None:
        """Raise TypeError unless `value` is a Plotly Figure (a figure dict is not accepted)."""
        if loaded_class("plotly.basedatatypes", "BaseFigure") is not None:
            import plotly.graph_objects as go

            if isinstance(value, go.Figure):
                return
        hint = "; wrap it with plotly.graph_objects.Figure(...)" if isinstance(value, dict) else ""
        raise TypeError(f"expected a Plotly Figure, got {type_name(value)}{hint}")

    def dumps(self, value: Any) -> bytes:
        """Plotly JSON bytes (numpy arrays are stored as typed arrays)."""
        import plotly.io as pio

        self.check(value)
        return pio.to_json(value, validate=False, pretty=False).encode("utf-8")

    def loads(self, data: memoryview) -> Any:
        """The Figure stored by `dumps`."""
        import plotly.io as pio

        return pio.from_json(bytes(data).decode("utf-8"), output_type="Figure")

    def sizeof(self, value: Any) -> int:
        """Estimated bytes of the figure's traces and layout (arrays counted by nbytes)."""
        parts = [getattr(value, "_data", None), getattr(value, "_layout", None)]
        if parts[0] is None:  # not the plotly internals this was written against: count the JSON
            return len(self.dumps(value))
        return deep_sizeof(parts)

    def share(self, value: Any) -> Any:
        """A deep copy: figures are mutable and nodes often restyle the one they get
        (`copy.deepcopy` is about 4x faster than `go.Figure(value)`, which validates again)."""
        return copy.deepcopy(value)

    def export(self, value: Any, path: Path) -> None:
        """Write a standalone HTML page with plotly.js embedded (works offline)."""
        import plotly.io as pio

        pio.write_html(value, file=str(path), include_plotlyjs=True, full_html=True, auto_open=False)
