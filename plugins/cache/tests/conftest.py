"""Fixtures for the cache tier tests: test serializers and tiers over a temporary folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cachetest_support import settings  # noqa: E402

from dataflow.sdk import CacheSettings  # noqa: E402


@pytest.fixture
def cache_settings(tmp_path) -> CacheSettings:
    """Settings over a fresh folder, with the tiny serializers of `cachetest_support`."""
    return settings(tmp_path / "cache")


@pytest.fixture
def disk(cache_settings):
    """A DiskTier over the fresh folder, closed after the test."""
    from dataflow_cache import DiskTier

    tier = DiskTier(cache_settings)
    yield tier
    tier.close()
