"""Where new nodes go, and the on-demand auto-layout (layers left to right by dependency depth)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

NODE_W, NODE_H = 190, 96      # the size a node occupies on the canvas (its style width, typical height)
GAP_X, GAP_Y = 110, 50


def _overlaps(x: float, y: float, taken: Iterable[tuple[float, float]]) -> bool:
    return any(abs(x - tx) < NODE_W + 20 and abs(y - ty) < NODE_H + 16 for tx, ty in taken)


def free_position(taken: list[tuple[float, float]], near: tuple[float, float] | None = None) -> tuple[float, float]:
    """A position that overlaps no node: right of `near` (then below it, then further out), or,
    without `near`, the first free cell of a grid below and right of the existing nodes' origin."""
    if near is not None:
        nx, ny = near
        offsets = sorted(((dx, dy) for dx in range(-8, 9) for dy in range(-8, 9) if (dx, dy) != (0, 0)),
                         key=lambda d: (abs(d[0]) + abs(d[1]), d[0] < 0, abs(d[1]), d[1] < 0))
        for dx, dy in offsets:
            x, y = nx + dx * (NODE_W + GAP_X), ny + dy * (NODE_H + GAP_Y)
            if not _overlaps(x, y, taken):
                return (x, y)
    x0 = min((t[0] for t in taken), default=0.0)
    y0 = min((t[1] for t in taken), default=0.0)
    for row in range(0, 400):
        for col in range(0, 6):
            x, y = x0 + col * (NODE_W + GAP_X), y0 + row * (NODE_H + GAP_Y)
            if not _overlaps(x, y, taken):
                return (x, y)
    return (x0, y0 + 400 * (NODE_H + GAP_Y))


def layered_layout(node_ids: list[str], edges: Iterable[tuple[str, str]],
                   current: Mapping[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float]]:
    """Positions with every node one layer right of its deepest input; within a layer nodes keep
    their current vertical order. Cycles (invalid anyway) are broken arbitrarily."""
    inputs: dict[str, list[str]] = {n: [] for n in node_ids}
    for source, target in edges:
        if source in inputs and target in inputs:
            inputs[target].append(source)
    depth: dict[str, int] = {}
    for start in node_ids:
        stack = [(start, False)]
        visiting: set[str] = set()
        while stack:
            node, expanded = stack.pop()
            if node in depth:
                continue
            if expanded:
                visiting.discard(node)
                depth[node] = max((depth.get(s, 0) + 1 for s in inputs[node]), default=0)
                continue
            visiting.add(node)
            stack.append((node, True))
            stack.extend((s, False) for s in inputs[node] if s not in depth and s not in visiting)
    current = current or {}
    layers: dict[int, list[str]] = {}
    for node in node_ids:
        layers.setdefault(depth[node], []).append(node)
    result = {}
    for layer, members in layers.items():
        members.sort(key=lambda n: (current.get(n, (0, 0))[1], node_ids.index(n)))
        for index, node in enumerate(members):
            result[node] = (float(layer * (NODE_W + GAP_X + 40)), float(index * (NODE_H + GAP_Y + 20)))
    return result
