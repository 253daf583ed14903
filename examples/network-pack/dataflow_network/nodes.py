"""Network nodes: build a graph from a table of edges, and measure it."""

from __future__ import annotations

from typing import Annotated

from dataflow.sdk import Column, Help, NodeError, Table, node

from .graph import GRAPH, Graph


def _require(table: Table, column: str, param: str) -> None:
    if column not in table.columns:
        columns = ", ".join(map(str, table.columns))
        raise NodeError(f"column '{column}' does not exist; columns: {columns}", param=param)


@node(category="Network", version=2, renamed={"from_column": "source"})
def from_edges(
    table: Table,
    *,
    source: Annotated[str, Column("table"), Help("The column holding each edge's first end")] = "source",
    target: Annotated[str, Column("table"), Help("The column holding each edge's other end")] = "target",
    weight: Annotated[str, Column("table"), Help("The column of edge weights; empty: every edge weighs 1")] = "",
) -> GRAPH:
    """Build a graph from a table with one edge per row."""
    _require(table, source, "source")
    _require(table, target, "target")
    if weight:
        _require(table, weight, "weight")
    ends = table[[source, target]].astype(str)
    weights = table[weight].astype(float) if weight else [1.0] * len(table)
    edges = tuple(zip(ends[source], ends[target], map(float, weights), strict=True))
    nodes = tuple(dict.fromkeys([*ends[source], *ends[target]]))
    return Graph(nodes, edges)


@node(category="Network")
def degrees(graph: GRAPH) -> Table:
    """Count each node's neighbours: a table of node and degree, busiest first."""
    import pandas as pd

    counts = {name: len(neighbours) for name, neighbours in graph.neighbours().items()}
    table = pd.DataFrame({"node": list(counts), "degree": list(counts.values())})
    return table.sort_values(["degree", "node"], ascending=[False, True], ignore_index=True)


@node(category="Network")
def components(graph: GRAPH) -> Table:
    """Label each node with its connected component (0 is the largest)."""
    import pandas as pd

    neighbours = graph.neighbours()
    seen: dict[str, int] = {}
    groups: list[list[str]] = []
    for start in graph.nodes:
        if start in seen:
            continue
        group, stack = [], [start]
        seen[start] = len(groups)
        while stack:
            current = stack.pop()
            group.append(current)
            for other in neighbours[current]:
                if other not in seen:
                    seen[other] = len(groups)
                    stack.append(other)
        groups.append(group)
    order = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), min(groups[i])))
    rank = {old: new for new, old in enumerate(order)}
    return pd.DataFrame({"node": list(seen), "component": [rank[c] for c in seen.values()]})
