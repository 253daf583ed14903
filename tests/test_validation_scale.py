"""Validation stays linear in the size of the file: 10,000 problems of one kind are reported in
well under a second each (the fine figures are in benchmarks/bench_validate.py; the bound here is
generous for a shared machine). Before the fix, 10,000 dangling edges took minutes."""

from __future__ import annotations

import json
import time

import pytest

from dataflow.kernel import WorkflowError, compile_workflow, load_workflow

N = 10_000


def _nodes(n: int) -> list[dict]:
    return [{"id": f"n{i}", "type": "transform.sample", "params": {}} for i in range(n)]


SHAPES = {
    "dangling edges": lambda: {"nodes": _nodes(N), "edges": [{"source": f"n{i}", "target": f"ghost{i}"}
                                                           for i in range(N)]},
    "unknown node types": lambda: {"nodes": [{"id": f"n{i}", "type": f"nopack.thing{i}"} for i in range(N)],
                                   "edges": []},
    "bad parameters": lambda: {"nodes": [{**node, "params": {"rows": -1, f"colour{i}": 1}}
                                         for i, node in enumerate(_nodes(N))], "edges": []},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_ten_thousand_problems_of_one_kind_are_all_reported_within_seconds(registry, tmp_path, shape):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"version": "0.1.0", **SHAPES[shape]()}))
    start = time.perf_counter()
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(load_workflow(path), registry)
    message = str(caught.value)
    elapsed = time.perf_counter() - start
    assert len(caught.value.problems) >= N
    assert f"{len(caught.value.problems)} problems found" in message
    assert elapsed < 2.5, f"{shape}: {elapsed:.1f} s"  # about 0.1-0.5 s here; minutes before the fix


def test_the_first_misspellings_still_get_a_suggestion_among_many_names(registry, tmp_path):
    path = tmp_path / "typos.json"
    nodes = _nodes(N)
    path.write_text(json.dumps({"version": "0.1.0", "nodes": nodes,
                                "edges": [{"source": "n1", "target": "N2"}, {"source": "n1", "target": "n99999x"},
                                          {"source": "n3", "target": "n4"}]}))
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(load_workflow(path), registry)
    text = str(caught.value)
    assert "refers to node 'N2', which is not in the workflow (did you mean `n2`?)" in text
    assert "refers to node 'n99999x', which is not in the workflow" in text
