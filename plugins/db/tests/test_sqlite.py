"""db.read_sqlite / db.write_sqlite on SQLite files made here: types both ways, bound values, a read
that cannot write or reach another file, and the file's edits re-running the node."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import orders

from dataflow.sdk import NodeError, check_node, check_schema, run_node, spec_of
from dataflow_db.nodes import read_sqlite, write_sqlite

#: the `dataflow` command's module: dataflow.cli once the command line has left the kernel
CLI = "dataflow.cli"



@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.sqlite"
    run_node(write_sqlite, {"table": orders()}, path=str(path), table_name="orders")
    return path


def test_a_table_round_trips_with_its_types(shop):
    back = run_node(read_sqlite, path=str(shop), table_name="orders")["table"]
    pd.testing.assert_frame_equal(back, orders(), check_dtype=False)
    assert back["paid"].tolist() == [True, False, True, True]
    assert pd.api.types.is_datetime64_any_dtype(back["ordered_at"])
    with sqlite3.connect(shop) as raw:
        types = {row[1]: row[2] for row in raw.execute("PRAGMA table_info(orders)")}
    assert types == {"order_id": "BIGINT", "region": "TEXT", "price": "FLOAT", "qty": "BIGINT",
                     "paid": "BOOLEAN", "ordered_at": "DATETIME"}


def test_a_query_takes_its_values_as_bound_parameters(shop):
    out = run_node(read_sqlite, path=str(shop), query="SELECT order_id FROM orders WHERE region = :region",
                   params={"region": "O'Brien; DROP TABLE orders; --"})["table"]
    assert out["order_id"].tolist() == [4]
    assert len(run_node(read_sqlite, path=str(shop), table_name="orders")["table"]) == 4


def test_the_declared_columns_of_a_table_are_the_real_ones(shop, tmp_path):
    declared = check_schema(read_sqlite, path=str(shop), table_name="orders")["table"]
    assert [c.name for c in declared.columns] == orders().columns.tolist()
    passed = check_schema(write_sqlite, {"table": orders()}, path=str(tmp_path / "b.sqlite"), table_name="t")
    assert passed["table"].names == orders().columns.tolist()


def test_create_replace_and_append(shop):
    with pytest.raises(NodeError, match="already exists"):
        run_node(write_sqlite, {"table": orders()}, path=str(shop), table_name="orders")
    run_node(write_sqlite, {"table": orders()}, path=str(shop), table_name="orders", if_exists="append")
    assert len(run_node(read_sqlite, path=str(shop), table_name="orders")["table"]) == 8
    run_node(write_sqlite, {"table": orders().head(1)}, path=str(shop), table_name="orders", if_exists="replace")
    assert len(run_node(read_sqlite, path=str(shop), table_name="orders")["table"]) == 1


@pytest.mark.parametrize(("kwargs", "param", "words"), [
    ({"table_name": "order"}, "table_name", "no table 'order'.*did you mean"),
    ({"query": "SELECT nope FROM orders"}, "query", "no such column: nope"),
    ({"table_name": "orders", "query": "SELECT 1"}, "table_name", "not both"),
    ({}, "query", "name a table to read, or write a query"),
    ({"query": "SELECT :missing"}, "query", "missing"),
])
def test_a_mistake_is_a_node_error_naming_the_parameter(shop, kwargs, param, words):
    with pytest.raises(NodeError, match=words) as caught:
        run_node(read_sqlite, path=str(shop), **kwargs)
    assert caught.value.param == param


def test_a_file_that_is_not_a_database_is_refused_and_never_overwritten(tmp_path):
    fake = tmp_path / "notes.db"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(NodeError, match="not a SQLite database"):
        run_node(read_sqlite, path=str(fake), table_name="x")
    with pytest.raises(NodeError, match="not a SQLite database"):
        run_node(write_sqlite, {"table": orders()}, path=str(fake), table_name="x")
    assert fake.read_text() == "a,b\n1,2\n"


def test_a_database_file_that_went_away_is_named(tmp_path):
    with pytest.raises(NodeError, match="does not exist"):
        run_node(read_sqlite, path=str(tmp_path / "gone.sqlite"), table_name="orders")


@pytest.mark.parametrize("text", [
    "DROP TABLE orders",
    "DELETE FROM orders",
    "INSERT INTO orders (order_id) VALUES (99)",
    "SELECT 1; DROP TABLE orders",
    "ATTACH '{other}' AS other",
    "SELECT * FROM pragma_table_info('orders') JOIN (SELECT 1)",
    "PRAGMA journal_mode = DELETE",
    "SELECT load_extension('/tmp/evil')",
    "CREATE TEMP TABLE planted AS SELECT 1",
])
def test_a_read_cannot_change_the_file_or_reach_another(shop, tmp_path, text):
    other = tmp_path / "other.sqlite"
    before = shop.read_bytes()
    with pytest.raises(NodeError):
        run_node(read_sqlite, path=str(shop), query=text.format(other=other))
    assert shop.read_bytes() == before and not other.exists()


def test_a_runaway_query_is_stopped_at_its_time_limit(shop):
    started = time.monotonic()
    with pytest.raises(NodeError, match="time limit") as caught:
        run_node(read_sqlite, path=str(shop), timeout=1,
                 query="WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t")
    assert caught.value.param == "timeout" and time.monotonic() - started < 10


def test_the_declarations_are_complete():
    assert check_node(read_sqlite) == [] and check_node(write_sqlite) == []


def test_a_write_ahead_log_changes_the_fingerprint(shop):
    fingerprint = spec_of(read_sqlite).fingerprint
    before = fingerprint({"path": str(shop)})
    raw = sqlite3.connect(shop)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("INSERT INTO orders (order_id) VALUES (5)")
    raw.commit()
    try:
        assert fingerprint({"path": str(shop)}) != before
    finally:
        raw.close()


def test_a_workflow_reads_a_database_in_its_folder_and_refuses_one_elsewhere(shop, tmp_path, private):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    node = {"id": "orders", "type": "db.read_sqlite", "params": {"path": "shop.sqlite", "table_name": "orders"}}
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(private)}

    def run(folder):
        workflow = folder / "w.json"
        workflow.write_text(json.dumps({"version": "0.1.0", "nodes": [node], "edges": [], "meta": {}}))
        done = subprocess.run([sys.executable, "-m", CLI, "run", str(workflow), "--json"],
                              capture_output=True, text=True, timeout=120, env=env)
        return json.loads(done.stdout)["nodes"][0]

    assert run(tmp_path)["status"] == "computed"
    assert run(tmp_path)["status"] == "cached"
    node["params"]["path"] = str(shop)
    refused = run(elsewhere)
    assert refused["status"] == "failed" and "outside the granted data folders" in refused["error"]
