"""Loops: a node or a component run once per file, group or parameter value, results collected.

What a user relies on: the collected table is what a plain pandas loop + concat gives, each
iteration is cached on its own (a new or changed file computes one iteration), a failing item is
named and the others stay cached, iterations run side by side on a pool, and a bad loop object is
a validation problem naming the node."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from dataflow.kernel import (
    Engine,
    WorkflowError,
    compile_workflow,
    load_registry,
    load_workflow,
    save_workflow,
)
from tests.helpers import edge


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def months(folder: Path, count: int = 3) -> Path:
    """`count` monthly CSV files in `folder/monthly`."""
    data = folder / "monthly"
    data.mkdir(exist_ok=True)
    for month in range(1, count + 1):
        frame = pd.DataFrame({"region": ["north", "south", "north"], "qty": [month, 2 * month, 3]})
        frame.to_csv(data / f"sales-{month:02d}.csv", index=False)
    return data


def workflow(folder: Path, nodes: list[dict], edges: list[dict] = ()) -> Path:
    path = folder / "loop.json"
    path.write_text(json.dumps({"version": "0.2.0", "nodes": nodes, "edges": list(edges), "meta": {"name": "loop"}}))
    return path


READ_EACH = {"id": "each", "type": "io.read_csv", "params": {},
             "loop": {"over": "files", "folder": "monthly", "pattern": "*.csv", "param": "path"}}


class Progress:
    """The loop node's progress messages, as the CLI and the app show them."""

    def __init__(self):
        self.messages: list[str] = []

    def __call__(self, event):
        if event.kind == "progress" and event.message:
            self.messages.append(event.message)


def run(registry, path: Path, cache: Path, executor: str = "sequential", **kwargs):
    graph = compile_workflow(load_workflow(path), registry)
    progress = Progress()
    with Engine.open(registry, executor=executor, directory=cache, **kwargs) as engine:
        result = engine.run(graph, keep_outputs=True, listener=progress)
    return result, progress.messages


def problems(registry, path: Path) -> list[str]:
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(load_workflow(path), registry)
    return [p.message for p in caught.value.problems]


def test_a_loop_over_files_gives_what_a_pandas_loop_and_concat_give(registry, tmp_path):
    data = months(tmp_path)
    result, messages = run(registry, workflow(tmp_path, [READ_EACH]), tmp_path / "cache")
    assert result.status == "ok", result.nodes["each"].error
    expected = pd.concat([pd.read_csv(p).assign(file=p.name)[["file", "region", "qty"]]
                          for p in sorted(data.glob("*.csv"))], ignore_index=True)
    pd.testing.assert_frame_equal(result.outputs["each"]["table"], expected)
    assert messages[-1] == "3/3 iterations (3 computed, 0 cached)"


def test_a_loop_without_a_cache_collects_the_same_table(registry, tmp_path):
    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH])
    cached, _ = run(registry, path, tmp_path / "cache")
    uncached, messages = run(registry, path, tmp_path / "none", use_cache=False)  # `dataflow run --no-cache`
    assert uncached.status == "ok", uncached.nodes["each"].error
    pd.testing.assert_frame_equal(uncached.outputs["each"]["table"], cached.outputs["each"]["table"])
    assert messages[-1] == "3/3 iterations (3 computed, 0 cached)"
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").rglob("*.json"))


def test_a_new_file_computes_one_iteration_and_a_changed_file_recomputes_only_its_own(registry, tmp_path):
    data = months(tmp_path)
    path = workflow(tmp_path, [READ_EACH])
    run(registry, path, tmp_path / "cache")
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.nodes["each"].status == "cached"  # nothing changed: the loop is not even opened
    pd.DataFrame({"region": ["east"], "qty": [7]}).to_csv(data / "sales-04.csv", index=False)
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.nodes["each"].status == "computed" and result.nodes["each"].reason == "source file changed"
    assert messages[-1] == "4/4 iterations (1 computed, 3 cached)"
    assert result.outputs["each"]["table"]["file"].tolist()[-1] == "sales-04.csv"
    pd.DataFrame({"region": ["west"], "qty": [8]}).to_csv(data / "sales-02.csv", index=False)
    result, messages = run(registry, path, tmp_path / "cache")
    assert messages[-1] == "4/4 iterations (1 computed, 3 cached)"
    table = result.outputs["each"]["table"]
    assert table[table["file"] == "sales-02.csv"]["region"].tolist() == ["west"]


def test_a_failing_item_is_named_and_the_others_stay_cached(registry, tmp_path):
    data = months(tmp_path)
    (data / "sales-02.csv").write_text("")
    path = workflow(tmp_path, [READ_EACH])
    result, _ = run(registry, path, tmp_path / "cache")
    error = result.nodes["each"].error
    assert result.status == "failed"
    assert "iteration 2 of 3 (file=sales-02.csv)" in error and "empty" in error
    pd.DataFrame({"region": ["east"], "qty": [7]}).to_csv(data / "sales-02.csv", index=False)
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.status == "ok"
    assert messages[-1] == "3/3 iterations (1 computed, 2 cached)"


def test_a_loop_over_groups_gives_what_a_pandas_groupby_apply_gives(registry, tmp_path):
    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH, {
        "id": "per_file", "type": "transform.sort", "params": {"columns": ["qty"], "order": "descending"},
        "loop": {"over": "groups", "port": "table", "keys": ["file"]}}], [edge("each", "per_file")])
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.status == "ok", {n: r.error for n, r in result.nodes.items()}
    files = [pd.read_csv(p).assign(file=p.name) for p in sorted((tmp_path / "monthly").glob("*.csv"))]
    expected = pd.concat([f.sort_values("qty", ascending=False, kind="stable")[["file", "region", "qty"]]
                          for f in files], ignore_index=True)
    pd.testing.assert_frame_equal(result.outputs["per_file"]["table"], expected)
    assert messages[-1] == "3/3 iterations (3 computed, 0 cached)"


def test_a_group_key_that_is_not_a_column_is_named(registry, tmp_path):
    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH, {
        "id": "per", "type": "transform.sort", "params": {"columns": ["qty"]},
        "loop": {"over": "groups", "keys": ["regoin"]}}], [edge("each", "per")])
    result, _ = run(registry, path, tmp_path / "cache")
    assert "the loop groups by regoin, which is not a column of input 'table'" in result.nodes["per"].error


def test_a_loop_over_values_scores_each_setting_into_one_metrics_table(registry, tmp_path):
    data = {"id": "data", "type": "samples.dataset", "params": {"name": "iris"}}
    fit = {"id": "fit", "type": "sklearn.train_classifier", "params": {"target": "target"}}
    wiring = [edge("data", "fit"), {"source": "fit", "target": "cv", "target_port": "model"},
              {"source": "data", "target": "cv", "target_port": "table"}]
    path = workflow(tmp_path, [data, fit, {"id": "cv", "type": "sklearn.cross_validate", "params": {},
                                          "loop": {"over": "values", "values": {"folds": [3, 5]}}}], wiring)
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.status == "ok", {n: r.error for n, r in result.nodes.items()}
    table = result.outputs["cv"]["metrics"]
    assert table["folds"].tolist() == [3, 5]
    for folds in (3, 5):  # each row is what the node scores alone with that setting
        alone = workflow(tmp_path, [data, fit, {"id": "cv", "type": "sklearn.cross_validate",
                                                "params": {"folds": folds}}], wiring)
        single, _ = run(registry, alone, tmp_path / "cache")
        row, alone_scores = table[table["folds"] == folds].iloc[0], single.outputs["cv"]["metrics"]
        assert row["mean"] == pytest.approx(alone_scores["mean"], abs=1e-12) and row["std"] == alone_scores["std"]
        assert json.loads(row["fold_scores"]) == alone_scores["fold_scores"]


def test_values_zip_and_grid_make_the_items_a_user_expects(registry, tmp_path):
    (tmp_path / "rows.csv").write_text("x\n1\n2\n3\n4\n5\n")
    base = {"id": "rows", "type": "io.read_csv", "params": {"path": "rows.csv"}}
    path = workflow(tmp_path, [base, {"id": "top", "type": "transform.sample", "params": {"mode": "head"},
                                      "loop": {"over": "values", "values": {"rows": [1, 3]}}}], [edge("rows", "top")])
    result, _ = run(registry, path, tmp_path / "cache")
    assert result.outputs["top"]["table"].to_dict("list") == {"rows": [1, 3, 3, 3], "x": [1, 1, 2, 3]}
    grid = {"over": "values", "values": {"rows": [1, 2], "mode": ["head", "tail"]}}
    path = workflow(tmp_path, [base, {"id": "top", "type": "transform.sample", "params": {}, "loop": grid}],
                    [edge("rows", "top")])
    result, _ = run(registry, path, tmp_path / "cache")
    table = result.outputs["top"]["table"]
    assert table[["rows", "mode"]].drop_duplicates().values.tolist() == [[1, "head"], [1, "tail"], [2, "head"],
                                                                         [2, "tail"]]
    assert table["x"].tolist() == [1, 5, 1, 2, 4, 5]
    path = workflow(tmp_path, [base, {"id": "top", "type": "transform.sample", "params": {},
                                      "loop": {**grid, "combine": "zip"}}], [edge("rows", "top")])
    result, _ = run(registry, path, tmp_path / "cache")
    assert result.outputs["top"]["table"][["rows", "mode"]].drop_duplicates().values.tolist() == [[1, "head"],
                                                                                                  [2, "tail"]]


@pytest.mark.parametrize(("loop", "expected"), [
    ({"over": "rows"}, 'write {"over": "files" | "values" | "groups", ...}'),
    ({"over": "files", "folder": "monthly", "param": "path", "recursive": True}, "unknown keys 'recursive'"),
    ({"over": "files", "folder": "monthly", "param": "nope"}, "'param' must name the text parameter of io.read_csv"),
    ({"over": "files", "folder": "monthly", "param": "path", "pattern": "../*.csv"}, "'pattern' must be a file name"),
    ({"over": "values", "values": {"rowz": [1]}}, "'values' names 'rowz', which is not a parameter of transform.sample"),
    ({"over": "values", "values": {"rows": [1, "two"]}}, "a value of 'rows' (int), 'two'"),
    ({"over": "values", "values": {"rows": [1, 2], "mode": ["head"]}, "combine": "zip"}, '"zip" takes lists of one'),
    ({"over": "values", "values": {"rows": []}}, "the values of 'rows' must be a non-empty list"),
    ({"over": "groups", "port": "tabel", "keys": ["x"]}, "'port' names 'tabel', which is not an input"),
    ({"over": "groups", "keys": []}, "'keys' must list the columns to group by"),
])
def test_a_bad_loop_object_is_a_problem_naming_the_node(registry, tmp_path, loop, expected):
    node_type = "io.read_csv" if loop.get("over") == "files" else "transform.sample"
    path = workflow(tmp_path, [{"id": "rows", "type": "samples.dataset", "params": {"name": "iris"}},
                               {"id": "looped", "type": node_type, "params": {}, "loop": loop}],
                    [edge("rows", "looped")] if node_type != "io.read_csv" else [])
    found = problems(registry, path)
    assert any(m.startswith("node 'looped', its loop: ") and expected in m for m in found), found


def test_iterations_run_side_by_side_on_a_pool(pack_site, tmp_path):
    registry = load_registry()
    meet = tmp_path / "meet"
    path = workflow(tmp_path, [{"id": "wait", "type": "testpack.rendezvous",
                                "params": {"folder": str(meet), "others": "a,b,c", "timeout": 20.0},
                                "loop": {"over": "values", "values": {"name": ["a", "b", "c"]}}}])
    result, _ = run(registry, path, tmp_path / "cache", executor="threads", max_workers=3)
    # each iteration waits until the other two have started: one after the other, the first would time out
    assert result.status == "ok", result.nodes["wait"].error
    assert sorted(p.name for p in meet.iterdir()) == ["a.arrived", "b.arrived", "c.arrived"]


def test_a_loop_runs_the_same_on_worker_processes(registry, tmp_path):
    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH, {
        "id": "per_region", "type": "transform.sort", "params": {"columns": ["qty"]},
        "loop": {"over": "groups", "keys": ["region"]}}], [edge("each", "per_region")])
    here, _ = run(registry, path, tmp_path / "a")
    there, _ = run(registry, path, tmp_path / "b", executor="processes", max_workers=2)
    assert there.status == "ok", {n: r.error for n, r in there.nodes.items()}
    pd.testing.assert_frame_equal(here.outputs["per_region"]["table"], there.outputs["per_region"]["table"])


def test_a_component_body_runs_once_per_file(registry, tmp_path):
    months(tmp_path)
    folder = tmp_path / "components"
    folder.mkdir()
    (folder / "month.json").write_text(json.dumps({
        "version": "0.2.0", "parameters": {"path": {"type": "path", "default": ""},
                                           "at_least": {"type": "int", "default": 3}},
        "component": {"inputs": [], "outputs": [{"name": "table", "type": "table", "from": "big.table"}]},
        "nodes": [{"id": "read", "type": "io.read_csv", "params": {"path": {"$param": "path"}}},
                  {"id": "big", "type": "transform.filter", "params": {"formula": "qty >= 3"}}],
        "edges": [edge("read", "big")]}))
    path = workflow(tmp_path, [{"id": "each", "type": "component.month", "params": {},
                                "loop": {"over": "files", "folder": "monthly", "param": "path"}}])
    result, messages = run(registry, path, tmp_path / "cache")
    assert result.status == "ok", result.nodes["each"].error
    table = result.outputs["each"]["table"]
    assert (table["qty"] >= 3).all() and table["file"].nunique() == 3
    assert messages[-1] == "3/3 iterations (3 computed, 0 cached)"


def rewrite(path: Path, frame: pd.DataFrame) -> None:
    """Write `frame` over the CSV `path`, with a modification time that surely differs."""
    before = path.stat().st_mtime_ns
    frame.to_csv(path, index=False)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_values_loop_over_file_paths_reads_a_changed_file_again(registry, tmp_path):
    data = months(tmp_path, 2)
    path = workflow(tmp_path, [{"id": "each", "type": "io.read_csv", "params": {},
                                "loop": {"over": "values", "values": {"path": ["monthly/sales-01.csv",
                                                                                "monthly/sales-02.csv"]}}}])
    first, _ = run(registry, path, tmp_path / "cache")
    assert first.status == "ok", first.nodes["each"].error
    rewrite(data / "sales-01.csv", pd.DataFrame({"region": ["east"], "qty": [99]}))
    second, messages = run(registry, path, tmp_path / "cache")
    assert second.nodes["each"].status == "computed"
    assert 99 in second.outputs["each"]["table"]["qty"].tolist()
    assert messages[-1] == "2/2 iterations (1 computed, 1 cached)"


def test_a_loop_over_a_component_sees_a_change_in_a_file_read_inside_it(registry, tmp_path):
    months(tmp_path, 2)
    pd.DataFrame({"region": ["north", "south"], "manager": ["Ann", "Bo"]}).to_csv(tmp_path / "managers.csv",
                                                                                  index=False)
    folder = tmp_path / "components"
    folder.mkdir()
    (folder / "month.json").write_text(json.dumps({
        "version": "0.2.0", "parameters": {"path": {"type": "path", "default": ""}},
        "component": {"inputs": [], "outputs": [{"name": "table", "type": "table", "from": "named.table"}]},
        "nodes": [{"id": "read", "type": "io.read_csv", "params": {"path": {"$param": "path"}}},
                  {"id": "managers", "type": "io.read_csv", "params": {"path": str(tmp_path / "managers.csv")}},
                  {"id": "named", "type": "transform.join", "params": {"on": ["region"]}}],
        "edges": [edge("read", "named", target_port="left"), edge("managers", "named", target_port="right")]}))
    path = workflow(tmp_path, [{"id": "each", "type": "component.month", "params": {},
                                "loop": {"over": "files", "folder": "monthly", "param": "path"}}])
    first, _ = run(registry, path, tmp_path / "cache")
    assert first.status == "ok", first.nodes["each"].error
    assert set(first.outputs["each"]["table"]["manager"]) == {"Ann", "Bo"}
    rewrite(tmp_path / "managers.csv", pd.DataFrame({"region": ["north", "south"], "manager": ["Cy", "Di"]}))
    second, _ = run(registry, path, tmp_path / "cache")
    assert second.nodes["each"].status == "computed"
    assert set(second.outputs["each"]["table"]["manager"]) == {"Cy", "Di"}
    third, _ = run(registry, path, tmp_path / "cache")
    assert third.nodes["each"].status == "cached"  # nothing changed: lookups only


def test_a_loop_is_kept_when_the_workflow_is_saved_and_opened(registry, tmp_path):
    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH])
    save_workflow(load_workflow(path), tmp_path / "again.json", registry)
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["nodes"][0]["loop"] == READ_EACH["loop"]


def test_each_kind_of_loop_exports_to_a_script_that_gives_the_same_tables(registry, tmp_path):
    import subprocess
    import sys

    months(tmp_path)
    path = workflow(tmp_path, [READ_EACH, {
        "id": "per_region", "type": "transform.sort", "params": {"columns": ["qty"]},
        "loop": {"over": "groups", "keys": ["region"]}}, {
        "id": "top", "type": "transform.sample", "params": {},
        "loop": {"over": "values", "values": {"rows": [1, 2], "mode": ["head", "tail"]}, "combine": "zip"}}],
        [edge("each", "per_region"), edge("per_region", "top")])
    result, _ = run(registry, path, tmp_path / "cache")
    script = tmp_path / "loop.py"
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "export", str(path), "-o", str(script)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    code = script.read_text().split('"""', 2)[2]
    assert "from dataflow." not in code and "import dataflow\n" not in code  # no DataFlow kernel or SDK
    ran = subprocess.run([sys.executable, str(script), "--output-dir", str(tmp_path / "out")], capture_output=True,
                         text=True, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "top.parquet"), result.outputs["top"]["table"])


def test_stop_during_a_loop_ends_the_run_at_once_and_caches_nothing_of_the_loop(pack_site, tmp_path):
    import threading

    from dataflow.kernel import CancelToken

    registry = load_registry()
    path = workflow(tmp_path, [{"id": "wait", "type": "testpack.rendezvous",
                                "params": {"folder": str(tmp_path / "meet"), "others": "never", "timeout": 8.0},
                                "loop": {"over": "values", "values": {"name": ["a", "b"]}}}])
    graph = compile_workflow(load_workflow(path), registry)
    token = CancelToken()
    with Engine.open(registry, executor="threads", directory=tmp_path / "cache", max_workers=2) as engine:
        threading.Timer(1.0, token.cancel).start()
        started = __import__("time").monotonic()
        result = engine.run(graph, cancel=token)
        waited = __import__("time").monotonic() - started
    assert result.status == "cancelled" and result.nodes["wait"].status == "skipped"
    assert waited < 5, waited  # not the iterations' 8 s: the run ends when Stop is pressed


def test_a_loop_that_cannot_be_written_as_a_function_is_refused_by_export_naming_it(registry, tmp_path):
    import subprocess
    import sys

    (tmp_path / "rows.csv").write_text("x,y\n1,2\n")
    path = workflow(tmp_path, [{"id": "rows", "type": "io.read_csv", "params": {"path": "rows.csv"}},
                               {"id": "pick", "type": "transform.select", "params": {},
                                "loop": {"over": "values", "values": {"columns": [["x"], ["y"]]}}}],
                    [edge("rows", "pick")])
    result, _ = run(registry, path, tmp_path / "cache")
    assert result.status == "ok", result.nodes["pick"].error
    table = result.outputs["pick"]["table"]  # a looped list is named by its JSON text
    assert table["columns"].tolist() == ['["x"]', '["y"]'] and table["x"].tolist()[0] == 1
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "export", str(path), "-o", str(tmp_path / "s.py")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "loop node 'pick': the looped parameter 'columns' is a list[str]" in done.stderr
    assert not (tmp_path / "s.py").exists()


def test_a_loops_columns_are_known_before_running_and_a_wrong_column_after_it_is_named(registry, tmp_path):
    months(tmp_path)
    nodes = [READ_EACH, {"id": "per_region", "type": "transform.groupby",
                         "params": {"by": ["region"], "aggregations": ["qty:sum"]},
                         "loop": {"over": "groups", "keys": ["file"]}},
             {"id": "top", "type": "transform.sort", "params": {"columns": ["qty_sum"]}}]
    path = workflow(tmp_path, nodes, [edge("each", "per_region"), edge("per_region", "top")])
    graph = compile_workflow(load_workflow(path), registry)
    with Engine.open(registry, executor="sequential", use_cache=False) as engine:
        report = engine.schemas(graph)
    assert report.outputs["each"]["table"].names == ["file", "region", "qty"]
    assert report.outputs["per_region"]["table"].names == ["file", "region", "qty_sum"]
    nodes[2]["params"]["columns"] = ["qty_total"]
    path = workflow(tmp_path, nodes, [edge("each", "per_region"), edge("per_region", "top")])
    graph = compile_workflow(load_workflow(path), registry)
    with Engine.open(registry, executor="sequential", use_cache=False) as engine:
        messages = [p.message for p in engine.schemas(graph).problems]
    assert any("column 'qty_total' is not in the input table" in m and "qty_sum" in m for m in messages), messages
