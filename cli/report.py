"""`dataflow report W.json -o report.html`: one self-contained HTML file about a run.

The report holds the workflow's picture (its nodes where the canvas places them, coloured by
status), every node's status, time and reason, then the outputs of the chosen nodes: tables as
capped previews with their shape, charts interactive, metrics as tiles, anything else (a model) as
its summary. Which nodes appear is chosen per node (`"report": true` or `false` on the node in the
workflow file, the app's "Show in report"); by default charts, metrics and the tables nothing
consumes. It opens offline: Plotly's script is embedded once, nothing is fetched, and every text
from the workflow or the data is escaped.
"""

from __future__ import annotations

import argparse
import datetime
import html
from pathlib import Path
from typing import Any

from dataflow.kernel import (
    DataflowError,
    Engine,
    Graph,
    RunResult,
    WorkflowError,
    compile_workflow,
    load_workflow,
)
from dataflow.kernel.files import atomic_write

from . import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from .loading import load_plugins
from .progress import Progress
from .terminal import echo, echo_stderr
from .values import given_values, parse_text_value

PREVIEW_ROWS = 20
COLOURS = {"computed": "#d1fae5", "cached": "#ecfdf5", "failed": "#fee2e2", "skipped": "#f3f4f6"}


def cmd_report(args: argparse.Namespace) -> int:
    """Run the workflow (cached as `dataflow run` caches) and write its report; exit 0, 1 when a
    node failed (the report says which), 2 when the workflow or the target is invalid."""
    if not args.output.endswith((".html", ".htm")):
        echo_stderr(f"error: {args.output}: the report's name must end in .html")
        return EXIT_INVALID
    registry = load_plugins()
    try:
        workflow = load_workflow(args.workflow)
        overrides, params = given_values(args, workflow)
        graph = compile_workflow(workflow, registry, overrides, parse_text=parse_text_value, params=params)
        engine = Engine.open(registry, data_dirs=args.data_dir, memory_tiers=False)
    except (WorkflowError, DataflowError) as exc:
        echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    with engine:
        result = engine.run(graph, listener=Progress(args.quiet), keep_outputs=chosen(graph))
    atomic_write(Path(args.output), build_report(graph, result).encode("utf-8"))
    echo(f"wrote {args.output}: {len(result.outputs)} node outputs, run {result.status}")
    return EXIT_FAILED if result.status == "failed" else EXIT_OK


def chosen(graph: Graph) -> list[str]:
    """The nodes whose outputs the report shows: each node's own `report` flag, else charts,
    metrics and the tables nothing consumes."""
    picked = []
    for node_id in graph.order:
        node = graph.nodes[node_id]
        flag = graph.workflow.nodes[node_id].extra.get("report") if node_id in graph.workflow.nodes else None
        kinds = set(node.spec.output_types.values())
        default = bool(kinds & {"figure", "metrics"}) or ("table" in kinds and node_id not in graph.consumer_counts)
        if (flag if isinstance(flag, bool) else default):
            picked.append(node_id)
    return picked


def build_report(graph: Graph, result: RunResult, when: datetime.datetime | None = None) -> str:
    """The whole HTML document."""
    when = when or datetime.datetime.now().astimezone()
    name = str(graph.workflow.meta.get("name") or (graph.workflow.path.stem if graph.workflow.path else "Workflow"))
    sections, needs_plotly = [], False
    for node_id in chosen(graph):
        outputs = result.outputs.get(node_id)
        if outputs is None:
            continue
        node = graph.nodes[node_id]
        parts = []
        for port, value in outputs.items():
            shown, is_chart = render(value, node.spec.output_types.get(port, ""))
            needs_plotly |= is_chart
            parts.append(f"<div class='port'><h3>{_e(port)}</h3>{shown}</div>")
        sections.append(f"<section><h2>{_e(node.label)} <code>{_e(node_id)}</code></h2>{''.join(parts)}</section>")
    description = graph.workflow.meta.get("description")
    return "".join([
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; script-src 'unsafe-inline' "
        "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(name)}</title><style>{_STYLE}</style>",
        f"<script>{_plotly_js()}</script>" if needs_plotly else "",
        "</head><body>",
        f"<h1>{_e(name)}</h1>",
        f"<p class='meta'>Run {_e(result.status)} in {result.seconds:.2f} s · {when:%Y-%m-%d %H:%M %Z} · "
        f"{_e(graph.workflow.path.name if graph.workflow.path else '')}</p>",
        f"<p>{_e(description)}</p>" if isinstance(description, str) and description else "",
        picture(graph, result), statuses(graph, result), *sections,
        "</body></html>"])


def render(value: Any, port_type: str) -> tuple[str, bool]:
    """One output as HTML, and whether it is a Plotly chart (which needs Plotly's script)."""
    if hasattr(value, "to_plotly_json"):
        import plotly.io

        return plotly.io.to_html(value, full_html=False, include_plotlyjs=False, default_width="100%",
                                   default_height="480px"), True
    if hasattr(value, "to_frame") and not hasattr(value, "columns"):
        value = value.to_frame()
    if hasattr(value, "columns") and hasattr(value, "head"):
        rows, cols = value.shape
        more = f" · the first {PREVIEW_ROWS} shown" if rows > PREVIEW_ROWS else ""
        return (f"<p class='shape'>{rows:,} rows × {cols} columns{more}</p>"
                + value.head(PREVIEW_ROWS).to_html(border=0, max_cols=40, classes="table", escape=True)), False
    if isinstance(value, dict) and port_type in ("metrics", "params"):
        tiles = "".join(f"<div class='tile'><div class='k'>{_e(k)}</div><div class='v'>{_e(_number(v))}</div></div>"
                        for k, v in value.items())
        return f"<div class='tiles'>{tiles}</div>", False
    return f"<pre>{_e(repr(value)[:4000])}</pre>", False


def picture(graph: Graph, result: RunResult) -> str:
    """The workflow as an SVG: each node at its canvas position, coloured by its status."""
    width, height, boxes = 170, 46, {}
    for index, node_id in enumerate(graph.order):
        instance = graph.workflow.nodes.get(node_id)
        position = instance.position if instance is not None and instance.position else None
        x, y = (position["x"], position["y"]) if position else (index * 200, 0)
        boxes[node_id] = (float(x), float(y))
    if not boxes:
        return ""
    left, top = min(x for x, _ in boxes.values()) - 20, min(y for _, y in boxes.values()) - 20
    right, bottom = max(x for x, _ in boxes.values()) + width + 20, max(y for _, y in boxes.values()) + height + 20
    lines = [f"<line x1='{boxes[s][0] + width}' y1='{boxes[s][1] + height / 2}' x2='{boxes[t][0]}' "
             f"y2='{boxes[t][1] + height / 2}' />"
             for t, node in graph.nodes.items() for s, _ in node.inputs.values()]
    rects = []
    for node_id, (x, y) in boxes.items():
        status = result.nodes[node_id].status if node_id in result.nodes else ""
        label = graph.nodes[node_id].label
        rects.append(f"<g><rect x='{x}' y='{y}' width='{width}' height='{height}' rx='6' "
                     f"fill='{COLOURS.get(status, '#ffffff')}' /><text x='{x + 8}' y='{y + 19}'>{_e(label[:26])}</text>"
                     f"<text class='s' x='{x + 8}' y='{y + 36}'>{_e(status)}</text></g>")
    return (f"<svg class='picture' viewBox='{left} {top} {right - left} {bottom - top}' "
            f"xmlns='http://www.w3.org/2000/svg'>{''.join(lines)}{''.join(rects)}</svg>")


def statuses(graph: Graph, result: RunResult) -> str:
    """Every node's status, time, and why it ran or what went wrong."""
    rows = "".join(
        f"<tr><td>{_e(r.id)}</td><td>{_e(r.type)}</td><td class='st {_e(r.status)}'>{_e(r.status)}</td>"
        f"<td>{'' if r.seconds is None else f'{r.seconds:.3f} s'}</td><td>{_e(r.error or r.reason or '')}</td></tr>"
        for r in result.nodes.values())
    return ("<h2>Nodes</h2><table class='table'><thead><tr><th>node</th><th>type</th><th>status</th><th>time</th>"
            f"<th>reason or error</th></tr></thead><tbody>{rows}</tbody></table>")


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _plotly_js() -> str:
    """Plotly's own script, embedded once (3.5 MB): the report makes no request."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#111827}
h1{margin-bottom:.2rem}.meta{color:#6b7280;margin-top:0}section{margin:2rem 0}h2 code{font-size:.8em;color:#6b7280}
.table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}.table td,.table th{border-bottom:1px solid #e5e7eb;
padding:.25rem .6rem;text-align:left}.shape{color:#6b7280;font-size:.85rem}.tiles{display:flex;flex-wrap:wrap;gap:.6rem}
.tile{border:1px solid #e5e7eb;border-radius:8px;padding:.5rem .9rem;min-width:8rem}.tile .k{color:#6b7280;font-size:.8rem}
.tile .v{font-size:1.4rem;font-weight:600}.picture{width:100%;max-height:420px;border:1px solid #e5e7eb;border-radius:8px}
.picture line{stroke:#9ca3af;stroke-width:1.5}.picture rect{stroke:#6b7280}.picture text{font-size:12px;fill:#111827}
.picture text.s{fill:#6b7280;font-size:10px}.st.failed{color:#dc2626}pre{white-space:pre-wrap;font-size:.8rem}
"""
