"""Fixtures: a round trip through a real file read back as a memory map, the way the disk tier reads."""

from __future__ import annotations

import mmap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def through_file(tmp_path: Path) -> Callable[[Any, Any], Any]:
    """`through_file(serializer, value)`: dumps to a file, memory-maps it, loads from the map."""
    maps: list[mmap.mmap] = []
    counter = iter(range(1_000_000))

    def roundtrip(serializer: Any, value: Any) -> Any:
        path = tmp_path / f"entry-{next(counter)}.bin"
        path.write_bytes(serializer.dumps(value))
        with open(path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        maps.append(mapped)  # the loaded value may point into the map: keep it alive with the test
        return serializer.loads(memoryview(mapped))

    return roundtrip
