"""Progress after a damaged cache entry: every node gets one line, numbered in order (issue 16).

Before the fix, a node reported `cached` and then recomputed because its entry was unreadable
was reported again, twice, under a number already shown ([1/4] cached gen, [2/4] cached d,
[2/4] computed gen, [2/4] computed gen, ...)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from dataflow.kernel import Engine, compile_workflow, load_workflow

CHAIN = ["gen", "d", "e", "f"]


@pytest.fixture
def flow(tmp_path):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps({"version": "0.1.0", "nodes": [
        {"id": "gen", "type": "samples.synthetic", "params": {"rows": 50_000, "columns": 5}},
        {"id": "d", "type": "transform.derive", "params": {"name": "z", "formula": "x1 * 2"}},
        {"id": "e", "type": "transform.derive", "params": {"name": "y", "formula": "x2 * 2"}},
        {"id": "f", "type": "transform.derive", "params": {"name": "w", "formula": "x3 * 2"}}],
        "edges": [{"source": a, "target": b} for a, b in zip(CHAIN, CHAIN[1:], strict=False)]}))
    return path


def run(registry, folder, path, executor, overrides=None):
    """One run in a fresh engine (as a new `dataflow run` would be); (node results, progress lines)."""
    lines = []

    def listen(event):
        if event.node_id is not None and event.kind not in ("queued", "running"):
            lines.append((event.done, event.total, event.kind, event.node_id))

    graph = compile_workflow(load_workflow(path), registry, overrides)
    with Engine.open(registry, executor=executor, directory=folder, memory_tiers=False) as engine:
        result = engine.run(graph, listener=listen)
    return result, lines


def damage(folder, key):
    (filename,) = sqlite3.connect(folder / "disk" / "cache.db").execute(
        "SELECT filename FROM Cache WHERE key = ?", (f"{key}/table",)).fetchone()
    with open(folder / "disk" / filename, "r+b") as handle:
        handle.seek(4000)
        handle.write(b"XXXXXXXX")


@pytest.mark.parametrize("executor", ["sequential", "threads"])
@pytest.mark.parametrize(("damaged", "recomputed"), [
    (["gen", "d", "e"], {"gen", "d", "e"}),
    (["e"], {"e"}),  # d and gen are loaded to recompute e
    (["d"], set()),  # e loads: d is never read
])
def test_a_recomputed_damaged_entry_gives_each_node_one_line_in_order(registry, tmp_path, flow, executor, damaged,
                                                                      recomputed):
    folder = tmp_path / "cache"
    first, _ = run(registry, folder, flow, executor)
    for node_id in damaged:
        damage(folder, first.nodes[node_id].key)
    result, lines = run(registry, folder, flow, executor, overrides={("f", "name"): "w2"})
    assert result.status == "ok"
    assert [line[3] for line in lines] == CHAIN, lines
    assert [line[:2] for line in lines] == [(1, 4), (2, 4), (3, 4), (4, 4)], lines
    assert {n for n in CHAIN if result.nodes[n].reason == "cache entry unreadable"} == recomputed
    assert {node_id for _, _, kind, node_id in lines if kind == "computed"} == recomputed | {"f"}
