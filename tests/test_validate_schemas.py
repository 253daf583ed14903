"""`dataflow validate` type-checks columns before a row is read: each of these workflows passed
validation before the schema pass and failed only when it ran."""

from __future__ import annotations

import time

import pytest

from dataflow import sdk
from dataflow.kernel import Engine, compile_workflow, load_workflow
from dataflow.kernel.spec import TABLE
from dataflow.sdk import Table, TableSchema
from tests.helpers import edge, write_workflow

IRIS = {"id": "load", "type": "samples.dataset", "params": {"name": "iris"}}
SALES_CSV = "order_id,region,amount,day\n1,north,10.5,2024-01-02\n2,south,7.25,2024-01-03\n"


def iris_then(*nodes: dict, edges: list[dict] | None = None) -> tuple[list[dict], list[dict]]:
    """iris -> each node in a chain, unless edges are given."""
    chain = [IRIS, *nodes]
    return chain, edges if edges is not None else [edge(a["id"], b["id"]) for a, b in zip(chain, chain[1:], strict=False)]


def node(node_id: str, type_id: str, **params) -> dict:
    return {"id": node_id, "type": type_id, "params": params}


# name -> (nodes, edges, node, parameter, words the message must contain)
BAD = {
    "classifier without a target": (
        *iris_then(node("train", "sklearn.train_classifier")), "train", "target", "pick a column of the input table"),
    "select a column that is not there": (
        *iris_then(node("keep", "transform.select", columns=["no_such_column"])), "keep", "columns",
        "column 'no_such_column' is not in the input table"),
    "chart without x": (
        *iris_then(node("chart", "plotly.scatter", y="target")), "chart", "x", "pick a column of the input table"),
    "misspelt column, with a suggestion": (
        *iris_then(node("keep", "transform.select", columns=["petal lenght (cm)"])), "keep", "columns",
        "(did you mean `petal length (cm)`?)"),
    "formula naming an unknown column": (
        *iris_then(node("rows", "transform.filter", formula="petal_length > 2")), "rows", "formula",
        "unknown column `petal_length`"),
    "formula multiplying text": (
        *iris_then(node("calc", "transform.derive", name="twice", formula="target * 2")), "calc", "formula",
        "`*` needs numbers, but `target` is text"),
    "filter that is not a condition": (
        *iris_then(node("rows", "transform.filter", formula="`petal width (cm)` * 2")), "rows", "formula",
        "must say true or false"),
    "sum of a text column": (
        *iris_then(node("group", "transform.groupby", by=["target"], aggregations=["target:sum"])), "group",
        "aggregations", "sum needs numbers"),
    "regressor predicting text": (
        *iris_then(node("train", "sklearn.train_regressor", target="target")), "train", "target",
        "a regressor predicts numbers"),
    "text features not encoded": (
        *iris_then(node("calc", "transform.derive", name="size", formula="'big' if `petal width (cm)` > 1 else 'small'"),
                   node("train", "sklearn.train_classifier", target="target")), "train", "target",
        "feature column(s) 'size' hold text"),
    "bins of a text column": (
        *iris_then(node("bins", "transform.bin", column="target")), "bins", "column",
        "column 'target' is text, but this parameter needs a number column"),
    "rename a column that is not there": (
        *iris_then(node("names", "transform.rename", mapping={"species": "kind"})), "names", "mapping",
        "column 'species' is not in the input table"),
    "pivot without values": (
        *iris_then(node("wide", "transform.pivot", index=["target"], columns="target")), "wide", "values",
        "pick a column"),
    "melt into an existing column": (
        *iris_then(node("long", "transform.melt", id_columns=["target"], value_name="petal width (cm)")), "long",
        "value_name", "already has a column 'petal width (cm)'"),
    "date parts of a number": (
        *iris_then(node("parts", "transform.date_parts", column="petal width (cm)")), "parts", "column",
        "is number, but this parameter needs a datetime or text column"),
    "predict without the model's features": (
        [IRIS, node("split", "sklearn.train_test_split"), node("train", "sklearn.train_classifier", target="target"),
         node("keep", "transform.select", columns=["target"]), node("predict", "sklearn.predict")],
        [edge("load", "split"), edge("split", "train", "train", "table"), edge("split", "keep", "test", "table"),
         edge("train", "predict", "model", "model"), edge("keep", "predict", "table", "table")],
        "predict", None, "the table lacks the model's feature column(s) 'sepal length (cm)'"),
    "join key missing on the right": (
        [IRIS, node("other", "samples.dataset", name="diabetes"),
         node("both", "transform.join", on=["target", "petal width (cm)"])],
        [edge("load", "both", target_port="left"), edge("other", "both", target_port="right")],
        "both", "on", "column 'petal width (cm)' is not in the right table"),
    "truth column of an evaluation": (
        [IRIS, node("train", "sklearn.train_classifier", target="target"), node("predict", "sklearn.predict"),
         node("score", "sklearn.evaluate", truth="species")],
        [edge("load", "train"), edge("train", "predict", "model", "model"), edge("load", "predict", "table", "table"),
         edge("predict", "score")],
        "score", "truth", "column 'species' is not in the 'predictions' table"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_validate_names_the_column_problem_before_running(name, cli, tmp_path):
    nodes, edges, node_id, param, words = BAD[name]
    path = write_workflow(tmp_path / "bad.json", nodes, edges)
    code, report = cli.json("validate", path)
    assert code == 2 and report["valid"] is False
    mine = [p for p in report["problems"] if p["node"] == node_id]
    assert mine, report["problems"]
    assert mine[0]["param"] == param
    assert words in mine[0]["message"], mine[0]["message"]


def test_every_problem_comes_in_one_report_and_run_refuses_before_reading(cli, tmp_path):
    (tmp_path / "sales.csv").write_text(SALES_CSV)
    path = write_workflow(tmp_path / "bad.json", [
        node("sales", "io.read_csv", path="sales.csv"),
        node("keep", "transform.select", columns=["regoin"]),
        node("chart", "plotly.bar", y="amount"),
        node("rows", "transform.filter", formula="amonut > 1"),
    ], [edge("sales", "keep"), edge("sales", "chart"), edge("sales", "rows")])
    code, report = cli.json("validate", path)
    messages = {p["node"]: p["message"] for p in report["problems"]}
    assert code == 2 and set(messages) == {"keep", "chart", "rows"}
    assert "(did you mean `region`?)" in messages["keep"]
    assert "(did you mean `amount`?)" in messages["rows"]
    done = cli("run", path)
    assert done.returncode == 2 and "regoin" in done.stderr and "[1/" not in done.stderr  # no node ran


def test_a_fixed_workflow_validates_and_runs(cli, tmp_path):
    (tmp_path / "sales.csv").write_text(SALES_CSV)
    path = write_workflow(tmp_path / "ok.json", [
        node("sales", "io.read_csv", path="sales.csv"),
        node("keep", "transform.select", columns=["region", "amount"]),
        node("rows", "transform.filter", formula="amount > 8"),
    ], [edge("sales", "keep"), edge("keep", "rows")])
    assert cli.json("validate", path)[0] == 0
    code, result = cli.json("run", path)
    assert code == 0 and result["status"] == "ok"


def test_nothing_is_claimed_downstream_of_an_unknown_schema(cli, tmp_path):
    # testpack.frame declares no schema: a select after it names any column without a problem
    path = write_workflow(tmp_path / "w.json", [
        node("n", "testpack.numbers"), node("f", "testpack.frame"),
        node("keep", "transform.select", columns=["anything"]),
    ], [edge("n", "f"), edge("f", "keep")])
    code, report = cli.json("validate", path)
    assert code == 0 and report["valid"] is True


def _slow(table: TableSchema, **params) -> TableSchema:
    time.sleep(0.2)
    return table


def _raises(table: TableSchema, **params) -> TableSchema:
    raise RuntimeError("schema bug")


def _passthrough(table: Table) -> Table:
    """Return the table."""
    return table


@pytest.mark.parametrize(("function", "words"), [(_slow, "took"), (_raises, "raised RuntimeError: schema bug")])
def test_a_slow_or_failing_schema_function_is_unknown_and_noted(function, words, registry, tmp_path):
    spec = sdk.spec_of(sdk.node(type_id="bad.passthrough", schema=function)(_passthrough))
    registry.nodes["bad.passthrough"] = spec
    path = write_workflow(tmp_path / "w.json", [
        IRIS, node("p", "bad.passthrough"), node("keep", "transform.select", columns=["not there"]),
    ], [edge("load", "p"), edge("p", "keep")])
    graph = compile_workflow(load_workflow(path), registry)
    with Engine.open(registry, use_cache=False) as engine:
        report = engine.schemas(graph)
    assert report.problems == []  # nothing claimed after the unknown schema
    assert report.outputs["p"]["table"] is None and len(report.notes) == 1 and words in report.notes[0]
    assert spec.outputs[0].type == TABLE


def test_the_pass_recomputes_only_what_changed(registry, tmp_path):
    (tmp_path / "sales.csv").write_text(SALES_CSV)
    path = write_workflow(tmp_path / "w.json", [
        node("sales", "io.read_csv", path="sales.csv"), node("keep", "transform.select", columns=["region"]),
    ], [edge("sales", "keep")])
    with Engine.open(registry, use_cache=False) as engine:
        first = engine.schemas(compile_workflow(load_workflow(path), registry))
        again = engine.schemas(compile_workflow(load_workflow(path), registry))
        assert again.outputs["sales"]["table"] is first.outputs["sales"]["table"]  # memoised, not re-read
        (tmp_path / "sales.csv").write_text("order_id,place\n1,north\n")
        edited = engine.schemas(compile_workflow(load_workflow(path), registry))
    assert edited.outputs["sales"]["table"].names == ["order_id", "place"]
    assert "column 'region' is not in the input table" in edited.problems[0].message
