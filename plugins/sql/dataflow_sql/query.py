"""`sql.query`: a SQL query over up to three input tables, named by their ports: a, b and c."""

from __future__ import annotations

from typing import Annotated

from dataflow.sdk import Bounds, Help, NodeError, Table, TableSchema, node

from .sandbox import run_select
from .schemas import query_schema

QUERY_HELP = ("One SELECT over the inputs, each a table named by its port: a, b, c. For example "
              "SELECT region, sum(price * qty) AS revenue FROM a GROUP BY region, or "
              "SELECT * FROM a JOIN b USING (customer_id). DuckDB's SQL; files, the network and "
              "extensions are out of reach.")


def _schema(a: TableSchema, b: TableSchema | None = None, c: TableSchema | None = None, *, query: str,
            timeout: float) -> TableSchema | None:
    return query_schema(query, {name: t for name, t in (("a", a), ("b", b), ("c", c)) if t is not None})


@node(category="Transform/SQL", label="SQL query", schema=_schema)
def query(
    a: Table,
    b: Table | None = None,
    c: Table | None = None,
    *,
    query: Annotated[str, Help(QUERY_HELP)] = "SELECT * FROM a",
    timeout: Annotated[float, Bounds(0.1, 86_400), Help("Stop the query after this many seconds")] = 300.0,
) -> Table:
    """Query the input tables with SQL (DuckDB, in-process): SELECT ... FROM a JOIN b ..."""
    tables = {name: frame for name, frame in (("a", a), ("b", b), ("c", c)) if frame is not None}
    for name, frame in tables.items():
        if len(set(map(str, frame.columns))) != frame.shape[1]:
            raise NodeError(f"input {name} has two columns with the same name; rename one first")
    return run_select(query, tables, seconds=timeout)
