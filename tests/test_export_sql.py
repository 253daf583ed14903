"""The sql plugin's exporter: the plain DuckDB code gives the node's table, on a connection as locked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sql import query
from dataflow_sql.export import EXPORTERS

from tests.exporting import exported, same_as_node


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return {"a": pd.DataFrame({"id": [1, 2, 3, 4], "price": [2.5, np.nan, 1.0, 4.0],
                               "when": pd.to_datetime(["2024-01-01", None, "2024-02-01", "2024-03-01"])}),
            "b": pd.DataFrame({"id": [1, 2, 4], "region": ["north", None, "east"]})}


@pytest.mark.parametrize("sql, ports", [
    ("SELECT * FROM a", "a"),
    ("SELECT region, sum(price) AS total, count(*) AS n FROM a JOIN b USING (id) GROUP BY region ORDER BY region",
     "ab"),
    ("WITH x AS (SELECT id, month(\"when\") AS m FROM a) SELECT * FROM x ORDER BY id", "a")])
def test_query_code_gives_the_nodes_table(tables, sql, ports):
    same_as_node(query.query, EXPORTERS["sql.query"], {p: tables[p] for p in ports}, query=sql)


@pytest.mark.parametrize("sql", ["SELECT * FROM read_csv('/etc/passwd')", "COPY a TO 'x.csv'",
                                 "SELECT 1; SELECT 2", "SET lock_configuration = false"])
def test_query_code_refuses_what_the_node_refuses(tables, sql, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - duckdb's own error, or ours
        exported(query.query, EXPORTERS["sql.query"], {"a": tables["a"]}, query=sql)
    assert caught.type is not AssertionError
    assert not (tmp_path / "x.csv").exists()
