"""Entry point `dataflow: cache`: registers the memory and disk cache tiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.sdk import hookimpl

from .disk import DiskTier
from .memory import MemoryTier


@hookimpl
def register_caches(register: Callable[[Any], None]) -> None:
    """Contribute `MemoryTier` (id "memory", order 0) and `DiskTier` (id "disk", order 10)."""
    register(MemoryTier)
    register(DiskTier)
