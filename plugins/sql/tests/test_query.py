"""sql.query: SQL over the input tables, its columns known before it runs, and a query from a shared
workflow that can reach nothing but those tables."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pandas as pd
import pytest

from dataflow.sdk import NodeError, check_node, check_schema, run_node
from dataflow_sql.query import query


def orders() -> pd.DataFrame:
    return pd.DataFrame({"order_id": [1, 2, 3, 4], "customer_id": [10, 11, 10, 12],
                         "price": [9.5, 20.0, 3.25, 7.0], "qty": [1, 2, 4, 1]})


def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [10, 11, 12], "region": ["north", "south", "north"]})


def test_a_join_and_group_by_give_what_pandas_gives():
    out = run_node(query, {"a": orders(), "b": customers()},
                   query="SELECT region, sum(price * qty) AS revenue, count(*) AS orders "
                         "FROM a JOIN b USING (customer_id) GROUP BY region ORDER BY region")["table"]
    merged = orders().merge(customers(), on="customer_id").assign(revenue=lambda t: t.price * t.qty)
    expected = merged.groupby("region").agg(revenue=("revenue", "sum"), orders=("order_id", "count")).reset_index()
    assert out["region"].tolist() == expected["region"].tolist()
    assert out["revenue"].tolist() == pytest.approx(expected["revenue"].tolist())
    assert out["orders"].tolist() == expected["orders"].tolist()


@pytest.mark.parametrize("text", [
    "SELECT * FROM a",
    "SELECT order_id, price * qty AS total, price > 5 AS big FROM a WHERE qty > 1",
    "SELECT region, avg(price) AS mean_price FROM a JOIN b USING (customer_id) GROUP BY region",
    "WITH t AS (SELECT customer_id, max(price) AS top FROM a GROUP BY 1) SELECT * FROM t JOIN b USING (customer_id)",
])
def test_the_declared_columns_are_the_real_ones(text):
    declared = check_schema(query, {"a": orders(), "b": customers()}, query=text)
    assert declared["table"] is not None


def test_the_declaration_is_complete():
    assert check_node(query) == []


@pytest.mark.parametrize(("text", "words"), [
    ("SELECT nope FROM a", 'Referenced column "nope" not found'),
    ("SELECT * FROM missing_table", "missing_table"),
    ("SELEC * FROM a", "syntax error"),
    ("", "type a query"),
])
def test_a_query_mistake_is_a_node_error_with_duckdbs_message(text, words):
    with pytest.raises(NodeError, match="parameter 'query'") as caught:
        run_node(query, {"a": orders()}, query=text)
    assert words in str(caught.value)


def test_validate_names_a_column_the_query_lacks_before_running(tmp_path):
    from tests.helpers import edge, write_workflow

    path = write_workflow(tmp_path / "w.json", [
        {"id": "load", "type": "samples.dataset", "params": {"name": "iris"}},
        {"id": "sql", "type": "sql.query", "params": {"query": "SELECT species, count(*) FROM a GROUP BY 1"}},
    ], [edge("load", "sql", "table", "a")])
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "validate", str(path), "--json"],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert done.returncode == 2 and report["problems"][0]["node"] == "sql"
    assert 'Referenced column "species" not found' in report["problems"][0]["message"]


# --- a hostile query reaches nothing but its inputs ------------------------------------------------

HOSTILE = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM '{secret}'",
    "ATTACH '{marker}' AS other",
    "COPY (SELECT * FROM a) TO '{marker}'",
    "SELECT 1; COPY (SELECT 1) TO '{marker}'",
    "INSTALL httpfs",
    "LOAD '{marker}'",
    "SET enable_external_access = true",
    "SELECT * FROM glob('/etc/*')",
    "CREATE TABLE t AS SELECT * FROM a",
    "EXPORT DATABASE '{folder}'",
    "SELECT * FROM tables",            # a name in the node's own Python frame is not a table
    "PRAGMA memory_limit = '100GB'",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_query_is_refused_and_writes_nothing(text, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    marker = tmp_path / "marker.out"
    text = text.format(secret=secret, marker=marker, folder=tmp_path / "export")
    with pytest.raises(NodeError, match="parameter 'query'") as caught:
        run_node(query, {"a": orders()}, query=text)
    assert "hunter2" not in str(caught.value)
    assert not marker.exists() and not (tmp_path / "export").exists()


def test_a_runaway_query_is_stopped_at_its_time_limit():
    started = time.perf_counter()
    with pytest.raises(NodeError, match="longer than 1 s"):
        run_node(query, {"a": orders()}, timeout=1.0,
                 query="WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t")
    assert time.perf_counter() - started < 10

