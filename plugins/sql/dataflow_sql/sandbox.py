"""A DuckDB connection that can touch nothing but the tables it is given.

A query comes from a workflow file, which may be shared, so it is untrusted. The connection is
in memory and its configuration is locked before the query runs: no file system access (no
`read_csv('/etc/passwd')`, `ATTACH`, `COPY ... TO`, spilling), no extension installed or
loaded, no Python object found by name in the caller's frames (only the registered inputs), a
memory limit and a thread count. The query must be one SELECT (or WITH ... SELECT) statement,
and it is interrupted after a time limit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dataflow.sdk import NodeError

MEMORY_LIMIT = "2GB"
THREADS = 2
_LOCKED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
    "memory_limit": MEMORY_LIMIT,
    "threads": THREADS,
    "temp_directory": "",
}


def connect() -> Any:
    """An in-memory DuckDB connection with the locked configuration above."""
    import duckdb

    connection = duckdb.connect(":memory:", config=dict(_LOCKED))
    connection.execute("SET lock_configuration = true")
    return connection


def check_single_select(query: str, param: str = "query") -> None:
    """NodeError unless `query` is exactly one SELECT statement (WITH ... SELECT included)."""
    import duckdb

    if not query.strip():
        raise NodeError("type a query, e.g. SELECT * FROM a WHERE price > 10", param=param)
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise NodeError(f"the query cannot be read: {_first_line(exc)}", param=param) from None
    if len(statements) != 1:
        raise NodeError(f"write one query; this text holds {len(statements)} statements", param=param)
    if statements[0].type != duckdb.StatementType.SELECT:
        raise NodeError(f"only a SELECT query can run here, not {statements[0].type.name}", param=param)


@contextmanager
def time_limit(connection: Any, seconds: float) -> Iterator[threading.Event]:
    """Interrupt the connection's running query after `seconds`; the event says it fired."""
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        connection.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def run_select(query: str, tables: Mapping[str, Any], *, seconds: float, param: str = "query") -> Any:
    """The result of one SELECT over `tables` (name -> DataFrame) as a DataFrame; every DuckDB error
    is a NodeError naming the parameter, with DuckDB's own message."""
    import duckdb

    check_single_select(query, param)
    connection = connect()
    try:
        for name, frame in tables.items():
            connection.register(name, frame)
        with time_limit(connection, seconds) as fired:
            try:
                return connection.execute(query).df()
            except duckdb.Error as exc:
                if fired.is_set():
                    raise NodeError(f"the query ran longer than {seconds:g} s and was stopped", param=param) from None
                raise NodeError(f"the query failed: {_first_line(exc)}", param=param) from None
    finally:
        connection.close()


def _first_line(exc: BaseException) -> str:
    """DuckDB's message without the query excerpt that follows it (`LINE 1: ...`)."""
    lines = []
    for line in str(exc).strip().splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines) or type(exc).__name__
