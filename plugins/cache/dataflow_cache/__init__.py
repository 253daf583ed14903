"""DataFlow's built-in cache tiers: `MemoryTier` (an LRU bounded by bytes) in front of
`DiskTier` (a checksummed, pickle-free diskcache folder). `plugin.py` registers both."""

from .disk import DiskTier
from .memory import MemoryTier

__all__ = ["DiskTier", "MemoryTier"]
