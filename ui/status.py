"""Each node's status as the canvas shows it, from the plan, the last run and a run in progress.

| status | meaning |
|---|---|
| not run | no cache entry and no run of this key yet |
| stale | its inputs, parameters, file or version changed since its last run (`reason` says which) |
| queued / running | in the run in progress |
| computed / cached | its current key is in the cache (computed by the last run, or found there) |
| failed / skipped | the last run of this very key failed, or was skipped because an upstream failed |
| not connected | a required input has no edge yet (and nothing else is wrong): neutral, the node lists its ports |
| invalid | the node has a problem to fix before it can run (message in the properties panel) |
| missing | its plugin is not installed: a placeholder that keeps its parameters |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .analysis import Analysis
from .kernel_api import LOOP, NodePlan, NodeResult, Workflow

NO_ENTRY = "no cache entry"
COMPONENT = "component."  # the type of a node that is a component: its nodes run in its place

COLORS = {  # background, border
    "not run": ("#ffffff", "#9ca3af"),
    "not connected": ("#ffffff", "#cbd5e1"),
    "stale": ("#fef3c7", "#d97706"),
    "queued": ("#eff6ff", "#93c5fd"),
    "running": ("#dbeafe", "#2563eb"),
    "computed": ("#d1fae5", "#059669"),
    "cached": ("#ecfdf5", "#34d399"),
    "failed": ("#fee2e2", "#dc2626"),
    "skipped": ("#f3f4f6", "#6b7280"),
    "invalid": ("#fff7ed", "#ea580c"),
    "missing": ("#f5f3ff", "#7c3aed"),
}
ICONS = {"not run": "○", "not connected": "◌", "stale": "◐", "queued": "…", "running": "▶", "computed": "●", "cached": "◉",
         "failed": "✖", "skipped": "⊘", "invalid": "⚠", "missing": "⧉"}


@dataclass(frozen=True, slots=True)
class NodeView:
    """What the canvas shows for one node."""

    status: str
    detail: str = ""            # why stale, the error, the problem, the package to install
    seconds: float | None = None
    shape: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Live:
    """A node's state in the run in progress (from `RunEvent`s)."""

    status: str
    seconds: float = 0.0
    detail: str = ""


def node_views(workflow: Workflow, analysis: Analysis, plans: Mapping[str, NodePlan],
               results: Mapping[str, NodeResult], shapes: Mapping[str, tuple[int, int]],
               live: Mapping[str, Live] | None = None) -> dict[str, NodeView]:
    """The status of every node of `workflow`; a component node shows the state of the nodes inside
    it (`inside`).

    `results` are the last run's results by node id (each carries the key it ran with), `shapes`
    the (rows, columns) of table outputs by cache key, `live` the run in progress."""
    live = live or {}
    views: dict[str, NodeView] = {}
    for node_id, node in workflow.nodes.items():
        if node.type in analysis.missing:
            views[node_id] = NodeView("missing", analysis.missing[node.type])
        elif node_id in analysis.problems:
            views[node_id] = _problem_view(workflow, analysis, node_id)
        elif node_id in analysis.blocked:
            views[node_id] = NodeView("invalid", f"waits for {analysis.blocked[node_id]} to be fixed")
        elif node.type.startswith(COMPONENT) and LOOP not in node.extra and analysis.graph is not None:
            inner = [n for n in analysis.graph.order if n.startswith(f"{node_id}/")]
            views[node_id] = inside([_view(n, plans, results, shapes, live) for n in inner])
        else:
            views[node_id] = _view(node_id, plans, results, shapes, live)
    return views


def _view(node_id: str, plans: Mapping[str, NodePlan], results: Mapping[str, NodeResult],
          shapes: Mapping[str, tuple[int, int]], live: Mapping[str, Live]) -> NodeView:
    """A node of the compiled graph: from the run in progress, else its plan and last result."""
    plan = plans.get(node_id)
    key = plan.key.key if plan is not None else None
    result = results.get(node_id)
    same_run = result is not None and key is not None and result.key == key
    seconds = result.seconds if same_run else None
    shape = shapes.get(key) if key else None
    if node_id in live and live[node_id].status in ("queued", "running", "computed", "cached", "failed", "skipped"):
        state = live[node_id]
        return NodeView(state.status, state.detail, state.seconds or seconds, shape)
    if plan is None:
        return NodeView("not run")
    if plan.cached:
        return NodeView("computed" if same_run and result.status == "computed" else "cached", "", seconds, shape)
    if same_run and result.status in ("failed", "skipped"):
        return NodeView(result.status, result.error or "", seconds)
    if plan.reason == NO_ENTRY or not plan.reason:
        return NodeView("not run")
    return NodeView("stale", plan.reason)


#: which inner status a component node shows, most urgent first
_INSIDE = ("failed", "running", "queued", "skipped", "stale", "not run", "computed", "cached")


def inside(views: list[NodeView]) -> NodeView:
    """A component node's view from its inner nodes' views: the most urgent status, its detail
    ("2 of 5 inside: ..."), and the time they took together."""
    if not views:
        return NodeView("not run")
    status = min((v.status for v in views), key=lambda s: _INSIDE.index(s) if s in _INSIDE else 0)
    count = sum(v.status == status for v in views)
    detail = next((v.detail for v in views if v.status == status and v.detail), "")
    seconds = sum(v.seconds or 0.0 for v in views) if any(v.seconds for v in views) else None
    prefix = f"{count} of {len(views)} nodes inside {status}"
    return NodeView(status, f"{prefix}: {detail}" if detail else prefix, seconds)


def _problem_view(workflow: Workflow, analysis: Analysis, node_id: str) -> NodeView:
    """A node with problems: "not connected" (neutral) when its only problem is a required input
    with no edge, unless an edge is drawn from a node whose plugin is missing (then it waits for
    that one); else "invalid" with the messages."""
    problems = analysis.problems[node_id]
    if all(p.code == "missing_input" for p in problems):
        placeholders = [e.source for e in workflow.edges if e.target == node_id and e.source in workflow.nodes
                        and workflow.nodes[e.source].type in analysis.missing]
        if placeholders:
            return NodeView("invalid", f"waits for {placeholders[0]}, whose plugin is not installed")
        return NodeView("not connected")
    return NodeView("invalid", "; ".join(p.message for p in problems))


def summary(views: Mapping[str, NodeView]) -> dict[str, int]:
    """How many nodes have each status, in the table's order."""
    counts: dict[str, int] = {}
    for view in views.values():
        counts[view.status] = counts.get(view.status, 0) + 1
    return {s: counts[s] for s in COLORS if s in counts}
