"""`cached_step`: a node's parts (folds, candidates) are cached on their own across re-runs."""

from __future__ import annotations

from dataflow.sdk import run_node
from tests.helpers import write_workflow


def fold_flow(folder, **params):
    return write_workflow(folder / "folds.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 10}},
        {"id": "f", "type": "testpack.fold_sums", "params": {"log": "folds.log", **params}}],
        [{"source": "n", "target": "f"}])


def computed_folds(folder):
    path = folder / "folds.log"
    lines = path.read_text().split() if path.exists() else []
    path.unlink(missing_ok=True)
    return sorted(int(x) for x in lines)


def test_steps_are_reused_when_only_other_parameters_change(cli, tmp_path):
    code, out = cli.json("run", fold_flow(tmp_path, folds=3, label="a"))
    assert code == 0, out
    assert out["nodes"][1]["status"] == "computed" and computed_folds(tmp_path) == [0, 1, 2]
    code, out = cli.json("run", fold_flow(tmp_path, folds=3, label="b"))
    assert out["nodes"][1]["status"] == "computed"  # the node re-ran (its label changed) ...
    assert computed_folds(tmp_path) == []  # ... but every fold came from the cache


def test_steps_recompute_when_their_own_identity_or_the_input_changes(cli, tmp_path):
    cli.json("run", fold_flow(tmp_path, folds=3))
    computed_folds(tmp_path)
    cli.json("run", fold_flow(tmp_path, folds=4))
    assert computed_folds(tmp_path) == [0, 1, 2, 3]
    cli.json("run", fold_flow(tmp_path, folds=4), "--set", "n.count=11")
    assert computed_folds(tmp_path) == [0, 1, 2, 3]


def test_without_a_cache_every_step_is_computed(cli, tmp_path):
    cli.json("run", fold_flow(tmp_path, folds=2))
    computed_folds(tmp_path)
    code, out = cli.json("run", fold_flow(tmp_path, folds=2, label="x"), "--no-cache")
    assert code == 0 and computed_folds(tmp_path) == [0, 1]


def test_a_plain_call_computes_its_steps(pack_site, tmp_path):
    from dataflow_testpack.nodes import fold_sums

    out = run_node(fold_sums, {"data": {"values": [1, 2, 3, 4]}}, folds=2, log=str(tmp_path / "folds.log"))
    assert out["params"]["sums"] == [4, 6] and computed_folds(tmp_path) == [0, 1]
