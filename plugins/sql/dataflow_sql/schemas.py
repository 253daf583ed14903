"""The columns of a query's result without running it: DuckDB describes the query over empty tables
that have the inputs' columns."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from dataflow.sdk import ColumnSchema, NodeError, TableSchema

from .sandbox import _first_line, check_single_select, connect

#: how a column of each kind is declared to DuckDB (a category or an unknown kind: as text, a guess)
_TO_DUCKDB = {"number": "DOUBLE", "integer": "BIGINT", "text": "VARCHAR", "boolean": "BOOLEAN",
              "datetime": "TIMESTAMP", "category": "VARCHAR", "other": "VARCHAR"}


def _kind(duckdb_type: str) -> str:
    """The kind of a result column in pandas, from DuckDB's type. An integer column may come out
    with missing values, so as decimals: it is declared a number (which an integer column fits)."""
    name = duckdb_type.upper()
    if name in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "DOUBLE", "FLOAT", "REAL") or name.startswith("DECIMAL"):
        return "number"
    if name == "VARCHAR":
        return "text"
    if name.startswith("TIMESTAMP"):
        return "datetime"
    return "other"  # BOOLEAN with missing values becomes objects; DATE, lists, structs ...


@functools.lru_cache(maxsize=1)
def _schema_database() -> Any:
    """One locked in-memory DuckDB for the schema pass (opening one costs 15-20 ms, a third of the
    pass's budget, and the pass runs again at each edit of the query); a cursor per call."""
    return connect()


def query_schema(query: str, inputs: Mapping[str, TableSchema]) -> TableSchema | None:
    """The result's columns; NodeError with DuckDB's message when the query does not fit the inputs."""
    import duckdb

    check_single_select(query)
    if any(not t.complete for t in inputs.values()):
        return None  # a column DuckDB is not told of may be the one the query names
    guessed = any(not t.exact or c.kind in ("other", "category") for t in inputs.values() for c in t.columns)
    connection = _schema_database().cursor()  # its own temporary tables, dropped when it closes
    try:
        for name, table in inputs.items():
            columns = ", ".join(f'"{c.name.replace(chr(34), chr(34) * 2)}" {_TO_DUCKDB[c.kind]}' for c in table.columns)
            connection.execute(f'CREATE TEMP TABLE "{name}" ({columns or "_empty INTEGER"})')
        try:
            described = connection.execute(f"DESCRIBE {query}").fetchall()
        except duckdb.Error as exc:
            if guessed and not isinstance(exc, (duckdb.CatalogException, duckdb.BinderException)):
                return None  # it may only be the guessed kinds that do not fit
            if guessed and "No function matches" in str(exc):
                return None
            raise NodeError(f"the query does not fit its inputs: {_first_line(exc)}", param="query") from None
    finally:
        connection.close()
    return TableSchema(tuple(ColumnSchema(row[0], _kind(row[1])) for row in described), exact=not guessed)
