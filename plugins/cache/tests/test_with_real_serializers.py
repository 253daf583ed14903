"""The tiers with DataFlow's built-in serializers (skipped when dataflow-serializers is absent)."""

from __future__ import annotations

import sqlite3

import pytest

serializers_plugin = pytest.importorskip("dataflow_serializers.plugin")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from dataflow_cache import DiskTier, MemoryTier  # noqa: E402

from dataflow.kernel import TieredCache  # noqa: E402
from dataflow.sdk import CacheEntry, CacheSettings  # noqa: E402


@pytest.fixture
def real_settings(tmp_path) -> CacheSettings:
    return CacheSettings(tmp_path / "cache", {s.port_type: s for s in serializers_plugin.serializers()})


def node_outputs() -> CacheEntry:
    table = pd.DataFrame({"price": np.linspace(0, 1, 300_000), "qty": np.arange(300_000),
                          "city": pd.Series(["Oslo", "Lima", None] * 100_000, dtype="str")})
    return CacheEntry({"table": table, "metrics": {"rows": 300_000, "mean": 0.5},
                       "array": np.arange(12.0).reshape(3, 4)},
                      {"table": "table", "metrics": "metrics", "array": "array"}, ["one warning"])


def test_outputs_of_every_kind_come_back_equal_from_a_new_disk_tier(real_settings):
    first = DiskTier(real_settings)
    first.put("k1", node_outputs())
    first.close()
    tier = DiskTier(real_settings)
    got, want = tier.get("k1"), node_outputs()
    pd.testing.assert_frame_equal(got.outputs["table"], want.outputs["table"])
    assert got.outputs["metrics"] == want.outputs["metrics"]
    np.testing.assert_array_equal(got.outputs["array"], want.outputs["array"])
    assert got.warnings == ["one warning"]
    tier.close()


def test_a_corrupt_table_is_a_miss_through_the_tiered_cache(real_settings):
    cache = TieredCache([MemoryTier(real_settings), DiskTier(real_settings)])
    cache.put("k1", node_outputs())
    cache.flush()
    disk = cache.tiers[1]
    con = sqlite3.connect(disk.directory / "cache.db")
    (filename,) = con.execute("SELECT filename FROM Cache WHERE key = 'k1/table'").fetchone()
    con.close()
    with open(disk.directory / filename, "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x01" * 8)
    cache.tiers[0].clear()
    assert cache.get("k1") is None
    assert not cache.contains("k1")
    cache.close()
