"""Small entries as one row of `cache.db`: the packed format and the batched insert.

An entry whose manifest and port values add up to less than INLINE_MAX_BYTES is stored as a single
BLOB in the row under its key (SQLite reads and writes blobs this small faster than files):

    b"DFE1" | manifest length (4 bytes, big-endian) | manifest JSON (utf-8) | port values...

The manifest is the one `manifest.py` writes (the entry's own key, each port's type, serializer,
size and xxh3), and the values follow in the manifest's port order. Reading checks the key, each
port's size and its checksum, exactly as for an entry stored in rows and files: a swapped,
truncated or altered blob is a `CacheError`, never another node's data.

Writing: the background writer's whole batch of small entries goes in with one `executemany` of
`INSERT OR IGNORE` inside one `BEGIN IMMEDIATE ... COMMIT`: one transaction per batch, one
statement for all of its rows, and an entry another thread or process stored meanwhile stays as it
was (the unique (key, raw) index). A kill -9 mid-batch leaves the batch's rows all in or all out.
The rows go into diskcache's own `Cache` table with its columns (tag = key, size 0: the bytes are
in the database's pages, which `volume()` counts), so eviction, `delete`, `clear` and counting
treat them as any other entry.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from dataflow.sdk import CacheError

from .manifest import PortRecord, checksum, parse_manifest
from .reads import MODE_RAW

#: entries smaller than this (manifest and values together) are stored as one row
INLINE_MAX_BYTES = 64 << 10

MAGIC = b"DFE1"
_HEADER = len(MAGIC) + 4

_INSERT = ("INSERT OR IGNORE INTO Cache(key, raw, store_time, expire_time, access_time, access_count,"
           " tag, size, mode, filename, value) VALUES (?, 1, ?, NULL, ?, 0, ?, 0, ?, NULL, ?)")


def is_packed(value: Any) -> bool:
    """True when a row's value is a packed entry (an older layout's row holds manifest text)."""
    return isinstance(value, bytes) and value[:len(MAGIC)] == MAGIC


def pack(manifest: str, values: list[bytes | memoryview]) -> bytes:
    """The row value of an entry: its manifest (`manifest.dump_manifest`) and its ports' values,
    in the manifest's port order."""
    text = manifest.encode()
    return b"".join([MAGIC, len(text).to_bytes(4, "big"), text, *values])


def unpack(value: bytes, key: str) -> tuple[dict[str, tuple[PortRecord, memoryview]], list[str]]:
    """Each port's record and checked bytes, and the warnings, of the packed entry read under
    `key`; CacheError when anything does not match what its manifest says."""
    view = memoryview(value)
    if view.nbytes < _HEADER:
        raise CacheError(f"cache entry {key}: packed entry is truncated ({view.nbytes} bytes)")
    length = int.from_bytes(view[len(MAGIC):_HEADER], "big")
    end = _HEADER + length
    if end > view.nbytes:
        raise CacheError(f"cache entry {key}: packed entry is truncated (manifest of {length} bytes)")
    try:
        text = str(view[_HEADER:end], "utf-8")
    except UnicodeDecodeError as exc:
        raise CacheError(f"cache entry {key}: packed manifest is not text ({exc})") from None
    records, warnings = parse_manifest(text, key)
    ports: dict[str, tuple[PortRecord, memoryview]] = {}
    offset = end
    for port, record in records.items():
        data = view[offset:offset + record.size]
        offset += record.size
        if data.nbytes != record.size:
            raise CacheError(f"cache entry {key}, port '{port}': {data.nbytes} bytes stored, "
                             f"{record.size} expected (truncated)")
        if checksum(data) != record.xxh3:
            raise CacheError(f"cache entry {key}, port '{port}': checksum mismatch (the stored entry was altered)")
        ports[port] = (record, data)
    if offset != view.nbytes:
        raise CacheError(f"cache entry {key}: {view.nbytes - offset} bytes past its last port (altered)")
    return ports, warnings


def insert(connection: sqlite3.Connection, rows: list[tuple[str, bytes]]) -> None:
    """Insert the packed entries `rows` ((key, value) each) in one transaction on `connection`
    (autocommit mode, as `reads.CacheReader` opens them), keeping any already stored."""
    now = time.time()
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.executemany(_INSERT, [(key, now, now, key, MODE_RAW, sqlite3.Binary(value))
                                         for key, value in rows])
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def volume(connection: sqlite3.Connection) -> int:
    """Bytes the cache holds, as `diskcache.Cache.volume()` counts them: the database's pages
    (where packed entries live) plus the value files' sizes."""
    ((pages,),) = connection.execute("PRAGMA page_count").fetchall()
    ((page_size,),) = connection.execute("PRAGMA page_size").fetchall()
    rows = connection.execute("SELECT value FROM Settings WHERE key = 'size'").fetchall()
    return pages * page_size + (int(rows[0][0]) if rows else 0)
