"""After a large read, the CSV parser's freed memory goes back to the system instead of staying
resident through the next nodes (heap.py)."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from dataflow_io import heap, text
from dataflow_io.nodes import read_csv

from dataflow.sdk import run_node

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim and mallinfo2 are glibc's")

# A heap with 128 MiB free in 64 KiB holes between live blocks (the shape a parser's freed chunks
# leave): trimming the top of the heap cannot reach them. Prints RSS before and after the release.
_FRAGMENTED = textwrap.dedent("""
    import os
    from dataflow_io.heap import free_heap_bytes, release_free_heap

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    blocks = [bytearray(64 << 10) for _ in range(4096)]
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
    del blocks[::2]
    free = free_heap_bytes()
    before = rss()
    kept = release_free_heap(minimum=free + 1)  # less free than asked: kept
    same = rss()
    released = release_free_heap(minimum=64 << 20)
    print(free, before, kept, same, released, rss())
""")


@glibc_only
def test_free_heap_memory_is_given_back_only_from_the_threshold_on():
    done = subprocess.run([sys.executable, "-c", _FRAGMENTED], capture_output=True, text=True, check=True)
    free, before, kept, same, released, after = done.stdout.split()
    assert int(free) >= 120 << 20
    assert kept == "False" and abs(int(same) - int(before)) < 16 << 20
    assert released == "True" and int(before) - int(after) >= 100 << 20


def test_a_large_file_s_read_gives_the_parser_s_memory_back_and_a_small_one_does_not(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(text, "release_free_heap", lambda: calls.append(True))
    path = tmp_path / "orders.csv"
    frame = pd.DataFrame({"id": range(1000), "name": [f"n{i % 7}" for i in range(1000)]})
    frame.to_csv(path, index=False)
    monkeypatch.setattr(text, "LARGE_FILE_BYTES", path.stat().st_size + 1)
    small = run_node(read_csv, path=str(path))["table"]
    assert calls == []
    monkeypatch.setattr(text, "LARGE_FILE_BYTES", path.stat().st_size)
    large = run_node(read_csv, path=str(path))["table"]
    assert calls == [True]
    pd.testing.assert_frame_equal(large, small)
    pd.testing.assert_frame_equal(large, pd.read_csv(path))


def test_without_glibc_nothing_is_asked(monkeypatch):
    monkeypatch.setattr(heap, "_libc", lambda: None)
    assert heap.free_heap_bytes() == 0
    assert heap.release_free_heap(minimum=0) is False
