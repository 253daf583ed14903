"""The manifest of a disk entry: what each port holds and how to check it.

One JSON text per entry, stored under the entry's key and written after every port value:

    {"key": "5c0f...", "ports": {"table": {"type": "table", "serializer": "arrow-ipc",
                                           "size": 80000434, "xxh3": "aa4d49ba55ce296c17b38f0df96e77f7"}},
     "warnings": ["3 rows dropped"]}

`size` and `xxh3` (xxh3_128, hex) are checked before a value's bytes reach its serializer, so a
truncated or overwritten value file is reported, never decoded into a wrong value. `key` is the
entry's own key, checked against the key it is read under: an entry moved or swapped to another
key (whose checksums would all match) is reported, never returned as another node's output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import xxhash

from dataflow.sdk import CacheError

#: a manifest is a few hundred bytes; anything much larger was not written by this tier
MAX_MANIFEST_CHARS = 1 << 20


@dataclass(frozen=True, slots=True)
class PortRecord:
    """What the manifest says about one output port."""

    port_type: str
    serializer: str
    size: int
    xxh3: str


@dataclass(frozen=True)
class WrittenFile:
    """A port's value its serializer has already written to a value file of its own (see
    `SafeDisk.new_file`): stored by reference instead of being written again."""

    filename: str  # relative to the cache folder, as diskcache records it
    size: int


def checksum(data: bytes | memoryview) -> str:
    """xxh3_128 of `data` as 32 hex digits (about 2 ms for 80 MB)."""
    return xxhash.xxh3_128_hexdigest(data)


def dump_manifest(key: str, ports: dict[str, PortRecord], warnings: list[str]) -> str:
    """The JSON text stored under the entry's `key`."""
    body = {
        "key": key,
        "ports": {port: {"type": r.port_type, "serializer": r.serializer, "size": r.size, "xxh3": r.xxh3}
                  for port, r in ports.items()},
        "warnings": [str(w) for w in warnings],
    }
    return json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_manifest(text: Any, key: str) -> tuple[dict[str, PortRecord], list[str]]:
    """Ports and warnings of the manifest `text` stored under `key`; CacheError when malformed."""
    if not isinstance(text, str):
        raise CacheError(f"cache entry {key}: manifest is {type(text).__name__}, expected JSON text")
    if len(text) > MAX_MANIFEST_CHARS:
        raise CacheError(f"cache entry {key}: manifest is implausibly large ({len(text)} characters)")
    try:
        body = json.loads(text, parse_constant=_reject_constant)
        raw_ports = body["ports"]
        warnings = body.get("warnings", [])
        if not isinstance(raw_ports, dict) or not isinstance(warnings, list):
            raise TypeError("'ports' must be an object and 'warnings' a list")
        ports = {}
        for port, meta in raw_ports.items():
            record = PortRecord(meta["type"], meta["serializer"], meta["size"], meta["xxh3"])
            if not (isinstance(record.port_type, str) and isinstance(record.serializer, str)
                    and type(record.size) is int and record.size >= 0 and isinstance(record.xxh3, str)):
                raise TypeError(f"port '{port}' has a malformed record")
            ports[port] = record
        owner = body.get("key")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise CacheError(f"cache entry {key}: manifest is malformed ({type(exc).__name__}: {exc})") from None
    if owner != key:
        found = f"the entry of key {str(owner)[:64]}" if owner is not None else "an entry without its key"
        raise CacheError(f"cache entry {key}: holds {found} (moved or swapped); ignored")
    return ports, [str(w) for w in warnings]
