"""Tiny serializers and process workers for the cache tier tests.

Kept in a plain module (not a test file) so that processes started with `spawn` can import
the worker functions by name; the tests' conftest puts this folder on `sys.path`.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

from dataflow.sdk import CacheEntry, CacheSettings, Serializer


class BlobSerializer(Serializer):
    """Port type "blob": bytes stored as they are; `loads` returns the view it is given."""

    id = "test-blob"
    port_type = "blob"
    python_type = "bytes"

    def dumps(self, value: Any) -> bytes | memoryview:
        return value if isinstance(value, bytes) else memoryview(value)

    def loads(self, data: memoryview) -> Any:
        return data

    def sizeof(self, value: Any) -> int:
        return len(value)


class JsonSerializer(Serializer):
    """Port type "params": a dict as JSON."""

    id = "test-json"
    port_type = "params"
    python_type = "dict"

    def dumps(self, value: Any) -> bytes:
        return json.dumps(value, sort_keys=True).encode()

    def loads(self, data: memoryview) -> Any:
        return json.loads(bytes(data))

    def sizeof(self, value: Any) -> int:
        return len(json.dumps(value))


class BrokenSerializer(Serializer):
    """Port type "broken": `dumps` always raises."""

    id = "test-broken"
    port_type = "broken"

    def dumps(self, value: Any) -> bytes:
        raise RuntimeError("cannot encode this")

    def loads(self, data: memoryview) -> Any:
        raise RuntimeError("cannot decode this")


class StreamingBlobSerializer(BlobSerializer):
    """Port type "streamblob": bytes, written straight into the value file by `dump_file`."""

    id = "test-streamblob"
    port_type = "streamblob"
    streamed = 0  # how many values went through dump_file
    compacted = 0  # how many of them through dump_compact

    def dump_file(self, value: Any, path: Path) -> bool:
        with open(path, "xb") as handle:
            handle.write(value)
        StreamingBlobSerializer.streamed += 1
        return True

    def dump_compact(self, value: Any, path: Path) -> bool:
        StreamingBlobSerializer.compacted += 1
        return self.dump_file(value, path)


class HalfStreamSerializer(BlobSerializer):
    """Port type "halfstream": `dump_file` writes half the value, then fails."""

    id = "test-halfstream"
    port_type = "halfstream"

    def dump_file(self, value: Any, path: Path) -> bool:
        with open(path, "xb") as handle:
            handle.write(value[: len(value) // 2])
        raise OSError("disk full (simulated)")


def serializers() -> dict[str, Serializer]:
    """Port type -> serializer, as a registry would provide them."""
    return {s.port_type: s for s in (BlobSerializer(), JsonSerializer(), BrokenSerializer(),
                                     StreamingBlobSerializer(), HalfStreamSerializer())}


def settings(directory: Path, **overrides: Any) -> CacheSettings:
    """CacheSettings over `directory` with the test serializers."""
    return CacheSettings(directory=Path(directory), serializers=serializers(), **overrides)


def params_entry(**values: Any) -> CacheEntry:
    """An entry with one "params" port named "out"."""
    return CacheEntry({"out": dict(values)}, {"out": "params"})


def blob_entry(data: bytes, warnings: list[str] | None = None, *, seconds: float | None = None,
               source: bool = False, keep: bool = False) -> CacheEntry:
    """An entry with one "blob" port named "data" (computed in `seconds`, from a `source` node,
    of a node declared `cache="keep"`)."""
    return CacheEntry({"data": data}, {"data": "blob"}, list(warnings or []), seconds, source, keep)


def payload_of(i: int, large: bool) -> bytes:
    """The bytes the concurrent workers store as entry `i`: packed in its row (about 40 kB), or
    with a value file of its own (over 64 KiB, `large`)."""
    return bytes([i % 256]) * ((70_000 if large else 40_000) + 1_000 * (i % 7))


def concurrent_worker(directory: str, worker: int, rounds: int, start: Any, results: Any,
                      large: bool = False) -> None:
    """Write and read entries shared with another process, from `start` on; put every error
    seen (and the time span of the work) on `results`."""
    import time

    from dataflow_cache import DiskTier

    errors: list[str] = []
    began = ended = 0.0
    try:
        tier = DiskTier(settings(Path(directory)))
        start.wait(60)
        began = time.monotonic()
        for i in range(rounds):
            shared = f"shared{i:04d}"
            own = f"w{worker}n{i:04d}"
            payload = payload_of(i, large)
            for key in (shared, own):
                tier.put(key, blob_entry(payload, [key]))
            for key in (shared, own, f"w{1 - worker}n{i:04d}"):
                entry = tier.get(key)
                if entry is None:
                    if key != f"w{1 - worker}n{i:04d}":  # the other process may not be there yet
                        errors.append(f"{key}: missing right after put")
                    continue
                if bytes(entry.outputs["data"]) != payload or entry.warnings != [key]:
                    errors.append(f"{key}: wrong value")
        ended = time.monotonic()
        tier.close()
    except Exception:
        errors.append(traceback.format_exc())
    results.put((worker, errors, began, ended))


#: entries in each batch of `batch_writer`
BATCH = 200


def batch_entry(batch: int, i: int) -> CacheEntry:
    """Entry `i` of batch `batch` of `batch_writer`: small, so it is packed in one row."""
    return CacheEntry({"out": {"batch": batch, "i": i, "pad": "x" * (i % 50)}}, {"out": "params"})


def batch_writer(directory: str) -> None:
    """Store batches of BATCH small entries (keys `b<batch>-<i>`) through `put_many`, one batch
    after another, until killed."""
    from dataflow_cache import DiskTier

    tier = DiskTier(settings(Path(directory)))
    batch = 0
    while True:
        tier.put_many([(f"b{batch}-{i}", batch_entry(batch, i)) for i in range(BATCH)])
        batch += 1
