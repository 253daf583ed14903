"""Where new nodes go, and the on-demand auto-layout.

New nodes: right of the node they are added next to while the workflow stays at most `MAX_COLS`
columns wide (below it when that place is taken: a branch); at the end of a row, at the start of
the next row, as text wraps; without a node to go next to, the first free cell of a
`MAX_COLS`-wide grid. So a chain built node after node wraps into a block that fit-view keeps
readable (15 nodes at 11 px or more on the 1440x900 screen), instead of one long row it shrinks.

Auto-layout (`layered_layout`), the classic layered (Sugiyama) steps for a left-to-right flow:
1. ranks: every node one layer right of its deepest input (longest path; a cycle, invalid anyway,
   is broken arbitrarily);
2. an edge spanning several layers gets a small placeholder in each layer it crosses, so that
   room is kept for it where it passes;
3. ordering: a few barycentre sweeps (down, then up) sort each layer by the mean position of its
   neighbours in the layer before, which removes most crossings;
4. heights: each node is pulled towards the mean height of its neighbours (nodes, placeholders)
   and then pushed apart to keep `GAP_Y` between boxes, a few rounds each way; a long edge thus
   runs straight through its placeholders' room instead of behind a node.
5. repair: a node an edge still runs through is moved off its path;
6. folding: a workflow deeper than `MAX_COLS` layers is laid out in bands of `MAX_COLS` layers,
   one below the other, so that fit view keeps its text readable (`_folded`); the bands are as
   close as they can be with no edge behind a node (one long row when no gap tried clears them).
How a connection is drawn (`edge_kind`, `edge_points`): React Flow's bezier from the right handle
to the left handle when the target lies right of the source; when it lies left of the source's
right side (a fold's connection into the next band, a wrapped row), a bezier would swoop back
across the target's top corner, so it is drawn as a "smoothstep" path instead: out right, down (or
up) to half-way between the two handles, back left in the room between the rows, and into the left
handle from its left. `edge_hits` tells whether an edge, drawn that way, crosses a node box: any
node it does not join, and its own two nodes away from their handles; tests check layouts with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .kernel_api import NodeSpec

NODE_W, NODE_H = 200, 110     # a node's style width, and a typical height (ports listed)
GAP_X, GAP_Y = 80, 40         # room between columns (edge labels sit there) and between rows
MAX_COLS = 3                  # new nodes wrap after this many columns
DUMMY_H = 40                  # the room kept for a long edge crossing a layer
BAND_GAPS = (GAP_Y, 2 * GAP_Y, 3 * GAP_Y, 4 * GAP_Y, 6 * GAP_Y)   # between a folded layout's bands, tried in turn

STEP_OFFSET = 20              # React Flow's smoothstep: how far the path runs out of a handle before turning
HANDLE_ROOM = 8               # an edge may touch its own node's box this close to the handle it uses
LINE_PX, PAD_PX = 17.6, 22    # a node's text line at 13 px, and its padding and border

Box = tuple[float, float, float, float]   # x, y, width, height


def node_height(spec: NodeSpec | None, detail: str = "") -> float:
    """About how tall a node is on the canvas: its label, status, one line per input and one for
    the outputs (ui/canvas.py's `node_content`), and a status `detail` shown under the status. The
    canvas reports no sizes, so placement and layout use this."""
    # the status line wraps once it holds a time and a table shape: count it twice
    lines = 3 + (len(spec.inputs) + bool(spec.outputs) if spec is not None else 1)
    if detail:
        lines += min(3, 1 + len(detail) // 28)
    return PAD_PX + LINE_PX * lines


def _overlaps(x: float, y: float, h: float, taken: Iterable[Box]) -> bool:
    return any(x < tx + tw + 20 and tx < x + NODE_W + 20 and y < ty + th + 16 and ty < y + h + 16
               for tx, ty, tw, th in taken)


def _boxes(taken: Iterable[tuple[float, ...]]) -> list[Box]:
    """Accept (x, y) or (x, y, w, h) entries."""
    return [(t[0], t[1], NODE_W, NODE_H) if len(t) == 2 else (t[0], t[1], t[2], t[3]) for t in taken]


def free_position(taken: Iterable[tuple[float, ...]], near: tuple[float, ...] | None = None,
                  height: float = NODE_H) -> tuple[float, float]:
    """A position for a new node of `height` that overlaps no node in `taken` ((x, y) or boxes):
    right of `near` while the workflow stays `MAX_COLS` columns wide, else below it (then further
    out); without `near`, the first free cell of a grid `MAX_COLS` wide."""
    boxes = _boxes(taken)
    step_x, step_y = NODE_W + GAP_X, NODE_H + GAP_Y
    x0 = min((b[0] for b in boxes), default=0.0)
    y0 = min((b[1] for b in boxes), default=0.0)
    if near is not None:
        nx, ny = near[0], near[1]
        near_h = near[3] if len(near) == 4 else NODE_H
        x_max = x0 + (MAX_COLS - 1) * step_x + 1
        below = ny + max(near_h, NODE_H) + GAP_Y
        if nx + step_x <= x_max:                          # right of it, else below it (a branch)
            candidates = [(nx + step_x, ny), (nx, below)]
        else:                                             # the row is full: wrap to the next one
            candidates = [(x0 + k * step_x, below) for k in range(MAX_COLS)]
        candidates += [(nx + dx * step_x, ny + dy * step_y) for dy in range(1, 12) for dx in (0, 1, -1, 2, -2)]
        for x, y in candidates:
            if x0 - 0.5 <= x <= x_max and not _overlaps(x, y, height, boxes):
                return (x, y)
    for row in range(0, 400):
        for col in range(0, MAX_COLS):
            x, y = x0 + col * step_x, y0 + row * step_y
            if not _overlaps(x, y, height, boxes):
                return (x, y)
    return (x0, y0 + 400 * step_y)


def _ranks(node_ids: list[str], inputs: Mapping[str, list[str]]) -> dict[str, int]:
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
                depth[node] = max((depth.get(s, 0) + 1 for s in inputs[node] if s in depth), default=0)
                continue
            visiting.add(node)
            stack.append((node, True))
            stack.extend((s, False) for s in inputs[node] if s not in depth and s not in visiting)
    return depth


def layered_layout(node_ids: list[str], edges: Iterable[tuple[str, str]],
                   current: Mapping[str, tuple[float, float]] | None = None,
                   heights: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Top-left positions for every node, layered left to right (see the module docstring).
    `current` positions break ties in the first ordering (the user's vertical order is kept where
    nothing else decides); `heights` are the nodes' heights on the canvas (default `NODE_H`).
    A workflow deeper than `MAX_COLS` layers is folded (`_folded`)."""
    current = current or {}
    heights = heights or {}
    edge_list = [(s, t) for s, t in edges if s in set(node_ids) and t in set(node_ids) and s != t]
    inputs: dict[str, list[str]] = {n: [] for n in node_ids}
    for source, target in edge_list:
        inputs[target].append(source)
    rank = _ranks(node_ids, inputs)
    if max(rank.values(), default=0) < MAX_COLS:
        return _arranged(node_ids, edge_list, rank, current, heights)
    for gap in BAND_GAPS:        # the narrowest gap between bands after which no edge runs behind a node
        layout = _folded(node_ids, edge_list, rank, current, heights, gap)
        if not edge_hits({n: (x, y, NODE_W, heights.get(n, NODE_H)) for n, (x, y) in layout.items()}, edge_list):
            return layout
    return _arranged(node_ids, edge_list, rank, current, heights)     # one long row, but clear


def _folded(node_ids: list[str], edge_list: list[tuple[str, str]], rank: dict[str, int],
            current: Mapping[str, tuple[float, float]], heights: Mapping[str, float],
            band_gap: float) -> dict[str, tuple[float, float]]:
    """6. folding: layers 0 to `MAX_COLS` - 1 form the first band, the next `MAX_COLS` the band
    below it, and so on, each band laid out as above with `GAP_X` between its layers, so a deep
    workflow keeps the proportions of the canvas (15 nodes readable at fit view, as new nodes are
    placed) instead of one long row. A connection into a later band runs back left through the
    `band_gap` kept between bands; the repair step then moves nodes off every connection's path,
    each column of the fold taken as one layer."""
    pos: dict[str, tuple[float, float]] = {}
    top = 0.0
    for band in range(max(rank.values()) // MAX_COLS + 1):
        members = [n for n in node_ids if rank[n] // MAX_COLS == band]
        inside = set(members)
        placed = _arranged(members, [(s, t) for s, t in edge_list if s in inside and t in inside],
                           {n: rank[n] - band * MAX_COLS for n in members}, current, heights)
        pos.update({n: (x, y + top) for n, (x, y) in placed.items()})
        top = max(pos[n][1] + heights.get(n, NODE_H) for n in members) + band_gap
    x = {n: p[0] for n, p in pos.items()}
    y = {n: p[1] for n, p in pos.items()}
    columns = [sorted((n for n in node_ids if rank[n] % MAX_COLS == c), key=y.__getitem__) for c in range(MAX_COLS)]
    height = {n: float(heights.get(n, NODE_H)) for n in node_ids}
    _clear_edges(node_ids, [e for e in edge_list if rank[e[1]] > rank[e[0]]], columns, x, y, height)
    shift = min(y.values(), default=0.0)
    return {n: (x[n], round(y[n] - shift, 1)) for n in node_ids}


def _arranged(node_ids: list[str], edge_list: list[tuple[str, str]], rank: dict[str, int],
              current: Mapping[str, tuple[float, float]], heights: Mapping[str, float]
              ) -> dict[str, tuple[float, float]]:
    """Steps 2 to 5 for nodes already ranked, their layers `GAP_X` apart (as new nodes are placed)."""
    rank = dict(rank)
    # 2. placeholders for edges spanning several layers; `links` joins neighbouring layers only
    height = {n: float(heights.get(n, NODE_H)) for n in node_ids}
    links: list[tuple[str, str]] = []
    for k, (source, target) in enumerate(edge_list):
        if rank[target] <= rank[source]:
            continue                          # an edge of a broken cycle: left out of the layout
        chain = [source] + [f"\0{k}:{r}" for r in range(rank[source] + 1, rank[target])] + [target]
        for r, dummy in enumerate(chain[1:-1], start=rank[source] + 1):
            rank[dummy] = r
            height[dummy] = DUMMY_H
        links += list(zip(chain, chain[1:], strict=False))
    before: dict[str, list[str]] = {n: [] for n in rank}
    after: dict[str, list[str]] = {n: [] for n in rank}
    for a, b in links:
        after[a].append(b)
        before[b].append(a)
    layers: list[list[str]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    order_hint = {n: (current.get(n, (0.0, 0.0))[1], i) for i, n in enumerate(node_ids)}
    for n in sorted(rank, key=lambda n: order_hint.get(n, (0.0, 0))):
        layers[rank[n]].append(n)
    # 3. ordering: barycentre sweeps
    for sweep in range(8):
        down = sweep % 2 == 0
        sequence = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for i in sequence:
            ref = {n: k for k, n in enumerate(layers[i - 1 if down else i + 1])}
            neighbours = before if down else after
            keys = {}
            for k, n in enumerate(layers[i]):
                ks = [ref[m] for m in neighbours[n] if m in ref]
                keys[n] = sum(ks) / len(ks) if ks else float(k)
            layers[i].sort(key=keys.__getitem__)
    # 4. heights: pull towards the neighbours' mean, push apart, a few rounds
    y: dict[str, float] = {}
    for layer in layers:
        top = 0.0
        for n in layer:
            y[n] = top
            top += height[n] + GAP_Y

    def centre(n: str) -> float:
        return y[n] + height[n] / 2

    for rnd in range(12):
        down = rnd % 2 == 0
        for layer in (layers if down else layers[::-1]):
            for n in layer:
                ns = (before if down else after)[n] or (after if down else before)[n]
                if ns:
                    y[n] = sum(centre(m) for m in ns) / len(ns) - height[n] / 2
            _spread(layer, y, height)
    x = {n: float(r * (NODE_W + GAP_X)) for n, r in rank.items()}
    _clear_edges(node_ids, [e for e in edge_list if rank[e[1]] > rank[e[0]]], layers, x, y, height)
    shift = min(y.values(), default=0.0)
    return {n: (x[n], round(y[n] - shift, 1)) for n in node_ids}


def _clear_edges(node_ids: list[str], edges: list[tuple[str, str]], layers: list[list[str]],
                 x: Mapping[str, float], y: dict[str, float], height: Mapping[str, float], rounds: int = 30) -> None:
    """5. repair: while an edge runs through a node it does not join, move that node (and the
    nodes beyond it in its layer) off the edge's path, to the side its centre is on."""
    layer_of = {n: layer for layer in layers for n in layer}
    for _ in range(rounds):
        boxes = {n: (x[n], y[n], NODE_W, height[n]) for n in node_ids}
        hits = [h for h in edge_hits(boxes, edges) if h[2] not in h[:2]]   # its own nodes: a wider fold gap
        if not hits:
            return
        source, target, node = hits[0]
        sx, sy, sw, sh = boxes[source]
        tx, ty, _, th = boxes[target]
        ox, oy, ow, oh = boxes[node]
        ys = [py for px, py in edge_points(sx + sw, sy + sh / 2, tx, ty + th / 2, 80) if ox - 10 <= px <= ox + ow + 10]
        layer = layer_of[node]
        k = layer.index(node)
        if oy + oh / 2 >= (min(ys) + max(ys)) / 2:       # below the edge: push it and those below down
            y[node] = max(ys) + GAP_Y / 2
            for a, b in zip(layer[k:], layer[k + 1:], strict=False):
                y[b] = max(y[b], y[a] + height[a] + GAP_Y)
        else:                                            # above it: push it and those above up
            y[node] = min(ys) - GAP_Y / 2 - oh
            for a, b in zip(layer[k::-1], layer[k - 1::-1] if k else [], strict=False):
                y[b] = min(y[b], y[a] - height[b] - GAP_Y)


def _spread(layer: list[str], y: dict[str, float], height: Mapping[str, float]) -> None:
    """Keep the layer's order and `GAP_Y` between boxes, moving each box as little as possible:
    push down from the top, then pull the block back up around where its members wanted to be."""
    if not layer:
        return
    wanted = [y[n] for n in layer]
    for a, b in zip(layer, layer[1:], strict=False):
        y[b] = max(y[b], y[a] + height[a] + GAP_Y)
    excess = sum(y[n] - w for n, w in zip(layer, wanted, strict=True)) / len(layer)
    if excess > 0:
        for n in layer:
            y[n] -= excess
        for a, b in zip(layer, layer[1:], strict=False):   # the shift may not undo the gaps
            y[b] = max(y[b], y[a] + height[a] + GAP_Y)


def bezier_points(sx: float, sy: float, tx: float, ty: float, samples: int = 40) -> list[tuple[float, float]]:
    """Points on the edge the canvas draws from a right-side handle (sx, sy) to a left-side handle
    (tx, ty): React Flow v11's default bezier (control points half the distance out, or
    0.25 * 25 * sqrt(distance) when the target lies left of the source)."""
    dx = tx - sx
    offset = 0.5 * dx if dx >= 0 else 0.25 * 25 * (-dx) ** 0.5
    c1, c2 = (sx + offset, sy), (tx - offset, ty)
    points = []
    for k in range(samples + 1):
        t = k / samples
        u = 1 - t
        points.append((u ** 3 * sx + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t ** 3 * tx,
                       u ** 3 * sy + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t ** 3 * ty))
    return points


def edge_kind(source: Box, target: Box) -> str:
    """The streamlit-flow edge type the canvas draws a connection with (module docstring): "default"
    (React Flow's bezier) when the target's left handle lies right of the source's right handle,
    else "smoothstep"."""
    return "default" if target[0] >= source[0] + source[2] else "smoothstep"


def smoothstep_points(sx: float, sy: float, tx: float, ty: float, samples: int = 40) -> list[tuple[float, float]]:
    """Points on React Flow v11's smoothstep path from a right-side handle (sx, sy) back to a
    left-side handle (tx, ty) that lies left of it: out `STEP_OFFSET` to the right, vertically to
    half-way between the handles, left to `STEP_OFFSET` before the target, vertically to it, in."""
    middle = (sy + ty) / 2
    corners = [(sx, sy), (sx + STEP_OFFSET, sy), (sx + STEP_OFFSET, middle), (tx - STEP_OFFSET, middle),
               (tx - STEP_OFFSET, ty), (tx, ty)]
    per = max(2, samples // (len(corners) - 1))
    points = [corners[0]]
    for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
        points += [(ax + (bx - ax) * k / per, ay + (by - ay) * k / per) for k in range(1, per + 1)]
    return points


def edge_points(sx: float, sy: float, tx: float, ty: float, samples: int = 40) -> list[tuple[float, float]]:
    """Points on the edge the canvas draws from a right-side handle (sx, sy) to a left-side handle
    (tx, ty): a bezier when the target lies right of the source, else a smoothstep (`edge_kind`)."""
    return bezier_points(sx, sy, tx, ty, samples) if tx >= sx else smoothstep_points(sx, sy, tx, ty, samples)


def edge_hits(boxes: Mapping[str, Box], edges: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(source, target, node) for every edge, drawn as the canvas draws it (`edge_points`), that
    runs through the box of a node it does not join, or through its own source or target away
    from the handle it uses (`HANDLE_ROOM`): across a corner of the node it enters."""
    hits = []
    for source, target in edges:
        sx, sy, sw, sh = boxes[source]
        tx, ty, _, th = boxes[target]
        points = edge_points(sx + sw, sy + sh / 2, tx, ty + th / 2)
        for other, (ox, oy, ow, oh) in boxes.items():
            left, right = ox, ox + ow
            if other == source:
                right -= HANDLE_ROOM
            if other == target:
                left += HANDLE_ROOM
            if any(left < px < right and oy < py < oy + oh for px, py in points):
                hits.append((source, target, other))
    return hits
