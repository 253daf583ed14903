"""Two processes sharing one disk cache folder: every read is whole and right, nothing raises."""

from __future__ import annotations

import multiprocessing
from contextlib import closing

import pytest
from cachetest_support import (
    BATCH,
    batch_entry,
    batch_writer,
    blob_entry,
    concurrent_worker,
    payload_of,
    settings,
)
from dataflow_cache import DiskTier


@pytest.mark.parametrize("large", [False, True], ids=["packed", "files"])
def test_two_processes_writing_and_reading_the_same_folder_see_no_errors(tmp_path, large):
    folder = tmp_path / "cache"
    rounds = 200
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=concurrent_worker, args=(str(folder), n, rounds, start, results, large))
               for n in (0, 1)]
    for process in workers:
        process.start()
    start.set()
    reports = sorted(results.get(timeout=120) for _ in workers)
    for process in workers:
        process.join(timeout=30)
    assert [errors for _, errors, _, _ in reports] == [[], []]
    assert [process.exitcode for process in workers] == [0, 0]
    (_, _, began0, ended0), (_, _, began1, ended1) = reports
    assert max(began0, began1) < min(ended0, ended1), "the two processes did not overlap"

    tier = DiskTier(settings(folder))
    assert tier.stats()["entries"] == 3 * rounds  # shared keys were stored once, not twice
    for i in range(rounds):
        entry = tier.get(f"shared{i:04d}")
        assert bytes(entry.outputs["data"]) == payload_of(i, large)
    files = [p for p in folder.rglob("*.val")]
    assert len(files) == (3 * rounds if large else 0)  # a packed entry has no file
    tier.close()


def test_a_writer_killed_mid_batch_leaves_whole_batches_and_a_cache_that_works(tmp_path):
    """kill -9 of a process storing batches of small entries: each batch is in whole or not at
    all (one transaction), every entry present reads back right, and the folder takes new ones."""
    import os
    import signal
    import sqlite3
    import time

    folder = tmp_path / "cache"
    database = folder / "disk" / "cache.db"
    context = multiprocessing.get_context("spawn")
    writer = context.Process(target=batch_writer, args=(str(folder),))
    writer.start()
    deadline = time.monotonic() + 60
    stored = 0
    while stored < 3 * BATCH and time.monotonic() < deadline:  # a few batches in, then any moment
        time.sleep(0.01)
        if database.exists():
            try:
                with closing(sqlite3.connect(database, timeout=5)) as db:
                    stored = db.execute("SELECT count(*) FROM Cache").fetchone()[0]
            except sqlite3.Error:
                pass
    time.sleep(0.003 * (os.getpid() % 10))  # a little later each time, somewhere inside a batch
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(timeout=30)
    assert writer.exitcode == -signal.SIGKILL and stored >= 3 * BATCH

    tier = DiskTier(settings(folder))
    with closing(sqlite3.connect(database)) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM Cache")]
    batches: dict[int, int] = {}
    for key in keys:
        batch = int(key[1:].split("-")[0])
        batches[batch] = batches.get(batch, 0) + 1
    assert set(batches.values()) == {BATCH}, "a batch was stored in part"
    assert sorted(batches) == list(range(len(batches)))
    for key in keys:
        batch, i = (int(part) for part in key[1:].split("-"))
        assert tier.get(key).outputs == batch_entry(batch, i).outputs
    assert tier.stats()["entries"] == len(keys)
    tier.put_many([("after", batch_entry(-1, 0))])
    assert tier.get("after").outputs == batch_entry(-1, 0).outputs
    tier.close()


def test_threads_of_one_process_share_a_tier_safely(disk):
    import threading

    errors: list[str] = []

    def work(worker: int) -> None:
        for i in range(40):
            payload = bytes([worker]) * (40_000 + i)
            disk.put(f"t{worker}-{i}", blob_entry(payload))
            disk.put(f"shared-{i}", blob_entry(b"s" * 50_000))
            got = disk.get(f"t{worker}-{i}")
            if got is None or bytes(got.outputs["data"]) != payload:
                errors.append(f"t{worker}-{i}")
            if bytes(disk.get(f"shared-{i}").outputs["data"]) != b"s" * 50_000:
                errors.append(f"shared-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert disk.stats()["entries"] == 4 * 40 + 40
