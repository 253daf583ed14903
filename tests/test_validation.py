"""`dataflow validate` reports every problem of a workflow file at once, each naming where it is."""

from __future__ import annotations

import pytest

from dataflow.kernel import WorkflowError, compile_workflow, load_workflow
from tests.helpers import edge, write_workflow


def problems_of(cli, path) -> list[dict]:
    code, report = cli.json("validate", path)
    assert code == 2 and report["valid"] is False
    return report["problems"]


def test_a_valid_workflow_validates_and_ports_are_inferred_when_only_one_fits(cli, tmp_path):
    path = write_workflow(tmp_path / "ok.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "s", "type": "testpack.split", "params": {}},
        {"id": "c", "type": "testpack.combine", "params": {}},
    ], [edge("n", "s"), edge("s", "c", "evens", "left"), edge("s", "c", "odds")])
    code, report = cli.json("validate", path)
    assert (code, report["valid"], report["nodes"]) == (0, True, 3)


def test_every_problem_is_reported_together(cli, tmp_path):
    path = write_workflow(tmp_path / "bad.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": -1, "colour": "red"}},
        {"id": "x", "type": "nopack.thing", "params": {"keep": "me"}},
        {"id": "a", "type": "testpack.add", "params": {"amount": "lots"}},
        {"id": "t", "type": "testpack.total", "params": {}},
        {"id": "f", "type": "testpack.frame", "params": {}},
        {"id": "c", "type": "testpack.combine", "params": {}},
    ], [
        edge("n", "ghost"),                      # dangling
        edge("f", "t"),                          # table into params: type mismatch
        edge("n", "c", target_port="left"),
        edge("n", "c", target_port="left"),      # two edges into one input
        edge("n", "a", target_port="nope"),      # unknown port
    ])
    problems = problems_of(cli, path)
    text = "\n".join(p["message"] for p in problems)
    codes = {p["code"] for p in problems}
    assert {"bad_param", "unknown_param", "unknown_type", "dangling_edge", "type_mismatch", "two_edges",
            "unknown_port", "missing_input"} <= codes
    assert "node 'n', parameter 'count' (int): -1 is below the minimum 0" in text
    assert "node 'n' (testpack.numbers) has no parameter 'colour'" in text
    assert "node 'x' has type 'nopack.thing', which is not available: no installed plugin provides it" in text
    assert "node 'a', parameter 'amount' (float): expected a number, got 'lots'" in text
    assert "refers to node 'ghost'" in text
    assert "output table (table) of 'f' cannot feed input data (params) of 't'" in text
    assert "input 'left' of node 'c' is already fed by n.params" in text
    assert "has no input 'nope'" in text
    assert "node 'a' (testpack.add): required input 'data' (params) is not connected" in text
    by_node = {p["node"] for p in problems if p["node"]}
    assert {"n", "x", "a", "c"} <= by_node


def test_a_cycle_is_reported_with_the_nodes_in_it(cli, tmp_path):
    path = write_workflow(tmp_path / "cycle.json", [
        {"id": "a", "type": "testpack.add", "params": {}},
        {"id": "b", "type": "testpack.add", "params": {}},
        {"id": "c", "type": "testpack.add", "params": {}},
    ], [edge("a", "b"), edge("b", "c"), edge("c", "a")])
    (problem,) = problems_of(cli, path)
    assert problem["code"] == "cycle"
    assert all(n in problem["message"] for n in ("a", "b", "c")) and " -> " in problem["message"]


def test_an_ambiguous_port_asks_for_names(cli, tmp_path):
    path = write_workflow(tmp_path / "amb.json", [
        {"id": "n", "type": "testpack.numbers", "params": {}},
        {"id": "s", "type": "testpack.split", "params": {}},
        {"id": "t", "type": "testpack.total", "params": {}},
    ], [edge("n", "s"), edge("s", "t")])
    problem = next(p for p in problems_of(cli, path) if p["code"] == "ambiguous_port")
    assert "evens -> data" in problem["message"] and "name source_port and target_port" in problem["message"]


def test_a_missing_plugin_is_named_with_the_package_recorded_in_meta(cli, tmp_path):
    meta = {"node_types": {"geo.read_shapes": {"plugin": "geo", "distribution": "dataflow-geo", "version": "0.3.0"}}}
    path = write_workflow(tmp_path / "io.json", [{"id": "r", "type": "geo.read_shapes", "params": {"path": "x.csv"}}],
                          **meta)
    (problem,) = problems_of(cli, path)
    assert "pip install dataflow-geo" in problem["message"] and "0.3.0" in problem["message"]


@pytest.mark.parametrize("text, fragment", [
    ("{\"version\": \"0.1.0\", \"nodes\": [", "invalid JSON at line 1"),
    ("{\"version\": \"0.1.0\", \"nodes\": [], \"nodes\": []}", "appears twice"),
    ("{\"version\": \"0.1.0\", \"nodes\": [{\"id\": \"a\", \"type\": \"testpack.numbers\", "
     "\"params\": {\"count\": NaN}}]}", "NaN is not valid JSON"),
    ("{\"version\": \"0.1.0\", \"nodes\": [{\"id\": \"a\", \"type\": \"testpack.scale\", "
     "\"params\": {\"factor\": 1e400}}]}", "too large"),
    ("[" * 200 + "]" * 200, "the top level must be a JSON object"),
    ("{\"version\": \"0.1.0\", \"nodes\": [{\"id\": \"a\", \"type\": \"testpack.numbers\", "
     "\"params\": {\"count\": " + "[" * 70 + "]" * 70 + "}}]}", "nested deeper than 60 levels"),
    ("{\"version\": \"0.1.0\", \"nodes\": [], \"meta\": {\"a\": " + "[" * 70 + "]" * 70 + "}}",
     "'meta' is nested deeper"),
    ("{\"version\": \"0.1.0\", \"nodes\": [], \"meta\": " + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
    ("[]", "the top level must be a JSON object"),
    ("{\"nodes\": []}", "'version' must be a string"),
    ("{\"version\": \"9.0.0\", \"nodes\": []}", "cannot be read by this DataFlow"),
    ("{\"version\": \"0.1.0\", \"nodes\": {}}", "'nodes' must be a list"),
    ("{\"version\": \"0.1.0\", \"nodes\": [{\"id\": \"a\", \"type\": \"testpack.numbers\"},"
     " {\"id\": \"a\", \"type\": \"testpack.numbers\"}]}", "node id 'a' is used twice"),
    ("{\"version\": \"0.1.0\", \"nodes\": [{\"id\": \"a\", \"type\": \"testpack.numbers\", "
     "\"position\": [1, 2]}]}", "'position' must be"),
    ("\xff\xfe", "not UTF-8"),
])
def test_malformed_files_are_refused_with_a_clear_message(cli, tmp_path, text, fragment):
    path = tmp_path / "broken.json"
    path.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    problems = problems_of(cli, path)
    assert any(fragment in p["message"] for p in problems), problems


def test_a_missing_file_is_invalid_not_a_crash(cli, tmp_path):
    done = cli("validate", tmp_path / "nope.json")
    assert done.returncode == 2 and "workflow file not found" in done.stderr and "Traceback" not in done.stderr


def test_compile_names_the_node_in_the_error_and_keeps_raw_params_of_unknown_nodes(registry, tmp_path):
    path = write_workflow(tmp_path / "w.json", [{"id": "x", "type": "gone.node", "params": {"a": [1, {"b": 2}]}}])
    workflow = load_workflow(path)
    with pytest.raises(WorkflowError) as info:
        compile_workflow(workflow, registry)
    assert info.value.problems[0].node == "x"
    assert workflow.nodes["x"].params == {"a": [1, {"b": 2}]}


def test_an_integer_beyond_64_bits_in_a_file_is_a_problem_naming_node_and_parameter(cli, tmp_path):
    path = write_workflow(tmp_path / "huge.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"start": 10**30}}])
    (problem,) = problems_of(cli, path)
    assert (problem["node"], problem["param"]) == ("n", "start")
    assert "does not fit in 64 bits" in problem["message"]


@pytest.mark.parametrize(("setting", "words"), [
    ("n.start=1000000000000000000000000000000", "does not fit in 64 bits"),
    ("n.start=-9223372036854775809", "does not fit in 64 bits"),
    ("n.start=1e300", "does not fit in 64 bits"),
    ("a.amount=1e400", "expected a finite number"),
    ("a.amount=NaN", "expected a finite number"),
])
def test_numbers_a_parameter_cannot_hold_are_refused_before_the_run(cli, tmp_path, setting, words):
    path = write_workflow(tmp_path / "numbers.json", [
        {"id": "n", "type": "testpack.numbers", "params": {}},
        {"id": "a", "type": "testpack.add", "params": {}}], [edge("n", "a")])
    code, report = cli.json("run", path, "--set", setting)
    assert code == 2 and report["status"] == "invalid", report
    (problem,) = report["problems"]
    assert (problem["node"], problem["param"]) == tuple(setting.split("=")[0].split("."))
    assert words in problem["message"]


def test_the_largest_64_bit_integer_is_accepted(cli, tmp_path):
    path = write_workflow(tmp_path / "edge.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"start": 2**63 - 1, "count": 0}}])
    code, report = cli.json("validate", path)
    assert code == 0 and report["valid"], report


def bad_paths(folder):
    """File parameter values that name no file this system could open, each with what is said."""
    (folder / "loop1").symlink_to(folder / "loop2")
    (folder / "loop2").symlink_to(folder / "loop1")
    (folder / "plain.txt").write_text("1\n")
    return {
        "nul": ("a\x00b.txt", "NUL character"),
        "unknown user": ("~nosuchuser-dataflow/x.txt", "'~nosuchuser-dataflow' names a user this computer does not know"),
        "symlink loop": ("loop1/x.txt", "loop of symbolic links"),
        "too long": ("x" * 300 + ".txt", "a file name may have at most 255"),
        "through a file": ("plain.txt/x.txt", f"part of the path is a file, not a folder ({folder / 'plain.txt'})"),
    }


@pytest.mark.parametrize("case", ["nul", "unknown user", "symlink loop", "too long", "through a file"])
def test_a_file_parameter_that_names_no_possible_file_is_a_problem_before_anything_runs(cli, tmp_path, case):
    value, words = bad_paths(tmp_path)[case]
    path = write_workflow(tmp_path / "paths.json", [
        {"id": "r", "type": "testpack.read_numbers", "params": {"path": value}}])
    (problem,) = problems_of(cli, path)
    assert (problem["node"], problem["param"]) == ("r", "path") and words in problem["message"]
    done = cli("run", path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "node 'r', parameter 'path' (str): " in done.stderr and words in done.stderr


def test_a_symlink_loop_made_after_validation_fails_the_node_not_the_run(registry, tmp_path, cache_dir):
    from dataflow.kernel import Engine

    path = write_workflow(tmp_path / "later.json", [
        {"id": "r", "type": "testpack.read_numbers", "params": {"path": "later/x.txt"}},
        {"id": "n", "type": "testpack.numbers", "params": {}}])
    graph = compile_workflow(load_workflow(path), registry)
    (tmp_path / "later").symlink_to(tmp_path / "later")
    with Engine.open(registry, executor="sequential", directory=cache_dir) as engine:
        result = engine.run(graph)
    assert result.nodes["r"].status == "failed" and result.nodes["n"].status == "computed"
