"""A damaged or tampered disk cache is reported as CacheError (a miss), never a wrong value,
never a crash, and never a pickle being loaded."""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from pathlib import Path

import diskcache
import pytest
from cachetest_support import BlobSerializer, blob_entry, params_entry, serializers
from dataflow_cache import DiskTier
from dataflow_cache.disk import MMAP_MIN_BYTES

from dataflow.sdk import CacheError, CacheSettings

BIG = bytes(range(256)) * 4096  # 1 MiB, in a file of its own
HUGE = bytes(range(256)) * (MMAP_MIN_BYTES // 256 + 1)  # memory-mapped on read


def db(tier: DiskTier) -> sqlite3.Connection:
    return sqlite3.connect(tier.directory / "cache.db", isolation_level=None)


def value_file(tier: DiskTier, part: str) -> Path:
    (filename,) = db(tier).execute("SELECT filename FROM Cache WHERE key = ?", (part,)).fetchone()
    assert filename, f"{part} is stored inline, not in a file"
    return tier.directory / filename


class Plant:
    """Unpickling this creates the file `path`: proof that code ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("payload", [BIG, HUGE], ids=["read", "mapped"])
def test_eight_overwritten_bytes_in_a_value_file_are_an_error_not_a_wrong_value(disk, payload):
    disk.put("k1", blob_entry(payload))
    path = value_file(disk, "k1/data")
    with open(path, "r+b") as handle:
        handle.seek(len(payload) // 2)
        handle.write(b"\x00" * 8)
    with pytest.raises(CacheError, match=r"k1.*'data'.*checksum"):
        disk.get("k1")


def test_a_value_file_altered_after_it_was_verified_is_checked_again(disk):
    disk.put("k1", blob_entry(HUGE))
    assert bytes(disk.get("k1").outputs["data"]) == HUGE  # verified once: later reads skip the hash
    assert bytes(disk.get("k1").outputs["data"]) == HUGE
    path = value_file(disk, "k1/data")
    time.sleep(0.05)  # file times tick in milliseconds (coarse kernel clock): let one pass
    with open(path, "r+b") as handle:  # a write changes the modification time: hashed again
        handle.seek(len(HUGE) // 2)
        handle.write(b"\x00" * 8)
    with pytest.raises(CacheError, match=r"k1.*'data'.*checksum"):
        disk.get("k1")


def test_a_truncated_value_file_is_an_error(disk):
    disk.put("k1", blob_entry(HUGE))
    os.truncate(value_file(disk, "k1/data"), len(HUGE) // 3)
    with pytest.raises(CacheError, match=r"k1.*'data'.*expected"):
        disk.get("k1")


def test_a_deleted_value_file_is_an_error_although_contains_still_says_yes(disk):
    disk.put("k1", blob_entry(BIG))
    os.remove(value_file(disk, "k1/data"))
    assert disk.contains("k1")
    with pytest.raises(CacheError, match=r"k1.*'data'.*missing"):
        disk.get("k1")


def packed_row(tier: DiskTier, key: str) -> bytes:
    (value,) = db(tier).execute("SELECT value FROM Cache WHERE key = ?", (key,)).fetchone()
    assert isinstance(value, bytes) and value.startswith(b"DFE1"), f"{key} is not a packed entry"
    return value


def replace_row(tier: DiskTier, key: str, value: bytes) -> None:
    db(tier).execute("UPDATE Cache SET value = ? WHERE key = ?", (value, key))


def test_an_altered_inline_value_is_an_error(disk):
    disk.put("k1", params_entry(v=1))
    replace_row(disk, "k1", packed_row(disk, "k1").replace(b'{"v": 1}', b'{"v": 2}'))
    with pytest.raises(CacheError, match=r"k1, port 'out': checksum mismatch"):
        disk.get("k1")


@pytest.mark.parametrize("cut", [6, 20, 1], ids=["header", "manifest", "value"])
def test_a_truncated_packed_entry_is_an_error(disk, cut):
    disk.put("k1", params_entry(v=1))
    value = packed_row(disk, "k1")
    replace_row(disk, "k1", value[:cut] if cut != 1 else value[:-1])
    with pytest.raises(CacheError, match="k1.*truncated"):
        disk.get("k1")


def test_bytes_appended_to_a_packed_entry_are_an_error(disk):
    disk.put("k1", params_entry(v=1))
    replace_row(disk, "k1", packed_row(disk, "k1") + b"\x00")
    with pytest.raises(CacheError, match="k1: 1 bytes past its last port"):
        disk.get("k1")


def test_a_packed_manifest_without_its_key_is_an_error(disk):
    disk.put("k1", params_entry(v=1))
    value = packed_row(disk, "k1")
    length = int.from_bytes(value[4:8], "big")
    manifest = value[8:8 + length].replace(b'"key":"k1",', b"")
    replace_row(disk, "k1", b"DFE1" + len(manifest).to_bytes(4, "big") + manifest + value[8 + length:])
    with pytest.raises(CacheError, match="an entry without its key"):
        disk.get("k1")


def test_a_corrupted_packed_entry_is_recomputed_with_a_warning_not_a_crash(cache_settings, caplog):
    """Through the tiered cache, as a run meets it: a warning, the entry dropped, a miss."""
    from dataflow.kernel.cache import TieredCache

    tier = DiskTier(cache_settings)
    tier.put("k1", params_entry(v=1))
    replace_row(tier, "k1", packed_row(tier, "k1").replace(b'{"v": 1}', b'{"v": 9}'))
    cache = TieredCache([tier])
    with caplog.at_level("WARNING"):
        assert cache.get("k1") is None
    assert "k1" in caplog.text and "checksum mismatch" in caplog.text
    assert not tier.contains("k1")  # dropped: the next run computes and stores it again
    cache.put("k1", params_entry(v=1))
    cache.flush()
    assert tier.get("k1").outputs["out"] == {"v": 1}
    cache.close()


@pytest.mark.parametrize("part", ["k1/data", "k1"], ids=["value", "manifest"])
def test_a_row_tampered_to_pickle_mode_is_an_error_and_runs_no_code(disk, tmp_path, part):
    disk.put("k1", blob_entry(BIG))
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Plant(marker))
    db(disk).execute("UPDATE Cache SET mode = 4, filename = NULL, value = ? WHERE key = ?", (payload, part))

    with pytest.raises(CacheError, match="pickle"):
        disk.get("k1")
    assert not marker.exists()

    # the payload is live: diskcache's own Disk runs it
    plain = diskcache.Cache(str(disk.directory))
    plain.get(part)
    plain.close()
    assert marker.exists()


def test_a_key_tampered_to_pickle_mode_is_never_unpickled_and_clear_still_works(disk, tmp_path):
    disk.put("k1", params_entry(v=1))
    marker = tmp_path / "pwned"
    db(disk).execute("UPDATE Cache SET key = ?, raw = 0 WHERE key = 'k1'", (pickle.dumps(Plant(marker)),))
    disk.put("k2", params_entry(v=2))
    assert disk.stats()["entries"] in (1, 2)  # counting stops at the tampered key
    disk.clear()
    assert not disk.contains("k2")
    assert not marker.exists()


@pytest.mark.parametrize("payload", [b"small", BIG], ids=["inline", "file"])
def test_entries_swapped_between_two_keys_are_errors_not_each_others_values(disk, payload):
    disk.put("k1", blob_entry(payload + b"-one"))
    disk.put("k2", blob_entry(payload + b"-two"))
    connection = db(disk)
    pairs = [("k1", "k2"), ("k1/data", "k2/data")] if payload is BIG else [("k1", "k2")]  # small: one row each
    rows = {key: connection.execute("SELECT rowid FROM Cache WHERE key = ?", (key,)).fetchone()[0]
            for pair in pairs for key in pair}
    for first, second in pairs:  # every row of one entry moves to the other
        connection.execute("UPDATE Cache SET key = '__swap__' WHERE rowid = ?", (rows[first],))
        connection.execute("UPDATE Cache SET key = ? WHERE rowid = ?", (first, rows[second]))
        connection.execute("UPDATE Cache SET key = ? WHERE rowid = ?", (second, rows[first]))
    for key, other in (("k1", "k2"), ("k2", "k1")):
        with pytest.raises(CacheError, match=rf"cache entry {key}: holds the entry of key {other} \(moved or swapped\)"):
            disk.get(key)


def test_a_manifest_without_its_key_is_an_error(disk):
    disk.put("k1", blob_entry(BIG))
    (text,) = db(disk).execute("SELECT value FROM Cache WHERE key = 'k1'").fetchone()
    db(disk).execute("UPDATE Cache SET value = ? WHERE key = 'k1'", (text.replace('"key":"k1",', ""),))
    with pytest.raises(CacheError, match="an entry without its key"):
        disk.get("k1")


@pytest.mark.parametrize("manifest", ["{not json", '{"ports": [1]}', '{"ports": {"data": {"type": "blob"}}}',
                                      '{"ports": {"data": {"type": "blob", "serializer": "test-blob", '
                                      '"size": NaN, "xxh3": "0"}}}', "[]"])
def test_a_malformed_manifest_is_an_error(disk, manifest):
    disk.put("k1", blob_entry(BIG))
    db(disk).execute("UPDATE Cache SET value = ? WHERE key = 'k1'", (manifest,))
    with pytest.raises(CacheError, match=r"k1.*manifest"):
        disk.get("k1")


def test_a_manifest_stored_as_bytes_is_an_error(disk):
    disk.put("k1", blob_entry(BIG))
    db(disk).execute("UPDATE Cache SET value = ? WHERE key = 'k1'", (b"{}",))
    with pytest.raises(CacheError, match="manifest is bytes"):
        disk.get("k1")


def test_a_port_whose_type_has_no_serializer_any_more_is_an_error(disk, cache_settings):
    disk.put("k1", blob_entry(BIG))
    without = {k: v for k, v in serializers().items() if k != "blob"}
    tier = DiskTier(CacheSettings(cache_settings.directory, without))
    with pytest.raises(CacheError, match=r"k1.*'data'.*no serializer"):
        tier.get("k1")


def test_a_port_stored_by_another_serializer_is_an_error(disk, cache_settings):
    disk.put("k1", blob_entry(BIG))

    class NewBlob(BlobSerializer):
        id = "test-blob-v2"

    tier = DiskTier(CacheSettings(cache_settings.directory, {**serializers(), "blob": NewBlob()}))
    with pytest.raises(CacheError, match="test-blob-v2"):
        tier.get("k1")


def test_a_serializer_that_fails_to_load_is_an_error(disk, cache_settings):
    disk.put("k1", blob_entry(BIG))

    class Refusing(BlobSerializer):
        def loads(self, data):
            raise ValueError("bad magic")

    tier = DiskTier(CacheSettings(cache_settings.directory, {**serializers(), "blob": Refusing()}))
    with pytest.raises(CacheError, match=r"k1.*'data'.*bad magic"):
        tier.get("k1")


def test_a_damaged_database_is_moved_aside_and_an_empty_cache_works(cache_settings, caplog):
    first = DiskTier(cache_settings)
    first.put("k1", blob_entry(BIG))
    first.close()
    folder = first.directory
    for suffix in ("-wal", "-shm"):
        Path(f"{folder / 'cache.db'}{suffix}").unlink(missing_ok=True)
    (folder / "cache.db").write_bytes(b"this is not a database" * 100)

    tier = DiskTier(cache_settings)
    assert "damaged" in caplog.text
    (aside,) = folder.parent.glob("disk.broken-*")
    assert (aside / "cache.db").read_bytes().startswith(b"this is not a database")
    assert tier.get("k1") is None
    tier.put("k2", params_entry(v=2))
    assert tier.get("k2").outputs["out"] == {"v": 2}
    assert (folder.stat().st_mode & 0o777) == 0o700
    tier.close()


def test_sqlite_errors_while_running_are_cache_errors_and_lookups_say_no(disk):
    disk.put("k1", params_entry(v=1))
    db(disk).execute("DROP TABLE Cache")
    assert disk.contains("k1") is False
    with pytest.raises(CacheError, match="k1"):
        disk.get("k1")
    with pytest.raises(CacheError, match="k2"):
        disk.put("k2", params_entry(v=2))


def test_a_row_in_file_mode_without_a_file_is_an_error(disk):
    disk.put("k1", blob_entry(BIG))
    db(disk).execute("UPDATE Cache SET filename = NULL WHERE key = 'k1/data'")
    with pytest.raises(CacheError, match=r"k1.*names no file"):
        disk.get("k1")
