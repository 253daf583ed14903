"""The two tiers composed by the kernel's TieredCache, and the plugin's registration."""

from __future__ import annotations

import os
import sqlite3

import pytest
from cachetest_support import blob_entry, params_entry
from dataflow_cache import DiskTier, MemoryTier, plugin

from dataflow.kernel import TieredCache

BIG = bytes(range(256)) * 4096


@pytest.fixture
def tiers(cache_settings):
    memory, disk = MemoryTier(cache_settings), DiskTier(cache_settings)
    cache = TieredCache([disk, memory])
    yield cache, memory, disk
    cache.close()


def test_the_plugin_registers_a_memory_and_a_disk_tier():
    registered = []
    plugin.register_caches(registered.append)
    assert registered == [MemoryTier, DiskTier]
    assert [(t.id, t.order, t.persistent) for t in registered] == [("memory", 0, False), ("disk", 10, True)]


def test_background_writes_reach_the_disk_after_flush(tiers):
    cache, memory, disk = tiers
    for i in range(5):
        cache.put(f"k{i}", params_entry(i=i))
    assert all(memory.contains(f"k{i}") for i in range(5))
    cache.flush()
    assert all(disk.get(f"k{i}").outputs["out"] == {"i": i} for i in range(5))


def test_a_disk_hit_is_promoted_to_memory(tiers):
    cache, memory, disk = tiers
    disk.put("k1", blob_entry(BIG, ["note"]))
    assert not memory.contains("k1")
    entry = cache.get("k1")
    assert bytes(entry.outputs["data"]) == BIG and entry.warnings == ["note"]
    assert memory.get("k1") is entry


def test_an_entry_survives_a_restart_of_the_whole_cache(cache_settings):
    first = TieredCache([MemoryTier(cache_settings), DiskTier(cache_settings)])
    first.put("k1", params_entry(v=1))
    first.close()
    second = TieredCache([MemoryTier(cache_settings), DiskTier(cache_settings)])
    assert second.contains("k1")
    assert second.get("k1").outputs["out"] == {"v": 1}
    second.close()


def test_a_corrupt_disk_entry_is_a_miss_and_is_dropped(tiers, caplog):
    cache, memory, disk = tiers
    disk.put("k1", blob_entry(BIG))
    con = sqlite3.connect(disk.directory / "cache.db")
    (filename,) = con.execute("SELECT filename FROM Cache WHERE key = 'k1/data'").fetchone()
    con.close()
    with open(disk.directory / filename, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff" * 8)

    assert cache.get("k1") is None
    assert "unreadable" in caplog.text
    assert not disk.contains("k1") and not memory.contains("k1")
    assert not (disk.directory / filename).exists()
    assert disk.stats()["entries"] == 0 and len(disk._cache) == 0


def test_policy_memory_never_touches_the_disk(tiers):
    cache, memory, disk = tiers
    cache.put("k1", params_entry(v=1), policy="memory")
    cache.flush()
    assert memory.contains("k1") and not disk.contains("k1")


def test_clear_empties_both_tiers_and_counts_their_entries(tiers):
    cache, memory, disk = tiers
    cache.put("k1", params_entry(v=1))
    cache.put("k2", params_entry(v=2))
    assert cache.clear() == 4
    assert not cache.contains("k1")
    assert [s["entries"] for s in cache.stats()] == [0, 0]


def test_files_of_the_disk_tier_are_private(tiers):
    _, _, disk = tiers
    assert (disk.directory.stat().st_mode & 0o777) == 0o700
    assert os.access(disk.directory, os.W_OK)


def test_the_background_writer_hands_the_disk_what_queued_up_as_batches(cache_settings, monkeypatch):
    disk = DiskTier(cache_settings)
    batches = []
    original = disk.put_many
    monkeypatch.setattr(disk, "put_many", lambda items: (batches.append(len(items)), original(items)))
    cache = TieredCache([disk])
    try:
        for i in range(300):
            cache.put(f"k{i}", params_entry(i=i))
        cache.flush()
        assert sum(batches) == 300 and len(batches) < 300  # fewer transactions than entries
        assert all(disk.get(f"k{i}").outputs["out"] == {"i": i} for i in range(300))
    finally:
        cache.close()


class HeldDisk(DiskTier):
    """The disk tier, its writes held until `release` is set (a slow disk, made deterministic)."""

    def __init__(self, settings):
        import threading

        super().__init__(settings)
        self.release = threading.Event()
        self.writing = threading.Event()

    def put_many(self, items):
        self.writing.set()
        self.release.wait(timeout=30)
        super().put_many(items)


def test_put_waits_while_the_writer_holds_more_than_the_queue_bound_and_a_dropped_entry_is_never_queued(
        cache_settings, monkeypatch):
    import threading

    from dataflow_cache.disk import RECOMPUTE_MIN_BYTES

    from dataflow.kernel import cache as kernel_cache

    monkeypatch.setattr(kernel_cache, "WRITE_QUEUE_BYTES", len(BIG) // 2)
    disk = HeldDisk(cache_settings)
    cache = TieredCache([disk])
    try:
        cache.put("first", blob_entry(BIG))  # the queue was empty: queued at once
        assert disk.writing.wait(timeout=30)
        done = threading.Event()
        # a large output of a node that reads no outside data: not stored, so not queued; the
        # engine's next put still waits, so no new node starts while the writer holds `first`
        later = threading.Thread(target=lambda: (cache.put("dropped", blob_entry(bytes(RECOMPUTE_MIN_BYTES))),
                                                 done.set()))
        later.start()
        assert not done.wait(timeout=0.5)
        disk.release.set()
        assert done.wait(timeout=30)
        later.join()
        cache.flush()
        assert disk.contains("first") and not disk.contains("dropped")
        assert cache._queued_bytes == 0
    finally:
        disk.release.set()
        cache.close()
