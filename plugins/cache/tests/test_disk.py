"""DiskTier: round trips, persistence, layout, skipping what cannot be stored, housekeeping."""

from __future__ import annotations

import json
import logging
import mmap
import os
import sqlite3
import stat

import diskcache
import pytest
from cachetest_support import StreamingBlobSerializer, blob_entry, params_entry, settings
from dataflow_cache import DiskTier
from dataflow_cache.disk import MMAP_MIN_BYTES, STREAM_MIN_BYTES
from dataflow_cache.manifest import checksum
from dataflow_cache.safedisk import SafeDisk

from dataflow.sdk import CacheEntry, CacheError

BIG = bytes(range(256)) * 4096  # 1 MiB: stored in a file of its own, read into bytes
HUGE = bytes(range(256)) * (MMAP_MIN_BYTES // 256 + 1)  # memory-mapped when read


def test_an_entry_round_trips_with_every_port_and_its_warnings(disk):
    entry = CacheEntry({"meta": {"rows": 3, "name": "é"}, "data": BIG},
                       {"meta": "params", "data": "blob"}, ["3 rows dropped"])
    disk.put("k1", entry)
    got = disk.get("k1")
    assert got.outputs["meta"] == {"rows": 3, "name": "é"}
    assert bytes(got.outputs["data"]) == BIG
    assert got.port_types == {"meta": "params", "data": "blob"}
    assert got.warnings == ["3 rows dropped"]


def test_a_missing_key_is_a_miss_not_an_error(disk):
    assert disk.get("nothing") is None
    assert not disk.contains("nothing")


def test_an_entry_survives_a_new_tier_instance(cache_settings):
    first = DiskTier(cache_settings)
    first.put("k1", blob_entry(BIG, ["w"]))
    first.close()
    second = DiskTier(settings(cache_settings.directory))
    assert second.contains("k1")
    got = second.get("k1")
    assert bytes(got.outputs["data"]) == BIG and got.warnings == ["w"]
    second.close()


def test_a_tier_opened_on_an_existing_cache_reads_writes_and_counts_it(cache_settings):
    first = DiskTier(cache_settings)
    first.put("k1", params_entry(v=1))
    first.close()
    second = DiskTier(settings(cache_settings.directory))  # reads without opening diskcache
    assert second.get("k1").outputs["out"] == {"v": 1}
    second.put("k2", params_entry(v=2))                   # the first write opens it
    assert second.get("k2").outputs["out"] == {"v": 2}
    assert second.stats()["entries"] == 2
    second.delete("k1")
    assert not second.contains("k1")
    second.close()


def test_a_fresh_folder_gets_its_database_from_the_first_write(cache_settings):
    tier = DiskTier(cache_settings)
    database = tier.directory / "cache.db"
    assert tier.directory.is_dir() and not database.exists()
    assert not tier.contains("k1") and tier.get("k1") is None
    assert not database.exists()                          # looking up creates nothing
    tier.put("k1", params_entry(v=1))
    assert database.is_file() and tier.get("k1").outputs["out"] == {"v": 1}
    tier.close()


def test_a_database_another_process_is_still_setting_up_is_a_quiet_miss(cache_settings, caplog):
    tier = DiskTier(cache_settings)                        # a fresh folder: no database yet
    sqlite3.connect(tier.directory / "cache.db").execute("CREATE TABLE Unfinished (x)").connection.close()
    with caplog.at_level(logging.WARNING):
        assert not tier.contains("k1") and tier.get("k1") is None
    assert not caplog.records
    writer = DiskTier(settings(cache_settings.directory))  # the other process finishes and writes
    writer.put("k1", params_entry(v=1))
    assert tier.contains("k1") and tier.get("k1").outputs["out"] == {"v": 1}
    writer.close()
    tier.close()


@pytest.mark.parametrize("database_first", [True, False], ids=["database-exists", "fresh-folder"])
def test_entries_another_tier_stores_later_are_seen_at_once(cache_settings, database_first):
    if database_first:
        DiskTier(cache_settings).put("k0", params_entry(v=0))
    reader = DiskTier(settings(cache_settings.directory))
    assert not reader.contains("k1")
    writer = DiskTier(settings(cache_settings.directory))
    writer.put("k1", blob_entry(BIG))
    assert reader.contains("k1")
    assert bytes(reader.get("k1").outputs["data"]) == BIG
    writer.close()
    reader.close()


def value_files(disk) -> list:
    return list(disk.directory.rglob("*.val"))


def test_a_large_value_is_streamed_into_its_file_and_reads_back(disk):
    before = StreamingBlobSerializer.streamed
    disk.put("k1", CacheEntry({"data": HUGE}, {"data": "streamblob"}))
    assert StreamingBlobSerializer.streamed == before + 1      # written by dump_file, not dumps
    assert bytes(disk.get("k1").outputs["data"]) == HUGE
    assert len(value_files(disk)) == 1


def test_a_small_value_of_a_streaming_type_still_goes_through_dumps(disk):
    before = StreamingBlobSerializer.streamed
    disk.put("k1", CacheEntry({"data": BIG}, {"data": "streamblob"}))
    assert StreamingBlobSerializer.streamed == before
    assert bytes(disk.get("k1").outputs["data"]) == BIG


def test_a_stream_that_fails_halfway_stores_nothing_and_leaves_no_file(disk, caplog):
    disk.put("k1", CacheEntry({"meta": {"a": 1}, "data": HUGE}, {"meta": "params", "data": "halfstream"}))
    assert "disk full (simulated)" in caplog.text
    assert not disk.contains("k1")
    assert value_files(disk) == []


def test_storing_a_streamed_entry_twice_leaves_one_file(disk):
    entry = CacheEntry({"data": HUGE}, {"data": "streamblob"})
    disk.put("k1", entry)
    disk.put("k1", entry)
    assert len(value_files(disk)) == 1
    assert bytes(disk.get("k1").outputs["data"]) == HUGE


def test_a_streamed_entry_over_the_size_limit_is_dropped_with_its_file(cache_settings, caplog):
    tier = DiskTier(settings(cache_settings.directory, disk_bytes=len(HUGE) // 2))
    tier.put("k1", CacheEntry({"data": HUGE}, {"data": "streamblob"}))
    assert "exceeds" in caplog.text
    assert not tier.contains("k1")
    assert value_files(tier) == []
    tier.close()


def test_a_streamed_entry_found_too_large_to_keep_leaves_no_file(disk):
    class Underestimated(StreamingBlobSerializer):
        def sizeof(self, value):
            return STREAM_MIN_BYTES  # big enough to stream, too small to drop before writing

    disk.settings.serializers["streamblob"] = Underestimated()
    before = StreamingBlobSerializer.streamed
    try:
        big = HUGE * 5  # written, it is over RECOMPUTE_MIN_BYTES for a node that is not a source
        disk.put("k1", CacheEntry({"data": big}, {"data": "streamblob"}))
    finally:
        disk.settings.serializers["streamblob"] = StreamingBlobSerializer()
    assert StreamingBlobSerializer.streamed == before + 1
    assert not disk.contains("k1")
    assert value_files(disk) == []


def test_a_large_output_of_a_source_is_written_compact_and_any_other_as_it_is(disk):
    before = StreamingBlobSerializer.compacted
    disk.put("computed", CacheEntry({"data": HUGE}, {"data": "streamblob"}, keep=True))
    assert StreamingBlobSerializer.compacted == before
    disk.put("read", CacheEntry({"data": HUGE}, {"data": "streamblob"}, source=True))
    assert StreamingBlobSerializer.compacted == before + 1
    assert bytes(disk.get("read").outputs["data"]) == HUGE


def test_a_streamed_file_altered_later_fails_its_checksum(disk):
    disk.put("k1", CacheEntry({"data": HUGE}, {"data": "streamblob"}))
    (path,) = value_files(disk)
    stamp = path.stat().st_mtime_ns
    with open(path, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\xff\xfe")
    os.utime(path, ns=(stamp, stamp + 10**9))  # an edit a second later (mtime ticks are coarse)
    with pytest.raises(CacheError, match="checksum"):
        disk.get("k1")


def test_a_large_value_reaches_the_serializer_as_a_read_only_memory_map(disk):
    disk.put("k1", blob_entry(HUGE))
    view = disk.get("k1").outputs["data"]  # BlobSerializer.loads returns what it was given
    assert isinstance(view, memoryview) and isinstance(view.obj, mmap.mmap)
    assert view.readonly
    disk.delete("k1")  # the file is removed, the map stays valid while the value lives
    assert bytes(view[:256]) == bytes(range(256)) and view.nbytes == len(HUGE)


def test_a_medium_value_in_a_file_is_read_into_bytes_so_no_descriptor_stays_open(disk):
    disk.put("k1", blob_entry(BIG))
    view = disk.get("k1").outputs["data"]
    assert isinstance(view.obj, bytes) and bytes(view) == BIG


def test_a_small_value_is_stored_inline_and_comes_back_as_bytes(disk):
    disk.put("k1", blob_entry(b"tiny"))
    view = disk.get("k1").outputs["data"]
    assert bytes(view) == b"tiny" and isinstance(view.obj, bytes)


def test_a_memoryview_from_dumps_is_stored_without_being_refused(disk):
    disk.put("k1", CacheEntry({"data": memoryview(bytearray(BIG))}, {"data": "blob"}))
    assert bytes(disk.get("k1").outputs["data"]) == BIG


def test_layout_is_one_value_per_port_and_a_json_manifest_with_checksums(disk):
    disk.put("k1", CacheEntry({"a": {"x": 1}, "b": BIG}, {"a": "params", "b": "blob"}, ["careful"]))
    raw = diskcache.Cache(str(disk.directory), disk=SafeDisk)
    manifest = json.loads(raw.get("k1"))
    assert manifest["warnings"] == ["careful"]
    assert manifest["ports"]["b"] == {"type": "blob", "serializer": "test-blob", "size": len(BIG),
                                      "xxh3": checksum(BIG)}
    assert manifest["ports"]["a"]["serializer"] == "test-json"
    assert raw.get("k1/a") == b'{"x": 1}'
    raw.close()


def test_the_folder_is_private(disk):
    assert disk.directory.is_dir()
    assert stat.S_IMODE(disk.directory.stat().st_mode) == 0o700


def test_an_existing_folder_readable_by_others_is_made_private(cache_settings):
    folder = cache_settings.directory / "disk"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    tier = DiskTier(cache_settings)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    tier.close()


def test_an_entry_with_a_port_type_without_serializer_is_skipped_with_a_warning(disk, caplog):
    entry = CacheEntry({"a": {"x": 1}, "b": object()}, {"a": "params", "b": "mystery"})
    with caplog.at_level(logging.WARNING):
        disk.put("k1", entry)
    assert not disk.contains("k1")
    assert disk.get("k1/a") is None  # no partial entry either
    assert "no serializer for port 'b'" in caplog.text


def test_an_entry_whose_serializer_raises_is_skipped_with_a_warning(disk, caplog):
    entry = CacheEntry({"a": {"x": 1}, "b": 1}, {"a": "params", "b": "broken"})
    with caplog.at_level(logging.WARNING):
        disk.put("k1", entry)
    assert not disk.contains("k1")
    assert "cannot encode this" in caplog.text


def test_an_entry_larger_than_the_disk_limit_is_not_stored(tmp_path, caplog):
    tier = DiskTier(settings(tmp_path, disk_bytes=512 * 1024))
    tier.put("k1", blob_entry(BIG))
    assert not tier.contains("k1")
    assert "exceeds" in caplog.text
    tier.close()


def test_putting_a_stored_key_again_keeps_the_stored_entry(disk):
    disk.put("k1", params_entry(v=1))
    disk.put("k1", params_entry(v=1))
    assert disk.get("k1").outputs["out"] == {"v": 1}
    assert disk.stats()["entries"] == 1


def test_delete_removes_manifest_and_ports(disk):
    disk.put("k1", CacheEntry({"a": {"x": 1}, "b": BIG}, {"a": "params", "b": "blob"}))
    disk.put("k2", params_entry(v=2))
    disk.delete("k1")
    disk.delete("never-stored")
    assert not disk.contains("k1")
    assert len(disk._cache) == 1  # only k2's row remains (a small entry is one row)
    assert disk.get("k2").outputs["out"] == {"v": 2}


def test_clear_removes_everything_and_returns_the_number_of_entries(disk):
    for i in range(3):
        disk.put(f"k{i}", CacheEntry({"a": {"i": i}, "b": BIG}, {"a": "params", "b": "blob"}))
    assert disk.clear() == 3
    assert not disk.contains("k0")
    assert disk.stats()["entries"] == 0


def test_stats_report_entries_bytes_limit_and_folder(disk):
    disk.put("k1", blob_entry(BIG))
    disk.put("k2", params_entry(v=2))
    stats = disk.stats()
    assert stats["entries"] == 2
    assert stats["bytes"] >= len(BIG)
    assert stats["limit"] == disk.limit
    assert stats["directory"] == str(disk.directory)


def test_old_entries_are_evicted_when_the_disk_limit_is_reached(tmp_path):
    tier = DiskTier(settings(tmp_path, disk_bytes=3 * len(BIG) + 200_000))
    for i in range(6):
        tier.put(f"k{i}", blob_entry(BIG))
    assert tier.contains("k5") and not tier.contains("k0")
    assert tier.stats()["bytes"] <= 3 * len(BIG) + 200_000
    tier.close()


def test_packed_entries_count_toward_the_disk_limit_and_old_ones_are_evicted(tmp_path):
    limit = 2 << 20
    tier = DiskTier(settings(tmp_path, disk_bytes=limit))
    payload = bytes(range(256)) * 160  # 40 kB: packed in its row, no file
    for batch in range(10):  # 5 MB in all, in batches as the background writer hands them
        tier.put_many([(f"k{batch}-{i}", blob_entry(payload + bytes([batch, i]))) for i in range(12)])
    assert not list(tmp_path.rglob("*.val"))
    assert tier.stats()["bytes"] <= limit
    assert not tier.contains("k0-0")
    assert bytes(tier.get("k9-11").outputs["data"]) == payload + bytes([9, 11])
    kept = tier.stats()["entries"]
    assert 0 < kept < 120
    assert tier.clear() == kept
    assert tier.stats()["entries"] == 0 and tier.stats()["bytes"] < 1 << 20  # the pages went back
    tier.close()


@pytest.mark.parametrize("value", [object(), {"a": 1}, [1, 2], 2**70, True, None])
def test_the_disk_never_stores_a_value_it_would_have_to_pickle(tmp_path, value):
    raw = diskcache.Cache(str(tmp_path / "raw"), disk=SafeDisk)
    with pytest.raises(CacheError):
        raw.set("k", value)
    with pytest.raises(CacheError):
        raw.set(value if not isinstance(value, (dict, list)) else ("t",), b"x")
    assert len(raw) == 0
    assert not [p for p in (tmp_path / "raw").rglob("*.val")]
    raw.close()


def test_a_read_of_a_mapped_value_leaves_no_file_descriptor_open_once_the_value_is_gone(disk):
    disk.put("k1", blob_entry(HUGE))
    disk.get("k1")  # the first read opens this thread's database connection, which stays open
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        disk.get("k1")
    assert len(os.listdir("/proc/self/fd")) <= before + 1


def test_an_entry_with_many_warnings_keeps_them_all(disk):
    warnings = [f"row {i} had a problem worth reporting" for i in range(2_000)]  # manifest > 32 kB
    disk.put("k1", blob_entry(b"x", warnings))
    assert disk.get("k1").warnings == warnings


def test_a_large_output_is_stored_only_for_a_source_or_a_node_declared_keep_however_long_it_took(disk):
    from dataflow_cache.disk import RECOMPUTE_MIN_BYTES

    large = bytes(RECOMPUTE_MIN_BYTES + 1)
    disk.put("quick", blob_entry(large, seconds=0.001))
    disk.put("slow", blob_entry(large, seconds=50.0))  # a slow run (a loaded machine) changes nothing
    disk.put("source", blob_entry(large, seconds=0.001, source=True))
    disk.put("keep", blob_entry(large, seconds=0.001, keep=True))
    disk.put("small", blob_entry(BIG, seconds=0.0))
    assert [disk.contains(k) for k in ("quick", "slow", "source", "keep", "small")] == [
        False, False, True, True, True]
    assert disk.write_size(blob_entry(large, seconds=50.0)) is None
    assert disk.write_size(blob_entry(BIG)) == len(BIG)


def _count_commits(disk, batch) -> tuple[int, list[str]]:
    """(commits, statements) on every connection the tier writes with while it stores `batch`."""
    statements: list[str] = []
    connections = (disk._cache._con, disk._reader.connection())
    for connection in connections:
        connection.set_trace_callback(statements.append)
    try:
        disk.put_many(batch)
    finally:
        for connection in connections:
            connection.set_trace_callback(None)
    return sum(sql.strip().upper() == "COMMIT" for sql in statements), statements


def test_a_batch_is_recorded_in_one_transaction_and_every_entry_reads_back(disk):
    disk.put("first", params_entry(v=0))  # opens the database
    commits, statements = _count_commits(disk, [(f"k{i}", params_entry(v=i)) for i in range(50)])
    assert commits == 1
    # one executemany, a row per entry (traced again for each trigger it fires); no lookup before
    # it (the insert keeps what is stored)
    assert len({sql for sql in statements if sql.startswith("INSERT OR IGNORE INTO Cache")}) == 50
    assert not [sql for sql in statements if sql.upper().startswith("SELECT") and "FROM CACHE" in sql.upper()]
    commits, _ = _count_commits(disk, [(f"m{i}", params_entry(v=i)) for i in range(50)] + [("big", blob_entry(BIG))])
    assert commits == 2  # the small entries' rows, then the entry with a value file
    assert [disk.get(f"k{i}").outputs["out"] for i in range(50)] == [{"v": i} for i in range(50)]
    assert [disk.get(f"m{i}").outputs["out"] for i in range(50)] == [{"v": i} for i in range(50)]
    assert bytes(disk.get("big").outputs["data"]) == BIG


def test_a_small_entry_is_one_row_and_a_large_one_keeps_its_value_file(disk):
    disk.put("small", CacheEntry({"a": {"x": 1}, "b": b"tiny"}, {"a": "params", "b": "blob"}))
    disk.put("large", blob_entry(BIG))
    with sqlite3.connect(disk.directory / "cache.db") as connection:
        rows = dict(connection.execute("SELECT key, filename FROM Cache"))
    assert set(rows) == {"small", "large", "large/data"}
    assert rows["small"] is None and rows["large/data"].endswith(".val")
    entry = disk.get("small")
    assert entry.outputs["a"] == {"x": 1} and bytes(entry.outputs["b"]) == b"tiny"


def test_a_cache_folder_written_with_rows_per_port_still_reads(disk, cache_settings):
    """The layout before small entries were packed: a row per port and a manifest row."""
    from dataflow_cache.manifest import PortRecord, dump_manifest

    disk.put("new", params_entry(v=1))  # makes the database
    value = b'{"v": 7}'
    manifest = dump_manifest("old", {"out": PortRecord("params", "test-json", len(value), checksum(value))}, ["w"])
    disk._cache.set("old/out", value, tag="old")
    disk._cache.set("old", manifest, tag="old")
    reopened = DiskTier(cache_settings)
    entry = reopened.get("old")
    assert entry.outputs["out"] == {"v": 7} and entry.warnings == ["w"]
    assert reopened.get("new").outputs["out"] == {"v": 1}
    assert reopened.stats()["entries"] == 2
    reopened.delete("old")
    assert not reopened.contains("old") and len(reopened._cache) == 1


def test_an_entry_that_cannot_be_stored_costs_only_itself_in_a_batch(disk, caplog):
    broken = CacheEntry({"x": 1}, {"x": "broken"})
    with caplog.at_level(logging.WARNING):
        disk.put_many([("a", params_entry(v=1)), ("bad", broken), ("b", params_entry(v=2))])
    assert disk.get("a").outputs["out"] == {"v": 1} and disk.get("b").outputs["out"] == {"v": 2}
    assert not disk.contains("bad")
    assert "cannot encode this" in caplog.text


def test_a_batch_skips_entries_already_stored(disk):
    disk.put("a", params_entry(v=1))
    disk.put_many([("a", params_entry(v=99)), ("b", params_entry(v=2))])
    assert disk.get("a").outputs["out"] == {"v": 1} and disk.get("b").outputs["out"] == {"v": 2}


def test_reading_uses_diskcaches_own_storage_modes():
    """`reads.py` repeats diskcache's mode numbers so that reading never imports diskcache."""
    from dataflow_cache import reads
    from diskcache import core

    assert (reads.MODE_RAW, reads.MODE_BINARY, reads.MODE_TEXT, reads.MODE_PICKLE) == (
        core.MODE_RAW, core.MODE_BINARY, core.MODE_TEXT, core.MODE_PICKLE)


def test_a_fully_cached_read_never_imports_diskcache_and_the_first_write_does(cache_settings):
    import subprocess
    import sys
    from pathlib import Path

    tier = DiskTier(cache_settings)
    tier.put("small", params_entry(v=1))
    tier.put("large", blob_entry(BIG))
    tier.close()
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from cachetest_support import params_entry, settings
from dataflow_cache import DiskTier
tier = DiskTier(settings({str(cache_settings.directory)!r}))
assert tier.contains("small") and tier.get("small").outputs["out"] == {{"v": 1}}
assert len(bytes(tier.get("large").outputs["data"])) == {len(BIG)}
assert "diskcache" not in sys.modules, "reading imported diskcache"
tier.put("new", params_entry(v=2))
assert "diskcache" in sys.modules and tier.get("new").outputs["out"] == {{"v": 2}}
tier.close()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_after_a_failed_batch_a_streamed_entry_is_not_recorded_without_its_file(disk, monkeypatch, caplog):
    """A batch whose transaction fails is committed again entry by entry; an entry whose value was
    streamed into its own file lost that file with the failed batch, so it is left out (a miss,
    computed again) rather than recorded pointing at nothing."""
    disk.put("first", params_entry(v=0))  # opens the database
    real_set, failed = disk._cache.set, []

    def set_once_failing(*args, **kwargs):
        if not failed:
            failed.append(True)
            raise sqlite3.OperationalError("disk I/O error")
        return real_set(*args, **kwargs)

    monkeypatch.setattr(disk._cache, "set", set_once_failing)
    with caplog.at_level(logging.WARNING):
        disk.put_many([("small", params_entry(v=1)), ("streamed", CacheEntry({"data": HUGE}, {"data": "streamblob"})),
                       ("inline", blob_entry(BIG))])
    assert failed and disk.get("small").outputs["out"] == {"v": 1}
    assert bytes(disk.get("inline").outputs["data"]) == BIG     # kept in memory: recorded on the retry
    assert not disk.contains("streamed") and disk.get("streamed") is None
    assert value_files(disk) == [] or all(f.stat().st_size != len(HUGE) for f in value_files(disk))
    assert "entry streamed not stored" in caplog.text
