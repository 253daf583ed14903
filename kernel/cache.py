"""Cache tiers and the composer that puts them in front of each other.

A node's cache entry holds all of its outputs under one key (see `keys.py`). Tiers are
consulted in ascending `order`: a hit in a slower tier is copied into the faster ones. Writes
to the fast tiers happen at once; writes to persistent tiers (disk) go through one background
thread, so serializing a large table is off the run's critical path. Results reach downstream
nodes in memory, never through the cache: a tier may evict what it has just been given.

The write queue is bounded in bytes: each queued entry counts what its tier estimates it will
write (`CacheTier.write_size`) until the write ends, and `put` waits while more than
WRITE_QUEUE_BYTES are queued. A queued entry keeps its values alive, so without the bound the
writer would hold a large source table while the next nodes allocate theirs: at 10M rows that
made the run's peak memory 1.5x the plain script's. The wait happens in whoever calls `put` (the
run loop, as it accepts a node): no new node starts while the writer holds more than the bound.

A tier that finds an entry corrupt raises `CacheError`; the composer logs a warning, drops the
entry and reports a miss. A broken cache costs a recomputation, never a crash or a wrong value.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from .errors import CacheError
from .serializer import Serializer

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CacheEntry:
    """The outputs of one node run, by port, the port type of each, and the node's warnings.

    `source` (its node reads data from outside the workflow: a file, a database) and `keep` (its
    node declared `cache="keep"`: recomputing it costs more than reading it back, whatever its
    size) let a persistent tier decide by fixed facts whether a large entry is stored: a large
    output of any other node is recomputed from its cached inputs rather than written (see the disk
    tier). `seconds` is what computing it cost (None when unknown), for information only: it
    depends on how loaded the machine was, so no storage decision reads it.
    """

    outputs: dict[str, Any]
    port_types: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    seconds: float | None = None
    source: bool = False
    keep: bool = False


@dataclass(slots=True)
class CacheSettings:
    """What every tier is built with."""

    directory: Path
    serializers: Mapping[str, Serializer] = field(default_factory=dict)
    memory_bytes: int = 1 << 30
    disk_bytes: int = 20 << 30


class CacheTier(ABC):
    """One level of the cache. Subclasses set `id`, `order` and `persistent`.

        class MemoryTier(CacheTier):
            id = "memory"
            order = 0
            persistent = False
            ...
    """

    id: ClassVar[str]
    order: ClassVar[int] = 100
    persistent: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def __init__(self, settings: CacheSettings):
        self.settings = settings

    @abstractmethod
    def contains(self, key: str) -> bool:
        """True when an entry is stored under `key` (without reading or checking it)."""

    @abstractmethod
    def get(self, key: str) -> CacheEntry | None:
        """The entry under `key`, None on a miss; raise CacheError when it is unreadable."""

    @abstractmethod
    def put(self, key: str, entry: CacheEntry) -> None:
        """Store `entry`; a value this tier cannot store is skipped with a log warning."""

    def write_size(self, entry: CacheEntry) -> int | None:
        """Bytes a persistent tier estimates it will hold to write `entry` (0 when unknown), or None
        when its storage policy would not store it: asked before the entry is queued, so the write
        queue can be bounded in bytes and an entry the tier would drop is never queued."""
        return 0

    def put_many(self, items: list[tuple[str, CacheEntry]]) -> None:
        """Store several entries (the background writer's queued batch); one `put` each unless a
        tier can do better, e.g. one database transaction for all of them."""
        for key, entry in items:
            self.put(key, entry)

    @abstractmethod
    def delete(self, key: str) -> None:
        """Forget `key` if present."""

    @abstractmethod
    def clear(self) -> int:
        """Forget everything; return how many entries were removed."""

    def stats(self) -> dict[str, Any]:
        """Figures for `dataflow cache info`: at least `entries` and `bytes`."""
        return {}

    def close(self) -> None:
        """Release files and connections."""


_STOP = object()

#: the most queued entries the background writer hands a persistent tier at once
WRITE_BATCH = 256

#: `put` waits while the entries queued for (or being given to) persistent tiers add up to more
#: than this many bytes (their tiers' `write_size`): a fixed figure, so what a run holds in memory
#: never depends on how fast the disk or the machine happens to be
WRITE_QUEUE_BYTES = 256 << 20


#: caches whose background writer has started: flushed at interpreter exit, so a script that
#: exits without closing its engine still gets its queued writes (weak: closing is not required)
_WRITING: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for cache in list(_WRITING):
        if cache._writer is not None:
            cache.flush()


class TieredCache:
    """Memory in front of disk (or whatever tiers are registered), as one cache."""

    def __init__(self, tiers: list[CacheTier]):
        self.tiers = sorted(tiers, key=lambda t: t.order)
        self._fast = [t for t in self.tiers if not t.persistent]
        self._slow = [t for t in self.tiers if t.persistent]
        self._policies = {"none": [], "memory": self._fast, "all": self.tiers, "keep": self.tiers}
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._room = threading.Condition()
        self._queued_bytes = 0

    def _tiers_for(self, policy: str) -> list[CacheTier]:
        return self._policies.get(policy, self.tiers)

    def contains(self, key: str, policy: str = "all") -> bool:
        for tier in self._policies.get(policy, self.tiers):
            try:
                if tier.contains(key):
                    return True
            except Exception as exc:  # a buggy tier must not break a run
                log.warning("cache tier '%s' failed to look up %s: %s", tier.id, key, exc)
        return False

    def get(self, key: str, policy: str = "all") -> CacheEntry | None:
        """The entry from the nearest tier that has a readable one, copied into the nearer tiers."""
        tiers = self._tiers_for(policy)
        for index, tier in enumerate(tiers):
            try:
                entry = tier.get(key)
            except CacheError as exc:
                log.warning("cache tier '%s': entry %s is unreadable and was dropped: %s", tier.id, key, exc)
                self._safe(tier.delete, key)
                continue
            except Exception as exc:  # a buggy tier must not break a run
                log.warning("cache tier '%s' failed to read %s: %s", tier.id, key, exc)
                continue
            if entry is not None:
                for nearer in tiers[:index]:
                    self._safe(nearer.put, key, entry)
                return entry
        return None

    def put(self, key: str, entry: CacheEntry, policy: str = "all") -> None:
        """Store at once in memory tiers; queue the write for persistent tiers, first waiting while
        more than WRITE_QUEUE_BYTES are queued (see the module's docstring)."""
        if self._queued_bytes > WRITE_QUEUE_BYTES:
            self._wait_for_room()
        if policy == "keep" and not entry.keep:
            entry = replace(entry, keep=True)
        for tier in self._policies.get(policy, self.tiers):
            if tier.persistent:
                try:
                    size = tier.write_size(entry)
                except Exception as exc:  # a buggy tier must not break a run: its put decides
                    log.warning("cache tier '%s' failed to size %s: %s", tier.id, key, exc)
                    size = 0
                if size is None:  # the tier's policy: not stored
                    continue
                self._ensure_writer()
                with self._room:
                    self._queued_bytes += size
                self._queue.put((tier, key, entry, size))
                continue
            try:
                tier.put(key, entry)
            except Exception as exc:  # a buggy tier must not break a run
                log.warning("cache tier '%s' failed to store %s: %s", tier.id, key, exc)

    def _wait_for_room(self) -> None:
        with self._room:
            while self._queued_bytes > WRITE_QUEUE_BYTES and self._writer is not None and self._writer.is_alive():
                self._room.wait(timeout=1.0)

    def flush(self) -> None:
        """Wait until every queued write has reached its tier."""
        if self._writer is not None:
            self._queue.join()

    def clear(self) -> int:
        self.flush()
        return sum(self._safe(t.clear) or 0 for t in self.tiers)

    def stats(self) -> list[dict[str, Any]]:
        return [{"tier": t.id, "persistent": t.persistent, **(self._safe(t.stats) or {})} for t in self.tiers]

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join(timeout=5)
            self._writer = None
        for tier in self.tiers:
            self._safe(tier.close)

    def _ensure_writer(self) -> None:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_loop, name="dataflow-cache-writer",
                                                    daemon=True)
                    self._writer.start()
                    _WRITING.add(self)

    def _write_loop(self) -> None:
        """Write what is queued, each tier's entries as one `put_many` batch: everything queued
        while the previous batch was written (at most WRITE_BATCH entries)."""
        while True:
            items = [self._queue.get()]
            while items[-1] is not _STOP and len(items) < WRITE_BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = items[-1] is _STOP
            count = len(items)
            try:
                self._write_batch(items)
            finally:
                for _ in range(count):
                    self._queue.task_done()
            if stop:
                return

    def _write_batch(self, items: list) -> None:
        """Hand each tier its queued entries (the list is emptied: once written, no value stays
        referenced by this thread while it waits for the next batch), then free their room."""
        written = 0
        try:
            batches: dict[int, tuple[CacheTier, list]] = {}
            for item in items:
                if item is not _STOP:
                    written += item[3]
                    batches.setdefault(id(item[0]), (item[0], []))[1].append((item[1], item[2]))
            items.clear()
            for tier, batch in batches.values():
                self._safe(tier.put_many, batch)
                batch.clear()
        finally:
            with self._room:
                self._queued_bytes -= written
                self._room.notify_all()

    @staticmethod
    def _safe(fn, *args):
        try:
            return fn(*args)
        except Exception as exc:
            log.warning("cache operation %s failed: %s", getattr(fn, "__qualname__", fn), exc)
            return None
