"""Workflow parameters: declared once under `"parameters"`, bound with `{"$param": NAME}`, set with
`dataflow run --set NAME=VALUE` or `--params FILE`, validated like node parameters, and cache keys
that follow the resolved values."""

from __future__ import annotations

import json

import pytest

from dataflow.cli.values import parse_text_value
from dataflow.kernel import (
    Engine,
    WorkflowError,
    compile_workflow,
    load_workflow,
    save_workflow,
    workflow_from_dict,
)
from tests.helpers import edge

PARAMETERS = {"amount": {"type": "float", "default": 0.5, "min": 0, "max": 10, "help": "Added to every value"},
              "count": {"type": "int", "default": 3, "min": 0}}


def document(parameters=None, **params) -> dict:
    """numbers(count) -> add(amount) -> scale -> total, and an independent numbers2 -> total2;
    `params` replaces a node's parameters by node id."""
    nodes = {"n": {"count": {"$param": "count"}}, "a": {"amount": {"$param": "amount"}}, "s": {"factor": 3},
             "t": {}, "n2": {"count": 2}, "t2": {}}
    nodes.update(params)
    types = {"n": "numbers", "a": "add", "s": "scale", "t": "total", "n2": "numbers", "t2": "total"}
    return {"version": "0.2.0", "parameters": PARAMETERS if parameters is None else parameters,
            "nodes": [{"id": i, "type": f"testpack.{types[i]}", "params": p} for i, p in nodes.items()],
            "edges": [edge("n", "a"), edge("a", "s"), edge("s", "t"), edge("n2", "t2")], "meta": {"name": "params"}}


@pytest.fixture
def wf_file(tmp_path):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(document(), indent=2))
    return path


def problems(registry, data: dict, **kwargs) -> list:
    with pytest.raises(WorkflowError) as caught:
        compile_workflow(workflow_from_dict(data), registry, **kwargs)
    return caught.value.problems


# --- the file -------------------------------------------------------------------------------

def test_a_file_with_parameters_saves_back_byte_for_byte(wf_file, tmp_path):
    out = save_workflow(load_workflow(wf_file), tmp_path / "again.json")
    assert json.loads(out.read_text()) == json.loads(wf_file.read_text())
    assert list(json.loads(out.read_text())) == ["version", "parameters", "nodes", "edges", "meta"]


def test_a_file_without_parameters_saves_without_the_key(tmp_path):
    data = document()
    del data["parameters"]
    data["nodes"] = [n for n in data["nodes"] if n["id"] in ("n2", "t2")]
    data["edges"] = [edge("n2", "t2")]
    out = save_workflow(workflow_from_dict(data), tmp_path / "plain.json")
    assert json.loads(out.read_text()) == data


# --- compiling --------------------------------------------------------------------------------

def test_a_bound_parameter_takes_the_default_and_a_given_value_replaces_it(registry):
    graph = compile_workflow(workflow_from_dict(document()), registry)
    assert graph.nodes["a"].params["amount"] == 0.5 and graph.nodes["n"].params["count"] == 3
    assert graph.nodes["a"].bindings == {"amount": "amount"} and graph.nodes["s"].bindings == {}
    graph = compile_workflow(workflow_from_dict(document()), registry, params={"amount": 2, "count": 4.0})
    assert graph.nodes["a"].params["amount"] == 2.0 and isinstance(graph.nodes["a"].params["amount"], float)
    assert graph.nodes["n"].params["count"] == 4 and isinstance(graph.nodes["n"].params["count"], int)


def test_an_int_parameter_may_feed_a_float_node_parameter(registry):
    data = document({"k": {"type": "int", "default": 2}}, a={"amount": {"$param": "k"}}, n={})
    graph = compile_workflow(workflow_from_dict(data), registry)
    assert graph.nodes["a"].params["amount"] == 2.0


def test_a_set_node_parameter_wins_over_its_binding(registry):
    graph = compile_workflow(workflow_from_dict(document()), registry, {("a", "amount"): "7"},
                             parse_text=parse_text_value)
    assert graph.nodes["a"].params["amount"] == 7.0 and graph.nodes["a"].bindings == {}


def test_a_binding_to_an_undeclared_parameter_names_the_node_the_parameter_and_a_likely_name(registry):
    (problem,) = problems(registry, document(a={"amount": {"$param": "amout"}}))
    assert problem.code == "unknown_workflow_param"
    assert (problem.node, problem.param, problem.workflow_param) == ("a", "amount", "amout")
    assert "node 'a', parameter 'amount' (float) is bound to workflow parameter 'amout', which is not declared" \
        in problem.message and "did you mean `amount`" in problem.message


@pytest.mark.parametrize("declared, node_param, words", [
    ({"type": "text", "default": "x"}, ("n", "count"), "a text value does not fit"),
    ({"type": "float", "default": 1.0}, ("n", "count"), "a float value does not fit"),
    ({"type": "bool", "default": True}, ("a", "amount"), "a bool value does not fit"),
    ({"type": "choice", "default": "add", "choices": ["add", "multiply"]}, ("s", "mode"),
     "its choice 'add' is not one of the node's: 'multiply', 'divide'"),
])
def test_a_binding_whose_types_do_not_fit_is_a_problem_naming_both_sides(registry, declared, node_param, words):
    node, param = node_param
    data = document({"p": declared}, **{"n": {}, "a": {}, node: {param: {"$param": "p"}}})
    (problem,) = problems(registry, data)
    assert problem.code == "binding_type" and (problem.node, problem.param, problem.workflow_param) == (node, param, "p")
    assert f"node '{node}', parameter '{param}'" in problem.message and "workflow parameter 'p'" in problem.message
    assert words in problem.message


@pytest.mark.parametrize("declaration, words", [
    ({"type": "float", "default": 11, "max": 10}, "the default: 11 is above the maximum 10"),
    ({"type": "int", "default": 1.5}, "the default: expected a whole number, got 1.5"),
    ({"type": "number", "default": 1}, "'type' must be one of int, float, bool, text, choice, column, path"),
    ({"type": [], "default": 1}, "'type' must be one of int, float, bool, text, choice, column, path, not []"),
    ({"type": "float"}, "it needs a 'default' value"),
    ({"type": "float", "default": 1, "colour": "red"}, "unknown key 'colour'"),
    ({"type": "float", "default": 1, "min": 2, "max": 1}, "'min' must not exceed 'max'"),
    ({"type": "text", "default": "a", "min": 1}, "'min' applies to int and float parameters only"),
    ({"type": "choice", "default": "a"}, "a choice parameter lists its 'choices'"),
    ({"type": "choice", "default": "c", "choices": ["a", "b"]}, "'c' is not one of the choices: 'a', 'b'"),
    ({"type": "choice", "default": 1, "choices": [1, "b"]}, "'choices' are all text or all numbers"),
    ({"type": "float", "default": 1, "min": True}, "'min', 'max' and 'step' are numbers"),
    ({"type": "int", "default": 1, "max": 10**30}, "'min', 'max' and 'step' are numbers"),
    ({"type": "int", "default": 10**30}, "does not fit in 64 bits"),
    ({"type": "text", "default": "x", "help": "h" * 5000}, "'help' and 'label' are text of at most 2000"),
])
def test_a_bad_declaration_is_a_problem_naming_the_workflow_parameter(registry, declaration, words):
    found = problems(registry, document({"amount": declaration, "count": PARAMETERS["count"]}))
    assert [p.code for p in found] == ["bad_workflow_param"]
    assert found[0].workflow_param == "amount" and found[0].message.startswith("workflow parameter 'amount': ")
    assert words in found[0].message


def test_a_name_that_cannot_be_set_from_the_command_line_is_refused(registry):
    found = problems(registry, document({**PARAMETERS, "a.b": {"type": "int", "default": 1}}))
    assert [p.code for p in found] == ["bad_workflow_param"] and "no dot" in found[0].message


@pytest.mark.parametrize("binding", [{"$param": 5}, {"$param": ["amount"]}, {"$param": "amount", "extra": 1},
                                     {"$param": None}])
def test_a_malformed_binding_says_how_one_is_written(registry, binding):
    (problem,) = problems(registry, document(a={"amount": binding}))
    assert problem.code == "bad_binding" and (problem.node, problem.param) == ("a", "amount")
    assert 'a binding is written {"$param": "NAME"}' in problem.message


def test_a_given_value_is_checked_against_its_declaration(registry):
    found = problems(registry, document(), params={"amount": 11, "cuont": 1, "count": "x"})
    text = [p.message for p in found]
    assert "workflow parameter 'amount' (float): 11 is above the maximum 10" in text
    assert "workflow parameter 'count' (int): expected a whole number, got 'x'" in text
    unknown = next(p for p in found if p.code == "unknown_workflow_param")
    assert "the workflow has no parameter 'cuont' (did you mean `count`?); declared: amount, count" in unknown.message


def test_a_value_the_node_refuses_names_the_workflow_parameter_it_came_from(registry):
    data = document({"k": {"type": "float", "default": 500}}, n={}, a={}, s={"factor": {"$param": "k"}})
    (problem,) = problems(registry, data)
    assert problem.message == ("node 's', parameter 'factor' (float): 500.0 is above the maximum 100 "
                               "(the value of workflow parameter 'k')")
    assert (problem.node, problem.param, problem.workflow_param) == ("s", "factor", "k")


@pytest.mark.parametrize("parameters", [[], "x", {"a": 1}, {"a": {"type": "int", "default": [[[[1]]]]}},
                                        {str(i): {} for i in range(1001)}])
def test_a_parameters_section_of_the_wrong_shape_is_refused_when_loading(parameters):
    data = document(parameters)
    with pytest.raises(WorkflowError, match="'parameters' must be an object"):
        workflow_from_dict(data)


def test_deeply_nested_hostile_values_are_errors_never_crashes(registry, tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    text = json.dumps(document()).replace('{"$param": "amount"}', deep)
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(WorkflowError):
        compile_workflow(load_workflow(path), registry)
    huge = document({"x" * 10_000: {"type": "int", "default": 1}}, a={"amount": {"$param": "y" * 1_000_000}})
    found = problems(registry, huge)
    assert all(len(p.message) < 500 for p in found) and {p.code for p in found} == {
        "bad_workflow_param", "unknown_workflow_param"}


# --- running --------------------------------------------------------------------------------

def test_changing_a_workflow_parameter_recomputes_the_bound_nodes_and_their_downstream_only(registry, cache_dir,
                                                                                           wf_file):
    def run(**params):
        graph = compile_workflow(load_workflow(wf_file), registry, params=params)
        with Engine.open(registry, executor="sequential", directory=cache_dir) as engine:
            return engine.run(graph)

    first = run()
    assert {n.status for n in first.nodes.values()} == {"computed"}
    again = run(amount=2)
    assert {i: n.status for i, n in again.nodes.items()} == {
        "n": "cached", "a": "computed", "s": "computed", "t": "computed", "n2": "cached", "t2": "cached"}
    assert again.nodes["a"].reason == "workflow parameter amount changed"
    assert again.nodes["s"].reason == "upstream a changed"
    back = run(amount=0.5)   # the same value as before: the same keys, served from the cache
    assert {n.status for n in back.nodes.values()} == {"cached"}


def test_a_node_bound_with_the_value_it_had_keeps_its_cache_entry(registry, cache_dir, wf_file):
    with Engine.open(registry, executor="sequential", directory=cache_dir) as engine:
        engine.run(compile_workflow(load_workflow(wf_file), registry))
        plain = document(a={"amount": 0.5}, n={"count": 3})
        plans = engine.plan(compile_workflow(workflow_from_dict(plain, path=wf_file), registry))
    assert all(p.cached for p in plans.values())


# --- the command line -------------------------------------------------------------------------

def test_set_and_params_on_the_command_line(cli, wf_file, tmp_path):
    code, first = cli.json("run", wf_file)
    assert code == 0
    values = tmp_path / "values.json"
    values.write_text('{"amount": 2, "count": 3}')
    code, report = cli.json("run", wf_file, "--params", values)
    assert code == 0, report
    statuses = {n["id"]: n["status"] for n in report["nodes"]}
    assert statuses == {"n": "cached", "a": "computed", "s": "computed", "t": "computed", "n2": "cached",
                        "t2": "cached"}
    assert next(n for n in report["nodes"] if n["id"] == "a")["reason"] == "workflow parameter amount changed"
    code, report = cli.json("run", wf_file, "--params", values, "--set", "count=5", "--set", "s.factor=1")
    assert code == 0, report
    assert {n["id"] for n in report["nodes"] if n["status"] == "computed"} == {"n", "a", "s", "t"}
    reasons = {n["id"]: n["reason"] for n in report["nodes"]}
    assert reasons["n"] == "workflow parameter count changed" and "parameter factor changed" in reasons["s"]


@pytest.mark.parametrize("args, words", [
    (["--set", "amount=lots"], "--set amount: cannot read 'lots' as float"),
    (["--set", "amount=11"], "workflow parameter 'amount' (float): 11 is above the maximum 10"),
    (["--set", "amuont=1"], "the workflow has no parameter 'amuont' (did you mean `amount`?)"),
    (["--set", "=1"], "write NAME=VALUE for a workflow parameter or NODE.PARAM=VALUE"),
    (["--params", "{FILE}"], "workflow parameter 'count' (int): expected a whole number, got '3'"),
    (["--params", "{MISSING}"], "parameter file not found"),
    (["--params", "{LIST}"], "the file must hold a JSON object"),
    (["--params", "{NAN}"], "NaN is not valid JSON"),
])
def test_bad_values_on_the_command_line_are_refused_before_anything_runs(cli, wf_file, tmp_path, args, words):
    files = {"{FILE}": '{"count": "3"}', "{LIST}": "[1]", "{NAN}": '{"amount": NaN}'}
    for key, text in files.items():
        (tmp_path / f"{key[1:-1]}.json").write_text(text)
    args = [str(tmp_path / f"{a[1:-1]}.json") if a.startswith("{") else a for a in args]
    for command in ("run", "validate"):
        done = cli(command, wf_file, *args)
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr


def test_validate_reports_binding_problems_as_json(cli, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document(a={"amount": {"$param": "nope"}})))
    code, report = cli.json("validate", path)
    assert code == 2
    (problem,) = report["problems"]
    assert (problem["node"], problem["param"], problem["workflow_param"]) == ("a", "amount", "nope")
