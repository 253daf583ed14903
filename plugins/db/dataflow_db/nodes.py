"""The database nodes: read and write a SQLite file (in a granted folder) and a PostgreSQL database
(through a named connection; see connections.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, FilePath, Help, NodeError, Table, TableSchema, node

from . import connections
from .access import (
    opened,
    postgres_engine,
    read_table,
    sqlite_engine,
    sqlite_read_only,
    table_schema,
    write_table,
)

SQLITE_EXTENSIONS = (".sqlite", ".sqlite3", ".db")
SQLITE_HEADER = b"SQLite format 3\x00"
CONNECTION_HELP = ("The name of a connection added on the app's Connections page (or set in the environment as "
                   "DATAFLOW_DB_<NAME>=postgresql://user:password@host:port/database); the workflow stores only "
                   "the name, never a password")
TABLE_HELP = "The table to read, as name or schema.name; leave empty to run a query instead"
QUERY_HELP = ("One SELECT, when no table is named. Values go in as parameters: WHERE region = :region with "
              "{\"region\": \"north\"} in Query parameters")
PARAMS_HELP = "Values for the query's :name placeholders, bound by the driver (never pasted into the SQL)"
TIMEOUT_HELP = "Stop the query (and a connection attempt) after this many seconds"
REFRESH_HELP = ("When to read the database again rather than reuse the cached table: 'every run' (the default: "
                "a database changes without DataFlow knowing), 'every N minutes', or 'on request' (only when a "
                "parameter changes or the workflow runs without its cache)")
WRITE_TABLE_HELP = "The table to write, as name or schema.name"
IF_EXISTS_HELP = ("create: a new table (an error if one exists); replace: drop and recreate it; append: add "
                  "the rows to it (the columns must fit). Done in one transaction.")


#: a database read's columns before running: none known, any may come (not None, "unknown", so
#: that the nodes downstream still have their own parameters checked, a write's connection say)
UNKNOWN_COLUMNS = TableSchema((), exact=False, complete=False)


def _passed_on(table: TableSchema | None, **_: Any) -> TableSchema | None:
    """A write node passes its input on unchanged."""
    return table


# --- SQLite ---------------------------------------------------------------------------------------

def _sqlite_fingerprint(params: dict[str, Any]) -> str:
    """A write-ahead log holds changes the database file's size and time do not show yet."""
    wal = f"{params.get('path', '')}-wal"
    try:
        info = os.stat(wal)
    except OSError:
        return "no wal"
    return f"wal|{info.st_size}|{info.st_mtime_ns}"


def _check_sqlite_file(path: str, *, must_exist: bool) -> Path:
    if not str(path).strip():
        raise NodeError("no database file chosen; pick a .sqlite or .db file", param="path")
    file = Path(path)
    if not file.exists():
        if must_exist:
            raise NodeError(f"{file} does not exist; check the name and folder", param="path")
        return file
    if not file.is_file():
        raise NodeError(f"{file} is not a file", param="path")
    with open(file, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER and (must_exist or header):
        raise NodeError(f"'{file.name}' is not a SQLite database", param="path")
    return file


def _read_sqlite_schema(*, path: str, table_name: str, query: str, params: dict[str, Any],
                        timeout: float) -> TableSchema | None:
    """A table's columns from the file's own schema (no rows read); a query's are unknown."""
    if not table_name.strip() or query.strip() or not path:
        return UNKNOWN_COLUMNS
    try:
        file = _check_sqlite_file(path, must_exist=True)
    except (NodeError, OSError):
        return None
    with opened(sqlite_engine(file, timeout=timeout, read_only=True), f"the SQLite file {file}", "path") as db:
        return table_schema(db, table_name)


@node(category="Input/Databases", label="Read SQLite", schema=_read_sqlite_schema, fingerprint=_sqlite_fingerprint)
def read_sqlite(
    *,
    path: Annotated[str, FilePath("read", extensions=SQLITE_EXTENSIONS), Help("The SQLite database file")] = "",
    table_name: Annotated[str, Help(TABLE_HELP)] = "",
    query: Annotated[str, Help(QUERY_HELP)] = "",
    params: Annotated[dict[str, Any], Help(PARAMS_HELP)] = {},  # noqa: B006
    timeout: Annotated[float, Bounds(0.1, 86_400), Help(TIMEOUT_HELP)] = 300.0,
) -> Table:
    """Read a table, or the result of a query, from a SQLite database file (read-only).

    The file is opened read-only, and a query may only read: ATTACH, PRAGMA and writes are refused.
    Editing the file re-runs the node.
    """
    file = _check_sqlite_file(path, must_exist=True)
    with opened(sqlite_engine(file, timeout=timeout, read_only=True), f"the SQLite file {file}", "path") as db:
        return read_table(db, table_name, query, params, guard=sqlite_read_only)


@node(category="Output/Databases", label="Write SQLite", cache="none", schema=_passed_on)
def write_sqlite(
    table: Table,
    *,
    path: Annotated[str, FilePath("write", extensions=SQLITE_EXTENSIONS),
                    Help("The SQLite database file (created if missing; its folder must exist)")] = "",
    table_name: Annotated[str, Help(WRITE_TABLE_HELP)] = "",
    if_exists: Annotated[Literal["create", "replace", "append"], Help(IF_EXISTS_HELP)] = "create",
) -> Table:
    """Write the table into a SQLite database file (create, replace or append) and pass it on."""
    file = _check_sqlite_file(path, must_exist=False)
    if not file.parent.is_dir():
        raise NodeError(f"the folder {file.parent} does not exist; create it first", param="path")
    if not table_name.strip():
        raise NodeError("name the table to write, e.g. sales", param="table_name")
    with opened(sqlite_engine(file, timeout=3600, read_only=False), f"the SQLite file {file}", "path") as db:
        write_table(db, table, table_name, if_exists)
    return table


# --- PostgreSQL -----------------------------------------------------------------------------------

def _refresh_fingerprint(params: dict[str, Any]) -> str:
    refresh = params.get("refresh", "every run")
    if refresh == "every run":
        return f"read at {time.time_ns()}"
    if refresh == "every N minutes":
        period = 60 * max(1, int(params.get("refresh_minutes") or 1))
        return f"period {int(time.time() // period)} of {period} s"
    return "on request"


def _connection_schema(*, connection: str, **_: Any) -> TableSchema | None:
    """No columns before running (that would connect), but an unknown connection is named."""
    connections.get(connection)
    return UNKNOWN_COLUMNS


def _write_postgres_schema(table: TableSchema | None, *, connection: str, **_: Any) -> TableSchema | None:
    connections.get(connection)
    return table


@node(category="Input/Databases", label="Read PostgreSQL", schema=_connection_schema, fingerprint=_refresh_fingerprint)
def read_postgres(
    *,
    connection: Annotated[str, Help(CONNECTION_HELP)] = "",
    table_name: Annotated[str, Help(TABLE_HELP)] = "",
    query: Annotated[str, Help(QUERY_HELP)] = "",
    params: Annotated[dict[str, Any], Help(PARAMS_HELP)] = {},  # noqa: B006
    refresh: Annotated[Literal["every run", "every N minutes", "on request"], Help(REFRESH_HELP)] = "every run",
    refresh_minutes: Annotated[int, Bounds(1, 525_600), Help("For 'every N minutes': N")] = 60,
    timeout: Annotated[float, Bounds(1, 86_400), Help(TIMEOUT_HELP)] = 300.0,
) -> Table:
    """Read a table, or the result of a query, from PostgreSQL through a named connection (read-only).

    The session is read-only on the server's side, a query is exactly one statement, and values are
    bound parameters. A connection that fails (server down, wrong password, timeout) is an error
    naming the connection.
    """
    found = connections.get(connection)
    engine = postgres_engine(found, timeout=timeout, read_only=True)
    with opened(engine, f"connection '{found.name}' ({found.host}:{found.port}/{found.database})", "connection") as db:
        return read_table(db, table_name, query, params)


@node(category="Output/Databases", label="Write PostgreSQL", cache="none", schema=_write_postgres_schema)
def write_postgres(
    table: Table,
    *,
    connection: Annotated[str, Help(CONNECTION_HELP + "; it must allow writes")] = "",
    table_name: Annotated[str, Help(WRITE_TABLE_HELP)] = "",
    if_exists: Annotated[Literal["create", "replace", "append"], Help(IF_EXISTS_HELP)] = "create",
    timeout: Annotated[float, Bounds(1, 86_400), Help(TIMEOUT_HELP)] = 300.0,
) -> Table:
    """Write the table into PostgreSQL through a named connection that allows writes, and pass it on."""
    found = connections.get(connection)
    if not found.allow_writes:
        raise NodeError(f"connection '{found.name}' is read-only; allow writes for it on the Connections page "
                        f"(or add ?allow_writes=true to {connections.env_name(found.name)})", param="connection")
    if not table_name.strip():
        raise NodeError("name the table to write, e.g. sales or analytics.sales", param="table_name")
    engine = postgres_engine(found, timeout=timeout, read_only=False)
    with opened(engine, f"connection '{found.name}' ({found.host}:{found.port}/{found.database})", "connection") as db:
        write_table(db, table, table_name, if_exists)
    return table


NODES = (read_sqlite, write_sqlite, read_postgres, write_postgres)
