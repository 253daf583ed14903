"""A `diskcache.Disk` that never pickles, in either direction.

diskcache stores anything that is not bytes, str, int or float by pickling it, and unpickles
whatever row it finds in "pickle mode" when reading. Anyone who can write to the cache folder
(one replaced value file, one edited row in `cache.db`) can then run code in the next process
that reads the cache; `JSONDisk` does not help, a tampered row still unpickles. `SafeDisk`
closes both doors:

- storing: only bytes, bytes-like buffers (memoryview, bytearray, written straight to a file
  without a copy), files the caller wrote itself (`WrittenFile`), str, 64-bit int and float are
  accepted; anything else raises
  `UnsafeValueError` before a byte is written;
- fetching: a row in pickle mode (or any mode this class does not write) raises
  `UnsafeRowError` without looking at the payload; a key stored pickled (`raw` = 0) does too.

Both errors are `CacheError`s, so the tier reports such an entry as unreadable and the
composer treats it as a miss.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import Any

from diskcache import Disk
from diskcache.core import MODE_BINARY, MODE_PICKLE, MODE_RAW, MODE_TEXT, UNKNOWN

from dataflow.sdk import CacheError

from .manifest import WrittenFile
from .reads import UnsafeRowError

__all__ = ["SafeDisk", "UnsafeRowError", "UnsafeValueError", "WrittenFile"]

_INT64 = (-(2**63), 2**63 - 1)


class UnsafeValueError(CacheError):
    """A value of a type the disk tier would have to pickle was offered for storage."""


def _plain(value: Any) -> bool:
    """True for the scalar types diskcache stores without pickling."""
    kind = type(value)
    if kind is int:
        return _INT64[0] <= value <= _INT64[1]
    return kind in (bytes, str, float)


class SafeDisk(Disk):
    """Keys and values as plain bytes, text and numbers only; pickles are refused both ways."""

    # --- keys -------------------------------------------------------------------------

    def put(self, key: Any) -> tuple[Any, bool]:
        """Database form of `key`; refuse keys that would be pickled."""
        if not _plain(key):
            raise UnsafeValueError(f"cache key of type {type(key).__name__} refused: keys must be str")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        """Python form of a database key; a pickled key raises instead of being unpickled."""
        if not raw:
            raise UnsafeRowError("a key in cache.db is stored pickled: the cache folder was tampered with")
        return super().get(key, raw)

    # --- values -----------------------------------------------------------------------

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[int, int, str | None, Any]:
        """Database fields for `value`: raw in the row when small, else a file; never a pickle."""
        if isinstance(value, WrittenFile):
            return value.size, MODE_BINARY, value.filename, None
        if read:
            raise UnsafeValueError("file-like values are not accepted: pass bytes")
        if isinstance(value, (memoryview, bytearray)):
            return self._store_buffer(value, key)
        if not _plain(value):
            raise UnsafeValueError(f"value of type {type(value).__name__} refused: the disk tier stores "
                                   "bytes, str and numbers only and never pickles")
        return super().store(value, read, key=key)

    def filename(self, key: Any = UNKNOWN, value: Any = UNKNOWN) -> tuple[str, str]:
        """diskcache's random `ab/cd/<hex>.val`, with the writer's process id in front of the hex
        (`ab/cd/<pid>-<hex>.val`): a value file no row names and whose writer is gone is a leftover
        of a killed write, which `DiskTier` removes (see `orphans`)."""
        hex_name = os.urandom(16).hex()
        filename = os.path.join(hex_name[:2], hex_name[2:4], f"{os.getpid()}-{hex_name[4:]}.val")
        return filename, os.path.join(self._directory, filename)

    def new_file(self, key: Any = UNKNOWN) -> tuple[str, str]:
        """A fresh (filename, full path) for a value its caller writes itself, then stores as a
        `WrittenFile`; the file's folder exists (made again if a cull removes it meanwhile)."""
        filename, full_path = self.filename(key)
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
        return filename, full_path

    def _store_buffer(self, value: memoryview | bytearray, key: Any) -> tuple[int, int, str | None, Any]:
        view = memoryview(value)
        try:
            view = view.cast("B")
        except TypeError:  # not C-contiguous: one copy is unavoidable
            view = memoryview(view.tobytes())
        if view.nbytes < self.min_file_size:
            return 0, MODE_RAW, None, sqlite3.Binary(view.tobytes())
        filename, full_path = self.filename(key, value)
        _write_new(full_path, view)
        return view.nbytes, MODE_BINARY, filename, None

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        """The stored value (an open file when `read` and it lives in a file); pickles raise."""
        if mode == MODE_PICKLE:
            raise UnsafeRowError("a row in cache.db is in pickle mode; it was not unpickled "
                                 "(the cache folder was tampered with)")
        if mode not in (MODE_RAW, MODE_BINARY, MODE_TEXT):
            raise UnsafeRowError(f"a row in cache.db has unknown storage mode {mode!r}")
        return super().fetch(mode, filename, value, read)


def _write_new(full_path: str, view: memoryview) -> None:
    """Write `view` to a new file (its folder may be removed concurrently by a cull: retry)."""
    folder = os.path.dirname(full_path)
    for attempt in range(10):
        with contextlib.suppress(OSError):
            os.makedirs(folder, exist_ok=True)
        try:
            handle = open(full_path, "xb")  # noqa: SIM115 - closed below
        except OSError:
            if attempt == 9:
                raise
            continue
        try:
            with handle:
                handle.write(view)
        except BaseException:  # a full disk: no partial file stays behind to keep it full
            with contextlib.suppress(OSError):
                os.unlink(full_path)
            raise
        return
