"""`dataflow run --output-dir`: the outputs of the nodes nothing consumes, written as files."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dataflow.kernel import Graph, Registry, RunResult
from dataflow.kernel.tempfiles import temp_sibling

from .terminal import echo_stderr


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "node"


def export_outputs(result: RunResult, graph: Graph, registry: Registry, folder: Path) -> list[dict[str, str]]:
    """Write the outputs of the nodes nothing consumes into `folder`; return what was written.

    Two outputs whose names map to one file (node ids `a b` and `a_b`, or `x.y` and output `y`
    of node `x`; compared ignoring case, as some file systems do) never overwrite each other: the
    later one (in the graph's order) gets a `-2`, `-3`... suffix, and a note says so."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    taken: dict[str, tuple[str, str]] = {}  # lower-cased file name -> (file name, the output written there)
    for node_id in [n for n in graph.order if n in result.outputs]:  # the graph's order: the same names every run
        outputs, spec = result.outputs[node_id], graph.nodes[node_id].spec
        for port in spec.outputs:
            serializer = registry.serializers.get(port.type.name)
            if serializer is None or serializer.export_suffix is None:
                echo_stderr(f"note: output '{port.name}' of node '{node_id}' ({port.type.name}) cannot be exported; skipped")
                continue
            stem = _safe_name(node_id) if len(spec.outputs) == 1 else f"{_safe_name(node_id)}.{_safe_name(port.name)}"
            name, number = f"{stem}{serializer.export_suffix}", 1
            while name.lower() in taken:
                number += 1
                name = f"{stem}-{number}{serializer.export_suffix}"
            if number > 1:
                first, holder = taken[f"{stem}{serializer.export_suffix}".lower()]
                echo_stderr(f"note: output '{port.name}' of node '{node_id}' is written as {name}: "
                            f"{first} already holds {holder}")
            taken[name.lower()] = (name, f"output '{port.name}' of node '{node_id}'")
            target = folder / name
            temp = temp_sibling(target, f".tmp{serializer.export_suffix}")
            try:
                serializer.export(outputs[port.name], Path(temp))
                os.replace(temp, target)
            except Exception as exc:
                Path(temp).unlink(missing_ok=True)
                echo_stderr(f"error: could not export output '{port.name}' of node '{node_id}' to {target}: {exc}")
                continue
            written.append({"node": node_id, "port": port.name, "path": str(target)})
    return written
