"""The pack's own port type, `graph`: an undirected weighted graph, stored as JSON.

    GRAPH = PortType("graph", ...)      # nodes annotate ports with it, like Table
    GraphSerializer                      # how DataFlow caches and exports it
    show_graph                           # how the app draws it (a viewer)
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.sdk import PortType, Serializer

GRAPH = PortType("graph", "an undirected weighted graph (dataflow_network.Graph)")


@dataclass(frozen=True)
class Graph:
    """Nodes and weighted edges; immutable, so a cached graph can be shared safely."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, float], ...]
    _adjacency: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def neighbours(self) -> dict[str, list[str]]:
        """Each node's neighbours (built on first use)."""
        if not self._adjacency:
            adjacency: dict[str, list[str]] = defaultdict(list)
            for source, target, _ in self.edges:
                adjacency[source].append(target)
                adjacency[target].append(source)
            self._adjacency.update({node: adjacency.get(node, []) for node in self.nodes})
        return self._adjacency

    def to_json(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes), "edges": [list(e) for e in self.edges]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Graph:
        return cls(tuple(data["nodes"]), tuple((str(s), str(t), float(w)) for s, t, w in data["edges"]))


class GraphSerializer(Serializer):
    """Graphs as JSON: safe to share, exported as a `.graph.json` file."""

    id = "network-graph-json"
    port_type = "graph"
    python_type = "dataflow_network.graph.Graph"
    export_suffix = ".graph.json"

    def check(self, value: Any) -> None:
        if not isinstance(value, Graph):
            raise TypeError(f"expected a dataflow_network Graph, got {type(value).__name__}")

    def dumps(self, value: Graph) -> bytes:
        return json.dumps(value.to_json(), separators=(",", ":")).encode()

    def loads(self, data: memoryview) -> Graph:
        return Graph.from_json(json.loads(bytes(data)))

    def sizeof(self, value: Graph) -> int:
        return 100 * (len(value.nodes) + len(value.edges))

    def export(self, value: Graph, path: Path) -> None:
        path.write_text(json.dumps(value.to_json(), indent=1))


def show_graph(value: Graph, container: Any) -> None:
    """The app's viewer for `graph` outputs: counts, then the graph drawn with Graphviz."""
    container.caption(f"{len(value.nodes)} nodes, {len(value.edges)} edges")
    lines = [f'"{s}" -- "{t}" [label="{w:g}"]' for s, t, w in value.edges[:500]]
    container.graphviz_chart("graph {\n" + "\n".join(lines) + "\n}")
