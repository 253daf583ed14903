"""Reading the disk tier's `cache.db` without opening a `diskcache.Cache`.

Opening `diskcache.Cache` writes every setting back to the database, one autocommitted
statement each: about 4 ms, more than a whole fully cached run of a workflow costs. Reads need
none of it. Under the tier's eviction policy (least recently *stored*) a read never updates a
row, so a lookup is one SELECT, the same one diskcache's own fast path runs, and the value is
fetched by `SafeDisk`, which refuses pickles. The tier opens the full `diskcache.Cache` only
when it first writes, deletes or counts. The writer thread's connection also inserts the packed
small entries (`inline.insert`), in transactions it opens itself.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .safedisk import SafeDisk

_ROW = ("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1"
        " AND (expire_time IS NULL OR expire_time > ?)")
_HAS = "SELECT rowid FROM Cache WHERE key = ? AND raw = 1 AND (expire_time IS NULL OR expire_time > ?)"


class CacheReader:
    """Plain SELECTs on one `cache.db`, with a connection per thread (as diskcache keeps them)."""

    def __init__(self, database: Path, disk: SafeDisk):
        self.database = database
        self.disk = disk
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
        A row in pickle mode raises `UnsafeRowError` (see SafeDisk)."""
        rows = self.connection().execute(_ROW, (key, time.time())).fetchall()
        if not rows:
            return None
        ((mode, filename, value),) = rows
        try:
            return self.disk.fetch(mode, filename, value, read)
        except OSError:  # deleted between the SELECT and the open: a miss, as in diskcache
            return None

    def close(self) -> None:
        """Close every thread's connection (a later read opens a new one)."""
        with self._lock:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for connection in connections:
            connection.close()
