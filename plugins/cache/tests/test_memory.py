"""MemoryTier: an LRU bounded by bytes, thread-safe, handing out the stored objects."""

from __future__ import annotations

import sys
import threading
import time

from cachetest_support import blob_entry, params_entry, settings
from dataflow_cache import MemoryTier

from dataflow.sdk import CacheEntry


def tier(tmp_path, limit: int) -> MemoryTier:
    return MemoryTier(settings(tmp_path, memory_bytes=limit))


def test_least_recently_stored_entry_is_evicted_when_bytes_exceed_the_limit(tmp_path):
    memory = tier(tmp_path, 250)
    for key in "abc":
        memory.put(key, blob_entry(b"x" * 100))
    assert not memory.contains("a")
    assert memory.contains("b") and memory.contains("c")
    assert memory.stats() == {"entries": 2, "bytes": 200, "limit": 250}


def test_a_get_makes_an_entry_recent_so_another_one_is_evicted(tmp_path):
    memory = tier(tmp_path, 250)
    memory.put("a", blob_entry(b"x" * 100))
    memory.put("b", blob_entry(b"x" * 100))
    assert memory.get("a") is not None
    memory.put("c", blob_entry(b"x" * 100))
    assert memory.contains("a") and memory.contains("c")
    assert not memory.contains("b")


def test_contains_does_not_count_as_a_use(tmp_path):
    memory = tier(tmp_path, 250)
    memory.put("a", blob_entry(b"x" * 100))
    memory.put("b", blob_entry(b"x" * 100))
    assert memory.contains("a")
    memory.put("c", blob_entry(b"x" * 100))
    assert not memory.contains("a")


def test_several_small_entries_are_evicted_to_make_room_for_a_large_one(tmp_path):
    memory = tier(tmp_path, 300)
    for key in "abc":
        memory.put(key, blob_entry(b"x" * 100))
    memory.put("big", blob_entry(b"x" * 250))
    assert [k for k in "abc" if memory.contains(k)] == []
    assert memory.stats()["bytes"] == 250


def test_an_entry_larger_than_the_limit_is_not_kept_and_evicts_nothing(tmp_path, caplog):
    memory = tier(tmp_path, 250)
    memory.put("a", blob_entry(b"x" * 100))
    memory.put("huge", blob_entry(b"x" * 251))
    assert not memory.contains("huge")
    assert memory.contains("a")
    assert "exceeds" in caplog.text


def test_replacing_a_key_with_a_too_large_entry_forgets_the_old_one(tmp_path):
    memory = tier(tmp_path, 250)
    memory.put("a", blob_entry(b"x" * 100))
    memory.put("a", blob_entry(b"y" * 300))
    assert memory.get("a") is None
    assert memory.stats()["bytes"] == 0


def test_putting_a_key_again_replaces_it_and_recounts_its_size(tmp_path):
    memory = tier(tmp_path, 1000)
    memory.put("a", blob_entry(b"x" * 100))
    memory.put("a", blob_entry(b"y" * 40))
    assert bytes(memory.get("a").outputs["data"]) == b"y" * 40
    assert memory.stats() == {"entries": 1, "bytes": 40, "limit": 1000}


def test_get_returns_the_stored_objects_without_copying(tmp_path):
    memory = tier(tmp_path, 1 << 20)
    value = {"n": 1}
    entry = CacheEntry({"out": value}, {"out": "params"})
    memory.put("k", entry)
    assert memory.get("k") is entry
    assert memory.get("k").outputs["out"] is value


def test_a_hit_costs_microseconds_whatever_the_value_size(tmp_path):
    memory = tier(tmp_path, 1 << 30)
    memory.put("k", blob_entry(b"x" * (80 << 20)))
    start = time.perf_counter()
    for _ in range(1000):
        memory.get("k")
        memory.contains("k")
    per_hit = (time.perf_counter() - start) / 1000
    assert per_hit < 50e-6


def test_sizes_come_from_the_serializer_or_sys_getsizeof_for_unknown_types(tmp_path):
    memory = tier(tmp_path, 1 << 20)
    value = {"a": "x" * 50}
    memory.put("known", params_entry(**value))
    assert memory.stats()["bytes"] == len('{"a": "' + "x" * 50 + '"}')
    memory.clear()
    odd = ["x"] * 1000
    memory.put("unknown", CacheEntry({"out": odd}, {"out": "no-such-type"}))
    assert memory.stats()["bytes"] == sys.getsizeof(odd)


def test_delete_and_clear_forget_entries_and_clear_counts_them(tmp_path):
    memory = tier(tmp_path, 1000)
    for key in "abc":
        memory.put(key, blob_entry(b"x" * 10))
    memory.delete("a")
    memory.delete("missing")
    assert memory.get("a") is None
    assert memory.clear() == 2
    assert memory.stats() == {"entries": 0, "bytes": 0, "limit": 1000}


def test_concurrent_writers_and_readers_keep_the_byte_count_exact(tmp_path):
    memory = tier(tmp_path, 5_000)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(2_000):
                key = f"{worker}-{i % 50}"
                memory.put(key, blob_entry(b"x" * (10 + i % 90)))
                memory.get(f"{1 - worker}-{i % 50}")
                if i % 97 == 0:
                    memory.delete(key)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stats = memory.stats()
    held = sum(len(memory.get(k).outputs["data"]) for k in list(memory._entries))
    assert stats["bytes"] == held <= 5_000
