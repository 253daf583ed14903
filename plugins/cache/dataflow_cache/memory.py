"""The memory tier: a least-recently-used map of entries, bounded by bytes.

Entries are kept as the very objects the engine handed over (no copy, no serialization), in an
`OrderedDict` whose order is recency: a `get` moves its entry to the end, and a `put` that
pushes the total past `settings.memory_bytes` evicts from the front until it fits. The size of
an entry is the sum, over its ports, of the port type's `Serializer.sizeof(value)`
(`sys.getsizeof` when no serializer is registered for the type); it is computed once, at `put`.
An entry larger than the whole bound is not stored at all (it would evict everything else and
then itself).

A hit is a dictionary lookup under a lock: microseconds, whatever the size of the table.
Handing out a value that a node must not mutate is the engine's job (`Serializer.share`).
The lock makes the tier safe for the engine's threads and the cache's background writer.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from typing import Any

from dataflow.sdk import CacheEntry, CacheSettings, CacheTier

log = logging.getLogger(__name__)


class MemoryTier(CacheTier):
    """Node outputs kept in this process, least recently used evicted first."""

    id = "memory"
    order = 0
    persistent = False
    description = "in-process LRU of node outputs, bounded by bytes"

    def __init__(self, settings: CacheSettings):
        super().__init__(settings)
        self.limit = int(settings.memory_bytes)
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()  # least recently used first
        self._sizes: dict[str, int] = {}  # apart from the entries: no tuple per entry to allocate
        self._bytes = 0
        self._lock = threading.Lock()

    def contains(self, key: str) -> bool:
        """True when `key` is held (does not count as a use)."""
        return key in self._entries

    def get(self, key: str) -> CacheEntry | None:
        """The stored entry itself (not a copy), marked most recently used; None on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: CacheEntry) -> None:
        """Keep `entry`, evicting least recently used entries to stay within the byte bound."""
        size = self.sizeof(entry)
        entries, sizes = self._entries, self._sizes
        with self._lock:
            if key in entries:
                del entries[key]
                self._bytes -= sizes.pop(key)
            if size > self.limit:
                log.warning("memory cache: entry %s (%d bytes) exceeds the %d-byte limit and is not kept",
                            key, size, self.limit)
                return
            entries[key] = entry
            sizes[key] = size
            self._bytes += size
            while self._bytes > self.limit:
                evicted, _ = entries.popitem(last=False)
                self._bytes -= sizes.pop(evicted)

    def delete(self, key: str) -> None:
        """Forget `key` if held."""
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._bytes -= self._sizes.pop(key)

    def clear(self) -> int:
        """Forget every entry; return how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0
            return count

    def stats(self) -> dict[str, Any]:
        """Entries held, their estimated bytes, and the byte limit."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "limit": self.limit}

    def sizeof(self, entry: CacheEntry) -> int:
        """Estimated bytes held by `entry`: the port serializers' `sizeof`, else `sys.getsizeof`."""
        total = 0
        serializers, port_types = self.settings.serializers, entry.port_types
        for port, value in entry.outputs.items():
            serializer = serializers.get(port_types.get(port, ""))
            try:
                size = serializer.sizeof(value) if serializer is not None else sys.getsizeof(value)
            except Exception as exc:  # a faulty sizeof must not lose the result
                log.warning("memory cache: sizeof failed for port '%s' (%s); using sys.getsizeof", port, exc)
                size = sys.getsizeof(value)
            if type(size) is not int:
                size = int(size)  # a numpy integer, say
            if size > 0:
                total += size
        return total
