"""Reading the disk tier's `cache.db` without opening a `diskcache.Cache`.

Opening `diskcache.Cache` writes every setting back to the database, one autocommitted
statement each: about 4 ms, more than a whole fully cached run of a workflow costs. Reads need
none of it. Under the tier's eviction policy (least recently *stored*) a read never updates a
row, so a lookup is one SELECT, the same one diskcache's own fast path runs, and the value is
fetched here, refusing pickles as `SafeDisk` does, without importing diskcache at all: a fully
cached run never loads the writing side's library. The tier opens the full `diskcache.Cache` only
when it first writes, deletes or counts. The writer thread's connection also inserts the packed
small entries (`inline.insert`), in transactions it opens itself.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from dataflow.sdk import CacheError

#: diskcache's storage modes (`diskcache.core.MODE_*`), repeated so that reading needs no diskcache
#: (a test checks they match): bytes or text in the row, bytes or text in a value file, a pickle
MODE_RAW, MODE_BINARY, MODE_TEXT, MODE_PICKLE = 1, 2, 3, 4


class UnsafeRowError(CacheError):
    """A row in the cache database asks to be unpickled: the cache was tampered with."""


def fetch(directory: str, mode: int, filename: str | None, value: Any, read: bool) -> Any:
    """A row's value as diskcache's `Disk.fetch` returns it (an open file when `read` and it lives
    in a file), except that a pickle, or any mode the disk tier does not write, raises
    `UnsafeRowError` without its payload being looked at."""
    if mode == MODE_RAW:
        return bytes(value) if isinstance(value, memoryview) else value
    if mode == MODE_BINARY and filename is not None:
        path = os.path.join(directory, filename)
        if read:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        with open(path, "rb") as handle:
            return handle.read()
    if mode == MODE_TEXT and filename is not None:
        with open(os.path.join(directory, filename), encoding="UTF-8") as handle:
            return handle.read()
    if mode == MODE_PICKLE:
        raise UnsafeRowError("a row in cache.db is in pickle mode; it was not unpickled "
                             "(the cache folder was tampered with)")
    if mode in (MODE_BINARY, MODE_TEXT):
        raise CacheError("a row in cache.db stored in a value file names no file")
    raise UnsafeRowError(f"a row in cache.db has unknown storage mode {mode!r}")

_ROW = ("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1"
        " AND (expire_time IS NULL OR expire_time > ?)")
_HAS = "SELECT rowid FROM Cache WHERE key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)"


class CacheReader:
    """Plain SELECTs on one `cache.db`, with a connection per thread (as diskcache keeps them)."""

    def __init__(self, database: Path):
        self.database = database
        self.directory = str(database.parent)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: a writer opens its own transactions)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(str(self.database), timeout=60, isolation_level=None,
                                         check_same_thread=False)
            # as diskcache's own connections (the database is in WAL mode): a commit does not wait
            # for fsync; a crash leaves the database consistent, a power loss may lose the last commits
            connection.execute("PRAGMA synchronous = NORMAL")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def check(self) -> None:
        """Raise `sqlite3.Error` unless the database opens and has the table the tier reads."""
        self.connection().execute("SELECT rowid FROM Cache LIMIT 0").fetchall()

    def contains(self, key: str) -> bool:
        """True when a row for `key` is present (nothing is read)."""
        return bool(self.connection().execute(_HAS, (key, time.time())).fetchall())

    def get(self, key: str, *, read: bool) -> Any:
        """The stored value (an open file when `read` and it lives in a file), or None.
        A row in pickle mode raises `UnsafeRowError` (see `fetch`)."""
        rows = self.connection().execute(_ROW, (key, time.time())).fetchall()
        if not rows:
            return None
        ((mode, filename, value),) = rows
        try:
            return fetch(self.directory, mode, filename, value, read)
        except OSError:  # deleted between the SELECT and the open: a miss, as in diskcache
            return None

    def close(self) -> None:
        """Close every thread's connection (a later read opens a new one)."""
        with self._lock:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for connection in connections:
            connection.close()
