"""Two processes sharing one disk cache folder: every read is whole and right, nothing raises."""

from __future__ import annotations

import multiprocessing

from cachetest_support import blob_entry, concurrent_worker, settings
from dataflow_cache import DiskTier


def test_two_processes_writing_and_reading_the_same_folder_see_no_errors(tmp_path):
    folder = tmp_path / "cache"
    rounds = 200
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=concurrent_worker, args=(str(folder), n, rounds, start, results))
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
        assert bytes(entry.outputs["data"]) == bytes([i % 256]) * (40_000 + 1_000 * (i % 7))
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
