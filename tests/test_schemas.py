"""Declared schemas equal what the nodes really return: per built-in node type on example data, and
through whole workflows (the schema pass against a real run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow
from dataflow.sdk import TableSchema, check_schema, schema_differences, schema_of
from tests.helpers import ROOT, edge, write_workflow


def sales() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": [1, 2, 3, 4, 5, 6],
        "region": ["north", "south", "north", "east", None, "south"],
        "product": pd.Categorical(["a", "b", "a", "c", "b", "a"], categories=["a", "b", "c"]),
        "price": [10.0, 12.5, np.nan, 8.0, 9.5, 11.0],
        "qty": [1, 2, 3, 1, 5, 2],
        "paid": [True, False, True, True, False, True],
        "day": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-02-11", "2024-03-01", "2024-03-15", "2024-04-02"]),
        "name": ["Ann Lee", "Bo Ng", "Cy Ray", "Di Oz", "Ed Ka", "Fa Wu"],
        "when": ["2024-01-05", "2024-02-10", "2024-02-11", "2024-03-01", "2024-03-15", "2024-04-02"],
    })


def managers() -> pd.DataFrame:
    return pd.DataFrame({"region": ["north", "south", "west"], "manager": ["Kim", "Lou", "Max"], "price": [1.0, 2.0, 3.0]})


def numbers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame["a"] > 0, "up", "down")
    frame["size"] = frame["b"] * 3 + 1
    return frame


# (node function import path, inputs, parameters): every built-in node type that declares a schema,
# and the parameter variants that change its columns
CASES = [
    ("dataflow_transform.columns:select", lambda: {"table": sales()}, {"columns": ["qty", "region"]}),
    ("dataflow_transform.columns:select", lambda: {"table": sales()}, {"columns": ["qty"], "mode": "drop"}),
    ("dataflow_transform.columns:rename", lambda: {"table": sales()}, {"mapping": {"qty": "quantity"}}),
    ("dataflow_transform.columns:derive", lambda: {"table": sales()}, {"name": "total", "formula": "price * qty"}),
    ("dataflow_transform.columns:derive", lambda: {"table": sales()}, {"name": "qty", "formula": "upper(name)"}),
    ("dataflow_transform.columns:derive", lambda: {"table": sales()}, {"name": "big", "formula": "qty > 2"}),
    ("dataflow_transform.cast:cast", lambda: {"table": sales()},
     {"types": {"qty": "float", "order_id": "str", "when": "date", "region": "category", "paid": "int"}}),
    ("dataflow_transform.rows:filter", lambda: {"table": sales()}, {"formula": "qty > 1"}),
    ("dataflow_transform.rows:sort", lambda: {"table": sales()}, {"columns": ["price"]}),
    ("dataflow_transform.rows:sample", lambda: {"table": sales()}, {"rows": 3}),
    ("dataflow_transform.rows:dedupe", lambda: {"table": sales()}, {"columns": ["region"]}),
    ("dataflow_transform.missing:fill_missing", lambda: {"table": sales()}, {"method": "mode"}),
    ("dataflow_transform.missing:fill_missing", lambda: {"table": sales()}, {"columns": ["price"], "method": "mean"}),
    ("dataflow_transform.missing:drop_missing", lambda: {"table": sales()}, {}),
    ("dataflow_transform.combine:join", lambda: {"left": sales(), "right": managers()}, {"on": ["region"]}),
    ("dataflow_transform.combine:join", lambda: {"left": sales(), "right": managers()},
     {"on": ["region"], "how": "left"}),
    ("dataflow_transform.combine:join", lambda: {"left": sales(), "right": managers()},
     {"on": ["region"], "how": "outer"}),
    ("dataflow_transform.combine:join", lambda: {"left": sales(), "right": managers().rename(columns={"region": "area"})},
     {"left_on": ["region"], "right_on": ["area"], "how": "right"}),
    ("dataflow_transform.combine:concat", lambda: {"top": sales(), "bottom": managers()}, {"source_column": "from"}),
    ("dataflow_transform.combine:concat", lambda: {"top": sales(), "bottom": managers()}, {"columns": "intersection"}),
    ("dataflow_transform.reshape:groupby", lambda: {"table": sales()},
     {"by": ["region"], "aggregations": ["price:sum", "qty:mean", "order_id:count", "day:min", "name:nunique"]}),
    ("dataflow_transform.reshape:groupby", lambda: {"table": sales()}, {}),
    ("dataflow_transform.reshape:melt", lambda: {"table": sales()},
     {"id_columns": ["order_id"], "value_columns": ["price", "qty"]}),
    ("dataflow_transform.reshape:melt", lambda: {"table": sales()},
     {"id_columns": ["order_id"], "value_columns": ["qty", "name"]}),
    ("dataflow_transform.strings:split_column", lambda: {"table": sales()},
     {"column": "name", "separator": " ", "names": ["first", "last"]}),
    ("dataflow_transform.strings:text", lambda: {"table": sales()}, {"column": "name", "operation": "upper"}),
    ("dataflow_transform.strings:text", lambda: {"table": sales()},
     {"column": "name", "operation": "contains", "pattern": "a"}),
    ("dataflow_transform.dates:date_parts", lambda: {"table": sales()}, {"column": "day", "parts": ["year", "week"]}),
    ("dataflow_transform.dates:date_parts", lambda: {"table": sales()}, {"column": "when", "parts": ["month"]}),
    ("dataflow_transform.encode:bin", lambda: {"table": sales()}, {"column": "qty", "bins": 2}),
    ("dataflow_transform.encode:bin", lambda: {"table": sales()},
     {"column": "qty", "edges": [0, 2, 10], "labels": ["few", "many"], "output": "amount"}),
    ("dataflow_transform.encode:one_hot", lambda: {"table": sales()}, {"columns": ["product"]}),
    ("dataflow_transform.explore:describe", lambda: {"table": sales()}, {}),
    ("dataflow_transform.explore:value_counts", lambda: {"table": sales()}, {"columns": ["region", "paid"]}),
    ("dataflow_transform.explore:value_counts", lambda: {"table": sales()}, {"columns": ["region"], "normalize": True}),
    ("dataflow_transform.explore:correlation", lambda: {"table": sales()}, {}),
    ("dataflow_transform.profile:profile", lambda: {"table": sales()}, {}),
    ("dataflow_time.dates:parse_dates", lambda: {"table": sales()}, {"column": "when", "format": "%Y-%m-%d"}),
    ("dataflow_time.dates:date_difference", lambda: {"table": sales()}, {"start": "day", "end": "day", "unit": "months"}),
    ("dataflow_time.dates:shift_dates", lambda: {"table": sales()}, {"column": "day", "unit": "quarters"}),
    ("dataflow_time.dates:time_zone", lambda: {"table": sales()},
     {"column": "day", "operation": "localize", "timezone": "Europe/Paris", "output": "local"}),
    ("dataflow_time.series:resample", lambda: {"table": sales()},
     {"on": "day", "period": "MS", "by": ["region"], "aggregations": ["price:mean", "qty:sum", "product:first"]}),
    ("dataflow_time.series:lag_lead", lambda: {"table": sales()},
     {"columns": ["qty", "paid"], "order_by": "day", "by": ["region"]}),
    ("dataflow_time.series:rolling", lambda: {"table": sales()}, {"columns": ["price", "qty"], "rows": 2, "on": "day"}),
    ("dataflow_sklearn.split:train_test_split", lambda: {"table": numbers()}, {"test_fraction": 0.25}),
    ("dataflow_sklearn.preprocessing:scale", lambda: {"table": numbers()}, {"columns": ["c", "a"]}),
    ("dataflow_sklearn.preprocessing:scale", lambda: {"table": numbers()}, {}),
    ("dataflow_sklearn.preprocessing:encode", lambda: {"table": numbers()}, {"method": "ordinal"}),
    ("dataflow_sklearn.unsupervised:pca", lambda: {"table": numbers()}, {"components": 2}),
    ("dataflow_sklearn.unsupervised:pca", lambda: {"table": numbers()}, {"components": 2, "keep_other_columns": False}),
    ("dataflow_sklearn.unsupervised:cluster", lambda: {"table": numbers()}, {"columns": ["a", "b"]}),
    ("dataflow_samples.toys:dataset", dict, {"name": "iris"}),
    ("dataflow_samples.toys:dataset", dict, {"name": "wine"}),
    ("dataflow_samples.toys:dataset", dict, {"name": "breast_cancer"}),
    ("dataflow_samples.toys:dataset", dict, {"name": "diabetes"}),
    ("dataflow_samples.toys:dataset", dict, {"name": "digits"}),
    ("dataflow_samples.synthetic:synthetic", dict, {"kind": "classification", "columns": 3}),
    ("dataflow_samples.synthetic:synthetic", dict, {"kind": "regression"}),
    ("dataflow_samples.synthetic:synthetic", dict, {"kind": "time_series", "rows": 30}),
]


def _node(path: str):
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("path", "inputs", "params"), CASES,
                         ids=[f"{c[0].split(':')[1]}-{i}" for i, c in enumerate(CASES)])
def test_the_declared_schema_is_the_real_one(path, inputs, params):
    declared = check_schema(_node(path), inputs(), **params)  # raises listing every difference
    assert any(isinstance(v, TableSchema) for v in declared.values()), "the case should declare a table"


def test_every_builtin_transform_and_sklearn_table_output_declares_a_schema():
    registry = load_registry()
    plugins = ("transform", "sklearn", "samples", "time")
    lacking = [spec.type_id for spec in registry.nodes.values()
               if spec.plugin in plugins and any(p.type.name == "table" for p in spec.outputs) and spec.schema is None]
    # compare_metrics' rows and columns come from the metrics dicts it is given
    assert lacking == ["sklearn.compare_metrics"]
    covered = {spec.type_id for spec in registry.nodes.values()
               if spec.schema is not None and spec.plugin in plugins}
    tested = {f"{_plugin(p)}.{p.split(':')[1]}" for p, _, _ in CASES}
    untested = covered - tested - {"transform.pivot", "transform.one_hot", "sklearn.predict", "sklearn.train_classifier",
                                   "sklearn.train_regressor", "sklearn.apply_transformer", "sklearn.feature_importance",
                                   "sklearn.tune"}
    assert untested == set()  # the rest are checked through workflows below


def _plugin(path: str) -> str:
    return path.split(".")[0].removeprefix("dataflow_")


# --- the schema pass against real runs ---------------------------------------------------------------

def _run_and_compare(path, tmp_path) -> dict[str, TableSchema]:
    registry = load_registry()
    graph = compile_workflow(load_workflow(path), registry)
    with Engine.open(registry, directory=tmp_path / "cache") as engine:
        report = engine.schemas(graph)
        assert report.problems == [] and report.notes == []
        result = engine.run(graph, keep_outputs=list(graph.order))
    assert result.status == "ok", result.failed
    declared = {}
    for node_id in graph.order:
        for port, value in result.outputs.get(node_id, {}).items():
            said = report.outputs[node_id][port]
            if isinstance(value, pd.DataFrame) and said is not None:
                assert schema_differences(said, schema_of(value)) == [], (node_id, port)
                declared[f"{node_id}.{port}"] = said
    return declared


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "workflows").glob("*.json")))
def test_the_examples_schemas_match_their_run(name, tmp_path):
    declared = _run_and_compare(ROOT / "workflows" / name, tmp_path)
    assert declared  # every example has a table whose columns are known before it runs


def test_predict_and_a_fitted_transformer_carry_the_columns_through(tmp_path):
    path = write_workflow(tmp_path / "w.json", [
        {"id": "load", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "split", "type": "sklearn.train_test_split", "params": {}},
        {"id": "scale", "type": "sklearn.scale", "params": {}},
        {"id": "apply", "type": "sklearn.apply_transformer", "params": {}},
        {"id": "train", "type": "sklearn.train_regressor", "params": {"target": "petal width (cm)",
                                                                       "features": ["sepal length (cm)"]}},
        {"id": "predict", "type": "sklearn.predict", "params": {}},
        {"id": "importance", "type": "sklearn.feature_importance", "params": {}},
    ], [edge("load", "split"), edge("split", "scale", "train", "table"), edge("scale", "apply", "model", "model"),
        edge("split", "apply", "test", "table"), edge("scale", "train", "table", "table"),
        edge("train", "predict", "model", "model"), edge("apply", "predict", "table", "table"),
        edge("train", "importance", "model", "model")])
    declared = _run_and_compare(path, tmp_path)
    assert declared["predict.table"].names[-1] == "prediction" and declared["predict.table"].complete
    assert {"apply.table", "importance.table", "scale.table"} <= set(declared)


# --- sources: a file's columns from its header or metadata ----------------------------------------

def _files(folder) -> dict[str, str]:
    frame = sales().drop(columns=["product"])
    paths = {"csv": folder / "sales.csv", "parquet": folder / "sales.parquet", "feather": folder / "sales.feather",
             "jsonl": folder / "sales.jsonl"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    frame.reset_index(drop=True).to_feather(paths["feather"])
    frame.drop(columns=["day"]).to_json(paths["jsonl"], orient="records", lines=True)
    return {k: str(v) for k, v in paths.items()}


@pytest.mark.parametrize(("node", "kind", "params"), [
    ("read_csv", "csv", {}),
    ("read_csv", "csv", {"column_types": {"qty": "float64", "order_id": "str"}, "date_columns": ["when"]}),
    ("read_csv", "csv", {"header_row": -1}),
    ("read_csv", "csv", {"max_rows": 2, "skip_rows": 0}),
    ("read_parquet", "parquet", {}),
    ("read_parquet", "parquet", {"columns": ["qty", "region"]}),
    ("read_file", "csv", {}),
    ("read_file", "parquet", {}),
    ("read_file", "feather", {}),
    ("read_file", "jsonl", {}),
    ("read_json", "jsonl", {"orient": "lines"}),
])
def test_a_sources_declared_schema_is_what_it_reads(node, kind, params, tmp_path):
    path = _files(tmp_path)[kind]
    declared = check_schema(_node(f"dataflow_io.nodes:{node}"), {}, path=path, **params)
    assert declared["table"] is not None and len(declared["table"]) >= 2


def test_a_csv_schema_reads_the_header_and_first_rows_only(tmp_path):
    from dataflow_io.schemas import SAMPLE_ROWS, delimited

    path = tmp_path / "big.csv"
    rows = "\n".join(f"{i},{i * 0.5},x{i}" for i in range(SAMPLE_ROWS + 10))
    path.write_text("id,price,name\n" + rows + "\nnot a number,oops,z\n")
    schema = delimited(str(path))
    assert schema.names == ["id", "price", "name"] and not schema.exact   # kinds: a reading of the first rows
    assert [c.kind for c in schema.columns] == ["integer", "number", "text"]
