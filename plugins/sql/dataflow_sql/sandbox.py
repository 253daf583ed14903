"""A DuckDB connection that can touch nothing but the tables it is given.

A query comes from a workflow file, which may be shared, so it is untrusted. The connection is
in memory and its configuration is locked before the query runs: no file system access (no
`read_csv('/etc/passwd')`, `ATTACH`, `COPY ... TO`, spilling), no extension installed or
loaded, no Python object found by name in the caller's frames (only the registered inputs), a
memory limit and a thread count. The query must be one SELECT (or WITH ... SELECT) statement,
and it is interrupted after a time limit.

A query over files (`sql.query_files`) gets the same connection with two openings, set before
the lock: the exact files it may read (`allowed_paths`, each already resolved and checked to lie
in a granted folder) and a spill folder of its own inside DataFlow's private folder, so a
group-by larger than memory spills to disk instead of failing. DuckDB lets a locked connection
write into its temp folder (`COPY ... TO` there works); the single-SELECT check refuses COPY and
ATTACH before anything runs, and the folder is deleted when the query ends.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from dataflow.sdk import Cancelled, NodeError, private_folder, process_alive, progress

MEMORY_LIMIT = "2GB"
THREADS = 2
#: how often the watchdog looks at the running query (progress, time limit, Stop)
WATCH_INTERVAL = 0.25
_LOCKED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
    "memory_limit": MEMORY_LIMIT,
    "threads": THREADS,
    "temp_directory": "",
}


def connect(files: Sequence[str] = (), *, spill: str = "", memory_limit: str = MEMORY_LIMIT) -> Any:
    """An in-memory DuckDB connection with the locked configuration above; it may read only `files`
    (absolute, resolved paths) and spill only into the folder `spill` (none when empty)."""
    import duckdb

    config = dict(_LOCKED, memory_limit=memory_limit, temp_directory=spill)
    if files:
        config["enable_external_access"] = True  # switched off below, once the files are allowed
    connection = duckdb.connect(":memory:", config=config)
    if files:
        connection.execute("SET allowed_paths = $files", {"files": list(files)})
        connection.execute("SET enable_external_access = false")
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


class Watch:
    """What the watchdog saw: the time limit passed, or the run was stopped."""

    def __init__(self) -> None:
        self.timed_out = threading.Event()
        self.stopped = threading.Event()


@contextmanager
def time_limit(connection: Any, seconds: float) -> Iterator[Watch]:
    """Watch the connection's running query: interrupt it after `seconds` or when the run is
    stopped, and report DuckDB's own progress estimate as the node's progress."""
    seen, done = Watch(), threading.Event()
    deadline = time.monotonic() + seconds
    context = contextvars.copy_context()  # the node's context: `progress` reaches its run

    def watch() -> None:
        while not done.wait(min(WATCH_INTERVAL, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                seen.timed_out.set()
                connection.interrupt()
                return
            try:
                percent = connection.query_progress()
                context.run(progress, percent / 100 if percent >= 0 else None, "querying")
            except Cancelled:
                seen.stopped.set()
                connection.interrupt()
                return
            except Exception:  # noqa: BLE001 - a progress estimate is never worth failing the query
                pass

    watcher = threading.Thread(target=watch, name="dataflow-sql-watch", daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


@contextmanager
def spill_folder() -> Iterator[str]:
    """A fresh folder for DuckDB's spill files inside DataFlow's private folder, removed afterwards
    (with the folders that killed processes left behind)."""
    parent = private_folder("sql")
    for leftover in parent.glob("spill-*"):
        pid = leftover.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    folder = tempfile.mkdtemp(prefix=f"spill-{os.getpid()}-", dir=parent)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_select(query: str, tables: Mapping[str, Any], *, seconds: float, param: str = "query",
               files: Sequence[str] = (), memory_limit: str = MEMORY_LIMIT,
               prepare: Callable[[Any], None] | None = None) -> Any:
    """The result of one SELECT over `tables` (name -> DataFrame) as a DataFrame; every DuckDB error
    is a NodeError naming the parameter, with DuckDB's own message.

    With `files` the connection may read those files and spills into a private folder;
    `prepare(connection)` then defines the views the query reads (`data` over the files)."""
    import duckdb

    check_single_select(query, param)
    with spill_folder() if files else nullcontext("") as spill:
        connection = connect(files, spill=spill, memory_limit=memory_limit)
        try:
            for name, frame in tables.items():
                connection.register(name, frame)
            with time_limit(connection, seconds) as seen:
                try:
                    if prepare is not None:
                        prepare(connection)
                    return connection.execute(query).df()
                except duckdb.Error as exc:
                    if seen.stopped.is_set():
                        raise Cancelled("the run was stopped") from None
                    if seen.timed_out.is_set():
                        raise NodeError(f"the query ran longer than {seconds:g} s and was stopped",
                                        param=param) from None
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
