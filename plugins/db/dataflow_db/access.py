"""Opening a database, reading a table or a query, writing a table: the parts SQLite and PostgreSQL share.

Reading is read-only by construction, not by promise:
- PostgreSQL: the session starts with `default_transaction_read_only=on` and every read runs in a
  `READ ONLY` transaction; a query runs through the extended protocol (psycopg's binary mode),
  which takes exactly one statement, so `SELECT 1; COMMIT; DROP ...` is refused by the server.
  `statement_timeout` bounds the query, `connect_timeout` and `tcp_user_timeout` the network.
- SQLite: the file is opened with `mode=ro`; while a query runs an authorizer allows reading only
  (no ATTACH of another file, no PRAGMA, no write, no extension); Python's sqlite3 runs one
  statement per call; a progress handler stops a query at its time limit.
Values go in as bound parameters (`WHERE region = :region` with `{"region": "north"}`), never
into the SQL text; a table's name is quoted by SQLAlchemy, never pasted.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from dataflow.sdk import ColumnSchema, NodeError, TableSchema, did_you_mean

from .connections import Connection

IF_EXISTS = {"create": "fail", "replace": "replace", "append": "append"}
_SQLITE_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                        getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def first_line(exc: BaseException) -> str:
    """A driver's message without SQLAlchemy's `[SQL: ...]` and background-link tails."""
    cause = exc.__cause__ if type(exc).__name__ == "DatabaseError" and exc.__cause__ else exc  # pandas' wrapper
    original = getattr(cause, "orig", None) or cause
    text = str(original).strip().splitlines()
    return (text[0] if text else type(original).__name__).strip()


# --- engines ------------------------------------------------------------------------------------

def postgres_engine(connection: Connection, *, timeout: float, read_only: bool) -> Any:
    """A SQLAlchemy engine for one node call (no pool: each run connects and disconnects)."""
    from sqlalchemy import URL, create_engine
    from sqlalchemy.pool import NullPool

    milliseconds = max(1, int(timeout * 1000))
    options = f"-c statement_timeout={milliseconds} -c idle_in_transaction_session_timeout={milliseconds}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    url = URL.create("postgresql+psycopg", username=connection.user or None, password=connection.password or None,
                     host=connection.host, port=connection.port, database=connection.database or None)
    return create_engine(url, poolclass=NullPool, connect_args={
        "connect_timeout": max(2, int(connection.connect_timeout)), "options": options,
        "application_name": "dataflow", "tcp_user_timeout": milliseconds + 5000})


def sqlite_engine(path: Path, *, timeout: float, read_only: bool) -> Any:
    """A SQLAlchemy engine over one SQLite file (read-only: opened with mode=ro), whose connections
    stop a statement running past `timeout` seconds."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    uri = f"file:{pathname2url(str(path))}?mode={'ro' if read_only else 'rwc'}"

    def creator() -> sqlite3.Connection:
        raw = sqlite3.connect(uri, uri=True, timeout=min(timeout, 30), check_same_thread=False)
        deadline = time.monotonic() + timeout
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        return raw

    return create_engine("sqlite://", creator=creator, poolclass=NullPool)


@contextmanager
def opened(engine: Any, where: str, param: str) -> Iterator[Any]:
    """A connection of `engine`; a failure to connect is a NodeError naming `where` and `param`."""
    from sqlalchemy.exc import DBAPIError

    try:
        connection = engine.connect()
    except DBAPIError as exc:
        raise NodeError(f"cannot connect to {where}: {first_line(exc)}", param=param) from None
    try:
        yield connection
    finally:
        connection.close()
        engine.dispose()


# --- reading --------------------------------------------------------------------------------------

def split_name(name: str, param: str = "table_name") -> tuple[str | None, str]:
    """`schema.table` or `table` -> (schema or None, table)."""
    text = name.strip()
    if not text or "\x00" in text or len(text) > 127:
        raise NodeError(f"'{name}' is not a table name", param=param)
    schema, dot, table = text.rpartition(".")
    return (schema or None) if dot else None, table


def reflect(connection: Any, name: str) -> Any:
    """The table called `name` with its columns and types; a NodeError with 'did you mean' otherwise."""
    from sqlalchemy import MetaData, Table, inspect
    from sqlalchemy.exc import NoSuchTableError

    schema, table = split_name(name)
    try:
        return Table(table, MetaData(), schema=schema, autoload_with=connection)
    except NoSuchTableError:
        known = inspect(connection).get_table_names(schema=schema) + inspect(connection).get_view_names(schema=schema)
        raise NodeError(f"there is no table '{name}'{did_you_mean(table, known)}; tables: "
                        f"{', '.join(sorted(known)[:20]) or 'none'}", param="table_name") from None


def check_choice(table: str, query: str) -> None:
    if bool(table.strip()) == bool(query.strip()):
        raise NodeError("give either a table to read or a query, not both" if table.strip() else
                        "name a table to read, or write a query", param="table_name" if table.strip() else "query")


def read_table(connection: Any, table: str, query: str, params: Mapping[str, Any], *, guard: Any = None) -> Any:
    """The table, or the query's result, as a DataFrame. `guard(connection)` is a context manager
    put around the user's query (SQLite's authorizer); PostgreSQL queries go through `_pg_query`."""
    import pandas as pd
    from sqlalchemy import select, text
    from sqlalchemy.exc import DBAPIError, StatementError

    check_choice(table, query)
    try:
        if table.strip():
            if params:
                raise NodeError("query parameters apply to a query; leave them empty to read a table", param="params")
            return pd.read_sql(select(reflect(connection, table)), connection, coerce_float=True)
        if connection.dialect.name == "postgresql":
            return _pg_query(connection, text(query), params)
        with guard(connection) if guard else _nothing():
            result = connection.execute(text(query), dict(params))
            return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()), coerce_float=True)
    except (DBAPIError, StatementError, sqlite3.Error, *_driver_errors()) as exc:
        message = first_line(exc)
        if message == "interrupted" or "statement timeout" in message:
            raise NodeError("the query ran longer than its time limit and was stopped", param="timeout") from None
        raise NodeError(f"the query failed: {message}", param="query" if query.strip() else "table_name") from None



def _driver_errors() -> tuple[type[Exception], ...]:
    """The driver's own errors (a query run on psycopg's cursor raises them unwrapped) and pandas' wrapper."""
    from pandas.errors import DatabaseError

    try:
        import psycopg
    except ImportError:
        return (DatabaseError,)
    return (psycopg.Error, DatabaseError)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _pg_query(connection: Any, statement: Any, params: Mapping[str, Any]) -> Any:
    """One statement through the extended protocol, inside a READ ONLY transaction."""
    import pandas as pd

    compiled = statement.bindparams(**params).compile(dialect=connection.dialect)
    raw = connection.connection.driver_connection
    raw.read_only = True
    with raw.cursor() as cursor:
        cursor.execute(compiled.string, compiled.params, binary=True)
        if cursor.description is None:
            raise NodeError("the query returned no rows or columns; write a SELECT", param="query")
        columns = [d.name for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns, coerce_float=True)


@contextmanager
def sqlite_read_only(connection: Any) -> Iterator[None]:
    """While the user's query runs: reading only (no ATTACH, PRAGMA, write, extension)."""
    raw = connection.connection.driver_connection

    def authorize(action: int, *_: Any) -> int:
        return sqlite3.SQLITE_OK if action in _SQLITE_READ_ACTIONS else sqlite3.SQLITE_DENY

    raw.set_authorizer(authorize)
    try:
        yield
    finally:
        raw.set_authorizer(None)


# --- writing --------------------------------------------------------------------------------------

def write_table(connection: Any, frame: Any, name: str, if_exists: str) -> int:
    """Write `frame` as table `name` in one transaction (create, replace or append); the row count."""
    from sqlalchemy.exc import DBAPIError

    schema, table = split_name(name)
    if len(set(map(str, frame.columns))) != frame.shape[1]:
        raise NodeError("the table has two columns with the same name; rename one first", param="table_name")
    try:
        with connection.begin():
            frame.to_sql(table, connection, schema=schema, if_exists=IF_EXISTS[if_exists], index=False,
                         chunksize=10_000)
    except ValueError as exc:
        if "already exists" in str(exc):
            raise NodeError(f"the table '{name}' already exists; choose 'replace' or 'append', or another name",
                            param="if_exists") from None
        raise NodeError(f"cannot write the table: {exc}", param="table_name") from None
    except (DBAPIError, *_driver_errors()) as exc:
        raise NodeError(f"cannot write the table '{name}': {first_line(exc)}", param="table_name") from None
    return len(frame)


# --- columns before running -----------------------------------------------------------------------

def kind_of(sql_type: Any) -> str:
    """A column's kind in pandas from its SQL type (an integer column may hold NULLs: a number)."""
    from sqlalchemy import types

    if isinstance(sql_type, (types.Integer, types.Numeric)):
        return "number"
    if isinstance(sql_type, (types.String, types.Text)):
        return "text"
    if isinstance(sql_type, types.DateTime):
        return "datetime"
    return "other"


def table_schema(connection: Any, name: str) -> TableSchema:
    table = reflect(connection, name)
    return TableSchema(tuple(ColumnSchema(c.name, kind_of(c.type)) for c in table.columns), exact=False)
